// Engine::RangeQuery: matrix assembly, step alignment, request validation,
// and the sample limit and timeout.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/base/clock.h"
#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"

#include "query/engine.h"
#include "store/storage.h"

namespace obs::backend {
namespace {

using ::testing::HasSubstr;

// Each SteadyNow() call advances time by `tick`, so a query "takes" as long
// as the number of clock reads times `tick`; no real waiting.
class TickingClock : public Clock {
 public:
  explicit TickingClock(std::chrono::milliseconds tick) : tick_(tick) {}
  SteadyClock::time_point SteadyNow() const override {
    now_ += tick_;
    return now_;
  }
  std::int64_t UnixMillisNow() const override { return 0; }

 private:
  std::chrono::milliseconds tick_;
  mutable SteadyClock::time_point now_{};
};

class RangeQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // g{x="1"} = 1,2,3 at 10,20,30 s; g{x="2"} = 5 at 20 s then stale at 40 s.
    Add("1", {{1, 10000}, {2, 20000}, {3, 30000}});
    Add("2", {{5, 20000}, {wire::StaleNaN(), 40000}});
  }
  void Add(std::string_view x, std::vector<wire::Sample> samples) {
    wire::WriteRequestView req;
    req.timeseries.push_back({{{"__name__", "g"}, {"x", x}}, std::move(samples)});
    ASSERT_OK(storage_.Append(req));
  }
  std::string Range(const Engine& engine, std::string_view q, std::int64_t start, std::int64_t end,
                    std::int64_t step) {
    const auto r = engine.RangeQuery(q, start, end, step, 0);
    if (const auto* e = std::get_if<QueryError>(&r)) {
      return std::string(QueryErrorTypeName(e->type)) + ": " + e->message;
    }
    return std::get<std::string>(r);
  }
  std::string Range(std::string_view q, std::int64_t start, std::int64_t end, std::int64_t step) {
    return Range(engine_, q, start, end, step);
  }

  Storage storage_;
  Engine engine_{storage_, EngineOptions{}};
};

TEST_F(RangeQueryTest, BuildsSortedMatrixWithStaleness) {
  EXPECT_EQ(
      Range("g", 0, 50000, 10000),
      R"({"resultType":"matrix","result":[)"
      R"({"metric":{"__name__":"g","x":"1"},"values":[[10,"1"],[20,"2"],[30,"3"],[40,"3"],[50,"3"]]},)"
      R"({"metric":{"__name__":"g","x":"2"},"values":[[20,"5"],[30,"5"]]}]})");
}

TEST_F(RangeQueryTest, ScalarResultBecomesOneSeriesWithoutLabels) {
  EXPECT_EQ(
      Range("time() * 2", 1000, 3000, 1000),
      R"({"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"],[2,"4"],[3,"6"]]}]})");
}

TEST_F(RangeQueryTest, AggregatesPerStep) {
  EXPECT_EQ(
      Range("sum(g)", 15000, 35000, 10000),
      R"({"resultType":"matrix","result":[{"metric":{},"values":[[15,"1"],[25,"7"],[35,"8"]]}]})");
  EXPECT_EQ(Range("count_over_time(g[15s])", 20000, 40000, 20000),
            R"({"resultType":"matrix","result":[)"
            R"({"metric":{"x":"1"},"values":[[20,"2"],[40,"1"]]},)"
            R"({"metric":{"x":"2"},"values":[[20,"1"]]}]})");
}

TEST_F(RangeQueryTest, RejectsBadSteps) {
  EXPECT_THAT(Range("g", 0, 1000, 0), HasSubstr("bad_data: zero or negative query resolution"));
  EXPECT_THAT(Range("g", 0, 1000, -5), HasSubstr("bad_data"));
  EXPECT_EQ(Range("g", 0, 11001000, 1000),
            "bad_data: exceeded maximum resolution of 11,000 points per timeseries. Try "
            "decreasing the query resolution (?step=XX)");
  EXPECT_THAT(Range("g", 0, 11000000, 1000), HasSubstr("resultType"));
  EXPECT_THAT(Range("g", 2000, 1000, 1000), HasSubstr("bad_data: end timestamp must not be"));
}

TEST_F(RangeQueryTest, RejectsNonInstantExpressions) {
  EXPECT_EQ(Range("g[1m]", 0, 1000, 1000),
            "bad_data: invalid expression type \"range vector\" for range query, must be Scalar "
            "or instant Vector");
  EXPECT_THAT(Range("\"s\"", 0, 1000, 1000), HasSubstr("invalid expression type \"string\""));
  EXPECT_THAT(Range("g +", 0, 1000, 1000), HasSubstr("bad_data: 1:4: parse error"));
}

TEST_F(RangeQueryTest, TooManySamplesIsAnExecutionError) {
  const Engine small(storage_, EngineOptions{.max_samples = 5});
  EXPECT_EQ(Range(small, "g", 0, 50000, 10000),
            "execution: query processing would load too many samples into memory in query "
            "execution");
  EXPECT_THAT(Range(small, "g", 10000, 20000, 10000), HasSubstr("resultType"));
}

TEST_F(RangeQueryTest, SlowQueryTimesOut) {
  TickingClock clock(std::chrono::milliseconds(10));
  const Engine engine(storage_, EngineOptions{.clock = &clock});
  const auto r = engine.RangeQuery("g", 0, 10'000'000, 1000, /*timeout_ms=*/50);
  ASSERT_TRUE(std::holds_alternative<QueryError>(r));
  EXPECT_EQ(std::get<QueryError>(r).type, QueryErrorType::kTimeout);
  EXPECT_EQ(std::get<QueryError>(r).message, "query timed out in expression evaluation");
  EXPECT_TRUE(std::holds_alternative<std::string>(engine.RangeQuery("g", 0, 0, 1000, 0)));
}

}  // namespace
}  // namespace obs::backend
