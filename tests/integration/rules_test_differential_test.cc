// `obsbench rules test` against promtool 2.42 (Debian's prometheus package,
// installed by ci/setup.sh) on the same promtool-format test files in
// fixtures/rules/tests/: both must agree on pass or fail for every file, and
// the corpus must hold passing and failing files.

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obsbench_run.h"

namespace obs::testing {
namespace {

using ::testing::HasSubstr;

TEST(RulesTestDifferentialTest, AgreesWithPromtoolOnEveryFixture) {
  int passing = 0;
  int failing = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(SourcePath("fixtures/rules/tests"))) {
    const std::string path = entry.path().string();
    if (entry.path().extension() != ".yml" || path.find("_rules.yml") != std::string::npos) {
      continue;  // Rule files used by the tests, not tests.
    }
    const ProcessResult ours = RunObsbench({"rules", "test", path});
    auto theirs = RunProcess({"promtool", "test", "rules", path}, std::chrono::seconds(120));
    ASSERT_TRUE(theirs.ok()) << theirs.status();
    EXPECT_EQ(ours.exit_code, theirs->exit_code) << path << "\nobsbench:\n"
                                                 << ours.out << ours.err << "\npromtool:\n"
                                                 << theirs->out << theirs->err;
    if (ours.exit_code == 0) {
      ++passing;
      EXPECT_THAT(ours.out, HasSubstr("SUCCESS"));
    } else {
      ++failing;
      EXPECT_EQ(ours.exit_code, 1) << ours.err;
      EXPECT_THAT(ours.out, HasSubstr("FAILED:"));
    }
  }
  EXPECT_GE(passing, 2);
  EXPECT_GE(failing, 3);
}

TEST(RulesTestDifferentialTest, FailuresNameTheAlertTimeAndBothSides) {
  const ProcessResult r =
      RunObsbench({"rules", "test", SourcePath("fixtures/rules/tests/classic_fail_labels.yml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.out, HasSubstr("alertname: ServiceDown, time: 2m"));
  EXPECT_THAT(r.out, HasSubstr("severity=\"ticket\""));  // exp
  EXPECT_THAT(r.out, HasSubstr("severity=\"page\""));    // got
  const ProcessResult missing = RunObsbench({"rules", "test", "/nonexistent/tests.yml"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/tests.yml"));
}

}  // namespace
}  // namespace obs::testing
