// The negative test: a target that silently drops every 10th sample while
// acknowledging everything makes the completeness assertion fail with the
// exact missing count, and obsbench exits 1.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obsbench_run.h"

namespace obs::testing {
namespace {

using ::testing::HasSubstr;

TEST(FaultEmbeddedTest, DroppedSamplesFailCompletenessWithExactCount) {
  TempDir out;
  const ProcessResult r = RunScenario("fixtures/scenarios/fault_drop.yaml", out);
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  const nlohmann::json report = ReadReport(out.path());
  const auto& c = report["completeness"];
  const auto acked = c["samples_expected"].get<std::uint64_t>();
  ASSERT_GT(acked, 1000u);
  // No probes and no retries in this scenario: the backend counts exactly the
  // acknowledged samples, so every 10th of them is gone.
  EXPECT_EQ(c["samples_missing"].get<std::uint64_t>(), acked / 10);
  EXPECT_EQ(c["samples_found"].get<std::uint64_t>(), acked - acked / 10);
  bool completeness_failed = false;
  for (const auto& a : report["assertions"]) {
    if (a["figure"] == "completeness") {
      completeness_failed = a["outcome"] == "failed";
      EXPECT_THAT(a["explanation"].get<std::string>(), HasSubstr(std::to_string(acked / 10)));
    }
  }
  EXPECT_TRUE(completeness_failed);
  EXPECT_THAT(r.out, HasSubstr("FAILED"));
}

}  // namespace
}  // namespace obs::testing
