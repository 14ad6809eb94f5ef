// Storage::Impl, shared by the write path (storage.cc) and the read path
// (storage_read.cc). See storage.h for the contract.
//
// Thread safety: `index_mu` guards the index maps; each MemSeries guards its
// own chunks; the counters are atomics.

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

// One series of a request after label validation.
struct PendingSeries {
  Labels labels;
  std::string key;
  const wire::TimeSeriesView* source = nullptr;
  MemSeries* series = nullptr;
};

}  // namespace internal

class Storage::Impl {
 public:
  Result<AppendStats> Append(const wire::WriteRequestView& request);
  std::vector<std::shared_ptr<const internal::MemSeries>> Candidates(
      const std::vector<Matcher>& matchers) const;
  // Series matching any of `match_sets` (all if empty) with a sample in [mint, maxt].
  std::vector<std::shared_ptr<const internal::MemSeries>> Matching(
      const std::vector<std::vector<Matcher>>& match_sets, std::int64_t mint,
      std::int64_t maxt) const;

  std::atomic<std::uint64_t> samples{0};
  std::atomic<std::uint64_t> chunk_bytes{0};
  mutable std::shared_mutex index_mu;
  std::unordered_map<std::string, std::shared_ptr<internal::MemSeries>>
      by_key;                                               // Guarded by index_mu.
  std::vector<std::shared_ptr<internal::MemSeries>> by_id;  // Guarded by index_mu.
  // name -> value -> ascending series ids. Guarded by index_mu.
  std::map<std::string, std::map<std::string, std::vector<std::uint64_t>, std::less<>>, std::less<>>
      postings;

 private:
  std::size_t Resolve(std::vector<internal::PendingSeries>& pending);
  static Status CheckOrder(const std::vector<internal::PendingSeries>& pending);
};

}  // namespace obs::backend
