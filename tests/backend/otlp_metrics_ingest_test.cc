// OTLP/HTTP metrics ingest of the embedded backend over loopback: both
// encodings land in the series storage that remote write fills, named as
// Prometheus's OTLP receiver names them, queryable by PromQL next to remote
// write series; delta sums become cumulative; broken or out-of-order points
// are partial success; bad requests are 400/415 with Status bodies.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"
#include "obs/wire/otlp.h"

#include <nlohmann/json.hpp>

namespace obs::backend {
namespace {

namespace otlp = wire::otlp;
using ::obs::testing::HttpHeaders;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr std::uint64_t kT0 = 1700000000000000000ULL;  // ns
constexpr std::uint64_t kSecond = 1000000000ULL;

otlp::MetricsData Request(std::vector<otlp::Metric> metrics) {
  otlp::MetricsData data;
  otlp::ResourceMetrics& rm = data.resource_metrics.emplace_back();
  rm.resource.attributes = {{"service.name", otlp::AnyValue::String("checkout")},
                            {"service.instance.id", otlp::AnyValue::String("pod-1")},
                            {"k8s.namespace.name", otlp::AnyValue::String("shop")}};
  rm.scope_metrics.emplace_back().metrics = std::move(metrics);
  return data;
}

otlp::Metric Counter(
    std::int64_t value, std::uint64_t t,
    otlp::AggregationTemporality temporality = otlp::AggregationTemporality::kCumulative) {
  otlp::Metric m;
  m.name = "http.server.requests";
  m.unit = "{request}";
  m.type = otlp::Metric::Type::kSum;
  m.is_monotonic = true;
  m.temporality = temporality;
  otlp::NumberDataPoint& p = m.number_points.emplace_back();
  p.time_unix_nano = t;
  p.type = otlp::NumberType::kInt;
  p.as_int = value;
  p.attributes = {{"http.route", otlp::AnyValue::String("/orders")}};
  return m;
}

otlp::Metric Latency(std::uint64_t t) {
  otlp::Metric m;
  m.name = "http.server.request.duration";
  m.unit = "s";
  m.type = otlp::Metric::Type::kHistogram;
  m.temporality = otlp::AggregationTemporality::kCumulative;
  otlp::HistogramDataPoint& p = m.histogram_points.emplace_back();
  p.time_unix_nano = t;
  p.count = 6;
  p.sum = 1.5;
  p.explicit_bounds = {0.1, 1};
  p.bucket_counts = {3, 2, 1};
  return m;
}

HttpHeaders Proto() {
  return {{"Content-Type", "application/x-protobuf"}};
}
HttpHeaders JsonHeaders() {
  return {{"Content-Type", "application/json"}};
}

class OtlpMetricsIngestTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(backend_.Start()); }

  ::obs::testing::HttpResult PostProto(const otlp::MetricsData& data) {
    std::string body;
    otlp::EncodeMetrics(data, body);
    auto r = backend_.Post("/v1/metrics", body, Proto());
    OBS_CHECK(r.ok()) << r.status();
    return *r;
  }
  ::obs::testing::HttpResult PostJson(const otlp::MetricsData& data) {
    std::string body;
    otlp::EncodeMetricsJson(data, body);
    auto r = backend_.Post("/v1/metrics", body, JsonHeaders());
    OBS_CHECK(r.ok()) << r.status();
    return *r;
  }
  // The instant-vector result of `query` at Unix second `t` as {series text: value}.
  std::map<std::string, double> Query(std::string_view query, std::uint64_t t_seconds) {
    auto r = backend_.Query(query, std::to_string(t_seconds));
    OBS_CHECK(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200) << r->body;
    std::map<std::string, double> out;
    const Json j = Json::parse(r->body);
    for (const Json& s : j["data"]["result"]) {
      out[s["metric"].dump()] = std::stod(s["value"][1].get<std::string>());
    }
    return out;
  }
  double One(std::string_view query, std::uint64_t t_seconds) {
    const auto result = Query(query, t_seconds);
    EXPECT_EQ(result.size(), 1U) << query;
    return result.empty() ? -1 : result.begin()->second;
  }

  ::obs::testing::LoopbackBackend backend_;
};

