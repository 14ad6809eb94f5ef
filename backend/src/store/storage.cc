#include "store/storage.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "store/series.h"
#include "store/storage_impl.h"

namespace obs::backend {

using internal::MemSeries;
using internal::PendingSeries;

SeriesRef::SeriesRef(std::shared_ptr<const MemSeries> series) : series_(std::move(series)) {}

const Labels& SeriesRef::labels() const {
  return series_->cached_labels();
}

std::shared_ptr<const Labels> SeriesRef::labels_ptr() const {
  return {series_, &series_->cached_labels()};
}

std::uint64_t SeriesRef::id() const {
  return series_->id();
}

std::vector<wire::Sample> SeriesRef::Samples(std::int64_t mint, std::int64_t maxt) const {
  return series_->Samples(mint, maxt);
}

void SeriesRef::Samples(std::int64_t mint, std::int64_t maxt,
                        std::vector<wire::Sample>& out) const {
  series_->Samples(mint, maxt, out);
}

namespace {

__extension__ using Uint128 = unsigned __int128;

std::uint64_t Mix(std::uint64_t a, std::uint64_t b) {
  const Uint128 r = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

constexpr std::uint64_t kHashA = 0xa0761d6478bd642fULL;
constexpr std::uint64_t kHashB = 0xe7037ed1a0b428dbULL;
constexpr std::uint64_t kHashC = 0x8ebc6af09c88c6e3ULL;

// A wyhash-style mix over the bytes of `s` and its length.
std::uint64_t HashString(std::uint64_t h, std::string_view s) {
  const char* p = s.data();
  std::size_t n = s.size();
  h = Mix(h ^ n ^ kHashA, kHashB);
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, p, 8);
    h = Mix(h ^ w ^ kHashC, kHashB);
  }
  if (n > 0) {
    // The 1..7 trailing bytes as whole loads (a byte-wise copy into a word
    // would stall on store forwarding): two overlapping 4-byte loads, or
    // the first, middle and last byte.
    std::uint64_t w = 0;
    if (n >= 4) {
      std::uint32_t lo = 0;
      std::uint32_t hi = 0;
      std::memcpy(&lo, p, 4);
      std::memcpy(&hi, p + n - 4, 4);
      w = (std::uint64_t{hi} << 32) | lo;
    } else {
      w = (std::uint64_t{static_cast<unsigned char>(p[0])} << 16) |
          (std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
          static_cast<unsigned char>(p[n - 1]);
    }
    h = Mix(h ^ w ^ kHashC, kHashA);
  }
  return h;
}

// The identity hash of a label sequence; equal for equal (name, value)
// sequences whether they are views or strings.
template <typename Pair>
std::uint64_t HashLabels(const Pair* labels, std::size_t count) {
  std::uint64_t h = count;
  for (std::size_t i = 0; i < count; ++i) {
    h = HashString(h, labels[i].name);
    h = HashString(h, labels[i].value);
  }
  return h;
}

std::string DebugLabels(const wire::LabelView* labels, std::size_t count) {
  Labels raw;
  for (std::size_t i = 0; i < count; ++i) {
    raw.push_back({std::string(labels[i].name), std::string(labels[i].value)});
  }
  return LabelsToString(raw);
}

// Sorts, drops empty values and checks names. Returns kInvalidArgument naming the series.
Result<Labels> ValidateLabels(const wire::LabelView* views, std::size_t count) {
  Labels labels;
  labels.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const wire::LabelView& l = views[i];
    if (l.name.empty()) {
      return InvalidArgumentError("empty label name in series " + DebugLabels(views, count));
    }
    if (!l.value.empty()) {
      labels.push_back({std::string(l.name), std::string(l.value)});
    }
  }
  std::stable_sort(labels.begin(), labels.end(),
                   [](const LabelPair& a, const LabelPair& b) { return a.name < b.name; });
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0 && labels[i].name == labels[i - 1].name) {
      return InvalidArgumentError("label name \"" + labels[i].name + "\" is not unique in series " +
                                  DebugLabels(views, count));
    }
    if (labels[i].name == "__name__") {
      if (!IsValidMetricName(labels[i].value)) {
        return InvalidArgumentError("invalid metric name \"" + labels[i].value + "\" in series " +
                                    DebugLabels(views, count));
      }
    } else if (!IsValidLabelName(labels[i].name)) {
      return InvalidArgumentError("invalid label name \"" + labels[i].name + "\" in series " +
                                  DebugLabels(views, count));
    }
  }
  if (labels.empty()) {
    return InvalidArgumentError("empty label set in series " + DebugLabels(views, count));
  }
  if (LabelValue(labels, "__name__").empty()) {
    return InvalidArgumentError("missing metric name (__name__ label) in series " +
                                LabelsToString(labels));
  }
  return labels;
}

