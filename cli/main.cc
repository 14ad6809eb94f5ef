// obsbench: test and benchmark harness for observability stacks.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.h"

namespace {

constexpr std::string_view kUsage = R"(usage: obsbench <command> [arguments]

Commands:
  run SCENARIO [--out DIR] [--set path=value]... [--run-id ID] [--repeat N] [--quiet]
                       run a scenario, print the Markdown summary, write reports
  validate SCENARIO [--set path=value]...
                       check a scenario file and print the load it would generate
  backend [--listen ADDR] [--max-connections N] [--max-body-bytes N]
                       run the reference backend standalone (default 127.0.0.1:9201)
  rules scale RULES.yml --time-scale S
                       print a rule file with every duration scaled (alert scenarios)
  rules test TESTS.yml...
                       run promtool-format rule unit tests on the reference backend
  compare BASELINE CURRENT [--threshold FIGURE=T]... [--out DIR]
                       compare two runs: improved / unchanged (noise) / regressed
  baseline save RUN --name NAME [--dir DIR]
                       store a run's report as a named baseline
  sample-app [--listen ADDR] [--otlp-endpoint URL]... [--work-us N] [--export-cost-us N]
                       run the instrumented sample service for overhead experiments
  version              print the version

Run `obsbench <command> --help` for the command's flags.
Exit codes: 0 passed, 1 an assertion failed, 2 usage/config error, 3 infrastructure error.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return obs::cli::kExitUsage;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return obs::cli::kExitPassed;
  }
  if (command == "run")
    return obs::cli::RunCommand(args);
  if (command == "validate")
    return obs::cli::ValidateCommand(args);
  if (command == "backend")
    return obs::cli::BackendCommand(args);
  if (command == "rules")
    return obs::cli::RulesCommand(args);
  if (command == "compare")
    return obs::cli::CompareCommand(args);
  if (command == "baseline")
    return obs::cli::BaselineCommand(args);
  if (command == "sample-app")
    return obs::cli::SampleAppCommand(args);
  if (command == "version" || command == "--version")
    return obs::cli::VersionCommand(args);
  std::cerr << "obsbench: unknown command \"" << command << "\"\n\n" << kUsage;
  return obs::cli::kExitUsage;
}
