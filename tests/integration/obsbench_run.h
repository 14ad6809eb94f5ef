// Helpers for the end-to-end tests: run the obsbench binary (or one scenario
// with it) and read the report.json it wrote.
//
// Thread safety: test-only.

#pragma once

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "obs/testing/subprocess.h"

#include <nlohmann/json.hpp>

namespace obs::testing {

inline std::string SourcePath(const std::string& relative) {
  const char* root = std::getenv("OBS_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/" + relative;
}

inline ProcessResult RunObsbench(std::vector<std::string> args,
                                 std::chrono::seconds timeout = std::chrono::seconds(300)) {
  args.insert(args.begin(), OBS_BINARY);
  auto r = RunProcess(args, timeout);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ProcessResult{};
}

// `obsbench run <scenario> --out <out>`, `scenario` relative to the source tree.
inline ProcessResult RunScenario(const std::string& scenario, const TempDir& out) {
  return RunObsbench({"run", SourcePath(scenario), "--out", out.path()});
}

// `obsbench run <scenario> --out <out> --set <s>...`.
inline ProcessResult RunScenarioWith(const std::string& scenario, const TempDir& out,
                                     const std::vector<std::string>& sets) {
  std::vector<std::string> args = {"run", SourcePath(scenario), "--out", out.path()};
  for (const std::string& s : sets) {
    args.push_back("--set");
    args.push_back(s);
  }
  return RunObsbench(args);
}

// The outcome ("passed", "failed", "no_data") of the report's assertion on
// `figure`, or "absent".
inline std::string AssertionOutcome(const nlohmann::json& report, const std::string& figure) {
  for (const auto& a : report["assertions"]) {
    if (a["figure"] == figure) {
      return a["outcome"];
    }
  }
  return "absent";
}

inline nlohmann::json ReadReport(const std::string& dir) {
  std::ifstream in(dir + "/report.json");
  EXPECT_TRUE(in.good()) << "no report.json in " << dir;
  if (!in.good())
    return {};
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

}  // namespace obs::testing
