// Window planning for split count queries (verify/time_windows.h).

#include <gtest/gtest.h>

#include "verify/time_windows.h"

namespace obs::scenarios {
namespace {

// The millisecond range a window really selects under `semantics`.
std::pair<std::int64_t, std::int64_t> Selected(const QueryWindow& w, RangeSemantics semantics) {
  const std::int64_t left = w.eval_ms - w.range_ms;
  return {semantics == RangeSemantics::kLeftClosed ? left : left + 1, w.eval_ms};
}

TEST(TimeWindowsTest, WindowCountRoundsUp) {
  EXPECT_EQ(WindowCount(0, 10), 1u);
  EXPECT_EQ(WindowCount(10, 10), 1u);
  EXPECT_EQ(WindowCount(11, 10), 2u);
  EXPECT_EQ(WindowCount(5'000'000'001, 5'000'000), 1001u);
}

TEST(TimeWindowsTest, SingleWindowCoversTheWholeRange) {
  const auto windows = PlanWindows(1000, 5000, 1, RangeSemantics::kLeftOpen);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(Selected(windows[0], RangeSemantics::kLeftOpen), std::make_pair(1000L, 5000L));
}

TEST(TimeWindowsTest, SplitWindowsSelectEveryMillisecondExactlyOnce) {
  for (RangeSemantics semantics : {RangeSemantics::kLeftClosed, RangeSemantics::kLeftOpen}) {
    const auto windows = PlanWindows(1'700'000'000'000, 1'700'000'003'599, 7, semantics);
    ASSERT_EQ(windows.size(), 7u);
    std::int64_t next = 1'700'000'000'000;
    for (const QueryWindow& w : windows) {
      const auto [first, last] = Selected(w, semantics);
      EXPECT_EQ(first, next);
      EXPECT_EQ(first, w.first_ms);
      EXPECT_EQ(last, w.last_ms);
      EXPECT_GT(w.range_ms, 0);
      next = last + 1;
    }
    EXPECT_EQ(next, 1'700'000'003'600);
  }
}

TEST(TimeWindowsTest, ShortRangeGetsFewerWindowsOfAtLeastTwoMilliseconds) {
  const auto windows = PlanWindows(10, 14, 100, RangeSemantics::kLeftClosed);
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[0].first_ms, 10);
  EXPECT_EQ(windows[1].last_ms, 14);
  for (const QueryWindow& w : windows) {
    EXPECT_GE(w.range_ms, 1);
  }
}

}  // namespace
}  // namespace obs::scenarios
