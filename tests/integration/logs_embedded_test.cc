// Logs end to end through the obsbench binary and the embedded backend:
// every acknowledged line read back intact through the Loki API (protobuf +
// snappy and JSON + gzip pushes) and through the VictoriaLogs query API the
// backend also serves, and a backend that drops or alters lines
// after acknowledging them fails with the exact counts.

#include <algorithm>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obsbench_run.h"

namespace obs::testing {
namespace {

using ::testing::HasSubstr;

class LogsEmbeddedTest : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(LogsEmbeddedTest, EveryAcknowledgedLineComesBackIntact) {
  TempDir out;
  const ProcessResult r = RunScenarioWith("fixtures/scenarios/logs_embedded.yaml", out, GetParam());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json report = ReadReport(out.path());
  const auto& l = report["logs"];
  EXPECT_EQ(l["lines_expected"].get<std::uint64_t>(), 1500u);  // 500/s for 3 s.
  EXPECT_EQ(l["lines_intact"], l["lines_expected"]);
  EXPECT_EQ(l["streams_found"].get<std::uint64_t>(), 6u);
  EXPECT_EQ(report["workloads"][0]["kind"], "loki_push");
  EXPECT_EQ(l["visibility"]["probes"].get<std::uint64_t>(), 20u);
  EXPECT_EQ(l["visibility"]["visible"].get<std::uint64_t>(), 20u);
  const bool victorialogs = std::find(GetParam().begin(), GetParam().end(),
                                      "target.log_query_api=victorialogs") != GetParam().end();
  EXPECT_EQ(l["query_api"], victorialogs ? "victorialogs" : "loki");
}

INSTANTIATE_TEST_SUITE_P(
    Variants, LogsEmbeddedTest,
    ::testing::Values(std::vector<std::string>{},
                      std::vector<std::string>{"workloads[0].encoding=json",
                                               "workloads[0].compression=gzip"},
                      std::vector<std::string>{"target.log_query_api=victorialogs"}));

TEST(LogsFaultTest, DroppedAndAlteredLinesFailWithExactCounts) {
  TempDir out;
  const ProcessResult r =
      RunScenarioWith("fixtures/scenarios/logs_embedded.yaml", out,
                      {"target.drop_every_nth_log_line=50", "target.alter_every_nth_log_line=70",
                       // Probe lines would take part in the fault count.
                       "verify.visibility_probes=0", "verify.settle_timeout=1s"});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  const nlohmann::json report = ReadReport(out.path());
  const auto& l = report["logs"];
  const auto acked = l["lines_expected"].get<std::uint64_t>();
  ASSERT_EQ(acked, 1500u);
  // The backend counts acknowledged lines in arrival order: every 50th is
  // dropped, every 70th of the rest altered (multiples of 350 are dropped).
  EXPECT_EQ(l["lines_missing"].get<std::uint64_t>(), acked / 50);
  EXPECT_EQ(l["lines_altered"].get<std::uint64_t>(), acked / 70 - acked / 350);
  EXPECT_EQ(l["lines_duplicated"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(l["lines_unexpected"].get<std::uint64_t>(), 0u);
  bool saw_altered = false;
  for (const auto& e : l["examples"]) {
    if (e["problem"] == "altered") {
      saw_altered = true;
      EXPECT_EQ(e["received"].get<std::string>(), e["sent"].get<std::string>() + "~altered");
    }
  }
  EXPECT_TRUE(saw_altered);
  EXPECT_EQ(AssertionOutcome(report, "log_completeness"), "failed");
  EXPECT_EQ(AssertionOutcome(report, "log_completeness.missing_lines"), "failed");
  EXPECT_EQ(AssertionOutcome(report, "log_completeness.altered_lines"), "failed");
  EXPECT_EQ(AssertionOutcome(report, "log_completeness.duplicated_lines"), "passed");
  EXPECT_THAT(r.out, HasSubstr("FAILED"));
}

}  // namespace
}  // namespace obs::testing
