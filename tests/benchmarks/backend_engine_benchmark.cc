// PromQL engine microbenchmarks over one hour of 15 s samples: 10k counter
// series (10 jobs) and 1k classic histograms of 12 buckets. Cases: parsing a
// set of realistic queries, an instant `sum by (job) (rate(x[5m]))` over 10k
// series, 1 h range queries at a 15 s step over 10k series (the queries of
// the side-by-side comparison in docs/performance.md among them), and
// `histogram_quantile` over 1k histograms (instant and range). Items are
// input series (instant) or series x steps (range).

#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include <benchmark/benchmark.h>

#include "obs/wire/remote_write.h"

#include "query/engine.h"
#include "query/parser.h"
#include "store/storage.h"

namespace obs::backend {
namespace {

constexpr int kSeries = 10000;
constexpr int kHistograms = 1000;
constexpr int kSamples = 241;  // 0..3600 s every 15 s.
constexpr std::int64_t kEnd = 3600000;
constexpr const char* kBounds[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                   "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};

const Storage& TestStorage() {
  static const Storage* storage = [] {
    auto* s = new Storage();
    // Appended in slices of 20 samples so that requests stay small.
    for (int from = 0; from < kSamples; from += 20) {
      std::vector<std::string> names;
      names.reserve(kSeries + kHistograms * 12);
      wire::WriteRequestView req;
      for (int i = 0; i < kSeries; ++i) {
        names.push_back(std::to_string(i));
      }
      for (int i = 0; i < kSeries; ++i) {
        wire::TimeSeriesView ts{{{"__name__", "bench_total"},
                                 {"instance", names[static_cast<std::size_t>(i)]},
                                 {"job", kBounds[i % 10]}},
                                {}};
        for (int k = from; k < std::min(kSamples, from + 20); ++k) {
          ts.samples.push_back({static_cast<double>(k * (i % 7 + 1)), std::int64_t{k} * 15000});
        }
        req.timeseries.push_back(std::move(ts));
      }
      for (int h = 0; h < kHistograms; ++h) {
        for (int b = 0; b < 12; ++b) {
          wire::TimeSeriesView ts{{{"__name__", "bench_seconds_bucket"},
                                   {"instance", names[static_cast<std::size_t>(h)]},
                                   {"job", kBounds[h % 10]},
                                   {"le", kBounds[b]}},
                                  {}};
          for (int k = from; k < std::min(kSamples, from + 20); ++k) {
            ts.samples.push_back(
                {static_cast<double>(k * (b + 1) * (h % 5 + 1)), std::int64_t{k} * 15000});
          }
          req.timeseries.push_back(std::move(ts));
        }
      }
      if (!s->Append(req).ok()) {
        std::abort();
      }
    }
    return s;
  }();
  return *storage;
}

void RunInstant(benchmark::State& state, const char* query, int items) {
  const Engine engine(TestStorage(), EngineOptions{});
  for (auto _ : state) {
    auto r = engine.InstantQuery(query, kEnd, 0);
    if (!std::holds_alternative<std::string>(r)) {
      state.SkipWithError(std::get<QueryError>(r).message.c_str());
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * items);
}

void RunRange(benchmark::State& state, const char* query, int items) {
  const Engine engine(TestStorage(), EngineOptions{});
  for (auto _ : state) {
    auto r = engine.RangeQuery(query, 0, kEnd, 15000, 0);
    if (!std::holds_alternative<std::string>(r)) {
      state.SkipWithError(std::get<QueryError>(r).message.c_str());
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * items * kSamples);
}

void BM_Promql_Parse(benchmark::State& state) {
  static constexpr const char* kQueries[] = {
      "sum by (job) (rate(http_requests_total{job=\"api\",code=~\"5..\"}[5m]))",
      "histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))",
      "max_over_time(rate(x[1m])[1h:1m] offset 5m) / on (instance) group_left (node) info",
      "topk(10, sum without (instance) (node_cpu_seconds_total{mode!=\"idle\"}))",
      "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\") == bool 0"};
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (const char* q : kQueries) {
      auto r = query::ParseExpr(q);
      benchmark::DoNotOptimize(r);
      bytes += std::char_traits<char>::length(q);
    }
  }
  state.SetItemsProcessed(state.iterations() * 5);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_Promql_Parse);

void BM_Promql_InstantSumByRate10k(benchmark::State& state) {
  RunInstant(state, "sum by (job) (rate(bench_total[5m]))", kSeries);
}
BENCHMARK(BM_Promql_InstantSumByRate10k)->Unit(benchmark::kMillisecond);

void BM_Promql_Range1h15sSumRate10k(benchmark::State& state) {
  RunRange(state, "sum(rate(bench_total[1m]))", kSeries);
}
BENCHMARK(BM_Promql_Range1h15sSumRate10k)->Unit(benchmark::kMillisecond);

void BM_Promql_Range1h15sSumByRate10k(benchmark::State& state) {
  RunRange(state, "sum by (job) (rate(bench_total[5m]))", kSeries);
}
BENCHMARK(BM_Promql_Range1h15sSumByRate10k)->Unit(benchmark::kMillisecond);

void BM_Promql_Range1h15sRate10k(benchmark::State& state) {
  RunRange(state, "rate(bench_total[5m])", kSeries);
}
BENCHMARK(BM_Promql_Range1h15sRate10k)->Unit(benchmark::kMillisecond);

void BM_Promql_Range1h15sTopkRate10k(benchmark::State& state) {
  RunRange(state, "topk(5, rate(bench_total[5m]))", kSeries);
}
BENCHMARK(BM_Promql_Range1h15sTopkRate10k)->Unit(benchmark::kMillisecond);

void BM_Promql_Range1h15sSumByDivCount10k(benchmark::State& state) {
  RunRange(state, "sum by (job) (bench_total) / on (job) group_left count by (job) (bench_total)",
           kSeries);
}
BENCHMARK(BM_Promql_Range1h15sSumByDivCount10k)->Unit(benchmark::kMillisecond);

void BM_Promql_Range1h15sAvgOverTime1k(benchmark::State& state) {
  RunRange(state, "avg_over_time(bench_total{job=\"0.01\"}[5m])", kSeries / 10);
}
BENCHMARK(BM_Promql_Range1h15sAvgOverTime1k)->Unit(benchmark::kMillisecond);

void BM_Promql_Range1h15sSumOverTime1k(benchmark::State& state) {
  RunRange(state, "sum_over_time(bench_total{job=\"0.01\"}[5m])", kSeries / 10);
}
BENCHMARK(BM_Promql_Range1h15sSumOverTime1k)->Unit(benchmark::kMillisecond);

void BM_Promql_RangeHistogramQuantileSumByLeJob1k(benchmark::State& state) {
  RunRange(state, "histogram_quantile(0.99, sum by (le, job) (rate(bench_seconds_bucket[5m])))",
           kHistograms * 12);
}
BENCHMARK(BM_Promql_RangeHistogramQuantileSumByLeJob1k)->Unit(benchmark::kMillisecond);

void BM_Promql_RangeHistogramQuantileSumByLe1k(benchmark::State& state) {
  RunRange(state, "histogram_quantile(0.9, sum by (le) (rate(bench_seconds_bucket[5m])))",
           kHistograms * 12);
}
BENCHMARK(BM_Promql_RangeHistogramQuantileSumByLe1k)->Unit(benchmark::kMillisecond);

void BM_Promql_InstantHistogramQuantile1k(benchmark::State& state) {
  RunInstant(state,
             "histogram_quantile(0.99, sum by (le, instance) (rate(bench_seconds_bucket[5m])))",
             kHistograms * 12);
}
BENCHMARK(BM_Promql_InstantHistogramQuantile1k)->Unit(benchmark::kMillisecond);

void BM_Promql_RangeHistogramQuantile1k(benchmark::State& state) {
  RunRange(state, "histogram_quantile(0.9, rate(bench_seconds_bucket[5m]))", kHistograms * 12);
}
BENCHMARK(BM_Promql_RangeHistogramQuantile1k)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace obs::backend
