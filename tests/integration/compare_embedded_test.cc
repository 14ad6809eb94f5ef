// Baselines end to end through the obsbench binary: a baseline recorded with
// --repeat against the embedded backend and saved with `baseline save`; the
// same scenario against a backend slowed down by a known amount
// (target.write_delay) makes `obsbench compare` exit 1 naming the latency
// figure; a run compared with itself is unchanged (exit 0).

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obsbench_run.h"

namespace obs::testing {
namespace {

using ::testing::HasSubstr;

// A 2-3 s run sends 20-30 requests, so one request delayed by a busy CI
// machine is already a 3-5% late ratio; these tests are about comparison and
// intervals, not the generator's schedule.
constexpr char kLooseLateThreshold[] = "workloads[0].late_threshold=5s";

ProcessResult RunRepeated(const TempDir& out, std::vector<std::string> extra) {
  std::vector<std::string> args = {"run",      SourcePath("scenarios/library/quickstart.yaml"),
                                   "--out",    out.path(),
                                   "--repeat", "3",
                                   "--set",    "duration=2s",
                                   "--set",    "cooldown=0s",
                                   "--set",    "verify.visibility_probes=5",
                                   "--set",    kLooseLateThreshold,
                                   "--quiet"};
  for (std::string& e : extra) {
    args.push_back("--set");
    args.push_back(std::move(e));
  }
  return RunObsbench(args);
}

TEST(CompareEmbeddedTest, ASlowerBackendIsARegressionNamingTheLatencyFigure) {
  TempDir base_out, slow_out, baselines, compare_out;
  const ProcessResult base = RunRepeated(base_out, {});
  ASSERT_EQ(base.exit_code, 0) << base.out << base.err;
  const nlohmann::json base_report = ReadReport(base_out.path());
  ASSERT_EQ(base_report["repeats"].size(), 3u);
  EXPECT_TRUE(base_report["repeats"][2]["figures"].contains("metrics/write_latency.p99"));
  EXPECT_THAT(base.out, HasSubstr("## Repeats"));

  const ProcessResult saved = RunObsbench(
      {"baseline", "save", base_out.path(), "--name", "main", "--dir", baselines.path()});
  ASSERT_EQ(saved.exit_code, 0) << saved.out << saved.err;
  EXPECT_TRUE(std::filesystem::exists(baselines.path() + "/main/report.json"));

  const ProcessResult slow = RunRepeated(slow_out, {"target.write_delay=40ms"});
  ASSERT_EQ(slow.exit_code, 0) << slow.out << slow.err;  // Its own gates are loose.

  const ProcessResult cmp =
      RunObsbench({"compare", baselines.path() + "/main", slow_out.path(), "--out",
                   compare_out.path(), "--threshold", "throughput=50%"});
  EXPECT_EQ(cmp.exit_code, 1) << cmp.out << cmp.err;
  EXPECT_THAT(cmp.out, HasSubstr("REGRESSED"));
  EXPECT_THAT(cmp.out, HasSubstr("metrics/write_latency.p99 regressed"));
  std::ifstream in(compare_out.path() + "/compare.json");
  const nlohmann::json c = nlohmann::json::parse(in);
  EXPECT_EQ(c["exit_code"], 1);
  EXPECT_EQ(c["baseline_runs"], 3);
  bool p99 = false;
  for (const auto& f : c["figures"]) {
    if (f["name"] == "metrics/write_latency.p99") {
      p99 = true;
      EXPECT_EQ(f["verdict"], "regressed");
      EXPECT_GT(f["current_median"].get<double>(), 0.040);
      EXPECT_TRUE(f["noise_measured"].get<bool>());
    }
  }
  EXPECT_TRUE(p99);

  const ProcessResult same = RunObsbench({"compare", base_out.path(), base_out.path()});
  EXPECT_EQ(same.exit_code, 0) << same.out;
  EXPECT_THAT(same.out, HasSubstr("NO REGRESSION"));

  // Relative assertions: the same gates pass against the normal backend and
  // fail against the slowed one, naming the baseline value. The median with a
  // wide factor: the 40 ms delay multiplies it many times over, while a busy
  // machine does not triple it.
  const std::string relative =
      R"(assertions=["write_latency.p50 <= baseline * 3", "error_rate[1s] <= baseline"])";
  for (const bool slowed : {false, true}) {
    TempDir out;
    std::vector<std::string> args = {"run",        SourcePath("scenarios/library/quickstart.yaml"),
                                     "--out",      out.path(),
                                     "--set",      "duration=2s",
                                     "--set",      "verify.visibility_probes=0",
                                     "--set",      relative,
                                     "--baseline", baselines.path() + "/main",
                                     "--quiet"};
    if (slowed) {
      args.insert(args.end(), {"--set", "target.write_delay=40ms"});
    }
    const ProcessResult run = RunObsbench(args);
    EXPECT_EQ(run.exit_code, slowed ? 1 : 0) << run.out << run.err;
    if (slowed) {
      EXPECT_THAT(run.out, HasSubstr("3.00 x baseline"));
    }
  }
}

TEST(CompareEmbeddedTest, ReportKeepsPerIntervalFigures) {
  TempDir out;
  const ProcessResult run =
      RunObsbench({"run", SourcePath("scenarios/library/quickstart.yaml"), "--out", out.path(),
                   "--set", "duration=3s", "--set", kLooseLateThreshold, "--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const nlohmann::json report = ReadReport(out.path());
  const nlohmann::json& w = report["workloads"][0];
  const nlohmann::json& in = w["intervals"];
  EXPECT_EQ(in["seconds"], 1);
  ASSERT_GE(in["items_sent"].size(), 3u);
  std::uint64_t sent = 0;
  std::uint64_t ok = 0;
  std::uint64_t settled = 0;
  for (std::size_t i = 0; i < in["items_sent"].size(); ++i) {
    sent += in["items_sent"][i].get<std::uint64_t>();
    ok += in["requests_ok"][i].get<std::uint64_t>();
    settled += in["latency_corrected_ns"]["count"][i].get<std::uint64_t>();
  }
  EXPECT_EQ(sent, w["samples_sent"].get<std::uint64_t>());
  EXPECT_EQ(ok, w["requests_succeeded"].get<std::uint64_t>());
  EXPECT_EQ(settled, w["requests"].get<std::uint64_t>());
  // Every full second of a steady load carries traffic and a p99.
  EXPECT_GT(in["items_sent"][1].get<std::uint64_t>(), 0u);
  EXPECT_GT(in["latency_corrected_ns"]["p99"][1].get<std::int64_t>(), 0);
}

TEST(CompareEmbeddedTest, BadInputIsAUsageOrInputError) {
  TempDir dir;
  EXPECT_EQ(RunObsbench({"compare", dir.path()}).exit_code, 2);
  EXPECT_EQ(RunObsbench({"compare", dir.path() + "/none", dir.path() + "/none"}).exit_code, 3);
  EXPECT_EQ(RunObsbench({"run", SourcePath("scenarios/library/quickstart.yaml"), "--repeat", "0"})
                .exit_code,
            2);
  EXPECT_EQ(RunObsbench({"baseline", "save", dir.path()}).exit_code, 2);  // No --name.
}

}  // namespace
}  // namespace obs::testing
