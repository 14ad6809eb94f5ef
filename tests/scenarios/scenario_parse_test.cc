// ParseScenario on valid documents: defaults, the mapping of every key onto
// the model and the loadgen options, stage durations and multi-workload runs.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/scenarios/scenario.h"
#include "obs/testing/status_matchers.h"

namespace obs::scenarios {
namespace {

using ::obs::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr const char* kMinimal = R"(name: minimal
workloads:
  - name: metrics
    models: [{kind: process}]
)";

constexpr const char* kFull = R"(name: full
description: "every key"
seed: 42
duration: 1m30s
cooldown: 2s
target:
  kind: embedded
  drop_every_nth_sample: 7
workloads:
  - name: metrics
    kind: remote_write
    models:
      - {kind: http_red, routes: 8, requests_per_second: 25, error_ratio: 0.02}
      - {kind: node, cpus: 2, filesystems: 1, network_devices: 3}
      - {kind: process}
    instances: 20
    rate: 5000
    batch_size: 500
    concurrency: 2
    churn_interval: 45s
    request_timeout: 3s
    late_threshold: 20ms
    retry: {max_attempts: 3, min_backoff: 10ms, max_backoff: 1s}
    stop_when: {window: 2s, latency_p99: 200ms, error_ratio: 0.01}
    headers: {X-Scope-OrgID: tenant-1}
    labels: {env: test}
verify:
  completeness: false
  settle_timeout: 10s
  poll_interval: 250ms
  max_examples: 3
  visibility_probes: 7
  probe_timeout: 4s
  probe_poll_interval: 1ms
assertions:
  - completeness >= 100%
  - {name: "writes are fast", expect: "write_latency.p99 < 250ms", workload: metrics}
)";

TEST(ScenarioParseTest, MinimalScenarioGetsDocumentedDefaults) {
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(kMinimal, "min.yaml"));
  EXPECT_EQ(s.name, "minimal");
  EXPECT_EQ(s.file, "min.yaml");
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.duration_seconds, 30);
  EXPECT_EQ(s.cooldown_seconds, 0);
  EXPECT_EQ(s.target.kind, "embedded");
  EXPECT_TRUE(s.verify.completeness);
  EXPECT_EQ(s.verify.settle_timeout_seconds, 60);
  EXPECT_EQ(s.verify.visibility_probes, 20);
  EXPECT_TRUE(s.assertions.empty());
  EXPECT_EQ(s.text, kMinimal);
}

TEST(ScenarioParseTest, MinimalWorkloadGetsLoadgenDefaults) {
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(kMinimal, "min.yaml"));
  ASSERT_EQ(s.workloads.size(), 1u);
  const loadgen::RemoteWriteOptions& rw = s.workloads[0].remote_write;
  EXPECT_EQ(s.workloads[0].kind, "remote_write");
  EXPECT_EQ(rw.name, "metrics");
  EXPECT_EQ(rw.url, "");  // Embedded: the runner sets it.
  EXPECT_EQ(rw.scrape_interval_seconds, 15);
  EXPECT_EQ(rw.samples_per_second, 0);
  EXPECT_EQ(rw.duration_seconds, 30);
  EXPECT_EQ(rw.series.duration_seconds, 30);
  EXPECT_EQ(rw.series.instances, 10);
  EXPECT_EQ(rw.series.seed, 1u);
  EXPECT_EQ(rw.batch_size, 2000);
  EXPECT_EQ(rw.concurrency, 4);
  EXPECT_TRUE(rw.series.extra_labels.empty());
}

TEST(ScenarioParseTest, FullScenarioMapsTopLevelKeys) {
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(kFull, "full.yaml"));
  EXPECT_EQ(s.description, "every key");
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.duration_seconds, 90);
  EXPECT_EQ(s.cooldown_seconds, 2);
  EXPECT_EQ(s.target.drop_every_nth_sample, 7u);
  EXPECT_FALSE(s.verify.completeness);
  EXPECT_EQ(s.verify.settle_timeout_seconds, 10);
  EXPECT_EQ(s.verify.poll_interval_seconds, 0.25);
  EXPECT_EQ(s.verify.max_examples, 3);
  EXPECT_EQ(s.verify.visibility_probes, 7);
  EXPECT_EQ(s.verify.probe_timeout_seconds, 4);
  EXPECT_DOUBLE_EQ(s.verify.probe_poll_interval_seconds, 0.001);
}

