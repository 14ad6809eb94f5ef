// Comparing a run with a baseline, telling a regression from noise.
//
// Figures: ExtractFigures() turns a run into named numbers, each with the
// direction that is better: per workload its achieved item rate, corrected
// write latency p50/p90/p95/p99/p99.9 (and the uncorrected p99), and error
// rate; per run completeness and visibility lag p50/p99 (docs/baselines.md
// lists them). A report made with --repeat keeps every run's figures, so
// each figure is a sample of runs, not one number.
//
// Verdicts: for every figure present in both reports, the change is the
// ratio of the current median to the baseline median (an absolute
// difference for error rate and completeness, which are ratios already). A
// 95% interval for it comes from a seeded bootstrap over the runs of both
// sides, and with at least 3 runs on each side a two-sided Mann-Whitney U
// test says whether the two samples differ. The verdict is:
//   regressed  the change is worse than the figure's threshold AND beyond
//              noise (the interval lies wholly on the worse side, and the
//              U test agrees when it can be run);
//   improved   the same on the better side;
//   unchanged  otherwise (within noise, or within the threshold).
// With one run on a side there is no noise estimate: the interval is the
// point change and the explanation says noise was not measured.
//
// Thread safety: pure functions.

#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "obs/base/run_record.h"
#include "obs/base/status.h"
#include "obs/reports/report.h"

namespace obs::reports {

enum class Better : std::uint8_t { kLower, kHigher };

struct Figure {
  std::string name;  // "metrics/write_latency.p99", "completeness", ...
  std::string unit;  // "s", "/s", "ratio", "cores" or "bytes".
  double value = 0;  // Seconds for latencies, items/s for rates, a ratio otherwise.
  Better better = Better::kLower;
  bool absolute = false;  // Changes are differences (ratios in [0, 1]) rather than ratios.
};

// Every figure of `record` that has data, in a stable order.
std::vector<Figure> ExtractFigures(const RunRecord& record);

// The figures of each run behind a report: its repeats when it has them,
// else the report itself as one run.
std::vector<std::map<std::string, double>> RunFigures(const RunReport& report);

struct CompareOptions {
  // Threshold per figure: a key is a full figure name ("metrics/write_latency.p99")
  // or the part after the workload ("write_latency.p99", any workload).
  // Relative figures: a fraction (0.10 = 10%); absolute ones: a difference.
  std::map<std::string, double> thresholds;
  double default_relative_threshold = 0.10;
  double default_absolute_threshold = 0.01;  // 1 percentage point.
  int bootstrap_iterations = 2000;
  std::uint64_t seed = 1;
};

enum class Verdict : std::uint8_t { kImproved, kUnchanged, kRegressed };
std::string_view VerdictText(Verdict v);  // "improved", "unchanged", "regressed"

struct FigureComparison {
  std::string name;
  std::string unit;
  Better better = Better::kLower;
  bool absolute = false;
  std::vector<double> baseline;  // Per run.
  std::vector<double> current;
  double baseline_median = 0;
  double current_median = 0;
  double change = 0;  // Relative (current/baseline - 1) or absolute difference.
  double interval_low = 0, interval_high = 0;  // 95% bootstrap interval of `change`.
  std::optional<double> p_value;               // Mann-Whitney, when both sides have >= 3 runs.
  double threshold = 0;
  bool noise_measured = false;  // Both sides had >= 2 runs.
  Verdict verdict = Verdict::kUnchanged;
  std::string explanation;
};

struct Comparison {
  std::string baseline_run_id;
  std::string current_run_id;
  std::string scenario_name;
  std::size_t baseline_runs = 0;
  std::size_t current_runs = 0;
  std::vector<FigureComparison> figures;
  std::vector<std::string> only_in_baseline;  // Figures the current run lacks.
  std::vector<std::string> only_in_current;
  bool regressed = false;  // Some figure regressed.
};

// Returns kInvalidArgument for a threshold key that names no figure of
// either report, or a negative threshold.
Result<Comparison> Compare(const RunReport& baseline, const RunReport& current,
                           const CompareOptions& options);

// 0 when nothing regressed, 1 otherwise.
int CompareExitCode(const Comparison& comparison);

// compare.md (a pull-request comment / CI job summary) and compare.json.
void WriteCompareMarkdown(const Comparison& comparison, std::ostream& out);
void WriteCompareJson(const Comparison& comparison, std::ostream& out);
// compare.html: the compare.md table as one self-contained page (no script,
// no external reference), verdicts coloured, with a small SVG per figure of
// the baseline and current runs, their medians and the change's interval.
// Deterministic and locale-independent; every name is HTML-escaped.
void WriteCompareHtml(const Comparison& comparison, std::ostream& out);

// Parses "15%", "0.15" (a fraction) or "2.5pp" (percentage points, absolute
// figures) into the value CompareOptions::thresholds holds.
Result<double> ParseThreshold(std::string_view text);

}  // namespace obs::reports
