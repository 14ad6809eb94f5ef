// OTLP metrics -> Prometheus series: names with units and suffixes, label
// sanitizing, job/instance/target_info, histogram/summary/exponential
// expansion, staleness, delta marking and per-point refusals.

#include "obs/wire/otlp_prometheus.h"

#include <cmath>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "otlp_test_data.h"

namespace obs::wire::otlp {
namespace {

using ::testing::HasSubstr;

Metric Named(std::string name, std::string unit, Metric::Type type, bool monotonic = false) {
  Metric m;
  m.name = std::move(name);
  m.unit = std::move(unit);
  m.type = type;
  m.is_monotonic = monotonic;
  return m;
}

TEST(PrometheusNameTest, FollowsTheOtlpTranslationRules) {
  using T = Metric::Type;
  EXPECT_EQ(PrometheusMetricName(Named("http.server.request.duration", "s", T::kHistogram)),
            "http_server_request_duration_seconds");
  EXPECT_EQ(PrometheusMetricName(Named("http.server.requests", "{request}", T::kSum, true)),
            "http_server_requests_total");
  EXPECT_EQ(PrometheusMetricName(Named("http.server.requests", "{request}", T::kSum, false)),
            "http_server_requests");
  EXPECT_EQ(PrometheusMetricName(Named("process.memory.usage", "By", T::kGauge)),
            "process_memory_usage_bytes");
  EXPECT_EQ(PrometheusMetricName(Named("system.cpu.utilization", "1", T::kGauge)),
            "system_cpu_utilization_ratio");
  EXPECT_EQ(PrometheusMetricName(Named("system.cpu.utilization", "1", T::kSum)),
            "system_cpu_utilization");
  EXPECT_EQ(PrometheusMetricName(Named("vehicle.speed", "m/s", T::kGauge)),
            "vehicle_speed_meters_per_second");
  EXPECT_EQ(PrometheusMetricName(Named("events", "{event}/s", T::kGauge)), "events_per_second");
  EXPECT_EQ(PrometheusMetricName(Named("total.requests", "", T::kSum, true)), "requests_total");
  EXPECT_EQ(PrometheusMetricName(Named("requests_total", "", T::kSum, true)), "requests_total");
  EXPECT_EQ(PrometheusMetricName(Named("latency_seconds", "s", T::kGauge)), "latency_seconds");
  EXPECT_EQ(PrometheusMetricName(Named("2xx.responses", "", T::kGauge)), "_2xx_responses");
  EXPECT_EQ(PrometheusMetricName(Named("queue--depth", "custom.unit", T::kGauge)),
            "queue_depth_custom_unit");
  EXPECT_EQ(PrometheusMetricName(Named("...", "", T::kGauge)), "");
  EXPECT_EQ(PrometheusUnitSuffix("KiBy"), "kibibytes");
  EXPECT_EQ(PrometheusUnitSuffix("ms"), "milliseconds");
  EXPECT_EQ(PrometheusUnitSuffix("By/s"), "bytes_per_second");
  EXPECT_EQ(PrometheusUnitSuffix("%"), "percent");
}

TEST(PrometheusNameTest, LabelsAndFloats) {
  EXPECT_EQ(PrometheusLabelName("http.route"), "http_route");
  EXPECT_EQ(PrometheusLabelName("0abc"), "key_0abc");
  EXPECT_EQ(PrometheusLabelName("_x"), "key_x");
  EXPECT_EQ(PrometheusLabelName("__x"), "__x");
  EXPECT_EQ(PrometheusLabelName("ünï"), "__n__");  // Bytes, not characters.
  EXPECT_EQ(PrometheusLabelValue(AnyValue::Int(-4)), "-4");
  EXPECT_EQ(PrometheusLabelValue(AnyValue::Bool(true)), "true");
  EXPECT_EQ(PrometheusLabelValue(AnyValue::String("a b")), "a b");
  EXPECT_EQ(PrometheusFloat(0.005), "0.005");
  EXPECT_EQ(PrometheusFloat(1), "1");
  EXPECT_EQ(PrometheusFloat(2.5), "2.5");
  EXPECT_EQ(PrometheusFloat(1e-9), "0.000000001");
  EXPECT_EQ(PrometheusFloat(-256), "-256");
  EXPECT_EQ(PrometheusFloat(HUGE_VAL), "+Inf");
}

// Series text "name{a="b",...}" -> sample, for lookups.
std::map<std::string, Sample> ByText(const TranslatedMetrics& t) {
  std::map<std::string, Sample> out;
  for (const TranslatedPoint& p : t.points) {
    for (const PromSeries& s : p.series) {
      std::string text;
      for (const Label& l : s.labels) {
        if (l.name == "__name__") {
          text = l.value + "{" + text;
        } else {
          text += l.name + "=\"" + l.value + "\",";
        }
      }
      out[text + "}"] = s.sample;
    }
  }
  return out;
}

TEST(TranslateTest, RichMetricsBecomeTheExpectedSeries) {
  const TranslatedMetrics t = TranslateToPrometheus(testing::RichMetrics());
  const auto series = ByText(t);
  const std::string id = R"(instance="pod-7",job="checkout",)";

  ASSERT_TRUE(series.count("process_memory_usage_bytes{" + id + "state=\"used\",}"));
  EXPECT_EQ(series.at("process_memory_usage_bytes{" + id + "state=\"used\",}").value, 1.5e9);
  EXPECT_EQ(series.at("process_memory_usage_bytes{" + id + "state=\"used\",}").timestamp_ms,
            1700000000000);
  EXPECT_TRUE(IsStaleNaN(series.at("process_memory_usage_bytes{" + id + "}").value));

  EXPECT_EQ(
      series.at("http_server_requests_total{http_route=\"/api/orders/{id}\"," + id + "}").value,
      1234567890123.0);
  EXPECT_EQ(series.at("queue_depth_change{" + id + "}").value, -2.5);

  const std::string h = "http_server_request_duration_seconds";
  const std::string hl = "http_request_method=\"GET\"," + id;
  EXPECT_EQ(series.at(h + "_bucket{" + hl + "le=\"0.005\",}").value, 1);
  EXPECT_EQ(series.at(h + "_bucket{" + hl + "le=\"0.01\",}").value, 3);
  EXPECT_EQ(series.at(h + "_bucket{" + hl + "le=\"0.1\",}").value, 6);
  EXPECT_EQ(series.at(h + "_bucket{" + hl + "le=\"1\",}").value, 10);
  EXPECT_EQ(series.at(h + "_bucket{" + hl + "le=\"+Inf\",}").value, 15);
  EXPECT_EQ(series.at(h + "_sum{" + hl + "}").value, 0);
  EXPECT_EQ(series.at(h + "_count{" + hl + "}").value, 15);

  EXPECT_EQ(series.at("gc_pause{" + id + "quantile=\"0.5\",}").value, 0.01);
  EXPECT_EQ(series.at("gc_pause_sum{" + id + "}").value, 0.125);
  EXPECT_EQ(series.at("gc_pause_count{" + id + "}").value, 10);

  // target_info carries the non-identifying resource attributes.
  EXPECT_EQ(series.at("target_info{host_name=\"node-3\"," + id + "}").value, 1);

  // Refused: the histogram point without a timestamp, and the exponential
  // point whose buckets do not add up to its count.
  EXPECT_EQ(t.rejected, 2U);
  EXPECT_THAT(t.first_error,
              HasSubstr("resourceMetrics[0].scopeMetrics[0].metrics[3] "
                        "(http.server.request.duration) dataPoints[1]: timeUnixNano is missing"));
  for (const TranslatedPoint& p : t.points) {
    const bool is_delta_metric = p.series.at(0).labels.at(0).value == "queue_depth_change" ||
                                 p.series.at(0).labels.at(1).value == "queue_depth_change";
    EXPECT_EQ(p.delta, is_delta_metric);
  }
}

TEST(TranslateTest, ExponentialHistogramsExpandAtExactBucketBounds) {
  MetricsData data;
  Metric m = Named("rpc.latency", "ms", Metric::Type::kExponentialHistogram);
  m.temporality = AggregationTemporality::kCumulative;
  ExponentialHistogramDataPoint p;
  p.time_unix_nano = 2'000'000;
  p.scale = -2;  // base 16
  p.count = 305;
  p.sum = 1;
  p.zero_count = 1;
  p.zero_threshold = 1e-9;
  p.positive.offset = -3;  // buckets (16^-3, 16^-2], (16^-2, 16^-1], (16^-1, 1]
  p.positive.bucket_counts = {2, 0, 300};
  p.negative.offset = 2;  // [-16^3, -16^2)
  p.negative.bucket_counts = {2};
  m.exponential_points.push_back(p);
  data.resource_metrics.emplace_back().scope_metrics.emplace_back().metrics.push_back(m);
  const TranslatedMetrics t = TranslateToPrometheus(data);
  ASSERT_EQ(t.rejected, 0U) << t.first_error;
  const auto s = ByText(t);
  const std::string b = "rpc_latency_milliseconds_bucket{le=\"";
  EXPECT_EQ(s.at(b + "-256\",}").value, 2);
  EXPECT_EQ(s.at(b + "0.000000001\",}").value, 3);
  EXPECT_EQ(s.at(b + "0.00390625\",}").value, 5);
  EXPECT_EQ(s.at(b + "0.0625\",}").value, 5);
  EXPECT_EQ(s.at(b + "1\",}").value, 305);
  EXPECT_EQ(s.at(b + "+Inf\",}").value, 305);
  EXPECT_EQ(s.at("rpc_latency_milliseconds_count{}").value, 305);
  EXPECT_EQ(s.at("rpc_latency_milliseconds_count{}").timestamp_ms, 2);
}

TEST(TranslateTest, RefusesBrokenPointsOneByOne) {
  MetricsData data;
  auto& metrics = data.resource_metrics.emplace_back().scope_metrics.emplace_back().metrics;
  Metric h = Named("h", "", Metric::Type::kHistogram);
  HistogramDataPoint good;
  good.time_unix_nano = 1'000'000;
  good.count = 1;
  good.bucket_counts = {1, 0};
  good.explicit_bounds = {1};
  HistogramDataPoint mismatched = good;
  mismatched.bucket_counts = {1};
  HistogramDataPoint unsorted = good;
  unsorted.explicit_bounds = {2, 1};
  unsorted.bucket_counts = {1, 0, 0};
  h.histogram_points = {good, mismatched, unsorted};
  metrics.push_back(h);
  Metric no_value = Named("g", "", Metric::Type::kGauge);
  no_value.number_points.emplace_back().time_unix_nano = 1'000'000;
  metrics.push_back(no_value);
  Metric bad_name = Named("!!", "", Metric::Type::kGauge);
  bad_name.number_points.resize(3);
  metrics.push_back(bad_name);

  const TranslatedMetrics t = TranslateToPrometheus(data);
  EXPECT_EQ(t.points.size(), 1U);
  EXPECT_EQ(t.rejected, 6U);
  EXPECT_THAT(t.first_error, HasSubstr("dataPoints[1]: 1 bucket counts for 1 bounds"));
}

}  // namespace
}  // namespace obs::wire::otlp
