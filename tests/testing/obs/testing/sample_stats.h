// Order statistics of a handful of measurements, for the side-by-side
// benchmark programs (rounds of a measurement, latencies of a few hundred
// probes). Not for hot paths: each call sorts a copy.
//
// Thread safety: stateless.

#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace obs::testing {

// The nearest-rank quantile (q in (0, 1]; 1 = the maximum); NaN when empty.
inline double Quantile(std::vector<double> v, double q) {
  if (v.empty()) {
    return NAN;
  }
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(i == 0 ? 0 : i - 1, v.size() - 1)];
}

// The median (the mean of the middle two for an even count); NaN when empty.
inline double Median(std::vector<double> v) {
  if (v.empty()) {
    return NAN;
  }
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace obs::testing
