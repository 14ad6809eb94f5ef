// Evaluate: measures each spec's figure and compares it with the threshold.
// Comparisons allow a relative tolerance of 1e-9 so that values equal to the
// threshold up to floating-point noise (99.9% written vs 999/1000 measured)
// count as equal; that is far below any figure's resolution.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "obs/assertions/assertions.h"
#include "obs/assertions/format.h"

#include "figures.h"

namespace obs::assertions {
namespace {

using internal::Figure;
using internal::Measurement;

constexpr std::string_view kNoDataNote = "a gate cannot pass on nothing, so this is not a pass";

bool Holds(double actual, Comparison comparison, double threshold) {
  const double tolerance = 1e-9 * std::max({1e-3, std::abs(actual), std::abs(threshold)});
  const bool equal = std::abs(actual - threshold) <= tolerance;
  switch (comparison) {
    case Comparison::kLess:
      return actual < threshold && !equal;
    case Comparison::kLessEqual:
      return actual < threshold || equal;
    case Comparison::kGreater:
      return actual > threshold && !equal;
    case Comparison::kGreaterEqual:
      return actual > threshold || equal;
    case Comparison::kEqual:
      return equal;
  }
  return false;
}

// True if `a` is further on the failing side of the threshold than `b`.
bool Worse(double a, double b, Comparison comparison, double threshold) {
  switch (comparison) {
    case Comparison::kLess:
    case Comparison::kLessEqual:
      return a > b;
    case Comparison::kGreater:
    case Comparison::kGreaterEqual:
      return a < b;
    case Comparison::kEqual:
      return std::abs(a - threshold) > std::abs(b - threshold);
  }
  return false;
}

// One measurement with the workload it belongs to (empty for run figures).
struct Sample {
  std::string workload;
  Measurement m;
  bool held = false;
  double threshold = 0;  // The spec's, or the factor times the baseline's figure.
  std::string expected;  // E.g. "< 250 ms" or "<= 343.6 ms (1.1 x baseline 312.4 ms)".
};

std::string Describe(const Figure& figure, const Sample& s, bool name_workload) {
  std::string out = internal::FormatValue(figure.unit, *s.m.value);
  if (name_workload)
    out += " in " + s.workload;
  else if (figure.scope == internal::Scope::kVariant && !s.workload.empty())
    out += " (" + s.workload + ")";
  if (!s.m.detail.empty())
    out += " (" + s.m.detail + ")";
  return out;
}

std::string JoinNames(const std::vector<WorkloadRecord>& workloads) {
  std::string out;
  for (const WorkloadRecord& w : workloads)
    out += (out.empty() ? "" : ", ") + w.name;
  return out.empty() ? "none" : out;
}

Measurement MeasureWorkload(const Figure& figure, const AssertionSpec& spec,
                            const WorkloadRecord& w) {
  return spec.window_seconds > 0 ? figure.measure_window(w, spec.window_seconds)
                                 : figure.measure_workload(w);
}

// Sets each sample's threshold and expected text: the spec's own, or the
// factor times the same figure in the baseline run. A sample whose baseline
// figure has no value loses its value (no data, saying why).
void ResolveThresholds(const Figure& figure, const AssertionSpec& spec, const RunRecord* baseline,
                       const std::string& expected, std::vector<Sample>& samples) {
  const std::string op(ComparisonSymbol(spec.comparison));
  for (Sample& s : samples) {
    s.threshold = spec.threshold;
    s.expected = expected;
    if (spec.baseline_factor <= 0)
      continue;
    Measurement base;
    if (baseline == nullptr) {
      base.no_data =
          "the assertion is relative to a baseline and the run has none (scenario "
          "key baseline: or obsbench run --baseline)";
    } else if (figure.scope == internal::Scope::kVariant) {
      base.no_data =
          "experiment figures compare with the experiment's own baseline variant, not with a "
          "baseline run";
    } else if (figure.scope == internal::Scope::kRun) {
      base = figure.measure_run(*baseline);
    } else {
      const auto it = std::find_if(baseline->workloads.begin(), baseline->workloads.end(),
                                   [&](const WorkloadRecord& w) { return w.name == s.workload; });
      if (it == baseline->workloads.end())
        base.no_data = "workload " + s.workload + " is not in the baseline run";
      else
        base = MeasureWorkload(figure, spec, *it);
    }
    if (!base.value) {
      s.m.value.reset();
      s.m.no_data = "baseline: " + base.no_data;
      continue;
    }
    s.threshold = spec.baseline_factor * *base.value;
    s.expected = op + " " + internal::FormatValue(figure.unit, s.threshold) + " (" +
                 FormatNumber(spec.baseline_factor, 2) + " x baseline " +
                 internal::FormatValue(figure.unit, *base.value) + ")";
  }
}

// Measures the figure for the workloads `spec` selects; empty with a reason if none.
std::vector<Sample> Measure(const Figure& figure, const AssertionSpec& spec,
                            const RunRecord& record, std::string& why_none) {
  std::vector<Sample> samples;
  if (figure.scope == internal::Scope::kRun) {
    samples.push_back(Sample{"", figure.measure_run(record), false, 0, ""});
    return samples;
  }
  if (figure.scope == internal::Scope::kVariant) {
    if (!record.experiment.has_value()) {
      why_none = spec.figure + " is measured by experiments (scenario key experiment:) only";
      return samples;
    }
    std::string names;
    for (const std::string& v : figure.select_variants(*record.experiment)) {
      names += (names.empty() ? "" : ", ") + v;
      if (spec.workload.empty() || spec.workload == v)
        samples.push_back(Sample{v, figure.measure_variant(*record.experiment, v), false, 0, ""});
    }
    if (samples.empty())
      why_none = spec.workload.empty()
                     ? "no variant of the experiment applies (" + spec.figure + ")"
                     : "variant \"" + spec.workload + "\" is not one " + spec.figure +
                           " applies to (" + (names.empty() ? "none" : names) + ")";
    return samples;
  }
  for (const WorkloadRecord& w : record.workloads) {
    if (spec.workload.empty() || spec.workload == w.name)
      samples.push_back(Sample{w.name, MeasureWorkload(figure, spec, w), false, 0, ""});
  }
  if (samples.empty() && spec.workload.empty())
    why_none = "the run has no workloads";
  else if (samples.empty())
    why_none = "workload \"" + spec.workload +
               "\" is not in this run (workloads: " + JoinNames(record.workloads) + ")";
  return samples;
}

void SetNoData(AssertionResult& r, const std::string& why) {
  r.outcome = Outcome::kNoData;
  r.actual = "no data";
  r.explanation = "no data for " + r.spec.figure + ": " + why + "; " + std::string(kNoDataNote);
}

void Conclude(AssertionResult& r, const Figure& figure, std::vector<Sample>& samples) {
  const AssertionSpec& spec = r.spec;
  const bool multi = samples.size() > 1;
  std::vector<const Sample*> failed;
  std::vector<const Sample*> empty;
  const Sample* worst = nullptr;
  for (Sample& s : samples) {
    if (!s.m.value) {
      empty.push_back(&s);
      continue;
    }
    s.held = Holds(*s.m.value, spec.comparison, s.threshold);
    if (!s.held)
      failed.push_back(&s);
    // Relative thresholds differ per workload: the worst is the furthest
    // beyond (or least within) its own threshold, measured as a ratio.
    const auto margin = [&](const Sample& x) {
      return x.threshold == 0 ? *x.m.value : *x.m.value / x.threshold;
    };
    if (worst == nullptr ||
        (spec.baseline_factor > 0
             ? Worse(margin(s), margin(*worst), spec.comparison, 1)
             : Worse(*s.m.value, *worst->m.value, spec.comparison, spec.threshold)))
      worst = &s;
  }
  std::string no_data;
  for (const Sample* s : empty)
    no_data += (no_data.empty() ? "" : "; ") + s->m.no_data;
  if (!failed.empty()) {
    r.outcome = Outcome::kFailed;
    r.actual = Describe(figure, *worst, multi);
    for (const Sample* s : failed) {
      r.explanation += r.explanation.empty() ? "" : "; ";
      if (!s->workload.empty())
        r.explanation += (figure.scope == internal::Scope::kVariant ? "variant " : "workload ") +
                         s->workload + ": ";
      r.explanation +=
          spec.figure + " is " + Describe(figure, *s, false) + ", expected " + s->expected;
      if (!s->m.context.empty())
        r.explanation += "; " + s->m.context;
    }
    if (!no_data.empty())
      r.explanation += "; also no data: " + no_data;
    return;
  }
  if (!empty.empty() || worst == nullptr) {
    SetNoData(r, no_data);
    return;
  }
  r.outcome = Outcome::kPassed;
  r.actual = Describe(figure, *worst, multi);
  r.explanation = spec.figure + " " + r.expected + " held";
  r.explanation +=
      multi ? " in all " + std::to_string(samples.size()) +
                  (figure.scope == internal::Scope::kVariant ? " variants" : " workloads") +
                  "; worst: " + r.actual
            : ": " + r.actual;
}

AssertionResult EvaluateOne(const RunRecord& record, const AssertionSpec& spec,
                            const RunRecord* baseline) {
  AssertionResult r;
  r.spec = spec;
  if (r.spec.name.empty())
    r.spec.name = spec.expression;
  const Figure* figure = internal::FindFigure(spec.figure);
  if (figure == nullptr) {
    r.expected = std::string(ComparisonSymbol(spec.comparison)) + " " +
                 internal::FormatThreshold(internal::Unit::kCount, spec.threshold);
    SetNoData(r, "unknown figure \"" + spec.figure + "\"");
    return r;
  }
  r.expected = std::string(ComparisonSymbol(spec.comparison)) + " " +
               (spec.baseline_factor > 0 ? "baseline x " + FormatNumber(spec.baseline_factor, 2)
                                         : internal::FormatThreshold(figure->unit, spec.threshold));
  std::string why_none;
  std::vector<Sample> samples = Measure(*figure, spec, record, why_none);
  if (samples.empty()) {
    SetNoData(r, why_none);
    return r;
  }
  ResolveThresholds(*figure, spec, baseline, r.expected, samples);
  Conclude(r, *figure, samples);
  return r;
}

}  // namespace

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPassed:
      return "passed";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kNoData:
      return "no_data";
  }
  return "unknown";
}

std::vector<AssertionResult> Evaluate(const RunRecord& record,
                                      const std::vector<AssertionSpec>& specs,
                                      const RunRecord* baseline) {
  std::vector<AssertionResult> out;
  out.reserve(specs.size());
  for (const AssertionSpec& spec : specs)
    out.push_back(EvaluateOne(record, spec, baseline));
  return out;
}

}  // namespace obs::assertions
