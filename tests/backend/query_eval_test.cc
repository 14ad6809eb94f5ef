// Evaluation semantics through Engine on small hand-made data: offset and @,
// lookback and staleness, subqueries, vector matching (group_left/right,
// set operators, errors), aggregations with parameters, instant-result
// order, and the engine's limits. Expected values are worked out by hand
// from Prometheus 2.42's rules (the differential test checks the same
// against a real Prometheus).

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
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
using testing::LabelList;

class EvalTest : public testing::EngineFixture {
 protected:
  // `name{labels}` = value at 0, 60, ..., 600 s: value(t) = base + slope * t/60.
  void AddLine(std::string_view name, LabelList labels, double base, double slope) {
    labels.insert(labels.begin(), {"__name__", name});
    std::vector<wire::Sample> s;
    for (int i = 0; i <= 10; ++i) {
      s.push_back({base + slope * i, std::int64_t{i} * 60000});
    }
    Add(labels, s);
  }
};

TEST_F(EvalTest, OffsetAndAtShiftTheReferenceTime) {
  AddLine("m", {{"a", "1"}}, 0, 1);  // m = minutes since 0.
  EXPECT_EQ(
      Instant("m offset 2m", 300000),
      R"({"resultType":"vector","result":[{"metric":{"__name__":"m","a":"1"},"value":[300,"3"]}]})");
  EXPECT_EQ(
      Instant("m offset -2m", 300000),
      R"({"resultType":"vector","result":[{"metric":{"__name__":"m","a":"1"},"value":[300,"7"]}]})");
  EXPECT_EQ(
      Instant("m @ 120", 540000),
      R"({"resultType":"vector","result":[{"metric":{"__name__":"m","a":"1"},"value":[540,"2"]}]})");
  EXPECT_EQ(
      Instant("m @ 240 offset 1m", 0),
      R"({"resultType":"vector","result":[{"metric":{"__name__":"m","a":"1"},"value":[0,"3"]}]})");
  // @ start()/end() in a range query: every step sees the same sample.
  EXPECT_EQ(
      Range("m @ end()", 60000, 180000, 60000),
      R"({"resultType":"matrix","result":[{"metric":{"__name__":"m","a":"1"},"values":[[60,"3"],[120,"3"],[180,"3"]]}]})");
  EXPECT_EQ(
      Range("m @ start()", 60000, 180000, 60000),
      R"({"resultType":"matrix","result":[{"metric":{"__name__":"m","a":"1"},"values":[[60,"1"],[120,"1"],[180,"1"]]}]})");
  EXPECT_EQ(Instant("increase(m[2m] @ 300)", 0),
            R"({"resultType":"vector","result":[{"metric":{"a":"1"},"value":[0,"2"]}]})");
}

TEST_F(EvalTest, LookbackAndStaleMarkers) {
  const double stale = std::bit_cast<double>(wire::kStaleNaNBits);
  Add({{"__name__", "s"}}, {{1, 0}, {2, 60000}, {stale, 120000}, {4, 600000}});
  // Before the marker the newest sample answers.
  EXPECT_THAT(Instant("s", 110000), HasSubstr(R"("value":[110,"2"])"));
  // The stale marker ends the series at once.
  EXPECT_EQ(Instant("s", 130000), R"({"resultType":"vector","result":[]})");
  EXPECT_EQ(Instant("count_over_time(s[3m])", 180000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[180,"2"]}]})");
  // Lookback is inclusive: exactly 5 m old still counts.
  EXPECT_THAT(Instant("s", 600000 + 300000), HasSubstr(R"("4")"));
  EXPECT_EQ(Instant("s", 600000 + 300001), R"({"resultType":"vector","result":[]})");
}