TEST(ScenarioParseTest, FullScenarioMapsModels) {
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(kFull, "full.yaml"));
  const auto& models = s.workloads.at(0).remote_write.series.models;
  ASSERT_EQ(models.size(), 3u);
  EXPECT_EQ(models[0].kind, "http_red");
  EXPECT_EQ(models[0].routes, 8);
  EXPECT_EQ(models[0].requests_per_second, 25);
  EXPECT_EQ(models[0].error_ratio, 0.02);
  EXPECT_EQ(models[1].kind, "node");
  EXPECT_EQ(models[1].cpus, 2);
  EXPECT_EQ(models[1].filesystems, 1);
  EXPECT_EQ(models[1].network_devices, 3);
  EXPECT_EQ(models[2].kind, "process");
}

TEST(ScenarioParseTest, FullScenarioMapsSendingOptions) {
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(kFull, "full.yaml"));
  const loadgen::RemoteWriteOptions& rw = s.workloads.at(0).remote_write;
  EXPECT_EQ(rw.series.instances, 20);
  EXPECT_EQ(rw.samples_per_second, 5000);
  EXPECT_EQ(rw.batch_size, 500);
  EXPECT_EQ(rw.concurrency, 2);
  EXPECT_EQ(rw.series.churn_interval_seconds, 45);
  EXPECT_EQ(rw.request_timeout_seconds, 3);
  EXPECT_DOUBLE_EQ(rw.late_threshold_seconds, 0.02);
  EXPECT_EQ(rw.retry.max_attempts, 3);
  EXPECT_DOUBLE_EQ(rw.retry.min_backoff_seconds, 0.01);
  EXPECT_EQ(rw.retry.max_backoff_seconds, 1);
  EXPECT_EQ(rw.stop_when.window_seconds, 2);
  EXPECT_DOUBLE_EQ(rw.stop_when.latency_p99_seconds, 0.2);
  EXPECT_EQ(rw.stop_when.error_ratio, 0.01);
  EXPECT_THAT(rw.headers, ElementsAre(Pair("X-Scope-OrgID", "tenant-1")));
  EXPECT_THAT(rw.series.extra_labels, ElementsAre(Pair("env", "test")));
  EXPECT_EQ(rw.duration_seconds, 90);
  EXPECT_EQ(rw.series.seed, 42u);
}

TEST(ScenarioParseTest, AssertionsCarryNameWorkloadAndLocation) {
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(kFull, "full.yaml"));
  ASSERT_EQ(s.assertions.size(), 2u);
  EXPECT_EQ(s.assertions[0].name, "completeness >= 100%");
  EXPECT_EQ(s.assertions[0].figure, "completeness");
  EXPECT_EQ(s.assertions[0].threshold, 1);
  EXPECT_EQ(s.assertions[0].location, "full.yaml:36:5");
  EXPECT_EQ(s.assertions[1].name, "writes are fast");
  EXPECT_EQ(s.assertions[1].expression, "write_latency.p99 < 250ms");
  EXPECT_EQ(s.assertions[1].workload, "metrics");
  EXPECT_EQ(s.assertions[1].comparison, assertions::Comparison::kLess);
  EXPECT_DOUBLE_EQ(s.assertions[1].threshold, 0.25);
}

TEST(ScenarioParseTest, StagesSetTheDurationWhenItIsOmitted) {
  const std::string yaml = R"(name: ramp
workloads:
  - name: w
    models: [{kind: process}]
    stages: [{duration: 10s, target: 1000}, {duration: 20s, target: 5000}]
)";
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(yaml, "ramp.yaml"));
  EXPECT_EQ(s.duration_seconds, 30);
  const loadgen::RemoteWriteOptions& rw = s.workloads[0].remote_write;
  ASSERT_EQ(rw.stages.size(), 2u);
  EXPECT_EQ(rw.stages[1].duration_seconds, 20);
  EXPECT_EQ(rw.stages[1].target_samples_per_second, 5000);
  EXPECT_EQ(rw.duration_seconds, 30);
}

