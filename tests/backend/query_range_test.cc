// Engine::RangeQuery: matrix assembly, step alignment, request validation,
// and the sample limit and timeout.

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/base/clock.h"
#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"

#include "engine_test_support.h"
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

// Aggregations over a selector or a range function of one are computed for
// every step at once, series by series (the fused path). Each case is
// compared with a form the fused path does not take (`* 1` in between, or a
// non-literal parameter), which evaluates step by step.
class FusedAggregationTest : public testing::EngineFixture {
 protected:
  void SetUp() override {
    for (int i = 0; i < 12; ++i) {
      const std::string instance = std::to_string(i);
      const std::string job = i % 3 == 0 ? "a" : (i % 3 == 1 ? "b" : "c");
      std::vector<wire::Sample> s;
      double v = i;
      for (int k = 0; k <= 80; ++k) {
        const std::int64_t t = std::int64_t{k} * 15000 + (i % 4) * 1000;
        if (i == 5 && k > 20 && k < 35) {
          continue;  // A gap.
        }
        if (i == 7 && k == 40) {
          s.push_back({wire::StaleNaN(), t});  // Goes stale, then comes back.
          continue;
        }
        v = (i == 3 && k % 25 == 0) ? 1 : v + (i % 5) + 0.25 * k;  // Counter resets.
        s.push_back({i == 9 && k % 11 == 0 ? std::nan("") : v, t});
      }
      Add({{"__name__", "c"}, {"instance", instance}, {"job", job}}, s);
      if (i < 8) {
        // A classic histogram per instance (jobs a, b): buckets 0.5, 1, +Inf.
        const char* bounds[] = {"0.5", "1", "+Inf"};
        for (int b = 0; b < 3; ++b) {
          std::vector<wire::Sample> h;
          for (int k = 0; k <= 80; ++k) {
            h.push_back({std::floor(k * (b + 1) * (1 + i % 3) * 0.7), std::int64_t{k} * 15000});
          }
          Add({{"__name__", "h_bucket"},
               {"instance", instance},
               {"job", i % 2 == 0 ? "a" : "b"},
               {"le", bounds[b]}},
              h);
        }
      }
      if (i < 4) {
        // Same labels but the name: distinct only with __name__.
        Add({{"__name__", "d"}, {"instance", instance}, {"job", job}}, s);
      }
    }
  }
  void ExpectSame(const std::string& fused, const std::string& unfused) {
    for (const auto& [start, end, step] :
         {std::tuple<std::int64_t, std::int64_t, std::int64_t>{0, 1200000, 15000},
          {7000, 1100000, 37000},
          {600000, 600000, 1000}}) {
      const std::string want = Range(unfused, start, end, step);
      EXPECT_EQ(Range(fused, start, end, step), want) << fused << " " << start << ":" << step;
    }
  }
};

TEST_F(FusedAggregationTest, RangeFunctionsMatchStepByStep) {
  const char* aggs[] = {"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar"};
  const char* groupings[] = {"", " by (job)", " without (instance)", " by (instance)"};
  const char* inputs[] = {"rate(c[1m])",           "increase(c[5m] offset 1m)",
                          "irate(c[2m])",          "resets(c[5m])",
                          "max_over_time(c[30s])", "last_over_time(c[1m])",
                          "deriv(c[5m] @ 300)",    "quantile_over_time(0.3, c[2m])"};
  for (const char* agg : aggs) {
    for (const char* g : groupings) {
      for (const char* in : inputs) {
        const std::string head = std::string(agg) + g;
        ExpectSame(head + " (" + in + ")", head + " (" + in + " * 1)");
      }
    }
  }
}

