// The OTLP metrics load: OtlpMetricsBuilder turns one instance's collection
// into an export whose Prometheus translation (wire/otlp_prometheus.h, the
// OTLP receiver's rules) gives back exactly the model's series and values,
// in both temporalities and with exponential histograms; RunOtlpMetrics
// against a scripted loopback sink: request shape, schedule, ledger and
// OTLP's retry rules.

#include "obs/loadgen/otlp_metrics.h"

#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/gzip.h"
#include "obs/wire/otlp_prometheus.h"

#include "loopback_sink.h"

namespace obs::loadgen {
namespace {

namespace otlp = wire::otlp;
using ::testing::ElementsAre;
using testing::LoopbackSink;
using testing::SinkAnswer;

constexpr std::int64_t kT = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

SeriesSetOptions Models() {
  SeriesSetOptions s;
  s.models = {{.kind = "http_red", .routes = 2}, {.kind = "node", .cpus = 1}, {.kind = "process"}};
  s.instances = 3;
  s.seed = 5;
  s.run_id = "r1";
  s.start_ms = kT - 3'600'000;  // Processes booted before it, as in a run.
  return s;
}

std::string Text(const std::vector<wire::Label>& labels) {
  std::string out;
  for (const auto& l : labels) {
    out += l.name + "=" + l.value + ",";
  }
  return out;
}

// Translated series (label text -> value) of one export.
std::map<std::string, double> Translate(const otlp::MetricsData& data) {
  const otlp::TranslatedMetrics t = otlp::TranslateToPrometheus(data);
  EXPECT_EQ(t.rejected, 0U) << t.first_error;
  std::map<std::string, double> out;
  for (const auto& p : t.points) {
    EXPECT_FALSE(p.target_info) << "only service.name and service.instance.id are set";
    for (const auto& s : p.series) {
      EXPECT_TRUE(out.emplace(Text(s.labels), s.sample.value).second) << Text(s.labels);
    }
  }
  return out;
}

struct Built {
  otlp::MetricsData data;
  std::vector<std::uint32_t> recorded;
};

Built BuildOne(const OtlpMetricsBuilder& b, std::size_t instance, std::int64_t t,
               std::int64_t prev) {
  Built out;
  b.Build(instance, t, prev, out.data, out.recorded);
  return out;
}

TEST(OtlpMetricsBuilderTest, CumulativeTranslatesBackToTheModelSeriesAndValues) {
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(Models()));
  ASSERT_OK_AND_ASSIGN(OtlpMetricsBuilder b, OtlpMetricsBuilder::Create(set, {}));
  EXPECT_EQ(b.instances(), 3U);
  EXPECT_TRUE(b.UncheckedMetricNames().empty());
  const Built one = BuildOne(b, 1, kT, -1);
  EXPECT_EQ(otlp::DataPointCount(one.data), b.points_per_collection());
  ASSERT_EQ(one.recorded.size(), b.recorded_per_collection());
  EXPECT_EQ(one.recorded.size(), set.slots() / 3) << "every series of the instance, once";
  const std::map<std::string, double> got = Translate(one.data);
  std::map<std::string, double> want;
  for (const std::uint32_t id : one.recorded) {
    want[Text(set.Labels(id))] = set.Value(id, kT);
  }
  EXPECT_EQ(got, want);
  // The shape a Prometheus user expects: one histogram per route/method with
  // the le bounds, monotonic cumulative sums with units from the names.
  bool histogram = false, counter = false;
  for (const auto& rm : one.data.resource_metrics) {
    ASSERT_EQ(rm.resource.attributes.size(), 2U);
    EXPECT_EQ(
        rm.resource.attributes[1].value.string_value,
        "host-0001:" +
            std::string(rm.resource.attributes[0].value.string_value == "api" ? "8080" : "9100"));
    for (const auto& m : rm.scope_metrics.at(0).metrics) {
      if (m.name == "http_request_duration_seconds") {
        histogram = true;
        EXPECT_EQ(m.type, otlp::Metric::Type::kHistogram);
        EXPECT_EQ(m.unit, "s");
        EXPECT_EQ(m.temporality, otlp::AggregationTemporality::kCumulative);
        for (const auto& h : m.histogram_points) {
          EXPECT_EQ(h.bucket_counts.size(), h.explicit_bounds.size() + 1);
          std::uint64_t total = 0;
          for (auto c : h.bucket_counts)
            total += c;
          EXPECT_EQ(total, h.count);
          EXPECT_LT(h.start_time_unix_nano, h.time_unix_nano);
        }
      }
      if (m.name == "node_cpu_seconds_total") {
        counter = true;
        EXPECT_EQ(m.type, otlp::Metric::Type::kSum);
        EXPECT_TRUE(m.is_monotonic);
        EXPECT_EQ(m.unit, "s");
      }
    }
  }
  EXPECT_TRUE(histogram);
  EXPECT_TRUE(counter);
}

TEST(OtlpMetricsBuilderTest, DeltaCarriesIncreasesThatSumToTheModel) {
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(Models()));
  OtlpMetricsOptions o;
  o.temporality = otlp::AggregationTemporality::kDelta;
  ASSERT_OK_AND_ASSIGN(OtlpMetricsBuilder b, OtlpMetricsBuilder::Create(set, o));
  const std::int64_t t1 = kT, t2 = kT + 15'000, t3 = kT + 30'000;
  const Built first = BuildOne(b, 2, t1, -1);
  const Built second = BuildOne(b, 2, t2, t1);
  const Built third = BuildOne(b, 2, t3, t2);
  ASSERT_EQ(first.recorded, third.recorded);
  std::map<std::string, double> sum = Translate(first.data);
  std::size_t deltas = 0;
  for (const Built* b2 : {&second, &third}) {
    for (const auto& rm : b2->data.resource_metrics) {
      for (const auto& m : rm.scope_metrics.at(0).metrics) {
        if (m.type == otlp::Metric::Type::kGauge) {
          EXPECT_EQ(m.temporality, otlp::AggregationTemporality::kUnspecified);
          continue;
        }
        EXPECT_EQ(m.temporality, otlp::AggregationTemporality::kDelta) << m.name;
        for (const auto& n : m.number_points) {
          EXPECT_EQ(n.start_time_unix_nano + 15'000'000'000ULL, n.time_unix_nano) << m.name;
          ++deltas;
        }
      }
    }
    const otlp::TranslatedMetrics tr = otlp::TranslateToPrometheus(b2->data);
    for (const auto& p : tr.points) {
      for (const auto& s : p.series) {
        const std::string key = Text(s.labels);
        sum[key] = p.delta ? sum[key] + s.sample.value : s.sample.value;
      }
    }
  }
  EXPECT_GT(deltas, 0U);
  // Counters, _count and _sum add up to the model's cumulative values (the
  // first export carries everything since the process start).
  for (const std::uint32_t id : third.recorded) {
    const std::string name = set.Labels(id)[0].value;
    if (name.ends_with("_bucket")) {
      continue;  // Made non-decreasing per bound, so within one of the model.
    }
    EXPECT_NEAR(sum[Text(set.Labels(id))], set.Value(id, t3), 1e-6 * (1 + set.Value(id, t3)))
        << set.SeriesText(id);
  }
}

TEST(OtlpMetricsBuilderTest, ExponentialHistogramsKeepCountAndSum) {
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(Models()));
  OtlpMetricsOptions o;
  o.exponential_histograms = true;
  ASSERT_OK_AND_ASSIGN(OtlpMetricsBuilder b, OtlpMetricsBuilder::Create(set, o));
  EXPECT_THAT(b.UncheckedMetricNames(), ElementsAre("http_request_duration_seconds_bucket"));
  const Built one = BuildOne(b, 0, kT, -1);
  std::size_t points = 0;
  for (const auto& rm : one.data.resource_metrics) {
    for (const auto& m : rm.scope_metrics.at(0).metrics) {
      for (const auto& e : m.exponential_points) {
        ++points;
        EXPECT_EQ(e.scale, 4);
        std::uint64_t total = e.zero_count;
        for (auto c : e.positive.bucket_counts)
          total += c;
        EXPECT_EQ(total, e.count);
        EXPECT_GT(e.count, 0U);
        ASSERT_TRUE(e.sum.has_value());
      }
    }
  }
  EXPECT_EQ(points, 2U * 2U) << "2 routes x 2 methods";
  const std::map<std::string, double> got = Translate(one.data);
  std::set<std::string> recorded_names;
  for (const std::uint32_t id : one.recorded) {
    const std::string key = Text(set.Labels(id));
    ASSERT_TRUE(got.contains(key)) << key;
    EXPECT_EQ(got.at(key), set.Value(id, kT)) << key;
    recorded_names.insert(set.Labels(id)[0].value);
  }
  EXPECT_FALSE(recorded_names.contains("http_request_duration_seconds_bucket"));
  EXPECT_TRUE(recorded_names.contains("http_request_duration_seconds_count"));
}