TEST(ScenarioParseTest, MatchingDurationAndStagesAreAccepted) {
  const std::string yaml = R"(name: ramp
duration: 30s
workloads:
  - name: w
    models: [{kind: process}]
    stages: [{duration: 10s, target: 1000}, {duration: 20s, target: 5000}]
  - name: steady
    models: [{kind: node}]
    rate: 100
)";
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(yaml, "ramp.yaml"));
  EXPECT_EQ(s.workloads[1].remote_write.duration_seconds, 30);
}

TEST(ScenarioParseTest, SeveralWorkloadsGetDistinctSeedsAndWorkloadLabels) {
  const std::string yaml = R"(name: two
seed: 10
workloads:
  - {name: a, models: [{kind: process}]}
  - {name: b, models: [{kind: process}]}
)";
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(yaml, "two.yaml"));
  ASSERT_EQ(s.workloads.size(), 2u);
  EXPECT_EQ(s.workloads[0].remote_write.series.seed, 10u);
  EXPECT_EQ(s.workloads[1].remote_write.series.seed, 11u);
  EXPECT_THAT(s.workloads[1].remote_write.series.extra_labels,
              ElementsAre(Pair("obsbench_workload", "b")));
}

TEST(ScenarioParseTest, PrometheusTargetFillsUrlHeadersAndWorkloadHeadersWin) {
  const std::string yaml = R"(name: remote
target:
  kind: prometheus
  write_url: http://127.0.0.1:9090/api/v1/write
  query_url: http://127.0.0.1:9090
  flush_url: http://127.0.0.1:8428/internal/force_flush
  headers: {X-Tenant: from-target, X-Other: target}
workloads:
  - name: w
    models: [{kind: process}]
    headers: {X-Tenant: from-workload}
)";
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(yaml, "remote.yaml"));
  EXPECT_EQ(s.target.query_url, "http://127.0.0.1:9090");
  EXPECT_EQ(s.target.flush_url, "http://127.0.0.1:8428/internal/force_flush");
  const loadgen::RemoteWriteOptions& rw = s.workloads[0].remote_write;
  EXPECT_EQ(rw.url, "http://127.0.0.1:9090/api/v1/write");
  EXPECT_THAT(rw.headers,
              ElementsAre(Pair("X-Other", "target"), Pair("X-Tenant", "from-workload")));
}

TEST(ScenarioParseTest, MissingScenarioFileIsAnErrorNamingIt) {
  EXPECT_THAT(LoadScenarioFile("/nonexistent/dir/s.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "cannot read scenario file \"/nonexistent/dir/s.yaml\""));
}

TEST(ScenarioParseTest, DescribeListsWorkloadTargetAndAssertions) {
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(kFull, "full.yaml"));
  const std::string text = DescribeScenario(s);
  EXPECT_THAT(text, HasSubstr("scenario full (full.yaml)"));
  EXPECT_THAT(text, HasSubstr("seed 42, load 1m30s, cooldown 2s"));
  EXPECT_THAT(text, HasSubstr("workload metrics (remote_write, constant rate 5000/s)"));
  EXPECT_THAT(text, HasSubstr("5000.0 samples/s"));
  EXPECT_THAT(text, HasSubstr("target: embedded reference backend (fault: drops every 7th"));
  EXPECT_THAT(text, HasSubstr("  writes are fast: write_latency.p99 < 250ms [workload metrics]"));
}

TEST(ScenarioParseTest, DescribeShowsStagesStopConditionAndRemoteTarget) {
  const std::string yaml = R"(name: ramp
target:
  kind: prometheus
  write_url: http://127.0.0.1:9090/api/v1/write
  query_url: http://127.0.0.1:9090
workloads:
  - name: w
    models: [{kind: process}]
    stages: [{duration: 10s, target: 1000}, {duration: 20s, target: 400000}]
    stop_when: {latency_p99: 200ms, error_ratio: 0.01}
)";
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(yaml, "ramp.yaml"));
  const std::string text = DescribeScenario(s);
  EXPECT_THAT(text, HasSubstr("stages [10s -> 1000/s] [20s -> 400000/s]"));
  EXPECT_THAT(text, HasSubstr("stop when a 1s window has p99 > 200ms or error ratio > 0.01"));
  EXPECT_THAT(text, HasSubstr("target: prometheus, write http://127.0.0.1:9090/api/v1/write, "
                              "query http://127.0.0.1:9090"));
}

}  // namespace
}  // namespace obs::scenarios
