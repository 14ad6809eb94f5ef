// The reference backend's trace path per core, without sockets:
//   BM_OtlpIngest/<proto|json>  OtlpHandler: decode + validate + store (spans/s)
//   BM_SpanStoreAppend          SpanStore::Append alone, on decoded data
//   BM_TraceById/<tempo|jaeger> a trace-by-id answer from a store of 50k traces
// The data is the loadgen's web-api-shaped traces (this benchmark binary may
// link the load generator; the backend library never does).

#include <benchmark/benchmark.h>

#include "obs/loadgen/trace_generator.h"
#include "obs/wire/otlp.h"

#include "traces/otlp_handler.h"
#include "traces/span_store.h"
#include "traces/trace_api.h"

namespace obs {
namespace {

namespace otlp = wire::otlp;

loadgen::TraceModel Model() {
  auto s = [](const char* v) {
    return otlp::AnyValue::String(v);
  };
  loadgen::TraceModel m;
  m.services = {{"frontend", 3, {}}, {"orders", 4, {}}};
  m.root.name = "GET /api/orders/{id}";
  m.root.service = "frontend";
  m.root.kind = otlp::SpanKind::kServer;
  m.root.attributes = {{"http.request.method", {s("GET")}},
                       {"http.route", {s("/api/orders/{id}")}},
                       {"http.response.status_code", {otlp::AnyValue::Int(200)}}};
  loadgen::SpanTemplate sql;
  sql.name = "SELECT orders";
  sql.service = "orders";
  sql.kind = otlp::SpanKind::kClient;
  sql.count_min = 2;
  sql.count_max = 6;
  sql.attributes = {{"db.system", {s("postgresql")}},
                    {"db.query.text", {s("SELECT id, status FROM orders WHERE id = $1")}}};
  m.root.children = {sql};
  return m;
}

// Batches of 50 traces, numbered from `first`.
std::vector<otlp::TracesData> Batches(std::uint64_t first, int batches) {
  const loadgen::TraceGenerator gen(Model(), 1, "bench");
  std::vector<otlp::TracesData> out;
  std::uint64_t n = first;
  for (int b = 0; b < batches; ++b) {
    loadgen::TraceBatch batch;
    for (int i = 0; i < 50; ++i, ++n) {
      gen.Generate(n, 1700000000000000000ULL + n * 1000, batch);
    }
    out.push_back(batch.data());
  }
  return out;
}

void BM_OtlpIngest(benchmark::State& state) {
  const bool json = state.range(0) == 1;
  std::vector<std::string> bodies;
  std::int64_t spans_per_round = 0;
  for (const otlp::TracesData& d : Batches(0, 20)) {
    std::string body;
    json ? otlp::EncodeTracesJson(d, body) : otlp::EncodeTraces(d, body);
    bodies.push_back(std::move(body));
    spans_per_round += static_cast<std::int64_t>(otlp::SpanCount(d));
  }
  backend::traces::SpanStore store({.max_spans = std::size_t{1} << 40});
  backend::logs::LogStore logs;
  backend::Storage storage;
  backend::OtlpMetricsIngest metrics(storage);
  backend::traces::OtlpHandler handler(store, logs, metrics, {});
  backend::http::Request req;
  req.method = "POST";
  req.target = "/v1/traces";
  req.headers = {{"content-type", json ? "application/json" : "application/x-protobuf"}};
  std::int64_t spans = 0;
  for (auto _ : state) {
    // The same traces again are exact duplicates (stored once), so memory
    // stays flat; the decode + validate + lookup work is all done.
    for (const std::string& body : bodies) {
      req.body = body;
      benchmark::DoNotOptimize(handler.HandleTraces(req));
    }
    spans += spans_per_round;
  }
  state.SetItemsProcessed(spans);
  state.SetLabel(json ? "json" : "protobuf");
}
BENCHMARK(BM_OtlpIngest)->Arg(0)->Arg(1);

void BM_SpanStoreAppend(benchmark::State& state) {
  const std::vector<otlp::TracesData> batches = Batches(0, 40);
  std::int64_t spans = 0;
  std::unique_ptr<backend::traces::SpanStore> store;
  std::size_t next = batches.size();
  for (auto _ : state) {
    if (next == batches.size()) {
      state.PauseTiming();
      store = std::make_unique<backend::traces::SpanStore>();  // Fresh: every append is new.
      next = 0;
      state.ResumeTiming();
    }
    const auto r = store->Append(batches[next++]);
    spans += static_cast<std::int64_t>(r.accepted);
  }
  state.SetItemsProcessed(spans);
}
BENCHMARK(BM_SpanStoreAppend);

void BM_TraceById(benchmark::State& state) {
  const bool jaeger = state.range(0) == 1;
  static backend::traces::SpanStore* store = [] {
    auto* s = new backend::traces::SpanStore();
    for (const otlp::TracesData& d : Batches(0, 1000)) {  // 50k traces.
      s->Append(d);
    }
    return s;
  }();
  const backend::traces::TraceApi api(*store);
  const loadgen::TraceGenerator gen(Model(), 1, "bench");
  std::uint64_t n = 0;
  for (auto _ : state) {
    const std::string id = otlp::Hex(gen.TraceIdFor(n));
    n = (n + 7919) % 50000;
    benchmark::DoNotOptimize(jaeger ? api.JaegerTrace(id) : api.TempoTrace(id));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(jaeger ? "jaeger" : "tempo");
}
BENCHMARK(BM_TraceById)->Arg(0)->Arg(1);

}  // namespace
}  // namespace obs