TEST_F(EvalTest, SubqueriesAlignStepsToAbsoluteTime) {
  AddLine("m", {}, 0, 1);
  // [5m:1m] at 450 s: inner steps 180..420 s (aligned multiples of 60 s)
  // see m = 3..7, so the max is 7 and there are 5 points.
  EXPECT_EQ(Instant("max_over_time(m[5m:1m])", 450000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[450,"7"]}]})");
  EXPECT_EQ(Instant("count_over_time(m[5m:1m])", 450000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[450,"5"]}]})");
  // Default step is the 1 m evaluation interval; with offset the window moves.
  EXPECT_EQ(Instant("max_over_time(m[5m:] offset 2m)", 450000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[450,"5"]}]})");
  // Nested: rate of a subquery of a rate.
  EXPECT_EQ(
      Instant("max_over_time(rate(m[2m])[4m:2m])", 600000),
      R"({"resultType":"vector","result":[{"metric":{},"value":[600,"0.016666666666666666"]}]})");
  // A bare subquery in an instant query is a range vector.
  EXPECT_EQ(
      Instant("m[2m:1m]", 120000),
      R"({"resultType":"matrix","result":[{"metric":{"__name__":"m"},"values":[[0,"0"],[60,"1"],[120,"2"]]}]})");
  EXPECT_THAT(Range("m[2m:1m]", 0, 60000, 60000),
              HasSubstr(R"(bad_data: invalid expression type "range vector" for range query)"));
}

TEST_F(EvalTest, ManyToOneMatchingCopiesIncludedLabels) {
  AddLine("req", {{"job", "a"}, {"instance", "1"}}, 10, 0);
  AddLine("req", {{"job", "a"}, {"instance", "2"}}, 30, 0);
  AddLine("info", {{"job", "a"}, {"team", "x"}}, 1, 0);
  EXPECT_EQ(
      Instant("req * on (job) group_left (team) info", 0),
      R"({"resultType":"vector","result":[{"metric":{"instance":"1","job":"a","team":"x"},"value":[0,"10"]},)"
      R"({"metric":{"instance":"2","job":"a","team":"x"},"value":[0,"30"]}]})");
  EXPECT_EQ(
      Instant("info * on (job) group_right req", 0),
      R"({"resultType":"vector","result":[{"metric":{"instance":"1","job":"a"},"value":[0,"10"]},)"
      R"({"metric":{"instance":"2","job":"a"},"value":[0,"30"]}]})");
  EXPECT_THAT(Instant("req * on (job) info", 0),
              HasSubstr("execution: multiple matches for labels: many-to-one matching must be "
                        "explicit (group_left/group_right)"));
  EXPECT_THAT(Instant("info * on (job) req", 0),
              HasSubstr("execution: found duplicate series for the match group {job=\"a\"} on "
                        "the right hand-side of the operation"));
  EXPECT_THAT(Instant("req + req", 0), HasSubstr(R"("value":[0,"20"])"));
  EXPECT_EQ(
      Instant("req > bool 20", 0),
      R"({"resultType":"vector","result":[{"metric":{"instance":"1","job":"a"},"value":[0,"0"]},)"
      R"({"metric":{"instance":"2","job":"a"},"value":[0,"1"]}]})");
  EXPECT_EQ(
      Instant("req > 20", 0),
      R"({"resultType":"vector","result":[{"metric":{"__name__":"req","instance":"2","job":"a"},"value":[0,"30"]}]})");
  AddLine("other", {{"job", "a"}, {"instance", "1"}}, 5, 0);
  EXPECT_THAT(Instant("{__name__=~\"req|other\"} * 2", 0),
              HasSubstr("execution: vector cannot contain metrics with the same labelset"));
}

TEST_F(EvalTest, SetOperators) {
  AddLine("x", {{"k", "1"}}, 1, 0);
  AddLine("x", {{"k", "2"}}, 2, 0);
  AddLine("y", {{"k", "2"}}, 5, 0);
  EXPECT_THAT(Instant("x and y", 0), HasSubstr(R"("k":"2"},"value":[0,"2"])"));
  EXPECT_THAT(Instant("x and y", 0), ::testing::Not(HasSubstr(R"("k":"1")")));
  EXPECT_THAT(Instant("x unless y", 0), HasSubstr(R"("k":"1"},"value":[0,"1"])"));
  // y{k="2"} matches x{k="2"} (signatures ignore __name__), so `or` drops it.
  EXPECT_EQ(
      Instant("x or y", 0),
      R"({"resultType":"vector","result":[{"metric":{"__name__":"x","k":"1"},"value":[0,"1"]},)"
      R"({"metric":{"__name__":"x","k":"2"},"value":[0,"2"]}]})");
  EXPECT_THAT(Instant("x or on (k) y{k=\"3\"} or y", 0), ::testing::Not(HasSubstr(R"("y")")));
  EXPECT_THAT(Instant("x{k=\"1\"} or y", 0), HasSubstr(R"("__name__":"y")"));
  EXPECT_THAT(Instant("x and on () y", 0), HasSubstr(R"("k":"1")"));
}

