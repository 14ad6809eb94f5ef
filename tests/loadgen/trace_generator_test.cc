// TraceGenerator: deterministic traces, valid structure (ids, parents,
// nesting in time), the model's fan-out, probabilities, errors, events and
// links, truncation at max_spans_per_trace, and model validation.

#include "obs/loadgen/trace_generator.h"

#include <cmath>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace obs::loadgen {
namespace {

namespace otlp = wire::otlp;
using ::testing::HasSubstr;

otlp::AnyValue Str(const char* s) {
  return otlp::AnyValue::String(s);
}

TraceModel ShopModel() {
  TraceModel m;
  m.name = "shop";
  m.services = {{"frontend", 2, {{"service.version", Str("1.0")}}}, {"db-proxy", 1, {}}};
  m.root.name = "GET /";
  m.root.service = "frontend";
  m.root.kind = otlp::SpanKind::kServer;
  m.root.latency = {0.002, 0.02};
  m.root.attributes = {
      {"http.request.method", {Str("GET")}},
      {"http.response.status_code", {otlp::AnyValue::Int(200), otlp::AnyValue::Int(304)}}};
  SpanTemplate query;
  query.name = "SELECT";
  query.service = "db-proxy";
  query.kind = otlp::SpanKind::kClient;
  query.latency = {0.001, 0.01};
  query.count_min = 2;
  query.count_max = 4;
  query.error_probability = 0.5;
  query.error_type = "Timeout";
  query.error_attributes = {{"db.response.status_code", {Str("57014")}}};
  query.attributes = {{"db.system", {Str("postgresql")}}};
  SpanTemplate consumer;
  consumer.name = "process";
  consumer.kind = otlp::SpanKind::kConsumer;
  consumer.link_to_parent = true;
  consumer.probability = 0.5;
  SpanTemplate producer;
  producer.name = "publish";
  producer.kind = otlp::SpanKind::kProducer;
  producer.events = {{"enqueued", 1.0, {{"queue.depth", {otlp::AnyValue::Int(3)}}}}};
  producer.children = {consumer};
  m.root.children = {query, producer};
  return m;
}

std::vector<otlp::Span> Spans(const TraceBatch& b) {
  std::vector<otlp::Span> out;
  for (const auto& rs : b.data().resource_spans) {
    for (const auto& ss : rs.scope_spans) {
      out.insert(out.end(), ss.spans.begin(), ss.spans.end());
    }
  }
  return out;
}

TEST(TraceGeneratorTest, SameInputsSameTraceDifferentRunsDifferentIds) {
  ASSERT_TRUE(ValidateTraceModel(ShopModel()).ok());
  const TraceGenerator a(ShopModel(), 7, "run-1");
  const TraceGenerator b(ShopModel(), 7, "run-1");
  const TraceGenerator other_run(ShopModel(), 7, "run-2");
  TraceBatch ba, bb;
  a.Generate(42, 1700000000000000000ULL, ba);
  b.Generate(42, 1700000000000000000ULL, bb);
  EXPECT_EQ(ba.data(), bb.data());
  EXPECT_NE(a.TraceIdFor(42), other_run.TraceIdFor(42));
  EXPECT_NE(a.TraceIdFor(42), a.TraceIdFor(43));
  EXPECT_FALSE(otlp::IsZero(a.TraceIdFor(0)));
}

TEST(TraceGeneratorTest, StructureIsAValidNestedTree) {
  const TraceGenerator gen(ShopModel(), 1, "run");
  std::map<int, int> fanout;
  int errors = 0;
  int consumers = 0;
  for (std::uint64_t n = 0; n < 400; ++n) {
    TraceBatch batch;
    const std::uint64_t start = 1700000000000000000ULL + n * 1000000;
    const std::size_t added = gen.Generate(n, start, batch);
    const std::vector<otlp::Span> spans = Spans(batch);
    ASSERT_EQ(added, spans.size());
    std::map<otlp::SpanId, const otlp::Span*> by_id;
    for (const otlp::Span& s : spans) {
      EXPECT_EQ(s.trace_id, gen.TraceIdFor(n));
      EXPECT_TRUE(by_id.emplace(s.span_id, &s).second) << "duplicate span id";
      EXPECT_LT(s.start_time_unix_nano, s.end_time_unix_nano);
    }
    int roots = 0;
    int selects = 0;
    for (const otlp::Span& s : spans) {
      if (otlp::IsZero(s.parent_span_id)) {
        ++roots;
        EXPECT_EQ(s.start_time_unix_nano, start);
        EXPECT_EQ(s.kind, otlp::SpanKind::kServer);
        continue;
      }
      const otlp::Span* parent = by_id.at(s.parent_span_id);
      EXPECT_GE(s.start_time_unix_nano, parent->start_time_unix_nano) << s.name;
      EXPECT_LE(s.end_time_unix_nano, parent->end_time_unix_nano) << s.name;
      if (s.name == "SELECT") {
        ++selects;
        if (s.status.code == otlp::SpanStatusCode::kError) {
          ++errors;
          ASSERT_FALSE(s.events.empty());
          EXPECT_EQ(s.events.back().name, "exception");
          EXPECT_EQ(s.events.back().attributes.at(0).value, Str("Timeout"));
          EXPECT_EQ(s.attributes.back().key, "db.response.status_code");
        }
      }
      if (s.name == "process") {
        ++consumers;
        ASSERT_EQ(s.links.size(), 1U);
        EXPECT_EQ(s.links[0].span_id, s.parent_span_id);
      }
      if (s.name == "publish") {
        EXPECT_EQ(s.events.at(0).name, "enqueued");
      }
    }
    EXPECT_EQ(roots, 1);
    ++fanout[selects];
  }
  EXPECT_EQ(fanout.size(), 3U);  // 2, 3 and 4 SELECTs all occur...
  EXPECT_EQ(fanout.begin()->first, 2);
  EXPECT_EQ(fanout.rbegin()->first, 4);  // ...and nothing outside the range.
  // Probabilities hold roughly (deterministic for this seed, so not flaky).
  EXPECT_NEAR(errors / (400.0 * 3), 0.5, 0.06);
  EXPECT_NEAR(consumers / 400.0, 0.5, 0.08);
}

TEST(TraceGeneratorTest, ResourcesPerServiceInstanceAndLatencyDistribution) {
  TraceModel m = ShopModel();
  m.root.children.clear();
  m.root.latency = {0.010, 0.100};
  const TraceGenerator gen(m, 3, "run");
  TraceBatch batch;
  std::vector<double> seconds;
  for (std::uint64_t n = 0; n < 2000; ++n) {
    const std::size_t before = batch.span_count();
    gen.Generate(n, 1000000000, batch);
    ASSERT_EQ(batch.span_count(), before + 1);
  }
  EXPECT_EQ(batch.trace_count(), 2000U);
  // Two instances of frontend: two ResourceSpans, each naming its instance.
  ASSERT_EQ(batch.data().resource_spans.size(), 2U);
  std::set<std::string> instances;
  for (const auto& rs : batch.data().resource_spans) {
    EXPECT_EQ(rs.resource.attributes.at(0).value, Str("frontend"));
    instances.insert(rs.resource.attributes.at(1).value.string_value);
    EXPECT_EQ(rs.resource.attributes.at(2).key, "service.version");
    for (const auto& s : rs.scope_spans.at(0).spans) {
      seconds.push_back(static_cast<double>(s.end_time_unix_nano - s.start_time_unix_nano) / 1e9);
    }
  }
  EXPECT_EQ(instances, (std::set<std::string>{"frontend-0", "frontend-1"}));
  std::sort(seconds.begin(), seconds.end());
  EXPECT_NEAR(seconds[seconds.size() / 2], 0.010, 0.0015);        // Median.
  EXPECT_NEAR(seconds[seconds.size() * 99 / 100], 0.100, 0.025);  // p99.
}

TEST(TraceGeneratorTest, TracesStopAtMaxSpans) {
  TraceModel m = ShopModel();
  m.root.children.resize(1);
  m.root.children[0].count_min = 50;
  m.root.children[0].count_max = 50;
  m.max_spans_per_trace = 10;
  const TraceGenerator gen(m, 1, "run");
  TraceBatch batch;
  EXPECT_EQ(gen.Generate(0, 1, batch), 10U);
  EXPECT_DOUBLE_EQ(MeanSpansPerTrace(m), 10);
  m.max_spans_per_trace = 1000;
  EXPECT_DOUBLE_EQ(MeanSpansPerTrace(m), 51);
}

TEST(TraceModelTest, ValidationNamesTheTemplate) {
  TraceModel m = ShopModel();
  m.root.children[1].children[0].service = "nowhere";
  EXPECT_THAT(ValidateTraceModel(m).message(),
              HasSubstr("root.children[1].children[0]: unknown service \"nowhere\""));
  m = ShopModel();
  m.root.children[0].latency = {0.01, 0.001};
  EXPECT_THAT(ValidateTraceModel(m).message(),
              HasSubstr("root.children[0]: latency.p99 must be >= latency.median"));
  m = ShopModel();
  m.root.children[0].count_min = 3;
  m.root.children[0].count_max = 2;
  EXPECT_THAT(ValidateTraceModel(m).message(), HasSubstr("count"));
  m = ShopModel();
  m.services.push_back(m.services[0]);
  EXPECT_THAT(ValidateTraceModel(m).message(), HasSubstr("unique"));
  m = ShopModel();
  m.root.attributes[0].choices.clear();
  EXPECT_THAT(ValidateTraceModel(m).message(), HasSubstr("at least one value"));
}

}  // namespace
}  // namespace obs::loadgen
