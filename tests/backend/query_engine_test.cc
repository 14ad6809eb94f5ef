// Engine::InstantQuery on small hand-made data, compared with the exact JSON
// Prometheus 2.42 returns for the same data.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"

#include "engine_test_support.h"
#include "query/engine.h"
#include "store/storage.h"

namespace obs::backend {
namespace {

class EngineTest : public testing::EngineFixture {
 protected:
  // Counter `http_total{job}` going up by `inc` every 15 s from t=0 to 300 s.
  void AddCounter(std::string_view job, double inc) {
    std::vector<wire::Sample> s;
    for (int i = 0; i <= 20; ++i) {
      s.push_back({inc * i, std::int64_t{i} * 15000});
    }
    Add({{"__name__", "http_total"}, {"job", job}}, s);
  }

  std::string Query(std::string_view q, std::int64_t t_ms) { return Instant(q, t_ms); }
};

TEST_F(EngineTest, LiteralsGiveScalarAndString) {
  EXPECT_EQ(Query("1", 100000), R"({"resultType":"scalar","result":[100,"1"]})");
  EXPECT_EQ(Query("\"a\"", 100000), R"({"resultType":"string","result":[100,"a"]})");
  EXPECT_EQ(Query("1 + 2 * 3", 1500), R"({"resultType":"scalar","result":[1.500,"7"]})");
  EXPECT_EQ(Query("2 ^ 3 ^ 2", 0), R"({"resultType":"scalar","result":[0,"512"]})");
  EXPECT_EQ(Query("1 < bool 2", 0), R"({"resultType":"scalar","result":[0,"1"]})");
  EXPECT_EQ(Query("-1 / 0", 0), R"({"resultType":"scalar","result":[0,"-Inf"]})");
  EXPECT_EQ(Query("time()", 12345), R"({"resultType":"scalar","result":[12.345,"12.345"]})");
}

TEST_F(EngineTest, InstantSelectorUsesLookbackAndSortsByLabels) {
  Add({{"__name__", "up"}, {"job", "b"}}, {{0, 10000}});
  Add({{"__name__", "up"}, {"job", "a"}}, {{1, 10000}, {1, 20000}});
  EXPECT_EQ(Query("up", 30000), R"({"resultType":"vector","result":[)"
                                R"({"metric":{"__name__":"up","job":"a"},"value":[30,"1"]},)"
                                R"({"metric":{"__name__":"up","job":"b"},"value":[30,"0"]}]})");
  // The lookback window [t-5m, t] is closed on the left (Prometheus 2.42).
  EXPECT_THAT(Query("up{job=\"b\"}", 310000), ::testing::HasSubstr(R"("job":"b")"));
  EXPECT_EQ(Query("up{job=\"b\"}", 310001), R"({"resultType":"vector","result":[]})");
  EXPECT_EQ(Query("up", 9999), R"({"resultType":"vector","result":[]})");
}

TEST_F(EngineTest, StaleMarkerEndsTheSeries) {
  Add({{"__name__", "g"}}, {{5, 10000}, {wire::StaleNaN(), 20000}, {7, 40000}});
  EXPECT_EQ(Query("g", 15000),
            R"({"resultType":"vector","result":[{"metric":{"__name__":"g"},"value":[15,"5"]}]})");
  EXPECT_EQ(Query("g", 30000), R"({"resultType":"vector","result":[]})");
  EXPECT_EQ(Query("g", 40000),
            R"({"resultType":"vector","result":[{"metric":{"__name__":"g"},"value":[40,"7"]}]})");
  // Range selectors skip the marker.
  EXPECT_EQ(Query("count_over_time(g[1m])", 40000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[40,"2"]}]})");
}

TEST_F(EngineTest, RangeSelectorReturnsRawPoints) {
  Add({{"__name__", "g"}, {"x", "1"}}, {{1, 10000}, {2, 20500}, {3, 30000}});
  EXPECT_EQ(Query("g[20s]", 30000),
            R"({"resultType":"matrix","result":[{"metric":{"__name__":"g","x":"1"},)"
            R"("values":[[10,"1"],[20.500,"2"],[30,"3"]]}]})");
  EXPECT_EQ(Query("g[20s] offset 10s", 40000),
            R"({"resultType":"matrix","result":[{"metric":{"__name__":"g","x":"1"},)"
            R"("values":[[10,"1"],[20.500,"2"],[30,"3"]]}]})");
}

TEST_F(EngineTest, OverTimeFunctionsDropTheNameExceptLast) {
  Add({{"__name__", "g"}}, {{4, 10000}, {1, 20000}, {7, 30000}});
  auto one = [&](std::string_view fn) {
    return Query(std::string(fn) + "(g[1m])", 60000);
  };
  EXPECT_EQ(one("sum_over_time"),
            R"({"resultType":"vector","result":[{"metric":{},"value":[60,"12"]}]})");
  EXPECT_EQ(one("avg_over_time"),
            R"({"resultType":"vector","result":[{"metric":{},"value":[60,"4"]}]})");
  EXPECT_EQ(one("min_over_time"),
            R"({"resultType":"vector","result":[{"metric":{},"value":[60,"1"]}]})");
  EXPECT_EQ(one("max_over_time"),
            R"({"resultType":"vector","result":[{"metric":{},"value":[60,"7"]}]})");
  EXPECT_EQ(one("last_over_time"),
            R"({"resultType":"vector","result":[{"metric":{"__name__":"g"},"value":[60,"7"]}]})");
  EXPECT_EQ(Query("timestamp(g)", 35000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[35,"30"]}]})");
}

