// Histogram is the log-linear latency histogram every obsbench measurement is
// recorded in. Values are non-negative integers in a caller-chosen unit
// (obsbench records latencies in nanoseconds). Values below 256 get a bucket
// each; above that every power-of-two range is split into 128 linear buckets,
// so a bucket is at most 1/128 of its value wide and the value reported for a
// percentile (the bucket's midpoint, clamped to the exact min/max) is within
// 0.4% of a recorded value. The idea is HdrHistogram's; the layout is ours.
//
// Memory is fixed at construction (about 38 KiB for the default 1 h range in
// ns) whatever the run length. Values above `max_value` are not recorded:
// Record() returns false and out_of_range() counts them, so a report can say
// so instead of silently clipping.
//
// Thread safety: none. Record into one histogram per thread and Merge() the
// results.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "obs/base/status.h"

namespace obs {

class Histogram {
 public:
  // One hour in nanoseconds: the default largest recordable value.
  static constexpr std::int64_t kDefaultMaxValue = 3'600'000'000'000;

  // Records values up to kDefaultMaxValue. Not explicit, so records that hold
  // histograms can be built with designated initializers.
  Histogram() : Histogram(kDefaultMaxValue) {}
  // REQUIRES: max_value >= 256.
  explicit Histogram(std::int64_t max_value);

  // Records `value` once (`count` times). Returns false, and counts the
  // values in out_of_range(), if `value` < 0 or > max_value().
  bool Record(std::int64_t value) noexcept { return RecordN(value, 1); }
  bool RecordN(std::int64_t value, std::uint64_t count) noexcept;

  // Adds every value of `other`. REQUIRES: other.max_value() == max_value().
  void Merge(const Histogram& other);

  void Reset() noexcept;

  std::uint64_t count() const { return count_; }
  std::uint64_t out_of_range() const { return out_of_range_; }
  std::int64_t max_value() const { return max_value_; }
  // Exact extremes of the recorded values; 0 when empty.
  std::int64_t min() const { return count_ == 0 ? 0 : min_; }
  std::int64_t max() const { return count_ == 0 ? 0 : max_; }
  // Exact mean of the recorded values; 0 when empty.
  double mean() const;

  // The value at percentile `p` (0..100): the smallest bucket value such that
  // at least p% of the recorded values are at or below it. 0 when empty.
  // p >= 100 gives max(), p <= 0 gives min().
  std::int64_t ValueAtPercentile(double p) const;

  // A non-empty bucket: values in [lower, upper] were counted `count` times.
  struct Bucket {
    std::int64_t lower = 0;
    std::int64_t upper = 0;
    std::uint64_t count = 0;
  };
  // The non-empty buckets in ascending order (for reports and serialization).
  std::vector<Bucket> NonEmptyBuckets() const;

  // Rebuilds a histogram from NonEmptyBuckets() output plus the exact
  // extremes and sum. Returns kInvalidArgument if a bucket does not match
  // this layout.
  static Result<Histogram> FromBuckets(const std::vector<Bucket>& buckets, std::int64_t min,
                                       std::int64_t max, double sum,
                                       std::int64_t max_value = kDefaultMaxValue);

  double sum() const { return sum_; }

  // Bytes this histogram holds (fixed at construction).
  std::size_t memory_bytes() const {
    return sizeof(*this) + counts_.capacity() * sizeof(std::uint64_t);
  }

 private:
  friend class PackedBuckets;

  static std::size_t IndexOf(std::int64_t value) noexcept;
  static std::int64_t LowerOf(std::size_t index) noexcept;
  static std::int64_t UpperOf(std::size_t index) noexcept;

  std::int64_t max_value_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t out_of_range_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  double sum_ = 0;
};

// The counts of a Histogram in a few bytes: its non-empty buckets as varint
// pairs (gap to the previous bucket index, count), 2-4 bytes a bucket where
// NonEmptyBuckets() takes 24. For the many small histograms a run keeps for
// its whole length (one per interval), so that their memory stays a small
// fraction of the process's however long the run. Same layout as Histogram
// (default max value).
//
// Thread safety: none.
class PackedBuckets {
 public:
  PackedBuckets() = default;
  // REQUIRES: h.max_value() == Histogram::kDefaultMaxValue.
  explicit PackedBuckets(const Histogram& h);

  // Adds the counts of `other`.
  void Merge(const PackedBuckets& other);

  bool empty() const { return bytes_.empty(); }
  std::size_t size_bytes() const { return bytes_.size(); }
  std::uint64_t count() const;
  // As Histogram::ValueAtPercentile: the middle of the bucket holding the
  // rank, but never above `max` (the exact maximum, which is not kept
  // here). 0 when empty.
  std::int64_t ValueAtPercentile(double p, std::int64_t max) const;
  std::vector<Histogram::Bucket> Buckets() const;

 private:
  std::string bytes_;
};

}  // namespace obs
