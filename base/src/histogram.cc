#include "obs/base/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <utility>

#include "obs/base/check.h"
#include "obs/base/varint.h"

namespace obs {
namespace {

// Values below kLinear each get a bucket; above, each [2^k, 2^(k+1)) range is
// split into kSubBuckets equal buckets.
constexpr std::int64_t kLinear = 256;
constexpr int kSubBits = 7;
constexpr std::size_t kSubBuckets = std::size_t{1} << kSubBits;  // 128

// Walks packed (index, count) pairs in ascending index order.
class PackedReader {
 public:
  explicit PackedReader(const std::string& bytes)
      : p_(bytes.data()), end_(bytes.data() + bytes.size()) {
    Next();
  }
  bool done() const { return done_; }
  std::size_t index() const { return index_; }
  std::uint64_t count() const { return count_; }
  void Next() {
    if (p_ == end_) {
      done_ = true;
      return;
    }
    index_ += static_cast<std::size_t>(GetVarint(p_)) + (first_ ? 0 : 1);
    first_ = false;
    count_ = GetVarint(p_);
  }

 private:
  const char* p_;  // PackedBuckets' own bytes: always well formed.
  const char* end_;
  std::size_t index_ = 0;
  std::uint64_t count_ = 0;
  bool first_ = true;
  bool done_ = false;
};

// Appends (index, count) pairs in ascending index order.
class PackedWriter {
 public:
  explicit PackedWriter(std::string& out) : out_(out) {}
  void Add(std::size_t index, std::uint64_t count) {
    AppendVarint(first_ ? index : index - last_ - 1, out_);
    AppendVarint(count, out_);
    last_ = index;
    first_ = false;
  }

 private:
  std::string& out_;
  std::size_t last_ = 0;
  bool first_ = true;
};

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

PackedBuckets::PackedBuckets(const Histogram& h) {
  OBS_CHECK(h.max_value() == Histogram::kDefaultMaxValue) << h.max_value();
  PackedWriter w(bytes_);
  for (std::size_t i = 0; i < h.counts_.size(); ++i) {
    if (h.counts_[i] != 0)
      w.Add(i, h.counts_[i]);
  }
  bytes_.shrink_to_fit();  // Kept for the whole run: no spare capacity.
}

void PackedBuckets::Merge(const PackedBuckets& other) {
  if (other.empty())
    return;
  if (empty()) {
    bytes_ = other.bytes_;
    return;
  }
  std::string out;
  out.reserve(bytes_.size() + other.bytes_.size());
  PackedWriter w(out);
  PackedReader a(bytes_);
  PackedReader b(other.bytes_);
  while (!a.done() || !b.done()) {
    if (b.done() || (!a.done() && a.index() < b.index())) {
      w.Add(a.index(), a.count());
      a.Next();
    } else if (a.done() || b.index() < a.index()) {
      w.Add(b.index(), b.count());
      b.Next();
    } else {
      w.Add(a.index(), a.count() + b.count());
      a.Next();
      b.Next();
    }
  }
  out.shrink_to_fit();
  bytes_ = std::move(out);
}

std::uint64_t PackedBuckets::count() const {
  std::uint64_t n = 0;
  for (PackedReader r(bytes_); !r.done(); r.Next())
    n += r.count();
  return n;
}

std::int64_t PackedBuckets::ValueAtPercentile(double p, std::int64_t max) const {
  const std::uint64_t total = count();
  if (total == 0)
    return 0;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total))));
  std::uint64_t seen = 0;
  for (PackedReader r(bytes_); !r.done(); r.Next()) {
    seen += r.count();
    if (seen >= rank) {
      const std::int64_t lower = Histogram::LowerOf(r.index());
      return std::min(lower + (Histogram::UpperOf(r.index()) - lower) / 2, max);
    }
  }
  return max;
}

std::vector<Histogram::Bucket> PackedBuckets::Buckets() const {
  std::vector<Histogram::Bucket> out;
  for (PackedReader r(bytes_); !r.done(); r.Next())
    out.push_back({Histogram::LowerOf(r.index()), Histogram::UpperOf(r.index()), r.count()});
  return out;
}

}  // namespace obs
