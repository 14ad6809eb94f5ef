#include "verify/missing_timestamps.h"

#include <cmath>

namespace obs::scenarios {

std::vector<std::int64_t> InferMissingTimestamps(const std::vector<std::int64_t>& found,
                                                 std::int64_t first_ms, std::int64_t last_ms,
                                                 std::uint64_t acked, std::size_t max_count) {
  std::vector<std::int64_t> missing;
  if (acked == 0 || max_count == 0) {
    return missing;
  }
  if (acked == 1 || last_ms <= first_ms) {
    bool present = false;
    for (std::int64_t t : found) {
      present = present || t == first_ms;
    }
    if (!present) {
      missing.push_back(first_ms);
    }
    return missing;
  }
  const double interval = static_cast<double>(last_ms - first_ms) / static_cast<double>(acked - 1);
  const double tolerance = interval / 2;
  const double end = static_cast<double>(last_ms) + tolerance;
  double due = static_cast<double>(first_ms);  // Where the next acknowledged sample should be.
  for (std::int64_t t : found) {
    const auto ft = static_cast<double>(t);
    while (ft > due + tolerance && due <= end && missing.size() < max_count) {
      missing.push_back(std::llround(due));
      due += interval;
    }
    if (missing.size() >= max_count || due > end) {
      return missing;
    }
    if (std::abs(ft - due) <= tolerance) {
      due = ft + interval;
    }
  }
  while (due <= end && missing.size() < max_count) {
    missing.push_back(std::llround(due));
    due += interval;
  }
  return missing;
}

}  // namespace obs::scenarios