OtlpMetricsOptions RunOptions(const LoopbackSink& sink) {
  OtlpMetricsOptions o;
  o.load.url = "http://127.0.0.1:" + std::to_string(sink.port()) + "/v1/metrics";
  o.load.series = Models();
  o.load.scrape_interval_seconds = 0.2;
  o.load.duration_seconds = 0.6;  // Collections due at 0, 0.067, ... 0.533 s: 3 per instance.
  o.load.concurrency = 2;
  o.load.retry.min_backoff_seconds = 0.001;
  o.load.retry.max_backoff_seconds = 0.005;
  return o;
}

TEST(OtlpMetricsRunTest, ExportsEveryCollectionOnceAndRecordsEverySeries) {
  LoopbackSink sink;
  OtlpMetricsOptions o = RunOptions(sink);
  o.encoding = otlp::Encoding::kJson;
  o.gzip = true;
  ASSERT_OK_AND_ASSIGN(OtlpMetricsResult r, RunOtlpMetrics(o, RealClock()));
  const WorkloadRecord& rec = r.load.record;
  EXPECT_EQ(rec.kind, "otlp_metrics");
  EXPECT_EQ(rec.requests, 9U);
  EXPECT_EQ(rec.requests_succeeded, 9U);
  EXPECT_EQ(rec.requests_unsent, 0U);
  const auto requests = sink.requests();
  ASSERT_EQ(requests.size(), 9U);
  std::map<std::string, std::vector<std::uint64_t>> times;  // instance -> export times
  for (const auto& req : requests) {
    EXPECT_EQ(req.headers.at("content-type"), "application/json");
    EXPECT_EQ(req.headers.at("content-encoding"), "gzip");
    ASSERT_OK_AND_ASSIGN(std::string raw,
                         wire::Decompress(req.body, wire::ContentCoding::kGzip, 64 << 20));
    ASSERT_OK_AND_ASSIGN(otlp::MetricsData data, otlp::DecodeMetricsJson(raw));
    EXPECT_EQ(otlp::DataPointCount(data) * 9, rec.samples_sent);
    const auto& rm = data.resource_metrics.at(0);
    times[rm.resource.attributes.at(1).value.string_value].push_back(
        rm.scope_metrics.at(0).metrics.at(0).number_points.empty()
            ? rm.scope_metrics.at(0).metrics.at(0).histogram_points.at(0).time_unix_nano
            : rm.scope_metrics.at(0).metrics.at(0).number_points.at(0).time_unix_nano);
  }
  ASSERT_EQ(times.size(), 3U);
  for (auto& [instance, ts] : times) {
    ASSERT_EQ(ts.size(), 3U) << instance;
    std::sort(ts.begin(), ts.end());
    EXPECT_EQ(ts[1] - ts[0], 200'000'000U) << "one collection per interval";
    EXPECT_EQ(ts[2] - ts[1], 200'000'000U);
  }
  // The ledger: every model series of every instance acknowledged 3 times.
  const LedgerTotals totals = r.load.ledger.Totals();
  EXPECT_EQ(totals.series_acked, r.load.series.slots());
  EXPECT_EQ(totals.samples_acked, 3 * r.load.series.slots());
  EXPECT_DOUBLE_EQ(rec.target_samples_per_second * 0.6, static_cast<double>(rec.samples_sent));
}

