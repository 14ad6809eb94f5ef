// IntervalRecorder: what each figure of an interval is attributed to, exact
// merging across senders, percentiles from the sparse buckets, the bounded
// interval count, and the live progress it feeds.
#include <chrono>
#include <cstdint>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/loadgen/progress.h"

#include "workload_record.h"

namespace obs::loadgen::internal {
namespace {

using std::chrono::milliseconds;

const SteadyClock::time_point kStart{std::chrono::seconds(1000)};

SteadyClock::time_point At(std::int64_t ms) {
  return kStart + milliseconds(ms);
}

TEST(IntervalRecorderTest, AttributesDueSentAndAnswerToTheirOwnIntervals) {
  WorkloadRecord rec;
  IntervalRecorder r(rec, kStart, 10, nullptr);
  // Due at 0.5 s, first sent at 1.2 s (the sender was behind), answered at
  // 2.7 s after a retry; failed.
  r.Request(At(500), At(1200), At(2700), 100, false);
  r.Request(At(2100), At(2100), At(2150), 50, true);
  r.Finish();
  ASSERT_EQ(rec.interval_seconds, 1);
  ASSERT_EQ(rec.intervals.size(), 3U);
  EXPECT_EQ(rec.intervals[0].items_due, 100U);
  EXPECT_EQ(rec.intervals[0].items_sent, 0U);
  EXPECT_EQ(rec.intervals[1].items_sent, 100U);
  EXPECT_EQ(rec.intervals[1].requests_sent, 1U);
  EXPECT_EQ(rec.intervals[2].items_due, 50U);
  EXPECT_EQ(rec.intervals[2].items_sent, 50U);
  EXPECT_EQ(rec.intervals[2].requests_ok, 1U);
  EXPECT_EQ(rec.intervals[2].requests_error, 1U);
  EXPECT_EQ(rec.intervals[0].requests_ok + rec.intervals[0].requests_error, 0U);
  // Both requests settled in interval 2: corrected 2.2 s and 50 ms.
  FinishIntervals(rec);
  EXPECT_EQ(rec.intervals[2].latency_corrected.count, 2U);
  EXPECT_EQ(rec.intervals[2].latency_corrected.max, 2'200'000'000);
  EXPECT_EQ(rec.intervals[2].latency_uncorrected.max, 1'500'000'000);
  EXPECT_NEAR(static_cast<double>(rec.intervals[2].latency_corrected.p50), 50e6, 50e6 * 0.01);
  // The whole-run histograms get every request too.
  EXPECT_EQ(rec.latency_corrected.count(), 2U);
  EXPECT_EQ(rec.latency_corrected.max(), 2'200'000'000);
}

TEST(IntervalRecorderTest, PercentilesMatchTheWholeRunHistogram) {
  WorkloadRecord rec;
  IntervalRecorder r(rec, kStart, 10, nullptr);
  for (int i = 1; i < 1000; ++i) {
    // All due, sent and answered within interval 0; latency 1..999 ms.
    r.Request(At(0), At(0), At(i), 1, true);
  }
  r.Finish();
  FinishIntervals(rec);
  ASSERT_EQ(rec.intervals.size(), 1U);
  const LatencySummary& s = rec.intervals[0].latency_corrected;
  EXPECT_EQ(s.count, 999U);
  EXPECT_EQ(s.p50, rec.latency_corrected.ValueAtPercentile(50));
  EXPECT_EQ(s.p90, rec.latency_corrected.ValueAtPercentile(90));
  EXPECT_EQ(s.p99, rec.latency_corrected.ValueAtPercentile(99));
  EXPECT_EQ(s.p999, rec.latency_corrected.ValueAtPercentile(99.9));
  EXPECT_EQ(s.max, 999'000'000);
}

TEST(IntervalRecorderTest, SendersMergeExactly) {
  WorkloadRecord a;
  WorkloadRecord b;
  WorkloadRecord both;
  IntervalRecorder ra(a, kStart, 10, nullptr);
  IntervalRecorder rb(b, kStart, 10, nullptr);
  IntervalRecorder rboth(both, kStart, 10, nullptr);
  for (int i = 0; i < 500; ++i) {
    const std::int64_t t = i * 7;  // 0 .. 3.5 s
    ra.Request(At(t), At(t), At(t + i % 40), 2, true);
    rboth.Request(At(t), At(t), At(t + i % 40), 2, true);
    rb.Request(At(t + 3), At(t + 4), At(t + 4 + i % 90), 3, i % 10 != 0);
    rboth.Request(At(t + 3), At(t + 4), At(t + 4 + i % 90), 3, i % 10 != 0);
  }
  ra.Finish();
  rb.Finish();
  rboth.Finish();
  WorkloadRecord merged;
  MergeCounts(merged, a);
  MergeCounts(merged, b);
  FinishIntervals(merged);
  FinishIntervals(both);
  ASSERT_EQ(merged.intervals.size(), both.intervals.size());
  for (std::size_t i = 0; i < both.intervals.size(); ++i) {
    const IntervalRecord& m = merged.intervals[i];
    const IntervalRecord& o = both.intervals[i];
    EXPECT_EQ(m.items_due, o.items_due) << i;
    EXPECT_EQ(m.items_sent, o.items_sent) << i;
    EXPECT_EQ(m.requests_ok, o.requests_ok) << i;
    EXPECT_EQ(m.requests_error, o.requests_error) << i;
    EXPECT_EQ(m.latency_corrected.count, o.latency_corrected.count) << i;
    EXPECT_EQ(m.latency_corrected.p99, o.latency_corrected.p99) << i;
    EXPECT_EQ(m.latency_uncorrected.p50, o.latency_uncorrected.p50) << i;
    EXPECT_EQ(m.latency_corrected.max, o.latency_corrected.max) << i;
  }
  EXPECT_GT(merged.intervals[1].requests_error, 0U);
}

TEST(IntervalRecorderTest, WidthKeepsLongRunsWithinAThousandIntervals) {
  EXPECT_EQ(IntervalWidthSeconds(30), 1);
  EXPECT_EQ(IntervalWidthSeconds(1000), 1);
  EXPECT_EQ(IntervalWidthSeconds(1001), 2);
  EXPECT_EQ(IntervalWidthSeconds(3600), 5);
  EXPECT_EQ(IntervalWidthSeconds(24 * 3600), 120);
  WorkloadRecord rec;
  IntervalRecorder r(rec, kStart, 24 * 3600, nullptr);
  for (std::int64_t s = 0; s < 24 * 3600; s += 60) {
    r.Request(At(s * 1000), At(s * 1000), At(s * 1000 + 5), 1, true);
  }
  r.Finish();
  EXPECT_LE(rec.intervals.size(), 1000U);
  EXPECT_EQ(rec.interval_seconds, 120);
}

// The bookkeeping a run reports: two histograms per sender record, two per
// interval recorder, two in the merged record, and the intervals' bytes, a
// few bytes a latency bucket. A day-long plan costs what ~720 intervals
// cost, however many requests it records.
TEST(IntervalRecorderTest, BookkeepingCountsHistogramsAndBoundedIntervals) {
  const std::uint64_t one = Histogram().memory_bytes();
  WorkloadRecord a;
  WorkloadRecord b;
  IntervalRecorder ra(a, kStart, 24 * 3600, nullptr);
  IntervalRecorder rb(b, kStart, 24 * 3600, nullptr);
  for (std::int64_t s = 0; s < 24 * 3600; s += 2) {
    for (int k = 0; k < 5; ++k) {
      const std::int64_t latency = 1 + (s * 7 + k * 13) % 97;  // 1..97 ms
      ra.Request(At(s * 1000), At(s * 1000), At(s * 1000 + latency), 100, true);
      rb.Request(At(s * 1000 + 1), At(s * 1000 + 1), At(s * 1000 + 1 + latency), 100, true);
    }
  }
  ra.Finish();
  rb.Finish();
  EXPECT_EQ(a.bookkeeping.histograms, 2 * one);  // The recorder's own two.
  WorkloadRecord merged;
  MergeCounts(merged, a);
  MergeCounts(merged, b);
  FinishIntervals(merged);
  EXPECT_EQ(merged.bookkeeping.histograms, 8 * one + 2 * one);
  EXPECT_EQ(merged.bookkeeping.ledger, 0U);  // Set by the workload that has one.
  ASSERT_EQ(merged.intervals.size(), 720U);
  // 97 distinct latencies at most per interval, 2-4 bytes a packed bucket.
  const std::uint64_t per_interval = sizeof(IntervalRecord) + 2 * 97 * 4;
  EXPECT_GT(merged.bookkeeping.intervals, 720 * sizeof(IntervalRecord));
  EXPECT_LE(merged.bookkeeping.intervals, 720 * per_interval);
  EXPECT_EQ(merged.bookkeeping.total(),
            merged.bookkeeping.histograms + merged.bookkeeping.intervals);
}

TEST(IntervalRecorderTest, FeedsLiveProgress) {
  WorkloadRecord rec;
  LiveProgress progress;
  IntervalRecorder r(rec, kStart, 10, &progress);
  r.Request(At(0), At(0), At(20), 10, true);
  r.Request(At(0), At(0), At(40), 5, false);
  LiveProgress::Snapshot s = progress.Take();
  EXPECT_EQ(s.items_sent, 15U);
  EXPECT_EQ(s.requests_ok, 1U);
  EXPECT_EQ(s.requests_error, 1U);
  EXPECT_EQ(s.window_requests, 2U);
  EXPECT_NEAR(static_cast<double>(s.window_p99_ns), 40e6, 40e6 * 0.01);
  s = progress.Take();  // A new window: totals stay, the window is empty.
  EXPECT_EQ(s.items_sent, 15U);
  EXPECT_EQ(s.window_requests, 0U);
  EXPECT_EQ(s.window_p99_ns, 0);
}

}  // namespace
}  // namespace obs::loadgen::internal
