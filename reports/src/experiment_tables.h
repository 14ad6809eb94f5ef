// The tables of an experiment (docs/overhead.md) as plain cells, shared by
// summary.md and report.html so both show the same figures: the variants
// side by side (means over rounds), the overhead of each variant against
// the baseline with its 95% confidence interval, every round, and export
// completeness per variant and destination. The writers only escape and lay
// out the cells.
//
// Thread safety: stateless.

#pragma once

#include <string>
#include <vector>

#include "obs/base/run_record.h"

namespace obs::reports::internal {

// Shown as `text`, then `name` as code, then `suffix`. `text` and `suffix`
// are written here (numbers and fixed words, never `|` or Markdown
// punctuation; HTML still escapes them); `name` comes from the run (a
// variant or destination name) and is escaped by the writer.
struct ExperimentCell {
  std::string text{};
  std::string name{};
  std::string suffix{};
};

struct ExperimentTable {
  std::vector<ExperimentCell> header{};
  std::vector<std::vector<ExperimentCell>> rows{};
  // Columns from `numeric_from` on hold numbers (right-aligned).
  std::size_t numeric_from = 1;
};

// One column per variant (scenario order), one row per figure: rounds,
// achieved and target requests/s, latency percentiles, application CPU,
// RSS, threads, context switches, obsbench CPU, and one row per export
// destination. Means over each variant's rounds; "–" where there is none.
ExperimentTable ExperimentVariantsTable(const ExperimentRecord& e);

// One row per overhead figure (cpu_per_request both relative and in µs),
// two columns per compared variant: the mean paired difference and its 95%
// confidence interval ("n/a (1 round)" when there is none). No rows when
// no variant is compared with the baseline.
ExperimentTable ExperimentOverheadTable(const ExperimentRecord& e);

// Every run: variant, round, requests/s, p99, CPU µs/request, mean RSS,
// grouped by variant (scenario order), rounds ascending.
ExperimentTable ExperimentRoundsTable(const ExperimentRecord& e);

// One row per variant and destination: requests answered, server spans,
// all spans, decode errors (summed over rounds) and completeness.
ExperimentTable ExperimentExportsTable(const ExperimentRecord& e);

// Mean CPU seconds per request of `variant` over its rounds (NaN without
// any); for the bar chart.
double ExperimentMeanCpuPerRequest(const ExperimentRecord& e, const std::string& variant);

// The overhead record of `variant` and `figure`, or null.
const OverheadRecord* FindOverhead(const ExperimentRecord& e, const std::string& variant,
                                   const std::string& figure);

}  // namespace obs::reports::internal
