// OTLP metrics end to end through the obsbench binary: the shipped
// otlp-metrics scenario against the embedded backend in each encoding,
// temporality and histogram flavour, every acknowledged data point found
// again through PromQL under its Prometheus name; the same load against a
// standalone `obsbench backend` addressed as a remote target (target.otlp_url);
// and a backend that drops samples after acknowledging them fails.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obsbench_run.h"

namespace obs::testing {
namespace {

const char* const kScenario = "scenarios/library/otlp-metrics.yaml";

// 4 s of load: 20 instances x 4 collections, 338 series each.
std::vector<std::string> Short(std::vector<std::string> extra) {
  extra.insert(extra.begin(), {"duration=4s", "cooldown=0s"});
  return extra;
}

void ExpectComplete(const nlohmann::json& report, std::uint64_t series_per_collection) {
  const auto& c = report["completeness"];
  ASSERT_TRUE(c["checked"].get<bool>()) << c.dump();
  EXPECT_EQ(c["samples_expected"].get<std::uint64_t>(), 20u * 4u * series_per_collection);
  EXPECT_EQ(c["samples_found"], c["samples_expected"]);
  EXPECT_EQ(c["samples_missing"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(c["samples_duplicated"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(c["series_unexpected"].get<std::uint64_t>(), 0u);
  const auto& w = report["workloads"][0];
  EXPECT_EQ(w["kind"], "otlp_metrics");
  EXPECT_EQ(w["requests"].get<std::uint64_t>(), 80u);
  EXPECT_EQ(w["requests_succeeded"].get<std::uint64_t>(), 80u);
  // Probes go the way the load goes: OTLP gauges read back through PromQL.
  const auto& v = report["visibility"];
  EXPECT_EQ(v["protocol"], "otlp");
  EXPECT_GT(v["probes"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(v["visible"], v["probes"]);
}

class OtlpMetricsEmbeddedTest : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(OtlpMetricsEmbeddedTest, EveryAcknowledgedPointIsFoundByPromql) {
  TempDir out;
  const ProcessResult r = RunScenarioWith(kScenario, out, Short(GetParam()));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const bool exponential = std::find(GetParam().begin(), GetParam().end(),
                                     "workloads[0].histograms=exponential") != GetParam().end();
  // Exponential histograms leave out the 12 x 8 x 2 = 192 `_bucket` series
  // of an instance's 338 (their bounds are the target's choice).
  ExpectComplete(ReadReport(out.path()), exponential ? 338u - 192u : 338u);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, OtlpMetricsEmbeddedTest,
    ::testing::Values(std::vector<std::string>{},
                      std::vector<std::string>{"workloads[0].temporality=delta",
                                               "workloads[0].encoding=json",
                                               "workloads[0].compression=none"},
                      std::vector<std::string>{"workloads[0].histograms=exponential"}));

TEST(OtlpMetricsRemoteTest, AStandaloneBackendIsARemoteOtlpTarget) {
  TempDir dir;
  const std::uint16_t port = FreeLoopbackPort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  auto backend =
      PeerProcess::Start({OBS_BINARY, "backend", "--listen", "127.0.0.1:" + std::to_string(port)},
                         base + "/-/ready", dir.path() + "/backend.log", std::chrono::seconds(30));
  ASSERT_TRUE(backend.ok()) << backend.status();
  TempDir out;
  const ProcessResult r =
      RunScenarioWith(kScenario, out,
                      Short({"target.kind=prometheus", "target.write_url=" + base + "/api/v1/write",
                             "target.query_url=" + base, "target.otlp_url=" + base}));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << backend->LogTail();
  ExpectComplete(ReadReport(out.path()), 338u);
}

TEST(OtlpMetricsFaultTest, SamplesDroppedAfterTheAcknowledgementFailCompleteness) {
  TempDir out;
  const ProcessResult r =
      RunScenarioWith(kScenario, out,
                      // Probe samples would take part in the fault count.
                      Short({"target.drop_every_nth_sample=100", "verify.settle_timeout=1s",
                             "verify.visibility_probes=0"}));
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  const nlohmann::json report = ReadReport(out.path());
  const auto& c = report["completeness"];
  const auto expected = c["samples_expected"].get<std::uint64_t>();
  EXPECT_EQ(expected, 20u * 4u * 338u);
  EXPECT_EQ(c["samples_missing"].get<std::uint64_t>(), expected / 100);
  EXPECT_EQ(AssertionOutcome(report, "completeness"), "failed");
}

}  // namespace
}  // namespace obs::testing
