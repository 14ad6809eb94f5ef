// The building blocks of CheckCompleteness (completeness.h): what the ledger
// expects, one full counting pass over the target, and the comparison of the
// two. Split out so each piece stays small and testable.
//
// Thread safety: functions over caller-owned values; a QueryClient argument is
// used from the calling thread only.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "obs/base/run_record.h"
#include "obs/base/status.h"
#include "obs/loadgen/ledger.h"
#include "obs/loadgen/series_set.h"

#include "verify/query_client.h"
#include "verify/series_index.h"
#include "verify/time_windows.h"

namespace obs::scenarios::internal {

// Slack added on both sides of the acknowledged time range.
inline constexpr std::int64_t kRangeMarginMs = 1000;

struct MetricPlan {
  std::string name;
  std::uint64_t expected_samples = 0;  // Acknowledged samples of this metric name.
  std::uint64_t windows = 1;           // Queries per pass for this name.
};

// What the ledger says the target must hold, plus the index to map answers.
struct Expectation {
  std::uint32_t series_count = 0;  // Ids [0, series_count) are checked.
  SeriesIndex index;               // Every series of the set, acked or not.
  std::vector<MetricPlan> metrics;
  std::string run_id;         // Matched as obsbench_run when not empty.
  std::int64_t first_ms = 0;  // Range queried, margins included.
  std::int64_t last_ms = 0;
  std::uint64_t series_expected = 0;
  std::uint64_t samples_expected = 0;
  bool needs_split = false;  // Some metric needs more than one window.
};

// `series` must outlive the result (the index reads labels on collisions).
// Metrics named in `skip` are neither queried nor expected.
Expectation BuildExpectation(const loadgen::SeriesSet& series, const loadgen::Ledger& ledger,
                             std::uint64_t max_samples_per_query,
                             const std::vector<std::string>& skip);

// The raw outcome of one counting pass.
struct PassCounts {
  std::vector<std::uint32_t> found;                     // Per series id, saturating.
  std::unordered_set<std::uint64_t> unexpected_series;  // Label hashes.
  std::uint64_t unexpected_samples = 0;
};

// Runs every count query once. Errors are the client's.
Result<PassCounts> CountPass(QueryClient& client, const Expectation& expectation,
                             const loadgen::Ledger& ledger, RangeSemantics semantics);

// Whether the target's range selectors are left-closed or left-open, probed
// with two tiny queries on the first sample of a few acked series; nullopt
// while none of those samples is visible yet.
Result<std::optional<RangeSemantics>> DetectRangeSemantics(QueryClient& client,
                                                           const Expectation& expectation,
                                                           const loadgen::SeriesSet& series,
                                                           const loadgen::Ledger& ledger);

// The record's counters (no examples, queries or timing) for one pass.
obs::CompletenessRecord Summarize(const Expectation& expectation, const loadgen::Ledger& ledger,
                                  const PassCounts& counts);

// True if two records agree on every found/missing/duplicated/unexpected total.
bool SameTotals(const obs::CompletenessRecord& a, const obs::CompletenessRecord& b);

// The sorted (name, value) pairs of a loadgen label set.
LabelPairs ToLabelPairs(const std::vector<loadgen::Label>& labels);

}  // namespace obs::scenarios::internal
