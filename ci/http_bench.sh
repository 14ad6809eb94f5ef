#!/usr/bin/env bash
# ci/http_bench.sh [build-dir] [http_vs_wrk flags...]: the `http` workload
# (open loop, coordinated-omission corrected) against wrk (closed loop, as
# fast as it can) on one in-process loopback server, interleaved, in one run
# (tests/benchmarks/http_vs_wrk.cc). Prints a Markdown table of medians, the
# ratio of requests/s (>= 1.0: obsbench holds wrk's maximum rate open loop)
# and a JSON line. Opt-in: not part of ci/test.sh (a one-round smoke runs
# there as the benchmark-labelled ctest http_vs_wrk_smoke).
# Defaults: --rounds 3 --seconds 10 --connections 10 --threads 2. Built -O2
# in build/http-bench unless a build dir is given.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/build/http-bench
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  dir=$1
  shift
fi
"$root/ci/setup.sh" >&2
BUILD_TARGETS="http_vs_wrk" "$root/ci/build.sh" "$dir" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DOBS_BUILD_TESTS=OFF \
  -DOBS_BUILD_BENCHMARKS=ON >&2
exec "$dir/tests/benchmarks/http_vs_wrk" "$@"
