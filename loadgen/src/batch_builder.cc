#include "batch_builder.h"

#include <utility>

#include "obs/base/check.h"

namespace obs::loadgen::internal {
namespace {

constexpr std::size_t kInitialIndexSize = 1024;

// Fibonacci hashing: slots of one shard are an arithmetic progression, which
// the multiply spreads over the table.
std::size_t HashSlot(std::uint32_t slot, std::size_t mask) {
  return static_cast<std::size_t>((slot * 0x9e3779b97f4a7c15ULL) >> 32U) & mask;
}

}  // namespace

BatchBuilder::BatchBuilder(const SeriesModel& model)
    : model_(&model),
      slots_(static_cast<std::uint32_t>(model.slots())),
      index_(kInitialIndexSize) {}

void BatchBuilder::Reset() {
  encoder_.Reset();
}

// Flattened, so the sample path (lookup, value, encoder call) is one
// function; the rare paths it reaches are noinline.
[[gnu::flatten]] void BatchBuilder::Add(std::uint32_t series_id, std::int64_t ts_ms) {
  const CachedSeries& s = entries_[Lookup(series_id)];
  encoder_.AddEncodedSeries(std::string_view(labels_.data() + s.labels_offset, s.labels_size),
                            model_->Value(s.recipe, s.ref, ts_ms, curves_), ts_ms);
}

std::string_view BatchBuilder::Finish() {
  return encoder_.Finish();
}

std::size_t BatchBuilder::Lookup(std::uint32_t series_id) {
  // Generation 0 (every id without churn) needs no division.
  const std::uint32_t slot = series_id < slots_ ? series_id : series_id % slots_;
  std::size_t i = next_;
  if (i >= entries_.size() || entries_[i].slot != slot) [[unlikely]] {
    i = FindOrInsert(slot, series_id);
  }
  next_ = i + 1;
  CachedSeries& e = entries_[i];
  if (e.id != series_id || e.ref.t == nullptr) [[unlikely]] {  // New, or churned.
    e.id = series_id;
    e.ref = model_->Decode(series_id);
    e.recipe = model_->Recipe(e.ref);
    EncodeLabels(e);
  }
  return i;
}

std::size_t BatchBuilder::FindOrInsert(std::uint32_t slot, std::uint32_t series_id) {
  std::size_t mask = index_.size() - 1;
  std::size_t h = HashSlot(slot, mask);
  for (; index_[h] != 0; h = (h + 1) & mask) {
    if (entries_[index_[h] - 1].slot == slot) {
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
  entries_.push_back({.slot = slot,
                      .id = series_id,
                      .labels_size = 0,
                      .labels_capacity = 0,
                      .labels_offset = 0,
                      .ref = {},
                      .recipe = {}});
  index_[h] = static_cast<std::uint32_t>(entries_.size());
  return entries_.size() - 1;
}

void BatchBuilder::EncodeLabels(CachedSeries& entry) {
  scratch_.clear();
  model_->ForEachLabel(entry.ref, [this](std::string_view name, std::string_view value) {
    wire::WriteRequestEncoder::EncodeLabel(name, value, scratch_);
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

void BatchBuilder::GrowIndex() {
  index_.assign(index_.size() * 2, 0);
  const std::size_t mask = index_.size() - 1;
  for (std::size_t e = 0; e < entries_.size(); ++e) {
    std::size_t h = HashSlot(entries_[e].slot, mask);
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
