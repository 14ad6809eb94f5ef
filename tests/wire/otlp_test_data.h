// Rich OTLP messages for the codec tests: every field set, nested values,
// non-ASCII text, special doubles.

#pragma once

#include <cmath>
#include <limits>

#include "obs/wire/otlp.h"

namespace obs::wire::otlp::testing {

inline TraceId MakeTraceId(std::uint8_t seed) {
  TraceId id{};
  for (std::size_t i = 0; i < id.size(); ++i) {
    id[i] = static_cast<std::uint8_t>(seed + i * 17);
  }
  return id;
}

inline SpanId MakeSpanId(std::uint8_t seed) {
  SpanId id{};
  for (std::size_t i = 0; i < id.size(); ++i) {
    id[i] = static_cast<std::uint8_t>(seed + i * 31 + 1);
  }
  return id;
}

inline std::vector<KeyValue> RichAttributes() {
  return {
      {"http.request.method", AnyValue::String("GET")},
      {"http.response.status_code", AnyValue::Int(503)},
      {"negative", AnyValue::Int(-42)},
      {"ratio", AnyValue::Double(0.25)},
      {"nan", AnyValue::Double(std::numeric_limits<double>::quiet_NaN())},
      {"inf", AnyValue::Double(-std::numeric_limits<double>::infinity())},
      {"ok", AnyValue::Bool(false)},
      {"blob", AnyValue::Bytes(std::string("\x00\xff\x10", 3))},
      {"empty", AnyValue{}},
      {"empty_string", AnyValue::String("")},
      {"zero", AnyValue::Int(0)},
      {"unicode \xe2\x9c\x93", AnyValue::String("na\xc3\xafve \"quoted\"\n\t")},
      {"list", AnyValue::Array({AnyValue::Int(1), AnyValue::String("two"),
                                AnyValue::Array({AnyValue::Bool(true)})})},
      {"map", AnyValue::KvList({{"inner", AnyValue::Double(1e300)},
                                {"deeper", AnyValue::KvList({{"x", AnyValue::String("y")}})}})},
      {"long", AnyValue::String(std::string(300, 'x'))},
  };
}

inline TracesData RichTraces() {
  TracesData data;
  ResourceSpans& rs = data.resource_spans.emplace_back();
  rs.resource.attributes = {{"service.name", AnyValue::String("checkout")},
                            {"service.instance.id", AnyValue::String("i-1")}};
  rs.resource.dropped_attributes_count = 2;
  rs.schema_url = "https://opentelemetry.io/schemas/1.24.0";
  ScopeSpans& ss = rs.scope_spans.emplace_back();
  ss.scope = {"obsbench", "0.1.0", {{"scope.attr", AnyValue::Int(7)}}, 1};
  ss.schema_url = "https://opentelemetry.io/schemas/1.21.0";

  Span root;
  root.trace_id = MakeTraceId(1);
  root.span_id = MakeSpanId(2);
  root.trace_state = "vendor=a";
  root.flags = 0x301;
  root.name = "GET /api/orders/{id}";
  root.kind = SpanKind::kServer;
  root.start_time_unix_nano = 1700000000123456789ULL;
  root.end_time_unix_nano = 1700000000223456789ULL;
  root.attributes = RichAttributes();
  root.dropped_attributes_count = 3;
  root.events = {{1700000000150000000ULL,
                  "exception",
                  {{"exception.type", AnyValue::String("TimeoutError")},
                   {"exception.stacktrace", AnyValue::String("at a\nat b")}},
                  1},
                 {0, "", {}, 0}};
  root.dropped_events_count = 4;
  root.links = {
      {MakeTraceId(9), MakeSpanId(9), "k=v", {{"link.kind", AnyValue::String("batch")}}, 5, 1}};
  root.dropped_links_count = 6;
  root.status = {"upstream timeout", SpanStatusCode::kError};
  ss.spans.push_back(root);

  Span child;
  child.trace_id = root.trace_id;
  child.span_id = MakeSpanId(3);
  child.parent_span_id = root.span_id;
  child.name = "SELECT orders";
  child.kind = SpanKind::kClient;
  child.start_time_unix_nano = root.start_time_unix_nano + 1000;
  child.end_time_unix_nano = root.end_time_unix_nano - 1000;
  child.attributes = {{"db.system", AnyValue::String("postgresql")}};
  child.status.code = SpanStatusCode::kOk;
  ss.spans.push_back(child);

  // A second resource with an empty scope and a minimal span.
  ResourceSpans& rs2 = data.resource_spans.emplace_back();
  Span minimal;
  minimal.trace_id = MakeTraceId(5);
  minimal.span_id = MakeSpanId(6);
  rs2.scope_spans.emplace_back().spans.push_back(minimal);
  return data;
}

inline LogsData RichLogs() {
  LogsData data;
  ResourceLogs& rl = data.resource_logs.emplace_back();
  rl.resource.attributes = {{"service.name", AnyValue::String("checkout")}};
  ScopeLogs& sl = rl.scope_logs.emplace_back();
  sl.scope.name = "app.logger";
  LogRecord r;
  r.time_unix_nano = 1700000000123456789ULL;
  r.observed_time_unix_nano = 1700000000123456999ULL;
  r.severity_number = 17;
  r.severity_text = "ERROR";
  r.body = AnyValue::String("payment failed: card declined\n  at Pay()\n  at Main()");
  r.attributes = RichAttributes();
  r.dropped_attributes_count = 1;
  r.flags = 1;
  r.trace_id = MakeTraceId(1);
  r.span_id = MakeSpanId(2);
  r.event_name = "payment.failed";
  sl.log_records.push_back(r);
  LogRecord structured;
  structured.time_unix_nano = 5;
  structured.body = AnyValue::KvList({{"msg", AnyValue::String("hi")}, {"n", AnyValue::Int(1)}});
  sl.log_records.push_back(structured);
  sl.log_records.emplace_back();  // Everything default.
  return data;
}

// Every metric type, both temporalities, exemplars, negative scale and
// offsets, explicit presence of sum/min/max, an empty gauge and a metric with
// no data member.
inline MetricsData RichMetrics() {
  MetricsData data;
  ResourceMetrics& rm = data.resource_metrics.emplace_back();
  rm.resource.attributes = {{"service.name", AnyValue::String("checkout")},
                            {"service.instance.id", AnyValue::String("pod-7")},
                            {"host.name", AnyValue::String("node-3")}};
  rm.schema_url = "https://opentelemetry.io/schemas/1.26.0";
  ScopeMetrics& sm = rm.scope_metrics.emplace_back();
  sm.scope.name = "app.meter";
  sm.scope.version = "2.1";

  Metric gauge;
  gauge.name = "process.memory.usage";
  gauge.unit = "By";
  gauge.description = "resident memory — bytes";
  gauge.type = Metric::Type::kGauge;
  NumberDataPoint g1;
  g1.time_unix_nano = 1700000000000000000ULL;
  g1.type = NumberType::kDouble;
  g1.as_double = 1.5e9;
  g1.attributes = {{"state", AnyValue::String("used")}};
  Exemplar ex;
  ex.time_unix_nano = 1700000000000000001ULL;
  ex.type = NumberType::kInt;
  ex.as_int = -7;
  ex.span_id = MakeSpanId(5);
  ex.trace_id = MakeTraceId(6);
  ex.filtered_attributes = {{"user", AnyValue::String("u1")}};
  g1.exemplars.push_back(ex);
  NumberDataPoint g2;
  g2.time_unix_nano = 1700000000000000000ULL;
  g2.type = NumberType::kInt;
  g2.as_int = 0;  // A oneof member holding its default is still set.
  g2.flags = kNoRecordedValueFlag;
  gauge.number_points = {g1, g2};
  gauge.metadata = {{"origin", AnyValue::String("test")}};
  sm.metrics.push_back(gauge);

  Metric counter;
  counter.name = "http.server.requests";
  counter.unit = "{request}";
  counter.type = Metric::Type::kSum;
  counter.temporality = AggregationTemporality::kCumulative;
  counter.is_monotonic = true;
  NumberDataPoint c1;
  c1.start_time_unix_nano = 1699999990000000000ULL;
  c1.time_unix_nano = 1700000000000000000ULL;
  c1.type = NumberType::kInt;
  c1.as_int = 1234567890123LL;
  c1.attributes = {{"http.route", AnyValue::String("/api/orders/{id}")}};
  counter.number_points = {c1};
  sm.metrics.push_back(counter);

  Metric delta;
  delta.name = "queue.depth.change";
  delta.type = Metric::Type::kSum;
  delta.temporality = AggregationTemporality::kDelta;
  NumberDataPoint d1;
  d1.time_unix_nano = 3;
  d1.type = NumberType::kDouble;
  d1.as_double = -2.5;
  delta.number_points = {d1};
  sm.metrics.push_back(delta);

  Metric hist;
  hist.name = "http.server.request.duration";
  hist.unit = "s";
  hist.type = Metric::Type::kHistogram;
  hist.temporality = AggregationTemporality::kCumulative;
  HistogramDataPoint h;
  h.start_time_unix_nano = 1699999990000000000ULL;
  h.time_unix_nano = 1700000000000000000ULL;
  h.count = 15;
  h.sum = 0.0;  // Present although zero.
  h.bucket_counts = {1, 2, 3, 4, 5};
  h.explicit_bounds = {0.005, 0.01, 0.1, 1};
  h.min = 0.001;
  h.max = 7.5;
  h.flags = 0;
  h.exemplars.push_back(ex);
  h.attributes = {{"http.request.method", AnyValue::String("GET")}};
  hist.histogram_points = {h, HistogramDataPoint{}};
  sm.metrics.push_back(hist);

  Metric exp;
  exp.name = "rpc.latency";
  exp.unit = "ms";
  exp.type = Metric::Type::kExponentialHistogram;
  exp.temporality = AggregationTemporality::kDelta;
  ExponentialHistogramDataPoint e;
  e.time_unix_nano = 1700000000000000000ULL;
  e.count = 12;
  e.sum = 40.25;
  e.scale = -2;
  e.zero_count = 1;
  e.zero_threshold = 1e-9;
  e.positive.offset = -3;
  e.positive.bucket_counts = {2, 0, 300};
  e.negative.offset = 2;
  e.negative.bucket_counts = {1};
  e.flags = 0;
  e.min = -20;
  e.attributes = {{"rpc.method", AnyValue::String("Pay")}};
  exp.exponential_points = {e};
  sm.metrics.push_back(exp);

  Metric summary;
  summary.name = "gc.pause";
  summary.type = Metric::Type::kSummary;
  SummaryDataPoint q;
  q.time_unix_nano = 1700000000000000000ULL;
  q.count = 10;
  q.sum = 0.125;
  q.quantile_values = {{0, 0.001}, {0.5, 0.01}, {1, 0.05}};
  summary.summary_points = {q};
  sm.metrics.push_back(summary);

  Metric empty_gauge;
  empty_gauge.name = "no.points";
  empty_gauge.type = Metric::Type::kGauge;
  sm.metrics.push_back(empty_gauge);
  Metric untyped;
  untyped.name = "no.data";
  sm.metrics.push_back(untyped);
  return data;
}

}  // namespace obs::wire::otlp::testing
