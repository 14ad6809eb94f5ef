// The OTLP/HTTP metrics load generator: RunOtlpMetrics() exports the same
// SeriesSet models the remote-write load writes (docs/workloads.md), the way
// an OpenTelemetry SDK's periodic reader does: each instance is one process
// whose collection, every `scrape_interval`, becomes one export request to
// `/v1/metrics` (staggered across instances; instance i belongs to sender
// i % concurrency, so its points leave in time order).
//
// Mapping (docs/traces-and-logs.md "OTLP metrics load"): the resource is
// service.name = the series' job, service.instance.id = its instance; every
// other label is a data point attribute. Counters become monotonic sums
// (cumulative, or delta: the increase since the previous collection, the
// first collection carrying everything since the process start), gauges
// become gauges, and each `_bucket`/`_sum`/`_count` family becomes one
// histogram data point with the `le` bounds as explicit bounds, or an
// exponential histogram (scale 4) whose buckets hold each classic bucket's
// observations at its upper bound. Units follow the name (`_seconds` "s",
// `_bytes` "By"), so the Prometheus translation gives back the model's names.
//
// Every data point's fate goes to the Ledger under the model series it stands
// for, so the remote-write completeness check reads OTLP loads unchanged.
// Exponential bucket series are target-specific (classic expansion or native
// histograms) and so are not in the ledger: UncheckedMetricNames() lists them.
//
// Thread safety: RunOtlpMetrics() blocks until the load ends; call it from
// any thread. OtlpMetricsBuilder is immutable after Create().

#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/status.h"
#include "obs/loadgen/remote_write.h"
#include "obs/loadgen/series_set.h"
#include "obs/wire/otlp.h"

namespace obs::loadgen {

struct OtlpMetricsOptions {
  // url (http://host:port/v1/metrics), series, scrape_interval_seconds (the
  // export interval), duration_seconds, concurrency, retry, headers,
  // bearer_token, request_timeout_seconds and late_threshold_seconds apply;
  // rate mode, stages, batch_size and stop_when do not (an SDK exports each
  // collection whole, once per interval) and must stay at their defaults.
  RemoteWriteOptions load{};
  wire::otlp::Encoding encoding = wire::otlp::Encoding::kProtobuf;
  bool gzip = false;
  wire::otlp::AggregationTemporality temporality = wire::otlp::AggregationTemporality::kCumulative;
  bool exponential_histograms = false;
};

// Builds the export requests of one SeriesSet.
class OtlpMetricsBuilder {
 public:
  // Returns kInvalidArgument for a set whose histogram families are
  // incomplete (a `_bucket` family without `_count`, or without +Inf).
  static Result<OtlpMetricsBuilder> Create(const SeriesSet& series,
                                           const OtlpMetricsOptions& options);

  std::size_t instances() const;
  // Data points in one instance's collection.
  std::size_t points_per_collection() const;
  // Model series per instance that an export stands for in the ledger.
  std::size_t recorded_per_collection() const;

  // The export of `instance`'s collection at Unix ms `t_ms`; `prev_ms` is
  // the previous collection (delta start), or < 0 for the first one. Appends
  // the ids of the model series it carries to `recorded` (cleared first).
  void Build(std::size_t instance, std::int64_t t_ms, std::int64_t prev_ms,
             wire::otlp::MetricsData& out, std::vector<std::uint32_t>& recorded) const;

  // Metric names of the SeriesSet whose series an export does not carry
  // as such (the classic buckets of exponential histograms).
  std::vector<std::string> UncheckedMetricNames() const;

  struct Plan;  // Defined in otlp_metrics.cc.

 private:
  OtlpMetricsBuilder(SeriesSet series, std::shared_ptr<const Plan> plan)
      : series_(std::move(series)), plan_(std::move(plan)) {}
  SeriesSet series_;
  std::shared_ptr<const Plan> plan_;
};

struct OtlpMetricsResult {
  RemoteWriteResult load;  // record (samples_* count data points), ledger, series.
  std::vector<std::string> unchecked_metric_names;
};

Status ValidateOtlpMetricsOptions(const OtlpMetricsOptions& options);

// Returns kInvalidArgument for bad options, kUnavailable if the target
// refuses connections at the start. Failures during the run are data.
Result<OtlpMetricsResult> RunOtlpMetrics(const OtlpMetricsOptions& options, const Clock& clock,
                                         const std::atomic<bool>* stop = nullptr);

}  // namespace obs::loadgen
