#include "obs/reports/repeat.h"

#include <algorithm>
#include <cstddef>
#include <string>

#include "obs/reports/compare.h"

namespace obs::reports {
namespace {

void AddWorkload(WorkloadRecord& into, const WorkloadRecord& w) {
  into.duration_seconds += w.duration_seconds;
  into.series = std::max(into.series, w.series);
  into.target_samples_per_second += w.target_samples_per_second;
  into.achieved_samples_per_second += w.achieved_samples_per_second;
  into.target_requests_per_second += w.target_requests_per_second;
  into.achieved_requests_per_second += w.achieved_requests_per_second;
  into.requests += w.requests;
  into.attempts += w.attempts;
  into.requests_succeeded += w.requests_succeeded;
  into.requests_rejected += w.requests_rejected;
  into.requests_failed += w.requests_failed;
  into.retries += w.retries;
  into.requests_late += w.requests_late;
  into.requests_unsent += w.requests_unsent;
  into.samples_sent += w.samples_sent;
  into.samples_acked += w.samples_acked;
  into.samples_rejected += w.samples_rejected;
  into.samples_failed += w.samples_failed;
  into.stopped_early = into.stopped_early || w.stopped_early;
  if (into.stop_reason.empty()) {
    into.stop_reason = w.stop_reason;
  }
  for (const auto& [code, n] : w.status_codes) {
    into.status_codes[code] += n;
  }
  into.answers.insert(w.answers.begin(), w.answers.end());
  into.latency_corrected.Merge(w.latency_corrected);
  into.latency_uncorrected.Merge(w.latency_uncorrected);
  // Each run held its own: the largest is what a run needs.
  if (w.bookkeeping.total() > into.bookkeeping.total()) {
    into.bookkeeping = w.bookkeeping;
  }
  // The runs one after another: over-time charts show them back to back and
  // windowed assertions see every run (runs of one scenario share a width).
  if (into.intervals.empty() || into.interval_seconds == w.interval_seconds) {
    into.interval_seconds = w.interval_seconds;
    into.intervals.insert(into.intervals.end(), w.intervals.begin(), w.intervals.end());
  }
}

void AddVisibility(VisibilityRecord& into, const VisibilityRecord& v, bool first) {
  if (first) {
    into = v;
    return;
  }
  into.checked = into.checked || v.checked;
  into.probes += v.probes;
  into.visible += v.visible;
  into.timed_out += v.timed_out;
  into.lag.Merge(v.lag);
}

}  // namespace

WorkloadRecord MergeWorkloadRuns(const std::vector<const WorkloadRecord*>& runs) {
  WorkloadRecord sum;
  if (runs.empty()) {
    return sum;
  }
  // Same histogram layout as the runs', empty.
  const WorkloadRecord& first = *runs.front();
  sum.name = first.name;
  sum.kind = first.kind;
  sum.late_threshold_ns = first.late_threshold_ns;
  sum.latency_corrected = first.latency_corrected;
  sum.latency_uncorrected = first.latency_uncorrected;
  sum.latency_corrected.Reset();
  sum.latency_uncorrected.Reset();
  for (const WorkloadRecord* w : runs) {
    AddWorkload(sum, *w);
  }
  const double n = static_cast<double>(runs.size());
  sum.target_samples_per_second /= n;
  sum.achieved_samples_per_second /= n;
  sum.target_requests_per_second /= n;
  sum.achieved_requests_per_second /= n;
  return sum;
}

void MergeCompleteness(const CompletenessRecord& part, CompletenessRecord& total, bool first) {
  if (first) {
    total = part;
    return;
  }
  total.checked = total.checked && part.checked;
  if (total.skipped_reason.empty()) {
    total.skipped_reason = part.skipped_reason;
  }
  total.series_expected += part.series_expected;
  total.series_found += part.series_found;
  total.series_missing += part.series_missing;
  total.series_incomplete += part.series_incomplete;
  total.series_unexpected += part.series_unexpected;
  total.samples_expected += part.samples_expected;
  total.samples_found += part.samples_found;
  total.samples_missing += part.samples_missing;
  total.samples_duplicated += part.samples_duplicated;
  total.samples_unexpected += part.samples_unexpected;
  total.queries += part.queries;
  total.seconds_to_settle = std::max(total.seconds_to_settle, part.seconds_to_settle);
  for (const MissingSeriesExample& e : part.examples) {
    if (total.examples.size() < 10) {
      total.examples.push_back(e);
    }
  }
}

RunReport MergeRepeats(const std::vector<RunReport>& runs,
                       const std::vector<assertions::AssertionSpec>& specs,
                       const RunRecord* baseline) {
  RunReport out = runs.back();  // Scenario, environment, traces, logs, alerts.
  RunRecord& r = out.record;
  r.run_id = runs.front().record.run_id + " .. " + runs.back().record.run_id;
  r.started_unix_ms = runs.front().record.started_unix_ms;
  r.duration_seconds = 0;
  r.workloads.clear();
  r.warnings.clear();
  r.repeats.clear();
  bool all_passed = true;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const RunReport& run = runs[i];
    const RunRecord& rec = run.record;
    r.duration_seconds += rec.duration_seconds;
    MergeCompleteness(rec.completeness, r.completeness, i == 0);
    AddVisibility(r.visibility, rec.visibility, i == 0);
    for (const std::string& warning : rec.warnings) {
      r.warnings.push_back("run " + std::to_string(i + 1) + ": " + warning);
    }
    if (!run.infrastructure_error.empty() && out.infrastructure_error.empty()) {
      out.infrastructure_error = "run " + std::to_string(i + 1) + ": " + run.infrastructure_error;
    }
    RepeatRecord rep{.run_id = rec.run_id,
                     .passed = Passed(run),
                     .duration_seconds = rec.duration_seconds,
                     .figures = {}};
    for (const Figure& f : ExtractFigures(rec)) {
      rep.figures[f.name] = f.value;
    }
    all_passed = all_passed && rep.passed;
    r.repeats.push_back(std::move(rep));
  }
  for (std::size_t w = 0; w < runs.front().record.workloads.size(); ++w) {
    std::vector<const WorkloadRecord*> parts;
    for (const RunReport& run : runs) {
      if (w < run.record.workloads.size()) {
        parts.push_back(&run.record.workloads[w]);
      }
    }
    r.workloads.push_back(MergeWorkloadRuns(parts));
  }
  out.assertions = assertions::Evaluate(r, specs, baseline);
  if (!all_passed) {
    std::string failed;
    for (std::size_t i = 0; i < r.repeats.size(); ++i) {
      if (!r.repeats[i].passed) {
        failed += (failed.empty() ? "" : ", ") + std::to_string(i + 1);
      }
    }
    // A combined pass must not hide a failed run: say which, and fail.
    assertions::AssertionResult a;
    a.spec.name = a.spec.expression = "every repeated run passed";
    a.spec.figure = "repeats.passed";
    a.outcome = assertions::Outcome::kFailed;
    a.expected = "every run";
    a.actual = "run(s) " + failed + " of " + std::to_string(runs.size()) + " did not pass";
    a.explanation = a.actual;
    out.assertions.push_back(std::move(a));
  }
  return out;
}

}  // namespace obs::reports
