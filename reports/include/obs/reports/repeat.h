// `obsbench run --repeat N`: combining the reports of N runs of one scenario.
//
// The combined record describes all runs together: per workload, counters
// add up and latency histograms merge (so p99 is the p99 of every request of
// every run), target and achieved rates are the means of the runs, duration
// is their sum; completeness and visibility counts add up and lag histograms
// merge. Trace, log and alert sections are those of the last run. Every run
// keeps its own figures and verdict in `repeats`, which is what `compare`
// uses to measure noise. The assertions are evaluated again on the combined
// record; the combined report passes only if they pass and every run passed.
//
// Thread safety: a pure function.

#pragma once

#include <vector>

#include "obs/assertions/assertions.h"
#include "obs/reports/report.h"

namespace obs::reports {

// Adds `part` to `total` (counts summed, examples kept up to 10); with
// `first`, `total` starts from `part`. Used for the workloads of one run and
// for the runs of a --repeat.
void MergeCompleteness(const CompletenessRecord& part, CompletenessRecord& total, bool first);

// The runs of one workload as one record: counters summed, histograms
// merged, rates the mean of the runs, intervals concatenated in order (when
// their widths agree). Named after the first. Used for --repeat and for the
// rounds of an experiment's variant.
WorkloadRecord MergeWorkloadRuns(const std::vector<const WorkloadRecord*>& runs);

// REQUIRES: !runs.empty(), all of one scenario. A run with an
// infrastructure error makes the combined report carry it (exit code 3).
// `baseline` is what relative assertions compare with (may be null).
// Workload intervals are concatenated in run order.
RunReport MergeRepeats(const std::vector<RunReport>& runs,
                       const std::vector<assertions::AssertionSpec>& specs,
                       const RunRecord* baseline = nullptr);

}  // namespace obs::reports
