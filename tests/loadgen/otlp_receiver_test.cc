// OtlpReceiver over real HTTP on loopback: protobuf, JSON and gzip bodies of
// all three signals counted exactly (spans by kind, data points of several
// metric types, log records), undecodable bodies answered 400 without
// touching the counts, the 404/405/413/415 answers, a response delay,
// ResetCounts(), and concurrent keep-alive senders adding up exactly.

#include "obs/loadgen/otlp_receiver.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/gzip.h"
#include "obs/wire/otlp.h"

#include "http_client.h"
#include "url.h"

namespace obs::loadgen {
namespace {

namespace otlp = wire::otlp;
using obs::testing::StatusIs;
using ::testing::HasSubstr;

using Headers = std::vector<std::pair<std::string, std::string>>;

otlp::Span MakeSpan(otlp::SpanKind kind, std::uint8_t id, bool root) {
  otlp::Span s;
  s.trace_id[0] = 1;
  s.span_id[0] = id;
  if (!root) {
    s.parent_span_id[0] = 99;
  }
  s.name = "op";
  s.kind = kind;
  s.start_time_unix_nano = 1'000'000'000;
  s.end_time_unix_nano = 2'000'000'000;
  return s;
}

// Seven spans over two scopes: one of each kind plus a second server span
// (a child); two roots.
otlp::TracesData SevenSpans() {
  otlp::TracesData d;
  otlp::ResourceSpans& rs = d.resource_spans.emplace_back();
  rs.resource.attributes.push_back({"service.name", otlp::AnyValue::String("app")});
  otlp::ScopeSpans& a = rs.scope_spans.emplace_back();
  a.spans.push_back(MakeSpan(otlp::SpanKind::kServer, 1, true));
  a.spans.push_back(MakeSpan(otlp::SpanKind::kServer, 2, false));
  a.spans.push_back(MakeSpan(otlp::SpanKind::kClient, 3, false));
  a.spans.push_back(MakeSpan(otlp::SpanKind::kInternal, 4, false));
  otlp::ScopeSpans& b = rs.scope_spans.emplace_back();
  b.spans.push_back(MakeSpan(otlp::SpanKind::kProducer, 5, false));
  b.spans.push_back(MakeSpan(otlp::SpanKind::kConsumer, 6, true));
  b.spans.push_back(MakeSpan(otlp::SpanKind::kUnspecified, 7, false));
  return d;
}

// A gauge with three points and a histogram with two: five data points.
otlp::MetricsData FivePoints() {
  otlp::MetricsData d;
  otlp::ScopeMetrics& sm = d.resource_metrics.emplace_back().scope_metrics.emplace_back();
  otlp::Metric& gauge = sm.metrics.emplace_back();
  gauge.name = "g";
  gauge.type = otlp::Metric::Type::kGauge;
  for (int i = 0; i < 3; ++i) {
    otlp::NumberDataPoint& p = gauge.number_points.emplace_back();
    p.time_unix_nano = 1'000'000'000U + static_cast<std::uint64_t>(i);
    p.type = otlp::NumberType::kDouble;
    p.as_double = i;
  }
  otlp::Metric& hist = sm.metrics.emplace_back();
  hist.name = "h";
  hist.type = otlp::Metric::Type::kHistogram;
  hist.temporality = otlp::AggregationTemporality::kCumulative;
  for (int i = 0; i < 2; ++i) {
    otlp::HistogramDataPoint& p = hist.histogram_points.emplace_back();
    p.time_unix_nano = 1'000'000'000U + static_cast<std::uint64_t>(i);
    p.count = 2;
    p.bucket_counts = {1, 1};
    p.explicit_bounds = {0.5};
  }
  return d;
}

otlp::LogsData FourRecords() {
  otlp::LogsData d;
  otlp::ScopeLogs& sl = d.resource_logs.emplace_back().scope_logs.emplace_back();
  for (int i = 0; i < 4; ++i) {
    otlp::LogRecord& r = sl.log_records.emplace_back();
    r.time_unix_nano = 1'000'000'000U + static_cast<std::uint64_t>(i);
    r.body = otlp::AnyValue::String("line " + std::to_string(i));
  }
  return d;
}

std::string Proto(const otlp::TracesData& d) {
  std::string out;
  otlp::EncodeTraces(d, out);
  return out;
}

internal::HttpClient Client(const OtlpReceiver& r, std::string_view path, Headers headers) {
  auto u = internal::ParseHttpUrl(r.base_url() + std::string(path));
  EXPECT_TRUE(u.ok()) << u.status();
  return internal::HttpClient({.url = *u, .headers = std::move(headers)});
}

internal::HttpResponse Post(const OtlpReceiver& r, std::string_view path,
                            std::string_view content_type, std::string_view body,
                            std::string_view content_encoding = "") {
  Headers headers = {{"Content-Type", std::string(content_type)}};
  if (!content_encoding.empty()) {
    headers.emplace_back("Content-Encoding", std::string(content_encoding));
  }
  internal::HttpClient client = Client(r, path, std::move(headers));
  return client.Post(body);
}

std::unique_ptr<OtlpReceiver> StartOrDie(const OtlpReceiverOptions& options = {}) {
  auto r = OtlpReceiver::Start(options);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::move(r).value() : nullptr;
}

TEST(OtlpReceiverTest, CountsProtobufSpansByKind) {
  auto r = StartOrDie();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->base_url(), "http://127.0.0.1:" + std::to_string(r->port()));
  const std::string body = Proto(SevenSpans());
  const internal::HttpResponse res = Post(*r, "/v1/traces", "application/x-protobuf", body);
  ASSERT_EQ(res.status, 200) << res.error << res.body;
  auto answer =
      otlp::DecodeExportResponse(otlp::Signal::kTraces, res.body, otlp::Encoding::kProtobuf);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, otlp::ExportResponse{});
  const OtlpReceiverCounts c = r->Counts();
  EXPECT_EQ(c.requests, 1U);
  EXPECT_EQ(c.bytes, body.size());
  EXPECT_EQ(c.traces.requests, 1U);
  EXPECT_EQ(c.traces.items, 7U);
  EXPECT_EQ(c.traces.bytes, body.size());
  EXPECT_EQ(c.traces.decoded_bytes, body.size());
  EXPECT_EQ(c.spans_by_kind.server, 2U);
  EXPECT_EQ(c.spans_by_kind.client, 1U);
  EXPECT_EQ(c.spans_by_kind.internal, 1U);
  EXPECT_EQ(c.spans_by_kind.producer, 1U);
  EXPECT_EQ(c.spans_by_kind.consumer, 1U);
  EXPECT_EQ(c.spans_by_kind.unspecified, 1U);
  EXPECT_EQ(c.root_spans, 2U);
  EXPECT_EQ(c.metrics.requests + c.logs.requests + c.decode_errors + c.rejected, 0U);
}

