// Every shipped scenario in scenarios/library/ parses and validates, and the
// ones with a documented purpose keep it (quickstart stays short and
// embedded, stress keeps its stop conditions, spike keeps its 10x jump).

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/scenarios/scenario.h"
#include "obs/testing/status_matchers.h"

namespace obs::scenarios {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

std::filesystem::path LibraryDir() {
  const char* root = std::getenv("OBS_SOURCE_DIR");
  return std::filesystem::path(root != nullptr ? root : ".") / "scenarios/library";
}

std::vector<std::filesystem::path> LibraryFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(LibraryDir())) {
    if (entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

Scenario Load(const std::string& stem) {
  Result<Scenario> s = LoadScenarioFile((LibraryDir() / (stem + ".yaml")).string());
  EXPECT_OK(s);
  return s.ok() ? std::move(s).value() : Scenario{};
}

TEST(ScenarioLibraryTest, ShipsTheDocumentedScenarios) {
  std::vector<std::string> stems;
  for (const auto& path : LibraryFiles()) {
    stems.push_back(path.stem().string());
  }
  EXPECT_THAT(stems, IsSupersetOf({"baseline", "quickstart", "spike", "stress", "alerts-classic",
                                   "alerts-classic-negative"}));
}

TEST(ScenarioLibraryTest, EveryShippedScenarioValidates) {
  for (const std::filesystem::path& path : LibraryFiles()) {
    SCOPED_TRACE(path.string());
    ASSERT_OK_AND_ASSIGN(const Scenario s, LoadScenarioFile(path.string()));
    EXPECT_EQ(s.name, path.stem().string());
    EXPECT_FALSE(s.description.empty());
    EXPECT_FALSE(s.assertions.empty());
    EXPECT_THAT(DescribeScenario(s), HasSubstr("scenario " + s.name));
  }
}

TEST(ScenarioLibraryTest, QuickstartIsShortEmbeddedAndGated) {
  const Scenario s = Load("quickstart");
  EXPECT_EQ(s.target.kind, "embedded");
  EXPECT_LE(s.duration_seconds + s.cooldown_seconds, 25);
  EXPECT_LE(s.verify.probe_timeout_seconds, 10);
  std::vector<std::string> figures;
  for (const auto& a : s.assertions) {
    figures.push_back(a.figure);
  }
  EXPECT_THAT(figures, IsSupersetOf({"completeness", "write_latency.p99", "error_rate",
                                     "achieved_rate", "late_ratio", "visibility_lag.p99"}));
}

TEST(ScenarioLibraryTest, BaselineIsSteadyForAboutTwoMinutes) {
  const Scenario s = Load("baseline");
  EXPECT_EQ(s.duration_seconds, 120);
  ASSERT_EQ(s.workloads.size(), 1u);
  EXPECT_TRUE(s.workloads[0].remote_write.stages.empty());
}

TEST(ScenarioLibraryTest, StressRampsUntilAStopConditionBreaks) {
  const Scenario s = Load("stress");
  ASSERT_EQ(s.workloads.size(), 1u);
  const loadgen::RemoteWriteOptions& rw = s.workloads[0].remote_write;
  ASSERT_GE(rw.stages.size(), 3u);
  for (std::size_t i = 1; i < rw.stages.size(); ++i) {
    EXPECT_GT(rw.stages[i].target_samples_per_second, rw.stages[i - 1].target_samples_per_second);
  }
  EXPECT_GT(rw.stop_when.latency_p99_seconds, 0);
  EXPECT_GT(rw.stop_when.error_ratio, 0);
}

TEST(ScenarioLibraryTest, SpikeJumpsTenfoldAndBack) {
  const Scenario s = Load("spike");
  ASSERT_EQ(s.workloads.size(), 1u);
  const auto& stages = s.workloads[0].remote_write.stages;
  ASSERT_GE(stages.size(), 3u);
  double low = stages.front().target_samples_per_second;
  double high = 0;
  for (const auto& stage : stages) {
    high = std::max(high, stage.target_samples_per_second);
  }
  EXPECT_EQ(high, 10 * low);
  EXPECT_EQ(stages.back().target_samples_per_second, 0);
}

TEST(ScenarioLibraryTest, AlertScenariosCoverTheFourClassicRulesBothWays) {
  const Scenario pos = Load("alerts-classic");
  const Scenario neg = Load("alerts-classic-negative");
  for (const Scenario* s : {&pos, &neg}) {
    EXPECT_EQ(s->target.kind, "embedded");
    EXPECT_LT(s->time_scale, 1);
    // Short enough for CI: load plus listening well under a minute of real time.
    EXPECT_LE((s->duration_seconds + s->alerting.settle_seconds) * s->time_scale, 30);
    std::vector<std::string> names;
    for (const AlertExpectation& a : s->alerts) {
      names.push_back(a.spec.alert);
      EXPECT_FALSE(a.signal_workload.empty()) << a.spec.alert;
      EXPECT_EQ(a.spec.never_fires, s == &neg) << a.spec.alert;
      EXPECT_EQ(a.spec.fires_within_seconds.has_value(), s == &pos) << a.spec.alert;
    }
    EXPECT_THAT(names, ::testing::UnorderedElementsAre("QueueBacklog", "ServiceDown",
                                                       "HighErrorRate", "HighLatency"));
  }
}

}  // namespace
}  // namespace obs::scenarios
