// MemSeries is one stored series: its immutable labels, the closed chunks
// (immutable, shared with readers by pointer) and the open head chunk.
//
// The labels are stored once, as one contiguous blob (for each label in
// order: varint name length, name bytes, varint value length, value bytes),
// so that the ingest path's identity compare reads one or two cache lines
// instead of chasing a pointer per string, and a series costs a single small
// allocation for its labels. labels() materializes a `Labels` value;
// cached_labels() keeps one, built on the first query of the series.
//
// Thread safety: `mutex()` guards the chunk list, the head and the last
// sample. Methods named *Locked require the caller to hold it; the others
// take it themselves for a short copy and decode outside the lock. The lock
// is a one-byte spin lock (a store holds one per series): writers hold it
// for one request's appends, readers for a copy of the head.

#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "obs/base/varint.h"
#include "obs/wire/remote_write.h"

#include "store/chunk.h"
#include "store/labels.h"

namespace obs::backend::internal {

// A closed chunk: immutable, and one allocation (this header, then the
// encoded bytes), about 90 bytes less per chunk than a struct holding a
// std::string behind a shared_ptr. Owned by its series. Series are never
// dropped (no retention yet) and a reader holds its series (SeriesRef) while
// it decodes, so readers keep plain pointers; retention will need a count.
class ClosedChunk {
 public:
  struct Deleter {
    void operator()(ClosedChunk* c) const { ::operator delete(c); }
  };
  using Ptr = std::unique_ptr<ClosedChunk, Deleter>;

  static Ptr Create(std::string_view bytes, std::uint32_t num_samples, std::int64_t min_t,
                    std::int64_t max_t);

  std::string_view bytes() const { return {reinterpret_cast<const char*>(this + 1), size_}; }
  std::uint32_t num_samples() const { return num_samples_; }
  std::int64_t min_t() const { return min_t_; }
  std::int64_t max_t() const { return max_t_; }

 private:
  ClosedChunk(std::int64_t min_t, std::int64_t max_t, std::uint32_t num_samples, std::uint32_t size)
      : min_t_(min_t), max_t_(max_t), num_samples_(num_samples), size_(size) {}

  std::int64_t min_t_;
  std::int64_t max_t_;
  std::uint32_t num_samples_;
  std::uint32_t size_;
};
static_assert(std::is_trivially_destructible_v<ClosedChunk>);

struct LastSample {
  std::int64_t t = 0;
  std::uint64_t value_bits = 0;
};

// A Lockable spin lock that yields while it waits.
class SpinLock {
 public:
  bool try_lock() { return !locked_.exchange(true, std::memory_order_acquire); }
  void lock() {
    for (int spins = 0; !try_lock(); ++spins) {
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > 64) {
          std::this_thread::yield();
        }
      }
    }
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

class MemSeries {
 public:
  // REQUIRES: `labels` valid (sorted, unique names), as the storage checks.
  MemSeries(std::uint64_t id, const Labels& labels);

  std::uint64_t id() const { return id_; }
  // A copy of the labels, decoded from the blob.
  Labels labels() const;
  // The labels decoded once, on the first call (by the read path), and kept
  // for the life of the series; series never queried do not pay for them.
  const Labels& cached_labels() const {
    std::call_once(labels_once_, [this] { labels_cache_ = labels(); });
    return labels_cache_;
  }

  // CompareLabels(a.labels(), b.labels()), without decoding them.
  static int CompareLabels(const MemSeries& a, const MemSeries& b);
  // The encoded labels (see the file comment).
  std::string_view label_blob() const { return {blob_.get(), blob_size_}; }

  // Calls fn(name, value) for every label, in order.
  template <typename Fn>
  void ForEachLabel(const Fn& fn) const {
    const char* p = blob_.get();
    const char* const end = p + blob_size_;
    while (p != end) {
      const std::size_t name_size = ReadLength(p);
      const std::string_view name(p, name_size);
      p += name_size;
      const std::size_t value_size = ReadLength(p);
      fn(name, std::string_view(p, value_size));
      p += value_size;
    }
  }

  // The value of label `name`, or "" if absent.
  std::string_view LabelValue(std::string_view name) const;

  // Whether the labels are exactly `labels[0..count)` (`Pair` has `name` and
  // `value` convertible to std::string_view), compared in order.
  template <typename Pair>
  bool SameLabels(const Pair* labels, std::size_t count) const {
    const char* p = blob_.get();
    const char* const end = p + blob_size_;
    for (std::size_t i = 0; i < count; ++i) {
      if (p == end || !Consume(p, labels[i].name) || !Consume(p, labels[i].value)) {
        return false;
      }
    }
    return p == end;
  }
  SpinLock& mutex() const { return mu_; }

  // The newest sample, if any.
  std::optional<LastSample> LastLocked() const {
    if (head_.num_samples() == 0 && closed_.empty()) {
      return std::nullopt;
    }
    return LastSample{.t = last_t_, .value_bits = last_bits_};
  }
  bool has_samples_locked() const { return head_.num_samples() != 0 || !closed_.empty(); }
  std::int64_t last_t_locked() const { return last_t_; }
  std::uint64_t last_bits_locked() const { return last_bits_; }

  // Appends one sample and returns the growth in encoded bytes.
  // REQUIRES: mutex() held; t > LastLocked()->t (the storage validated it).
  std::size_t AppendLocked(std::int64_t t, double v);

  // Samples with mint <= t <= maxt, in order, stale markers included.
  std::vector<wire::Sample> Samples(std::int64_t mint, std::int64_t maxt) const;
  // The same, into `out` (cleared first; its capacity is reused).
  void Samples(std::int64_t mint, std::int64_t maxt, std::vector<wire::Sample>& out) const;

  // Whether any sample lies in [mint, maxt].
  bool HasSampleIn(std::int64_t mint, std::int64_t maxt) const;

 private:
  // What a reader needs, copied under the lock.
  struct Snapshot {
    std::vector<const ClosedChunk*> chunks;
    std::string head_bytes;
    std::uint32_t head_samples = 0;
    std::int64_t head_min_t = 0;
    std::int64_t head_max_t = 0;
  };
  Snapshot TakeSnapshot(std::int64_t mint, std::int64_t maxt) const;

  // Reads a varint length at `p` and advances past it.
  static std::size_t ReadLength(const char*& p) { return static_cast<std::size_t>(GetVarint(p)); }
  // Whether the length-prefixed string at `p` equals `s`; if so advances past it.
  static bool Consume(const char*& p, std::string_view s) {
    const char* q = p;
    if (ReadLength(q) != s.size() || s.compare(0, s.size(), q, s.size()) != 0) {
      return false;
    }
    p = q + s.size();
    return true;
  }

  const std::uint64_t id_;
  std::unique_ptr<char[]> blob_;  // The labels; immutable after construction.
  std::uint32_t blob_size_ = 0;
  // Inline, so that a query reaches the decoded labels with no extra hop;
  // empty (no heap) until the first query.
  mutable std::once_flag labels_once_;
  mutable Labels labels_cache_;  // Written once, under labels_once_.
  mutable SpinLock mu_;
  std::vector<ClosedChunk::Ptr> closed_;  // Guarded by mu_.
  XorEncoder head_;                       // Guarded by mu_.
  std::int64_t head_min_t_ = 0;           // Guarded by mu_.
  std::int64_t last_t_ = 0;               // Guarded by mu_; valid if any sample.
  std::uint64_t last_bits_ = 0;           // Guarded by mu_; valid if any sample.
};

}  // namespace obs::backend::internal
