#!/usr/bin/env bash
# Installs everything obsbench needs on a fresh Debian (bookworm) machine: the
# toolchain, the libraries, and the real peers the integration tests start
# (Prometheus 2.42, Alertmanager 0.25, VictoriaMetrics 1.79.5 with vmalert).
# Idempotent: when every package is already installed it only checks and
# returns in well under a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
  libboost-dev libprotobuf-dev protobuf-compiler libsnappy-dev libyaml-cpp-dev
  nlohmann-json3-dev libcurl4-openssl-dev zlib1g-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  prometheus prometheus-alertmanager victoria-metrics curl ca-certificates locales
  chromium  # tests/reports/html_browser_test renders report.html headless
  wrk  # tests/benchmarks/http_vs_wrk: the http workload side by side with wrk
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "ci/setup.sh: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A German locale (comma decimal point) lets the report tests prove the
# writers are locale-independent.
if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
  if [ -f /etc/locale.gen ] && [ "$(id -u)" = 0 ]; then
    sed -i 's/^# *\(de_DE.UTF-8 UTF-8\)/\1/' /etc/locale.gen
    grep -q '^de_DE.UTF-8 UTF-8' /etc/locale.gen || echo 'de_DE.UTF-8 UTF-8' >>/etc/locale.gen
    locale-gen >/dev/null
  fi
fi

# The Debian packages enable and start system services on install; the tests
# start their own instances on free ports, so stop the packaged ones.
for svc in prometheus prometheus-alertmanager victoria-metrics prometheus-node-exporter; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    systemctl stop "$svc" || true
  fi
done

# The OpenTelemetry JavaScript SDK for the interop test
# (tests/integration/otel_js_interop_test.cc): Node.js from the machine, or
# Debian's if there is none; the npm packages pinned by package-lock.json,
# installed beside the script and reinstalled only when the lock changes.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "ci/setup.sh: installing nodejs npm"
  sudo_cmd=()
  if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
interop_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/interop/otel-js"
if ! cmp -s "$interop_dir/package-lock.json" "$interop_dir/node_modules/.obsbench-lock" 2>/dev/null; then
  echo "ci/setup.sh: npm ci in tests/interop/otel-js"
  (cd "$interop_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$interop_dir/package-lock.json" "$interop_dir/node_modules/.obsbench-lock"
fi
