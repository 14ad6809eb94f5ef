// Storage::Impl, shared by the write path (storage.cc) and the read path
// (storage_read.cc). See storage.h for the contract.
//
// Thread safety: `index_mu` guards the index maps;
// each MemSeries guards its own chunks; the counters are atomics.
//
// Series identity: `by_hash` maps a 64-bit hash of a series' (sorted,
// validated) labels to the series; series whose hashes collide are told
// apart by comparing labels. No key string is
// stored, and a request whose labels arrive already canonical (sorted, no
// empty values: what every sender writes) finds its series by hashing and
// comparing the received label views, without building any string.

#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/series.h"
#include "store/storage.h"

namespace obs::backend {

namespace internal {

// One series of a request: where its samples are and which series they go to.
struct PendingSeries {
  const wire::SeriesSpan* source = nullptr;
  MemSeries* series = nullptr;
  std::uint64_t hash = 0;  // Of the labels as sent.
};

// An open-addressing (linear probing) multimap from label hash to series:
// one cache line per lookup, 16 bytes a slot, load factor at most 1/2.
// Series are never removed. Thread safety: none (guarded by index_mu).
class SeriesTable {
 public:
  // The first series stored under `hash` for which `match(series)` is true.
  template <typename Match>
  MemSeries* Find(std::uint64_t hash, const Match& match) const {
    if (slots_.empty()) {
      return nullptr;
    }
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.series == nullptr) {
        return nullptr;
      }
      if (slot.hash == hash && match(*slot.series)) {
        return slot.series;
      }
    }
  }

  void Prefetch(std::uint64_t hash) const {
    if (!slots_.empty()) {
      __builtin_prefetch(&slots_[hash & mask_]);
    }
  }

  // REQUIRES: `series` not stored yet.
  void Insert(std::uint64_t hash, MemSeries* series) {
    if ((size_ + 1) * 2 > slots_.size()) {
      std::vector<Slot> old = std::move(slots_);
      slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
      mask_ = slots_.size() - 1;
      for (const Slot& s : old) {
        if (s.series != nullptr) {
          Place(s);
        }
      }
    }
    Place(Slot{.hash = hash, .series = series});
    ++size_;
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    MemSeries* series = nullptr;
  };
  void Place(const Slot& slot) {
    std::size_t i = slot.hash & mask_;
    while (slots_[i].series != nullptr) {
      i = (i + 1) & mask_;
    }
    slots_[i] = slot;
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace internal

class Storage::Impl {
 public:
  Result<AppendStats> Append(const wire::FlatWriteRequest& request);
  std::vector<std::shared_ptr<const internal::MemSeries>> Candidates(
      const std::vector<Matcher>& matchers) const;
  // Series matching any of `match_sets` (all if empty) with a sample in [mint, maxt].
  std::vector<std::shared_ptr<const internal::MemSeries>> Matching(
      const std::vector<std::vector<Matcher>>& match_sets, std::int64_t mint,
      std::int64_t maxt) const;

  std::atomic<std::uint64_t> samples{0};
  std::atomic<std::uint64_t> chunk_bytes{0};
  mutable std::shared_mutex index_mu;
  internal::SeriesTable by_hash;                            // Guarded by index_mu.
  std::vector<std::shared_ptr<internal::MemSeries>> by_id;  // Guarded by index_mu.
  // name -> value -> ascending series ids. Guarded by index_mu.
  std::map<std::string, std::map<std::string, std::vector<std::uint64_t>, std::less<>>, std::less<>>
      postings;

 private:
  // Finds the series of every entry of `pending`; creates the missing ones.
  Result<std::size_t> Resolve(const wire::FlatWriteRequest& request,
                              std::vector<internal::PendingSeries>& pending);
  static Status CheckOrder(const wire::FlatWriteRequest& request,
                           const std::vector<internal::PendingSeries>& pending);
};

}  // namespace obs::backend
