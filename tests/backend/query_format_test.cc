// Number, timestamp and JSON string formatting against Prometheus 2.42's
// jsonutil output.

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "query/format.h"

namespace obs::backend {
namespace {

TEST(FormatPromValueTest, MatchesGoFormatFloatTable) {
  struct Case {
    double v;
    const char* want;
  };
  const Case cases[] = {
      {0, "0"},
      {-0.0, "-0"},
      {1, "1"},
      {-1, "-1"},
      {0.5, "0.5"},
      {0.1 + 0.2, "0.30000000000000004"},
      {1e-7, "1e-07"},
      {1e-6, "0.000001"},
      {1.5e-7, "1.5e-07"},
      {1e21, "1e+21"},
      {1e20, "100000000000000000000"},
      {123456789012345678.0, "123456789012345680"},
      {9007199254740993.0, "9007199254740992"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {5e-324, "5e-324"},
      {std::numeric_limits<double>::quiet_NaN(), "NaN"},
      {std::numeric_limits<double>::infinity(), "+Inf"},
      {-std::numeric_limits<double>::infinity(), "-Inf"},
      {1700000000.123, "1700000000.123"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FormatPromValue(c.v), c.want) << "value " << c.v;
  }
}

TEST(FormatPromTimestampTest, WritesMillisecondsLikeJsonutil) {
  EXPECT_EQ(FormatPromTimestamp(1700000000000), "1700000000");
  EXPECT_EQ(FormatPromTimestamp(1700000000500), "1700000000.500");
  EXPECT_EQ(FormatPromTimestamp(1700000000005), "1700000000.005");
  EXPECT_EQ(FormatPromTimestamp(1700000000123), "1700000000.123");
  EXPECT_EQ(FormatPromTimestamp(0), "0");
  EXPECT_EQ(FormatPromTimestamp(-1500), "-1.500");
  EXPECT_EQ(FormatPromTimestamp(100000), "100");
}

TEST(JsonEscapeTest, EscapesLikeJsoniter) {
  EXPECT_EQ(JsonEscape("plain"), "plain");
  EXPECT_EQ(JsonEscape("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(JsonEscape("x\ny\tz\r"), "x\\ny\\tz\\r");
  EXPECT_EQ(JsonEscape(std::string("\x01", 1)), "\\u0001");
  EXPECT_EQ(JsonEscape("<a&b>"), "\\u003ca\\u0026b\\u003e");
  EXPECT_EQ(JsonEscape("h\xc3\xa9"), "h\xc3\xa9");
  EXPECT_EQ(JsonEscape("\xff"), "\\ufffd");
  EXPECT_EQ(JsonEscape("\xe2\x80\xa8"), "\\u2028");
}

}  // namespace
}  // namespace obs::backend
