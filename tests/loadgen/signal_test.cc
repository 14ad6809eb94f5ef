// Signal shapes: values at the edges of every shape, validation messages,
// thresholds, and the sampled episodes the alert assertions anchor on.

#include "obs/loadgen/signal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

namespace obs::loadgen {
namespace {

using K = SignalShape::Kind;
using ::testing::HasSubstr;
using testing::IsOkAndHolds;
using testing::StatusIs;

std::vector<std::pair<double, double>> Spans(const std::vector<Episode>& e) {
  std::vector<std::pair<double, double>> out;
  for (const Episode& x : e) {
    out.emplace_back(x.start_seconds, x.end_seconds);
  }
  return out;
}

TEST(SignalTest, StepRampAndSpikeChangeExactlyAtTheirTimes) {
  const SignalShape step{.kind = K::kStep, .from = 500, .to = 1500, .at_seconds = 60};
  EXPECT_EQ(SignalValue(step, 59.999), 500);
  EXPECT_EQ(SignalValue(step, 60), 1500);
  const SignalShape ramp{
      .kind = K::kRamp, .from = 0, .to = 100, .at_seconds = 10, .length_seconds = 20};
  EXPECT_EQ(SignalValue(ramp, 5), 0);
  EXPECT_DOUBLE_EQ(SignalValue(ramp, 15), 25);
  EXPECT_EQ(SignalValue(ramp, 30), 100);
  EXPECT_EQ(SignalValue(ramp, 1000), 100);
  const SignalShape spike{
      .kind = K::kSpike, .from = 1, .to = 9, .at_seconds = 10, .length_seconds = 5};
  EXPECT_EQ(SignalValue(spike, 9.9), 1);
  EXPECT_EQ(SignalValue(spike, 10), 9);
  EXPECT_EQ(SignalValue(spike, 14.9), 9);
  EXPECT_EQ(SignalValue(spike, 15), 1);
}

TEST(SignalTest, FlapAndSine) {
  const SignalShape flap{.kind = K::kFlap,
                         .from = 0,
                         .to = 1,
                         .at_seconds = 10,
                         .period_seconds = 10,
                         .high_seconds = 3,
                         .cycles = 2};
  EXPECT_EQ(SignalValue(flap, 9), 0);
  EXPECT_EQ(SignalValue(flap, 10), 1);
  EXPECT_EQ(SignalValue(flap, 12.9), 1);
  EXPECT_EQ(SignalValue(flap, 13), 0);
  EXPECT_EQ(SignalValue(flap, 20), 1);
  EXPECT_EQ(SignalValue(flap, 30), 0);  // Two cycles only.
  const SignalShape half{.kind = K::kFlap, .from = 0, .to = 1, .period_seconds = 4};
  EXPECT_EQ(SignalValue(half, 1.9), 1);
  EXPECT_EQ(SignalValue(half, 2), 0);
  EXPECT_EQ(SignalValue(half, 400), 1);  // Endless.
  const SignalShape sine{
      .kind = K::kSine, .from = 10, .to = 30, .at_seconds = 0, .period_seconds = 60};
  EXPECT_DOUBLE_EQ(SignalValue(sine, 0), 10);
  EXPECT_DOUBLE_EQ(SignalValue(sine, 15), 20);
  EXPECT_DOUBLE_EQ(SignalValue(sine, 30), 30);
  EXPECT_NEAR(SignalValue(sine, 60), 10, 1e-9);
}

TEST(SignalTest, ValidationNamesTheField) {
  EXPECT_THAT(ValidateSignal({.kind = K::kRamp, .from = 0, .to = 1}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("length: a ramp needs")));
  EXPECT_THAT(ValidateSignal({.kind = K::kSine}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("period: a sine needs")));
  EXPECT_THAT(ValidateSignal({.kind = K::kFlap, .period_seconds = 2, .high_seconds = 2}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("high: must be less")));
  EXPECT_THAT(ValidateSignal({.kind = K::kStep, .at_seconds = -1}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr(">= 0")));
  EXPECT_THAT(ValidateSignal({.kind = K::kStep, .to = std::nan("")}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("to: must be finite")));
  EXPECT_TRUE(ValidateSignal({.kind = K::kStep, .from = 1, .to = 2, .at_seconds = 3}).ok());
  EXPECT_THAT(ParseSignalKind("square"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("known: constant, step")));
  EXPECT_THAT(ParseSignalKind("flap"), IsOkAndHolds(K::kFlap));
  EXPECT_EQ(DescribeSignal({.kind = K::kStep, .from = 500, .to = 1500, .at_seconds = 60}),
            "step 500 -> 1500 at 60s");
}

TEST(SignalTest, Thresholds) {
  EXPECT_TRUE(ParseThreshold("> 1000").ok());
  const Threshold ge = *ParseThreshold(">=0.05");
  EXPECT_EQ(FormatThreshold(ge), ">= 0.05");
  EXPECT_TRUE(Holds(ge, 0.05));
  EXPECT_FALSE(Holds(ge, 0.049));
  EXPECT_TRUE(Holds(*ParseThreshold("== 0"), 0));
  EXPECT_TRUE(Holds(*ParseThreshold("!= 1"), 0));
  EXPECT_TRUE(Holds(*ParseThreshold("< 1"), 0.5));
  EXPECT_FALSE(Holds(*ParseThreshold("<= 1"), 1.5));
  EXPECT_THAT(ParseThreshold("1000"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected an operator")));
  EXPECT_THAT(ParseThreshold("> lots"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("finite number after \">\"")));
}

TEST(SignalTest, EpisodesFollowTheSampledSignal) {
  const Threshold above{ThresholdOp::kGreater, 1000};
  // Step at 60 s sampled every 15 s: first sample above is at 60 s, held to the end.
  EXPECT_THAT(Spans(SampledEpisodes({.kind = K::kStep, .from = 500, .to = 1500, .at_seconds = 60},
                                    above, 15, 120)),
              ::testing::ElementsAre(std::make_pair(60.0, -1.0)));
  // A step between samples is seen at the next sample.
  EXPECT_THAT(Spans(SampledEpisodes({.kind = K::kStep, .from = 500, .to = 1500, .at_seconds = 61},
                                    above, 15, 120)),
              ::testing::ElementsAre(std::make_pair(75.0, -1.0)));
  // Ramp 0 -> 2000 over 100 s from 0: above 1000 from 50 s on, first sample
  // strictly above at 60 s with 10 s sampling (50 s gives exactly 1000).
  EXPECT_THAT(
      Spans(SampledEpisodes({.kind = K::kRamp, .from = 0, .to = 2000, .length_seconds = 100}, above,
                            10, 200)),
      ::testing::ElementsAre(std::make_pair(60.0, -1.0)));
  // A spike ends; a flap gives one episode per cycle.
  EXPECT_THAT(
      Spans(SampledEpisodes(
          {.kind = K::kSpike, .from = 0, .to = 2000, .at_seconds = 20, .length_seconds = 10}, above,
          5, 60)),
      ::testing::ElementsAre(std::make_pair(20.0, 30.0)));
  EXPECT_THAT(Spans(SampledEpisodes({.kind = K::kFlap,
                                     .from = 0,
                                     .to = 2000,
                                     .at_seconds = 10,
                                     .period_seconds = 20,
                                     .high_seconds = 5,
                                     .cycles = 2},
                                    above, 1, 100)),
              ::testing::ElementsAre(std::make_pair(10.0, 15.0), std::make_pair(30.0, 35.0)));
  // Never crossing: no episode.
  EXPECT_TRUE(SampledEpisodes({.kind = K::kConstant, .from = 999}, above, 1, 100).empty());
}

}  // namespace
}  // namespace obs::loadgen
