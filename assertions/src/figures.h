// The figure catalogue: every name an assertion can test, its unit, whether
// it is measured per workload or once per run, and how to measure it. Shared
// by the parser (names, units) and the evaluator (measurement).
//
// Thread safety: the catalogue is built once and immutable afterwards.

#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "obs/base/run_record.h"

namespace obs::assertions::internal {

// kChange: a relative change (0.1 = +10%), unbounded and signed, written as
// a percentage; kBytes: a size or size difference in bytes.
enum class Unit { kDuration, kRatio, kCount, kChange, kBytes };
// kVariant: measured per variant of an experiment (RunRecord::experiment).
enum class Scope { kWorkload, kRun, kVariant };

// One measured value, or why there is none.
struct Measurement {
  std::optional<double> value;  // Canonical unit: seconds, ratio or count.
  std::string detail;           // What the value is made of: "p99 of 14,213 requests, ...".
  std::string no_data;          // Why there is no value, when !value.
  std::string context;          // Extra facts for a failure explanation (completeness).
};

struct Figure {
  std::string name;
  Unit unit = Unit::kCount;
  Scope scope = Scope::kRun;
  // Exactly one is set, matching `scope`.
  std::function<Measurement(const WorkloadRecord&)> measure_workload;
  std::function<Measurement(const RunRecord&)> measure_run;
  // Variant figures: the variants the figure applies to (the ones compared
  // with the baseline, or the ones that export) and the measurement of one.
  std::function<std::vector<std::string>(const ExperimentRecord&)> select_variants;
  std::function<Measurement(const ExperimentRecord&, const std::string& variant)> measure_variant;
  // Set for workload figures that can be measured over their worst window
  // of `window_seconds` (from WorkloadRecord::intervals).
  std::function<Measurement(const WorkloadRecord&, double window_seconds)> measure_window;
};

// For the files that build the catalogue: a measurement without a value
// (and why), or with one.
inline Measurement NoData(std::string why) {
  Measurement m;
  m.no_data = std::move(why);
  return m;
}
inline Measurement Value(double value, std::string detail) {
  Measurement m;
  m.value = value;
  m.detail = std::move(detail);
  return m;
}

// Appends the experiment figures (overhead.*, export.completeness;
// figures_experiment.cc).
void AddExperimentFigures(std::vector<Figure>& out);

// All figures in documentation order.
const std::vector<Figure>& Figures();

// The figure called `name`, or nullptr.
const Figure* FindFigure(std::string_view name);

// The value formatted in its unit: "312.4 ms", "99.95%", "1,234".
std::string FormatValue(Unit unit, double value);

// A threshold formatted in its unit: "250 ms", "99.9%", "100,000".
std::string FormatThreshold(Unit unit, double value);

}  // namespace obs::assertions::internal
