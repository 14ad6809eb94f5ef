// Run-level figures: completeness and visibility, including NoData cases.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/assertions/assertions.h"
#include "obs/testing/status_matchers.h"

namespace obs::assertions {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kMs = 1'000'000;

RunRecord MakeRecord() {
  RunRecord r;
  r.scenario_name = "test";
  r.workloads.emplace_back().name = "rw";
  CompletenessRecord& c = r.completeness;
  c.checked = true;
  c.series_expected = 100;
  c.series_found = 98;
  c.series_missing = 2;
  c.series_incomplete = 1;
  c.samples_expected = 10000;
  c.samples_found = 9990;
  c.samples_missing = 10;
  c.samples_duplicated = 4;
  MissingSeriesExample& e = c.examples.emplace_back();
  e.series = "m{a=\"b\"}";
  e.expected_samples = 100;
  e.found_samples = 90;
  e.missing_timestamps_ms = {1'709'294'400'000};
  VisibilityRecord& v = r.visibility;
  v.checked = true;
  v.probes = 10;
  v.visible = 9;
  v.timed_out = 1;
  EXPECT_TRUE(v.lag.RecordN(200 * kMs, 9));
  return r;
}

AssertionResult EvaluateOne(const RunRecord& record, const std::string& expression) {
  Result<AssertionSpec> spec = ParseAssertion(expression);
  EXPECT_OK(spec);
  if (!spec.ok())
    return {};
  spec->workload = "ignored-for-run-figures";
  return Evaluate(record, {*spec}).front();
}

TEST(EvaluateRunFiguresTest, CompletenessIsFoundOverExpected) {
  const RunRecord record = MakeRecord();
  EXPECT_EQ(EvaluateOne(record, "completeness >= 99.9%").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "completeness == 0.999").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "completeness > 99.9%").outcome, Outcome::kFailed);
}

TEST(EvaluateRunFiguresTest, CompletenessFailureNamesCountsAndFirstMissingSeries) {
  const AssertionResult r = EvaluateOne(MakeRecord(), "completeness == 100%");
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.expected, "== 100%");
  EXPECT_EQ(r.actual, "99.90% (9,990 of 10,000 acknowledged samples found)");
  EXPECT_THAT(r.explanation,
              HasSubstr("samples: 10 of 10,000 missing, 4 duplicated, 0 unexpected"));
  EXPECT_THAT(r.explanation, HasSubstr("series: 2 of 100 missing, 1 incomplete"));
  EXPECT_THAT(r.explanation, HasSubstr("first missing series: m{a=\"b\"} (expected 100 samples, "
                                       "found 90, first missing at 2024-03-01T12:00:00.000Z)"));
}

TEST(EvaluateRunFiguresTest, CompletenessCounts) {
  const RunRecord record = MakeRecord();
  EXPECT_EQ(EvaluateOne(record, "completeness.missing_samples == 10").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "completeness.missing_samples < 10").outcome, Outcome::kFailed);
  EXPECT_EQ(EvaluateOne(record, "completeness.missing_series <= 2").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "completeness.missing_series == 0").actual,
            "2 (of 100 series; 1 more incomplete)");
}

TEST(EvaluateRunFiguresTest, UncheckedCompletenessIsNoDataWithTheReason) {
  RunRecord record = MakeRecord();
  record.completeness.checked = false;
  record.completeness.skipped_reason = "target has no query url";
  for (const char* e : {"completeness >= 99%", "completeness.missing_samples == 0",
                        "completeness.missing_series == 0"}) {
    const AssertionResult r = EvaluateOne(record, e);
    EXPECT_EQ(r.outcome, Outcome::kNoData) << e;
    EXPECT_THAT(r.explanation, HasSubstr("completeness was not checked: target has no query url"));
    EXPECT_EQ(r.actual, "no data");
  }
}

TEST(EvaluateRunFiguresTest, NothingAcknowledgedIsNoData) {
  RunRecord record = MakeRecord();
  record.completeness = CompletenessRecord();
  record.completeness.checked = true;
  const AssertionResult r = EvaluateOne(record, "completeness.missing_samples == 0");
  EXPECT_EQ(r.outcome, Outcome::kNoData);
  EXPECT_THAT(r.explanation, HasSubstr("no samples were acknowledged"));
}

