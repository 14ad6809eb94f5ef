// Batch forms of range functions (RangeBatchFn, functions.h): many windows
// of one series at once. Each window's result comes from exactly the
// operations of the single-window form (functions_range.cc), in the same
// order, but kLanes windows advance in lockstep so that their independent
// dependency chains (a division and a compensated addition per sample)
// overlap instead of running one after another.

#include <algorithm>
#include <cmath>

#include "query/functions_internal.h"

namespace obs::backend::query::internal {

namespace {

constexpr std::size_t kLanes = 4;

// Values no larger in magnitude keep every partial sum, mean and correction
// of a window finite (a window holds far fewer than 2^40 samples), so the
// single-window forms never take their infinity branches there.
constexpr double kTame = 1e290;

bool AllTame(Points p) {
  return std::all_of(p.begin(), p.end(),
                     [](const wire::Sample& s) { return std::fabs(s.value) <= kTame; });
}

// KahanAdd (functions_range.cc) with its branch written as a select: the
// same result.
inline void KahanStep(double inc, double& sum, double& c) {
  const double t = sum + inc;
  c += std::fabs(sum) >= std::fabs(inc) ? (sum - t) + inc : (inc - t) + sum;
  sum = t;
}

// Calls step(lane, value) for the points of windows w[0..kLanes) in
// lockstep: every lane's j-th point before any lane's (j+1)-th.
template <typename Step>
void Lockstep(Points p, const PointRange* w, Step&& step) {
  std::size_t longest = 0;
  for (std::size_t l = 0; l < kLanes; ++l) {
    longest = std::max(longest, w[l].end - w[l].begin);
  }
  for (std::size_t j = 0; j < longest; ++j) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      if (w[l].begin + j < w[l].end) {
        step(l, p[w[l].begin + j].value);
      }
    }
  }
}

// lanes(first window, first output) for each full group of kLanes windows
// when every value of `p` is tame; `single` for the other windows.
template <typename Lanes>
void Batch(Points p, std::span<const PointRange> windows, std::span<double> out, RangeFn single,
           Lanes&& lanes) {
  std::size_t i = 0;
  if (AllTame(p)) {
    for (; i + kLanes <= windows.size(); i += kLanes) {
      lanes(&windows[i], &out[i]);
    }
  }
  for (; i < windows.size(); ++i) {
    out[i] = *single(p.subspan(windows[i].begin, windows[i].end - windows[i].begin), {}, {});
  }
}

}  // namespace

void AvgOverTimeBatch(Points p, std::span<const PointRange> windows, std::span<double> out) {
  Batch(p, windows, out, AvgOverTime, [&](const PointRange* w, double* o) {
    double mean[kLanes] = {};
    double c[kLanes] = {};
    double count[kLanes] = {};
    Lockstep(p, w, [&](std::size_t l, double v) {
      count[l]++;
      KahanStep(v / count[l] - mean[l] / count[l], mean[l], c[l]);
    });
    for (std::size_t l = 0; l < kLanes; ++l) {
      o[l] = mean[l] + c[l];
    }
  });
}

void SumOverTimeBatch(Points p, std::span<const PointRange> windows, std::span<double> out) {
  Batch(p, windows, out, SumOverTime, [&](const PointRange* w, double* o) {
    double sum[kLanes] = {};
    double c[kLanes] = {};
    Lockstep(p, w, [&](std::size_t l, double v) { KahanStep(v, sum[l], c[l]); });
    for (std::size_t l = 0; l < kLanes; ++l) {
      o[l] = sum[l] + c[l];
    }
  });
}

}  // namespace obs::backend::query::internal
