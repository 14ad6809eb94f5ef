#!/usr/bin/env bash
# ci/bench.sh [build-dir]: runs every microbenchmark with repetitions on a
# Release build and prints a table of medians plus the ratios that matter
# (generator and codec rates relative to snappy's own compression rate on the
# same bytes). Opt-in: not part of ci/do_ci.sh all. JSON results are kept in
# <build-dir>/bench-results/. Quote the table in docs/performance.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build/bench}
reps=${BENCH_REPETITIONS:-5}
"$root/ci/setup.sh"
"$root/ci/build.sh" "$dir" -DCMAKE_BUILD_TYPE=Release -DOBS_BUILD_TESTS=OFF -DOBS_BUILD_BENCHMARKS=ON >&2
mkdir -p "$dir/bench-results"
for b in "$dir"/tests/benchmarks/*_benchmark; do
  name=$(basename "$b")
  echo "-- $name" >&2
  "$b" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
    --benchmark_min_time=0.2 --benchmark_out="$dir/bench-results/$name.json" \
    --benchmark_out_format=json >/dev/null
done
python3 - "$dir/bench-results" <<'PY'
import glob, json, sys
rows = {}
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    for b in json.load(open(f))["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        rows[b["run_name"]] = b
def rate(name, key="items_per_second"):
    b = rows.get(name)
    return b.get(key) if b else None
print("| benchmark | median time | items/s | bytes/s |")
print("|---|--:|--:|--:|")
for name, b in rows.items():
    ips = b.get("items_per_second")
    bps = b.get("bytes_per_second")
    print(f"| {name} | {b['real_time']:.3g} {b['time_unit']} | "
          f"{'' if ips is None else f'{ips/1e6:.2f} M'} | {'' if bps is None else f'{bps/2**20:.0f} MiB'} |")
snappy = rate("BM_Snappy_Compress")
print()
for name in ("BM_RemoteWrite_EncodeAndCompress", "BM_RemoteWrite_BuildBatch/2000"):
    r = rate(name)
    if r and snappy:
        print(f"- {name}: {r/1e6:.2f} M samples/s = {r/snappy:.2f} x snappy-only on the same request bytes")
PY
