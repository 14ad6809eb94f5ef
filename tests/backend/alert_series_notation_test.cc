// promtool's input-series notation: expansions, missing samples, staleness,
// signed and special numbers, and errors with positions.

#include <cmath>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "alert/series_notation.h"

namespace obs::backend::alert {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

// "1 _ stale" style rendering of parsed values.
std::string Render(std::string_view values) {
  auto r = ParseSeriesValues(values);
  if (!r.ok()) {
    return "error: " + r.status().message();
  }
  std::string out;
  for (const SeriesValue& v : *r) {
    if (!out.empty()) {
      out += ' ';
    }
    switch (v.kind) {
      case SeriesValue::Kind::kMissing:
        out += '_';
        break;
      case SeriesValue::Kind::kStale:
        out += "stale";
        break;
      case SeriesValue::Kind::kValue: {
        char buf[64];
        std::snprintf(buf, sizeof(buf), "%g", v.value);
        out += buf;
      }
    }
  }
  return out;
}

TEST(SeriesNotationTest, ExpandsLikePromtool) {
  EXPECT_EQ(Render("-2+4x3"), "-2 2 6 10");
  EXPECT_EQ(Render("1 _x3 stale"), "1 _ _ _ stale");
  EXPECT_EQ(Render("10-2x2"), "10 8 6");
  EXPECT_EQ(Render("5x2"), "5 5 5");
  EXPECT_EQ(Render("1e3+1e3x1"), "1000 2000");
  EXPECT_EQ(Render("  0  1 _  "), "0 1 _");
  EXPECT_EQ(Render("-1-1x2"), "-1 -2 -3");
  EXPECT_EQ(Render("Inf -Inf"), "inf -inf");
  EXPECT_EQ(Render("0x0"), "0");
  EXPECT_EQ(Render(""), "");
}

TEST(SeriesNotationTest, ErrorsNamePositions) {
  EXPECT_THAT(ParseSeriesValues("1 2 abc"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("position 5: \"abc\"")));
  EXPECT_THAT(ParseSeriesValues("1+2x"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected a count")));
  EXPECT_THAT(ParseSeriesValues("_xq"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("_xN")));
  EXPECT_THAT(ParseSeriesValues("1+x3"), StatusIs(StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(ParseSeriesValues("1x99999999999"),
              StatusIs(StatusCode::kInvalidArgument, ::testing::_));
}

TEST(SeriesNotationTest, ParsesSeriesLabels) {
  auto l = ParseSeriesLabels("up{job=\"api\",instance=\"a:1\"}");
  ASSERT_OK(l);
  EXPECT_EQ(*l, (Labels{{"__name__", "up"}, {"instance", "a:1"}, {"job", "api"}}));
  EXPECT_THAT(ParseSeriesLabels("up{job=~\"a\"}"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("only = matchers")));
  EXPECT_THAT(ParseSeriesLabels("rate(up[5m])"),
              StatusIs(StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(ParseSeriesLabels("up{"), StatusIs(StatusCode::kInvalidArgument, ::testing::_));
}

}  // namespace
}  // namespace obs::backend::alert
