// Query engine over 10k series with 5 minutes of 15 s samples each:
// count_over_time per series and sum(rate(...)) across all series, as
// instant queries and as a 10-minute range query at 15 s steps.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <variant>

#include <benchmark/benchmark.h>

#include "obs/wire/remote_write.h"

#include "query/engine.h"
#include "store/storage.h"

namespace obs::backend {
namespace {

constexpr int kSeries = 10000;
constexpr int kSamples = 41;  // 0..600 s every 15 s.

const Storage& TestStorage() {
  static const Storage* storage = [] {
    auto* s = new Storage();
    std::deque<std::string> names;
    wire::WriteRequestView req;
    for (int i = 0; i < kSeries; ++i) {
      names.push_back(std::to_string(i));
      wire::TimeSeriesView ts{
          {{"__name__", "bench_total"}, {"job", "bench"}, {"series", names.back()}}, {}};
      for (int k = 0; k < kSamples; ++k) {
        ts.samples.push_back({static_cast<double>(k * (i % 7 + 1)), std::int64_t{k} * 15000});
      }
      req.timeseries.push_back(std::move(ts));
    }
    if (!s->Append(req).ok()) {
      std::abort();
    }
    return s;
  }();
  return *storage;
}

void RunInstant(benchmark::State& state, const char* query) {
  const Engine engine(TestStorage(), EngineOptions{});
  for (auto _ : state) {
    auto r = engine.InstantQuery(query, 600000, 0);
    if (!std::holds_alternative<std::string>(r)) {
      state.SkipWithError("query failed");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
}

void BM_Engine_CountOverTime(benchmark::State& state) {
  RunInstant(state, "count_over_time(bench_total[5m])");
}
BENCHMARK(BM_Engine_CountOverTime)->Unit(benchmark::kMillisecond);

void BM_Engine_SumRate(benchmark::State& state) {
  RunInstant(state, "sum(rate(bench_total[5m]))");
}
BENCHMARK(BM_Engine_SumRate)->Unit(benchmark::kMillisecond);

void BM_Engine_SumRateRange(benchmark::State& state) {
  const Engine engine(TestStorage(), EngineOptions{});
  for (auto _ : state) {
    auto r = engine.RangeQuery("sum by (job) (rate(bench_total[1m]))", 0, 600000, 15000, 0);
    if (!std::holds_alternative<std::string>(r)) {
      state.SkipWithError("query failed");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * kSeries * kSamples);
}
BENCHMARK(BM_Engine_SumRateRange)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace obs::backend
