// RunRuleTests (promtool's rule unit-test format) on the fixtures: passing
// and failing files, the output format, and unreadable input. The agreement
// with promtool itself is checked by rules_test_differential_test.

#include <cstdlib>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/backend/rules.h"
#include "obs/testing/status_matchers.h"

namespace obs::backend {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

std::string Fixture(const std::string& name) {
  const char* root = std::getenv("OBS_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/fixtures/rules/tests/" + name;
}

TEST(RuleUnitTestsTest, PassingFilesSucceed) {
  for (const char* f : {"classic_pass.yml", "semantics.yml"}) {
    std::ostringstream out;
    auto r = RunRuleTests(Fixture(f), out);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(*r) << out.str();
    EXPECT_THAT(out.str(), HasSubstr("  SUCCESS"));
  }
}

TEST(RuleUnitTestsTest, FailuresShowExpectedAndGot) {
  std::ostringstream out;
  auto r = RunRuleTests(Fixture("classic_fail_early.yml"), out);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(*r);
  EXPECT_THAT(out.str(), HasSubstr("alertname: QueueBacklog, time: 4m"));
  EXPECT_THAT(out.str(), HasSubstr("got:[]"));
  std::ostringstream expr_out;
  r = RunRuleTests(Fixture("classic_fail_expr.yml"), expr_out);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_THAT(expr_out.str(),
              HasSubstr("expr: \"job:http_errors:rate1m / job:http_requests:rate1m\""));
}

TEST(RuleUnitTestsTest, UnreadableInputIsInvalidArgument) {
  std::ostringstream out;
  EXPECT_THAT(RunRuleTests("/nonexistent/tests.yml", out),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("/nonexistent/tests.yml")));
}

}  // namespace
}  // namespace obs::backend