// Per-thread buffers of Append, reused across requests.
struct AppendScratch {
  std::vector<PendingSeries> pending;
  std::vector<MemSeries*> locked;
  wire::FlatWriteRequest flat;  // For Append(const WriteRequestView&).
};

AppendScratch& Scratch() {
  thread_local AppendScratch scratch;
  return scratch;
}

// Unlocks every series in `locked` on scope exit.
class UnlockAll {
 public:
  explicit UnlockAll(std::vector<MemSeries*>& locked) : locked_(locked) {}
  ~UnlockAll() { Release(); }
  UnlockAll(const UnlockAll&) = delete;
  UnlockAll& operator=(const UnlockAll&) = delete;
  void Release() {
    for (MemSeries* s : locked_) {
      s->mutex().unlock();
    }
    locked_.clear();
  }

 private:
  std::vector<MemSeries*>& locked_;
};

}  // namespace

// Looks every series up by the hash of its labels as sent; validates the
// labels of the ones not found (in request order, so the first invalid
// series is the one reported) and creates the missing series. Returns how
// many it created.
Result<std::size_t> Storage::Impl::Resolve(const wire::FlatWriteRequest& request,
                                           std::vector<PendingSeries>& pending) {
  pending.resize(request.series.size());
  std::size_t missing = 0;
  {
    std::shared_lock lock(index_mu);
    // Hash everything first and prefetch the slots, so that the lookups'
    // cache misses overlap.
    for (std::size_t i = 0; i < request.series.size(); ++i) {
      const wire::SeriesSpan& span = request.series[i];
      const std::uint64_t hash = HashLabels(request.labels_of(span), span.label_count);
      pending[i] = PendingSeries{.source = &span, .series = nullptr, .hash = hash};
      by_hash.Prefetch(hash);
    }
    // Then the likely series (the first with the hash) and their labels,
    // each pass's loads depending only on the previous pass's.
    for (PendingSeries& p : pending) {
      p.series = by_hash.Find(p.hash, [](const MemSeries&) { return true; });
      if (p.series != nullptr) {
        __builtin_prefetch(p.series);
      }
    }
    for (const PendingSeries& p : pending) {
      if (p.series != nullptr) {
        __builtin_prefetch(p.series->label_blob().data());
      }
    }
    for (PendingSeries& p : pending) {
      const wire::LabelView* labels = request.labels_of(*p.source);
      const std::size_t count = p.source->label_count;
      if (p.series == nullptr || !p.series->SameLabels(labels, count)) {
        p.series =
            by_hash.Find(p.hash, [&](const MemSeries& s) { return s.SameLabels(labels, count); });
      }
      missing += p.series == nullptr ? 1 : 0;
    }
  }
  if (missing == 0) {
    return std::size_t{0};
  }
  struct Fresh {
    std::size_t index;
    Labels labels;
    std::uint64_t hash;
  };
  std::vector<Fresh> fresh;
  fresh.reserve(missing);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (pending[i].series == nullptr) {
      const wire::SeriesSpan& span = *pending[i].source;
      OBS_ASSIGN_OR_RETURN(Labels labels,
                           ValidateLabels(request.labels_of(span), span.label_count));
      const std::uint64_t hash = HashLabels(labels.data(), labels.size());
      fresh.push_back(Fresh{.index = i, .labels = std::move(labels), .hash = hash});
    }
  }
  std::size_t created = 0;
  std::unique_lock lock(index_mu);
  for (Fresh& f : fresh) {
    MemSeries* s = by_hash.Find(
        f.hash, [&](const MemSeries& m) { return m.SameLabels(f.labels.data(), f.labels.size()); });
    if (s == nullptr) {
      const std::uint64_t id = by_id.size();
      auto series = std::make_shared<MemSeries>(id, f.labels);
      s = series.get();
      for (LabelPair& l : f.labels) {
        postings[std::move(l.name)][std::move(l.value)].push_back(id);
      }
      by_hash.Insert(f.hash, s);
      by_id.push_back(std::move(series));
      ++created;
    }
    pending[f.index].series = s;
  }
  return created;
}

