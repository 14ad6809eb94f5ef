// SeriesModel holds the immutable tables behind a SeriesSet: one template per
// series of an instance (sorted labels with a placeholder for the instance
// value, and the parameters of its closed-form value curve) plus seeded
// per-instance parameters. Value() and ForEachLabel() decode a series id
// into (generation, instance, template) and compute everything else, so no
// per-series storage is needed. docs/workloads.md documents the curves.
//
// Thread safety: immutable after Build(); safe from any thread.

#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "obs/base/status.h"
#include "obs/loadgen/series_set.h"

namespace obs::loadgen::internal {

enum class ValueKind {
  kCounter,     // scale * integral of (c0 + c1 sin) since the process start.
  kHistBucket,  // floor(count * factor), count = floor(counter); factor = CDF(le).
  kHistSum,     // count * factor; factor = mean latency in seconds.
  kGauge,       // scale * c0 * (1 + c1 sin).
  kStartTime,   // process start in Unix seconds.
};

// Which per-instance multiplier scales a value.
enum class Scale { kNone, kTraffic, kSize };

struct SeriesTemplate {
  std::vector<std::pair<std::string, std::string>> labels;  // Sorted; instance value empty.
  std::size_t instance_index = 0;                           // Position of "instance".
  std::string port;                                         // Of the instance label value.
  ValueKind kind = ValueKind::kGauge;
  Scale scale = Scale::kNone;
  bool integer = false;
  double c0 = 0;
  double c1 = 0;
  double factor = 1;
  double phase = 0;  // Added to the instance's phase.
};

struct InstanceParams {
  double phase = 0;                  // Of the daily curve, radians.
  double traffic = 1;                // Multiplier of request and byte rates, in [0.5, 1.5].
  double size = 1;                   // Machine size multiplier: 1, 2, 4 or 8.
  std::int64_t boot_ms = 0;          // Process start when counters never reset.
  std::int64_t reset_offset_ms = 0;  // Phase of modeled resets, in [0, reset period).
  std::int64_t churn_offset_ms = 0;  // Stagger of churn generations, in [0, interval).
};

class SeriesModel {
 public:
  // Returns kInvalidArgument for options SeriesSet::Create() rejects.
  static Result<std::shared_ptr<const SeriesModel>> Build(const SeriesSetOptions& options);

  const SeriesSetOptions& options() const { return options_; }
  std::size_t slots() const { return slots_; }
  std::size_t generations() const { return generations_; }
  std::size_t per_instance() const { return templates_.size(); }

  std::size_t Generation(std::size_t slot, std::int64_t t_ms) const;
  std::uint32_t SeriesId(std::size_t slot, std::int64_t t_ms) const;
  double Value(std::uint32_t series_id, std::int64_t t_ms) const;
  std::vector<std::string> MetricNames() const;
  // The template of every instance's i-th series (slot = instance *
  // per_instance() + i). REQUIRES: i < per_instance().
  const SeriesTemplate& Template(std::size_t i) const { return templates_[i]; }
  // Unix ms at which the process behind a series last (re)started at or
  // before t_ms: the start time of its cumulative counters.
  std::int64_t ProcessStart(std::uint32_t series_id, std::int64_t t_ms) const {
    return ProcessStartMs(Decode(series_id), t_ms);
  }

  // Calls fn(std::string_view name, std::string_view value) per label, sorted.
  template <typename Fn>
  void ForEachLabel(std::uint32_t series_id, Fn&& fn) const {
    const Decoded d = Decode(series_id);
    char buf[64];
    const std::string_view instance = InstanceValue(d, buf, sizeof buf);
    const auto& labels = d.t->labels;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      fn(std::string_view(labels[i].first),
         i == d.t->instance_index ? instance : std::string_view(labels[i].second));
    }
  }

 private:
  struct Decoded {
    const SeriesTemplate* t = nullptr;
    std::size_t instance = 0;
    std::size_t generation = 0;
  };

  Decoded Decode(std::uint32_t series_id) const;
  std::string_view InstanceValue(const Decoded& d, char* buf, std::size_t size) const;
  // Unix ms at which the process behind `d` last (re)started at or before t_ms.
  std::int64_t ProcessStartMs(const Decoded& d, std::int64_t t_ms) const;
  double CounterValue(const Decoded& d, std::int64_t t_ms) const;

  SeriesSetOptions options_;
  std::vector<SeriesTemplate> templates_;
  std::vector<InstanceParams> instances_;
  std::size_t slots_ = 0;
  std::size_t generations_ = 1;
  std::int64_t churn_interval_ms_ = 0;
  std::int64_t reset_period_ms_ = 0;
};

// Appends the templates of one model kind to `out`. `common` holds job-less
// labels every series carries (obsbench_run, extras). Defined in models.cc.
Status AppendModelTemplates(const ModelOptions& model, std::uint64_t seed, std::size_t model_index,
                            const std::vector<std::pair<std::string, std::string>>& common,
                            std::vector<SeriesTemplate>& out);

// A deterministic uniform double in [0, 1) from (seed, a, b).
double HashUniform(std::uint64_t seed, std::uint64_t a, std::uint64_t b);

}  // namespace obs::loadgen::internal
