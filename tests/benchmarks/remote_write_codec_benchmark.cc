// Remote write codec rates on a scrape-like request: 2000 series of one
// sample each, eight realistic labels per series (about 250 bytes a series).
// BM_Snappy_Compress is snappy's own rate on the same bytes, the reference
// for how much the encoder adds on the sender's hot path (docs/wire.md).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "obs/wire/remote_write.h"
#include "obs/wire/snappy.h"

namespace obs::wire {
namespace {

constexpr int kSeries = 2000;

struct Series {
  std::vector<Label> labels;  // Sorted by name.
  Sample sample;
};

const std::vector<Series>& Workload() {
  static const std::vector<Series> workload = [] {
    static const char* const kMetrics[] = {
        "http_requests_total", "http_request_duration_seconds_bucket", "process_cpu_seconds_total",
        "container_memory_working_set_bytes", "node_network_receive_bytes_total"};
    std::vector<Series> out;
    for (int i = 0; i < kSeries; ++i) {
      const std::string n = std::to_string(i);
      out.push_back({.labels = {{"__name__", kMetrics[i % 5]},
                                {"container", "api-server"},
                                {"endpoint", "https-metrics"},
                                {"instance", "10.0." + std::to_string(i % 250) + ".17:9100"},
                                {"job", "kubernetes-pods"},
                                {"namespace", "production-eu"},
                                {"pod", "api-server-7d9f8c6b5-" + n},
                                {"service", "api-server-metrics"}},
                     .sample = {.value = 1234.5 + i, .timestamp_ms = 1700000000000 + i}});
    }
    return out;
  }();
  return workload;
}

std::string_view EncodeWorkload(WriteRequestEncoder& encoder) {
  encoder.Reset();
  for (const Series& series : Workload()) {
    encoder.BeginSeries();
    for (const Label& label : series.labels) {
      encoder.AddLabel(label.name, label.value);
    }
    encoder.AddSample(series.sample.value, series.sample.timestamp_ms);
    encoder.EndSeries();
  }
  return encoder.Finish();
}

void BM_WriteRequestEncoder_Encode(benchmark::State& state) {
  WriteRequestEncoder encoder;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string_view body = EncodeWorkload(encoder);
    benchmark::DoNotOptimize(body.data());
    bytes += body.size();
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_WriteRequestEncoder_Encode);

void BM_RemoteWrite_EncodeAndCompress(benchmark::State& state) {
  WriteRequestEncoder encoder;
  std::string compressed;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string_view body = EncodeWorkload(encoder);
    SnappyCompressTo(body, compressed);
    benchmark::DoNotOptimize(compressed.data());
    bytes += body.size();
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));  // Uncompressed bytes.
  state.counters["ratio"] =
      static_cast<double>(EncodeWorkload(encoder).size()) / static_cast<double>(compressed.size());
}
BENCHMARK(BM_RemoteWrite_EncodeAndCompress);

// What a sender with cached label sets does (loadgen's BatchBuilder): every
// series' labels encoded once (EncodeLabel, outside the loop), then per
// request AddEncodedSeries and snappy streamed 64 KiB at a time
// (Output::kSnappy). Same bytes as EncodeAndCompress.
void BM_RemoteWrite_EncodeCachedLabelsAndCompress(benchmark::State& state) {
  std::vector<std::string> labels;
  for (const Series& series : Workload()) {
    std::string& encoded = labels.emplace_back();
    for (const Label& label : series.labels) {
      WriteRequestEncoder::EncodeLabel(label.name, label.value, encoded);
    }
  }
  WriteRequestEncoder encoder(WriteRequestEncoder::Output::kSnappy);
  std::size_t compressed = 0;
  for (auto _ : state) {
    encoder.Reset();
    for (std::size_t i = 0; i < labels.size(); ++i) {
      const Sample& sample = Workload()[i].sample;
      encoder.AddEncodedSeries(labels[i], sample.value, sample.timestamp_ms);
    }
    const std::string_view body = encoder.Finish();
    benchmark::DoNotOptimize(body.data());
    compressed = body.size();
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
  state.counters["compressed_bytes"] = static_cast<double>(compressed);
}
BENCHMARK(BM_RemoteWrite_EncodeCachedLabelsAndCompress);

void BM_Snappy_Compress(benchmark::State& state) {
  WriteRequestEncoder encoder;
  const std::string body(EncodeWorkload(encoder));
  std::string compressed;
  for (auto _ : state) {
    SnappyCompressTo(body, compressed);
    benchmark::DoNotOptimize(compressed.data());
  }
  state.SetItemsProcessed(state.iterations() * kSeries);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_Snappy_Compress);

// The receiver's hot path: buffers reused across requests, flat decode.
void BM_RemoteWrite_DecompressAndDecode(benchmark::State& state) {
  WriteRequestEncoder encoder;
  const std::string compressed = SnappyCompress(EncodeWorkload(encoder));
  std::size_t samples = 0;
  std::string body;
  FlatWriteRequest view;
  for (auto _ : state) {
    if (!SnappyUncompressTo(compressed, 64 << 20, body).ok()) {
      state.SkipWithError("decompression failed");
      break;
    }
    if (!DecodeWriteRequestTo(body, view).ok()) {
      state.SkipWithError("decoding failed");
      break;
    }
    samples += view.samples.size();
    benchmark::DoNotOptimize(view.series.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
}
BENCHMARK(BM_RemoteWrite_DecompressAndDecode);

// The general API: a fresh string and per-series vectors every request.
void BM_RemoteWrite_DecompressAndDecodeViews(benchmark::State& state) {
  WriteRequestEncoder encoder;
  const std::string compressed = SnappyCompress(EncodeWorkload(encoder));
  std::size_t samples = 0;
  for (auto _ : state) {
    Result<std::string> body = SnappyUncompress(compressed, 64 << 20);
    if (!body.ok()) {
      state.SkipWithError("decompression failed");
      break;
    }
    Result<WriteRequestView> view = DecodeWriteRequest(*body);
    if (!view.ok()) {
      state.SkipWithError("decoding failed");
      break;
    }
    samples += view->sample_count;
    benchmark::DoNotOptimize(view->timeseries.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(samples));
}
BENCHMARK(BM_RemoteWrite_DecompressAndDecodeViews);

}  // namespace
}  // namespace obs::wire
