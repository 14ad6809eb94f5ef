// MemSeries is one stored series: its immutable labels, the closed chunks
// (immutable, shared with readers by pointer) and the open head chunk.
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
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "obs/wire/remote_write.h"

#include "store/chunk.h"
#include "store/labels.h"

namespace obs::backend::internal {

// A closed chunk; never modified after it is built.
struct Chunk {
  std::string bytes;
  std::uint32_t num_samples = 0;
  std::int64_t min_t = 0;
  std::int64_t max_t = 0;
};

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
  MemSeries(std::uint64_t id, Labels labels) : id_(id), labels_(std::move(labels)) {}

  std::uint64_t id() const { return id_; }
  const Labels& labels() const { return labels_; }
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

  // Whether any sample lies in [mint, maxt].
  bool HasSampleIn(std::int64_t mint, std::int64_t maxt) const;

 private:
  // What a reader needs, copied under the lock.
  struct Snapshot {
    std::vector<std::shared_ptr<const Chunk>> chunks;
    std::string head_bytes;
    std::uint32_t head_samples = 0;
    std::int64_t head_min_t = 0;
    std::int64_t head_max_t = 0;
  };
  Snapshot TakeSnapshot(std::int64_t mint, std::int64_t maxt) const;

  const std::uint64_t id_;
  const Labels labels_;
  mutable SpinLock mu_;
  std::vector<std::shared_ptr<const Chunk>> closed_;  // Guarded by mu_.
  XorEncoder head_;                                   // Guarded by mu_.
  std::int64_t head_min_t_ = 0;                       // Guarded by mu_.
  std::int64_t last_t_ = 0;                           // Guarded by mu_; valid if any sample.
  std::uint64_t last_bits_ = 0;                       // Guarded by mu_; valid if any sample.
};

}  // namespace obs::backend::internal