TEST(OtlpReceiverTest, CountsJsonAndGzipBodiesOfEverySignal) {
  auto r = StartOrDie();
  ASSERT_NE(r, nullptr);
  std::string metrics_json;
  otlp::EncodeMetricsJson(FivePoints(), metrics_json);
  internal::HttpResponse res =
      Post(*r, "/v1/metrics", "application/json; charset=utf-8", metrics_json);
  ASSERT_EQ(res.status, 200) << res.error << res.body;
  EXPECT_TRUE(
      otlp::DecodeExportResponse(otlp::Signal::kMetrics, res.body, otlp::Encoding::kJson).ok())
      << res.body;

  std::string logs;
  otlp::EncodeLogs(FourRecords(), logs);
  const std::string logs_gz = wire::GzipCompress(logs);
  res = Post(*r, "/v1/logs", "application/x-protobuf", logs_gz, "gzip");
  ASSERT_EQ(res.status, 200) << res.error << res.body;

  std::string traces_json;
  otlp::EncodeTracesJson(SevenSpans(), traces_json);
  const std::string traces_gz = wire::GzipCompress(traces_json);
  res = Post(*r, "/v1/traces", "application/json", traces_gz, "gzip");
  ASSERT_EQ(res.status, 200) << res.error << res.body;

  const OtlpReceiverCounts c = r->Counts();
  EXPECT_EQ(c.requests, 3U);
  EXPECT_EQ(c.bytes, metrics_json.size() + logs_gz.size() + traces_gz.size());
  EXPECT_EQ(c.metrics.requests, 1U);
  EXPECT_EQ(c.metrics.items, 5U);
  EXPECT_EQ(c.logs.requests, 1U);
  EXPECT_EQ(c.logs.items, 4U);
  EXPECT_EQ(c.logs.bytes, logs_gz.size());
  EXPECT_EQ(c.logs.decoded_bytes, logs.size());
  EXPECT_EQ(c.traces.items, 7U);
  EXPECT_EQ(c.spans_by_kind.server, 2U);
  EXPECT_EQ(c.traces.decoded_bytes, traces_json.size());
  EXPECT_EQ(c.decode_errors, 0U);
}

