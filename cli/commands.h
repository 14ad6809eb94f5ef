// The obsbench subcommands. Each takes its already split arguments, prints
// to stdout/stderr and returns the process exit code:
//   0 all assertions passed, 1 an assertion failed, 2 usage or config error,
//   3 infrastructure error (target unreachable, timeout, internal).
//
// Thread safety: call from main only.

#pragma once

#include <string>
#include <vector>

namespace obs::cli {

inline constexpr int kExitPassed = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInfrastructure = 3;

int RunCommand(const std::vector<std::string>& args);
int ValidateCommand(const std::vector<std::string>& args);
int BackendCommand(const std::vector<std::string>& args);
int RulesCommand(const std::vector<std::string>& args);
int VersionCommand(const std::vector<std::string>& args);
int CompareCommand(const std::vector<std::string>& args);    // compare_commands.cc
int BaselineCommand(const std::vector<std::string>& args);   // compare_commands.cc
int SampleAppCommand(const std::vector<std::string>& args);  // sample_app_command.cc

}  // namespace obs::cli