TEST_F(EvalTest, AggregationsWithParametersAndOrder) {
  for (int i = 0; i < 5; ++i) {
    const std::string k = std::to_string(i);
    AddLine("v", {{"g", i % 2 == 0 ? "even" : "odd"}, {"k", k}}, i * 10.0, 0);
  }
  // topk keeps whole series, largest first.
  EXPECT_EQ(
      Instant("topk(2, v)", 0),
      R"({"resultType":"vector","result":[{"metric":{"__name__":"v","g":"even","k":"4"},"value":[0,"40"]},)"
      R"({"metric":{"__name__":"v","g":"odd","k":"3"},"value":[0,"30"]}]})");
  EXPECT_THAT(Instant("bottomk by (g) (1, v)", 0),
              HasSubstr(R"({"metric":{"__name__":"v","g":"odd","k":"1"},"value":[0,"10"]})"));
  EXPECT_EQ(Instant("topk(0, v)", 0), R"({"resultType":"vector","result":[]})");
  EXPECT_EQ(Instant("quantile(0.5, v)", 0),
            R"({"resultType":"vector","result":[{"metric":{},"value":[0,"20"]}]})");
  EXPECT_EQ(Instant("stddev(v)", 0),
            R"({"resultType":"vector","result":[{"metric":{},"value":[0,"14.142135623730951"]}]})");
  EXPECT_EQ(Instant("group by (g) (v)", 0),
            R"({"resultType":"vector","result":[{"metric":{"g":"even"},"value":[0,"1"]},)"
            R"({"metric":{"g":"odd"},"value":[0,"1"]}]})");
  // Groups come out in order of first appearance (the input is sorted by
  // labels: g="even" before g="odd").
  EXPECT_EQ(Instant("count_values(\"val\", v > 25)", 0),
            R"({"resultType":"vector","result":[{"metric":{"val":"40"},"value":[0,"1"]},)"
            R"({"metric":{"val":"30"},"value":[0,"1"]}]})");
  EXPECT_THAT(Instant("count_values(\"1bad\", v)", 0),
              HasSubstr("execution: invalid label name \"1bad\""));
  // sort_desc's order is the answer's order.
  EXPECT_EQ(
      Instant("sort_desc(v < 25)", 0),
      R"({"resultType":"vector","result":[{"metric":{"__name__":"v","g":"even","k":"2"},"value":[0,"20"]},)"
      R"({"metric":{"__name__":"v","g":"odd","k":"1"},"value":[0,"10"]},)"
      R"({"metric":{"__name__":"v","g":"even","k":"0"},"value":[0,"0"]}]})");
}

TEST_F(EvalTest, LabelFunctionsAndAbsent) {
  AddLine("up", {{"instance", "host:9100"}}, 1, 0);
  EXPECT_THAT(Instant("label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")", 0),
              HasSubstr(R"("host":"host")"));
  EXPECT_THAT(Instant("label_join(up, \"j\", \"-\", \"instance\", \"__name__\")", 0),
              HasSubstr(R"("j":"host:9100-up")"));
  EXPECT_EQ(Instant("absent(nope{job=\"a\",x=~\"y\"})", 0),
            R"({"resultType":"vector","result":[{"metric":{"job":"a"},"value":[0,"1"]}]})");
  EXPECT_EQ(Instant("absent(up)", 0), R"({"resultType":"vector","result":[]})");
  EXPECT_THAT(Instant("label_replace(up, \"1x\", \"\", \"a\", \"\")", 0),
              HasSubstr("execution: invalid destination label name in label_replace(): 1x"));
}