TEST(EvaluateRunFiguresTest, VisibilityLagAndTimeouts) {
  const RunRecord record = MakeRecord();
  for (const char* stat : {"p50", "p90", "p95", "p99", "max"}) {
    EXPECT_EQ(EvaluateOne(record, std::string("visibility_lag.") + stat + " == 200ms").outcome,
              Outcome::kPassed)
        << stat;
  }
  EXPECT_EQ(EvaluateOne(record, "visibility_lag.p99 < 200ms").actual,
            "200.0 ms (p99 of 9 visible probes)");
  EXPECT_EQ(EvaluateOne(record, "visibility.timed_out == 1").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "visibility.timed_out == 0").outcome, Outcome::kFailed);
}

TEST(EvaluateRunFiguresTest, VisibilityNoDataCases) {
  RunRecord unchecked = MakeRecord();
  unchecked.visibility = VisibilityRecord();
  EXPECT_THAT(EvaluateOne(unchecked, "visibility_lag.p99 < 1s").explanation,
              HasSubstr("visibility lag was not measured"));
  EXPECT_EQ(EvaluateOne(unchecked, "visibility.timed_out == 0").outcome, Outcome::kNoData);
  RunRecord all_timed_out = MakeRecord();
  all_timed_out.visibility.lag.Reset();
  all_timed_out.visibility.timed_out = 10;
  const AssertionResult r = EvaluateOne(all_timed_out, "visibility_lag.p99 < 1s");
  EXPECT_EQ(r.outcome, Outcome::kNoData);
  EXPECT_THAT(r.explanation, HasSubstr("no visibility probe became visible (10 probes, 10 timed"));
}

// obsbench's own memory: the peak, and the growth from after warm-up (the
// first sample at or after min(60 s, a tenth of the load)) to the end.
TEST(EvaluateRunFiguresTest, ObsbenchMemoryPeakAndGrowth) {
  RunRecord record = MakeRecord();
  EXPECT_EQ(EvaluateOne(record, "obsbench.rss_growth < 10%").outcome, Outcome::kNoData);
  ProcessResources& p = record.resources.emplace_back();
  p.name = "obsbench";
  p.rss_max_bytes = 300U << 20;
  for (int t = 1; t <= 600; ++t) {
    // 50 MiB during start-up, 200 MiB after 60 s, growing to 230 MiB at the end.
    const std::uint64_t mib = t < 60 ? 50 : 200 + static_cast<std::uint64_t>((t - 60) / 18);
    p.samples.push_back(
        {.t_seconds = static_cast<double>(t), .cpu_cores = 0.5, .rss_bytes = mib << 20});
  }
  const AssertionResult growth = EvaluateOne(record, "obsbench.rss_growth < 10%");
  EXPECT_EQ(growth.outcome, Outcome::kFailed);
  EXPECT_THAT(growth.actual, HasSubstr("+15.00%"));
  EXPECT_THAT(growth.actual, HasSubstr("200.0 MiB at 60 s -> 230.0 MiB at 600 s"));
  EXPECT_EQ(EvaluateOne(record, "obsbench.rss_growth < 20%").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "obsbench.rss_max <= 300MiB").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "obsbench.rss_max < 300MiB").outcome, Outcome::kFailed);
  // A short load compares against a tenth of its length.
  p.samples.resize(20);
  EXPECT_THAT(EvaluateOne(record, "obsbench.rss_growth < 10%").actual,
              HasSubstr("50.0 MiB at 2 s -> 50.0 MiB at 20 s"));
}

TEST(EvaluateRunFiguresTest, ResultsKeepSpecOrderAndNames) {
  Result<AssertionSpec> a = ParseAssertion("completeness >= 99%");
  Result<AssertionSpec> b = ParseAssertion("visibility.timed_out == 0");
  ASSERT_OK(a);
  ASSERT_OK(b);
  a->name = "all data back";
  const std::vector<AssertionResult> results = Evaluate(MakeRecord(), {*a, *b});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].spec.name, "all data back");
  EXPECT_EQ(results[1].spec.figure, "visibility.timed_out");
}

}  // namespace
}  // namespace obs::assertions
