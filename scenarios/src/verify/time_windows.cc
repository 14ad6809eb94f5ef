#include "verify/time_windows.h"

#include <algorithm>

#include "obs/base/check.h"

namespace obs::scenarios {

std::uint64_t WindowCount(std::uint64_t expected_samples, std::uint64_t max_samples_per_query) {
  OBS_CHECK(max_samples_per_query > 0) << "max_samples_per_query must be > 0";
  return std::max<std::uint64_t>(1, expected_samples / max_samples_per_query +
                                        (expected_samples % max_samples_per_query != 0 ? 1 : 0));
}

std::vector<QueryWindow> PlanWindows(std::int64_t first_ms, std::int64_t last_ms,
                                     std::uint64_t count, RangeSemantics semantics) {
  OBS_CHECK(first_ms <= last_ms && count >= 1)
      << "bad window plan " << first_ms << ".." << last_ms << " x" << count;
  const auto span = static_cast<std::uint64_t>(last_ms - first_ms) + 1;
  // At most 2^31 windows keeps i * (span % n) below 2^62 in Offset().
  const std::uint64_t n =
      std::max<std::uint64_t>(1, std::min({count, span / 2, std::uint64_t{1} << 31U}));
  // floor(i * span / n) without overflowing 64 bits.
  const auto offset = [span, n](std::uint64_t i) {
    return i * (span / n) + i * (span % n) / n;
  };
  std::vector<QueryWindow> windows;
  windows.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::uint64_t begin = offset(i);
    const std::uint64_t end = offset(i + 1);
    QueryWindow w;
    w.first_ms = first_ms + static_cast<std::int64_t>(begin);
    w.last_ms = first_ms + static_cast<std::int64_t>(end) - 1;
    w.eval_ms = w.last_ms;
    w.range_ms = w.last_ms - w.first_ms + (semantics == RangeSemantics::kLeftOpen ? 1 : 0);
    windows.push_back(w);
  }
  return windows;
}

}  // namespace obs::scenarios
