// OTLP metrics as Prometheus series, the way Prometheus's OTLP receiver
// translates them (docs/traces-and-logs.md "OTLP metrics" lists every rule):
//
//   * names: the OTLP name split at every character that is not an ASCII
//     letter or digit and joined with `_`; the unit appended in Prometheus
//     words (`s` -> `seconds`, `By` -> `bytes`, `1` -> nothing, `{request}`
//     -> nothing, `m/s` -> `meters_per_second`) unless the name already has
//     it; `_total` for monotonic sums, `_ratio` for gauges of unit `1`; a
//     leading digit gets `_`;
//   * labels: data point attributes with invalid characters replaced by `_`
//     (a leading digit gets `key_`, a single leading `_` gets `key`), values
//     of names that collide joined by `;`; `job` from `service.namespace/`
//     `service.name`, `instance` from `service.instance.id`; the other
//     resource attributes go to one `target_info` series per resource;
//   * gauges and sums: one sample per point; histograms: cumulative
//     `_bucket{le=...}` series plus `_sum` and `_count`; summaries:
//     `{quantile=...}` plus `_sum` and `_count`; a point flagged
//     NO_RECORDED_VALUE becomes a staleness marker;
//   * exponential histograms (Prometheus makes native histograms of them;
//     this project has none) are expanded into classic cumulative buckets at
//     the exact bucket boundaries base^i.
//
// Delta temporality: points are translated with their delta values and
// marked `delta`; a stateful receiver (the reference backend) accumulates
// them into the cumulative series Prometheus users query.
//
// Points that cannot be translated (no timestamp, no value, bucket counts
// that do not match the bounds, an empty metric name, ...) are refused one by
// one with a reason naming the metric and the point, so a receiver can answer
// with partial success.
//
// Thread safety: pure functions.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "obs/wire/otlp.h"
#include "obs/wire/remote_write.h"

namespace obs::wire::otlp {

// The Prometheus metric name of `metric` (without _bucket/_sum/_count).
std::string PrometheusMetricName(const Metric& metric);
// The unit words appended to a name ("seconds", "meters_per_second", "" for
// `1` and annotations in braces).
std::string PrometheusUnitSuffix(std::string_view unit);
// A valid Prometheus label name for an attribute key.
std::string PrometheusLabelName(std::string_view key);
// An attribute value as label text: strings as they are, other values as JSON.
std::string PrometheusLabelValue(const AnyValue& value);
// A bucket bound or quantile as Prometheus writes it in `le`/`quantile`:
// the shortest fixed-point form ("0.005", "1", "+Inf").
std::string PrometheusFloat(double v);

struct PromSeries {
  std::vector<Label> labels;  // Sorted by name, `__name__` included.
  Sample sample;
};

// The series one data point becomes. `delta`: the values are increments.
struct TranslatedPoint {
  std::vector<PromSeries> series;
  bool delta = false;
  bool target_info = false;  // A resource's target_info, not a data point of the request.
};

struct TranslatedMetrics {
  std::vector<TranslatedPoint> points;  // Translated data points, then target_info.
  std::size_t rejected = 0;             // Data points refused.
  std::string first_error;              // Why the first one was refused.
};

TranslatedMetrics TranslateToPrometheus(const MetricsData& data);

}  // namespace obs::wire::otlp
