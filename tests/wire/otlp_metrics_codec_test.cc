// The OTLP metrics codecs: canonical protobuf checked against the
// protoc-generated oracle both ways, JSON round trips and spec-shaped JSON,
// and errors that name the place.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/wire/otlp.h"

#include "otlp_test_data.h"
#include "wire/proto/otlp_loki.pb.h"
#include <nlohmann/json.hpp>

namespace obs::wire::otlp {
namespace {

using ::testing::HasSubstr;
using testing::RichMetrics;
namespace oracle = obs::otlp_oracle;

TEST(OtlpMetricsProtoTest, EncodesCanonicallyAndTheOracleReadsEveryField) {
  const MetricsData data = RichMetrics();
  std::string bytes;
  EncodeMetrics(data, bytes);
  oracle::ExportMetricsServiceRequest o;
  ASSERT_TRUE(o.ParseFromString(bytes));
  EXPECT_EQ(o.SerializeAsString(), bytes);

  const auto& sm = o.resource_metrics(0).scope_metrics(0);
  ASSERT_EQ(sm.metrics_size(), 8);
  const auto& gauge = sm.metrics(0);
  EXPECT_EQ(gauge.unit(), "By");
  ASSERT_TRUE(gauge.has_gauge());
  EXPECT_EQ(gauge.gauge().data_points(0).as_double(), 1.5e9);
  EXPECT_EQ(gauge.gauge().data_points(0).exemplars(0).as_int(), -7);
  EXPECT_EQ(gauge.gauge().data_points(1).value_case(), oracle::NumberDataPoint::kAsInt);
  EXPECT_EQ(gauge.gauge().data_points(1).flags(), 1U);
  EXPECT_EQ(gauge.metadata(0).key(), "origin");

  const auto& counter = sm.metrics(1);
  ASSERT_TRUE(counter.has_sum());
  EXPECT_TRUE(counter.sum().is_monotonic());
  EXPECT_EQ(counter.sum().aggregation_temporality(), oracle::AGGREGATION_TEMPORALITY_CUMULATIVE);
  EXPECT_EQ(counter.sum().data_points(0).as_int(), 1234567890123LL);
  EXPECT_EQ(sm.metrics(2).sum().aggregation_temporality(), oracle::AGGREGATION_TEMPORALITY_DELTA);

  const auto& hist = sm.metrics(3).histogram().data_points(0);
  EXPECT_TRUE(hist.has_sum());
  EXPECT_EQ(hist.sum(), 0.0);
  EXPECT_EQ(hist.bucket_counts_size(), 5);
  EXPECT_EQ(hist.bucket_counts(4), 5U);
  EXPECT_EQ(hist.explicit_bounds(1), 0.01);
  EXPECT_EQ(hist.max(), 7.5);
  EXPECT_FALSE(sm.metrics(3).histogram().data_points(1).has_sum());

  const auto& exp = sm.metrics(4).exponential_histogram().data_points(0);
  EXPECT_EQ(exp.scale(), -2);
  EXPECT_EQ(exp.positive().offset(), -3);
  EXPECT_EQ(exp.positive().bucket_counts(2), 300U);
  EXPECT_EQ(exp.negative().offset(), 2);
  EXPECT_EQ(exp.zero_threshold(), 1e-9);
  EXPECT_FALSE(exp.has_max());
  EXPECT_EQ(exp.min(), -20);

  const auto& summary = sm.metrics(5).summary().data_points(0);
  EXPECT_EQ(summary.quantile_values(1).quantile(), 0.5);
  EXPECT_EQ(summary.quantile_values(2).value(), 0.05);

  EXPECT_TRUE(sm.metrics(6).has_gauge());
  EXPECT_EQ(sm.metrics(6).gauge().data_points_size(), 0);
  EXPECT_EQ(sm.metrics(7).data_case(), oracle::Metric::DATA_NOT_SET);
}

TEST(OtlpMetricsProtoTest, RoundTripsAndCountsPoints) {
  const MetricsData data = RichMetrics();
  std::string bytes;
  EncodeMetrics(data, bytes);
  auto decoded = DecodeMetrics(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, data);
  EXPECT_EQ(DataPointCount(*decoded), 8U);  // 2 + 1 + 1 + 2 + 1 + 1 + 0 + 0
}

TEST(OtlpMetricsProtoTest, DecodesUnpackedRepeatedFieldsAndALaterOneofMember) {
  // Parsers must accept packed and unpacked forms of repeated scalars.
  oracle::HistogramDataPoint p;
  std::string unpacked;
  for (std::uint64_t c : {3ULL, 4ULL}) {
    unpacked += '\x31';  // field 6, fixed64
    for (int i = 0; i < 8; ++i) {
      unpacked += static_cast<char>((c >> (8 * i)) & 0xFF);
    }
  }
  unpacked += '\x39';  // field 7, double 1.0
  unpacked += std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f", 8);
  ASSERT_TRUE(p.ParseFromString(unpacked));
  ASSERT_EQ(p.bucket_counts_size(), 2);

  oracle::ExportMetricsServiceRequest o;
  auto* m = o.add_resource_metrics()->add_scope_metrics()->add_metrics();
  m->set_name("h");
  *m->mutable_histogram()->add_data_points() = p;
  std::string bytes = o.SerializeAsString();
  // Rebuild with the unpacked point bytes: histogram{ data_points{ unpacked } }.
  std::string point = std::string("\x0a") + static_cast<char>(unpacked.size()) + unpacked;
  std::string hist = std::string("\x4a") + static_cast<char>(point.size()) + point;
  // Then a gauge (field 5) after the histogram: the later member wins.
  std::string gauge = "\x2a\x0b\x0a\x09\x21" + std::string("\x00\x00\x00\x00\x00\x00\x00\x40", 8);
  std::string metric = std::string("\x0a\x01h") + hist + gauge;
  std::string scope = std::string("\x12") + static_cast<char>(metric.size()) + metric;
  std::string resource = std::string("\x12") + static_cast<char>(scope.size()) + scope;
  std::string request = std::string("\x0a") + static_cast<char>(resource.size()) + resource;

  auto only_hist = DecodeMetrics(
      std::string("\x0a") + static_cast<char>(resource.size() - gauge.size()) +
      std::string("\x12") + static_cast<char>(scope.size() - gauge.size()) + std::string("\x12") +
      static_cast<char>(metric.size() - gauge.size()) + std::string("\x0a\x01h") + hist);
  ASSERT_TRUE(only_hist.ok()) << only_hist.status();
  const Metric& h = only_hist->resource_metrics.at(0).scope_metrics.at(0).metrics.at(0);
  ASSERT_EQ(h.type, Metric::Type::kHistogram);
  EXPECT_EQ(h.histogram_points.at(0).bucket_counts, (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(h.histogram_points.at(0).explicit_bounds, (std::vector<double>{1.0}));

  auto both = DecodeMetrics(request);
  ASSERT_TRUE(both.ok()) << both.status();
  const Metric& g = both->resource_metrics.at(0).scope_metrics.at(0).metrics.at(0);
  EXPECT_EQ(g.type, Metric::Type::kGauge);
  EXPECT_TRUE(g.histogram_points.empty());
  ASSERT_EQ(g.number_points.size(), 1U);
  EXPECT_EQ(g.number_points[0].Value(), 2.0);
}

TEST(OtlpMetricsProtoTest, BadInputNamesThePlace) {
  oracle::ExportMetricsServiceRequest o;
  auto* m = o.add_resource_metrics()->add_scope_metrics()->add_metrics();
  m->set_name("x");
  m->mutable_sum()->add_data_points()->add_exemplars()->set_span_id("bad");
  auto decoded = DecodeMetrics(o.SerializeAsString());
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(),
              HasSubstr("otlp metrics: resourceMetrics[0].scopeMetrics[0].metrics[0].sum."
                        "dataPoints[0].exemplars[0].spanId: id must be 8 bytes, got 3"));
  // A truncated packed fixed64 list.
  std::string point = "\x32\x03\x01\x02\x03";
  std::string hist = std::string("\x4a") + static_cast<char>(point.size() + 2) + "\x0a" +
                     static_cast<char>(point.size()) + point;
  std::string metric = hist;
  std::string scope = std::string("\x12") + static_cast<char>(metric.size()) + metric;
  std::string resource = std::string("\x12") + static_cast<char>(scope.size()) + scope;
  auto truncated =
      DecodeMetrics(std::string("\x0a") + static_cast<char>(resource.size()) + resource);
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(truncated.status().message(), HasSubstr("truncated packed fixed64"));
}

TEST(OtlpMetricsJsonTest, RoundTrips) {
  const MetricsData data = RichMetrics();
  std::string json;
  EncodeMetricsJson(data, json);
  auto decoded = DecodeMetricsJson(json);
  ASSERT_TRUE(decoded.ok()) << decoded.status() << "\n" << json;
  EXPECT_EQ(*decoded, data);
}

TEST(OtlpMetricsJsonTest, WritesTheSpecifiedShape) {
  std::string json;
  EncodeMetricsJson(RichMetrics(), json);
  const auto j = nlohmann::json::parse(json);
  const auto& metrics = j["resourceMetrics"][0]["scopeMetrics"][0]["metrics"];
  EXPECT_EQ(metrics[1]["sum"]["aggregationTemporality"], 2);
  EXPECT_EQ(metrics[1]["sum"]["isMonotonic"], true);
  EXPECT_EQ(metrics[1]["sum"]["dataPoints"][0]["asInt"], "1234567890123");
  EXPECT_EQ(metrics[1]["sum"]["dataPoints"][0]["startTimeUnixNano"], "1699999990000000000");
  EXPECT_EQ(metrics[3]["histogram"]["dataPoints"][0]["bucketCounts"][4], "5");
  EXPECT_EQ(metrics[3]["histogram"]["dataPoints"][0]["explicitBounds"][0], 0.005);
  EXPECT_EQ(metrics[3]["histogram"]["dataPoints"][0]["sum"], 0.0);
  EXPECT_EQ(metrics[4]["exponentialHistogram"]["dataPoints"][0]["positive"]["offset"], -3);
  EXPECT_EQ(metrics[4]["exponentialHistogram"]["dataPoints"][0]["scale"], -2);
  EXPECT_EQ(
      metrics[0]["gauge"]["dataPoints"][0]["exemplars"][0]["traceId"].get<std::string>().size(),
      32U);
  EXPECT_EQ(metrics[5]["summary"]["dataPoints"][0]["quantileValues"][1]["quantile"], 0.5);
}

TEST(OtlpMetricsJsonTest, ReadsWhatSdksWrite) {
  // The shape the specification's example and the JavaScript SDK's JSON
  // exporter produce: numbers for 64-bit fields, snake_case accepted, enum
  // names accepted, unknown keys ignored.
  const std::string json = R"({
    "resourceMetrics": [{
      "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "svc"}}]},
      "scopeMetrics": [{
        "scope": {"name": "m", "version": "1"},
        "metrics": [
          {"name": "requests", "unit": "1", "sum": {
             "aggregationTemporality": "AGGREGATION_TEMPORALITY_CUMULATIVE", "isMonotonic": true,
             "dataPoints": [{"asInt": 5, "startTimeUnixNano": 1544712660300000000,
                             "time_unix_nano": "1544712661300000000",
                             "attributes": [{"key": "k", "value": {"stringValue": "v"}}]}]}},
          {"name": "latency", "histogram": {"aggregationTemporality": 1, "dataPoints": [
             {"count": 3, "sum": 2.5, "bucketCounts": [1, "2"], "explicitBounds": [1],
              "min": 0.5, "max": 1.5, "future": {"x": 1}}]}},
          {"name": "temp", "gauge": {"dataPoints": [{"asDouble": "NaN"}]}}
        ]}]}]})";
  auto decoded = DecodeMetricsJson(json);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const auto& metrics = decoded->resource_metrics.at(0).scope_metrics.at(0).metrics;
  ASSERT_EQ(metrics.size(), 3U);
  EXPECT_EQ(metrics[0].temporality, AggregationTemporality::kCumulative);
  EXPECT_TRUE(metrics[0].is_monotonic);
  EXPECT_EQ(metrics[0].number_points.at(0).as_int, 5);
  EXPECT_EQ(metrics[0].number_points.at(0).time_unix_nano, 1544712661300000000ULL);
  EXPECT_EQ(metrics[1].histogram_points.at(0).bucket_counts, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(metrics[1].temporality, AggregationTemporality::kDelta);
  EXPECT_TRUE(std::isnan(metrics[2].number_points.at(0).as_double));
}

TEST(OtlpMetricsJsonTest, BadInputNamesThePlace) {
  auto two_members = DecodeMetricsJson(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{},"sum":{}}]}]}]})");
  ASSERT_FALSE(two_members.ok());
  EXPECT_THAT(
      two_members.status().message(),
      HasSubstr("resourceMetrics[0].scopeMetrics[0].metrics[0].sum: a metric holds one of"));
  auto bad_count = DecodeMetricsJson(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"histogram":{"dataPoints":[{"count":"-1"}]}}]}]}]})");
  ASSERT_FALSE(bad_count.ok());
  EXPECT_THAT(bad_count.status().message(),
              HasSubstr("histogram.dataPoints[0].count: \"-1\" is not an integer in range"));
  EXPECT_FALSE(DecodeMetricsJson("[1]").ok());
  EXPECT_FALSE(DecodeMetricsJson("{").ok());
}

TEST(OtlpMetricsResponseTest, PartialSuccessCountsDataPoints) {
  ExportResponse partial{.rejected = 4, .error_message = "bad points"};
  oracle::ExportMetricsServiceResponse o;
  ASSERT_TRUE(
      o.ParseFromString(EncodeExportResponse(Signal::kMetrics, partial, Encoding::kProtobuf)));
  EXPECT_EQ(o.partial_success().rejected_data_points(), 4);
  EXPECT_EQ(o.partial_success().error_message(), "bad points");
  const std::string json = EncodeExportResponse(Signal::kMetrics, partial, Encoding::kJson);
  EXPECT_THAT(json, HasSubstr("rejectedDataPoints"));
  auto back = DecodeExportResponse(Signal::kMetrics, json, Encoding::kJson);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, partial);
}

}  // namespace
}  // namespace obs::wire::otlp
