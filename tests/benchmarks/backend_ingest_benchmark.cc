// The reference backend's ingest path without HTTP: snappy-uncompress,
// decode and Storage::Append of a scrape-like remote write request (2000
// series x 1 sample, node-exporter-like labels), with new timestamps each
// iteration so every append is a real one. Items are samples.
//
// BM_Backend_DecodeAndAppend takes the write handler's path (reused buffers,
// flat decode); BM_Backend_DecodeAndAppendViews the general one
// (DecodeWriteRequest + Append(WriteRequestView)) that other callers use.
// BM_Backend_DecodeAndAppend41k is the first with ~41,000 distinct series of
// ~10 labels, sent as requests of 2000 series that cycle through them (as
// the end-to-end side-by-side load does), so the series lookup misses cache.

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

constexpr int kSeries41k = 41000;

// 410 hosts x 100 series with ~10 labels each: node-exporter-like families
// plus the target labels a Prometheus scrape config adds.
std::vector<SeriesLabels> ManySeries() {
  static constexpr const char* kModes[] = {"idle",    "iowait", "irq",    "nice",
                                           "softirq", "steal",  "system", "user"};
  static constexpr const char* kRegions[] = {"eu-west-1", "us-east-1", "ap-south-1"};
  std::vector<SeriesLabels> out;
  out.reserve(kSeries41k);
  for (int host = 0; out.size() < kSeries41k; ++host) {
    const std::string instance = "host-" + std::to_string(host) + ".example.net:9100";
    const std::string region = kRegions[host % 3];
    const std::string az = region + static_cast<char>('a' + host % 3);
    const std::string cluster = "prod-" + std::to_string(host / 50);
    for (int i = 0; i < 100; ++i) {
      SeriesLabels s;
      if (i < 64) {
        s.labels = {{"__name__", "node_cpu_seconds_total"},
                    {"availability_zone", az},
                    {"cluster", cluster},
                    {"cpu", std::to_string(i / 8)},
                    {"env", "production"},
                    {"instance", instance},
                    {"job", "node-exporter"},
                    {"mode", kModes[i % 8]},
                    {"region", region},
                    {"team", "observability"}};
      } else {
        s.labels = {{"__name__", i < 82 ? "node_network_receive_bytes_total"
                                        : "node_network_transmit_bytes_total"},
                    {"availability_zone", az},
                    {"cluster", cluster},
                    {"device", "eth" + std::to_string(i % 18)},
                    {"env", "production"},
                    {"instance", instance},
                    {"job", "node-exporter"},
                    {"region", region},
                    {"team", "observability"}};
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

void BM_Backend_DecodeAndAppend41k(benchmark::State& state) {
  const std::vector<SeriesLabels> all = ManySeries();
  // Requests of kSeries series each; with kSeries41k / kSeries = 20.5, the
  // last one wraps around to the first series.
  std::vector<std::vector<SeriesLabels>> batches;
  for (std::size_t start = 0; start < all.size(); start += kSeries) {
    std::vector<SeriesLabels> batch;
    for (std::size_t i = 0; i < kSeries; ++i) {
      batch.push_back(all[(start + i) % all.size()]);
    }
    batches.push_back(std::move(batch));
  }
  wire::WriteRequestEncoder encoder;
  Storage storage;
  std::int64_t ts = 1700000000000;
  // Create every series first, so the timed appends are lookups only.
  for (const auto& batch : batches) {
    ts += 1;
    Result<std::string> raw = wire::SnappyUncompress(EncodeScrape(batch, ts, encoder), 256u << 20);
    OBS_CHECK(raw.ok()) << raw.status();
    Result<wire::WriteRequestView> request = wire::DecodeWriteRequest(*raw);
    OBS_CHECK(request.ok()) << request.status();
    OBS_CHECK(storage.Append(*request).ok());
  }
  std::size_t next = 0;
  std::string raw;
  wire::FlatWriteRequest request;
  for (auto _ : state) {
    state.PauseTiming();
    ts += kScrapeIntervalMs;
    const std::string body = EncodeScrape(batches[next], ts, encoder);
    next = (next + 1) % batches.size();
    state.ResumeTiming();
    const Status unsnapped = wire::SnappyUncompressTo(body, 256u << 20, raw);
    OBS_CHECK(unsnapped.ok()) << unsnapped;
    const Status decoded = wire::DecodeWriteRequestTo(raw, request);
    OBS_CHECK(decoded.ok()) << decoded;
    Result<AppendStats> stats = storage.Append(request);
    OBS_CHECK(stats.ok()) << stats.status();
    OBS_CHECK(stats->new_series == 0);
    benchmark::DoNotOptimize(stats);
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
  state.counters["series"] = static_cast<double>(all.size());
}
BENCHMARK(BM_Backend_DecodeAndAppend41k)->Unit(benchmark::kMicrosecond);

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
