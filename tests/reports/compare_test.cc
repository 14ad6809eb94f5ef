// obsbench compare on synthetic runs with known differences: a 20% p99
// regression is flagged, a difference within the runs' noise is not, an
// improvement is reported as such, single runs are judged on the threshold
// alone and say noise was not measured; thresholds; Mann-Whitney; the
// --repeat merge; golden Markdown and JSON.

#include "obs/reports/compare.h"

#include <algorithm>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/reports/repeat.h"
#include "obs/testing/status_matchers.h"

#include "report_fixture.h"

namespace obs::reports {
namespace {

using ::testing::HasSubstr;

// A one-workload run whose corrected latencies sit around `p_ms` (every
// percentile scales with it) at `rate` items/s, with `errors` failed requests.
RunReport OneRun(const std::string& id, double p_ms, double rate, std::uint64_t errors = 0) {
  RunReport r;
  r.record.scenario_name = "synthetic";
  r.record.run_id = id;
  WorkloadRecord w;
  w.name = "metrics";
  w.kind = "remote_write";
  w.requests = 1000;
  w.requests_succeeded = 1000 - errors;
  w.requests_failed = errors;
  w.target_samples_per_second = rate;
  w.achieved_samples_per_second = rate;
  const auto base = static_cast<std::int64_t>(p_ms * 1e6);
  testing::Fill(w.latency_corrected, base / 2, base, 1000);
  testing::Fill(w.latency_uncorrected, base / 2, base, 1000);
  r.record.workloads.push_back(std::move(w));
  r.record.completeness.checked = true;
  r.record.completeness.samples_expected = 1000;
  r.record.completeness.samples_found = 1000;
  return r;
}

// A --repeat report of runs at the given latencies (ms) and rates.
RunReport Repeated(const std::string& id, const std::vector<double>& p_ms,
                   const std::vector<double>& rates) {
  std::vector<RunReport> runs;
  for (std::size_t i = 0; i < p_ms.size(); ++i) {
    runs.push_back(OneRun(id + "-" + std::to_string(i + 1), p_ms[i], rates[i]));
  }
  return MergeRepeats(runs, {});
}

const FigureComparison& Find(const Comparison& c, const std::string& name) {
  for (const FigureComparison& f : c.figures) {
    if (f.name == name)
      return f;
  }
  ADD_FAILURE() << "no figure " << name;
  static const FigureComparison none;
  return none;
}

TEST(CompareTest, TwentyPercentP99RegressionBeyondNoiseIsFlagged) {
  const RunReport base =
      Repeated("base", {10, 10.2, 9.9, 10.1, 9.8}, {1000, 1005, 995, 1000, 1002});
  const RunReport cur = Repeated("cur", {12, 12.2, 11.9, 12.1, 11.8}, {1001, 998, 1003, 999, 1000});
  ASSERT_OK_AND_ASSIGN(Comparison c, Compare(base, cur, {}));
  EXPECT_TRUE(c.regressed);
  EXPECT_EQ(CompareExitCode(c), 1);
  EXPECT_EQ(c.baseline_runs, 5U);
  const FigureComparison& p99 = Find(c, "metrics/write_latency.p99");
  EXPECT_EQ(p99.verdict, Verdict::kRegressed);
  EXPECT_NEAR(p99.change, 0.2, 0.03);
  EXPECT_GT(p99.interval_low, 0.1);
  ASSERT_TRUE(p99.p_value.has_value());
  EXPECT_LT(*p99.p_value, 0.05);
  EXPECT_THAT(p99.explanation, HasSubstr("beyond the 10.0% threshold and beyond noise"));
  EXPECT_EQ(Find(c, "metrics/throughput").verdict, Verdict::kUnchanged);
  EXPECT_EQ(c.figures.front().verdict, Verdict::kRegressed) << "regressions are listed first";
}

TEST(CompareTest, ADifferenceWithinTheRunsNoiseIsNotARegression) {
  // The medians differ by 12%, over the 10% threshold, but the runs scatter
  // more than that: the interval spans zero.
  const RunReport base = Repeated("base", {8, 12, 10, 7, 13}, {1000, 1000, 1000, 1000, 1000});
  const RunReport cur = Repeated("cur", {9, 14, 11.2, 7.5, 13.5}, {1000, 1000, 1000, 1000, 1000});
  ASSERT_OK_AND_ASSIGN(Comparison c, Compare(base, cur, {}));
  const FigureComparison& p99 = Find(c, "metrics/write_latency.p99");
  EXPECT_GT(p99.change, 0.10);
  EXPECT_LT(p99.interval_low, 0);
  EXPECT_EQ(p99.verdict, Verdict::kUnchanged);
  EXPECT_THAT(p99.explanation, HasSubstr("within noise"));
  EXPECT_FALSE(c.regressed);
}

TEST(CompareTest, AnImprovementIsReportedAsSuch) {
  const RunReport base = Repeated("base", {10, 10.1, 9.9}, {1000, 1000, 1000});
  const RunReport cur = Repeated("cur", {7, 7.1, 6.9}, {1300, 1310, 1290});
  ASSERT_OK_AND_ASSIGN(Comparison c, Compare(base, cur, {}));
  EXPECT_EQ(Find(c, "metrics/write_latency.p99").verdict, Verdict::kImproved);
  EXPECT_EQ(Find(c, "metrics/throughput").verdict, Verdict::kImproved);
  EXPECT_FALSE(c.regressed);
  EXPECT_EQ(CompareExitCode(c), 0);
}

TEST(CompareTest, SingleRunsAreJudgedOnTheThresholdAndSaySo) {
  ASSERT_OK_AND_ASSIGN(Comparison c, Compare(OneRun("a", 10, 1000), OneRun("b", 12, 1000), {}));
  const FigureComparison& p99 = Find(c, "metrics/write_latency.p99");
  EXPECT_FALSE(p99.noise_measured);
  EXPECT_EQ(p99.verdict, Verdict::kRegressed);
  EXPECT_THAT(p99.explanation, HasSubstr("noise not measured: 1 vs 1 run(s), use --repeat"));
  // A looser threshold for that figure (any workload) lets it pass.
  CompareOptions loose;
  loose.thresholds["write_latency.p99"] = 0.25;
  loose.thresholds["write_latency.p99.9"] = 0.25;
  loose.thresholds["write_latency.p95"] = 0.25;
  loose.thresholds["write_latency.p90"] = 0.25;
  loose.thresholds["write_latency.p50"] = 0.25;
  loose.thresholds["metrics/write_latency_uncorrected.p99"] = 0.25;
  ASSERT_OK_AND_ASSIGN(Comparison c2, Compare(OneRun("a", 10, 1000), OneRun("b", 12, 1000), loose));
  EXPECT_FALSE(c2.regressed) << c2.figures.front().explanation;
}

TEST(CompareTest, ErrorRateAndCompletenessCompareInPercentagePoints) {
  RunReport worse = OneRun("b", 10, 1000, 50);  // 5% errors.
  worse.record.completeness.samples_found = 990;
  ASSERT_OK_AND_ASSIGN(Comparison c, Compare(OneRun("a", 10, 1000), worse, {}));
  const FigureComparison& e = Find(c, "metrics/error_rate");
  EXPECT_TRUE(e.absolute);
  EXPECT_DOUBLE_EQ(e.change, 0.05);
  EXPECT_EQ(e.verdict, Verdict::kRegressed);
  EXPECT_THAT(e.explanation, HasSubstr("+5.00 pp"));
  EXPECT_EQ(Find(c, "completeness").verdict, Verdict::kUnchanged) << "1pp is within 1pp";
  CompareOptions strict;
  strict.thresholds["completeness"] = 0;
  ASSERT_OK_AND_ASSIGN(Comparison c2, Compare(OneRun("a", 10, 1000), worse, strict));
  EXPECT_EQ(Find(c2, "completeness").verdict, Verdict::kRegressed);
}

TEST(CompareTest, AThresholdForNoFigureIsAnError) {
  CompareOptions o;
  o.thresholds["write_latency.p77"] = 0.1;
  const auto c = Compare(OneRun("a", 10, 1000), OneRun("b", 10, 1000), o);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("write_latency.p77 names no figure"));
}

TEST(CompareTest, ParsesThresholds) {
  EXPECT_DOUBLE_EQ(ParseThreshold("10%").value(), 0.10);
  EXPECT_DOUBLE_EQ(ParseThreshold("0.15").value(), 0.15);
  EXPECT_DOUBLE_EQ(ParseThreshold("2.5pp").value(), 0.025);
  EXPECT_FALSE(ParseThreshold("-1%").ok());
  EXPECT_FALSE(ParseThreshold("ten").ok());
  EXPECT_FALSE(ParseThreshold("").ok());
}

// OneRun plus sampled resources for obsbench and a peer.
RunReport WithResources(const std::string& id, double cores, std::uint64_t rss_mib) {
  RunReport r = OneRun(id, 10, 1000);
  const std::uint64_t rss = rss_mib * 1024 * 1024;
  r.record.resources = {{.name = "obsbench",
                         .pid = 10,
                         .cpu_seconds = cores * 20,
                         .cpu_cores_mean = cores,
                         .rss_max_bytes = rss,
                         .samples = {{.t_seconds = 1, .cpu_cores = cores, .rss_bytes = rss}}},
                        {.name = "vm",
                         .pid = 11,
                         .cpu_seconds = 0,
                         .cpu_cores_mean = 0,
                         .rss_max_bytes = 0,
                         .samples = {}}};  // No samples: no figures.
  return r;
}

TEST(CompareTest, ResourceFiguresAreLowerIsBetter) {
  const std::vector<Figure> figures = ExtractFigures(WithResources("a", 1.5, 300).record);
  const auto find = [&](const std::string& name) {
    const auto it = std::find_if(figures.begin(), figures.end(),
                                 [&](const Figure& f) { return f.name == name; });
    return it == figures.end() ? nullptr : &*it;
  };
  const Figure* cores = find("resources/obsbench/cpu_cores_mean");
  ASSERT_NE(cores, nullptr);
  EXPECT_EQ(cores->unit, "cores");
  EXPECT_EQ(cores->value, 1.5);
  EXPECT_EQ(cores->better, Better::kLower);
  EXPECT_FALSE(cores->absolute);
  const Figure* rss = find("resources/obsbench/rss_max_bytes");
  ASSERT_NE(rss, nullptr);
  EXPECT_EQ(rss->unit, "bytes");
  EXPECT_EQ(rss->value, 300.0 * 1024 * 1024);
  EXPECT_EQ(rss->better, Better::kLower);
  EXPECT_EQ(find("resources/vm/cpu_cores_mean"), nullptr);
}

TEST(CompareTest, ResourceFiguresDefaultToAWiderThreshold) {
  // +20% CPU is within the 25% default for resources; +60% RSS is not.
  ASSERT_OK_AND_ASSIGN(
      Comparison c, Compare(WithResources("base", 1.0, 100), WithResources("cur", 1.2, 160), {}));
  const FigureComparison& cores = Find(c, "resources/obsbench/cpu_cores_mean");
  EXPECT_EQ(cores.verdict, Verdict::kUnchanged);
  EXPECT_DOUBLE_EQ(cores.threshold, 0.25);
  EXPECT_THAT(cores.explanation, HasSubstr("1.00 cores -> 1.20 cores"));
  const FigureComparison& rss = Find(c, "resources/obsbench/rss_max_bytes");
  EXPECT_EQ(rss.verdict, Verdict::kRegressed);
  EXPECT_THAT(rss.explanation, HasSubstr("100.0 MiB -> 160.0 MiB"));
  EXPECT_TRUE(c.regressed);
  std::ostringstream md;
  WriteCompareMarkdown(c, md);
  EXPECT_THAT(md.str(),
              HasSubstr("| `resources/obsbench/rss_max_bytes` | 100.0 MiB | 160.0 MiB |"));
}

TEST(CompareTest, ResourceThresholdsByFigureOrFullName) {
  const RunReport base = WithResources("base", 1.0, 100);
  const RunReport cur = WithResources("cur", 1.2, 160);
  CompareOptions o;
  o.thresholds = {{"cpu_cores_mean", 0.1}, {"resources/obsbench/rss_max_bytes", 1.0}};
  ASSERT_OK_AND_ASSIGN(Comparison c, Compare(base, cur, o));
  EXPECT_EQ(Find(c, "resources/obsbench/cpu_cores_mean").verdict, Verdict::kRegressed);
  EXPECT_EQ(Find(c, "resources/obsbench/rss_max_bytes").verdict, Verdict::kUnchanged);
  o.thresholds = {{"obsbench/cpu_cores_mean", 0.5}};
  ASSERT_OK_AND_ASSIGN(Comparison d, Compare(base, cur, o));
  EXPECT_DOUBLE_EQ(Find(d, "resources/obsbench/cpu_cores_mean").threshold, 0.5);
  o.thresholds = {{"rss_max_bytes_typo", 0.5}};
  EXPECT_THAT(Compare(base, cur, o),
              ::obs::testing::StatusIs(StatusCode::kInvalidArgument, HasSubstr("names no figure")));
}

TEST(RepeatTest, MergedRunsKeepEveryRunsFiguresAndFailIfOneFailed) {
  RunReport a = OneRun("r-1", 10, 1000);
  RunReport b = OneRun("r-2", 20, 2000);
  assertions::AssertionResult failed;
  failed.outcome = assertions::Outcome::kFailed;
  b.assertions.push_back(failed);
  const RunReport m = MergeRepeats({a, b}, {});
  ASSERT_EQ(m.record.repeats.size(), 2U);
  EXPECT_TRUE(m.record.repeats[0].passed);
  EXPECT_FALSE(m.record.repeats[1].passed);
  EXPECT_DOUBLE_EQ(m.record.repeats[1].figures.at("metrics/throughput"), 2000);
  const WorkloadRecord& w = m.record.workloads.at(0);
  EXPECT_EQ(w.requests, 2000U);
  EXPECT_EQ(w.latency_corrected.count(), 2000U);
  EXPECT_DOUBLE_EQ(w.achieved_samples_per_second, 1500);
  EXPECT_EQ(m.record.completeness.samples_expected, 2000U);
  EXPECT_FALSE(Passed(m));
  ASSERT_FALSE(m.assertions.empty());
  EXPECT_EQ(m.assertions.back().actual, "run(s) 2 of 2 did not pass");
  // The repeats survive report.json.
  std::ostringstream json;
  ASSERT_TRUE(NewJsonWriter()->Write(m, json).ok());
  ASSERT_OK_AND_ASSIGN(RunReport back, ParseJsonReport(json.str()));
  ASSERT_EQ(back.record.repeats.size(), 2U);
  EXPECT_EQ(back.record.repeats[1].figures, m.record.repeats[1].figures);
  EXPECT_EQ(RunFigures(back).size(), 2U);
}

TEST(CompareGoldenTest, MarkdownAndJson) {
  const RunReport base =
      Repeated("base", {10, 10.2, 9.9, 10.1, 9.8}, {1000, 1005, 995, 1000, 1002});
  const RunReport cur =
      Repeated("cur", {12, 12.2, 11.9, 12.1, 11.8}, {1301, 1298, 1303, 1299, 1300});
  ASSERT_OK_AND_ASSIGN(Comparison c, Compare(base, cur, {}));
  std::ostringstream md, js;
  WriteCompareMarkdown(c, md);
  WriteCompareJson(c, js);
  testing::ExpectGolden(md.str(), "compare.md");
  testing::ExpectGolden(js.str(), "compare.json");
}

}  // namespace
}  // namespace obs::reports
