// Edge cases of the PromQL function implementations, called directly through
// the function table (no parser or evaluator), with values worked out by hand
// from Prometheus 2.42's definitions.

#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "query/functions.h"
#include "query/functions_internal.h"

namespace obs::backend::query {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::nan("");

using Points = std::vector<wire::Sample>;

// Samples `values` every 15 s starting at `t0` ms.
Points Series(std::vector<double> values, std::int64_t t0 = 0) {
  Points out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    out.push_back({values[i], t0 + static_cast<std::int64_t>(i) * 15000});
  }
  return out;
}

std::optional<double> Range(std::string_view fn, const Points& p, std::int64_t start,
                            std::int64_t end, std::vector<double> scalars = {},
                            std::int64_t eval_t = -1) {
  const FunctionDef* f = FindFunction(fn);
  EXPECT_NE(f, nullptr) << fn;
  EXPECT_EQ(f->kind, FunctionKind::kRange) << fn;
  const RangeWindow w{.range_start = start,
                      .range_end = end,
                      .range_ms = end - start,
                      .eval_t = eval_t < 0 ? end : eval_t};
  return f->range_fn(p, w, scalars);
}

double Element(std::string_view fn, double v, std::vector<double> scalars = {},
               std::int64_t t = 0) {
  const FunctionDef* f = FindFunction(fn);
  EXPECT_NE(f, nullptr) << fn;
  EXPECT_EQ(f->kind, FunctionKind::kElement) << fn;
  return f->element_fn(v, t, scalars);
}

TEST(PromqlFunctionsTest, TableHoldsEveryFunctionOf242WithItsArity) {
  const std::vector<std::string> names = {"abs",
                                          "absent",
                                          "absent_over_time",
                                          "ceil",
                                          "changes",
                                          "clamp",
                                          "clamp_max",
                                          "clamp_min",
                                          "day_of_month",
                                          "day_of_week",
                                          "day_of_year",
                                          "days_in_month",
                                          "delta",
                                          "deriv",
                                          "exp",
                                          "floor",
                                          "histogram_quantile",
                                          "holt_winters",
                                          "hour",
                                          "idelta",
                                          "increase",
                                          "irate",
                                          "label_join",
                                          "label_replace",
                                          "ln",
                                          "log2",
                                          "log10",
                                          "minute",
                                          "month",
                                          "predict_linear",
                                          "rate",
                                          "resets",
                                          "round",
                                          "scalar",
                                          "sgn",
                                          "sort",
                                          "sort_desc",
                                          "sqrt",
                                          "time",
                                          "timestamp",
                                          "vector",
                                          "year",
                                          "avg_over_time",
                                          "min_over_time",
                                          "max_over_time",
                                          "sum_over_time",
                                          "count_over_time",
                                          "quantile_over_time",
                                          "stddev_over_time",
                                          "stdvar_over_time",
                                          "last_over_time",
                                          "present_over_time",
                                          "acos",
                                          "acosh",
                                          "asin",
                                          "asinh",
                                          "atan",
                                          "atanh",
                                          "cos",
                                          "cosh",
                                          "sin",
                                          "sinh",
                                          "tan",
                                          "tanh",
                                          "deg",
                                          "rad",
                                          "pi"};
  for (const std::string& n : names) {
    EXPECT_NE(FindFunction(n), nullptr) << n;
  }
  EXPECT_EQ(AllFunctions().size(), names.size());
  EXPECT_EQ(FindFunction("nope"), nullptr);
  EXPECT_EQ(FindFunction("round")->variadic, 1);
  EXPECT_EQ(FindFunction("hour")->variadic, 1);
  EXPECT_EQ(FindFunction("label_join")->variadic, -1);
  EXPECT_EQ(FindFunction("holt_winters")->arg_types.size(), 3u);
  EXPECT_EQ(FindFunction("quantile_over_time")->arg_types[0], ValueType::kScalar);
  EXPECT_EQ(FindFunction("time")->return_type, ValueType::kScalar);
  EXPECT_TRUE(FindFunction("last_over_time")->keeps_metric_name);
  EXPECT_FALSE(FindFunction("max_over_time")->keeps_metric_name);
}

