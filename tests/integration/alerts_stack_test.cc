// Alert scenarios against real stacks installed from Debian by ci/setup.sh,
// started here on free loopback ports and stopped by PID: Prometheus 2.42 +
// Alertmanager 0.25 (webhook v4 to the harness), and VictoriaMetrics 1.79.5 +
// vmalert (API v2 straight to the harness). Each evaluates the classic rules
// time-scaled by `obsbench rules scale`; the same scenario must pass, and a
// wrong expectation must fail with exit code 1.

#include <fstream>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obsbench_run.h"

namespace obs::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kScenario[] = "fixtures/scenarios/alerts_stack.yaml";

// The classic rules scaled like the scenario, written to `dir`.
std::string ScaledRules(const std::string& dir) {
  const ProcessResult r = RunObsbench({"rules", "scale", SourcePath("fixtures/rules/classic.yml"),
                                       "--time-scale", "0.05", "--evaluation-interval", "15s"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("for: 15s"));  // QueueBacklog's 5m.
  const std::string path = dir + "/classic-scaled.yml";
  std::ofstream(path) << r.out;
  return path;
}

ProcessResult RunAgainst(const std::string& out, const std::string& write_url,
                         const std::string& query_url, std::uint16_t receiver_port,
                         std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {
      "run",   SourcePath(kScenario),
      "--out", out,
      "--set", "target.kind=prometheus",
      "--set", "target.write_url=" + write_url,
      "--set", "target.query_url=" + query_url,
      "--set", "alerting.receiver_port=" + std::to_string(receiver_port)};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunObsbench(args);
}

void ExpectAlertsDelivered(const std::string& out, const std::string& format) {
  const nlohmann::json report = ReadReport(out);
  int passed = 0;
  for (const auto& a : report["assertions"]) {
    EXPECT_EQ(a["outcome"], "passed") << a["name"] << ": " << a["actual"];
    passed += a["outcome"] == "passed" ? 1 : 0;
  }
  EXPECT_GE(passed, 8);
  bool seen = false;
  for (const auto& n : report["alerts"]["notifications"]) {
    seen = seen || n["format"] == format;
  }
  EXPECT_TRUE(seen) << "no " << format << " notification";
  // The evaluator's ALERTS series were read back (Prometheus stores them;
  // vmalert writes them to VictoriaMetrics).
  bool pending = false;
  for (const auto& st : report["alerts"]["checks"][0]["evaluator_states"]) {
    pending = pending || st["state"] == "pending";
  }
  EXPECT_TRUE(pending) << report["alerts"]["checks"][0].dump();
}

// Alertmanager sending to the harness's receiver port, and Prometheus
// evaluating the scaled rules and sending to it (stopped in this order's
// reverse when the struct goes).
struct PrometheusStack {
  std::uint16_t receiver = 0;
  std::optional<StartedPeer> alertmanager;
  std::optional<StartedPeer> prometheus;
};

void StartPrometheusStack(const std::string& dir, PrometheusStack& stack) {
  stack.receiver = FreeLoopbackPort();
  auto am = StartAlertmanager(
      dir, {.notify_url = "http://127.0.0.1:" + std::to_string(stack.receiver) + "/am"});
  ASSERT_TRUE(am.ok()) << am.status();
  stack.alertmanager.emplace(std::move(am).value());
  auto prom = StartPrometheusWithRules(dir, {.rule_file = ScaledRules(dir),
                                             .evaluation_interval = "750ms",
                                             .resend_delay = "3s",
                                             .lookback_delta = "15s",
                                             .notify_url = stack.alertmanager->base_url});
  ASSERT_TRUE(prom.ok()) << prom.status();
  stack.prometheus.emplace(std::move(prom).value());
}

TEST(AlertsStackTest, PrometheusAndAlertmanagerDeliverInTheirWindows) {
  TempDir dir;
  PrometheusStack stack;
  ASSERT_NO_FATAL_FAILURE(StartPrometheusStack(dir.path(), stack));
  const std::string out = dir.path() + "/out";
  const ProcessResult r =
      RunAgainst(out, stack.prometheus->write_url, stack.prometheus->base_url, stack.receiver);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectAlertsDelivered(out, "webhook");
}

TEST(AlertsStackTest, VictoriaMetricsAndVmalertDeliverInTheirWindows) {
  TempDir dir;
  const std::uint16_t receiver = FreeLoopbackPort();
  auto vm = StartVictoriaMetrics(dir.path());
  ASSERT_TRUE(vm.ok()) << vm.status();
  auto vmalert =
      StartVmalert(dir.path(), {.rule_file = ScaledRules(dir.path()),
                                .evaluation_interval = "750ms",
                                .lookback_delta = "15s",
                                .notify_url = "http://127.0.0.1:" + std::to_string(receiver),
                                .datasource_url = vm->base_url});
  ASSERT_TRUE(vmalert.ok()) << vmalert.status();
  // VictoriaMetrics 1.79 makes fresh samples queryable some seconds after
  // they are written (measured: about 7 s, i.e. 140 s of scenario time at
  // this scale), so this stack gets wider windows and a longer outage.
  const std::string out = dir.path() + "/out";
  const ProcessResult r = RunAgainst(
      out, vm->write_url, vm->base_url, receiver,
      {"--set", "workloads[0].series[0].shape.length=6m", "--set", "alerts[0].fires_within=3m",
       "--set", "alerts[0].resolves_within=3m", "--set", "alerts[1].fires_within=3m"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  ExpectAlertsDelivered(out, "alertmanager");
}

TEST(AlertsStackTest, AWrongExpectationFailsAgainstPrometheus) {
  // The scenario wrongly claims ServiceDown and QueueBacklog never fire (a
  // threshold the author believed out of reach): Prometheus fires both, and
  // the run must fail with exit code 1 naming the gate.
  TempDir dir;
  PrometheusStack stack;
  ASSERT_NO_FATAL_FAILURE(StartPrometheusStack(dir.path(), stack));
  const std::string out = dir.path() + "/out";
  const ProcessResult r =
      RunAgainst(out, stack.prometheus->write_url, stack.prometheus->base_url, stack.receiver,
                 {"--set", "alerts[2]={alert: ServiceDown, never_fires: true}", "--set",
                  "duration=5m", "--set", "alerting.settle=0s", "--set",
                  "alerts[1]={alert: QueueBacklog, never_fires: true}"});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("alert ServiceDown never fires"));
}

}  // namespace
}  // namespace obs::testing