TEST(OtlpMetricsRunTest, RetriesTheRetryableAndLedgersTheRest) {
  // Request 0: 503 then success; request 2: 400 (permanent); request 4:
  // partial success.
  LoopbackSink sink([](int i) {
    if (i == 0)
      return SinkAnswer{.status = 503, .retry_after = "0"};
    if (i == 3)
      return SinkAnswer{.status = 400, .body = "bad metric"};
    if (i == 5) {
      return SinkAnswer{.status = 200,
                        .body = otlp::EncodeExportResponse(otlp::Signal::kMetrics,
                                                           {.rejected = 2, .error_message = "x"},
                                                           otlp::Encoding::kProtobuf),
                        .content_type = "application/x-protobuf"};
    }
    return SinkAnswer{.status = 200};
  });
  OtlpMetricsOptions o = RunOptions(sink);
  o.load.concurrency = 1;
  ASSERT_OK_AND_ASSIGN(OtlpMetricsResult r, RunOtlpMetrics(o, RealClock()));
  const WorkloadRecord& rec = r.load.record;
  EXPECT_EQ(rec.requests, 9U);
  EXPECT_EQ(rec.retries, 1U);
  EXPECT_EQ(rec.requests_rejected, 1U);
  EXPECT_EQ(rec.requests_succeeded, 8U);
  EXPECT_EQ(rec.answers.at(400), "bad metric");
  const std::uint64_t per = rec.samples_sent / 9;
  EXPECT_EQ(rec.samples_rejected, per + 2);
  EXPECT_EQ(rec.samples_acked, 8 * per - 2);
  const LedgerTotals totals = r.load.ledger.Totals();
  EXPECT_EQ(totals.samples_rejected, r.load.series.slots() / 3);
  EXPECT_EQ(totals.samples_acked, 3 * r.load.series.slots() - r.load.series.slots() / 3);
}

TEST(OtlpMetricsRunTest, RejectsOptionsThatDoNotApply) {
  LoopbackSink sink;
  OtlpMetricsOptions o = RunOptions(sink);
  o.load.samples_per_second = 100;
  EXPECT_FALSE(ValidateOtlpMetricsOptions(o).ok());
  o = RunOptions(sink);
  o.load.scrape_interval_seconds = 0;
  EXPECT_FALSE(ValidateOtlpMetricsOptions(o).ok());
  o = RunOptions(sink);
  o.load.concurrency = 8;  // More senders than instances is fine.
  ASSERT_OK_AND_ASSIGN(OtlpMetricsResult r, RunOtlpMetrics(o, RealClock()));
  EXPECT_EQ(r.load.record.requests, 9U);
}

}  // namespace
}  // namespace obs::loadgen
