// The CLI's contract: commands, --help, and the exit codes 0/2 for valid and
// invalid scenarios with file:line:col in the message.
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
    EXPECT_THAT(r.out, HasSubstr("samples/s")) << entry.path();
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

}  // namespace
}  // namespace obs::testing