TEST(PromqlFunctionsTest, RateExtrapolatesToTheWindowEdges) {
  // 10, 20, ..., 50 at 0..60 s; window [-15 s, 75 s]: both gaps (15 s) are
  // below 1.1 x the average step, so the change extrapolates over 90 s.
  const Points p = Series({10, 20, 30, 40, 50});
  EXPECT_DOUBLE_EQ(*Range("increase", p, -15000, 75000), 40.0 * 90 / 60);
  EXPECT_DOUBLE_EQ(*Range("rate", p, -15000, 75000), 40.0 * 90 / 60 / 90);
  // A gap above 1.1 x the step extrapolates by half a step only (delta: no
  // zero-point limit).
  EXPECT_DOUBLE_EQ(*Range("delta", p, -60000, 60000), 40.0 * (60 + 7.5) / 60);
  // A counter is not extrapolated below zero: from 0 it starts at t=0.
  EXPECT_DOUBLE_EQ(*Range("increase", Series({0, 10, 20, 30, 40}), -15000, 75000), 40.0 * 75 / 60);
  // A counter is not extrapolated below zero.
  EXPECT_DOUBLE_EQ(*Range("increase", Series({5, 15}), -10000, 15000), 10.0 * (15 + 7.5) / 15);
  EXPECT_FALSE(Range("rate", Series({1}), 0, 60000).has_value());
}

TEST(PromqlFunctionsTest, CounterResetsAreCompensatedButNotForDelta) {
  const Points p = Series({10, 20, 5, 15});  // Reset after 20.
  EXPECT_DOUBLE_EQ(*Range("increase", p, 0, 45000), 25.0);
  EXPECT_DOUBLE_EQ(*Range("delta", p, 0, 45000), 5.0);
  EXPECT_DOUBLE_EQ(*Range("resets", p, 0, 45000), 1.0);
  EXPECT_DOUBLE_EQ(*Range("changes", p, 0, 45000), 3.0);
  EXPECT_DOUBLE_EQ(*Range("changes", Series({kNaN, kNaN, 1}), 0, 30000), 1.0);
  EXPECT_DOUBLE_EQ(*Range("irate", p, 0, 45000), 10.0 / 15);
  EXPECT_DOUBLE_EQ(*Range("irate", Series({20, 5}), 0, 15000), 5.0 / 15);  // Reset: last value.
  EXPECT_DOUBLE_EQ(*Range("idelta", Series({20, 5}), 0, 15000), -15.0);
  EXPECT_FALSE(Range("idelta", Series({1}), 0, 15000).has_value());
}

TEST(PromqlFunctionsTest, RegressionDerivAndPredictLinear) {
  const Points p = Series({1, 3, 5, 7});  // Slope 2 per 15 s.
  EXPECT_NEAR(*Range("deriv", p, 0, 45000), 2.0 / 15, 1e-12);
  // Intercept at the evaluation time (45 s: value 7), 30 s ahead: 11.
  EXPECT_NEAR(*Range("predict_linear", p, 0, 45000, {30}), 11.0, 1e-9);
  // Evaluated later (@ or offset): the intercept moves with eval_t.
  EXPECT_NEAR(*Range("predict_linear", p, 0, 45000, {0}, 60000), 9.0, 1e-9);
  EXPECT_DOUBLE_EQ(*Range("deriv", Series({4, 4, 4}), 0, 30000), 0.0);
  EXPECT_TRUE(std::isnan(*Range("deriv", Series({kInf, kInf}), 0, 15000)));
}

