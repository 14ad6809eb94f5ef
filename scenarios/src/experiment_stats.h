// The analysis half of an experiment (docs/overhead.md): from the variant
// runs, the overhead of each variant against the baseline variant with a
// confidence interval, and each variant's export completeness per
// destination. Pure functions, so the statistics are tested without
// starting anything.
//
// Pairing: round r of a variant is compared with round r of the baseline
// (they ran minutes apart at most, interleaved), so drift of the machine
// between rounds cancels out of each difference. The interval is Student's
// t over the per-round differences (two-sided 95%); with one round there is
// no interval (NaN bounds).
//
// Thread safety: stateless.

#pragma once

#include <string>
#include <vector>

#include "obs/base/run_record.h"

namespace obs::scenarios::internal {

// The figures compared, in report order: cpu_per_request (seconds),
// cpu_cores, rss_mean and rss_max (bytes), p50, p95, p99 and
// p99_uncorrected (seconds), throughput (answered requests/s), saturation
// (best interval's requests/s; only when `staged`), threads_max,
// ctx_switches_per_request.
std::vector<OverheadRecord> ComputeOverhead(const std::vector<VariantRunRecord>& runs,
                                            const std::vector<std::string>& variants,
                                            const std::string& baseline, bool staged);

// Per variant and each destination it exported to: server spans received
// over all rounds against requests answered over all rounds.
std::vector<ExportCompletenessRecord> ComputeExportCompleteness(
    const std::vector<VariantRunRecord>& runs, const std::vector<std::string>& variants);

// The two-sided 95% quantile of Student's t with `df` degrees of freedom
// (df >= 1); 1.96 in the limit.
double StudentT975(int df);

}  // namespace obs::scenarios::internal
