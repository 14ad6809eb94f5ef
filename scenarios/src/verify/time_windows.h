// Query-window planning for the completeness check. A `count_over_time(s[r])`
// evaluated at `t` counts the samples in a time range whose left edge depends
// on the target: Prometheus 2.x and the embedded backend select [t-r, t]
// (left-closed), VictoriaMetrics and Prometheus 3 select (t-r, t]
// (left-open). When a range is split into consecutive windows, a sample that
// sits exactly on a boundary must be counted once, so the plan takes the
// target's semantics (detected at run time, see completeness.cc).
//
// Thread safety: stateless functions.

#pragma once

#include <cstdint>
#include <vector>

namespace obs::scenarios {

enum class RangeSemantics {
  kLeftClosed,  // [t - range, t]
  kLeftOpen,    // (t - range, t]
};

// One query: evaluate at `eval_ms` with a `range_ms` selector; it counts
// exactly the samples with timestamps in [first_ms, last_ms].
struct QueryWindow {
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
  std::int64_t eval_ms = 0;
  std::int64_t range_ms = 0;
};

// How many windows keep every query at or below `max_samples_per_query`
// when `expected_samples` are spread over the range: ceil(expected / max),
// at least 1. REQUIRES: max_samples_per_query > 0.
std::uint64_t WindowCount(std::uint64_t expected_samples, std::uint64_t max_samples_per_query);

// Splits [first_ms, last_ms] into `count` consecutive, non-overlapping
// windows of near-equal length that together cover every millisecond once.
// Each window is at least 2 ms long (so a left-closed range is never 0), so
// fewer windows come back for a very short range. REQUIRES: first_ms <=
// last_ms and count >= 1.
std::vector<QueryWindow> PlanWindows(std::int64_t first_ms, std::int64_t last_ms,
                                     std::uint64_t count, RangeSemantics semantics);

}  // namespace obs::scenarios
