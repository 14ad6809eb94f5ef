#include "obs/base/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace obs {
namespace {

// Values below kLinear each get a bucket; above, each [2^k, 2^(k+1)) range is
// split into kSubBuckets equal buckets.
constexpr std::int64_t kLinear = 256;
constexpr int kSubBits = 7;
constexpr std::size_t kSubBuckets = std::size_t{1} << kSubBits;  // 128

}  // namespace

std::size_t Histogram::IndexOf(std::int64_t value) noexcept {
  if (value < kLinear)
    return static_cast<std::size_t>(value);
  const auto v = static_cast<std::uint64_t>(value);
  const int k = 63 - std::countl_zero(v);  // >= 8
  const int shift = k - kSubBits;
  const std::uint64_t sub = (v >> shift) - kSubBuckets;  // 0..127
  return static_cast<std::size_t>(kLinear) + static_cast<std::size_t>(k - 8) * kSubBuckets +
         static_cast<std::size_t>(sub);
}

std::int64_t Histogram::LowerOf(std::size_t index) noexcept {
  if (index < static_cast<std::size_t>(kLinear))
    return static_cast<std::int64_t>(index);
  const std::size_t rest = index - static_cast<std::size_t>(kLinear);
  const int k = static_cast<int>(rest / kSubBuckets) + 8;
  const std::uint64_t sub = (rest % kSubBuckets) + kSubBuckets;
  return static_cast<std::int64_t>(sub << (k - kSubBits));
}

std::int64_t Histogram::UpperOf(std::size_t index) noexcept {
  if (index < static_cast<std::size_t>(kLinear))
    return static_cast<std::int64_t>(index);
  const std::size_t rest = index - static_cast<std::size_t>(kLinear);
  const int k = static_cast<int>(rest / kSubBuckets) + 8;
  return LowerOf(index) + (std::int64_t{1} << (k - kSubBits)) - 1;
}

Histogram::Histogram(std::int64_t max_value) : max_value_(max_value) {
  OBS_CHECK(max_value >= kLinear) << "max_value " << max_value;
  counts_.assign(IndexOf(max_value) + 1, 0);
}

bool Histogram::RecordN(std::int64_t value, std::uint64_t count) noexcept {
  if (value < 0 || value > max_value_) {
    out_of_range_ += count;
    return false;
  }
  if (count == 0)
    return true;
  counts_[IndexOf(value)] += count;
  if (count_ == 0 || value < min_)
    min_ = value;
  if (count_ == 0 || value > max_)
    max_ = value;
  count_ += count;
  sum_ += static_cast<double>(value) * static_cast<double>(count);
  return true;
}

void Histogram::Merge(const Histogram& other) {
  OBS_CHECK(other.max_value_ == max_value_) << other.max_value_ << " vs " << max_value_;
  out_of_range_ += other.out_of_range_;
  if (other.count_ == 0)
    return;
  for (std::size_t i = 0; i < counts_.size(); ++i)
    counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

void Histogram::Reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = out_of_range_ = 0;
  min_ = max_ = 0;
  sum_ = 0;
}

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
}

std::int64_t Histogram::ValueAtPercentile(double p) const {
  if (count_ == 0)
    return 0;
  if (p <= 0)
    return min_;
  if (p >= 100)
    return max_;
  const auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  const std::uint64_t want = std::max<std::uint64_t>(rank, 1);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= want) {
      const std::int64_t mid = LowerOf(i) + (UpperOf(i) - LowerOf(i)) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

std::vector<Histogram::Bucket> Histogram::NonEmptyBuckets() const {
  // Sized exactly: per-interval copies are kept for the whole run.
  std::vector<Bucket> out;
  out.reserve(static_cast<std::size_t>(
      std::count_if(counts_.begin(), counts_.end(), [](std::uint64_t c) { return c != 0; })));
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] != 0)
      out.push_back({LowerOf(i), UpperOf(i), counts_[i]});
  }
  return out;
}

Result<Histogram> Histogram::FromBuckets(const std::vector<Bucket>& buckets, std::int64_t min,
                                         std::int64_t max, double sum, std::int64_t max_value) {
  if (max_value < kLinear)
    return InvalidArgumentError("histogram max_value must be >= 256");
  Histogram h(max_value);
  for (const Bucket& b : buckets) {
    if (b.lower < 0 || b.lower > max_value || LowerOf(IndexOf(b.lower)) != b.lower ||
        UpperOf(IndexOf(b.lower)) != b.upper) {
      return InvalidArgumentError("histogram bucket [" + std::to_string(b.lower) + ", " +
                                  std::to_string(b.upper) + "] does not match the layout");
    }
    h.counts_[IndexOf(b.lower)] += b.count;
    h.count_ += b.count;
  }
  if (h.count_ > 0) {
    if (min > max)
      return InvalidArgumentError("histogram min > max");
    h.min_ = min;
    h.max_ = max;
    h.sum_ = sum;
  }
  return h;
}

}  // namespace obs
