#include "store/series.h"

#include <bit>
#include <cstring>
#include <new>

#include "store/storage.h"

namespace obs::backend::internal {

namespace {

char* PutString(char* p, std::string_view s) {
  p = PutVarint(p, s.size());
  if (!s.empty()) {
    std::memcpy(p, s.data(), s.size());
  }
  return p + s.size();
}

}  // namespace

ClosedChunk::Ptr ClosedChunk::Create(std::string_view bytes, std::uint32_t num_samples,
                                     std::int64_t min_t, std::int64_t max_t) {
  void* memory = ::operator new(sizeof(ClosedChunk) + bytes.size());
  Ptr chunk(new (memory)
                ClosedChunk(min_t, max_t, num_samples, static_cast<std::uint32_t>(bytes.size())));
  if (!bytes.empty()) {
    std::memcpy(chunk.get() + 1, bytes.data(), bytes.size());
  }
  return chunk;
}

MemSeries::MemSeries(std::uint64_t id, const Labels& labels) : id_(id) {
  std::size_t size = 0;
  for (const LabelPair& l : labels) {
    size += VarintSize(l.name.size()) + l.name.size() + VarintSize(l.value.size()) + l.value.size();
  }
  blob_ = std::make_unique_for_overwrite<char[]>(size);
  blob_size_ = static_cast<std::uint32_t>(size);
  char* p = blob_.get();
  for (const LabelPair& l : labels) {
    p = PutString(PutString(p, l.name), l.value);
  }
}

Labels MemSeries::labels() const {
  std::size_t count = 0;
  ForEachLabel([&](std::string_view, std::string_view) { ++count; });
  Labels out;
  out.reserve(count);
  ForEachLabel([&](std::string_view name, std::string_view value) {
    out.push_back({std::string(name), std::string(value)});
  });
  return out;
}

int MemSeries::CompareLabels(const MemSeries& a, const MemSeries& b) {
  const char* p = a.blob_.get();
  const char* const p_end = p + a.blob_size_;
  const char* q = b.blob_.get();
  const char* const q_end = q + b.blob_size_;
  // Names and values alternate in both blobs, so comparing string by string
  // compares pair by pair.
  while (p != p_end && q != q_end) {
    const std::size_t p_size = ReadLength(p);
    const std::size_t q_size = ReadLength(q);
    if (const int c = std::string_view(p, p_size).compare(std::string_view(q, q_size)); c != 0) {
      return c;
    }
    p += p_size;
    q += q_size;
  }
  if (p == p_end && q == q_end) {
    return 0;
  }
  return p == p_end ? -1 : 1;
}

std::string_view MemSeries::LabelValue(std::string_view name) const {
  std::string_view found;
  ForEachLabel([&](std::string_view n, std::string_view v) {
    if (found.empty() && n == name) {
      found = v;
    }
  });
  return found;
}

std::size_t MemSeries::AppendLocked(std::int64_t t, double v) {
  std::size_t grown = 0;
  if (head_.num_samples() >= kSamplesPerChunk) {
    // Close the head: from now on it is immutable and shared with readers.
    closed_.push_back(
        ClosedChunk::Create(head_.bytes(), head_.num_samples(), head_min_t_, last_t_));
    head_.Reset();
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
  for (const ClosedChunk::Ptr& c : closed_) {
    if (c->max_t() >= mint && c->min_t() <= maxt) {
      snap.chunks.push_back(c.get());
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
  Samples(mint, maxt, out);
  return out;
}

void MemSeries::Samples(std::int64_t mint, std::int64_t maxt,
                        std::vector<wire::Sample>& out) const {
  out.clear();
  if (mint > maxt) {
    return;
  }
  const Snapshot snap = TakeSnapshot(mint, maxt);
  for (const ClosedChunk* c : snap.chunks) {
    DecodeRange(c->bytes(), c->num_samples(), mint, maxt, out);
  }
  DecodeRange(snap.head_bytes, snap.head_samples, mint, maxt, out);
}

bool MemSeries::HasSampleIn(std::int64_t mint, std::int64_t maxt) const {
  if (mint > maxt) {
    return false;
  }
  const Snapshot snap = TakeSnapshot(mint, maxt);
  // A chunk whose whole span lies inside the range answers without decoding.
  for (const ClosedChunk* c : snap.chunks) {
    if (c->min_t() >= mint && c->max_t() <= maxt) {
      return true;
    }
  }
  if (snap.head_samples > 0 && snap.head_min_t >= mint && snap.head_max_t <= maxt) {
    return true;
  }
  std::vector<wire::Sample> found;
  for (const ClosedChunk* c : snap.chunks) {
    DecodeRange(c->bytes(), c->num_samples(), mint, maxt, found);
    if (!found.empty()) {
      return true;
    }
  }
  DecodeRange(snap.head_bytes, snap.head_samples, mint, maxt, found);
  return !found.empty();
}

}  // namespace obs::backend::internal
