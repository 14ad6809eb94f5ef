#include "batch_builder.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "obs/base/check.h"

namespace obs::loadgen::internal {

namespace {

constexpr std::size_t kInitialIndexSize = 1024;
// At most 1.5 MiB, enough to find neighbours among the last ~16k series.
constexpr std::size_t kNeighbourTableSize = std::size_t{1} << 16;
// How many series ahead Add() prefetches.
constexpr std::size_t kPrefetchAhead = 8;
// Copies from further back take 5 bytes instead of 3: not worth a reference.
constexpr std::size_t kNearBytes = 65536 - 1024;

std::uint64_t Mix(std::uint64_t h) {
  h ^= h >> 33U;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33U;
  return h;
}

// FNV-1a of one encoded label, mixed.
std::uint64_t HashLabel(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  return Mix(h);
}

// Fibonacci hashing: slots of one shard are an arithmetic progression, which
// the multiply spreads over the table.
std::size_t HashSlot(std::uint32_t slot, std::size_t mask) {
  return static_cast<std::size_t>((slot * 0x9e3779b97f4a7c15ULL) >> 32U) & mask;
}

}  // namespace

BatchBuilder::BatchBuilder(const SeriesModel& model)
    : model_(&model), slots_(static_cast<std::uint32_t>(model.slots())), index_(kInitialIndexSize) {
  // About 4 entries per series (each has ~10 labels, later ones overwrite),
  // at most kNeighbourTableSize: a small run keeps a small table.
  neighbours_.resize(std::min(kNeighbourTableSize, std::bit_ceil(4 * model.slots() + 64)));
  static_assert(sizeof(CachedSeries) == 192, "three cache lines (batch_builder.h)");
}

void BatchBuilder::Reset() {
  current_ ^= 1U;
  encoders_[current_].Reset();
  ++batch_;
  previous_ = kNoEntry;
  marks_used_ = 0;
}

// Flattened, so the sample path (lookup, value, encoder call) is one
// function; the rare paths it reaches are noinline.
[[gnu::flatten]] void BatchBuilder::Add(std::uint32_t series_id, std::int64_t ts_ms) {
  const std::size_t i = Lookup(series_id);
  // A sender asks for the entries in order, and a series reads its entry and
  // its delta's program (which carries the literal bytes, so the label bytes
  // are not read): with more series than the cache holds, each would be a
  // miss. Fetch ahead.
  if (i + 2 * kPrefetchAhead < entries_.size()) [[likely]] {
    const char* ahead = reinterpret_cast<const char*>(&entries_[i + 2 * kPrefetchAhead]);
    for (std::size_t b = 0; b < sizeof(CachedSeries); b += 64) {
      __builtin_prefetch(ahead + b);
    }
    __builtin_prefetch(entries_[i + kPrefetchAhead].delta.ops.program_data());
  } else if (i + kPrefetchAhead < entries_.size()) {
    __builtin_prefetch(entries_[i + kPrefetchAhead].delta.ops.program_data());
  }
  std::size_t r = kNoEntry;
  const std::uint32_t chosen = entries_[i].reference;
  if (chosen != kNoReference && MarkedNow(chosen) &&
      encoders_[current_].uncompressed_bytes() - marks_[entries_[chosen].mark_index].head_at +
              entries_[i].labels_size <
          kNearBytes) [[likely]] {
    r = chosen;
  } else if (previous_ != kNoEntry && MarkedNow(previous_)) {
    r = previous_;
  }
  if (marks_used_ == marks_.size()) {
    marks_.emplace_back();
  }
  SeriesMark& mark = marks_[marks_used_];
  CachedSeries& s = entries_[i];
  const wire::SnappyDelta* delta = nullptr;
  const SeriesMark* reference = nullptr;
  if (r != kNoEntry) {
    const CachedSeries& ref = entries_[r];
    if (!s.delta.valid || s.delta.reference_id != ref.id) [[unlikely]] {
      // The other reference of this series (its chosen one, or the series
      // just before it) is in the spare; otherwise compile it there.
      DeltaCache& spare = spare_deltas_[i];
      if (!spare.valid || spare.reference_id != ref.id) {
        CompileDelta(s, ref, spare);
      }
      std::swap(s.delta, spare);
    }
    delta = &s.delta.ops;
    reference = &marks_[ref.mark_index];
  }
  encoders_[current_].AddEncodedSeries(
      std::string_view(labels_.data() + s.labels_offset, s.labels_size), delta, reference,
      model_->Value(s.recipe, s.ref, ts_ms, curves_), ts_ms, mark);
  s.mark_batch = batch_;
  s.mark_id = series_id;
  s.mark_index = static_cast<std::uint32_t>(marks_used_++);
  previous_ = i;
}

void BatchBuilder::CompileDelta(const CachedSeries& entry, const CachedSeries& reference,
                                DeltaCache& cache) {
  wire::CompileSnappyDelta(
      std::string_view(labels_.data() + reference.labels_offset, reference.labels_size),
      std::string_view(labels_.data() + entry.labels_offset, entry.labels_size), cache.ops);
  cache.valid = true;
  cache.reference_id = reference.id;
}

std::string_view BatchBuilder::Finish() {
  return encoders_[current_].Finish();
}

std::size_t BatchBuilder::Lookup(std::uint32_t series_id) {
  // Generation 0 (every id without churn) needs no division.
  const std::uint32_t slot = series_id < slots_ ? series_id : series_id % slots_;
  std::size_t i = next_;
  if (i >= entries_.size() || (entries_[i].id != series_id && entries_[i].id % slots_ != slot))
      [[unlikely]] {
    i = FindOrInsert(slot, series_id);
  }
  next_ = i + 1;
  CachedSeries& e = entries_[i];
  if (e.id != series_id || e.ref.t == nullptr) [[unlikely]] {  // New, or churned.
    e.id = series_id;
    e.ref = model_->Decode(series_id);
    e.recipe = model_->Recipe(e.ref);
    e.delta.valid = false;
    spare_deltas_[i].valid = false;
    EncodeLabels(e);
    ChooseReference(i);
  }
  return i;
}

std::size_t BatchBuilder::FindOrInsert(std::uint32_t slot, std::uint32_t series_id) {
  std::size_t mask = index_.size() - 1;
  std::size_t h = HashSlot(slot, mask);
  for (; index_[h] != 0; h = (h + 1) & mask) {
    if (entries_[index_[h] - 1].id % slots_ == slot) {
      return index_[h] - 1;
    }
  }
  if (2 * (entries_.size() + 1) > index_.size()) {
    GrowIndex();
    mask = index_.size() - 1;
    h = HashSlot(slot, mask);
    while (index_[h] != 0) {
      h = (h + 1) & mask;
    }
  }
  entries_.push_back({.reference = kNoReference,
                      .id = series_id,
                      .labels_size = 0,
                      .labels_capacity = 0,
                      .mark_id = 0,
                      .mark_index = 0,
                      .labels_offset = 0,
                      .mark_batch = 0,
                      .ref = {},
                      .recipe = {},
                      .delta = {}});
  spare_deltas_.emplace_back();
  index_[h] = static_cast<std::uint32_t>(entries_.size());
  return entries_.size() - 1;
}

void BatchBuilder::EncodeLabels(CachedSeries& entry) {
  scratch_.clear();
  label_hashes_.clear();
  model_->ForEachLabel(entry.ref, [this](std::string_view name, std::string_view value) {
    const std::size_t before = scratch_.size();
    wire::WriteRequestEncoder::EncodeLabel(name, value, scratch_);
    label_hashes_.push_back(HashLabel(std::string_view(scratch_).substr(before)));
  });
  const std::size_t size = scratch_.size();
  OBS_CHECK(size < 0xffffffffU / 2) << "label set of " << size << " bytes";
  if (size > entry.labels_capacity) {
    // New, or outgrew its place: the old bytes (if any) become garbage.
    live_label_bytes_ -= entry.labels_capacity;
    entry.labels_capacity = 0;
    if (labels_.size() - live_label_bytes_ > live_label_bytes_ / 2) {
      CompactLabels();
    }
    entry.labels_capacity = static_cast<std::uint32_t>(size + size / 8);
    entry.labels_offset = labels_.size();
    labels_.resize(labels_.size() + entry.labels_capacity);
    live_label_bytes_ += entry.labels_capacity;
  }
  labels_.replace(entry.labels_offset, size, scratch_);
  entry.labels_size = static_cast<std::uint32_t>(size);
}

void BatchBuilder::ChooseReference(std::size_t i) {
  CachedSeries& e = entries_[i];
  // The hash of the label set without label k is `all - label_hashes_[k]`.
  const std::vector<std::uint64_t>& hashes = label_hashes_;
  const std::size_t n = hashes.size();
  std::uint64_t all = 0;
  for (const std::uint64_t h : hashes) {
    all += h;
  }
  const std::size_t mask = neighbours_.size() - 1;
  // Among the neighbours, one whose labels have the same size as these
  // (they differ in a few same-length bytes, and the series' lengths are
  // equal), then the one encoded last (likely the nearest).
  e.reference = kNoReference;
  std::uint64_t best = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint64_t key = Mix(all - hashes[k]);
    const Neighbour& c = neighbours_[key & mask];
    if (c.key != key || c.entry == i || entries_[c.entry].id != c.id) {
      continue;
    }
    const std::uint64_t rank =
        c.order + (entries_[c.entry].labels_size == e.labels_size ? std::uint64_t{1} << 62U : 0);
    if (rank > best) {
      best = rank;
      e.reference = c.entry;
    }
  }
  ++encodings_;
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint64_t key = Mix(all - hashes[k]);
    neighbours_[key & mask] = {
        .key = key, .entry = static_cast<std::uint32_t>(i), .id = e.id, .order = encodings_};
  }
}

void BatchBuilder::GrowIndex() {
  index_.assign(index_.size() * 2, 0);
  const std::size_t mask = index_.size() - 1;
  for (std::size_t e = 0; e < entries_.size(); ++e) {
    std::size_t h = HashSlot(entries_[e].id % slots_, mask);
    while (index_[h] != 0) {
      h = (h + 1) & mask;
    }
    index_[h] = static_cast<std::uint32_t>(e + 1);
  }
}

void BatchBuilder::CompactLabels() {
  std::string live;
  live.reserve(live_label_bytes_);
  for (CachedSeries& e : entries_) {
    const std::size_t offset = live.size();
    live.append(labels_, e.labels_offset, e.labels_capacity);
    e.labels_offset = offset;
  }
  labels_ = std::move(live);
}

}  // namespace obs::loadgen::internal
