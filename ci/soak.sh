#!/usr/bin/env bash
# ci/soak.sh [--duration 60m] [obsbench run flags...]: the flat-memory soak
# (scenarios/library/soak.yaml). Builds obsbench (Release), starts
# `obsbench backend` as its own process on a free loopback port, runs the
# soak scenario against it and stops the backend by PID. Opt-in: not part of
# ci/test.sh (it runs for an hour). Exit code is obsbench run's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
duration=60m
if [ "${1:-}" = "--duration" ]; then
  duration=$2
  shift 2
fi
bin=${OBSBENCH:-}
if [ -z "$bin" ]; then
  "$root/ci/setup.sh" >&2
  "$root/ci/build.sh" "$root/build/release" -DCMAKE_BUILD_TYPE=Release -DOBS_BUILD_TESTS=OFF \
    -DOBS_BUILD_BENCHMARKS=OFF >&2
  bin=$root/build/release/cli/obsbench
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp /tmp/obsbench-soak-backend.XXXXXX)
"$bin" backend --listen "127.0.0.1:$port" > "$log" 2>&1 &
backend=$!
trap 'kill "$backend" 2>/dev/null; wait "$backend" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/-/ready" > /dev/null && break
  sleep 0.1
done
status=0
"$bin" run "$root/scenarios/library/soak.yaml" --out "$root/out/soak" \
  --set "duration=$duration" \
  --set "target.write_url=http://127.0.0.1:$port/api/v1/write" \
  --set "target.query_url=http://127.0.0.1:$port" \
  --watch "obsbench backend=$backend" "$@" || status=$?
exit $status