TEST_F(FusedAggregationTest, SelectorsMatchStepByStep) {
  const char* aggs[] = {"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar"};
  for (const char* agg : aggs) {
    for (const char* g : {"", " by (job)", " without (instance)"}) {
      const std::string head = std::string(agg) + g;
      ExpectSame(head + " (c)", head + " (c * 1)");
      ExpectSame(head + " (c offset 2m)", head + " (c offset 2m * 1)");
      // `or` keeps __name__ (`* 1` would drop it and make c and d collide).
      ExpectSame(head + " ({__name__=~\"c|d\"})", head + " ({__name__=~\"c|d\"} or none)");
    }
  }
  ExpectSame("sum by (job) (c) / on (job) group_left count by (job) (c)",
             "sum by (job) (c * 1) / on (job) group_left count by (job) (c * 1)");
}

TEST_F(FusedAggregationTest, ParameterizedAggregationsMatchStepByStep) {
  for (const char* op : {"topk", "bottomk"}) {
    for (const char* g : {"", " by (job)"}) {
      for (const char* k : {"1", "3", "100"}) {
        const std::string head = std::string(op) + g;
        ExpectSame(head + " (" + k + ", rate(c[1m]))",
                   head + " (scalar(vector(" + k + ")), rate(c[1m]))");
        ExpectSame(head + " (" + k + ", c)", head + " (scalar(vector(" + k + ")), c)");
      }
    }
  }
  for (const char* q : {"0", "0.5", "0.9", "2", "-1"}) {
    ExpectSame(std::string("quantile by (job) (") + q + ", rate(c[2m]))",
               std::string("quantile by (job) (scalar(vector(") + q + ")), rate(c[2m]))");
  }
  ExpectSame("topk(0, c)", "topk(scalar(vector(0)), c)");
  ExpectSame("histogram_quantile(0.9, sum by (le) (rate(c[5m])))",
             "histogram_quantile(0.9, sum by (le) (rate(c[5m]) * 1))");
}

TEST_F(FusedAggregationTest, HistogramQuantileOverFusedGroupsMatchesStepByStep) {
  for (const char* g : {"le", "le, job", "le, instance"}) {
    for (const char* q : {"0.5", "0.99"}) {
      const std::string head = std::string("histogram_quantile(") + q + ", sum by (" + g + ") (";
      ExpectSame(head + "rate(h_bucket[5m])))", head + "rate(h_bucket[5m]) * 1))");
      ExpectSame(head + "h_bucket))", head + "h_bucket * 1))");
    }
  }
  EXPECT_THAT(
      Range("histogram_quantile(0.5, sum by (le, job) (rate(h_bucket[5m])))", 0, 1200000, 15000),
      ::testing::AllOf(::testing::HasSubstr(R"({"metric":{"job":"a"},"values":[[)"),
                       ::testing::HasSubstr(R"({"metric":{"job":"b"},"values":[[)")));
}

TEST_F(FusedAggregationTest, AggregationsOverOneSelectionMatchStepByStep) {
  // Fused aggregations that select the same series over the same span share
  // one pass over them (each series decoded once); each answer is its own.
  const std::pair<const char*, const char*> cases[] = {
      {"sum(c) + count(c) * avg(c) - max(c)",
       "sum(c * 1) + count(c * 1) * avg(c * 1) - max(c * 1)"},
      {"sum by (job) (rate(c[1m])) / on (job) max by (job) (irate(c[1m]))",
       "sum by (job) (rate(c[1m]) * 1) / on (job) max by (job) (irate(c[1m]) * 1)"},
      {"sum(rate(c[1m])) / sum(rate(c[5m]))", "sum(rate(c[1m]) * 1) / sum(rate(c[5m]) * 1)"},
      {"topk(2, c) + on () group_left sum(c)", "topk(2, c * 1) + on () group_left sum(c * 1)"},
      {"sum(avg_over_time(c[2m])) - sum(sum_over_time(c[2m])) / sum(count_over_time(c[2m]))",
       "sum(avg_over_time(c[2m]) * 1) - sum(sum_over_time(c[2m]) * 1) / "
       "sum(count_over_time(c[2m]) * 1)"},
      {"sum(last_over_time({__name__=~\"c|d\"}[1m])) + sum(rate({__name__=~\"c|d\"}[1m]))",
       "sum(last_over_time({__name__=~\"c|d\"}[1m]) * 1) + sum(rate({__name__=~\"c|d\"}[1m]) "
       "* 1)"},
      {"sum(rate({__name__=~\"c|d\"}[1m])) + sum(last_over_time({__name__=~\"c|d\"}[1m]))",
       "sum(rate({__name__=~\"c|d\"}[1m]) * 1) + sum(last_over_time({__name__=~\"c|d\"}[1m]) "
       "* 1)"},
      {"count({__name__=~\"c|d\"}) - count(last_over_time({__name__=~\"c|d\"}[5m]))",
       "count({__name__=~\"c|d\"} or none) - count(last_over_time({__name__=~\"c|d\"}[5m]) "
       "or none)"}};
  for (const auto& [fused, unfused] : cases) {
    ExpectSame(fused, unfused);
  }
  EXPECT_EQ(Range(cases[5].first, 0, 1200000, 15000),
            "execution: vector cannot contain metrics with the same labelset");
}

