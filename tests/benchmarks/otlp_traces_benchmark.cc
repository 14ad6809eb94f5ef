// Trace generation and OTLP encoding on the sender's hot path, per core:
//   BM_GenerateSpans            TraceGenerator building web-api traces (spans/s)
//   BM_GenerateAndEncodeSpans   the same plus protobuf encoding (the issue's
//                               target: >= 500k spans/s on one core)
//   BM_EncodeSpansProto/Json    encoding alone, over a prebuilt batch
//   BM_DecodeSpansProto/Json    the receiver's decoding of the same bytes
// Items are spans; bytes are encoded bytes. Ratios, not absolute times, are
// what docs/performance.md compares.

#include <benchmark/benchmark.h>

#include "obs/loadgen/trace_generator.h"
#include "obs/wire/otlp.h"

namespace obs {
namespace {

namespace otlp = wire::otlp;
using loadgen::SpanTemplate;

// The shape of scenarios/models/web-api.traces.yaml, built in code so the
// benchmark does not depend on the scenario parser.
loadgen::TraceModel WebApi() {
  auto s = [](const char* v) {
    return otlp::AnyValue::String(v);
  };
  loadgen::TraceModel m;
  m.services = {{"frontend", 3, {{"service.version", s("2.14.0")}}},
                {"orders", 4, {{"service.version", s("1.9.3")}}}};
  m.root.name = "GET /api/orders/{id}";
  m.root.service = "frontend";
  m.root.kind = otlp::SpanKind::kServer;
  m.root.error_probability = 0.01;
  m.root.attributes = {{"http.request.method", {s("GET")}},
                       {"http.route", {s("/api/orders/{id}")}},
                       {"http.response.status_code", {otlp::AnyValue::Int(200)}},
                       {"url.path", {s("/api/orders/1001"), s("/api/orders/1002")}},
                       {"server.address", {s("shop.example.com")}}};
  SpanTemplate server;
  server.name = "GET /orders/{id}";
  server.service = "orders";
  server.kind = otlp::SpanKind::kServer;
  server.attributes = {{"http.request.method", {s("GET")}}, {"http.route", {s("/orders/{id}")}}};
  SpanTemplate sql;
  sql.name = "SELECT orders";
  sql.kind = otlp::SpanKind::kClient;
  sql.count_min = 1;
  sql.count_max = 3;
  sql.attributes = {{"db.system", {s("postgresql")}},
                    {"db.query.text", {s("SELECT id, status, total FROM orders WHERE id = $1")}},
                    {"server.address", {s("pg-primary.internal")}}};
  SpanTemplate cache;
  cache.name = "GET";
  cache.kind = otlp::SpanKind::kClient;
  cache.attributes = {{"db.system", {s("redis")}}, {"db.operation.name", {s("GET")}}};
  server.children = {cache, sql};
  SpanTemplate client;
  client.name = "GET";
  client.kind = otlp::SpanKind::kClient;
  client.attributes = {{"http.request.method", {s("GET")}}, {"server.address", {s("orders")}}};
  client.children = {server};
  m.root.children = {client};
  return m;
}

constexpr int kTracesPerBatch = 100;

void BM_GenerateSpans(benchmark::State& state) {
  const loadgen::TraceGenerator gen(WebApi(), 1, "bench");
  loadgen::TraceBatch batch;
  std::uint64_t n = 0;
  std::int64_t spans = 0;
  for (auto _ : state) {
    batch.Clear();
    for (int i = 0; i < kTracesPerBatch; ++i) {
      spans += static_cast<std::int64_t>(gen.Generate(n, 1700000000000000000ULL + n, batch));
      ++n;
    }
    benchmark::DoNotOptimize(batch.data());
  }
  state.SetItemsProcessed(spans);
}
BENCHMARK(BM_GenerateSpans);

void BM_GenerateAndEncodeSpans(benchmark::State& state) {
  const loadgen::TraceGenerator gen(WebApi(), 1, "bench");
  loadgen::TraceBatch batch;
  std::string body;
  std::uint64_t n = 0;
  std::int64_t spans = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    batch.Clear();
    for (int i = 0; i < kTracesPerBatch; ++i) {
      spans += static_cast<std::int64_t>(gen.Generate(n, 1700000000000000000ULL + n, batch));
      ++n;
    }
    body.clear();
    otlp::EncodeTraces(batch.data(), body);
    bytes += static_cast<std::int64_t>(body.size());
  }
  state.SetItemsProcessed(spans);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_GenerateAndEncodeSpans);

const loadgen::TraceBatch& Prebuilt() {
  static const loadgen::TraceBatch batch = [] {
    const loadgen::TraceGenerator gen(WebApi(), 1, "bench");
    loadgen::TraceBatch b;
    for (std::uint64_t n = 0; n < kTracesPerBatch; ++n) {
      gen.Generate(n, 1700000000000000000ULL + n, b);
    }
    return b;
  }();
  return batch;
}

void BM_EncodeSpans(benchmark::State& state) {
  const bool json = state.range(0) == 1;
  const loadgen::TraceBatch& batch = Prebuilt();
  std::string body;
  for (auto _ : state) {
    body.clear();
    if (json) {
      otlp::EncodeTracesJson(batch.data(), body);
    } else {
      otlp::EncodeTraces(batch.data(), body);
    }
    benchmark::DoNotOptimize(body.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch.span_count()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.SetLabel(json ? "json" : "protobuf");
}
BENCHMARK(BM_EncodeSpans)->Arg(0)->Arg(1);

void BM_DecodeSpans(benchmark::State& state) {
  const bool json = state.range(0) == 1;
  const loadgen::TraceBatch& batch = Prebuilt();
  std::string body;
  if (json) {
    otlp::EncodeTracesJson(batch.data(), body);
  } else {
    otlp::EncodeTraces(batch.data(), body);
  }
  for (auto _ : state) {
    auto decoded = json ? otlp::DecodeTracesJson(body) : otlp::DecodeTraces(body);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch.span_count()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.SetLabel(json ? "json" : "protobuf");
}
BENCHMARK(BM_DecodeSpans)->Arg(0)->Arg(1);

}  // namespace
}  // namespace obs
