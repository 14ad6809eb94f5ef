// The README's first command in miniature: the shipped quickstart scenario
// against the embedded backend passes, with every acknowledged sample found.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obsbench_run.h"

namespace obs::testing {
namespace {

using ::testing::HasSubstr;

TEST(QuickstartEmbeddedTest, PassesWithFullCompleteness) {
  TempDir out;
  const ProcessResult r = RunScenario("scenarios/library/quickstart.yaml", out);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("PASSED"));
  const nlohmann::json report = ReadReport(out.path());
  const auto& c = report["completeness"];
  ASSERT_TRUE(c["checked"].get<bool>());
  EXPECT_GT(c["samples_expected"].get<std::uint64_t>(), 10000u);
  EXPECT_EQ(c["samples_found"], c["samples_expected"]);
  EXPECT_EQ(c["samples_missing"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(c["series_unexpected"].get<std::uint64_t>(), 0u);
  const auto& w = report["workloads"][0];
  EXPECT_EQ(w["requests_late"].get<std::uint64_t>() * 100 <= w["requests"].get<std::uint64_t>(),
            true);
  EXPECT_GT(report["visibility"]["visible"].get<std::uint64_t>(), 0u);
  for (const char* f : {"/junit.xml", "/summary.md"}) {
    EXPECT_EQ(RunProcess({"test", "-s", out.path() + f}, std::chrono::seconds(5))->exit_code, 0)
        << f;
  }
}

}  // namespace
}  // namespace obs::testing
