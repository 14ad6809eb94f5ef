#include "obs/loadgen/schedule.h"

#include <chrono>
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

namespace obs::loadgen {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

const SteadyClock::time_point kStart = SteadyClock::time_point() + 1000s;

TEST(OpenLoopScheduleTest, ConstantRateSpacesEventsEvenly) {
  ASSERT_OK_AND_ASSIGN(
      auto s, OpenLoopSchedule::Create({.rate = 100, .stages = {}, .duration_seconds = 2}, kStart));
  EXPECT_EQ(s.total(), 200u);
  EXPECT_EQ(s.DueTime(0), kStart);
  EXPECT_NEAR(s.DueSeconds(1), 0.01, 1e-12);
  EXPECT_NEAR(s.DueSeconds(150), 1.5, 1e-9);
  EXPECT_EQ(s.DueTime(200), SteadyClock::time_point::max());
}

TEST(OpenLoopScheduleTest, EndlessConstantRateHasNoTotal) {
  ASSERT_OK_AND_ASSIGN(
      auto s, OpenLoopSchedule::Create({.rate = 10, .stages = {}, .duration_seconds = 0}, kStart));
  EXPECT_EQ(s.total(), OpenLoopSchedule::kEndless);
  EXPECT_NEAR(s.DueSeconds(1'000'000), 100'000, 1e-6);
}

TEST(OpenLoopScheduleTest, RampFromZeroInvertsTheIntegratedRate) {
  // 0 -> 100/s over 10 s: N(t) = 5 t^2, so event n is due at sqrt(n / 5).
  ASSERT_OK_AND_ASSIGN(
      auto s,
      OpenLoopSchedule::Create({.rate = 0, .stages = {{10, 100}}, .duration_seconds = 0}, kStart));
  EXPECT_EQ(s.total(), 500u);
  for (std::uint64_t n : {0u, 1u, 20u, 125u, 499u}) {
    EXPECT_NEAR(s.DueSeconds(n), std::sqrt(static_cast<double>(n) / 5), 1e-9) << n;
  }
  EXPECT_NEAR(s.RateAt(5), 50, 1e-9);
}

TEST(OpenLoopScheduleTest, StagesRampFromThePreviousTargetAndHold) {
  // 0 -> 10/s over 2 s (10 events), hold 10/s for 3 s (30), 10 -> 0 over 2 s (10).
  ASSERT_OK_AND_ASSIGN(
      auto s,
      OpenLoopSchedule::Create(
          {.rate = 0, .stages = {{2, 10}, {3, 10}, {2, 0}}, .duration_seconds = 0}, kStart));
  EXPECT_EQ(s.total(), 50u);
  EXPECT_DOUBLE_EQ(s.duration_seconds(), 7);
  EXPECT_NEAR(s.DueSeconds(10), 2.0, 1e-9);
  EXPECT_NEAR(s.DueSeconds(25), 3.5, 1e-9);
  EXPECT_NEAR(s.Integrated(7), 50, 1e-9);
  // Ramp down: N(5 + tau) = 40 + 10 tau - 2.5 tau^2; event 45 at tau = 2 - sqrt(2).
  EXPECT_NEAR(s.DueSeconds(45), 5 + 2 - std::sqrt(2.0), 1e-9);
}

TEST(OpenLoopScheduleTest, FirstStageRampsFromTheConstantRateWhenGiven) {
  ASSERT_OK_AND_ASSIGN(
      auto s,
      OpenLoopSchedule::Create({.rate = 10, .stages = {{1, 30}}, .duration_seconds = 0}, kStart));
  EXPECT_NEAR(s.Integrated(1), 20, 1e-9);
  EXPECT_NEAR(s.RateAt(0), 10, 1e-9);
}

TEST(OpenLoopScheduleTest, DueTimesNeverDecrease) {
  ASSERT_OK_AND_ASSIGN(
      auto s,
      OpenLoopSchedule::Create(
          {.rate = 5, .stages = {{1.5, 300}, {0.5, 0}, {1, 0}, {2, 77}}, .duration_seconds = 0},
          kStart));
  double previous = -1;
  for (std::uint64_t n = 0; n < s.total(); ++n) {
    const double t = s.DueSeconds(n);
    ASSERT_GE(t, previous) << "event " << n;
    ASSERT_LT(t, s.duration_seconds()) << "event " << n;
    previous = t;
  }
}

TEST(OpenLoopScheduleTest, OverdueEventIsSentNowButTimedFromDueTime) {
  ASSERT_OK_AND_ASSIGN(
      auto s, OpenLoopSchedule::Create({.rate = 10, .stages = {}, .duration_seconds = 10}, kStart));
  EXPECT_EQ(s.TimeUntilNext(kStart - 50ms), 50ms);
  EXPECT_EQ(s.MarkSent(), kStart);
  // The sender stalled for 1 s: event 1 is overdue, so no wait, and its
  // latency still starts at its due time, 100 ms after the start.
  const SteadyClock::time_point late = kStart + 1s;
  EXPECT_EQ(s.TimeUntilNext(late), SteadyClock::duration::zero());
  EXPECT_EQ(s.MarkSent(), kStart + 100ms);
  EXPECT_EQ(s.sent(), 2u);
  EXPECT_EQ(s.DueBy(late), 11u);
}

TEST(OpenLoopScheduleTest, ExhaustedScheduleWaitsForever) {
  ASSERT_OK_AND_ASSIGN(
      auto s, OpenLoopSchedule::Create({.rate = 2, .stages = {}, .duration_seconds = 1}, kStart));
  s.MarkSent();
  s.MarkSent();
  EXPECT_TRUE(s.done());
  EXPECT_EQ(s.TimeUntilNext(kStart), SteadyClock::duration::max());
  EXPECT_EQ(s.DueBy(kStart + 10s), 2u);
}

TEST(OpenLoopScheduleTest, RejectsBadOptions) {
  EXPECT_THAT(OpenLoopSchedule::Create({.rate = 0, .stages = {}, .duration_seconds = 1}, kStart),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("rate must be > 0")));
  EXPECT_THAT(OpenLoopSchedule::Create({.rate = -1, .stages = {}, .duration_seconds = 1}, kStart),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("rate")));
  EXPECT_THAT(
      OpenLoopSchedule::Create({.rate = 0, .stages = {{0, 10}}, .duration_seconds = 0}, kStart),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("stage 1 duration")));
  EXPECT_THAT(
      OpenLoopSchedule::Create({.rate = 0, .stages = {{1, 0}}, .duration_seconds = 0}, kStart),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("no event")));
}

}  // namespace
}  // namespace obs::loadgen
