// RunOtlpTraces against a scripted loopback sink: the OTLP/HTTP request shape
// (headers, encodings, gzip), batching, the ledger (acked, partial, rejected,
// failed), OTLP's retry rules (429/502/503/504 and Retry-After only) and the
// achieved-versus-target rates.

#include "obs/loadgen/otlp_traces.h"

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/loadgen/trace_generator.h"
#include "obs/wire/gzip.h"

#include "loopback_sink.h"

namespace obs::loadgen {
namespace {

namespace otlp = wire::otlp;
using testing::LoopbackSink;
using testing::SinkAnswer;

TraceModel TwoSpanModel() {
  TraceModel m;
  m.services = {{"api", 1, {}}};
  m.root.name = "GET /";
  m.root.service = "api";
  m.root.kind = otlp::SpanKind::kServer;
  SpanTemplate child;
  child.name = "SELECT";
  child.kind = otlp::SpanKind::kClient;
  m.root.children = {child};
  return m;
}

OtlpTracesOptions Options(const LoopbackSink& sink) {
  OtlpTracesOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(sink.port()) + "/v1/traces";
  o.model = TwoSpanModel();
  o.run_id = "test";
  o.traces_per_second = 200;
  o.duration_seconds = 0.5;
  o.batch_traces = 10;
  o.batch_timeout_seconds = 0.05;
  o.concurrency = 2;
  o.retry.min_backoff_seconds = 0.001;
  o.retry.max_backoff_seconds = 0.005;
  return o;
}

std::set<std::string> TraceIdsIn(const std::vector<testing::SinkRequest>& requests,
                                 bool only_acked) {
  std::set<std::string> ids;
  for (const auto& r : requests) {
    if (only_acked && (r.answered < 200 || r.answered > 299)) {
      continue;
    }
    auto data = otlp::DecodeTraces(r.body);
    EXPECT_TRUE(data.ok()) << data.status();
    for (const auto& rs : data->resource_spans) {
      for (const auto& ss : rs.scope_spans) {
        for (const auto& s : ss.spans) {
          ids.insert(otlp::Hex(s.trace_id));
        }
      }
    }
  }
  return ids;
}

TEST(OtlpTracesTest, SendsEveryScheduledTraceOnceAndRecordsIt) {
  LoopbackSink sink([](int) { return SinkAnswer{.status = 200}; });
  const OtlpTracesOptions o = Options(sink);
  auto result = RunOtlpTraces(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  const WorkloadRecord& rec = result->record;
  EXPECT_EQ(rec.kind, "otlp_traces");
  EXPECT_EQ(result->ledger.size(), 100U);  // 200/s for 0.5 s.
  EXPECT_EQ(result->ledger.Count(TraceLedger::State::kAcked), 100U);
  EXPECT_EQ(result->record.bookkeeping.ledger, 100U);  // One state byte per trace.
  EXPECT_EQ(result->traces_sent, 100U);
  EXPECT_EQ(rec.samples_sent, 200U);  // Two spans per trace.
  EXPECT_EQ(rec.samples_acked, 200U);
  EXPECT_EQ(rec.requests, rec.requests_succeeded);
  EXPECT_NEAR(rec.achieved_samples_per_second, rec.target_samples_per_second,
              rec.target_samples_per_second * 0.2);
  const auto requests = sink.requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/x-protobuf");
  // Exactly the ledger's traces arrived, each once.
  const TraceGenerator gen(o.model, o.seed, o.run_id);
  std::set<std::string> want;
  for (std::uint64_t n = 0; n < 100; ++n) {
    want.insert(otlp::Hex(gen.TraceIdFor(n)));
  }
  EXPECT_EQ(TraceIdsIn(requests, false), want);
  std::size_t spans = 0;
  for (const auto& r : requests) {
    spans += otlp::SpanCount(*otlp::DecodeTraces(r.body));
  }
  EXPECT_EQ(spans, 200U);
  // And the ledger regenerates them: trace 7's root starts when it was due.
  TraceBatch batch;
  gen.Generate(7, result->ledger.StartUnixNano(7), batch);
  EXPECT_EQ(batch.span_count(), 2U);
  EXPECT_LT(result->ledger.StartUnixNano(0), result->ledger.StartUnixNano(7));
}

TEST(OtlpTracesTest, JsonAndGzip) {
  LoopbackSink sink([](int) { return SinkAnswer{.status = 200}; });
  OtlpTracesOptions o = Options(sink);
  o.encoding = otlp::Encoding::kJson;
  o.gzip = true;
  o.duration_seconds = 0.1;
  auto result = RunOtlpTraces(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  const auto requests = sink.requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(requests[0].headers.at("content-encoding"), "gzip");
  std::size_t spans = 0;
  for (const auto& r : requests) {
    auto raw = wire::Decompress(r.body, wire::ContentCoding::kGzip, 1 << 24);
    ASSERT_TRUE(raw.ok());
    auto data = otlp::DecodeTracesJson(*raw);
    ASSERT_TRUE(data.ok()) << data.status();
    spans += otlp::SpanCount(*data);
  }
  EXPECT_EQ(spans, result->record.samples_sent);
}

TEST(OtlpTracesTest, RetriesOnlyWhatOtlpSaysToRetry) {
  // Request 0: 503 with Retry-After 0, then 200. Request 1 (second batch):
  // 500 — permanent in OTLP, never retried. Then 429 twice, then 200.
  LoopbackSink sink([](int i) {
    switch (i) {
      case 0:
        return SinkAnswer{.status = 503, .retry_after = "0"};
      case 2:
        return SinkAnswer{.status = 500};
      case 3:
      case 4:
        return SinkAnswer{.status = 429};
      default:
        return SinkAnswer{.status = 200};
    }
  });
  OtlpTracesOptions o = Options(sink);
  o.concurrency = 1;
  o.traces_per_second = 40;
  o.duration_seconds = 0.5;
  o.batch_traces = 5;
  o.batch_timeout_seconds = 1;  // Full batches: 5 traces, 125 ms apart.
  auto result = RunOtlpTraces(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  const WorkloadRecord& rec = result->record;
  EXPECT_EQ(rec.status_codes.at(503), 1U);
  EXPECT_EQ(rec.status_codes.at(500), 1U);
  EXPECT_EQ(rec.status_codes.at(429), 2U);
  EXPECT_EQ(rec.retries, 3U);
  EXPECT_EQ(rec.requests_rejected, 1U);
  EXPECT_EQ(rec.samples_rejected, 10U);  // One batch of 5 two-span traces.
  EXPECT_EQ(result->ledger.Count(TraceLedger::State::kRejected), 5U);
  EXPECT_EQ(result->ledger.Count(TraceLedger::State::kAcked), result->ledger.size() - 5);
}

TEST(OtlpTracesTest, PartialSuccessMarksTheBatchAndCountsRejectedSpans) {
  LoopbackSink sink([](int i) {
    SinkAnswer a{.status = 200};
    if (i == 0) {
      a.body = otlp::EncodeExportResponse(otlp::Signal::kTraces, {3, "3 spans too old"},
                                          otlp::Encoding::kProtobuf);
      a.content_type = "application/x-protobuf";
    }
    return a;
  });
  OtlpTracesOptions o = Options(sink);
  o.concurrency = 1;
  o.traces_per_second = 40;
  o.duration_seconds = 0.3;
  o.batch_traces = 4;
  o.batch_timeout_seconds = 1;
  auto result = RunOtlpTraces(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->ledger.Count(TraceLedger::State::kPartial), 4U);
  EXPECT_EQ(result->record.samples_rejected, 3U);
  EXPECT_EQ(result->record.samples_acked, result->record.samples_sent - 3);
}

TEST(OtlpTracesTest, FailsAfterRetriesAndRejectsBadOptions) {
  LoopbackSink sink([](int) { return SinkAnswer{.status = 502}; });
  OtlpTracesOptions o = Options(sink);
  o.concurrency = 1;
  o.duration_seconds = 0.1;
  o.retry.max_attempts = 2;
  auto result = RunOtlpTraces(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->ledger.Count(TraceLedger::State::kFailed), result->ledger.size());
  EXPECT_EQ(result->record.requests_failed, result->record.requests);
  EXPECT_EQ(result->record.attempts, 2 * result->record.requests);

  o.batch_traces = 0;
  EXPECT_EQ(RunOtlpTraces(o, RealClock()).status().code(), StatusCode::kInvalidArgument);
  o = Options(sink);
  o.model.root.service = "missing";
  EXPECT_EQ(RunOtlpTraces(o, RealClock()).status().code(), StatusCode::kInvalidArgument);
  o = Options(sink);
  o.url = "http://127.0.0.1:1/v1/traces";
  EXPECT_EQ(RunOtlpTraces(o, RealClock()).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace obs::loadgen
