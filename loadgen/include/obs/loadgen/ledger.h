// Ledger records, per series id, what happened to every sample the load
// generator offered: acknowledged (2xx), rejected (non-retryable 4xx), failed
// (retries exhausted), how many retried attempts carried one of its samples,
// and the first and last acknowledged timestamp. The completeness check reads
// it back to know exactly what the target promised to have stored.
//
// It is compact: one fixed 32-byte entry per series id in a vector sized at
// construction, and no per-sample storage, so a million series cost 32 MB
// whatever the run length.
//
// Thread safety: Record*() on *different* series ids may run concurrently
// (entries are separate memory locations; the sender gives each series to
// exactly one thread). Record*() on the same id must not race. Totals() and
// entry() must not run concurrently with writers: call them after the
// sender threads have been joined.

#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace obs::loadgen {

struct LedgerEntry {
  std::uint32_t acked = 0, rejected = 0, failed = 0, retried = 0;
  std::int64_t first_ms = 0, last_ms = 0;  // Acked timestamps; 0 while acked == 0.
};

// Sums over every entry.
struct LedgerTotals {
  std::uint64_t series_acked = 0;  // Series with at least one acked sample.
  std::uint64_t samples_acked = 0;
  std::uint64_t samples_rejected = 0;
  std::uint64_t samples_failed = 0;
  std::uint64_t retried = 0;
};

class Ledger {
 public:
  // An empty ledger for series ids [0, capacity).
  explicit Ledger(std::size_t capacity);

  // REQUIRES: series_id < size().
  const LedgerEntry& entry(std::uint32_t series_id) const;
  std::size_t size() const { return entries_.size(); }

  // Hot path: no allocation, no locking. Each returns false (and records
  // nothing) if `series_id` >= size().
  // An acknowledged sample at `ts_ms`; timestamps of one series arrive in
  // increasing order, so last_ms is the newest.
  // Inline: a sender records every sample of every request.
  bool RecordAcked(std::uint32_t series_id, std::int64_t ts_ms) noexcept {
    if (series_id >= entries_.size()) [[unlikely]] {
      return false;
    }
    LedgerEntry& e = entries_[series_id];
    if (e.acked == 0) {
      e.first_ms = ts_ms;
    }
    ++e.acked;
    e.last_ms = ts_ms;
    return true;
  }
  bool RecordRejected(std::uint32_t series_id) noexcept;
  bool RecordFailed(std::uint32_t series_id) noexcept;
  // An attempt beyond the first that carried a sample of this series.
  bool RecordRetried(std::uint32_t series_id) noexcept;

  LedgerTotals Totals() const;
  // Bytes the entries hold (fixed at construction).
  std::size_t memory_bytes() const { return entries_.capacity() * sizeof(LedgerEntry); }

 private:
  std::vector<LedgerEntry> entries_;
};

}  // namespace obs::loadgen
