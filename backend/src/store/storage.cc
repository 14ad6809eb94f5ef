#include "store/storage.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "store/series.h"
#include "store/storage_impl.h"

namespace obs::backend {

using internal::MemSeries;
using internal::PendingSeries;

SeriesRef::SeriesRef(std::shared_ptr<const MemSeries> series) : series_(std::move(series)) {}

std::uint64_t SeriesRef::id() const {
  return series_->id();
}

const Labels& SeriesRef::labels() const {
  return series_->labels();
}

std::vector<wire::Sample> SeriesRef::Samples(std::int64_t mint, std::int64_t maxt) const {
  return series_->Samples(mint, maxt);
}

namespace {

// The identity of a label set: name \xff value \xff ... (0xff never occurs in UTF-8).
std::string LabelsKey(const Labels& labels) {
  std::string key;
  for (const LabelPair& l : labels) {
    key += l.name;
    key += '\xff';
    key += l.value;
    key += '\xff';
  }
  return key;
}

std::string DebugLabels(const wire::TimeSeriesView& ts) {
  Labels raw;
  for (const auto& l : ts.labels) {
    raw.push_back({std::string(l.name), std::string(l.value)});
  }
  return LabelsToString(raw);
}

// Sorts, drops empty values and checks names. Returns kInvalidArgument naming the series.
Result<Labels> ValidateLabels(const wire::TimeSeriesView& ts) {
  Labels labels;
  labels.reserve(ts.labels.size());
  for (const auto& l : ts.labels) {
    if (l.name.empty()) {
      return InvalidArgumentError("empty label name in series " + DebugLabels(ts));
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
                                  DebugLabels(ts));
    }
    if (labels[i].name == "__name__") {
      if (!IsValidMetricName(labels[i].value)) {
        return InvalidArgumentError("invalid metric name \"" + labels[i].value + "\" in series " +
                                    DebugLabels(ts));
      }
    } else if (!IsValidLabelName(labels[i].name)) {
      return InvalidArgumentError("invalid label name \"" + labels[i].name + "\" in series " +
                                  DebugLabels(ts));
    }
  }
  if (labels.empty()) {
    return InvalidArgumentError("empty label set in series " + DebugLabels(ts));
  }
  if (LabelValue(labels, "__name__").empty()) {
    return InvalidArgumentError("missing metric name (__name__ label) in series " +
                                LabelsToString(labels));
  }
  return labels;
}

}  // namespace

// Finds or creates the series of every pending entry; returns how many it created.
std::size_t Storage::Impl::Resolve(std::vector<PendingSeries>& pending) {
  std::size_t missing = 0;
  {
    std::shared_lock lock(index_mu);
    for (PendingSeries& p : pending) {
      auto it = by_key.find(p.key);
      p.series = it == by_key.end() ? nullptr : it->second.get();
      missing += p.series == nullptr ? 1 : 0;
    }
  }
  if (missing == 0) {
    return 0;
  }
  std::size_t created = 0;
  std::unique_lock lock(index_mu);
  for (PendingSeries& p : pending) {
    if (p.series != nullptr) {
      continue;
    }
    auto [it, inserted] = by_key.try_emplace(p.key);
    if (inserted) {
      const std::uint64_t id = by_id.size();
      it->second = std::make_shared<MemSeries>(id, p.labels);
      by_id.push_back(it->second);
      for (const LabelPair& l : p.labels) {
        postings[l.name][l.value].push_back(id);
      }
      ++created;
    }
    p.series = it->second.get();
  }
  return created;
}

// Checks every sample against its series' last sample and the request's own
// earlier samples. REQUIRES: all series locked.
Status Storage::Impl::CheckOrder(const std::vector<PendingSeries>& pending) {
  std::unordered_map<const MemSeries*, std::optional<internal::LastSample>> last;
  for (const PendingSeries& p : pending) {
    auto [it, inserted] = last.try_emplace(p.series);
    if (inserted) {
      it->second = p.series->LastLocked();
    }
    for (const wire::Sample& s : p.source->samples) {
      const auto bits = std::bit_cast<std::uint64_t>(s.value);
      if (it->second && s.timestamp_ms < it->second->t) {
        return InvalidArgumentError("out of order sample for series " + LabelsToString(p.labels) +
                                    ": " + std::to_string(s.timestamp_ms) + " < " +
                                    std::to_string(it->second->t));
      }
      if (it->second && s.timestamp_ms == it->second->t && bits != it->second->value_bits) {
        return InvalidArgumentError("duplicate sample for timestamp " +
                                    std::to_string(s.timestamp_ms) + " with a different value " +
                                    "for series " + LabelsToString(p.labels));
      }
      it->second = internal::LastSample{.t = s.timestamp_ms, .value_bits = bits};
    }
  }
  return Status::Ok();
}

Result<AppendStats> Storage::Impl::Append(const wire::WriteRequestView& request) {
  if (request.histogram_count > 0) {
    return InvalidArgumentError("native histograms are not supported: " +
                                std::to_string(request.histogram_count) + " in request");
  }
  std::vector<PendingSeries> pending;
  pending.reserve(request.timeseries.size());
  for (const auto& ts : request.timeseries) {
    OBS_ASSIGN_OR_RETURN(Labels labels, ValidateLabels(ts));
    std::string key = LabelsKey(labels);
    pending.push_back({std::move(labels), std::move(key), &ts, nullptr});
  }
  AppendStats stats{.series = pending.size(), .samples = 0, .new_series = Resolve(pending)};

  // Lock every touched series in id order (no deadlock between requests).
  std::vector<MemSeries*> order;
  order.reserve(pending.size());
  for (const PendingSeries& p : pending) {
    order.push_back(p.series);
  }
  std::sort(order.begin(), order.end(),
            [](const MemSeries* a, const MemSeries* b) { return a->id() < b->id(); });
  order.erase(std::unique(order.begin(), order.end()), order.end());
  std::vector<std::unique_lock<std::mutex>> locks;
  locks.reserve(order.size());
  for (MemSeries* s : order) {
    locks.emplace_back(s->mutex());
  }
  OBS_RETURN_IF_ERROR(CheckOrder(pending));
  std::size_t bytes = 0;
  for (const PendingSeries& p : pending) {
    for (const wire::Sample& s : p.source->samples) {
      const auto last = p.series->LastLocked();
      if (last && last->t == s.timestamp_ms) {
        continue;  // Same timestamp and value: a no-op, as in Prometheus.
      }
      bytes += p.series->AppendLocked(s.timestamp_ms, s.value);
      ++stats.samples;
    }
  }
  samples.fetch_add(stats.samples, std::memory_order_relaxed);
  chunk_bytes.fetch_add(bytes, std::memory_order_relaxed);
  return stats;
}

Storage::Storage(StorageOptions /*options*/) : impl_(std::make_unique<Impl>()) {}

Storage::~Storage() = default;

Result<AppendStats> Storage::Append(const wire::WriteRequestView& request) {
  return impl_->Append(request);
}

Storage::Stats Storage::stats() const {
  std::shared_lock lock(impl_->index_mu);
  return Stats{.series = impl_->by_id.size(),
               .samples = impl_->samples.load(std::memory_order_relaxed),
               .chunk_bytes = impl_->chunk_bytes.load(std::memory_order_relaxed)};
}

}  // namespace obs::backend
