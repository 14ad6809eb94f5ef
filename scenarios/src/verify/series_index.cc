#include "verify/series_index.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "obs/base/check.h"

namespace obs::scenarios {
namespace {

constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

std::uint64_t FnvAppend(std::uint64_t h, std::string_view bytes, unsigned char separator) {
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnvPrime;
  }
  h ^= separator;
  h *= kFnvPrime;
  return h;
}

// splitmix64's finalizer: spreads FNV's weak low bits over the whole word.
std::uint64_t Mix(std::uint64_t h) {
  h ^= h >> 30U;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27U;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31U;
  return h;
}

}  // namespace

std::uint64_t HashLabels(const LabelPairs& labels) {
  std::uint64_t h = kFnvOffset;
  for (const auto& [name, value] : labels) {
    h = FnvAppend(h, name, 0xFE);
    h = FnvAppend(h, value, 0xFF);
  }
  return Mix(h);
}

SeriesIndex SeriesIndex::Build(const std::vector<std::uint64_t>& hashes, LabelsOf labels_of,
                               HashFn hash) {
  OBS_CHECK(hashes.size() <= UINT32_MAX) << "series ids are 32-bit";
  SeriesIndex index;
  index.hash_ = hash;
  index.entries_.reserve(hashes.size());
  for (std::size_t id = 0; id < hashes.size(); ++id) {
    index.entries_.push_back(
        {.hash = hashes[id], .id = static_cast<std::uint32_t>(id), .collided = false});
  }
  std::sort(index.entries_.begin(), index.entries_.end(), [](const Entry& a, const Entry& b) {
    return a.hash != b.hash ? a.hash < b.hash : a.id < b.id;
  });
  for (std::size_t i = 1; i < index.entries_.size(); ++i) {
    if (index.entries_[i].hash == index.entries_[i - 1].hash) {
      index.collisions_ += index.entries_[i - 1].collided ? 1U : 2U;
      index.entries_[i].collided = true;
      index.entries_[i - 1].collided = true;
    }
  }
  index.labels_of_ = std::move(labels_of);
  return index;
}

std::optional<std::uint32_t> SeriesIndex::Find(const LabelPairs& labels) const {
  const std::uint64_t hash = hash_(labels);
  auto it = std::lower_bound(entries_.begin(), entries_.end(), hash,
                             [](const Entry& e, std::uint64_t h) { return e.hash < h; });
  if (it == entries_.end() || it->hash != hash) {
    return std::nullopt;
  }
  if (!it->collided) {
    return it->id;
  }
  for (; it != entries_.end() && it->hash == hash; ++it) {
    if (labels_of_(it->id) == labels) {
      return it->id;
    }
  }
  return std::nullopt;
}

}  // namespace obs::scenarios
