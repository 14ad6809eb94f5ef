// OtlpMetricsIngest puts OTLP metrics into the same series storage remote
// write fills, named and labelled as Prometheus's OTLP receiver names them
// (wire/otlp_prometheus.h), so one PromQL query reads both.
//
// Delta temporality: each delta point is added to a running total per
// series, so the stored series is cumulative (what rate() and increase()
// expect); the first delta of a series starts its total.
//
// Partial success: the translated request is appended at once when every
// series accepts it; otherwise point by point, and each refused data point
// (untranslatable, out of order, a different value at a stored timestamp) is
// counted with the first reason. A resource's target_info that is older
// than the stored one is skipped silently: it is not a data point.
//
// Fault mode (negative tests): with `drop_every_nth_sample` = n, every n-th
// translated sample (counted over the ingest's life, as remote write counts
// its own) is acknowledged but never stored.
//
// Thread safety: Append() may be called concurrently.

#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "obs/wire/otlp.h"

#include "store/storage.h"

namespace obs::backend {

struct OtlpMetricsAppend {
  std::size_t rejected = 0;  // Data points refused.
  std::string first_error;
  std::uint64_t samples = 0;  // Samples stored.
  std::uint64_t dropped = 0;  // Samples discarded by the fault mode.
};

class OtlpMetricsIngest {
 public:
  // `storage` must outlive the ingest.
  explicit OtlpMetricsIngest(Storage& storage, std::uint64_t drop_every_nth_sample = 0)
      : storage_(storage), drop_every_nth_sample_(drop_every_nth_sample) {}

  OtlpMetricsAppend Append(const wire::otlp::MetricsData& data);

 private:
  Storage& storage_;
  const std::uint64_t drop_every_nth_sample_;
  std::atomic<std::uint64_t> fault_samples_seen_{0};
  std::mutex delta_mu_;
  std::unordered_map<std::string, double> delta_totals_;  // Series text -> running total.
};

}  // namespace obs::backend
