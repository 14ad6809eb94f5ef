// MemSeries is one stored series: its immutable labels, the closed chunks
// (immutable, shared with readers by pointer) and the open head chunk.
//
// Thread safety: `mutex()` guards the chunk list, the head and the last
// sample. Methods named *Locked require the caller to hold it; the others
// take it themselves for a short copy and decode outside the lock.

#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
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

class MemSeries {
 public:
  MemSeries(std::uint64_t id, Labels labels) : id_(id), labels_(std::move(labels)) {}

  std::uint64_t id() const { return id_; }
  const Labels& labels() const { return labels_; }
  std::mutex& mutex() const { return mu_; }

  // The newest sample, if any.
  std::optional<LastSample> LastLocked() const;

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
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const Chunk>> closed_;  // Guarded by mu_.
  XorEncoder head_;                                   // Guarded by mu_.
  std::int64_t head_min_t_ = 0;                       // Guarded by mu_.
  std::optional<LastSample> last_;                    // Guarded by mu_.
};

}  // namespace obs::backend::internal