TEST(OtlpReceiverTest, UndecodableBodiesAre400AndLoseNothing) {
  auto r = StartOrDie();
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(Post(*r, "/v1/traces", "application/x-protobuf", Proto(SevenSpans())).status, 200);
  const OtlpReceiverCounts before = r->Counts();

  internal::HttpResponse res = Post(*r, "/v1/traces", "application/x-protobuf", "\xff\xff\xff");
  EXPECT_EQ(res.status, 400);
  auto status = otlp::DecodeRpcStatus(res.body, otlp::Encoding::kProtobuf);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->code, 3);
  EXPECT_THAT(status->message, HasSubstr("otlp receiver: traces: protobuf: truncated"));

  res = Post(*r, "/v1/logs", "application/json", "{not json");
  EXPECT_EQ(res.status, 400);
  EXPECT_THAT(res.body, HasSubstr("message"));
  res = Post(*r, "/v1/metrics", "application/x-protobuf", "not gzip at all", "gzip");
  EXPECT_EQ(res.status, 400);
  EXPECT_THAT(res.body, HasSubstr("gzip"));

  const OtlpReceiverCounts c = r->Counts();
  EXPECT_EQ(c.decode_errors, 3U);
  EXPECT_EQ(c.requests, before.requests + 3);
  EXPECT_EQ(c.traces.requests, before.traces.requests);
  EXPECT_EQ(c.traces.items, 7U);
  EXPECT_EQ(c.spans_by_kind.server, 2U);
  EXPECT_EQ(c.logs.requests + c.metrics.requests, 0U);
  EXPECT_EQ(c.rejected, 0U);
}

TEST(OtlpReceiverTest, RejectsOtherPathsMethodsTypesAndLargeBodies) {
  auto r = StartOrDie({.max_body_bytes = 1024});
  ASSERT_NE(r, nullptr);
  const std::string small = Proto(SevenSpans());
  ASSERT_LT(small.size(), 1024U);
  EXPECT_EQ(Post(*r, "/v1/nope", "application/x-protobuf", small).status, 404);
  EXPECT_EQ(Post(*r, "/", "application/x-protobuf", small).status, 404);
  {
    internal::HttpClient client = Client(*r, "/v1/traces", {});
    EXPECT_EQ(client.Request("GET", "/v1/traces", {}, "").status, 405);
  }
  EXPECT_EQ(Post(*r, "/v1/traces", "text/plain", small).status, 415);
  EXPECT_EQ(Post(*r, "/v1/traces", "application/x-protobuf", small, "br").status, 415);
  const internal::HttpResponse big =
      Post(*r, "/v1/traces", "application/x-protobuf", std::string(4096, 'x'));
  EXPECT_EQ(big.status, 413) << big.error;
  // Small on the wire, over the limit once inflated.
  const internal::HttpResponse bomb = Post(*r, "/v1/traces", "application/x-protobuf",
                                           wire::GzipCompress(std::string(8192, '\0')), "gzip");
  EXPECT_EQ(bomb.status, 413) << bomb.error;
  const OtlpReceiverCounts c = r->Counts();
  EXPECT_EQ(c.rejected, 7U);
  EXPECT_EQ(c.requests, 7U);
  EXPECT_EQ(c.traces.requests, 0U);
  EXPECT_EQ(c.decode_errors, 0U);
  // Still serving.
  EXPECT_EQ(Post(*r, "/v1/traces", "application/x-protobuf", small).status, 200);
}

