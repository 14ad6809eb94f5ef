// The reference backend's ingest path without HTTP: snappy-uncompress,
// decode and Storage::Append of a scrape-like remote write request (2000
// series x 1 sample, node-exporter-like labels), with new timestamps each
// iteration so every append is a real one. Items are samples.
//
// BM_Backend_DecodeAndAppend takes the write handler's path (reused buffers,
// flat decode); BM_Backend_DecodeAndAppendViews the general one
// (DecodeWriteRequest + Append(WriteRequestView)) that other callers use.

#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "obs/base/check.h"
#include "obs/wire/remote_write.h"
#include "obs/wire/snappy.h"

#include "store/storage.h"

namespace obs::backend {
namespace {

constexpr int kSeries = 2000;
constexpr std::int64_t kScrapeIntervalMs = 15000;

struct SeriesLabels {
  std::vector<std::pair<std::string, std::string>> labels;  // Sorted by name.
};

// 20 hosts x 100 series each: cpu/mode, filesystem and network families.
std::vector<SeriesLabels> ScrapeLikeSeries() {
  static constexpr const char* kModes[] = {"idle",    "iowait", "irq",    "nice",
                                           "softirq", "steal",  "system", "user"};
  std::vector<SeriesLabels> out;
  for (int host = 0; out.size() < kSeries; ++host) {
    const std::string instance = "host-" + std::to_string(host) + ".example.net:9100";
    for (int i = 0; i < 100; ++i) {
      SeriesLabels s;
      if (i < 64) {
        s.labels = {{"__name__", "node_cpu_seconds_total"},
                    {"cpu", std::to_string(i / 8)},
                    {"instance", instance},
                    {"job", "node"},
                    {"mode", kModes[i % 8]}};
      } else {
        s.labels = {{"__name__", i < 82 ? "node_network_receive_bytes_total"
                                        : "node_network_transmit_bytes_total"},
                    {"device", "eth" + std::to_string(i % 18)},
                    {"instance", instance},
                    {"job", "node"}};
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::string EncodeScrape(const std::vector<SeriesLabels>& series, std::int64_t ts,
                         wire::WriteRequestEncoder& encoder) {
  encoder.Reset();
  double value = static_cast<double>(ts % 100000);
  for (const SeriesLabels& s : series) {
    encoder.BeginSeries();
    for (const auto& [name, label_value] : s.labels) {
      encoder.AddLabel(name, label_value);
    }
    encoder.AddSample(value += 1.25, ts);
    encoder.EndSeries();
  }
  return wire::SnappyCompress(encoder.Finish());
}

void BM_Backend_DecodeAndAppend(benchmark::State& state) {
  const std::vector<SeriesLabels> series = ScrapeLikeSeries();
  wire::WriteRequestEncoder encoder;
  Storage storage;
  std::int64_t ts = 1700000000000;
  std::size_t bytes = 0;
  std::string raw;
  wire::FlatWriteRequest request;
  for (auto _ : state) {
    state.PauseTiming();
    ts += kScrapeIntervalMs;
    const std::string body = EncodeScrape(series, ts, encoder);
    bytes += body.size();
    state.ResumeTiming();
    const Status unsnapped = wire::SnappyUncompressTo(body, 256u << 20, raw);
    OBS_CHECK(unsnapped.ok()) << unsnapped;
    const Status decoded = wire::DecodeWriteRequestTo(raw, request);
    OBS_CHECK(decoded.ok()) << decoded;
    Result<AppendStats> stats = storage.Append(request);
    OBS_CHECK(stats.ok()) << stats.status();
    benchmark::DoNotOptimize(stats);
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["chunk_bytes_per_sample"] = static_cast<double>(storage.stats().chunk_bytes) /
                                             static_cast<double>(storage.stats().samples);
}
BENCHMARK(BM_Backend_DecodeAndAppend)->Unit(benchmark::kMicrosecond);

void BM_Backend_DecodeAndAppendViews(benchmark::State& state) {
  const std::vector<SeriesLabels> series = ScrapeLikeSeries();
  wire::WriteRequestEncoder encoder;
  Storage storage;
  std::int64_t ts = 1700000000000;
  for (auto _ : state) {
    state.PauseTiming();
    ts += kScrapeIntervalMs;
    const std::string body = EncodeScrape(series, ts, encoder);
    state.ResumeTiming();
    Result<std::string> raw = wire::SnappyUncompress(body, 256u << 20);
    OBS_CHECK(raw.ok()) << raw.status();
    Result<wire::WriteRequestView> request = wire::DecodeWriteRequest(*raw);
    OBS_CHECK(request.ok()) << request.status();
    Result<AppendStats> stats = storage.Append(*request);
    OBS_CHECK(stats.ok()) << stats.status();
    benchmark::DoNotOptimize(stats);
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
}
BENCHMARK(BM_Backend_DecodeAndAppendViews)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace obs::backend
