// Experiment figures: overhead.* of every variant against the baseline
// variant, export.completeness of every exporting variant, the units they
// are written in (relative %, durations, sizes) and the explanations.

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/assertions/assertions.h"
#include "obs/testing/status_matchers.h"

namespace obs::assertions {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

OverheadRecord Overhead(const std::string& variant, const std::string& figure, double base,
                        double delta, double half_ci, int pairs = 3) {
  OverheadRecord o;
  o.variant = variant;
  o.figure = figure;
  o.pairs = pairs;
  o.baseline_mean = base;
  o.variant_mean = base + delta;
  o.delta_mean = delta;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  o.delta_ci_low = pairs > 1 ? delta - half_ci : nan;
  o.delta_ci_high = pairs > 1 ? delta + half_ci : nan;
  o.relative = delta / base;
  o.relative_ci_low = o.delta_ci_low / base;
  o.relative_ci_high = o.delta_ci_high / base;
  return o;
}

RunRecord Experiment() {
  RunRecord r;
  ExperimentRecord e;
  e.baseline = "off";
  e.rounds = 3;
  e.variants = {"off", "single", "dual"};
  e.overhead = {Overhead("single", "cpu_per_request", 40e-6, 2e-6, 1e-6),
                Overhead("dual", "cpu_per_request", 40e-6, 6e-6, 1e-6),
                Overhead("single", "p99", 2e-3, 0.2e-3, 0.1e-3),
                Overhead("dual", "p99", 2e-3, 2.5e-3, 0.5e-3),
                Overhead("single", "rss_mean", 50e6, 4 * 1024 * 1024, 1e6),
                Overhead("dual", "rss_mean", 50e6, 9 * 1024 * 1024, 1e6, 1)};
  e.exports = {{.variant = "single",
                .destination = "primary",
                .requests_answered = 3000,
                .server_spans = 3000,
                .completeness = 1.0},
               {.variant = "dual",
                .destination = "primary",
                .requests_answered = 3000,
                .server_spans = 3000,
                .completeness = 1.0},
               {.variant = "dual",
                .destination = "secondary",
                .requests_answered = 3000,
                .server_spans = 2990,
                .completeness = 2990.0 / 3000}};
  r.experiment = e;
  return r;
}

AssertionResult One(const RunRecord& record, const std::string& expression,
                    const std::string& variant = "") {
  Result<AssertionSpec> spec = ParseAssertion(expression);
  EXPECT_OK(spec);
  if (!spec.ok())
    return {};
  spec->workload = variant;
  return Evaluate(record, {*spec}).front();
}

TEST(EvaluateExperimentTest, RelativeCpuOverheadPerVariant) {
  const RunRecord r = Experiment();
  AssertionResult a = One(r, "overhead.cpu < 10%");
  EXPECT_EQ(a.outcome, Outcome::kFailed);  // dual: +15%.
  EXPECT_THAT(a.explanation, HasSubstr("variant dual: overhead.cpu is +15.00%"));
  EXPECT_THAT(a.explanation, HasSubstr("95% CI +12.50% .. +17.50%"));
  EXPECT_THAT(a.explanation, Not(HasSubstr("variant single")));
  EXPECT_EQ(One(r, "overhead.cpu < 20%").outcome, Outcome::kPassed);
  EXPECT_EQ(One(r, "overhead.cpu < 10%", "single").outcome, Outcome::kPassed);
  // Relative changes may exceed 100%.
  EXPECT_EQ(One(r, "overhead.cpu < 150%").outcome, Outcome::kPassed);
}

TEST(EvaluateExperimentTest, AbsoluteDeltasInDurationsAndSizes) {
  const RunRecord r = Experiment();
  AssertionResult p99 = One(r, "overhead.p99 < 2ms");
  EXPECT_EQ(p99.outcome, Outcome::kFailed);
  EXPECT_THAT(p99.actual, HasSubstr("2.5 ms in dual (3 rounds, 95% CI +2.0 ms .. +3.0 ms"));
  EXPECT_EQ(One(r, "overhead.p99 < 3ms").outcome, Outcome::kPassed);
  EXPECT_EQ(One(r, "overhead.cpu_per_request < 10us").outcome, Outcome::kPassed);
  EXPECT_EQ(One(r, "overhead.cpu_per_request < 5us").outcome, Outcome::kFailed);
  AssertionResult rss = One(r, "overhead.rss < 8MiB");
  EXPECT_EQ(rss.outcome, Outcome::kFailed);
  EXPECT_THAT(rss.explanation, HasSubstr("+9.0 MiB"));
  EXPECT_THAT(rss.explanation, HasSubstr("no confidence interval from one round"));
  EXPECT_EQ(One(r, "overhead.rss < 10MiB").outcome, Outcome::kPassed);
  EXPECT_EQ(One(r, "overhead.rss < 20MB").outcome, Outcome::kPassed);
}

TEST(EvaluateExperimentTest, ExportCompletenessWorstDestinationOfExportingVariants) {
  const RunRecord r = Experiment();
  AssertionResult a = One(r, "export.completeness >= 99.9%");
  EXPECT_EQ(a.outcome, Outcome::kFailed);
  EXPECT_THAT(a.explanation, HasSubstr("variant dual"));
  EXPECT_THAT(a.explanation, HasSubstr("worst destination secondary: 2,990 server spans for "
                                       "3,000 answered requests"));
  EXPECT_EQ(One(r, "export.completeness >= 99.9%", "single").outcome, Outcome::kPassed);
  EXPECT_EQ(One(r, "export.completeness >= 99.6%").outcome, Outcome::kPassed);
  // The baseline exports nowhere: naming it is no data, saying which variants apply.
  AssertionResult off = One(r, "export.completeness >= 99%", "off");
  EXPECT_EQ(off.outcome, Outcome::kNoData);
  EXPECT_THAT(off.explanation, HasSubstr("(single, dual)"));
}

TEST(EvaluateExperimentTest, NoExperimentNoData) {
  AssertionResult a = One(RunRecord{}, "overhead.cpu < 10%");
  EXPECT_EQ(a.outcome, Outcome::kNoData);
  EXPECT_THAT(a.explanation, HasSubstr("measured by experiments"));
}

TEST(EvaluateExperimentTest, MissingFigureIsNoData) {
  RunRecord r = Experiment();
  AssertionResult a = One(r, "overhead.p50 < 1ms");
  EXPECT_EQ(a.outcome, Outcome::kNoData);
  EXPECT_THAT(a.explanation, HasSubstr("no p50 measurement paired with the baseline off"));
}

TEST(EvaluateExperimentTest, UnitsAreChecked) {
  EXPECT_THAT(ParseAssertion("overhead.rss < 20"),
              obs::testing::StatusIs(StatusCode::kInvalidArgument, HasSubstr("needs a size unit")));
  EXPECT_THAT(ParseAssertion("overhead.cpu < 10ms"),
              obs::testing::StatusIs(StatusCode::kInvalidArgument, HasSubstr("relative change")));
  EXPECT_THAT(ParseAssertion("overhead.p99 < 2"),
              obs::testing::StatusIs(StatusCode::kInvalidArgument, HasSubstr("duration unit")));
  ASSERT_OK_AND_ASSIGN(AssertionSpec s, ParseAssertion("overhead.rss <= 1.5GiB"));
  EXPECT_DOUBLE_EQ(s.threshold, 1.5 * 1024 * 1024 * 1024);
}

}  // namespace
}  // namespace obs::assertions
