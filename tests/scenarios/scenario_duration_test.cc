// Prometheus-style durations: what ParseDuration accepts and rejects, and
// that FormatDuration writes what it reads back.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/scenarios/scenario.h"
#include "obs/testing/status_matchers.h"

namespace obs::scenarios {
namespace {

using ::obs::testing::IsOkAndHolds;
using ::obs::testing::StatusIs;
using ::testing::DoubleEq;

TEST(ScenarioDurationTest, ParsesSingleUnits) {
  EXPECT_THAT(ParseDuration("500ms"), IsOkAndHolds(DoubleEq(0.5)));
  EXPECT_THAT(ParseDuration("30s"), IsOkAndHolds(DoubleEq(30)));
  EXPECT_THAT(ParseDuration("5m"), IsOkAndHolds(DoubleEq(300)));
  EXPECT_THAT(ParseDuration("2h"), IsOkAndHolds(DoubleEq(7200)));
  EXPECT_THAT(ParseDuration("1d"), IsOkAndHolds(DoubleEq(86400)));
  EXPECT_THAT(ParseDuration("1w"), IsOkAndHolds(DoubleEq(604800)));
  EXPECT_THAT(ParseDuration("1y"), IsOkAndHolds(DoubleEq(31536000)));
  EXPECT_THAT(ParseDuration("250us"), IsOkAndHolds(DoubleEq(0.00025)));
}

TEST(ScenarioDurationTest, ParsesCompoundAndFractionalDurations) {
  EXPECT_THAT(ParseDuration("1h30m"), IsOkAndHolds(DoubleEq(5400)));
  EXPECT_THAT(ParseDuration("1m30s500ms"), IsOkAndHolds(DoubleEq(90.5)));
  EXPECT_THAT(ParseDuration("1.5s"), IsOkAndHolds(DoubleEq(1.5)));
  EXPECT_THAT(ParseDuration("0"), IsOkAndHolds(DoubleEq(0)));
  EXPECT_THAT(ParseDuration("0s"), IsOkAndHolds(DoubleEq(0)));
}

TEST(ScenarioDurationTest, RejectsMalformedDurations) {
  for (const char* text : {"", "s", "-5s", "5x", "1s1h", "1m1m", "1..5s", "5 s", "ms", "1h 30m"}) {
    EXPECT_THAT(ParseDuration(text), StatusIs(StatusCode::kInvalidArgument,
                                              "invalid duration \"" + std::string(text) +
                                                  "\" (expected e.g. 500ms, 30s, 5m, 1h30m)"))
        << text;
  }
}

TEST(ScenarioDurationTest, BareNumberNeedsAUnit) {
  EXPECT_THAT(ParseDuration("30"),
              StatusIs(StatusCode::kInvalidArgument, "\"30\" needs a unit (e.g. 30s)"));
}

TEST(ScenarioDurationTest, FormatsShortestReadableForm) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(90), "1m30s");
  EXPECT_EQ(FormatDuration(0.25), "250ms");
  EXPECT_EQ(FormatDuration(5400), "1h30m");
  EXPECT_EQ(FormatDuration(1.5), "1s500ms");
  EXPECT_EQ(FormatDuration(0.000005), "5us");
}

TEST(ScenarioDurationTest, FormatRoundTripsThroughParse) {
  for (const double seconds : {0.001, 0.005, 1.0, 59.999, 61.0, 3600.5, 86400.0}) {
    EXPECT_THAT(ParseDuration(FormatDuration(seconds)), IsOkAndHolds(DoubleEq(seconds))) << seconds;
  }
}

}  // namespace
}  // namespace obs::scenarios
