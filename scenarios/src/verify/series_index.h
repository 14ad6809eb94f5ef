// SeriesIndex maps a label set read back from a target to the id of the
// series the load generator wrote with those labels. It stores only a 64-bit
// hash of each sorted label set and the series id (16 bytes per series), so it
// works for millions of series; it never holds label strings.
//
// Exactness: two known series whose hashes collide are both marked, and a
// lookup that lands on a collided hash compares the real labels through the
// `labels_of` callback. An unknown label set whose hash equals a known one is
// the only possible misattribution (probability about n / 2^64 per lookup).
//
// Thread safety: immutable after Build(); Find() may be called concurrently.

#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "verify/promql_text.h"

namespace obs::scenarios {

// A 64-bit hash of sorted (name, value) pairs. Separators make
// {a="bc"} and {ab="c"} hash differently. Stable across runs and platforms.
std::uint64_t HashLabels(const LabelPairs& labels);

class SeriesIndex {
 public:
  using LabelsOf = std::function<LabelPairs(std::uint32_t series_id)>;
  using HashFn = std::uint64_t (*)(const LabelPairs&);

  // Indexes series ids 0..hashes.size()-1. REQUIRES: hashes[id] ==
  // hash(labels_of(id)) with sorted labels (callers compute the hashes while
  // they read the labels for other reasons). `labels_of` must stay valid for
  // the index's lifetime: Find() uses it on collisions. `hash` is a seam for
  // tests that need collisions.
  static SeriesIndex Build(const std::vector<std::uint64_t>& hashes, LabelsOf labels_of,
                           HashFn hash = &HashLabels);

  // The id of the series with exactly `labels` (sorted), or nullopt.
  std::optional<std::uint32_t> Find(const LabelPairs& labels) const;

  std::size_t size() const { return entries_.size(); }
  // Known series that share a hash with another known series.
  std::size_t collisions() const { return collisions_; }

 private:
  struct Entry {
    std::uint64_t hash;
    std::uint32_t id;
    bool collided;
  };

  std::vector<Entry> entries_;  // Sorted by (hash, id).
  std::size_t collisions_ = 0;
  LabelsOf labels_of_;
  HashFn hash_ = &HashLabels;
};

}  // namespace obs::scenarios
