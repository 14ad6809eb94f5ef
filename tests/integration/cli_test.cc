// The CLI's contract: commands, --help, and the exit codes 0/2 for valid and
// invalid scenarios with file:line:col in the message.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/loopback_backend.h"

#include "obsbench_run.h"

namespace obs::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(CliTest, VersionPrintsVersion) {
  const ProcessResult r = RunObsbench({"version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, MatchesRegex("obsbench [0-9]+\\.[0-9]+\\.[0-9]+\n"));
}

TEST(CliTest, HelpWorksEverywhere) {
  for (const char* cmd : {"run", "validate", "backend"}) {
    const ProcessResult r = RunObsbench({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_THAT(r.out, HasSubstr(std::string("usage: obsbench ") + cmd));
  }
  EXPECT_EQ(RunObsbench({"--help"}).exit_code, 0);
}

TEST(CliTest, UnknownCommandOrFlagIsUsageError) {
  EXPECT_EQ(RunObsbench({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(RunObsbench({}).exit_code, 2);
  const ProcessResult r =
      RunObsbench({"run", SourcePath("scenarios/library/quickstart.yaml"), "--bogus"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown flag --bogus"));
}

TEST(CliTest, EveryShippedScenarioValidatesAndDescribesItsLoad) {
  for (const auto& entry : std::filesystem::directory_iterator(SourcePath("scenarios/library"))) {
    if (entry.path().extension() != ".yaml")
      continue;
    const ProcessResult r = RunObsbench({"validate", entry.path().string()});
    EXPECT_EQ(r.exit_code, 0) << entry.path() << "\n" << r.err;
    // The derived load, in the workload's own unit.
    EXPECT_THAT(r.out, ::testing::AnyOf(HasSubstr("samples/s"), HasSubstr("spans/s"),
                                        HasSubstr("lines/s"), HasSubstr("requests/s")))
        << entry.path();
  }
}

TEST(CliTest, BadScenariosExitTwoNamingFileLineAndColumn) {
  int seen = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(SourcePath("fixtures/scenarios/bad"))) {
    if (entry.path().extension() != ".yaml")
      continue;
    ++seen;
    for (const char* cmd : {"validate", "run"}) {
      const ProcessResult r = RunObsbench({cmd, entry.path().string()});
      EXPECT_EQ(r.exit_code, 2) << cmd << " " << entry.path() << "\n" << r.err;
      EXPECT_THAT(r.err, MatchesRegex("(.|\n)*" + entry.path().filename().string() +
                                      ":[0-9]+:[0-9]+: (.|\n)*"))
          << cmd << " " << entry.path();
    }
  }
  EXPECT_GE(seen, 4) << "fixtures/scenarios/bad should hold syntax, unknown-key, type, range cases";
}

TEST(CliTest, BadOverrideIsUsageError) {
  const ProcessResult r = RunObsbench(
      {"validate", SourcePath("scenarios/library/quickstart.yaml"), "--set", "duration=-5s"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("duration"));
}

TEST(CliTest, BackendRejectsBadListenAddress) {
  const ProcessResult r = RunObsbench({"backend", "--listen", "nonsense"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("host:port"));
}

}  // namespace
}  // namespace obs::testing

namespace obs::testing {
namespace {

TEST(CliTest, BackendServesUntilTerminated) {
  TempDir dir;
  const std::uint16_t port = FreeLoopbackPort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  auto backend =
      PeerProcess::Start({OBS_BINARY, "backend", "--listen", "127.0.0.1:" + std::to_string(port)},
                         base + "/-/ready", dir.path() + "/backend.log", std::chrono::seconds(30));
  ASSERT_TRUE(backend.ok()) << backend.status();
  EXPECT_EQ(HttpGetStatus(base + "/-/healthy"), 200);
  EXPECT_EQ(HttpGetStatus(base + "/metrics"), 200);
}

}  // namespace
}  // namespace obs::testing

namespace obs::testing {
namespace {

TEST(CliTest, UnreachableTargetIsInfrastructureError) {
  TempDir out;
  const std::string base = "http://127.0.0.1:" + std::to_string(FreeLoopbackPort());
  const ProcessResult r = RunObsbench(
      {"run", SourcePath("fixtures/scenarios/peer_remote_write.yaml"), "--out", out.path(), "--set",
       "target.kind=prometheus", "--set", "target.write_url=" + base + "/api/v1/write", "--set",
       "target.query_url=" + base});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_THAT(r.out, ::testing::HasSubstr("ERROR"));
  const nlohmann::json report = ReadReport(out.path());
  EXPECT_EQ(report["exit_code"], 3);
  EXPECT_THAT(report["infrastructure_error"].get<std::string>(), ::testing::HasSubstr("127.0.0.1"));
}

// --quiet silences stderr; --watch adds a process to the resources section
// (this test's own process); bad --watch and --baseline values are usage errors.
// The late threshold is raised because 20 requests make one late request on a
// busy CI machine 5% late (a timing failure this test is not about).
TEST(CliTest, QuietWatchAndBaselineFlags) {
  TempDir out;
  const std::string quickstart = SourcePath("scenarios/library/quickstart.yaml");
  const ProcessResult r = RunObsbench({"run", quickstart, "--out", out.path(), "--set",
                                       "duration=2s", "--set", "workloads[0].late_threshold=5s",
                                       "--quiet", "--watch", "tester=" + std::to_string(getpid())});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  const nlohmann::json report = ReadReport(out.path());
  std::vector<std::string> names;
  for (const auto& p : report["resources"]) {
    names.push_back(p["name"].get<std::string>());
    EXPECT_GT(p["rss_max_bytes"].get<std::uint64_t>(), 0u);
  }
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("obsbench", "tester"));
  EXPECT_THAT(r.out, HasSubstr("## Resources"));
  EXPECT_TRUE(std::filesystem::exists(out.path() + "/report.html"));

  EXPECT_EQ(RunObsbench({"run", quickstart, "--watch", "x=999999999"}).exit_code, 2);
  EXPECT_EQ(RunObsbench({"run", quickstart, "--watch", "nonsense"}).exit_code, 2);
  const ProcessResult bad_baseline =
      RunObsbench({"run", quickstart, "--baseline", out.path() + "/nowhere"});
  EXPECT_EQ(bad_baseline.exit_code, 2);
  EXPECT_THAT(bad_baseline.err, HasSubstr("baseline"));
}

}  // namespace
}  // namespace obs::testing

namespace obs::testing {
namespace {

// `obsbench backend --rules` evaluates the file and SIGHUP re-reads it.
TEST(CliTest, BackendReloadsRulesOnSighup) {
  TempDir dir;
  const std::string rules = dir.path() + "/rules.yml";
  const auto write_rules = [&](const std::string& record) {
    std::ofstream(rules, std::ios::trunc)
        << "groups:\n  - name: g\n    interval: 1s\n    rules:\n      - record: " << record
        << "\n        expr: vector(1)\n";
  };
  write_rules("first_rule");
  const std::uint16_t port = FreeLoopbackPort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  auto backend = PeerProcess::Start(
      {OBS_BINARY, "backend", "--listen", "127.0.0.1:" + std::to_string(port), "--rules", rules},
      base + "/-/ready", dir.path() + "/backend.log", std::chrono::seconds(30));
  ASSERT_TRUE(backend.ok()) << backend.status();
  const auto rules_body = [&] {
    Result<HttpResult> r = Get(port, "/api/v1/rules");
    return r.ok() ? r->body : r.status().ToString();
  };
  EXPECT_THAT(rules_body(), HasSubstr("first_rule"));
  write_rules("second_rule");
  ASSERT_EQ(::kill(backend->pid(), SIGHUP), 0);
  std::string body;
  for (int i = 0; i < 100 && body.find("second_rule") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    body = rules_body();
  }
  EXPECT_THAT(body, HasSubstr("second_rule"));
  // The recording rule's series is queryable once the group has run.
  std::string query;
  for (int i = 0; i < 60 && query.find("\"second_rule\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Result<HttpResult> r = Get(port, "/api/v1/query?query=second_rule");
    query = r.ok() ? r->body : "";
  }
  EXPECT_THAT(query, HasSubstr("\"second_rule\""));
}

// The shipped classic rule file loads and every rule evaluates cleanly.
TEST(CliTest, BackendLoadsTheClassicRules) {
  TempDir dir;
  const std::uint16_t port = FreeLoopbackPort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  auto backend = PeerProcess::Start(
      {OBS_BINARY, "backend", "--listen", "127.0.0.1:" + std::to_string(port), "--rules",
       SourcePath("fixtures/rules/classic.yml"), "--evaluation-interval", "200ms"},
      base + "/-/ready", dir.path() + "/backend.log", std::chrono::seconds(30));
  ASSERT_TRUE(backend.ok()) << backend.status();
  nlohmann::json rules;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Result<HttpResult> r = Get(port, "/api/v1/rules");
    ASSERT_TRUE(r.ok()) << r.status();
    rules = nlohmann::json::parse(r->body)["data"]["groups"][0]["rules"];
    if (rules[0]["health"] != "unknown") {
      break;
    }
  }
  std::vector<std::string> names;
  for (const auto& rule : rules) {
    names.push_back(rule["name"]);
    EXPECT_EQ(rule["health"], "ok") << rule.dump();
  }
  EXPECT_THAT(
      names, ::testing::ElementsAre("job:http_requests:rate1m", "job:http_errors:rate1m",
                                    "HighErrorRate", "HighLatency", "ServiceDown", "QueueBacklog"));
  EXPECT_NE(RunObsbench({"backend", "--rules", dir.path() + "/missing.yml"}).exit_code, 0);
}

}  // namespace
}  // namespace obs::testing