TEST(PromqlFunctionsTest, HoltWintersSmoothsAndChecksItsFactors) {
  // s1 = 1, b = 1; i=1: s = 0.5*2 + 0.5*(1+1) = 2; i=2: b = 0.5*(2-1)+0.5*1 = 1,
  // s = 0.5*4 + 0.5*(2+1) = 3.5.
  EXPECT_DOUBLE_EQ(*Range("holt_winters", Series({1, 2, 4}), 0, 30000, {0.5, 0.5}), 3.5);
  EXPECT_FALSE(Range("holt_winters", Series({1}), 0, 30000, {0.5, 0.5}).has_value());
  EXPECT_THROW(Range("holt_winters", Series({1, 2}), 0, 30000, {1, 0.5}), EvalFailure);
  EXPECT_THROW(Range("holt_winters", Series({1, 2}), 0, 30000, {0.5, 0}), EvalFailure);
}

TEST(PromqlFunctionsTest, OverTimeAggregations) {
  const Points p = Series({4, 2, kNaN, 8});
  EXPECT_DOUBLE_EQ(*Range("count_over_time", p, 0, 45000), 4);
  EXPECT_TRUE(std::isnan(*Range("sum_over_time", p, 0, 45000)));
  EXPECT_DOUBLE_EQ(*Range("min_over_time", Series({kNaN, 3, 1}), 0, 30000), 1);
  EXPECT_DOUBLE_EQ(*Range("max_over_time", Series({kNaN, 3, 1}), 0, 30000), 3);
  EXPECT_DOUBLE_EQ(*Range("last_over_time", p, 0, 45000), 8);
  EXPECT_DOUBLE_EQ(*Range("present_over_time", p, 0, 45000), 1);
  EXPECT_DOUBLE_EQ(*Range("avg_over_time", Series({1, 2, 3, 4}), 0, 45000), 2.5);
  // An infinite mean stays infinite instead of turning into NaN.
  EXPECT_EQ(*Range("avg_over_time", Series({kInf, 1, 2}), 0, 30000), kInf);
  EXPECT_TRUE(std::isnan(*Range("avg_over_time", Series({kInf, -kInf}), 0, 15000)));
  EXPECT_DOUBLE_EQ(*Range("stdvar_over_time", Series({2, 4, 4, 4, 5, 5, 7, 9}), 0, 105000), 4);
  EXPECT_DOUBLE_EQ(*Range("stddev_over_time", Series({2, 4, 4, 4, 5, 5, 7, 9}), 0, 105000), 2);
  // Kahan summation keeps small addends next to a large one.
  EXPECT_DOUBLE_EQ(*Range("sum_over_time", Series({1e16, 1, 1, -1e16}), 0, 45000), 2);
}

TEST(PromqlFunctionsTest, QuantileOverTimeInterpolatesAndHandlesBadPhi) {
  const Points p = Series({4, 1, 3, 2});
  EXPECT_DOUBLE_EQ(*Range("quantile_over_time", p, 0, 45000, {0.5}), 2.5);
  EXPECT_DOUBLE_EQ(*Range("quantile_over_time", p, 0, 45000, {0}), 1);
  EXPECT_DOUBLE_EQ(*Range("quantile_over_time", p, 0, 45000, {1}), 4);
  EXPECT_DOUBLE_EQ(*Range("quantile_over_time", p, 0, 45000, {0.9}), 3.7);
  EXPECT_EQ(*Range("quantile_over_time", p, 0, 45000, {-0.1}), -kInf);
  EXPECT_EQ(*Range("quantile_over_time", p, 0, 45000, {1.1}), kInf);
  EXPECT_TRUE(std::isnan(*Range("quantile_over_time", p, 0, 45000, {kNaN})));
  // NaN sorts first.
  EXPECT_TRUE(std::isnan(*Range("quantile_over_time", Series({kNaN, 1, 2}), 0, 30000, {0})));
}

