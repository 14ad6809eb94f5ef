#!/usr/bin/env bash
# ci/ingest_bench.sh [build-dir] [--rounds N] [--samples N] [--instances N]
# [--probes N] [--no-vm] [--no-prometheus]: sends the same generated
# remote-write load (scrape-like and bulk layouts) to the reference backend,
# Prometheus 2.42 and VictoriaMetrics 1.79.5 in one run
# (tests/benchmarks/ingest_side_by_side.cc) and prints Markdown tables of each
# server's CPU per million samples, throughput, RSS and write-to-query
# visibility. Opt-in: not part of ci/test.sh. All servers run on free
# loopback ports and are stopped by PID.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/build/bench
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  dir=$1
  shift
fi
"$root/ci/setup.sh" >&2
BUILD_TARGETS="obsbench ingest_side_by_side" "$root/ci/build.sh" "$dir" \
  -DCMAKE_BUILD_TYPE=Release -DOBS_BUILD_TESTS=OFF -DOBS_BUILD_BENCHMARKS=ON >&2
exec "$dir/tests/benchmarks/ingest_side_by_side" "$dir/cli/obsbench" "$@"