TEST_F(FusedAggregationTest, PlainSelectorsAndRangeFunctionsMatchStepByStep) {
  // A range query of just a selector or a range function is answered series
  // by series (Evaluator::EvalDirect); `or none` makes it step by step.
  for (const char* q :
       {"c", "c offset 1m", "{__name__=~\"c|d\"}", "c @ 300", "rate(c[1m])", "irate(c[2m])",
        "increase(c[5m] offset 1m)", "last_over_time({__name__=~\"c|d\"}[1m])",
        "quantile_over_time(0.3, c[2m])", "predict_linear(c[5m], 60)", "changes(c[30s])",
        "deriv(c[5m] @ 300)", "rate({__name__=~\"c|d\"}[1m])", "avg_over_time(c[2m])",
        "sum_over_time(c[1m] offset 30s)"}) {
    ExpectSame(q, std::string("(") + q + ") or none");
  }
  const std::pair<const char*, const char*> cases[] = {{"c", "c or none"},
                                                       {"rate(c[5m])", "rate(c[5m]) or none"}};
  for (const std::size_t limit : {10U, 50U, 500U, 1000U, 1500U, 3000U}) {
    const Engine small(storage_, EngineOptions{.max_samples = limit});
    for (const auto& [direct, stepwise] : cases) {
      EXPECT_EQ(Render(small.RangeQuery(direct, 0, 1200000, 15000, 0)),
                Render(small.RangeQuery(stepwise, 0, 1200000, 15000, 0)))
          << direct << " " << limit;
    }
  }
}

TEST_F(FusedAggregationTest, KeepsErrorsAndLimits) {
  // rate() over c and d makes equal label sets: an error, fused or not.
  EXPECT_EQ(Range("sum(rate({__name__=~\"c|d\"}[1m]))", 0, 1200000, 15000),
            "execution: vector cannot contain metrics with the same labelset");
  EXPECT_EQ(Range("sum(last_over_time({__name__=~\"c|d\"}[1m]))", 0, 1200000, 15000),
            Range("sum(last_over_time({__name__=~\"c|d\"}[1m]) or none)", 0, 1200000, 15000));
  // The sample limit trips at the same limits (and steps) as step by step.
  const std::pair<const char*, const char*> cases[] = {
      {"sum(rate(c[5m]))", "sum(rate(c[5m]) * 1)"},
      {"sum(c)", "sum(c * 1)"},
      {"topk(2, c)", "topk(scalar(vector(2)), c)"}};
  for (const std::size_t limit : {10U, 50U, 92U, 93U, 240U, 250U, 400U}) {
    const Engine small(storage_, EngineOptions{.max_samples = limit});
    for (const auto& [fused, unfused] : cases) {
      EXPECT_EQ(Render(small.RangeQuery(fused, 0, 1200000, 15000, 0)),
                Render(small.RangeQuery(unfused, 0, 1200000, 15000, 0)))
          << fused << " " << limit;
    }
  }
}

}  // namespace
}  // namespace obs::backend
