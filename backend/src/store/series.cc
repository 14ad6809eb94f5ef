#include "store/series.h"

#include <bit>

#include "store/storage.h"

namespace obs::backend::internal {

std::size_t MemSeries::AppendLocked(std::int64_t t, double v) {
  std::size_t grown = 0;
  if (head_.num_samples() >= kSamplesPerChunk) {
    // Close the head: from now on it is immutable and shared with readers.
    auto chunk = std::make_shared<Chunk>();
    chunk->num_samples = head_.num_samples();
    chunk->bytes = head_.TakeBytes();
    chunk->min_t = head_min_t_;
    chunk->max_t = last_t_;
    closed_.push_back(std::move(chunk));
  }
  if (head_.num_samples() == 0) {
    head_min_t_ = t;
  }
  const std::size_t before = head_.bytes().size();
  head_.Append(t, v);
  grown += head_.bytes().size() - before;
  last_t_ = t;
  last_bits_ = std::bit_cast<std::uint64_t>(v);
  return grown;
}

MemSeries::Snapshot MemSeries::TakeSnapshot(std::int64_t mint, std::int64_t maxt) const {
  Snapshot snap;
  std::lock_guard<SpinLock> lock(mu_);
  for (const auto& c : closed_) {
    if (c->max_t >= mint && c->min_t <= maxt) {
      snap.chunks.push_back(c);
    }
  }
  if (head_.num_samples() > 0 && last_t_ >= mint && head_min_t_ <= maxt) {
    snap.head_bytes = head_.bytes();
    snap.head_samples = head_.num_samples();
    snap.head_min_t = head_min_t_;
    snap.head_max_t = last_t_;
  }
  return snap;
}

std::vector<wire::Sample> MemSeries::Samples(std::int64_t mint, std::int64_t maxt) const {
  std::vector<wire::Sample> out;
  if (mint > maxt) {
    return out;
  }
  const Snapshot snap = TakeSnapshot(mint, maxt);
  for (const auto& c : snap.chunks) {
    DecodeRange(c->bytes, c->num_samples, mint, maxt, out);
  }
  DecodeRange(snap.head_bytes, snap.head_samples, mint, maxt, out);
  return out;
}

bool MemSeries::HasSampleIn(std::int64_t mint, std::int64_t maxt) const {
  if (mint > maxt) {
    return false;
  }
  const Snapshot snap = TakeSnapshot(mint, maxt);
  // A chunk whose whole span lies inside the range answers without decoding.
  for (const auto& c : snap.chunks) {
    if (c->min_t >= mint && c->max_t <= maxt) {
      return true;
    }
  }
  if (snap.head_samples > 0 && snap.head_min_t >= mint && snap.head_max_t <= maxt) {
    return true;
  }
  std::vector<wire::Sample> found;
  for (const auto& c : snap.chunks) {
    DecodeRange(c->bytes, c->num_samples, mint, maxt, found);
    if (!found.empty()) {
      return true;
    }
  }
  DecodeRange(snap.head_bytes, snap.head_samples, mint, maxt, found);
  return !found.empty();
}

}  // namespace obs::backend::internal
