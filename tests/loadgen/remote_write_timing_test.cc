// Measurement honesty of the sender: open-loop timing, coordinated-omission
// correction, achieved vs target rate, and stop conditions.

#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/loadgen/remote_write.h"
#include "obs/testing/status_matchers.h"

#include "loopback_sink.h"

namespace obs::loadgen {
namespace {

using ::obs::loadgen::testing::LoopbackSink;
using ::obs::loadgen::testing::SinkAnswer;
using ::testing::HasSubstr;

RemoteWriteOptions Load(const std::string& url, double rate, double seconds, int batch) {
  return {.url = url,
          .series = {.models = {{.kind = "process"}}, .instances = 20, .seed = 9},
          .samples_per_second = rate,
          .duration_seconds = seconds,
          .batch_size = batch,
          .concurrency = 1,
          .request_timeout_seconds = 5};
}

TEST(RemoteWriteTimingTest, AchievedRateMatchesTargetOnAResponsiveSink) {
  LoopbackSink sink;
  RemoteWriteOptions o = Load(sink.url(), 2000, 1.5, 50);
  o.late_threshold_seconds = 1;  // A busy sanitizer build may start the last request late.
  ASSERT_OK_AND_ASSIGN(RemoteWriteResult r, RunRemoteWrite(o, RealClock()));
  const WorkloadRecord& rec = r.record;
  EXPECT_EQ(rec.samples_sent, 3000u);
  EXPECT_NEAR(rec.target_samples_per_second, 2000, 1);
  EXPECT_NEAR(rec.achieved_samples_per_second, 2000, 200);
  EXPECT_NEAR(rec.achieved_requests_per_second, 40, 4);
  EXPECT_EQ(rec.requests_unsent, 0u);
  EXPECT_GE(rec.duration_seconds, 1.5);
}

TEST(RemoteWriteTimingTest, StalledSinkMakesRequestsLateAndCorrectedLatencyHigher) {
  // Requests are due every 50 ms, but each answer takes 200 ms: the backlog
  // grows, so latency from the due time keeps growing while the service time
  // stays ~200 ms. A closed-loop generator would report only the latter.
  LoopbackSink sink([](int) { return SinkAnswer{.delay = std::chrono::milliseconds(200)}; });
  ASSERT_OK_AND_ASSIGN(RemoteWriteResult r,
                       RunRemoteWrite(Load(sink.url(), 200, 1.0, 10), RealClock()));
  const WorkloadRecord& rec = r.record;
  EXPECT_GE(rec.requests, 4u);
  EXPECT_LE(rec.requests, 7u);
  EXPECT_GT(rec.requests_late, 0u);
  EXPECT_GT(rec.requests_unsent, 0u);
  EXPECT_EQ(rec.requests + rec.requests_unsent, 20u);
  const auto p99_corrected = rec.latency_corrected.ValueAtPercentile(99);
  const auto p99_uncorrected = rec.latency_uncorrected.ValueAtPercentile(99);
  EXPECT_GE(p99_uncorrected, 190'000'000);
  EXPECT_LT(p99_uncorrected, 400'000'000);
  EXPECT_GT(p99_corrected, 2 * p99_uncorrected);
  EXPECT_LT(rec.achieved_samples_per_second, 0.5 * rec.target_samples_per_second);
}

TEST(RemoteWriteTimingTest, LatencyStopConditionEndsTheRunEarly) {
  LoopbackSink sink([](int) { return SinkAnswer{.delay = std::chrono::milliseconds(150)}; });
  RemoteWriteOptions o = Load(sink.url(), 200, 5.0, 10);
  o.stop_when = {.window_seconds = 0.5, .latency_p99_seconds = 0.1, .error_ratio = 0};
  ASSERT_OK_AND_ASSIGN(RemoteWriteResult r, RunRemoteWrite(o, RealClock()));
  EXPECT_TRUE(r.record.stopped_early);
  EXPECT_THAT(r.record.stop_reason, HasSubstr("corrected p99"));
  EXPECT_LT(r.record.duration_seconds, 3.0);
  EXPECT_EQ(r.record.knee_samples_per_second, 0) << "no window met the condition";
}

TEST(RemoteWriteTimingTest, KneeIsTheHighestRateOfAPassingWindow) {
  // 400/s held for 1 s, then ramped down to 0 over 1 s: every window passes,
  // and the busiest ones (the first second) offered 400/s.
  LoopbackSink sink;
  RemoteWriteOptions o = Load(sink.url(), 400, 0, 10);
  o.stages = {{.duration_seconds = 1, .target_samples_per_second = 400},
              {.duration_seconds = 1, .target_samples_per_second = 0}};
  o.stop_when = {.window_seconds = 0.5, .latency_p99_seconds = 0.5, .error_ratio = 0};
  o.late_threshold_seconds = 1;  // Counted exactly below: no request may be left unsent.
  ASSERT_OK_AND_ASSIGN(RemoteWriteResult r, RunRemoteWrite(o, RealClock()));
  EXPECT_FALSE(r.record.stopped_early);
  EXPECT_NEAR(r.record.knee_samples_per_second, 400, 20);
  EXPECT_EQ(r.record.samples_sent, 600u);
}

TEST(RemoteWriteTimingTest, UserStopFlagEndsTheRun) {
  LoopbackSink sink;
  const std::atomic<bool> stop{true};
  ASSERT_OK_AND_ASSIGN(RemoteWriteResult r,
                       RunRemoteWrite(Load(sink.url(), 100, 10, 10), RealClock(), &stop));
  EXPECT_LE(r.record.requests, 1u);
  EXPECT_LT(r.record.duration_seconds, 1.0);
}

}  // namespace
}  // namespace obs::loadgen
