// Alerting end to end against the embedded backend: the shipped positive
// scenario (each classic alert fires in its window after crossing + for,
// with its labels and annotations, and resolves), the negative controls
// (nothing fires), and a rule whose threshold is too high caught with exit
// code 1.

#include <fstream>
#include <iterator>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obsbench_run.h"

namespace obs::testing {
namespace {

using ::testing::HasSubstr;

int CountOutcome(const nlohmann::json& report, const std::string& figure,
                 const std::string& outcome) {
  int n = 0;
  for (const auto& a : report["assertions"]) {
    n += a["figure"] == figure && a["outcome"] == outcome ? 1 : 0;
  }
  return n;
}

TEST(AlertsEmbeddedTest, ClassicAlertsFireInTheirWindowsAndResolve) {
  TempDir out;
  const ProcessResult r = RunScenario("scenarios/library/alerts-classic.yaml", out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json report = ReadReport(out.path());
  EXPECT_EQ(CountOutcome(report, "alert.fires", "passed"), 4);
  EXPECT_EQ(CountOutcome(report, "alert.resolves", "passed"), 4);
  EXPECT_EQ(CountOutcome(report, "alert.labels", "passed"), 4);
  const auto& alerts = report["alerts"];
  EXPECT_EQ(alerts["time_scale"].get<double>(), 0.01);
  ASSERT_EQ(alerts["checks"].size(), 4U);
  // The queue crosses 1000 at 2m: the 5m `for` puts the first firing at or
  // after 7m of scenario time.
  const auto& queue = alerts["checks"][0];
  EXPECT_EQ(queue["alert"], "QueueBacklog");
  EXPECT_EQ(queue["episodes"][0]["start_seconds"].get<double>(), 120);
  EXPECT_EQ(queue["for_seconds"].get<double>(), 300);
  double first_firing = -1;
  for (const auto& n : alerts["notifications"]) {
    if (n["labels"]["alertname"] == "QueueBacklog" && n["status"] == "firing") {
      first_firing = n["t_seconds"].get<double>();
      EXPECT_EQ(n["annotations"]["summary"], "queue orders holds 1500 messages");
      EXPECT_GT(n["starts_at_unix_ms"].get<std::int64_t>(), 0);
      break;
    }
  }
  EXPECT_GE(first_firing, 420);
  EXPECT_LE(first_firing, 480);
  // ServiceDown's three outages: the evaluator's own ALERTS series show a
  // pending span starting at each crossing and a firing span `for` later.
  const auto& down = alerts["checks"][1];
  ASSERT_EQ(down["alert"], "ServiceDown");
  ASSERT_EQ(down["episodes"].size(), 3U);
  int firing_spans = 0;
  for (const auto& st : down["evaluator_states"]) {
    if (st["state"] != "firing") {
      continue;
    }
    const double start = st["start_seconds"].get<double>();
    const double crossing =
        down["episodes"][static_cast<std::size_t>(firing_spans)]["start_seconds"].get<double>();
    EXPECT_GE(start, crossing + 60 - 0.5) << firing_spans;
    EXPECT_LE(start, crossing + 60 + 30) << firing_spans;
    ++firing_spans;
  }
  EXPECT_EQ(firing_spans, 3);
  std::ifstream md(out.path() + "/summary.md");
  const std::string summary((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
  EXPECT_THAT(summary, HasSubstr("### QueueBacklog — worker/queue_depth > 1000"));
  EXPECT_THAT(summary, HasSubstr("crossing + for: firing may start"));
  EXPECT_THAT(summary, HasSubstr("evaluator: pending (ALERTS)"));
}

TEST(AlertsEmbeddedTest, NegativeControlsNeverFire) {
  TempDir out;
  const ProcessResult r = RunScenario("scenarios/library/alerts-classic-negative.yaml", out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json report = ReadReport(out.path());
  EXPECT_EQ(CountOutcome(report, "alert.never_fires", "passed"), 4);
  EXPECT_TRUE(report["alerts"]["notifications"].empty());
}

TEST(AlertsEmbeddedTest, AThresholdTooHighInTheRuleFailsTheRun) {
  // The rule file says queue_depth > 5000 where 1000 was meant: the queue
  // reaches 1500, QueueBacklog never fires, and the gate fails naming the
  // alert and the window it should have fired in.
  TempDir out;
  std::ifstream in(SourcePath("fixtures/rules/classic.yml"));
  std::string rules((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t at = rules.find("queue_depth > 1000");
  ASSERT_NE(at, std::string::npos);
  rules.replace(at, 18, "queue_depth > 5000");
  const std::string wrong = out.path() + "/wrong.yml";
  std::ofstream(wrong) << rules;
  const ProcessResult r =
      RunObsbench({"run", SourcePath("scenarios/library/alerts-classic.yaml"), "--out", out.path(),
                   "--set", "alerting.rule_files=[" + wrong + "]"});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  const nlohmann::json report = ReadReport(out.path());
  bool found = false;
  for (const auto& a : report["assertions"]) {
    if (a["figure"] == "alert.fires" && a["outcome"] == "failed") {
      found = true;
      EXPECT_THAT(a["name"].get<std::string>(), HasSubstr("QueueBacklog"));
      EXPECT_THAT(a["actual"].get<std::string>(),
                  HasSubstr("no firing notification, expected in [420 s, 480 s]"));
    }
  }
  EXPECT_TRUE(found);
  EXPECT_THAT(r.out, HasSubstr("FAILED"));
}

}  // namespace
}  // namespace obs::testing
