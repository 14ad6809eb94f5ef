// The label-set helpers declared in value.h: dropping __name__, keys and
// hashes of label sets, the duplicate check, and LabelCache.

#include "query/value.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

namespace obs::backend::query {

LabelsPtr DropMetricName(const LabelsPtr& labels) {
  if (labels->empty() || labels->front().name != "__name__") {
    return labels;  // Sorted: __name__ would come first ('_' < letters).
  }
  return std::make_shared<const Labels>(labels->begin() + 1, labels->end());
}

std::string LabelsKeyOf(const Labels& labels) {
  std::string key;
  for (const LabelPair& l : labels) {
    key += l.name;
    key += '\xff';
    key += l.value;
    key += '\xff';
  }
  return key;
}

std::uint64_t LabelsHash(const Labels& labels) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  auto mix = [&](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  for (const LabelPair& l : labels) {
    mix(l.name);
    mix(l.value);
  }
  return h;
}

void CheckNoDuplicateLabelsets(const Vector& v) {
  if (v.size() < 2) {
    return;
  }
  // Hash first, compare contents only on equal hashes: no allocation per sample.
  std::vector<std::pair<std::uint64_t, const Labels*>> hashes;
  hashes.reserve(v.size());
  for (const InstantSample& s : v) {
    hashes.emplace_back(LabelsHash(*s.labels), s.labels.get());
  }
  std::sort(hashes.begin(), hashes.end());
  for (std::size_t i = 1; i < hashes.size(); ++i) {
    for (std::size_t j = i; j > 0 && hashes[j - 1].first == hashes[i].first; --j) {
      if (*hashes[j - 1].second == *hashes[i].second) {
        throw EvalFailure{QueryErrorType::kExecution,
                          "vector cannot contain metrics with the same labelset"};
      }
    }
  }
}

const LabelsPtr& LabelCache::DropName(const LabelsPtr& in) {
  auto [it, inserted] = dropped_.try_emplace(in.get());
  if (inserted) {
    it->second = {in, DropMetricName(in)};
  }
  return it->second.second;
}

const LabelsPtr& LabelCache::BucketGroup(const LabelsPtr& in) {
  // Inputs made anew at every step would pin every step's label sets: the
  // cache by input is bounded (the interned groups are kept).
  constexpr std::size_t kMaxInputs = 1 << 16;
  if (bucket_groups_.size() >= kMaxInputs && !bucket_groups_.contains(in.get())) {
    bucket_groups_.clear();
  }
  auto [it, inserted] = bucket_groups_.try_emplace(in.get());
  if (inserted) {
    Labels group;
    for (const LabelPair& l : *in) {
      if (l.name != "le") {
        group.push_back(l);
      }
    }
    auto [interned, fresh] = interned_.try_emplace(LabelsKeyOf(group));
    if (fresh) {
      interned->second = std::make_shared<const Labels>(std::move(group));
    }
    it->second = {in, interned->second};
  }
  return it->second.second;
}

}  // namespace obs::backend::query
