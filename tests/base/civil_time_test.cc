// Calendar arithmetic and RFC 3339 text against dates worked out by hand.

#include "obs/base/civil_time.h"

#include <gtest/gtest.h>

namespace obs {
namespace {

TEST(CivilTimeTest, ConvertsBothWays) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  const CivilTime c = CivilFromUnixSeconds(951782400 + 3723);  // 2000-02-29T01:02:03Z
  EXPECT_EQ(c.year, 2000);
  EXPECT_EQ(c.month, 2);
  EXPECT_EQ(c.day, 29);
  EXPECT_EQ(c.hour, 1);
  EXPECT_EQ(c.minute, 2);
  EXPECT_EQ(c.second, 3);
  EXPECT_EQ(c.weekday, 2);  // Tuesday.
  EXPECT_EQ(c.yday, 60);
  const CivilTime before = CivilFromUnixSeconds(-1);
  EXPECT_EQ(before.year, 1969);
  EXPECT_EQ(before.yday, 365);
  EXPECT_EQ(before.second, 59);
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_FALSE(IsLeapYear(2100));
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2023, 2), 28);
}

TEST(CivilTimeTest, Rfc3339Nanos) {
  EXPECT_EQ(ParseRfc3339Nanos("2023-01-01T13:32:13.000000001Z"), 1672579933000000001LL);
  EXPECT_EQ(ParseRfc3339Nanos("2023-01-01T13:32:13.123456789123Z"), 1672579933123456789LL);
  EXPECT_EQ(ParseRfc3339Nanos("2023-01-01T14:32:13.5+01:00"), 1672579933500000000LL);
  EXPECT_EQ(ParseRfc3339Nanos("1969-12-31T23:59:59.999999999Z"), -1);
  EXPECT_EQ(ParseRfc3339Nanos("2300-01-01T00:00:00Z"), std::nullopt);  // Beyond int64 ns.
  EXPECT_EQ(ParseRfc3339Nanos("2023-01-01T13:32:13.Z"), std::nullopt);
  EXPECT_EQ(FormatRfc3339Nanos(1672579933000000001LL), "2023-01-01T13:32:13.000000001Z");
  EXPECT_EQ(FormatRfc3339Nanos(-1), "1969-12-31T23:59:59.999999999Z");
  for (std::int64_t ns : {0LL, 1LL, 1700000000123456789LL, -86400000000001LL}) {
    EXPECT_EQ(ParseRfc3339Nanos(FormatRfc3339Nanos(ns)), ns);
  }
}

TEST(CivilTimeTest, Rfc3339) {
  EXPECT_EQ(ParseRfc3339Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Ms("2023-11-14T22:13:20.1239Z"), 1700000000123);
  EXPECT_EQ(ParseRfc3339Ms("2023-11-14T23:13:20+01:00"), 1700000000000);
  EXPECT_FALSE(ParseRfc3339Ms("2023-11-14 22:13:20Z").has_value());
  EXPECT_FALSE(ParseRfc3339Ms("2023-11-14T22:13:20").has_value());
  EXPECT_FALSE(ParseRfc3339Ms("2023-11-14T22:13:20.Z").has_value());
  EXPECT_EQ(FormatRfc3339(1700000000123, true), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatRfc3339(1700000000120, false), "2023-11-14T22:13:20.12Z");
  EXPECT_EQ(FormatRfc3339(-62135596800000, false), "0001-01-01T00:00:00Z");
}

}  // namespace
}  // namespace obs
