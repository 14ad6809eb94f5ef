// Storage::Append under a scrape-like load: one request carries one sample
// for each of 2000 series, timestamps advancing 15 s per request.
//
// BM_Storage_Memory measures the heap the store holds (glibc mallinfo2):
// per series (labels, index, first sample) after one scrape of 8-label
// series, and per sample after 360 more scrapes (3 closed chunks each) of
// node-exporter-like values: half counters growing by varying integers,
// half float gauges.

#include <malloc.h>

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

// Index lookup: Select over 100k series (100 jobs x 1000 instances, one
// sample each) by the matchers a dashboard query uses. Arg 0: {job="job7"}
// (1000 series), 1: {job="job7", instance=~"host1.*"} (postings intersected
// with a regex, 111 series), 2: {__name__="bench_metric", job!="job7"}
// (99k series). Items = series returned.
void BM_Storage_Select(benchmark::State& state) {
  constexpr int kJobs = 100;
  constexpr int kInstances = 1000;
  std::deque<std::string> names;
  wire::WriteRequestView req;
  for (int j = 0; j < kJobs; ++j) {
    names.push_back("job" + std::to_string(j));
    const std::string& job = names.back();
    for (int i = 0; i < kInstances; ++i) {
      names.push_back("host" + std::to_string(i));
      req.timeseries.push_back(
          {{{"__name__", "bench_metric"}, {"instance", names.back()}, {"job", job}}, {{1, 1000}}});
    }
  }
  req.sample_count = req.timeseries.size();
  Storage storage;
  if (!storage.Append(req).ok()) {
    state.SkipWithError("append failed");
    return;
  }
  std::vector<Matcher> matchers;
  const auto add = [&](MatchType type, std::string name, std::string value) {
    matchers.push_back(Matcher::Create(type, std::move(name), std::move(value)).value());
  };
  switch (state.range(0)) {
    case 0:
      add(MatchType::kEqual, "job", "job7");
      break;
    case 1:
      add(MatchType::kEqual, "job", "job7");
      add(MatchType::kRegexMatch, "instance", "host1.*");
      break;
    default:
      add(MatchType::kEqual, "__name__", "bench_metric");
      add(MatchType::kNotEqual, "job", "job7");
      break;
  }
  std::size_t found = 0;
  for (auto _ : state) {
    const std::vector<SeriesRef> refs = storage.Select(matchers, 0, 2000);
    found = refs.size();
    benchmark::DoNotOptimize(refs.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(found));
  state.counters["series"] = static_cast<double>(found);
}
BENCHMARK(BM_Storage_Select)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

std::size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

void BM_Storage_Memory(benchmark::State& state) {
  constexpr int kMemSeries = 10000;
  constexpr int kScrapes = 360;
  std::deque<std::string> names;  // Stable storage for the label views.
  wire::WriteRequestView req;
  for (int i = 0; i < kMemSeries; ++i) {
    auto add = [&](std::string s) -> const std::string& {
      names.push_back(std::move(s));
      return names.back();
    };
    const std::string& name = add(i % 2 == 0 ? "node_cpu_seconds_total" : "node_memory_bytes");
    const std::string& cpu = add(std::to_string(i % 16));
    const std::string& instance = add("host-" + std::to_string(i / 100) + ".example.net:9100");
    const std::string& mode = add("mode-" + std::to_string(i % 100 / 16));
    req.timeseries.push_back({{{"__name__", name},
                               {"cpu", cpu},
                               {"datacenter", "eu-west-1"},
                               {"env", "production"},
                               {"instance", instance},
                               {"job", "node-exporter"},
                               {"mode", mode},
                               {"team", "observability"}},
                              {{0, 0}}});
  }
  req.sample_count = kMemSeries;
  std::uint64_t rng = 42;
  auto next = [&] {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng >> 33;
  };
  std::vector<double> values(kMemSeries, 0.0);
  auto scrape = [&](Storage& storage, std::int64_t t) {
    for (std::size_t i = 0; i < kMemSeries; ++i) {
      values[i] = i % 2 == 0 ? values[i] + static_cast<double>(next() % 1000)
                             : static_cast<double>(next() % 100000) / 8.0;
      req.timeseries[i].samples[0] = {values[i], t};
    }
    return storage.Append(req).ok();
  };
  {
    Storage warm_up;  // Sizes the per-thread buffers Append reuses.
    scrape(warm_up, 0);
  }
  for (auto _ : state) {
    const std::size_t before = HeapInUse();
    auto storage = std::make_unique<Storage>();
    std::int64_t t = 1700000000000;
    bool ok = scrape(*storage, t);
    const std::size_t after_series = HeapInUse();
    for (int s = 0; s < kScrapes; ++s) {
      ok = scrape(*storage, t += 15000) && ok;
    }
    const std::size_t after_samples = HeapInUse();
    if (!ok) {
      state.SkipWithError("append failed");
      break;
    }
    state.counters["heap_bytes_per_series"] =
        static_cast<double>(after_series - before) / kMemSeries;
    state.counters["heap_bytes_per_sample"] =
        static_cast<double>(after_samples - after_series) / (double{kMemSeries} * kScrapes);
    state.counters["chunk_bytes_per_sample"] = static_cast<double>(storage->stats().chunk_bytes) /
                                               static_cast<double>(storage->stats().samples);
  }
}
BENCHMARK(BM_Storage_Memory)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace obs::backend
