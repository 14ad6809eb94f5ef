// Storage::Append under a scrape-like load: one request carries one sample
// for each of 2000 series, timestamps advancing 15 s per request.

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "obs/wire/remote_write.h"

#include "store/storage.h"

namespace obs::backend {
namespace {

constexpr int kSeries = 2000;

void BM_Storage_Append(benchmark::State& state) {
  std::deque<std::string> names;  // Stable storage for the label views.
  wire::WriteRequestView req;
  for (int i = 0; i < kSeries; ++i) {
    names.push_back("instance-" + std::to_string(i % 100));
    const std::string& instance = names.back();
    names.push_back("series-" + std::to_string(i));
    req.timeseries.push_back({{{"__name__", "bench_metric"},
                               {"instance", instance},
                               {"job", "bench"},
                               {"series", names.back()}},
                              {{0, 0}}});
  }
  req.sample_count = kSeries;
  Storage storage;
  std::int64_t t = 0;
  std::int64_t failed = 0;
  for (auto _ : state) {
    t += 15000;
    for (auto& ts : req.timeseries) {
      ts.samples[0] = {static_cast<double>((t / 15000) % 100), t};
    }
    failed += storage.Append(req).ok() ? 0 : 1;
  }
  if (failed != 0) {
    state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
  state.counters["bytes_per_sample"] = static_cast<double>(storage.stats().chunk_bytes) /
                                       static_cast<double>(storage.stats().samples);
}
BENCHMARK(BM_Storage_Append);

}  // namespace
}  // namespace obs::backend
