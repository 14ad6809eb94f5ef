#include "obs/loadgen/ledger.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace obs::loadgen {
namespace {

TEST(LedgerTest, RecordsAckedRangeAndCounts) {
  Ledger ledger(4);
  EXPECT_TRUE(ledger.RecordAcked(2, 1000));
  EXPECT_TRUE(ledger.RecordAcked(2, 2000));
  EXPECT_TRUE(ledger.RecordRetried(2));
  EXPECT_TRUE(ledger.RecordRejected(1));
  EXPECT_TRUE(ledger.RecordFailed(3));
  const LedgerEntry& e = ledger.entry(2);
  EXPECT_EQ(e.acked, 2u);
  EXPECT_EQ(e.retried, 1u);
  EXPECT_EQ(e.first_ms, 1000);
  EXPECT_EQ(e.last_ms, 2000);
  EXPECT_EQ(ledger.entry(0).acked, 0u);
  EXPECT_EQ(ledger.entry(0).first_ms, 0);
  const LedgerTotals t = ledger.Totals();
  EXPECT_EQ(t.series_acked, 1u);
  EXPECT_EQ(t.samples_acked, 2u);
  EXPECT_EQ(t.samples_rejected, 1u);
  EXPECT_EQ(t.samples_failed, 1u);
  EXPECT_EQ(t.retried, 1u);
}

TEST(LedgerTest, OutOfRangeIdIsRefusedNotRecorded) {
  Ledger ledger(2);
  EXPECT_FALSE(ledger.RecordAcked(2, 1));
  EXPECT_FALSE(ledger.RecordFailed(7));
  EXPECT_EQ(ledger.Totals().samples_acked, 0u);
  EXPECT_EQ(ledger.size(), 2u);
}

TEST(LedgerTest, EntriesAreThirtyTwoBytes) {
  EXPECT_EQ(sizeof(LedgerEntry), 32u);
}

TEST(LedgerTest, ConcurrentWritersOnDisjointSeriesSumExactly) {
  constexpr std::uint32_t kSeries = 1000;
  constexpr int kThreads = 4;
  constexpr int kRounds = 200;
  Ledger ledger(kSeries);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&ledger, t] {
        for (int r = 0; r < kRounds; ++r) {
          for (std::uint32_t id = static_cast<std::uint32_t>(t); id < kSeries; id += kThreads) {
            ledger.RecordAcked(id, r + 1);
          }
        }
      });
    }
  }
  const LedgerTotals totals = ledger.Totals();
  EXPECT_EQ(totals.samples_acked, std::uint64_t{kSeries} * kRounds);
  EXPECT_EQ(totals.series_acked, kSeries);
  EXPECT_EQ(ledger.entry(999).last_ms, kRounds);
}

}  // namespace
}  // namespace obs::loadgen