TEST(PromqlFunctionsTest, ElementFunctionsFollowGoMath) {
  EXPECT_DOUBLE_EQ(Element("abs", -2), 2);
  EXPECT_DOUBLE_EQ(Element("sgn", -3), -1);
  EXPECT_DOUBLE_EQ(Element("sgn", 0), 0);
  EXPECT_TRUE(std::isnan(Element("sgn", kNaN)));
  EXPECT_TRUE(std::isnan(Element("ln", -1)));
  EXPECT_DOUBLE_EQ(Element("log2", 8), 3);
  EXPECT_DOUBLE_EQ(Element("deg", M_PI), 180);
  EXPECT_DOUBLE_EQ(Element("rad", 180), M_PI);
  EXPECT_EQ(Element("cosh", 710), kInf);  // Go overflows where glibc does not.
  EXPECT_EQ(Element("sinh", -710), -kInf);
  EXPECT_DOUBLE_EQ(Element("round", 2.5), 3);
  EXPECT_DOUBLE_EQ(Element("round", -2.5), -2);  // Half up, as floor(v + 0.5).
  EXPECT_DOUBLE_EQ(Element("round", 17, {5}), 15);
  EXPECT_NEAR(Element("round", 1.26, {0.1}), 1.3, 1e-12);
  EXPECT_DOUBLE_EQ(Element("clamp_min", -5, {0}), 0);
  EXPECT_DOUBLE_EQ(Element("clamp_max", 5, {1}), 1);
  EXPECT_TRUE(std::isnan(Element("clamp_min", kNaN, {0})));
  EXPECT_DOUBLE_EQ(Element("timestamp", 123, {}, 45000), 45);
}

TEST(PromqlFunctionsTest, DateFunctionsAreUtc) {
  const double leap_day = 951782400;  // 2000-02-29T00:00:00Z, a Tuesday.
  EXPECT_DOUBLE_EQ(Element("year", leap_day), 2000);
  EXPECT_DOUBLE_EQ(Element("month", leap_day), 2);
  EXPECT_DOUBLE_EQ(Element("day_of_month", leap_day), 29);
  EXPECT_DOUBLE_EQ(Element("day_of_week", leap_day), 2);
  EXPECT_DOUBLE_EQ(Element("day_of_year", leap_day), 60);
  EXPECT_DOUBLE_EQ(Element("days_in_month", leap_day), 29);
  EXPECT_DOUBLE_EQ(Element("days_in_month", 1709251199), 29);  // 2024-02-29T23:59:59Z.
  EXPECT_DOUBLE_EQ(Element("hour", 1709251199), 23);
  EXPECT_DOUBLE_EQ(Element("minute", 1709251199), 59);
  EXPECT_DOUBLE_EQ(Element("day_of_week", 0), 4);  // 1970-01-01 was a Thursday.
  EXPECT_DOUBLE_EQ(Element("year", -1), 1969);
  EXPECT_DOUBLE_EQ(Element("days_in_month", 4102444800), 31);  // 2100-01-01.
}

TEST(PromqlFunctionsTest, ParsesBucketBoundsLikeGo) {
  double v = 0;
  EXPECT_TRUE(internal::ParseGoFloat("+Inf", v));
  EXPECT_EQ(v, kInf);
  EXPECT_TRUE(internal::ParseGoFloat("0.25", v));
  EXPECT_DOUBLE_EQ(v, 0.25);
  EXPECT_TRUE(internal::ParseGoFloat("1e-3", v));
  EXPECT_FALSE(internal::ParseGoFloat("", v));
  EXPECT_FALSE(internal::ParseGoFloat(" 1", v));
  EXPECT_FALSE(internal::ParseGoFloat("1s", v));
}

TEST(PromqlFunctionsTest, GoMaxAndMinRules) {
  EXPECT_EQ(GoMax(kInf, kNaN), kInf);
  EXPECT_TRUE(std::isnan(GoMax(1, kNaN)));
  EXPECT_FALSE(std::signbit(GoMax(-0.0, 0.0)));
  EXPECT_EQ(GoMin(-kInf, kNaN), -kInf);
  EXPECT_TRUE(std::signbit(GoMin(0.0, -0.0)));
}

TEST(PromqlFunctionsTest, QuantileHelperSharedWithAggregation) {
  std::vector<double> v = {3, 1, 2};
  EXPECT_DOUBLE_EQ(internal::Quantile(0.5, v), 2);
  std::vector<double> empty;
  EXPECT_TRUE(std::isnan(internal::Quantile(0.5, empty)));
}

}  // namespace
}  // namespace obs::backend::query