TEST(OtlpReceiverTest, ConcurrentKeepAliveSendersAddUpExactly) {
  auto r = StartOrDie({.threads = 2});
  ASSERT_NE(r, nullptr);
  constexpr int kSenders = 8;
  constexpr int kRequests = 250;
  const std::string traces = Proto(SevenSpans());
  std::string logs;
  otlp::EncodeLogs(FourRecords(), logs);
  std::vector<std::thread> senders;
  std::vector<int> failures(kSenders, 0);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kSenders; ++i) {
    senders.emplace_back([&, i] {
      const bool send_logs = i % 2 == 1;
      internal::HttpClient client = Client(*r, send_logs ? "/v1/logs" : "/v1/traces",
                                           {{"Content-Type", "application/x-protobuf"}});
      for (int n = 0; n < kRequests; ++n) {
        if (client.Post(send_logs ? logs : traces).status != 200) {
          ++failures[static_cast<std::size_t>(i)];
        }
      }
    });
  }
  for (std::thread& t : senders) {
    t.join();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int f : failures) {
    EXPECT_EQ(f, 0);
  }
  const OtlpReceiverCounts c = r->Counts();
  constexpr std::uint64_t kHalf = kSenders / 2 * kRequests;
  EXPECT_EQ(c.requests, 2 * kHalf);
  EXPECT_EQ(c.traces.requests, kHalf);
  EXPECT_EQ(c.traces.items, 7 * kHalf);
  EXPECT_EQ(c.spans_by_kind.server, 2 * kHalf);
  EXPECT_EQ(c.logs.requests, kHalf);
  EXPECT_EQ(c.logs.items, 4 * kHalf);
  EXPECT_EQ(c.bytes, kHalf * (traces.size() + logs.size()));
  std::printf("%d requests in %.3f s (%.0f/s)\n", kSenders * kRequests, seconds,
              kSenders * kRequests / seconds);
}

TEST(OtlpReceiverTest, DelaysAnswersAndResetsCounts) {
  auto r = StartOrDie({.response_delay_seconds = 0.2});
  ASSERT_NE(r, nullptr);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(Post(*r, "/v1/traces", "application/x-protobuf", Proto(SevenSpans())).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(190));
  EXPECT_EQ(r->Counts().traces.items, 7U);
  r->ResetCounts();
  const OtlpReceiverCounts c = r->Counts();
  EXPECT_EQ(c.requests, 0U);
  EXPECT_EQ(c.traces.items, 0U);
  EXPECT_EQ(c.spans_by_kind.server, 0U);
  r->Stop();
  r->Stop();  // Idempotent.
  EXPECT_EQ(Post(*r, "/v1/traces", "application/x-protobuf", Proto(SevenSpans())).status, 0);
}

TEST(OtlpReceiverTest, BadOptionsAreInvalidArgument) {
  EXPECT_THAT(OtlpReceiver::Start({.listen_address = "nope"}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("bad listen address")));
  EXPECT_THAT(OtlpReceiver::Start({.response_delay_seconds = -1}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("response_delay_seconds")));
  EXPECT_THAT(OtlpReceiver::Start({.max_body_bytes = 0}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("max_body_bytes")));
  EXPECT_THAT(OtlpReceiver::Start({.threads = 0}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("threads")));
}

}  // namespace
}  // namespace obs::loadgen
