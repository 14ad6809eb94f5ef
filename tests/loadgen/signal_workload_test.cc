// Signal workloads: series expansion (gauges, counters, the RED model),
// validation messages, counter integration under time scaling, and a run
// against a loopback sink that checks tick count and due-time timestamps.

#include "obs/loadgen/signal_workload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "loopback_sink.h"

namespace obs::loadgen {
namespace {

using K = SignalShape::Kind;
using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

const SignalSeries& Find(const std::vector<SignalSeries>& all, const std::string& name,
                         const std::string& label = "", const std::string& value = "") {
  for (const SignalSeries& s : all) {
    if (s.labels.at("__name__") == name && (label.empty() || s.labels.at(label) == value)) {
      return s;
    }
  }
  ADD_FAILURE() << "no series " << name;
  return all.front();
}

TEST(SignalWorkloadTest, GaugesAndCountersFollowTheirShapes) {
  SignalWorkloadOptions o{
      .url = "http://127.0.0.1:1/api/v1/write",
      .labels = {{"job", "worker"}},
      .series = {{.metric = "queue_depth",
                  .labels = {{"queue", "orders"}},
                  .shape = {.kind = K::kStep, .from = 500, .to = 1500, .at_seconds = 60}},
                 {.metric = "jobs_total",
                  .counter = true,
                  .shape = {.kind = K::kConstant, .from = 2}}},
      .interval_seconds = 15};
  auto series = ExpandSignalSeries(o);
  ASSERT_TRUE(series.ok()) << series.status().ToString();
  ASSERT_EQ(series->size(), 2U);
  const SignalSeries& q = (*series)[0];
  EXPECT_EQ(q.labels.at("job"), "worker");
  EXPECT_EQ(q.labels.at("queue"), "orders");
  EXPECT_EQ(SignalSampleValue(q, 3, 15, 1), 500);   // 45 s.
  EXPECT_EQ(SignalSampleValue(q, 4, 15, 1), 1500);  // 60 s.
  const SignalSeries& c = (*series)[1];
  EXPECT_EQ(SignalSampleValue(c, 0, 15, 1), 0);
  EXPECT_EQ(SignalSampleValue(c, 4, 15, 1), 120);  // 2/s for 60 s.
  // At a tenth of the time, counters count per real second: rate() reads 2/s.
  EXPECT_DOUBLE_EQ(SignalSampleValue(c, 4, 15, 0.1), 12);
}

TEST(SignalWorkloadTest, RedModelSplitsRequestsByStatusAndLatencyBucket) {
  SignalWorkloadOptions o{
      .url = "http://127.0.0.1:1/api/v1/write",
      .labels = {{"job", "api"}},
      .red =
          RedSignalSpec{
              .requests_per_second = {.from = 100},
              .error_ratio = {.kind = K::kStep, .from = 0.01, .to = 0.08, .at_seconds = 60},
              .latency_seconds = {.kind = K::kStep, .from = 0.2, .to = 2, .at_seconds = 60},
              .buckets = {0.25, 1, 2.5}},
      .interval_seconds = 10};
  auto series = ExpandSignalSeries(o);
  ASSERT_TRUE(series.ok()) << series.status().ToString();
  EXPECT_EQ(series->size(), 2U + 4U + 2U);  // status x2, le x(3 + Inf), _count, _sum.
  const auto& ok = Find(*series, "http_requests_total", "status", "200");
  const auto& err = Find(*series, "http_requests_total", "status", "500");
  EXPECT_DOUBLE_EQ(ok.value(30), 99);
  EXPECT_DOUBLE_EQ(err.value(30), 1);
  EXPECT_DOUBLE_EQ(err.value(60), 8);
  const auto& le1 = Find(*series, "http_request_duration_seconds_bucket", "le", "1");
  const auto& inf = Find(*series, "http_request_duration_seconds_bucket", "le", "+Inf");
  EXPECT_EQ(le1.value(30), 100);
  EXPECT_EQ(le1.value(60), 0);  // 2 s requests land above le=1.
  EXPECT_EQ(inf.value(60), 100);
  EXPECT_DOUBLE_EQ(Find(*series, "http_request_duration_seconds_sum").value(60), 200);
  EXPECT_EQ(err.labels.at("job"), "api");
}

TEST(SignalWorkloadTest, BadOptionsNameTheField) {
  const SignalWorkloadOptions base{.url = "http://127.0.0.1:1/api/v1/write",
                                   .series = {{.metric = "m"}}};
  auto with = [&](auto change) {
    SignalWorkloadOptions o = base;
    change(o);
    return ExpandSignalSeries(o).status();
  };
  EXPECT_THAT(with([](auto& o) { o.interval_seconds = 0; }),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("interval: must be > 0")));
  EXPECT_THAT(with([](auto& o) { o.time_scale = 2; }),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("time_scale: must be in (0, 1]")));
  EXPECT_THAT(with([](auto& o) { o.series[0].metric = "1bad"; }),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("series[0].metric: invalid")));
  EXPECT_THAT(with([](auto& o) {
                o.series[0].labels = {{"__x", "1"}};
              }),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("series[0].labels: invalid label")));
  EXPECT_THAT(with([](auto& o) { o.series[0].shape = {.kind = K::kRamp}; }),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("series[0].shape.length")));
  EXPECT_THAT(with([](auto& o) { o.series.clear(); }),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("needs `series` or `red`")));
  EXPECT_THAT(with([](auto& o) {
                o.red = RedSignalSpec{.buckets = {1, 1}};
              }),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("red.buckets")));
}

TEST(SignalWorkloadTest, WritesOneRequestPerTickStampedWithItsDueTime) {
  testing::LoopbackSink sink;
  const SignalWorkloadOptions o{.name = "queue",
                                .url = sink.url(),
                                .series = {{.metric = "queue_depth", .shape = {.from = 1}},
                                           {.metric = "up", .shape = {.from = 1}}},
                                .interval_seconds = 10,
                                .duration_seconds = 60,
                                .time_scale = 0.002};  // 20 ms per tick in real time.
  auto r = RunSignalWorkload(o, RealClock());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->record.kind, "signal");
  EXPECT_EQ(r->record.requests, 6U);
  EXPECT_EQ(r->record.requests_succeeded, 6U);
  EXPECT_EQ(r->record.samples_acked, 12U);
  EXPECT_EQ(r->record.requests_unsent, 0U);
  EXPECT_DOUBLE_EQ(r->record.target_requests_per_second, 50);
  const auto by_series = sink.SamplesBySeries(true);
  ASSERT_EQ(by_series.size(), 2U);
  const std::vector<std::int64_t>& ts = by_series.begin()->second;
  ASSERT_EQ(ts.size(), 6U);
  for (std::size_t k = 0; k < ts.size(); ++k) {
    EXPECT_EQ(ts[k], r->start_unix_ms + static_cast<std::int64_t>(k) * 20);
  }
}

TEST(SignalWorkloadTest, UnreachableTargetIsUnavailable) {
  const SignalWorkloadOptions o{
      .url = "http://127.0.0.1:1/api/v1/write", .series = {{.metric = "m"}}, .duration_seconds = 1};
  EXPECT_THAT(RunSignalWorkload(o, RealClock()).status(),
              StatusIs(StatusCode::kUnavailable, HasSubstr("signal workload")));
}

}  // namespace
}  // namespace obs::loadgen
