#include "progress_display.h"

#include <chrono>
#include <sstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace obs::scenarios {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(FormatRateTest, SuffixesFromAThousand) {
  EXPECT_EQ(FormatRate(0), "0.0");
  EXPECT_EQ(FormatRate(12.54), "12.5");
  EXPECT_EQ(FormatRate(950), "950");
  EXPECT_EQ(FormatRate(999.96), "1.0k");
  EXPECT_EQ(FormatRate(48210), "48.2k");
  EXPECT_EQ(FormatRate(50000), "50.0k");
  EXPECT_EQ(FormatRate(1.5e6), "1.5M");
  EXPECT_EQ(FormatRate(2e9), "2.0G");
  EXPECT_EQ(FormatRate(-1), "0");
}

TEST(FormatLatencyTest, MicrosecondsToSeconds) {
  EXPECT_EQ(FormatLatencyNs(0), "0us");
  EXPECT_EQ(FormatLatencyNs(850'000), "850us");
  EXPECT_EQ(FormatLatencyNs(12'300'000), "12.3ms");
  EXPECT_EQ(FormatLatencyNs(1'250'000'000), "1.25s");
}

ProgressFrame TwoWorkloads() {
  return {.elapsed_seconds = 12,
          .planned_seconds = 60,
          .workloads = {{.name = "metrics",
                         .unit = "samples",
                         .achieved_per_second = 48200,
                         .target_per_second = 50000,
                         .errors = 0,
                         .p99_ns = 12'300'000},
                        {.name = "traces",
                         .unit = "spans",
                         .achieved_per_second = 1234,
                         .target_per_second = -1,
                         .errors = 3,
                         .p99_ns = -1}}};
}

TEST(FormatProgressTest, TtyLineRewritesInPlace) {
  EXPECT_EQ(FormatProgress(TwoWorkloads(), /*tty=*/true),
            "\r[ 12.0s / 60s  ETA 48s] metrics 48.2k/50.0k samples/s  err 0  p99 12.3ms"
            " | traces 1.2k spans/s  err 3  p99 -\x1b[K");
}

TEST(FormatProgressTest, PlainLineIsALogLine) {
  EXPECT_EQ(FormatProgress(TwoWorkloads(), /*tty=*/false),
            "obsbench: [ 12.0s / 60s  ETA 48s] metrics 48.2k/50.0k samples/s  err 0  p99 12.3ms"
            " | traces 1.2k spans/s  err 3  p99 -\n");
}

TEST(FormatProgressTest, TtyLineIsCutToTheTerminal) {
  const std::string line = FormatProgress(TwoWorkloads(), true, 40);
  EXPECT_EQ(line, "\r[ 12.0s / 60s  ETA 48s] metrics 48.2k/5\x1b[K");
  EXPECT_EQ(line.size(), 1 + 39 + 3);
}

TEST(FormatProgressTest, EtaInMinutesAndHoursAndNeverNegative) {
  ProgressFrame f{.elapsed_seconds = 12, .planned_seconds = 600, .workloads = {}};
  EXPECT_EQ(FormatProgress(f, false), "obsbench: [ 12.0s / 10m00s  ETA 9m48s]\n");
  f.planned_seconds = 7500;
  EXPECT_EQ(FormatProgress(f, false), "obsbench: [ 12.0s / 2h05m  ETA 2h04m]\n");
  f.elapsed_seconds = 61.5;
  f.planned_seconds = 60;
  EXPECT_EQ(FormatProgress(f, false), "obsbench: [ 61.5s / 60s  ETA 0s]\n");
  f.planned_seconds = 0;  // Unknown: no ETA.
  EXPECT_EQ(FormatProgress(f, false), "obsbench: [ 61.5s]\n");
}

Scenario Parse(const std::string& yaml) {
  Result<Scenario> s = ParseScenario(yaml, "test.yaml");
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::move(s).value() : Scenario{};
}

TEST(TargetScheduleTest, RatesOfEachKind) {
  const Scenario s = Parse(R"(
name: t
duration: 20s
workloads:
  - name: constant
    kind: remote_write
    models: [{kind: node}]
    rate: 5000
  - name: ramp
    kind: remote_write
    models: [{kind: node}]
    stages: [{duration: 10s, target: 1000}, {duration: 10s, target: 1000}]
  - name: topology
    kind: remote_write
    models: [{kind: process}]
    instances: 10
    scrape_interval: 10s
  - name: logs
    kind: loki_push
    rate: 300
)");
  ASSERT_EQ(s.workloads.size(), 4u);
  auto constant = TargetSchedule(s.workloads[0]);
  ASSERT_TRUE(constant.has_value());
  EXPECT_DOUBLE_EQ(constant->RateAt(12), 5000);
  EXPECT_DOUBLE_EQ(constant->RateAt(25), 0);  // After the load.
  auto ramp = TargetSchedule(s.workloads[1]);
  ASSERT_TRUE(ramp.has_value());
  EXPECT_NEAR(ramp->RateAt(5), 500, 1e-6);
  EXPECT_NEAR(ramp->RateAt(15), 1000, 1e-6);
  auto topology = TargetSchedule(s.workloads[2]);
  ASSERT_TRUE(topology.has_value());
  EXPECT_GT(topology->RateAt(1), 0);
  auto logs = TargetSchedule(s.workloads[3]);
  ASSERT_TRUE(logs.has_value());
  EXPECT_DOUBLE_EQ(logs->RateAt(3), 300);
  WorkloadSpec traces;
  traces.kind = "otlp_traces";  // Items are spans; the rate is in traces/s.
  EXPECT_FALSE(TargetSchedule(traces).has_value());
  EXPECT_EQ(WorkloadItemUnit("remote_write"), "samples");
  EXPECT_EQ(WorkloadItemUnit("otlp_traces"), "spans");
  EXPECT_EQ(WorkloadItemUnit("loki_push"), "lines");
  EXPECT_EQ(WorkloadItemUnit("otlp_metrics"), "points");
}

const char* const kOneWorkload = R"(
name: t
duration: 20s
workloads:
  - name: metrics
    kind: remote_write
    models: [{kind: node}]
    rate: 5000
)";

TEST(ProgressDisplayTest, PlainLinesFromLiveFigures) {
  const Scenario s = Parse(kOneWorkload);
  std::ostringstream out;
  ProgressDisplay display(
      s, {.out = &out, .tty = false, .plain_interval_seconds = 0.05, .planned_seconds = 20});
  loadgen::LiveProgress* live = display.live(0);
  ASSERT_NE(live, nullptr);
  EXPECT_EQ(display.live(1), nullptr);
  live->Sent(1000);
  live->Settled(true, 5'000'000);
  live->Settled(false, 7'000'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  display.Stop();
  const std::string text = out.str();
  EXPECT_THAT(text, StartsWith("obsbench: ["));
  EXPECT_THAT(text, HasSubstr(" / 20s  ETA "));
  EXPECT_THAT(text, HasSubstr("] metrics "));
  EXPECT_THAT(text, HasSubstr("/5.0k samples/s  err 1  p99 7.0ms\n"));
  EXPECT_THAT(text, HasSubstr("samples/s  err 1  p99 -\n"));  // Later windows: none settled.
  EXPECT_THAT(text, Not(HasSubstr("\r")));
  EXPECT_THAT(text, EndsWith("\n"));
}

TEST(ProgressDisplayTest, TtyLineEndsWithANewline) {
  const Scenario s = Parse(kOneWorkload);
  std::ostringstream out;
  ProgressDisplay display(s, {.out = &out, .tty = true, .tty_interval_seconds = 0.02});
  display.live(0)->Sent(10);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  display.Stop();
  display.Stop();  // Idempotent.
  const std::string text = out.str();
  EXPECT_THAT(text, StartsWith("\r["));
  EXPECT_THAT(text, HasSubstr("\x1b[K\r["));  // Rewritten in place.
  EXPECT_THAT(text, EndsWith("\x1b[K\n"));
  EXPECT_THAT(text, Not(HasSubstr("obsbench:")));
  EXPECT_THAT(text, Not(HasSubstr("ETA")));  // planned_seconds unknown.
}

TEST(ProgressDisplayTest, StopsPromptlyAndShowsNothingForAShortRun) {
  const Scenario s = Parse(kOneWorkload);
  std::ostringstream out;
  const auto start = std::chrono::steady_clock::now();
  {
    ProgressDisplay display(s, {.out = &out, .tty = true, .tty_interval_seconds = 60});
    display.live(0)->Sent(10);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(out.str(), "");
}

TEST(ProgressDisplayTest, NoStreamNoDisplay) {
  const Scenario s = Parse(kOneWorkload);
  ProgressDisplay display(s, {.out = nullptr});
  EXPECT_EQ(display.live(0), nullptr);
  display.Stop();
}

}  // namespace
}  // namespace obs::scenarios
