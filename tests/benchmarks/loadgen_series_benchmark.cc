// The generator's per-core ceiling: computing values, building a full
// scrape-like remote-write request (labels + values + protobuf + snappy), and
// building + encoding one instance's OTLP metrics export of the same models.
// Items are model samples in every case, so the two protocols compare.
// BM_RemoteWrite_SnappyOfBatch is snappy alone on BuildBatch's own bytes, and
// BM_RemoteWrite_BuildBatchVsSnappy reports the ratio of the two from one run
// (vs_snappy, the issue 8 figure) and the ratio of their output sizes
// (size_vs_snappy: BuildBatch writes the snappy block itself, from label
// deltas, so its block is not byte-identical to snappy's).
// docs/measurement.md quotes the figures.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <benchmark/benchmark.h>

#include "obs/loadgen/otlp_metrics.h"
#include "obs/loadgen/series_set.h"
#include "obs/wire/otlp.h"
#include "obs/wire/snappy.h"

#include "batch_builder.h"

namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;

obs::loadgen::SeriesSet MakeSet(int instances = 20) {
  auto set = obs::loadgen::SeriesSet::Create(
      {.models = {{.kind = "http_red", .routes = 10}, {.kind = "node"}, {.kind = "process"}},
       .instances = instances,
       .seed = 1,
       .run_id = "bench",
       .start_ms = kT0});
  return std::move(set).value();
}

void BM_SeriesSet_Value(benchmark::State& state) {
  const obs::loadgen::SeriesSet set = MakeSet();
  const auto n = static_cast<std::uint32_t>(set.series_capacity());
  std::uint32_t id = 0;
  std::int64_t t = kT0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(set.Value(id, t));
    id = id + 1 == n ? 0 : id + 1;
    t += 7;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SeriesSet_Value);

