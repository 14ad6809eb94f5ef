#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/reports/writer.h"

#include "report_fixture.h"

namespace obs::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Render;
using ::testing::StartsWith;

OBS_WRITER_GOLDEN_TESTS(MarkdownWriterTest, NewMarkdownWriter, "md")

TEST(MarkdownWriterTest, VerdictIsTheFirstLine) {
  EXPECT_THAT(Render(*NewMarkdownWriter(), testing::PassingReport()),
              StartsWith("# ✅ PASSED — `smoke` (4 of 4 assertions passed)\n"));
  EXPECT_THAT(Render(*NewMarkdownWriter(), testing::FailingReport()),
              StartsWith("# ❌ FAILED — `smoke` (1 of 5 assertions passed)\n"));
  EXPECT_THAT(Render(*NewMarkdownWriter(), testing::InfraErrorReport()),
              StartsWith("# ⚠️ ERROR — `smoke` could not complete\n"));
}

TEST(MarkdownWriterTest, ExplainsEveryAssertionThatDidNotPass) {
  const std::string md = Render(*NewMarkdownWriter(), testing::FailingReport());
  EXPECT_THAT(md, HasSubstr("**Why it did not pass**"));
  EXPECT_THAT(md, HasSubstr("- `write_latency.p99 < 50ms`: workload remote_write: "));
  EXPECT_THAT(md, HasSubstr("- `achieved_rate >= 99.9%`: "));
}

TEST(MarkdownWriterTest, EscapesHostileText) {
  const std::string md = Render(*NewMarkdownWriter(), testing::FailingReport());
  // The only raw occurrence is inside the series' code span, which renders literally.
  const std::size_t raw = md.find("<script>");
  EXPECT_NE(md.find("``obs_load{worker=\"3\",label=\"<script>"), std::string::npos);
  EXPECT_EQ(md.find("<script>", raw + 1), std::string::npos);
  EXPECT_THAT(md, HasSubstr("&lt;script>alert(1)&lt;/script> & \"quotes\" 'single' \\| \\*star\\* "
                            "\\`tick\\`"));
  EXPECT_THAT(md, HasSubstr("expected < 50 ms"));  // Comparisons stay readable.
}

TEST(MarkdownWriterTest, CodeSpansSurviveBackticksAndPipes) {
  RunReport report = testing::PassingReport();
  report.record.scenario_name = "a`b|c";
  report.record.workloads[0].name = "w|x";
  const std::string md = Render(*NewMarkdownWriter(), report);
  EXPECT_THAT(md, StartsWith("# ✅ PASSED — ``a`b|c``"));    // Outside a table: literal.
  EXPECT_THAT(md, HasSubstr("\n| `w\\|x` | 10,000.0 → "));  // In a table cell: \| escaped.
}

TEST(MarkdownWriterTest, UncheckedCompletenessSaysWhy) {
  const std::string md = Render(*NewMarkdownWriter(), testing::InfraErrorReport());
  EXPECT_THAT(md, HasSubstr("## Completeness\n\nNot checked: the run did not complete\n"));
}

TEST(MarkdownWriterTest, TracesAndLogsRunMatchesGolden) {
  testing::ExpectGolden(testing::Render(*NewMarkdownWriter(), testing::TracesAndLogsReport()),
                        "traces_logs.md");
}

TEST(MarkdownWriterTest, AlertingRunMatchesGolden) {
  testing::ExpectGolden(testing::Render(*NewMarkdownWriter(), testing::AlertingReport()),
                        "alerting.md");
}

TEST(MarkdownWriterTest, AlertTimelineOrdersSignalEvaluatorAndNotifications) {
  const std::string md = testing::Render(*NewMarkdownWriter(), testing::AlertingReport());
  const auto at = [&](const std::string& s) {
    return md.find(s);
  };
  ASSERT_NE(at("## Alerts"), std::string::npos);
  EXPECT_LT(at("| 120 s | 1.2 s | signal meets worker/up == 0 |"),
            at("| 125 s | 1.25 s | evaluator: pending (ALERTS) |"));
  EXPECT_LT(at("evaluator: firing (ALERTS)"), at("firing notification (webhook)"));
  EXPECT_NE(at("resolved notification (webhook), then 1 more until 305 s"), std::string::npos);
  // Scenario text in the alerts section is escaped.
  const std::string alerts = md.substr(at("## Alerts"), at("## Load") - at("## Alerts"));
  EXPECT_EQ(alerts.find("<script>"), std::string::npos);
  EXPECT_NE(alerts.find("&lt;script>alert(1)&lt;/script>"), std::string::npos);
}

