// `obsbench compare` and `obsbench baseline save` (docs/baselines.md).

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "obs/reports/compare.h"
#include "obs/reports/writer.h"

#include "args.h"
#include "commands.h"

namespace obs::cli {
namespace {

constexpr std::string_view kCompareHelp =
    R"(usage: obsbench compare BASELINE CURRENT [flags]

Compares two runs figure by figure (throughput, write latency p50..p99.9,
error rate, completeness, visibility lag) and says for each whether it
improved, is unchanged (within noise or threshold) or regressed. BASELINE and
CURRENT are a report.json or a directory holding one (a run's --out directory
or a saved baseline). Runs made with --repeat give the noise estimate: a 95%
bootstrap interval over runs and a Mann-Whitney U test (docs/baselines.md).

Prints the Markdown table; exit 0 when nothing regressed, 1 when a figure got
worse beyond its threshold and beyond noise, 2 usage, 3 unreadable input.

  --threshold FIGURE=T   gate FIGURE at T: 10% (relative figures) or 1pp
                         (error_rate, completeness); FIGURE is a full name
                         (metrics/write_latency.p99) or applies to every
                         workload (write_latency.p99). Repeatable.
                         Defaults: 10% relative, 1pp absolute.
  --out DIR              also write DIR/compare.md, DIR/compare.json and
                         DIR/compare.html
)";

constexpr std::string_view kBaselineHelp =
    R"(usage: obsbench baseline save RUN --name NAME [--dir DIR]

Stores RUN (a report.json or a run's --out directory) as the baseline NAME:
DIR/NAME/report.json (DIR defaults to baselines). Compare against it with
`obsbench compare DIR/NAME CURRENT`.
)";

std::filesystem::path ReportPath(const std::string& arg) {
  const std::filesystem::path p(arg);
  return std::filesystem::is_directory(p) ? p / "report.json" : p;
}

}  // namespace

int CompareCommand(const std::vector<std::string>& args) {
  const auto p = Parse(args, {"--threshold", "--out"}, {});
  if (!p || p->help || p->positional.size() != 2) {
    (p && p->help ? std::cout : std::cerr) << kCompareHelp;
    return p && p->help ? kExitPassed : kExitUsage;
  }
  reports::CompareOptions options;
  for (const std::string& t : All(*p, "--threshold")) {
    const std::size_t eq = t.find('=');
    auto value = eq == std::string::npos ? Result<double>(InvalidArgumentError("needs FIGURE=T"))
                                         : reports::ParseThreshold(t.substr(eq + 1));
    if (!value.ok()) {
      std::cerr << "obsbench: --threshold " << t << ": " << value.status().message() << "\n";
      return kExitUsage;
    }
    options.thresholds[t.substr(0, eq)] = *value;
  }
  auto baseline = reports::ReadJsonReport(p->positional[0]);
  auto current = baseline.ok() ? reports::ReadJsonReport(p->positional[1]) : baseline;
  if (!baseline.ok() || !current.ok()) {
    std::cerr << "obsbench: " << (baseline.ok() ? current : baseline).status().message() << "\n";
    return kExitInfrastructure;
  }
  auto comparison = reports::Compare(*baseline, *current, options);
  if (!comparison.ok()) {
    std::cerr << "obsbench: " << comparison.status().message() << "\n";
    return kExitUsage;
  }
  reports::WriteCompareMarkdown(*comparison, std::cout);
  if (const std::string out = Last(*p, "--out", ""); !out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    std::ofstream md(std::filesystem::path(out) / "compare.md");
    std::ofstream js(std::filesystem::path(out) / "compare.json");
    std::ofstream html(std::filesystem::path(out) / "compare.html", std::ios::binary);
    reports::WriteCompareMarkdown(*comparison, md);
    reports::WriteCompareJson(*comparison, js);
    reports::WriteCompareHtml(*comparison, html);
    if (ec || !md || !js || !html) {
      std::cerr << "obsbench: cannot write " << out
                << "/compare.md, compare.json or compare.html\n";
      return kExitInfrastructure;
    }
  }
  return reports::CompareExitCode(*comparison);
}

int BaselineCommand(const std::vector<std::string>& args) {
  const auto p = Parse(args, {"--name", "--dir"}, {});
  if (!p || p->help || p->positional.size() != 2 || p->positional[0] != "save" ||
      Last(*p, "--name", "").empty()) {
    (p && p->help ? std::cout : std::cerr) << kBaselineHelp;
    return p && p->help ? kExitPassed : kExitUsage;
  }
  const std::string name = Last(*p, "--name", "");
  if (name.find('/') != std::string::npos || name == "." || name == "..") {
    std::cerr << "obsbench: --name " << name << ": must be a plain name\n";
    return kExitUsage;
  }
  auto report = reports::ReadJsonReport(p->positional[1]);
  if (!report.ok()) {
    std::cerr << "obsbench: " << report.status().message() << "\n";
    return kExitInfrastructure;
  }
  const std::filesystem::path dir = std::filesystem::path(Last(*p, "--dir", "baselines")) / name;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::filesystem::copy_file(ReportPath(p->positional[1]), dir / "report.json",
                             std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) {
    std::cerr << "obsbench: cannot write " << (dir / "report.json").string() << ": " << ec.message()
              << "\n";
    return kExitInfrastructure;
  }
  std::cout << "baseline " << name << ": " << (dir / "report.json").string() << " (run "
            << report->record.run_id << ", "
            << std::max<std::size_t>(1, report->record.repeats.size()) << " run(s))\n";
  return kExitPassed;
}

}  // namespace obs::cli
