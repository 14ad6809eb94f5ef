// Every class of invalid scenario gives an exact, located message. The bad
// documents live in fixtures/scenarios/bad/; each one's first line states
// the message it must produce ("# expect: ..." for an exact match,
// "# expect-prefix: ..." where the tail belongs to another module).

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/scenarios/scenario.h"
#include "obs/testing/status_matchers.h"

namespace obs::scenarios {
namespace {

using ::obs::testing::StatusIs;
using ::testing::StartsWith;

std::filesystem::path BadDir() {
  const char* root = std::getenv("OBS_SOURCE_DIR");
  return std::filesystem::path(root != nullptr ? root : ".") / "fixtures/scenarios/bad";
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<std::filesystem::path> BadFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(BadDir())) {
    if (entry.path().extension() == ".yaml") {
      files.push_back(entry.path());
    }
  }
  return files;
}

TEST(ScenarioErrorsTest, EveryBadFixtureFailsWithItsExpectedMessage) {
  const std::vector<std::filesystem::path> files = BadFiles();
  ASSERT_GE(files.size(), 30u) << "fixtures missing under " << BadDir();
  // Files are parsed under their bare names (so messages match the first
  // lines); relative paths inside them (rule files, token files) resolve
  // against the working directory, so work where they live.
  std::filesystem::current_path(BadDir());
  for (const std::filesystem::path& path : files) {
    SCOPED_TRACE(path.string());
    const std::string text = ReadAll(path);
    const std::string first_line = text.substr(0, text.find('\n'));
    const Result<Scenario> result = ParseScenario(text, path.filename().string());
    if (first_line.rfind("# expect-prefix: ", 0) == 0) {
      EXPECT_THAT(result,
                  StatusIs(StatusCode::kInvalidArgument, StartsWith(first_line.substr(17))));
    } else {
      ASSERT_EQ(first_line.rfind("# expect: ", 0), 0u) << "first line must state the error";
      EXPECT_THAT(result, StatusIs(StatusCode::kInvalidArgument, first_line.substr(10)));
    }
  }
}

TEST(ScenarioErrorsTest, UnknownKeyWithoutCloseMatchHasNoSuggestion) {
  EXPECT_THAT(ParseScenario("name: x\nzzzzzzzz: 1\n", "s.yaml"),
              StatusIs(StatusCode::kInvalidArgument, "s.yaml:2:1: unknown key \"zzzzzzzz\""));
}

TEST(ScenarioErrorsTest, TopLevelSequenceIsRejected) {
  EXPECT_THAT(ParseScenario("- a\n- b\n", "s.yaml"),
              StatusIs(StatusCode::kInvalidArgument, "s.yaml:1:1: expected a map, got a list"));
}

TEST(ScenarioErrorsTest, ModelWithoutKindIsRejected) {
  EXPECT_THAT(
      ParseScenario("name: x\nworkloads:\n  - name: w\n    models: [{routes: 3}]\n", "s.yaml"),
      StatusIs(StatusCode::kInvalidArgument,
               "s.yaml:4:14: workloads[0].models[0]: missing required key \"kind\""));
}

TEST(ScenarioErrorsTest, EmptyModelListIsRejected) {
  EXPECT_THAT(ParseScenario("name: x\nworkloads:\n  - name: w\n    models: []\n", "s.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "s.yaml:4:13: workloads[0].models: must list at least one model"));
}

TEST(ScenarioErrorsTest, NegativeDurationIsNotADuration) {
  EXPECT_THAT(
      ParseScenario("name: x\nduration: -5s\n", "s.yaml"),
      StatusIs(
          StatusCode::kInvalidArgument,
          "s.yaml:2:11: duration: invalid duration \"-5s\" (expected e.g. 500ms, 30s, 5m, 1h30m)"));
}

TEST(ScenarioErrorsTest, ZeroDurationIsOutOfRange) {
  EXPECT_THAT(ParseScenario("name: x\nduration: 0s\n", "s.yaml"),
              StatusIs(StatusCode::kInvalidArgument, "s.yaml:2:11: duration: must be > 0s"));
}

TEST(ScenarioErrorsTest, ScrapeIntervalAndRateAreMutuallyExclusive) {
  EXPECT_THAT(
      ParseScenario("name: x\nworkloads:\n  - name: w\n    models: [{kind: node}]\n"
                    "    scrape_interval: 15s\n    rate: 10\n",
                    "s.yaml"),
      StatusIs(StatusCode::kInvalidArgument,
               "s.yaml:6:11: workloads[0]: \"scrape_interval\" and \"rate\" are mutually exclusive "
               "(pick one of scrape_interval, rate, stages)"));
}

TEST(ScenarioErrorsTest, EmbeddedTargetRejectsUrls) {
  EXPECT_THAT(ParseScenario("name: x\ntarget: {write_url: http://a/api/v1/write}\n", "s.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "s.yaml:2:21: target.write_url: only applies to kind \"prometheus\""));
}

TEST(ScenarioErrorsTest, ReservedLabelNameIsRejected) {
  EXPECT_THAT(
      ParseScenario("name: x\nworkloads:\n  - name: w\n    models: [{kind: node}]\n"
                    "    labels: {obsbench_run: x}\n",
                    "s.yaml"),
      StatusIs(StatusCode::kInvalidArgument,
               "s.yaml:5:13: workloads[0].labels: invalid label name \"obsbench_run\" (want "
               "[a-zA-Z_][a-zA-Z0-9_]*, no __ or obsbench_ prefix)"));
}

TEST(ScenarioErrorsTest, AssertionMapNeedsExpect) {
  EXPECT_THAT(ParseScenario("name: x\nworkloads: [{name: w, models: [{kind: node}]}]\n"
                            "assertions:\n  - {name: fast}\n",
                            "s.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "s.yaml:4:5: assertions[0]: missing required key \"expect\""));
}

TEST(ScenarioErrorsTest, AssertionErrorsCarryTheAssertionLocation) {
  EXPECT_THAT(ParseScenario("name: x\nworkloads: [{name: w, models: [{kind: node}]}]\n"
                            "assertions:\n  - write_latency.p99 250ms\n",
                            "s.yaml"),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("s.yaml:4:5: assertions[0]: ")));
}

}  // namespace
}  // namespace obs::scenarios
