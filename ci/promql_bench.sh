#!/usr/bin/env bash
# ci/promql_bench.sh [build-dir] [--repeat N] [--no-vm]: times the same PromQL
# range queries on the reference backend, Prometheus 2.42 and VictoriaMetrics
# 1.79.5 in one run on the same data (tests/benchmarks/promql_side_by_side.cc)
# and prints a Markdown table of medians and ratios. Opt-in: not part of
# ci/test.sh. All servers run on free loopback ports and are stopped by PID.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/build/bench
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  dir=$1
  shift
fi
"$root/ci/setup.sh" >&2
BUILD_TARGETS="obsbench promql_side_by_side" "$root/ci/build.sh" "$dir" \
  -DCMAKE_BUILD_TYPE=Release -DOBS_BUILD_TESTS=OFF -DOBS_BUILD_BENCHMARKS=ON >&2
exec "$dir/tests/benchmarks/promql_side_by_side" "$dir/cli/obsbench" "$@"
