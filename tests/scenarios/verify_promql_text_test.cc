// PromQL and query-API text (verify/promql_text.h).

#include <gtest/gtest.h>

#include "verify/promql_text.h"

namespace obs::scenarios {
namespace {

TEST(PromqlTextTest, LabelValuesAreEscaped) {
  EXPECT_EQ(QuoteLabelValue(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(QuoteLabelValue("x\ny\tz"), R"("x\ny\tz")");
  EXPECT_EQ(QuoteLabelValue(""), R"("")");
}

TEST(PromqlTextTest, SelectorKeepsOrderAndMatchesEveryLabel) {
  EXPECT_EQ(SelectorText({{"__name__", "up"}, {"job", "a\"b"}}), R"({__name__="up",job="a\"b"})");
}

TEST(PromqlTextTest, CountAndRawQueriesUseMillisecondRanges) {
  const LabelPairs sel = {{"__name__", "m"}, {"obsbench_run", "r1"}};
  EXPECT_EQ(CountOverTimeQuery(sel, 61000),
            R"(count_over_time({__name__="m",obsbench_run="r1"}[61000ms]))");
  EXPECT_EQ(RawSamplesQuery(sel, 2), R"({__name__="m",obsbench_run="r1"}[2ms])");
}

TEST(PromqlTextTest, UnixSecondsKeepMillisecondsWithLeadingZeros) {
  EXPECT_EQ(UnixSecondsText(1700000000005), "1700000000.005");
  EXPECT_EQ(UnixSecondsText(0), "0.000");
  EXPECT_EQ(UnixSecondsText(-1), "-0.001");
  EXPECT_EQ(UnixSecondsText(-1500), "-1.500");
}

TEST(PromqlTextTest, FormEncodingPercentEncodesReservedBytes) {
  EXPECT_EQ(FormEncode({{"query", R"(up{a="b c"}[5m])"}, {"time", "1.5"}}),
            "query=up%7Ba%3D%22b%20c%22%7D%5B5m%5D&time=1.5");
  EXPECT_EQ(FormEncode({}), "");
}

}  // namespace
}  // namespace obs::scenarios
