// Infers which acknowledged samples of one series a target lost, from the
// timestamps it returned and the ledger's summary of that series (first and
// last acknowledged timestamp, count). The ledger keeps no per-sample data,
// so the sending interval is estimated as (last - first) / (acked - 1) and
// the result is exact only for a series sent at a steady interval (which the
// load generator's schedule gives); otherwise it is a best guess.
//
// Thread safety: a stateless function.

#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace obs::scenarios {

// Up to `max_count` missing timestamps, oldest first. `found` must be sorted
// ascending. A timestamp is missing when no found sample lies within half an
// interval of where the next one was due (the grid re-anchors on every found
// sample, so jitter does not accumulate). Found samples outside the expected
// grid (extra ones) are skipped. Returns nothing when acked == 0.
std::vector<std::int64_t> InferMissingTimestamps(const std::vector<std::int64_t>& found,
                                                 std::int64_t first_ms, std::int64_t last_ms,
                                                 std::uint64_t acked, std::size_t max_count);

}  // namespace obs::scenarios
