// A run whose target refuses its writes says why: the report's warnings name
// each non-2xx status with its count and what the target answered the first
// time, so a red CI job shows "HTTP 503 x.. (storage is read-only)" instead
// of a bare error rate.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/scenarios/runner.h"
#include "obs/scenarios/scenario.h"

#include "loopback_sink.h"

namespace obs::scenarios {
namespace {

using loadgen::testing::LoopbackSink;
using loadgen::testing::SinkAnswer;
using ::testing::Contains;
using ::testing::HasSubstr;

std::string ScenarioFor(const std::string& url) {
  return "name: refused\nduration: 1s\ntarget:\n  kind: prometheus\n  write_url: " + url +
         "\n  query_url: " + url.substr(0, url.find("/api/")) +
         "\nworkloads:\n  - name: metrics\n    kind: remote_write\n    models: [{kind: node, "
         "cpus: 1}]\n    instances: 1\n    rate: 40\n    batch_size: 20\n    concurrency: 1\n"
         "    retry: {max_attempts: 2, min_backoff: 10ms, max_backoff: 10ms}\n"
         "verify:\n  completeness: false\n  visibility_probes: 0\n"
         "assertions:\n  - error_rate <= 0%\n";
}

TEST(RunnerAnswersTest, RefusedWritesNameTheStatusAndWhatTheTargetSaid) {
  LoopbackSink sink([](int i) {
    return i % 2 == 0 ? SinkAnswer{.status = 503, .body = "storage is read-only\n"}
                      : SinkAnswer{.status = 400, .body = "out of order sample"};
  });
  auto scenario = ParseScenario(ScenarioFor(sink.url()), "refused.yaml");
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  auto report = RunScenario(*scenario, {});
  ASSERT_TRUE(report.ok()) << report.status();
  const WorkloadRecord& w = report->record.workloads.at(0);
  ASSERT_GT(w.requests_failed + w.requests_rejected, 0U);
  EXPECT_EQ(w.answers.at(503), "storage is read-only");
  std::string warning;
  for (const std::string& s : report->record.warnings) {
    if (s.starts_with("metrics: "))
      warning = s;
  }
  EXPECT_THAT(warning, HasSubstr("failed after retries; the target answered"));
  EXPECT_THAT(warning, HasSubstr("HTTP 503 x" + std::to_string(w.status_codes.at(503)) +
                                 " (\"storage is read-only\")"));
  if (w.status_codes.contains(400)) {
    EXPECT_THAT(warning, HasSubstr("HTTP 400 x"));
    EXPECT_THAT(warning, HasSubstr("out of order sample"));
  }
  EXPECT_FALSE(reports::Passed(*report));
}

}  // namespace
}  // namespace obs::scenarios