TEST_F(OtlpMetricsIngestTest, BothEncodingsLandAsPrometheusSeriesNextToRemoteWrite) {
  auto r = PostProto(Request({Counter(42, kT0)}));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "");
  r = PostJson(Request({Latency(kT0)}));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");
  ASSERT_OK(backend_.Write(
      {{{{"__name__", "up"}, {"job", "checkout"}, {"instance", "pod-1"}}, {{1, 1700000000000}}}}));

  const std::uint64_t t = kT0 / kSecond;
  const auto counter = Query("http_server_requests_total", t);
  ASSERT_EQ(counter.size(), 1U);
  EXPECT_EQ(
      counter.begin()->first,
      R"({"__name__":"http_server_requests_total","http_route":"/orders","instance":"pod-1","job":"checkout"})");
  EXPECT_EQ(counter.begin()->second, 42);
  EXPECT_EQ(One(R"(http_server_request_duration_seconds_bucket{le="1"})", t), 5);
  EXPECT_EQ(One(R"(http_server_request_duration_seconds_bucket{le="+Inf"})", t), 6);
  EXPECT_EQ(One("http_server_request_duration_seconds_sum", t), 1.5);
  EXPECT_EQ(One("histogram_quantile(0.5, http_server_request_duration_seconds_bucket)", t), 0.1);
  EXPECT_EQ(One(R"(target_info{k8s_namespace_name="shop"})", t), 1);
  // One PromQL query over both sources.
  // 5 histogram series, the counter, target_info and remote write's up.
  EXPECT_EQ(One(R"(count({job="checkout",instance="pod-1"}))", t), 8);
  EXPECT_EQ(backend_.server().counters().otlp_metric_requests, 2U);
}

TEST_F(OtlpMetricsIngestTest, DeltaSumsAreAccumulatedIntoCumulativeSeries) {
  const auto delta = otlp::AggregationTemporality::kDelta;
  EXPECT_EQ(PostProto(Request({Counter(5, kT0, delta)})).status, 200);
  EXPECT_EQ(PostProto(Request({Counter(3, kT0 + 10 * kSecond, delta)})).status, 200);
  EXPECT_EQ(PostJson(Request({Counter(2, kT0 + 20 * kSecond, delta)})).status, 200);
  const std::uint64_t t = kT0 / kSecond;
  EXPECT_EQ(One("http_server_requests_total", t), 5);
  EXPECT_EQ(One("http_server_requests_total", t + 10), 8);
  EXPECT_EQ(One("http_server_requests_total", t + 20), 10);
  EXPECT_EQ(One("increase(http_server_requests_total[25s])", t + 20), 5 * 25.0 / 20.0);
}

TEST_F(OtlpMetricsIngestTest, RefusedPointsArePartialSuccessAndTheRestIsKept) {
  ASSERT_EQ(PostProto(Request({Counter(10, kT0 + 10 * kSecond)})).status, 200);
  otlp::Metric broken = Latency(kT0);
  broken.histogram_points[0].bucket_counts = {1};
  otlp::Metric ok_gauge;
  ok_gauge.name = "queue.size";
  ok_gauge.type = otlp::Metric::Type::kGauge;
  otlp::NumberDataPoint& g = ok_gauge.number_points.emplace_back();
  g.time_unix_nano = kT0;
  g.type = otlp::NumberType::kDouble;
  g.as_double = 3;
  // Counter(1, kT0) is older than the stored sample at kT0 + 10 s.
  auto r = PostJson(Request({broken, ok_gauge, Counter(1, kT0)}));
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = Json::parse(r.body);
  EXPECT_EQ(j["partialSuccess"]["rejectedDataPoints"], "2");
  EXPECT_THAT(j["partialSuccess"]["errorMessage"].get<std::string>(),
              HasSubstr("2 data point(s) rejected; first: resourceMetrics[0].scopeMetrics[0]."
                        "metrics[0] (http.server.request.duration) dataPoints[0]: 1 bucket "
                        "counts for 2 bounds"));
  EXPECT_EQ(One("queue_size", kT0 / kSecond), 3);
  EXPECT_EQ(One("http_server_requests_total", kT0 / kSecond + 10), 10);
}

TEST_F(OtlpMetricsIngestTest, OutOfOrderAloneIsNamedInTheAnswer) {
  ASSERT_EQ(PostProto(Request({Counter(10, kT0 + 10 * kSecond)})).status, 200);
  std::string body;
  otlp::EncodeMetrics(Request({Counter(1, kT0)}), body);
  auto r = backend_.Post("/v1/metrics", body, Proto());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200);
  auto answer =
      otlp::DecodeExportResponse(otlp::Signal::kMetrics, r->body, otlp::Encoding::kProtobuf);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->rejected, 1);
  EXPECT_THAT(answer->error_message, HasSubstr("out of order"));
}

TEST_F(OtlpMetricsIngestTest, BadRequestsAreRefusedWithAStatusBody) {
  auto r = backend_.Post("/v1/metrics", "\x0a\x05\x01", Proto());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  auto st = otlp::DecodeRpcStatus(r->body, otlp::Encoding::kProtobuf);
  ASSERT_TRUE(st.ok());
  EXPECT_THAT(st->message, HasSubstr("overruns"));
  r = backend_.Post("/v1/metrics", "{}", {{"Content-Type", "text/plain"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 415);
  r = backend_.Get("/v1/metrics");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
}

}  // namespace
}  // namespace obs::backend