// Checks every sample against its series' last sample and the request's own
// earlier samples. REQUIRES: all series locked.
Status Storage::Impl::CheckOrder(const wire::FlatWriteRequest& request,
                                 const std::vector<PendingSeries>& pending) {
  std::unordered_map<const MemSeries*, std::optional<internal::LastSample>> last;
  for (const PendingSeries& p : pending) {
    auto [it, inserted] = last.try_emplace(p.series);
    if (inserted) {
      it->second = p.series->LastLocked();
    }
    const wire::Sample* sent = request.samples_of(*p.source);
    for (std::size_t i = 0; i < p.source->sample_count; ++i) {
      const wire::Sample& s = sent[i];
      const auto bits = std::bit_cast<std::uint64_t>(s.value);
      if (it->second && s.timestamp_ms < it->second->t) {
        return InvalidArgumentError(
            "out of order sample for series " + LabelsToString(p.series->labels()) + ": " +
            std::to_string(s.timestamp_ms) + " < " + std::to_string(it->second->t));
      }
      if (it->second && s.timestamp_ms == it->second->t && bits != it->second->value_bits) {
        return InvalidArgumentError("duplicate sample for timestamp " +
                                    std::to_string(s.timestamp_ms) + " with a different value " +
                                    "for series " + LabelsToString(p.series->labels()));
      }
      it->second = internal::LastSample{.t = s.timestamp_ms, .value_bits = bits};
    }
  }
  return Status::Ok();
}

Result<AppendStats> Storage::Impl::Append(const wire::FlatWriteRequest& request) {
  if (request.histogram_count > 0) {
    return InvalidArgumentError("native histograms are not supported: " +
                                std::to_string(request.histogram_count) + " in request");
  }
  AppendScratch& scratch = Scratch();
  std::vector<PendingSeries>& pending = scratch.pending;
  OBS_ASSIGN_OR_RETURN(const std::size_t created, Resolve(request, pending));
  AppendStats stats{.series = pending.size(), .samples = 0, .new_series = created};

  // Lock every touched series. Uncontended, try-locks in request order
  // succeed; a failure (another writer, or a series twice in this request)
  // falls back to blocking locks in id order, which cannot deadlock.
  std::vector<MemSeries*>& locked = scratch.locked;
  UnlockAll unlock(locked);
  bool fast = true;
  for (const PendingSeries& p : pending) {
    if (!p.series->mutex().try_lock()) {
      fast = false;
      break;
    }
    locked.push_back(p.series);
  }
  if (!fast) {
    unlock.Release();
    for (const PendingSeries& p : pending) {
      locked.push_back(p.series);
    }
    std::sort(locked.begin(), locked.end(),
              [](const MemSeries* a, const MemSeries* b) { return a->id() < b->id(); });
    locked.erase(std::unique(locked.begin(), locked.end()), locked.end());
    for (MemSeries* s : locked) {
      s->mutex().lock();
    }
  }

  if (locked.size() < pending.size()) {
    // A series appears more than once: check against the request's own samples too.
    OBS_RETURN_IF_ERROR(CheckOrder(request, pending));
  } else {
    for (const PendingSeries& p : pending) {
      const MemSeries& series = *p.series;
      bool have = series.has_samples_locked();
      std::int64_t last_t = series.last_t_locked();
      std::uint64_t last_bits = series.last_bits_locked();
      const wire::Sample* sent = request.samples_of(*p.source);
      for (std::size_t i = 0; i < p.source->sample_count; ++i) {
        const std::int64_t t = sent[i].timestamp_ms;
        const auto bits = std::bit_cast<std::uint64_t>(sent[i].value);
        if (have && t <= last_t && (t < last_t || bits != last_bits)) [[unlikely]] {
          return CheckOrder(request, pending);  // Builds the error message.
        }
        have = true;
        last_t = t;
        last_bits = bits;
      }
    }
  }
  std::size_t bytes = 0;
  for (const PendingSeries& p : pending) {
    MemSeries& series = *p.series;
    const wire::Sample* sent = request.samples_of(*p.source);
    for (std::size_t i = 0; i < p.source->sample_count; ++i) {
      const wire::Sample& s = sent[i];
      if (series.has_samples_locked() && series.last_t_locked() == s.timestamp_ms) {
        continue;  // Same timestamp and value: a no-op, as in Prometheus.
      }
      bytes += series.AppendLocked(s.timestamp_ms, s.value);
      ++stats.samples;
    }
  }
  unlock.Release();
  samples.fetch_add(stats.samples, std::memory_order_relaxed);
  chunk_bytes.fetch_add(bytes, std::memory_order_relaxed);
  return stats;
}

Storage::Storage(StorageOptions /*options*/) : impl_(std::make_unique<Impl>()) {}

Storage::~Storage() = default;

Result<AppendStats> Storage::Append(const wire::WriteRequestView& request) {
  wire::FlatWriteRequest& flat = Scratch().flat;
  wire::FlattenWriteRequest(request, flat);
  return impl_->Append(flat);
}

Result<AppendStats> Storage::Append(const wire::FlatWriteRequest& request) {
  return impl_->Append(request);
}

Storage::Stats Storage::stats() const {
  std::shared_lock lock(impl_->index_mu);
  return Stats{.series = impl_->by_id.size(),
               .samples = impl_->samples.load(std::memory_order_relaxed),
               .chunk_bytes = impl_->chunk_bytes.load(std::memory_order_relaxed)};
}

}  // namespace obs::backend