TEST(MarkdownWriterTest, ResourcesTableWhenSampled) {
  RunReport report = testing::PassingReport();
  EXPECT_THAT(Render(*NewMarkdownWriter(), report), Not(HasSubstr("## Resources")));
  report.record.resources = {{.name = "obsbench",
                              .pid = 4242,
                              .cpu_seconds = 12.34,
                              .cpu_cores_mean = 0.617,
                              .rss_max_bytes = 734003200,
                              .samples = {}},
                             {.name = "vm|x",
                              .pid = 7,
                              .cpu_seconds = 1234.5,
                              .cpu_cores_mean = 2,
                              .rss_max_bytes = 1536ULL * 1024 * 1024 * 1024,
                              .samples = {}}};
  const std::string md = Render(*NewMarkdownWriter(), report);
  EXPECT_THAT(md, HasSubstr("## Resources\n\nCPU and resident memory during the load"));
  EXPECT_THAT(md, HasSubstr("| Process | PID | CPU seconds | Mean cores | Max RSS |\n"
                            "|---|--:|--:|--:|--:|\n"
                            "| `obsbench` | 4242 | 12.3 | 0.62 | 700.0 MiB |\n"
                            "| `vm\\|x` | 7 | 1,234.5 | 2.00 | 1,536.00 GiB |\n"));
  EXPECT_LT(md.find("## Visibility lag"), md.find("## Resources"));
}

TEST(MarkdownWriterTest, ExperimentMatchesGolden) {
  testing::ExpectGolden(Render(*NewMarkdownWriter(), testing::ExperimentReport()), "experiment.md");
}

TEST(MarkdownWriterTest, ExperimentShowsVariantsSideBySide) {
  const std::string md = Render(*NewMarkdownWriter(), testing::ExperimentReport());
  EXPECT_THAT(md, HasSubstr("## Experiment\n\n3 variants (`off`, `single`, `dual`), 3 rounds"));
  EXPECT_THAT(md, HasSubstr("|  | `off` (baseline) | `single` | `dual` |\n|---|--:|--:|--:|\n"));
  EXPECT_THAT(md, HasSubstr("| Against `off` | `single` | 95% CI | `dual` | 95% CI |\n"));
  EXPECT_THAT(md, HasSubstr("| n/a (1 round) |"));  // dual: one pair, no interval.
  EXPECT_THAT(md, HasSubstr("| Exports to `secondary` | – | – | "));
  EXPECT_THAT(md, HasSubstr("### Rounds\n"));
  EXPECT_THAT(md, HasSubstr("### Export completeness\n"));
  // The experiment comes right after the assertions; completeness says why it was skipped.
  EXPECT_LT(md.find("## Assertions"), md.find("## Experiment"));
  EXPECT_LT(md.find("## Experiment"), md.find("## Load"));
  EXPECT_THAT(md, HasSubstr("## Completeness\n\nNot checked: an experiment checks export "
                            "completeness instead\n"));
  EXPECT_THAT(md, HasSubstr("| `single/http` | 1,000.0 → 998.5 requests |"));
  EXPECT_THAT(Render(*NewMarkdownWriter(), testing::PassingReport()),
              Not(HasSubstr("## Experiment")));
}

TEST(MarkdownWriterTest, ExperimentNamesAreCode) {
  RunReport report = testing::ExperimentReport();
  ExperimentRecord& e = *report.record.experiment;
  const std::string hostile = "a|b`<script>";
  for (VariantRunRecord& r : e.runs) {
    if (r.variant == "single")
      r.variant = hostile;
  }
  for (std::string& v : e.variants) {
    if (v == "single")
      v = hostile;
  }
  for (OverheadRecord& o : e.overhead) {
    if (o.variant == "single")
      o.variant = hostile;
  }
  e.exports[0].variant = hostile;
  e.exports[0].destination = "x|y";
  const std::string md = Render(*NewMarkdownWriter(), report);
  const std::string section =
      md.substr(md.find("## Experiment"), md.find("## Load") - md.find("## Experiment"));
  EXPECT_THAT(section, HasSubstr("``a\\|b`<script>``"));  // In table cells.
  EXPECT_THAT(section, HasSubstr("``a|b`<script>``"));    // In the intro line.
  EXPECT_THAT(section, HasSubstr("`x\\|y`"));
}

TEST(MarkdownWriterTest, FileName) {
  EXPECT_EQ(NewMarkdownWriter()->file_name(), "summary.md");
}

}  // namespace
}  // namespace obs::reports
