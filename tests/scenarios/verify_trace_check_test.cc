// The trace read-back adapters against recorded Jaeger and Tempo answers
// (fixtures/traces/), and the span-level comparison: what counts as intact,
// missing, altered and extra for each API's fidelity, with the first
// differing field named.

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "verify/trace_check.h"

namespace obs::scenarios {
namespace {

namespace otlp = wire::otlp;

std::string Fixture(const std::string& name) {
  const char* root = std::getenv("OBS_SOURCE_DIR");
  std::ifstream in(std::string(root != nullptr ? root : ".") + "/fixtures/traces/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

otlp::TraceId Tid() {
  otlp::TraceId id{};
  otlp::ParseHex("5b8efff798038103d269b633813fc60c", id);
  return id;
}
otlp::SpanId Sid(const char* hex) {
  otlp::SpanId id{};
  otlp::ParseHex(hex, id);
  return id;
}

// What the fixtures hold, as it was sent.
otlp::TracesData Sent() {
  otlp::TracesData d;
  auto& fe = d.resource_spans.emplace_back();
  fe.resource.attributes = {{"service.name", otlp::AnyValue::String("frontend")},
                            {"service.version", otlp::AnyValue::String("2.0")}};
  otlp::Span root;
  root.trace_id = Tid();
  root.span_id = Sid("eee19b7ec3c1b174");
  root.name = "GET /orders";
  root.kind = otlp::SpanKind::kServer;
  root.start_time_unix_nano = 1700000000000001234ULL;
  root.end_time_unix_nano = 1700000000250001234ULL;
  root.attributes = {{"http.request.method", otlp::AnyValue::String("GET")},
                     {"http.response.status_code", otlp::AnyValue::Int(200)}};
  fe.scope_spans.emplace_back().spans.push_back(root);
  auto& orders = d.resource_spans.emplace_back();
  orders.resource.attributes = {{"service.name", otlp::AnyValue::String("orders")}};
  otlp::Span child;
  child.trace_id = Tid();
  child.span_id = Sid("eee19b7ec3c1b173");
  child.parent_span_id = root.span_id;
  child.name = "SELECT";
  child.kind = otlp::SpanKind::kClient;
  child.start_time_unix_nano = 1700000000001001234ULL;
  child.end_time_unix_nano = 1700000000201001234ULL;
  child.attributes = {{"db.system", otlp::AnyValue::String("postgresql")}};
  child.events = {{1700000000150000000ULL,
                   "exception",
                   {{"exception.type", otlp::AnyValue::String("Timeout")}},
                   0}};
  child.status = {"timeout", otlp::SpanStatusCode::kError};
  orders.scope_spans.emplace_back().spans.push_back(child);
  return d;
}

TEST(TraceAdaptersTest, TempoBothShapesAreIntact) {
  for (const char* file : {"tempo_v1_batches.json", "tempo_v2.json"}) {
    SCOPED_TRACE(file);
    auto spans = ParseTempoTrace(Fixture(file));
    ASSERT_TRUE(spans.ok()) << spans.status();
    ASSERT_EQ(spans->size(), 2U);
    std::vector<SpanDifference> examples;
    const TraceComparison c = CompareTrace(Sent(), *spans, TraceApi::kTempo, 5, examples);
    EXPECT_EQ(c.expected, 2U);
    EXPECT_EQ(c.intact, 2U) << (examples.empty() ? ""
                                                 : examples[0].field + ": " + examples[0].sent +
                                                       " vs " + examples[0].received);
  }
}

TEST(TraceAdaptersTest, JaegerIsIntactForWhatJaegerCarries) {
  auto spans = ParseJaegerTrace(Fixture("jaeger_trace.json"));
  ASSERT_TRUE(spans.ok()) << spans.status();
  ASSERT_EQ(spans->size(), 2U);
  const ReceivedSpan& child = (*spans)[1];
  EXPECT_EQ(child.span.parent_span_id, Sid("eee19b7ec3c1b174"));
  EXPECT_EQ(child.span.kind, otlp::SpanKind::kClient);
  EXPECT_EQ(child.span.status.code, otlp::SpanStatusCode::kError);
  EXPECT_EQ(child.span.events.at(0).name, "exception");
  EXPECT_EQ(child.resource.attributes.at(0).value, otlp::AnyValue::String("orders"));

  otlp::TracesData sent = Sent();
  // Typed tags of the fixture: float, bool, binary, and an array Jaeger
  // carries as JSON text.
  sent.resource_spans[1].scope_spans[0].spans[0].attributes.insert(
      sent.resource_spans[1].scope_spans[0].spans[0].attributes.end(),
      {{"ratio", otlp::AnyValue::Double(0.5)},
       {"cached", otlp::AnyValue::Bool(false)},
       {"blob", otlp::AnyValue::Bytes(std::string("\x00\xff\x10", 3))},
       {"ids", otlp::AnyValue::Array({otlp::AnyValue::Int(1), otlp::AnyValue::Int(2)})}});
  std::vector<SpanDifference> examples;
  const TraceComparison c = CompareTrace(sent, *spans, TraceApi::kJaeger, 5, examples);
  EXPECT_EQ(c.intact, 2U) << (examples.empty() ? ""
                                               : examples[0].field + ": " + examples[0].sent +
                                                     " vs " + examples[0].received);
}

TEST(TraceAdaptersTest, DifferencesAreCountedAndNamed) {
  auto received = ParseTempoTrace(Fixture("tempo_v2.json"));
  ASSERT_TRUE(received.ok());
  otlp::TracesData sent = Sent();
  // 1.5 µs later than received: beyond the 1 µs tolerance.
  sent.resource_spans[0].scope_spans[0].spans[0].end_time_unix_nano += 1500;
  // A span that never arrived.
  otlp::Span lost = sent.resource_spans[1].scope_spans[0].spans[0];
  lost.span_id = Sid("0000000000000abc");
  sent.resource_spans[1].scope_spans[0].spans.push_back(lost);
  std::vector<SpanDifference> examples;
  TraceComparison c = CompareTrace(sent, *received, TraceApi::kTempo, 5, examples);
  EXPECT_EQ(c.expected, 3U);
  EXPECT_EQ(c.intact, 1U);
  EXPECT_EQ(c.altered, 1U);
  EXPECT_EQ(c.missing, 1U);
  ASSERT_EQ(examples.size(), 2U);
  EXPECT_EQ(examples[0].problem, "altered");
  EXPECT_EQ(examples[0].field, "end_time_unix_nano");
  EXPECT_EQ(examples[0].sent, "1700000000250002734 ns");
  EXPECT_EQ(examples[1].problem, "missing");
  EXPECT_EQ(examples[1].span_id, "0000000000000abc");

  // Within 1 µs is equal; an extra received span is counted.
  sent = Sent();
  sent.resource_spans[0].scope_spans[0].spans[0].start_time_unix_nano += 999;
  std::vector<ReceivedSpan> more = *received;
  more.push_back(more[0]);
  more.back().span.span_id = Sid("00000000000000ff");
  examples.clear();
  c = CompareTrace(sent, more, TraceApi::kTempo, 5, examples);
  EXPECT_EQ(c.intact, 2U);
  EXPECT_EQ(c.extra, 1U);
  EXPECT_EQ(examples.at(0).problem, "extra");

  // An attribute of another type is altered, named by key.
  sent = Sent();
  sent.resource_spans[0].scope_spans[0].spans[0].attributes[1].value =
      otlp::AnyValue::String("200");
  examples.clear();
  c = CompareTrace(sent, *received, TraceApi::kTempo, 5, examples);
  EXPECT_EQ(c.altered, 1U);
  EXPECT_EQ(examples.at(0).field, "attributes[http.response.status_code]");
  EXPECT_EQ(examples.at(0).sent, "\"200\"");
  EXPECT_EQ(examples.at(0).received, "200");
}

TEST(TraceAdaptersTest, MalformedAnswersAreDataLoss) {
  EXPECT_EQ(ParseJaegerTrace("{}").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseJaegerTrace("not json").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseTempoTrace("[1]").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseTempoTrace(
                R"({"trace":{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"x"}]}]}]}})")
                .status()
                .code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(ParseJaegerTrace(R"({"data":[{"spans":[{"traceID":"zz"}]}]})").status().code(),
            StatusCode::kDataLoss);
}

}  // namespace
}  // namespace obs::scenarios
