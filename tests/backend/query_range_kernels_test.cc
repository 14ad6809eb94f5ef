// Batch forms of range functions (FunctionDef::range_batch_fn): for every
// window, bit for bit the single-window result, over windows of all lengths
// and counts, with and without values that take the infinity branches.

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "obs/wire/remote_write.h"

#include "query/functions.h"

namespace obs::backend::query {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Sliding windows of `width` points every `stride` points, then a few of
// random bounds: lengths 1..width, counts that are and are not multiples of
// the batch's lane count.
std::vector<PointRange> Windows(std::size_t points, std::size_t width, std::size_t stride,
                                std::mt19937& rng) {
  std::vector<PointRange> out;
  for (std::size_t end = 1; end <= points; end += stride) {
    out.push_back({end > width ? end - width : 0, end});
  }
  for (int i = 0; i < 7; ++i) {
    const std::size_t a = rng() % points;
    const std::size_t b = rng() % points;
    out.push_back({std::min(a, b), std::max(a, b) + 1});
  }
  return out;
}

void ExpectBatchMatchesSingle(const std::string& name, const std::vector<wire::Sample>& points,
                              std::mt19937& rng) {
  const FunctionDef* f = FindFunction(name);
  ASSERT_NE(f, nullptr);
  ASSERT_NE(f->range_batch_fn, nullptr) << name;
  for (const std::size_t width : {1U, 2U, 3U, 5U, 20U, 61U}) {
    for (const std::size_t stride : {1U, 3U, 4U}) {
      const std::vector<PointRange> windows = Windows(points.size(), width, stride, rng);
      std::vector<double> out(windows.size());
      f->range_batch_fn(points, windows, out);
      for (std::size_t i = 0; i < windows.size(); ++i) {
        const std::span<const wire::Sample> win(points.data() + windows[i].begin,
                                                windows[i].end - windows[i].begin);
        const std::optional<double> want = f->range_fn(win, RangeWindow{}, {});
        ASSERT_TRUE(want.has_value());
        EXPECT_EQ(std::bit_cast<std::uint64_t>(out[i]), std::bit_cast<std::uint64_t>(*want))
            << name << " width " << width << " window " << windows[i].begin << ".."
            << windows[i].end << ": " << out[i] << " vs " << *want;
      }
    }
  }
}

TEST(RangeBatchTest, AvgAndSumOverTimeMatchTheSingleWindowForm) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> unit(-1, 1);
  // Counters, noise at very different scales (where compensation matters),
  // and series with the values that need the single-window branches.
  std::vector<std::vector<wire::Sample>> series(7);
  for (int k = 0; k < 300; ++k) {
    const std::int64_t t = std::int64_t{k} * 15000;
    series[0].push_back({k * 3.0 + 0.1, t});
    series[1].push_back({unit(rng) * std::pow(10.0, (k * 7) % 33 - 16), t});
    series[2].push_back({1e16 + unit(rng), t});
    series[3].push_back({k % 50 == 7 ? kInf : (k % 50 == 9 ? -kInf : unit(rng)), t});
    series[4].push_back({k % 40 == 11 ? std::nan("") : unit(rng) * 1e300, t});
    series[6].push_back({unit(rng) * 1e290, t});  // The largest values the lanes take.
    series[5].push_back({(k % 2 == 0 ? 1.7e308 : -1e308) * (k % 3 == 0 ? 1 : 0.9), t});
  }
  for (const char* name : {"avg_over_time", "sum_over_time"}) {
    for (const auto& points : series) {
      ExpectBatchMatchesSingle(name, points, rng);
    }
  }
}

TEST(RangeBatchTest, OnlyFunctionsWithoutScalarsOrTimesHaveABatchForm) {
  for (const FunctionDef& f : AllFunctions()) {
    if (f.range_batch_fn != nullptr) {
      EXPECT_EQ(f.kind, FunctionKind::kRange) << f.name;
      EXPECT_EQ(f.arg_types.size(), 1U) << f.name;
    }
  }
}

}  // namespace
}  // namespace obs::backend::query
