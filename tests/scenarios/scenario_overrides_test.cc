// `--set path=value` overrides: applied before validation, checked like the
// file, and errors name the override.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/scenarios/scenario.h"
#include "obs/testing/status_matchers.h"

namespace obs::scenarios {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kBase = R"(name: base
duration: 30s
workloads:
  - name: metrics
    models: [{kind: http_red, routes: 4}]
    rate: 1000
)";

Result<Scenario> Parse(const std::vector<std::string>& overrides) {
  return ParseScenario(kBase, "base.yaml", overrides);
}

TEST(ScenarioOverridesTest, ReplacesTopLevelAndNestedValues) {
  ASSERT_OK_AND_ASSIGN(const Scenario s,
                       Parse({"duration=10s", "workloads[0].rate=500", "seed=9"}));
  EXPECT_EQ(s.duration_seconds, 10);
  EXPECT_EQ(s.seed, 9u);
  EXPECT_EQ(s.workloads[0].remote_write.samples_per_second, 500);
  EXPECT_EQ(s.workloads[0].remote_write.duration_seconds, 10);
}

TEST(ScenarioOverridesTest, CreatesMissingMaps) {
  ASSERT_OK_AND_ASSIGN(
      const Scenario s,
      Parse({"target.kind=prometheus", "target.write_url=http://127.0.0.1:9090/api/v1/write",
             "target.query_url=http://127.0.0.1:9090", "verify.visibility_probes=0"}));
  EXPECT_EQ(s.target.kind, "prometheus");
  EXPECT_EQ(s.workloads[0].remote_write.url, "http://127.0.0.1:9090/api/v1/write");
  EXPECT_EQ(s.verify.visibility_probes, 0);
}

TEST(ScenarioOverridesTest, ValuesAreReadAsYaml) {
  ASSERT_OK_AND_ASSIGN(const Scenario s,
                       Parse({"workloads[0].models=[{kind: node, cpus: 2}, {kind: process}]",
                              "workloads[0].headers={X-Tenant: a}"}));
  const auto& models = s.workloads[0].remote_write.series.models;
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0].cpus, 2);
  EXPECT_EQ(s.workloads[0].remote_write.headers.at("X-Tenant"), "a");
}

TEST(ScenarioOverridesTest, IndexEqualToLengthAppends) {
  ASSERT_OK_AND_ASSIGN(const Scenario s,
                       Parse({"workloads[1].name=extra", "workloads[1].models=[{kind: node}]"}));
  ASSERT_EQ(s.workloads.size(), 2u);
  EXPECT_EQ(s.workloads[1].name, "extra");
}

TEST(ScenarioOverridesTest, LaterOverrideWins) {
  ASSERT_OK_AND_ASSIGN(const Scenario s, Parse({"duration=10s", "duration=20s"}));
  EXPECT_EQ(s.duration_seconds, 20);
}

TEST(ScenarioOverridesTest, EffectiveTextShowsOverridesAndReparses) {
  ASSERT_OK_AND_ASSIGN(const Scenario s, Parse({"workloads[0].rate=500"}));
  EXPECT_THAT(s.text, StartsWith("# effective scenario after --set workloads[0].rate=500\n"));
  ASSERT_OK_AND_ASSIGN(const Scenario again, ParseScenario(s.text, "again.yaml"));
  EXPECT_EQ(again.workloads[0].remote_write.samples_per_second, 500);
}

TEST(ScenarioOverridesTest, MissingEqualsSignIsAnError) {
  EXPECT_THAT(Parse({"duration"}),
              StatusIs(StatusCode::kInvalidArgument, "--set duration: expected <path>=<value>"));
}

TEST(ScenarioOverridesTest, MalformedPathIsAnError) {
  EXPECT_THAT(Parse({"workloads[x].rate=1"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "--set workloads[x].rate=1: invalid path \"workloads[x].rate\""));
  EXPECT_THAT(Parse({"a..b=1"}),
              StatusIs(StatusCode::kInvalidArgument, "--set a..b=1: invalid path \"a..b\""));
}

TEST(ScenarioOverridesTest, IndexOutOfRangeIsAnError) {
  EXPECT_THAT(Parse({"workloads[5].rate=1"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "--set workloads[5].rate=1: index 5 is out of range (workloads has 1 "
                       "entries)"));
}

TEST(ScenarioOverridesTest, IndexIntoAMapIsAnError) {
  EXPECT_THAT(Parse({"target[0]=1"}),
              StatusIs(StatusCode::kInvalidArgument, "--set target[0]=1: target is not a list"));
}

TEST(ScenarioOverridesTest, KeyBelowAScalarIsAnError) {
  EXPECT_THAT(
      Parse({"duration.value=1"}),
      StatusIs(StatusCode::kInvalidArgument, "--set duration.value=1: duration is not a map"));
}

TEST(ScenarioOverridesTest, UnknownKeyIsLocatedAtTheOverride) {
  EXPECT_THAT(Parse({"duraton=10s"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "--set duraton=10s: unknown key \"duraton\" (did you mean \"duration\"?)"));
}

TEST(ScenarioOverridesTest, UnknownNestedKeyInCreatedMapIsLocatedAtTheOverride) {
  EXPECT_THAT(Parse({"target.foo.bar=1"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "--set target.foo.bar=1: target: unknown key \"foo\""));
}

TEST(ScenarioOverridesTest, BadValueIsLocatedAtTheOverride) {
  EXPECT_THAT(Parse({"workloads[0].rate=-1"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "--set workloads[0].rate=-1: workloads[0].rate: must be > 0"));
  EXPECT_THAT(Parse({"seed=abc"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "--set seed=abc: seed: expected an unsigned integer, got \"abc\""));
}

TEST(ScenarioOverridesTest, InvalidYamlValueIsAnError) {
  EXPECT_THAT(Parse({"workloads[0].headers={a: [}"}),
              StatusIs(StatusCode::kInvalidArgument,
                       StartsWith("--set workloads[0].headers={a: [}: invalid value: ")));
}

TEST(ScenarioOverridesTest, UntouchedPartsKeepFileLocations) {
  EXPECT_THAT(Parse({"workloads[0].rate=5", "workloads[0].models[0].routes=0"}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("--set workloads[0].models[0].routes=0: "
                                 "workloads[0].models[0].routes: must be >= 1 and <= 10000")));
  EXPECT_THAT(ParseScenario("name: x\nseed: abc\n", "f.yaml", {"duration=5s"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "f.yaml:2:7: seed: expected an unsigned integer, got \"abc\""));
}

}  // namespace
}  // namespace obs::scenarios
