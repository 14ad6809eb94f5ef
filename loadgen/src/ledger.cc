#include "obs/loadgen/ledger.h"

#include "obs/base/check.h"

namespace obs::loadgen {

static_assert(sizeof(LedgerEntry) == 32, "a ledger entry is 32 bytes (docs/measurement.md)");

Ledger::Ledger(std::size_t capacity) : entries_(capacity) {}

const LedgerEntry& Ledger::entry(std::uint32_t series_id) const {
  OBS_CHECK(series_id < entries_.size()) << "series id " << series_id << " >= " << entries_.size();
  return entries_[series_id];
}

bool Ledger::RecordRejected(std::uint32_t series_id) noexcept {
  if (series_id >= entries_.size()) {
    return false;
  }
  ++entries_[series_id].rejected;
  return true;
}

bool Ledger::RecordFailed(std::uint32_t series_id) noexcept {
  if (series_id >= entries_.size()) {
    return false;
  }
  ++entries_[series_id].failed;
  return true;
}

bool Ledger::RecordRetried(std::uint32_t series_id) noexcept {
  if (series_id >= entries_.size()) {
    return false;
  }
  ++entries_[series_id].retried;
  return true;
}

LedgerTotals Ledger::Totals() const {
  LedgerTotals t;
  for (const LedgerEntry& e : entries_) {
    t.series_acked += e.acked > 0 ? 1 : 0;
    t.samples_acked += e.acked;
    t.samples_rejected += e.rejected;
    t.samples_failed += e.failed;
    t.retried += e.retried;
  }
  return t;
}

}  // namespace obs::loadgen
