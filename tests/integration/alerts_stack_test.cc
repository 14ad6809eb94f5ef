// Alert scenarios against real stacks installed from Debian by ci/setup.sh,
// started here on free loopback ports and stopped by PID:
//   - Prometheus 2.42 -> Alertmanager 0.25 -> the harness (webhook v4),
//   - VictoriaMetrics 1.79.5 + vmalert -> Alertmanager 0.25 -> the harness.
// The evaluators load the classic rules time-scaled by `obsbench rules
// scale`; Alertmanager is configured by `obsbench rules alertmanager-config`
// from the scenario. For each stack: the positive scenario passes (fires in
// its windows, resolves), the negative one passes (nothing fires), and a
// deliberately wrong rule (threshold too high) makes the run exit 1 naming
// the alert and its window.

#include <fstream>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obsbench_run.h"

namespace obs::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kPositive[] = "fixtures/scenarios/alerts_stack.yaml";
constexpr char kNegative[] = "fixtures/scenarios/alerts_stack_negative.yaml";

enum class Kind { kPrometheus, kVmalert };

// The classic rules scaled like the scenarios; `wrong` raises QueueBacklog's
// threshold from 1000 to 5000.
std::string ScaledRules(const std::string& dir, bool wrong) {
  const ProcessResult r = RunObsbench({"rules", "scale", SourcePath("fixtures/rules/classic.yml"),
                                       "--time-scale", "0.05", "--evaluation-interval", "15s"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("for: 15s"));  // QueueBacklog's 5m.
  std::string text = r.out;
  if (wrong) {
    const std::size_t at = text.find("queue_depth > 1000");
    EXPECT_NE(at, std::string::npos);
    text.replace(at, 18, "queue_depth > 5000");
  }
  const std::string path = dir + "/classic-scaled.yml";
  std::ofstream(path) << text;
  return path;
}

// One stack; members stop in reverse order when it goes.
struct Stack {
  std::uint16_t receiver = 0;
  std::optional<StartedPeer> alertmanager;
  std::optional<StartedPeer> storage;  // VictoriaMetrics (vmalert stack only).
  std::optional<StartedPeer> evaluator;
  std::string write_url;
  std::string query_url;
};

void StartStack(Kind kind, const std::string& dir, const std::string& scenario, bool wrong_rule,
                Stack& stack) {
  stack.receiver = FreeLoopbackPort();
  const ProcessResult cfg =
      RunObsbench({"rules", "alertmanager-config", SourcePath(scenario), "--set",
                   "alerting.receiver_port=" + std::to_string(stack.receiver)});
  ASSERT_EQ(cfg.exit_code, 0) << cfg.err;
  ASSERT_THAT(cfg.out, HasSubstr("group_interval: 1s"));
  std::ofstream(dir + "/alertmanager.yml") << cfg.out;
  auto am = StartAlertmanager(dir, {.config_file = dir + "/alertmanager.yml"});
  ASSERT_TRUE(am.ok()) << am.status();
  stack.alertmanager.emplace(std::move(am).value());
  const std::string rules = ScaledRules(dir, wrong_rule);
  if (kind == Kind::kPrometheus) {
    auto prom = StartPrometheusWithRules(dir, {.rule_file = rules,
                                               .evaluation_interval = "750ms",
                                               .resend_delay = "3s",
                                               .lookback_delta = "15s",
                                               .notify_url = stack.alertmanager->base_url});
    ASSERT_TRUE(prom.ok()) << prom.status();
    stack.evaluator.emplace(std::move(prom).value());
    stack.write_url = stack.evaluator->write_url;
    stack.query_url = stack.evaluator->base_url;
    return;
  }
  auto vm = StartVictoriaMetrics(dir);
  ASSERT_TRUE(vm.ok()) << vm.status();
  stack.storage.emplace(std::move(vm).value());
  auto vmalert = StartVmalert(dir, {.rule_file = rules,
                                    .evaluation_interval = "750ms",
                                    .lookback_delta = "15s",
                                    .notify_url = stack.alertmanager->base_url,
                                    .datasource_url = stack.storage->base_url});
  ASSERT_TRUE(vmalert.ok()) << vmalert.status();
  stack.evaluator.emplace(std::move(vmalert).value());
  stack.write_url = stack.storage->write_url;
  stack.query_url = stack.storage->base_url;
}

// What the peers said, for failure messages.
std::string PeerLogs(const Stack& stack) {
  std::string logs;
  for (const auto* p : {&stack.alertmanager, &stack.evaluator, &stack.storage}) {
    if (p->has_value())
      logs += "\n" + (*p)->process.LogTail(1500);
  }
  return logs;
}

// VictoriaMetrics 1.79 makes fresh samples queryable some seconds after they
// are written (measured: about 7 s, i.e. 140 s of scenario time at this
// scale), so that stack gets wider windows and a longer outage.
std::vector<std::string> WindowsFor(Kind kind) {
  if (kind == Kind::kPrometheus) {
    return {};
  }
  return {"--set", "workloads[0].series[0].shape.length=6m", "--set", "alerts[0].fires_within=3m",
          "--set", "alerts[0].resolves_within=3m",           "--set", "alerts[1].fires_within=3m"};
}

ProcessResult RunOn(const Stack& stack, const std::string& scenario, const std::string& out,
                    std::vector<std::string> extra) {
  std::vector<std::string> args = {
      "run",   SourcePath(scenario),
      "--out", out,
      "--set", "target.kind=prometheus",
      "--set", "target.write_url=" + stack.write_url,
      "--set", "target.query_url=" + stack.query_url,
      "--set", "alerting.receiver_port=" + std::to_string(stack.receiver)};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunObsbench(args);
}

class AlertsStackTest : public ::testing::TestWithParam<Kind> {};

TEST_P(AlertsStackTest, PositiveScenarioFiresInItsWindowsAndResolves) {
  TempDir dir;
  Stack stack;
  ASSERT_NO_FATAL_FAILURE(StartStack(GetParam(), dir.path(), kPositive, false, stack));
  const std::string out = dir.path() + "/out";
  const ProcessResult r = RunOn(stack, kPositive, out, WindowsFor(GetParam()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << PeerLogs(stack);
  const nlohmann::json report = ReadReport(out);
  int passed = 0;
  for (const auto& a : report["assertions"]) {
    EXPECT_EQ(a["outcome"], "passed") << a["name"] << ": " << a["actual"];
    passed += a["outcome"] == "passed" ? 1 : 0;
  }
  EXPECT_GE(passed, 8);
  for (const auto& n : report["alerts"]["notifications"]) {
    EXPECT_EQ(n["format"], "webhook");  // Through Alertmanager.
  }
  // The evaluator's ALERTS series were read back (Prometheus stores them;
  // vmalert writes them to VictoriaMetrics).
  bool pending = false;
  for (const auto& st : report["alerts"]["checks"][0]["evaluator_states"]) {
    pending = pending || st["state"] == "pending";
  }
  EXPECT_TRUE(pending) << report["alerts"]["checks"][0].dump();
}

TEST_P(AlertsStackTest, NegativeScenarioNeverFires) {
  TempDir dir;
  Stack stack;
  ASSERT_NO_FATAL_FAILURE(StartStack(GetParam(), dir.path(), kNegative, false, stack));
  const std::string out = dir.path() + "/out";
  const ProcessResult r = RunOn(stack, kNegative, out, {});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << PeerLogs(stack);
  const nlohmann::json report = ReadReport(out);
  int never = 0;
  for (const auto& a : report["assertions"]) {
    never += a["figure"] == "alert.never_fires" && a["outcome"] == "passed" ? 1 : 0;
  }
  EXPECT_EQ(never, 2);
}

TEST_P(AlertsStackTest, AThresholdTooHighFailsNamingTheAlertAndWindow) {
  TempDir dir;
  Stack stack;
  ASSERT_NO_FATAL_FAILURE(StartStack(GetParam(), dir.path(), kPositive, true, stack));
  const std::string out = dir.path() + "/out";
  std::vector<std::string> extra = WindowsFor(GetParam());
  extra.insert(extra.end(), {"--set", "alerting.settle=0s"});
  const ProcessResult r = RunOn(stack, kPositive, out, extra);
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err << PeerLogs(stack);
  EXPECT_THAT(r.out, HasSubstr("Alert QueueBacklog did not fire as its rule says"));
  EXPECT_THAT(r.out, HasSubstr("no firing notification, expected in"));
}

INSTANTIATE_TEST_SUITE_P(Stacks, AlertsStackTest,
                         ::testing::Values(Kind::kPrometheus, Kind::kVmalert),
                         [](const ::testing::TestParamInfo<Kind>& p) {
                           return p.param == Kind::kPrometheus ? "PrometheusAlertmanager"
                                                               : "VmalertAlertmanager";
                         });

}  // namespace
}  // namespace obs::testing
