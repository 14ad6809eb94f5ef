// The statistics of an experiment: overhead paired by round with Student's t
// intervals, relative figures, rounds missing from the baseline, export
// completeness summed over rounds.

#include "experiment_stats.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace obs::scenarios::internal {
namespace {

VariantRunRecord MakeRun(const std::string& variant, int round, double cpu_per_request_us,
                         double p99_ms, double rss_mib) {
  VariantRunRecord r;
  r.variant = variant;
  r.round = round;
  r.requests_answered = 1000;
  r.load_seconds = 10;
  r.app_cpu_per_request_seconds = cpu_per_request_us * 1e-6;
  r.app_cpu_seconds = r.app_cpu_per_request_seconds * 1000;
  r.p99 = p99_ms * 1e-3;
  r.app_rss_mean_bytes = rss_mib * 1024 * 1024;
  r.achieved_rps = 100;
  return r;
}

// Returns a copy: callers pass the temporary result of ComputeOverhead.
OverheadRecord Find(const std::vector<OverheadRecord>& all, const std::string& variant,
                    const std::string& figure) {
  for (const OverheadRecord& o : all) {
    if (o.variant == variant && o.figure == figure) {
      return o;
    }
  }
  ADD_FAILURE() << "no " << variant << " " << figure;
  return OverheadRecord{};
}

TEST(ExperimentStatsTest, StudentQuantiles) {
  EXPECT_DOUBLE_EQ(StudentT975(1), 12.706);
  EXPECT_DOUBLE_EQ(StudentT975(2), 4.303);
  EXPECT_DOUBLE_EQ(StudentT975(30), 2.042);
  EXPECT_NEAR(StudentT975(60), 2.000, 0.002);
  EXPECT_NEAR(StudentT975(1000000), 1.960, 0.001);
  EXPECT_TRUE(std::isnan(StudentT975(0)));
}

TEST(ExperimentStatsTest, PairedDifferencesCancelDriftBetweenRounds) {
  // The machine gets slower each round (+10 µs), the variant always costs 5 µs more:
  // paired differences are exactly 5 µs with no spread.
  std::vector<VariantRunRecord> runs = {
      MakeRun("off", 1, 40, 2, 100), MakeRun("dual", 1, 45, 3, 110),
      MakeRun("off", 2, 50, 2, 100), MakeRun("dual", 2, 55, 3, 110),
      MakeRun("off", 3, 60, 2, 100), MakeRun("dual", 3, 65, 3, 110)};
  const std::vector<OverheadRecord> out = ComputeOverhead(runs, {"off", "dual"}, "off", false);
  const OverheadRecord cpu = Find(out, "dual", "cpu_per_request");
  EXPECT_EQ(cpu.pairs, 3);
  EXPECT_NEAR(cpu.delta_mean, 5e-6, 1e-12);
  EXPECT_NEAR(cpu.delta_ci_low, 5e-6, 1e-12);
  EXPECT_NEAR(cpu.delta_ci_high, 5e-6, 1e-12);
  EXPECT_NEAR(cpu.baseline_mean, 50e-6, 1e-12);
  EXPECT_NEAR(cpu.variant_mean, 55e-6, 1e-12);
  EXPECT_NEAR(cpu.relative, 0.1, 1e-9);
  EXPECT_NEAR(Find(out, "dual", "p99").delta_mean, 1e-3, 1e-12);
  EXPECT_NEAR(Find(out, "dual", "rss_mean").delta_mean, 10.0 * 1024 * 1024, 1e-3);
  // No "saturation" without stages; none for the baseline itself.
  for (const OverheadRecord& o : out) {
    EXPECT_NE(o.figure, "saturation");
    EXPECT_NE(o.variant, "off");
  }
}

TEST(ExperimentStatsTest, IntervalFromTheSpreadOfTheDifferences) {
  // Differences 4, 5, 6 µs: mean 5, sd 1, half width t(2) * 1 / sqrt(3).
  std::vector<VariantRunRecord> runs = {
      MakeRun("off", 1, 50, 2, 100), MakeRun("on", 1, 54, 2, 100),  MakeRun("off", 2, 50, 2, 100),
      MakeRun("on", 2, 55, 2, 100),  MakeRun("off", 3, 50, 2, 100), MakeRun("on", 3, 56, 2, 100)};
  const OverheadRecord cpu =
      Find(ComputeOverhead(runs, {"off", "on"}, "off", true), "on", "cpu_per_request");
  const double half = 4.303 / std::sqrt(3.0) * 1e-6;
  EXPECT_NEAR(cpu.delta_ci_low, 5e-6 - half, 1e-12);
  EXPECT_NEAR(cpu.delta_ci_high, 5e-6 + half, 1e-12);
  EXPECT_NEAR(cpu.relative_ci_low, (5e-6 - half) / 50e-6, 1e-9);
}

TEST(ExperimentStatsTest, OneRoundHasNoIntervalAndUnpairedRoundsAreLeftOut) {
  // Round 2 of the baseline never ran (the experiment was stopped).
  std::vector<VariantRunRecord> runs = {MakeRun("off", 1, 50, 2, 100), MakeRun("on", 1, 60, 2, 100),
                                        MakeRun("on", 2, 90, 2, 100)};
  const OverheadRecord cpu =
      Find(ComputeOverhead(runs, {"off", "on"}, "off", false), "on", "cpu_per_request");
  EXPECT_EQ(cpu.pairs, 1);
  EXPECT_NEAR(cpu.delta_mean, 10e-6, 1e-12);
  EXPECT_TRUE(std::isnan(cpu.delta_ci_low));
  EXPECT_TRUE(std::isnan(cpu.relative_ci_high));
}

TEST(ExperimentStatsTest, ZeroBaselineHasNoRelativeFigure) {
  std::vector<VariantRunRecord> runs = {MakeRun("off", 1, 0, 2, 100), MakeRun("on", 1, 10, 2, 100)};
  const OverheadRecord cpu =
      Find(ComputeOverhead(runs, {"off", "on"}, "off", false), "on", "cpu_per_request");
  EXPECT_TRUE(std::isnan(cpu.relative));
}

TEST(ExperimentStatsTest, ExportCompletenessSumsRoundsAndCountsWarmup) {
  VariantRunRecord a = MakeRun("dual", 1, 50, 2, 100);
  a.warmup_requests_answered = 100;
  a.destinations = {{.name = "primary", .spans = 4400, .server_spans = 1100},
                    {.name = "secondary", .spans = 4000, .server_spans = 1000}};
  VariantRunRecord b = MakeRun("dual", 2, 50, 2, 100);
  b.destinations = {{.name = "primary", .spans = 4000, .server_spans = 1000},
                    {.name = "secondary", .spans = 3996, .server_spans = 999}};
  const std::vector<ExportCompletenessRecord> out =
      ComputeExportCompleteness({a, b, MakeRun("off", 1, 50, 2, 100)}, {"off", "dual"});
  ASSERT_EQ(out.size(), 2U);  // "off" exports nowhere.
  EXPECT_EQ(out[0].destination, "primary");
  EXPECT_EQ(out[0].requests_answered, 2100U);
  EXPECT_EQ(out[0].server_spans, 2100U);
  EXPECT_DOUBLE_EQ(out[0].completeness, 1.0);
  EXPECT_EQ(out[1].destination, "secondary");
  EXPECT_EQ(out[1].server_spans, 1999U);
  EXPECT_DOUBLE_EQ(out[1].completeness, 1999.0 / 2100.0);
}

}  // namespace
}  // namespace obs::scenarios::internal
