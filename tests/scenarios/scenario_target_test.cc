// The target section: bearer token files (read at load time, resolved
// against the scenario's directory, errors naming the file) and the
// embedded fault mode.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/scenarios/scenario.h"
#include "obs/testing/status_matchers.h"

namespace obs::scenarios {
namespace {

using ::obs::testing::StatusIs;

// A scratch directory per test, removed afterwards.
class ScenarioTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("obs_scenario_target_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }

  static std::string Remote(const std::string& token_file) {
    return "name: remote\ntarget:\n  kind: prometheus\n"
           "  write_url: http://127.0.0.1:9090/api/v1/write\n"
           "  query_url: http://127.0.0.1:9090\n"
           "  bearer_token_file: " +
           token_file + "\nworkloads: [{name: w, models: [{kind: process}]}]\n";
  }

  std::filesystem::path dir_;
};

TEST_F(ScenarioTargetTest, BearerTokenIsReadAndTrimmed) {
  const std::string token = Write("token", "s3cret\n");
  ASSERT_OK_AND_ASSIGN(const Scenario s, ParseScenario(Remote(token), "remote.yaml"));
  EXPECT_EQ(s.target.bearer_token_file, token);
  EXPECT_EQ(s.target.bearer_token, "s3cret");
  EXPECT_EQ(s.workloads[0].remote_write.bearer_token, "s3cret");
}

TEST_F(ScenarioTargetTest, RelativeTokenFileIsResolvedAgainstTheScenarioDirectory) {
  Write("token", "abc");
  const std::string scenario = Write("remote.yaml", Remote("token"));
  ASSERT_OK_AND_ASSIGN(const Scenario s, LoadScenarioFile(scenario));
  EXPECT_EQ(s.target.bearer_token, "abc");
  EXPECT_EQ(s.file, scenario);
}

TEST_F(ScenarioTargetTest, MissingTokenFileIsAnErrorNamingIt) {
  const std::string missing = (dir_ / "nope.token").string();
  EXPECT_THAT(
      ParseScenario(Remote(missing), "remote.yaml"),
      StatusIs(StatusCode::kInvalidArgument,
               "remote.yaml:6:22: target.bearer_token_file: cannot read \"" + missing + "\""));
}

TEST_F(ScenarioTargetTest, EmptyTokenFileIsAnError) {
  const std::string empty = Write("empty.token", " \n");
  EXPECT_THAT(ParseScenario(Remote(empty), "remote.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "remote.yaml:6:22: target.bearer_token_file: \"" + empty + "\" is empty"));
}

TEST_F(ScenarioTargetTest, EmbeddedFaultModeIsKept) {
  ASSERT_OK_AND_ASSIGN(const Scenario s,
                       ParseScenario("name: faulty\ntarget: {drop_every_nth_sample: 100}\n"
                                     "workloads: [{name: w, models: [{kind: process}]}]\n",
                                     "faulty.yaml"));
  EXPECT_EQ(s.target.kind, "embedded");
  EXPECT_EQ(s.target.drop_every_nth_sample, 100u);
  EXPECT_EQ(s.workloads[0].remote_write.url, "");
}

}  // namespace
}  // namespace obs::scenarios