// A 2000-series x 1-sample batch: generate + encode + compress (a snappy
// block written from label deltas). Items = samples.
void BM_RemoteWrite_BuildBatch(benchmark::State& state) {
  const obs::loadgen::SeriesSet set = MakeSet();
  const auto batch = static_cast<std::uint32_t>(state.range(0));
  obs::loadgen::internal::BatchBuilder builder(set.model());
  std::int64_t t = kT0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    builder.Reset();
    for (std::uint32_t i = 0; i < batch; ++i) {
      builder.Add(i, t);
    }
    bytes = builder.Finish().size();
    benchmark::DoNotOptimize(bytes);
    t += 15'000;
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["compressed_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_RemoteWrite_BuildBatch)->Arg(2000);

// The same request built the way BatchBuilder did before it cached label
// sets: every label re-derived and re-encoded per sample, values uncached.
// Kept as the reference for what the cache saves.
void BM_RemoteWrite_BuildBatchUncached(benchmark::State& state) {
  const obs::loadgen::SeriesSet set = MakeSet();
  const obs::loadgen::internal::SeriesModel& model = set.model();
  const auto batch = static_cast<std::uint32_t>(state.range(0));
  obs::wire::WriteRequestEncoder encoder;
  std::string compressed;
  std::int64_t t = kT0;
  for (auto _ : state) {
    encoder.Reset();
    for (std::uint32_t i = 0; i < batch; ++i) {
      encoder.BeginSeries();
      model.ForEachLabel(
          i, [&](std::string_view name, std::string_view value) { encoder.AddLabel(name, value); });
      encoder.AddSample(model.Value(i, t), t);
      encoder.EndSeries();
    }
    obs::wire::SnappyCompressTo(encoder.Finish(), compressed);
    benchmark::DoNotOptimize(compressed.data());
    t += 15'000;
  }
  state.SetItemsProcessed(state.iterations() * batch);
}
BENCHMARK(BM_RemoteWrite_BuildBatchUncached)->Arg(2000);

// The uncompressed bytes of one BuildBatch request at `t`.
std::string EncodedBatch(obs::loadgen::internal::BatchBuilder& builder, std::uint32_t batch,
                         std::int64_t t) {
  builder.Reset();
  for (std::uint32_t i = 0; i < batch; ++i) {
    builder.Add(i, t);
  }
  return std::move(obs::wire::SnappyUncompress(builder.Finish(), std::size_t{1} << 30)).value();
}

// Snappy alone on the very bytes one BuildBatch request encodes: the
// reference BuildBatch is measured against (issue 8 asks for >= 0.70x of
// this rate). Items = samples, as in BuildBatch.
void BM_RemoteWrite_SnappyOfBatch(benchmark::State& state) {
  const obs::loadgen::SeriesSet set = MakeSet();
  const auto batch = static_cast<std::uint32_t>(state.range(0));
  obs::loadgen::internal::BatchBuilder builder(set.model());
  const std::string body = EncodedBatch(builder, batch, kT0);
  std::string compressed;
  for (auto _ : state) {
    obs::wire::SnappyCompressTo(body, compressed);
    benchmark::DoNotOptimize(compressed.data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_RemoteWrite_SnappyOfBatch)->Arg(2000);

// BuildBatch and snappy on the bytes it produced, interleaved in one loop, so
// machine noise hits both alike. Time and items/s are BuildBatch's; counter
// `vs_snappy` is BuildBatch's rate over snappy's (the issue 8 ratio).
// Args: batch size, instances. With 0 instances every batch is the first
// `batch` series of a 20-instance set (all in the CPU cache); otherwise the
// batches cycle through every series of an `instances` set in order, as one
// sender thread does (200 instances: 82,000 series, as remote_write_to_sink).
void BM_RemoteWrite_BuildBatchVsSnappy(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  const auto instances = static_cast<int>(state.range(1));
  const obs::loadgen::SeriesSet set = MakeSet(instances == 0 ? 20 : instances);
  const auto batch = static_cast<std::uint32_t>(state.range(0));
  const auto cycle = static_cast<std::uint32_t>(instances == 0 ? batch : set.slots());
  std::uint32_t next = 0;
  obs::loadgen::internal::BatchBuilder builder(set.model());
  std::string body;
  std::string compressed;
  Clock::duration build_time{};
  Clock::duration snappy_time{};
  double built_bytes = 0;
  double snappy_bytes = 0;
  std::int64_t t = kT0;
  for (auto _ : state) {
    const Clock::time_point t0 = Clock::now();
    builder.Reset();
    for (std::uint32_t i = 0; i < batch; ++i) {
      builder.Add(next, t);
      next = next + 1 == cycle ? 0 : next + 1;
    }
    benchmark::DoNotOptimize(builder.Finish().data());
    const Clock::time_point t1 = Clock::now();
    body = std::move(obs::wire::SnappyUncompress(builder.Finish(), std::size_t{1} << 30)).value();
    const Clock::time_point t2 = Clock::now();
    obs::wire::SnappyCompressTo(body, compressed);
    benchmark::DoNotOptimize(compressed.data());
    const Clock::time_point t3 = Clock::now();
    built_bytes += static_cast<double>(builder.Finish().size());
    snappy_bytes += static_cast<double>(compressed.size());
    build_time += t1 - t0;
    snappy_time += t3 - t2;
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
    t += 15'000;
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["vs_snappy"] =
      std::chrono::duration<double>(snappy_time) / std::chrono::duration<double>(build_time);
  state.counters["size_vs_snappy"] = snappy_bytes > 0 ? built_bytes / snappy_bytes : 0;
}
BENCHMARK(BM_RemoteWrite_BuildBatchVsSnappy)->Args({2000, 0})->Args({2000, 200})->UseManualTime();

// One instance's collection (~700 series of the same models as above) built
// as an OTLP export and encoded: arg 0 = protobuf, 1 = JSON. Items = model
// samples the export carries (a histogram point carries its buckets, sum and
// count).
void BM_OtlpMetrics_BuildAndEncode(benchmark::State& state) {
  namespace otlp = obs::wire::otlp;
  const obs::loadgen::SeriesSet set = MakeSet();
  const bool json = state.range(0) == 1;
  const auto builder = obs::loadgen::OtlpMetricsBuilder::Create(set, {}).value();
  otlp::MetricsData data;
  std::vector<std::uint32_t> recorded;
  std::string body;
  std::int64_t t = kT0;
  std::size_t instance = 0;
  for (auto _ : state) {
    builder.Build(instance, t, t - 15'000, data, recorded);
    body.clear();
    if (json) {
      otlp::EncodeMetricsJson(data, body);
    } else {
      otlp::EncodeMetrics(data, body);
    }
    benchmark::DoNotOptimize(body.data());
    instance = instance + 1 == builder.instances() ? 0 : instance + 1;
    t += 750;
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(builder.recorded_per_collection()));
  state.counters["points"] = static_cast<double>(builder.points_per_collection());
  state.counters["bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_OtlpMetrics_BuildAndEncode)->Arg(0)->Arg(1);

}  // namespace
