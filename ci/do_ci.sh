#!/usr/bin/env bash
# ci/do_ci.sh <target>: the single entry point for checks, the same locally and in CI.
#   format   clang-format --dry-run -Werror on tracked sources
#   release  gcc -O1, -Werror: unit + integration tests, then benchmark smoke runs
#   asan     gcc -O0 AddressSanitizer + UndefinedBehaviorSanitizer: unit tests
#   fuzz     clang libFuzzer targets, FUZZ_SECONDS (default 10) each on fixtures/fuzz-seeds
#   all      format, release, asan, fuzz (what CI runs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)

step_start=$SECONDS
step() {
  printf '\n==== %s (%d s since start) ====\n' "$*" "$((SECONDS - step_start))"
}

do_format() {
  step "format"
  # Batches on every core: one clang-format over the whole tree took over 3 minutes.
  git ls-files '*.h' '*.cc' | xargs -P "$jobs" -n 25 clang-format --dry-run -Werror
}

do_release() {
  step "release build (gcc, -Werror)"
  # -O1 without debug info: optimized enough for the timing-sensitive
  # integration tests, and a quarter faster to compile than -O2 -g (CI's time
  # budget). Benchmark numbers in docs come from -O2 builds, not from here.
  ci/build.sh build/ci-release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOBS_WERROR=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g0 -DNDEBUG"
  step "unit + integration tests"
  ctest --test-dir build/ci-release -LE 'benchmark|fuzz' -j "$jobs" --output-on-failure --timeout 600
  step "benchmark smoke runs"
  ctest --test-dir build/ci-release -L benchmark --output-on-failure --timeout 300
}

do_asan() {
  # Unit tests only, so the integration tests are not built; -O0 with line tables only
  # (-g1) keeps this build short while stack traces still name files and lines.
  step "asan+ubsan build (gcc -O0)"
  ci/build.sh build/ci-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
    -DOBS_SANITIZE="address;undefined" -DOBS_BUILD_BENCHMARKS=OFF -DOBS_WERROR=ON \
    -DOBS_BUILD_INTEGRATION_TESTS=OFF
  step "unit tests under asan+ubsan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build/ci-asan -L unit -j "$jobs" --output-on-failure --timeout 600
}

do_fuzz() {
  step "fuzzers (clang libFuzzer)"
  CXX=clang++ cmake -S . -B build/ci-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOBS_BUILD_FUZZERS=ON -DOBS_BUILD_TESTS=OFF -DOBS_BUILD_BENCHMARKS=OFF >/dev/null
  local targets
  targets=$(ninja -C build/ci-fuzz -t targets all | sed -n 's/^\([a-z_]*_fuzzer\): .*/\1/p' | sort -u | tr '\n' ' ')
  [ -n "$targets" ] || { echo "no fuzz targets are defined"; exit 1; }
  BUILD_TARGETS="$targets" ci/build.sh build/ci-fuzz
  local secs=${FUZZ_SECONDS:-10}
  local found=0
  for f in build/ci-fuzz/tests/fuzz/*_fuzzer; do
    [ -x "$f" ] || continue
    found=1
    local name seeds corpus
    name=$(basename "$f")
    seeds=""
    [ -f "$f.seeds" ] && seeds=$(cat "$f.seeds")
    corpus=$(mktemp -d)
    echo "-- $name for ${secs}s (seeds: ${seeds:-none})"
    if ! "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=build/ci-fuzz/ "$corpus" ${seeds:+"$seeds"} >"build/ci-fuzz/$name.log" 2>&1; then
      tail -n 60 "build/ci-fuzz/$name.log"
      echo "$name found a crash (artifact under build/ci-fuzz/)"
      exit 1
    fi
    grep -E '^stat::number_of_executed_units|^Done' "build/ci-fuzz/$name.log" | tail -n 2
    rm -rf "$corpus"
  done
  [ "$found" = 1 ] || { echo "no fuzzers were built"; exit 1; }
}

case "${1:-all}" in
  format) do_format ;;
  release) do_release ;;
  asan) do_asan ;;
  fuzz) do_fuzz ;;
  all)
    start=$SECONDS
    do_format
    do_release
    do_asan
    do_fuzz
    step "all checks passed in $((SECONDS - start)) s"
    ;;
  *) echo "usage: ci/do_ci.sh format|release|asan|fuzz|all" >&2; exit 2 ;;
esac
