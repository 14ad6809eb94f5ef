#!/usr/bin/env bash
# ci/perf_bench.sh [--quick]: every side-by-side performance measurement of
# docs/performance.md in one run on this machine, each printed as Markdown
# and collected in out/bench/performance.md:
#   1. remote-write ingest: reference backend vs Prometheus 2.42 vs
#      VictoriaMetrics 1.79.5, scrape-like and bulk layouts (CPU per 1M
#      samples, throughput, RSS, write->query visibility);
#   2. PromQL range queries on the same three servers;
#   3. one remote-write sender core against a discarding server, at capacity
#      and paced at 5M samples/s, and snappy alone on the same bytes;
#   4. the http workload against wrk on one loopback server;
#   5. rule evaluation -> webhook delivery of the reference backend.
# Builds Release into build/bench. Opt-in (about 20 minutes; --quick: about
# 5): not part of ci/test.sh. Servers run on free loopback ports and are
# stopped by PID. The memory soak is separate: ci/soak.sh (an hour).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/build/bench
quick=0
if [ "${1:-}" = "--quick" ]; then
  quick=1
fi
"$root/ci/setup.sh" >&2
BUILD_TARGETS="obsbench ingest_side_by_side promql_side_by_side remote_write_to_sink http_vs_wrk alert_delivery_latency" \
  "$root/ci/build.sh" "$dir" -DCMAKE_BUILD_TYPE=Release -DOBS_BUILD_TESTS=OFF \
  -DOBS_BUILD_BENCHMARKS=ON >&2
b=$dir/tests/benchmarks
out=$root/out/bench
mkdir -p "$out"
report=$out/performance.md
{
  echo "# obsbench performance, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -m)"
  echo
  echo "Produced by \`ci/perf_bench.sh$([ $quick = 1 ] && echo ' --quick')\`; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
} > "$report"
run() {
  local title=$1
  shift
  echo "-- $title" >&2
  { echo "## $title"; echo; echo "\`$(basename "$1") ${*:2}\`"; echo; } >> "$report"
  "$@" 2> >(cat >&2) | tee -a "$report"
  echo >> "$report"
}
if [ $quick = 1 ]; then
  run "Remote-write ingest side by side" "$b/ingest_side_by_side" "$dir/cli/obsbench" \
    --rounds 2 --samples 500000 --instances 40 --probes 10
  run "PromQL side by side" "$b/promql_side_by_side" "$dir/cli/obsbench" --repeat 2
  run "One sender core to a sink, at capacity" "$b/remote_write_to_sink" --seconds 3 --rate 30000000
  run "HTTP load vs wrk" "$b/http_vs_wrk" --rounds 1 --seconds 5
  run "Rule evaluation to webhook" "$b/alert_delivery_latency" --seconds 10
else
  run "Remote-write ingest side by side" "$b/ingest_side_by_side" "$dir/cli/obsbench"
  run "PromQL side by side" "$b/promql_side_by_side" "$dir/cli/obsbench"
  # At capacity (a target above what one core sends) is the per-core figure;
  # paced below it, the thread also pays for sleeping between requests.
  run "One sender core to a sink, at capacity" "$b/remote_write_to_sink" --seconds 10 --rate 30000000
  run "One sender core to a sink, paced at 5M samples/s" "$b/remote_write_to_sink" --seconds 10
  run "HTTP load vs wrk" "$b/http_vs_wrk"
  run "Rule evaluation to webhook" "$b/alert_delivery_latency" --seconds 60
fi
echo "report: $report" >&2
