// Cost of recording one latency and of reading a percentile.
#include <cstdint>

#include <benchmark/benchmark.h>

#include "obs/base/histogram.h"

namespace {

void BM_Histogram_Record(benchmark::State& state) {
  obs::Histogram h;
  std::int64_t v = 1000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.Record(v));
    v = (v * 1103515245 + 12345) % 3'000'000'000;  // Spread over many buckets.
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Histogram_Record);

void BM_Histogram_ValueAtPercentile(benchmark::State& state) {
  obs::Histogram h;
  for (std::int64_t v = 1; v < 10'000'000; v += 997)
    (void)h.Record(v * 100);
  for (auto _ : state)
    benchmark::DoNotOptimize(h.ValueAtPercentile(99.9));
}
BENCHMARK(BM_Histogram_ValueAtPercentile);

void BM_Histogram_Merge(benchmark::State& state) {
  obs::Histogram a, b;
  for (std::int64_t v = 1; v < 1'000'000; v += 13)
    (void)b.Record(v * 1000);
  for (auto _ : state)
    a.Merge(b);
}
BENCHMARK(BM_Histogram_Merge);

}  // namespace
