#include "obs/assertions/format.h"

#include <gtest/gtest.h>

namespace obs::assertions {
namespace {

TEST(FormatTest, FixedAndTrimmed) {
  EXPECT_EQ(FormatFixed(12.345, 2), "12.35");
  EXPECT_EQ(FormatFixed(-0.0001, 2), "0.00");
  EXPECT_EQ(FormatTrimmed(12.300, 3), "12.3");
  EXPECT_EQ(FormatTrimmed(250.0, 3), "250");
  // Too many digits for fixed notation: scientific, not endless recursion.
  EXPECT_EQ(FormatFixed(1e300, 2), "1.000e+300");
  EXPECT_EQ(FormatTrimmed(1e300, 2), "1.000e+300");
}

TEST(FormatTest, CountsAndNumbersGroupThousands) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(14213), "14,213");
  EXPECT_EQ(FormatCount(1234567890), "1,234,567,890");
  EXPECT_EQ(FormatNumber(9850.04, 1), "9,850.0");
  EXPECT_EQ(FormatNumber(-1234.5, 1), "-1,234.5");
}

TEST(FormatTest, DurationsPickTheLargestUnit) {
  EXPECT_EQ(FormatDurationNs(850), "850 ns");
  EXPECT_EQ(FormatDurationNs(12'340), "12.3 µs");
  EXPECT_EQ(FormatDurationNs(312'400'000), "312.4 ms");
  EXPECT_EQ(FormatDurationNs(1'500'000'000), "1.50 s");
  EXPECT_EQ(FormatDurationNs(999'960), "1.0 ms");
  EXPECT_EQ(FormatDurationNs(0), "0 ns");
}

TEST(FormatTest, ThresholdsAreShortAndExact) {
  EXPECT_EQ(FormatDurationThreshold(0.25), "250 ms");
  EXPECT_EQ(FormatDurationThreshold(1.5), "1.5 s");
  EXPECT_EQ(FormatDurationThreshold(120), "120 s");
  EXPECT_EQ(FormatDurationThreshold(20e-6), "20 µs");
  EXPECT_EQ(FormatPercentThreshold(0.999), "99.9%");
  EXPECT_EQ(FormatPercentThreshold(0.01), "1%");
}

TEST(FormatTest, PercentNeverRoundsAFailureToAHundred) {
  EXPECT_EQ(FormatPercent(0.5), "50.00%");
  EXPECT_EQ(FormatPercent(1.0), "100.00%");
  EXPECT_EQ(FormatPercent(0.0), "0.00%");
  EXPECT_EQ(FormatPercent(0.99999), "99.999%");
  EXPECT_EQ(FormatPercent(0.00001), "0.001%");
}

TEST(FormatTest, UnixMillisAsIsoUtc) {
  EXPECT_EQ(FormatUnixMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatUnixMillis(1'709'294'400'123), "2024-03-01T12:00:00.123Z");
}

}  // namespace
}  // namespace obs::assertions
