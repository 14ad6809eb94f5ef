#include "api/otlp_metrics_ingest.h"

#include <cmath>
#include <vector>

#include "obs/wire/otlp_prometheus.h"
#include "obs/wire/remote_write.h"

namespace obs::backend {
namespace {

std::string SeriesKey(const wire::otlp::PromSeries& s) {
  std::string key;
  for (const wire::Label& l : s.labels) {
    key += l.name;
    key += '\xff';
    key += l.value;
    key += '\xfe';
  }
  return key;
}

void AddView(const wire::otlp::TranslatedPoint& point, wire::WriteRequestView& request) {
  for (const wire::otlp::PromSeries& s : point.series) {
    wire::TimeSeriesView& view = request.timeseries.emplace_back();
    view.labels.reserve(s.labels.size());
    for (const wire::Label& l : s.labels) {
      view.labels.push_back(wire::LabelView{l.name, l.value});
    }
    view.samples.push_back(s.sample);
    ++request.sample_count;
  }
}

}  // namespace

OtlpMetricsAppend OtlpMetricsIngest::Append(const wire::otlp::MetricsData& data) {
  wire::otlp::TranslatedMetrics translated = wire::otlp::TranslateToPrometheus(data);
  OtlpMetricsAppend out{.rejected = translated.rejected,
                        .first_error = std::move(translated.first_error),
                        .samples = 0};
  {
    std::lock_guard<std::mutex> lock(delta_mu_);
    for (wire::otlp::TranslatedPoint& point : translated.points) {
      if (!point.delta) {
        continue;
      }
      for (wire::otlp::PromSeries& s : point.series) {
        if (wire::IsStaleNaN(s.sample.value)) {
          continue;
        }
        double& total = delta_totals_[SeriesKey(s)];
        total += s.sample.value;
        s.sample.value = total;
      }
    }
  }
  if (const std::uint64_t n = drop_every_nth_sample_; n > 0) {
    for (wire::otlp::TranslatedPoint& point : translated.points) {
      if (point.target_info) {
        continue;
      }
      std::erase_if(point.series, [&](const wire::otlp::PromSeries&) {
        const bool drop =
            (fault_samples_seen_.fetch_add(1, std::memory_order_relaxed) + 1) % n == 0;
        out.dropped += drop ? 1 : 0;
        return drop;
      });
    }
  }
  wire::WriteRequestView all;
  for (const wire::otlp::TranslatedPoint& point : translated.points) {
    AddView(point, all);
  }
  if (all.timeseries.empty()) {
    return out;
  }
  Result<AppendStats> appended = storage_.Append(all);
  if (appended.ok()) {
    out.samples = appended->samples;
    return out;
  }
  // Something was refused: nothing was stored, so store point by point.
  for (const wire::otlp::TranslatedPoint& point : translated.points) {
    wire::WriteRequestView one;
    AddView(point, one);
    Result<AppendStats> r = storage_.Append(one);
    if (r.ok()) {
      out.samples += r->samples;
      continue;
    }
    if (point.target_info) {
      continue;
    }
    if (out.rejected == 0) {
      out.first_error = r.status().message();
    }
    ++out.rejected;
  }
  return out;
}

}  // namespace obs::backend