TEST_F(EvalTest, HistogramQuantileOnClassicBuckets) {
  Add({{"__name__", "h_bucket"}, {"le", "1"}}, {{10, 0}});
  Add({{"__name__", "h_bucket"}, {"le", "2"}}, {{20, 0}});
  Add({{"__name__", "h_bucket"}, {"le", "+Inf"}}, {{20, 0}});
  // rank 0.5*20 = 10 falls at the top of the first bucket; 0.75 -> 1 + (15-10)/10.
  EXPECT_EQ(Instant("histogram_quantile(0.5, h_bucket)", 0),
            R"({"resultType":"vector","result":[{"metric":{},"value":[0,"1"]}]})");
  EXPECT_EQ(Instant("histogram_quantile(0.75, h_bucket)", 0),
            R"({"resultType":"vector","result":[{"metric":{},"value":[0,"1.5"]}]})");
  // All in +Inf's share: the highest finite bound.
  EXPECT_THAT(Instant("histogram_quantile(1, h_bucket)", 0), HasSubstr(R"("2")"));
  EXPECT_THAT(Instant("histogram_quantile(2, h_bucket)", 0), HasSubstr(R"("+Inf")"));
  // Without a +Inf bucket: NaN.
  EXPECT_THAT(Instant("histogram_quantile(0.5, h_bucket{le!=\"+Inf\"})", 0), HasSubstr("NaN"));
}

TEST_F(EvalTest, HistogramQuantileGroupsBySeriesWithoutLe) {
  for (const char* job : {"b", "a"}) {
    const double inf_count = std::string(job) == "a" ? 10 : 20;
    Add({{"__name__", "h_bucket"}, {"job", job}, {"le", "1"}}, {{10, 0}});
    Add({{"__name__", "h_bucket"}, {"job", job}, {"le", "+Inf"}}, {{inf_count, 0}});
  }
  // Groups in order of first appearance (series order: job a first), without __name__.
  EXPECT_EQ(Instant("histogram_quantile(0.5, h_bucket)", 0),
            R"({"resultType":"vector","result":[{"metric":{"job":"a"},"value":[0,"0.5"]},)"
            R"({"metric":{"job":"b"},"value":[0,"1"]}]})");
  // Buckets of two names are two groups, equal once __name__ is dropped.
  Add({{"__name__", "g_bucket"}, {"job", "a"}, {"le", "+Inf"}}, {{1, 0}});
  EXPECT_EQ(Instant("histogram_quantile(0.5, {__name__=~\"g_bucket|h_bucket\"})", 0),
            "execution: vector cannot contain metrics with the same labelset");
  EXPECT_EQ(Range("histogram_quantile(0.5, h_bucket)", 0, 30000, 15000),
            Range("histogram_quantile(0.5, h_bucket * 1)", 0, 30000, 15000));
}

TEST_F(EvalTest, LimitsGivePrometheusErrors) {
  AddLine("m", {}, 0, 1);
  EXPECT_EQ(Range("m", 0, 60000, 0),
            "bad_data: zero or negative query resolution step widths are not accepted. Try a "
            "positive integer");
  EXPECT_THAT(Range("m", 0, 20000000, 1000), HasSubstr("exceeded maximum resolution of 11,000"));
  Engine tight(storage_, EngineOptions{.max_samples = 3});
  EXPECT_EQ(Render(tight.InstantQuery("count_over_time(m[10m])", 600000, 0)),
            "execution: query processing would load too many samples into memory in query "
            "execution");
  // A clock that jumps past the deadline: the query times out.
  class JumpingClock final : public Clock {
   public:
    SteadyClock::time_point SteadyNow() const override {
      now_ += std::chrono::seconds(10);
      return now_;
    }
    std::int64_t UnixMillisNow() const override { return 0; }

   private:
    mutable SteadyClock::time_point now_{};
  } clock;
  Engine slow(storage_, EngineOptions{.clock = &clock});
  EXPECT_EQ(Render(slow.RangeQuery("m", 0, 600000, 60000, 1000)),
            "timeout: query timed out in expression evaluation");
}

TEST_F(EvalTest, ExpressionsAtTheNestingLimitEvaluate) {
  // The parser admits up to 256 levels; the evaluator and printer recurse
  // once per level and must fit the stack there too (CI runs this under ASan,
  // whose frames are largest).
  AddLine("m", {}, 2, 0);
  std::string deep = "m";
  for (int i = 0; i < 120; ++i) {
    deep = "-(" + deep + ")";
  }
  EXPECT_EQ(Instant("sum(" + deep + ")", 600000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[600,"2"]}]})");
  EXPECT_EQ(Instant(std::string(250, '(') + "m * 3" + std::string(250, ')'), 600000),
            R"({"resultType":"vector","result":[{"metric":{},"value":[600,"6"]}]})");
}

}  // namespace
}  // namespace obs::backend
