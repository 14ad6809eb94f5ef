// The alerting parts of a scenario: signal workloads and alert expectations
// as parsed, time scaling applied to the workloads, and the Alertmanager
// configuration derived from `alerting.alertmanager`.

#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/scenarios/scenario.h"
#include "obs/testing/status_matchers.h"

namespace obs::scenarios {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

std::string StackScenario() {
  const char* root = std::getenv("OBS_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/fixtures/scenarios/alerts_stack.yaml";
}

TEST(ScenarioAlertingTest, ParsesSignalsExpectationsAndScalesTheLoad) {
  ASSERT_OK_AND_ASSIGN(const Scenario s, LoadScenarioFile(StackScenario()));
  EXPECT_EQ(s.time_scale, 0.05);
  ASSERT_EQ(s.workloads.size(), 1U);
  const loadgen::SignalWorkloadOptions& w = s.workloads[0].signal;
  EXPECT_EQ(s.workloads[0].kind, "signal");
  EXPECT_EQ(w.interval_seconds, 15);
  EXPECT_EQ(w.duration_seconds, 600);  // Scenario time; the writer scales its ticks.
  EXPECT_EQ(w.time_scale, 0.05);
  ASSERT_EQ(w.series.size(), 2U);
  EXPECT_EQ(w.series[0].shape.kind, loadgen::SignalShape::Kind::kSpike);
  ASSERT_EQ(s.alerts.size(), 3U);
  EXPECT_EQ(s.alerts[0].spec.alert, "ServiceDown");
  EXPECT_EQ(s.alerts[0].signal_series, "up");
  EXPECT_EQ(loadgen::FormatThreshold(s.alerts[0].threshold), "== 0");
  EXPECT_EQ(*s.alerts[0].spec.fires_within_seconds, 60);
  EXPECT_TRUE(s.alerts[2].spec.never_fires);
  EXPECT_EQ(s.alerting.alertmanager.group_interval_seconds, 20);
}

TEST(ScenarioAlertingTest, AlertmanagerConfigIsScaledAndNeedsAFixedPort) {
  ASSERT_OK_AND_ASSIGN(const Scenario ephemeral, LoadScenarioFile(StackScenario()));
  EXPECT_THAT(AlertmanagerConfig(ephemeral),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("receiver_port is 0")));
  ASSERT_OK_AND_ASSIGN(const Scenario s,
                       LoadScenarioFile(StackScenario(), {"alerting.receiver_port=5001",
                                                          "alerting.alertmanager.group_wait=10s"}));
  ASSERT_OK_AND_ASSIGN(const std::string config, AlertmanagerConfig(s));
  EXPECT_THAT(config, HasSubstr("group_wait: 500ms"));    // 10s x 0.05
  EXPECT_THAT(config, HasSubstr("group_interval: 1s"));   // 20s x 0.05
  EXPECT_THAT(config, HasSubstr("repeat_interval: 3m"));  // 1h x 0.05
  EXPECT_THAT(config, HasSubstr("url: http://127.0.0.1:5001/alertmanager"));
  EXPECT_THAT(config, HasSubstr("send_resolved: true"));
}

TEST(ScenarioAlertingTest, BadAlertmanagerKeysAreLocated) {
  EXPECT_THAT(LoadScenarioFile(StackScenario(), {"alerting.alertmanager.group_wiat=1s"}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("unknown key \"group_wiat\" (did you mean \"group_wait\"?)")));
  EXPECT_THAT(LoadScenarioFile(StackScenario(), {"alerting.alertmanager.group_interval=0s"}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("alerting.alertmanager.group_interval: must be > 0")));
}

}  // namespace
}  // namespace obs::scenarios