TEST_F(EngineTest, RateAndIncreaseExtrapolateLikePrometheus) {
  AddCounter("a", 10);
  // Points at 0,15,...,60 s: increase 40 over 60 s, no extrapolation needed.
  EXPECT_EQ(
      Query("rate(http_total[1m])", 60000),
      R"({"resultType":"vector","result":[{"metric":{"job":"a"},"value":[60,"0.6666666666666666"]}]})");
  // Window [7.5 s, 67.5 s] holds 15..60 s: 30 over 45 s, extrapolated by 7.5 s at each end.
  EXPECT_EQ(Query("increase(http_total[1m])", 67500),
            R"({"resultType":"vector","result":[{"metric":{"job":"a"},"value":[67.500,"40"]}]})");
}

TEST_F(EngineTest, AggregationsGroupByAndWithout) {
  Add({{"__name__", "up"}, {"instance", "1"}, {"job", "a"}}, {{1, 1000}});
  Add({{"__name__", "up"}, {"instance", "2"}, {"job", "a"}}, {{3, 1000}});
  Add({{"__name__", "up"}, {"instance", "1"}, {"job", "b"}}, {{5, 1000}});
  EXPECT_EQ(Query("sum(up)", 1000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[1,"9"]}]})");
  EXPECT_EQ(Query("sum by (job) (up)", 1000),
            R"({"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1,"4"]},)"
            R"({"metric":{"job":"b"},"value":[1,"5"]}]})");
  EXPECT_EQ(Query("avg(up) without (instance)", 1000),
            R"({"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1,"2"]},)"
            R"({"metric":{"job":"b"},"value":[1,"5"]}]})");
  EXPECT_EQ(Query("count by (instance) (up)", 1000),
            R"({"resultType":"vector","result":[{"metric":{"instance":"1"},"value":[1,"2"]},)"
            R"({"metric":{"instance":"2"},"value":[1,"1"]}]})");
  EXPECT_EQ(Query("max(up)", 1000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[1,"5"]}]})");
  EXPECT_EQ(Query("min by (__name__) (up)", 1000),
            R"({"resultType":"vector","result":[{"metric":{"__name__":"up"},"value":[1,"1"]}]})");
}

TEST_F(EngineTest, BinaryOperatorsFollowNameAndFilterRules) {
  Add({{"__name__", "up"}, {"job", "a"}}, {{1, 1000}});
  Add({{"__name__", "up"}, {"job", "b"}}, {{0, 1000}});
  Add({{"__name__", "other"}, {"job", "a"}}, {{10, 1000}});
  EXPECT_EQ(Query("up{job=\"a\"} * 2", 1000),
            R"({"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1,"2"]}]})");
  EXPECT_EQ(
      Query("up > 0", 1000),
      R"({"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[1,"1"]}]})");
  EXPECT_EQ(Query("up == bool 0", 1000),
            R"({"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1,"0"]},)"
            R"({"metric":{"job":"b"},"value":[1,"1"]}]})");
  EXPECT_EQ(Query("other + up", 1000),
            R"({"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1,"11"]}]})");
  EXPECT_EQ(
      Query("up and other", 1000),
      R"({"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a"},"value":[1,"1"]}]})");
  EXPECT_EQ(Query("-up{job=\"a\"}", 1000),
            R"({"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1,"-1"]}]})");
}

TEST_F(EngineTest, ManyToManyMatchIsAnExecutionError) {
  Add({{"__name__", "x"}, {"a", "1"}, {"b", "1"}}, {{1, 1000}});
  Add({{"__name__", "x"}, {"a", "1"}, {"b", "2"}}, {{1, 1000}});
  EXPECT_THAT(Query("x + on (a) x", 1000),
              ::testing::StartsWith("execution: found duplicate series for the match group"));
}

TEST_F(EngineTest, ParseErrorsAreBadData) {
  EXPECT_EQ(Query("1+", 0), "bad_data: 1:3: parse error: unexpected end of input");
  EXPECT_EQ(QueryErrorHttpStatus(QueryErrorType::kBadData), 400);
  EXPECT_EQ(QueryErrorHttpStatus(QueryErrorType::kExecution), 422);
  EXPECT_EQ(QueryErrorHttpStatus(QueryErrorType::kTimeout), 503);
  EXPECT_EQ(QueryErrorTypeName(QueryErrorType::kTimeout), "timeout");
}

TEST(EngineSeriesSelectorTest, ParsesMatchParameter) {
  ASSERT_OK_AND_ASSIGN(auto matchers, Engine::ParseSeriesSelector("up{job=~\"a|b\"}"));
  ASSERT_EQ(matchers.size(), 2u);
  EXPECT_EQ(matchers[0].ToString(), "__name__=\"up\"");
  EXPECT_EQ(matchers[1].ToString(), "job=~\"a|b\"");
  EXPECT_THAT(Engine::ParseSeriesSelector("sum(up)"),
              ::obs::testing::StatusIs(StatusCode::kInvalidArgument,
                                       ::testing::HasSubstr("invalid series selector")));
  EXPECT_THAT(Engine::ParseSeriesSelector("{}"),
              ::obs::testing::StatusIs(StatusCode::kInvalidArgument,
                                       ::testing::HasSubstr("1:1: parse error: vector selector")));
}

}  // namespace
}  // namespace obs::backend
