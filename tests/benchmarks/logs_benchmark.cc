// Log generation and the backend's log path per core:
//   BM_GenerateLines            LogGenerator, mixed json/logfmt/access (lines/s)
//   BM_GenerateAndEncodeLines   the same plus a Loki push encode + snappy (the
//                               issue's target: >= 1M lines/s on one core)
//   BM_LokiIngest               decode + store of those pushes (lines/s)
//   BM_LokiQuery/<kind>         query_range over 100k lines: a stream
//                               selector, a line filter, a json label filter
//                               and a count_over_time
// Ratios between them are what docs/performance.md compares.

#include <benchmark/benchmark.h>

#include "obs/loadgen/log_generator.h"
#include "obs/wire/loki.h"
#include "obs/wire/snappy.h"

#include "logs/log_store.h"
#include "logs/logql.h"

namespace obs {
namespace {

loadgen::LogModel Model() {
  loadgen::LogModel m;
  m.labels = {{"app", {"api", "web", "worker"}}, {"pod", {"a", "b", "c", "d"}}};
  m.formats = {loadgen::LogFormat::kJson, loadgen::LogFormat::kLogfmt, loadgen::LogFormat::kAccess};
  return m;
}

constexpr int kBatch = 1000;

wire::loki::PushRequest Push(const loadgen::LogGenerator& gen, std::uint64_t first,
                             loadgen::GeneratedLine& gl) {
  wire::loki::PushRequest push;
  push.streams.resize(gen.stream_count());
  for (std::size_t s = 0; s < gen.stream_count(); ++s) {
    for (const auto& [k, v] : gen.stream_labels(s)) {
      push.streams[s].labels.push_back({k, v});
    }
  }
  for (std::uint64_t n = first; n < first + kBatch; ++n) {
    const auto ts = static_cast<std::int64_t>(1700000000000000000ULL + n * 1000000);
    gen.Line(n, ts, gl);
    push.streams[gl.stream].entries.push_back({ts, gl.line, {}});
  }
  return push;
}

void BM_GenerateLines(benchmark::State& state) {
  const loadgen::LogGenerator gen(Model(), 1, "bench");
  loadgen::GeneratedLine gl;
  std::uint64_t n = 0;
  for (auto _ : state) {
    gen.Line(n, static_cast<std::int64_t>(1700000000000000000ULL + n), gl);
    ++n;
    benchmark::DoNotOptimize(gl.line.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GenerateLines);

void BM_GenerateAndEncodeLines(benchmark::State& state) {
  const loadgen::LogGenerator gen(Model(), 1, "bench");
  loadgen::GeneratedLine gl;
  std::string body;
  std::string compressed;
  std::uint64_t n = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    const wire::loki::PushRequest push = Push(gen, n, gl);
    n += kBatch;
    body.clear();
    wire::loki::EncodePushProto(push, body);
    wire::SnappyCompressTo(body, compressed);
    bytes += static_cast<std::int64_t>(compressed.size());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_GenerateAndEncodeLines);

void BM_LokiIngest(benchmark::State& state) {
  const loadgen::LogGenerator gen(Model(), 1, "bench");
  loadgen::GeneratedLine gl;
  std::vector<std::string> bodies;
  for (int b = 0; b < 20; ++b) {
    std::string body;
    wire::loki::EncodePushProto(Push(gen, static_cast<std::uint64_t>(b) * kBatch, gl), body);
    bodies.push_back(wire::SnappyCompress(body));
  }
  std::unique_ptr<backend::logs::LogStore> store;
  std::size_t next = bodies.size();
  for (auto _ : state) {
    if (next == bodies.size()) {
      state.PauseTiming();
      store = std::make_unique<backend::logs::LogStore>();
      next = 0;
      state.ResumeTiming();
    }
    auto raw = wire::SnappyUncompress(bodies[next++], 64 << 20);
    auto push = wire::loki::DecodePushProto(*raw);
    benchmark::DoNotOptimize(store->Append(*push));
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_LokiIngest);

void BM_LokiQuery(benchmark::State& state) {
  static backend::logs::LogStore* store = [] {
    auto* s = new backend::logs::LogStore();
    const loadgen::LogGenerator gen(Model(), 1, "bench");
    loadgen::GeneratedLine gl;
    for (int b = 0; b < 100; ++b) {
      (void)s->Append(Push(gen, static_cast<std::uint64_t>(b) * kBatch, gl));
    }
    return s;
  }();
  static const char* const kQueries[] = {R"({app="api", pod="a"})", R"({app="api"} |= "timeout")",
                                         R"({app="api"} | json | level="error")",
                                         R"(sum by (app) (count_over_time({pod="a"}[1m])))"};
  const auto query = backend::logs::ParseLogQL(kQueries[state.range(0)]);
  const std::int64_t start = 1700000000000000000;
  const std::int64_t end = start + 100LL * kBatch * 1000000;
  for (auto _ : state) {
    if (query->metric) {
      benchmark::DoNotOptimize(
          backend::logs::EvalMetricQuery(*store, *query, start, end, 10'000'000'000));
    } else {
      benchmark::DoNotOptimize(backend::logs::EvalLogQuery(*store, *query, start, end, 100, true));
    }
  }
  state.SetLabel(kQueries[state.range(0)]);
}
BENCHMARK(BM_LokiQuery)->DenseRange(0, 3);

}  // namespace
}  // namespace obs
