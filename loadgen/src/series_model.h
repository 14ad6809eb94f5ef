// SeriesModel holds the immutable tables behind a SeriesSet: one template per
// series of an instance (sorted labels with a placeholder for the instance
// value, and the parameters of its closed-form value curve) plus seeded
// per-instance parameters. Value() and ForEachLabel() decode a series id
// into (generation, instance, template) and compute everything else, so no
// per-series storage is needed. docs/workloads.md documents the curves.
// CurveCache lets a sender memoize the trigonometry of Value() per batch.
//
// Thread safety: immutable after Build(); safe from any thread.

#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
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

// Memoizes the daily-curve terms Value() computes, keyed by their inputs. In
// a batch many series share a timestamp, a process start and a phase (those
// of one instance and route), so a sender computes each distinct term once
// instead of per sample. Results are bit-identical to the uncached ones: a
// miss evaluates the very expressions SeriesModel::Value(id, t) evaluates.
//
// Thread safety: none; one per thread. Holds no model state, so one cache
// may serve any model.
class CurveCache {
 public:
  // The time-dependent terms of a counter: seconds since `start_ms`, and the
  // integral of sin(w x + phase) over [start_ms, t_ms] (divided by w).
  struct CounterTerms {
    double elapsed = 0;
    double sine_integral = 0;
  };

  CurveCache();

  CounterTerms Counter(std::int64_t start_ms, std::int64_t t_ms, double phase) {
    const auto bits = std::bit_cast<std::uint64_t>(phase);
    CounterEntry& e = counters_[Slot(start_ms, t_ms, bits)];
    if (e.start_ms != start_ms || e.t_ms != t_ms || e.phase_bits != bits) [[unlikely]] {
      e = {.start_ms = start_ms,
           .t_ms = t_ms,
           .phase_bits = bits,
           .terms = ComputeCounter(start_ms, t_ms, phase)};
    }
    return e.terms;
  }
  // cos(angle(t_ms) + phase), as a counter's integral uses it.
  double Cos(std::int64_t t_ms, double phase) { return Lookup(cos_, t_ms, phase, 0.0, false); }
  // sin((angle(t_ms) + phase_a) + phase_b), as a gauge uses it (the sum in
  // this order, so the rounding matches).
  double Sin(std::int64_t t_ms, double phase_a, double phase_b) {
    return Lookup(sin_, t_ms, phase_a, phase_b, true);
  }

 private:
  static constexpr unsigned kBits = 8;  // 256 direct-mapped entries per table.
  struct Entry {
    std::int64_t t_ms = 0;
    std::uint64_t a_bits = 0;
    std::uint64_t b_bits = 0;
    double value = 0;
  };
  struct CounterEntry {
    std::int64_t start_ms = 0;
    std::int64_t t_ms = 0;
    std::uint64_t phase_bits = 0;
    CounterTerms terms;
  };
  using Table = std::array<Entry, std::size_t{1} << kBits>;

  static std::size_t Slot(std::int64_t x, std::int64_t y, std::uint64_t z) {
    const std::uint64_t h = (static_cast<std::uint64_t>(x) ^ (z * 0x9e3779b97f4a7c15ULL) ^
                             (static_cast<std::uint64_t>(y) * 0xc2b2ae3d27d4eb4fULL)) *
                            0xff51afd7ed558ccdULL;
    return static_cast<std::size_t>(h >> (64U - kBits));
  }
  double Lookup(Table& table, std::int64_t t_ms, double a, double b, bool sine) {
    const auto a_bits = std::bit_cast<std::uint64_t>(a);
    const auto b_bits = std::bit_cast<std::uint64_t>(b);
    Entry& e = table[Slot(t_ms, static_cast<std::int64_t>(b_bits), a_bits)];
    if (e.t_ms != t_ms || e.a_bits != a_bits || e.b_bits != b_bits) [[unlikely]] {
      e = {.t_ms = t_ms, .a_bits = a_bits, .b_bits = b_bits, .value = Compute(t_ms, a, b, sine)};
    }
    return e.value;
  }
  // The miss paths, kept out of the callers' inlined hot paths.
  [[gnu::noinline]] static double Compute(std::int64_t t_ms, double a, double b, bool sine);
  [[gnu::noinline]] CounterTerms ComputeCounter(std::int64_t start_ms, std::int64_t t_ms,
                                                double phase);

  std::array<CounterEntry, std::size_t{1} << kBits> counters_;
  Table cos_;
  Table sin_;
};

class SeriesModel {
 public:
  // A series id decoded into its template, instance and churn generation.
  struct SeriesRef {
    const SeriesTemplate* t = nullptr;
    std::size_t instance = 0;
    std::size_t generation = 0;
  };

  // Returns kInvalidArgument for options SeriesSet::Create() rejects.
  static Result<std::shared_ptr<const SeriesModel>> Build(const SeriesSetOptions& options);

  const SeriesSetOptions& options() const { return options_; }
  std::size_t slots() const { return slots_; }
  std::size_t generations() const { return generations_; }
  std::size_t per_instance() const { return templates_.size(); }

  std::size_t Generation(std::size_t slot, std::int64_t t_ms) const;
  std::uint32_t SeriesId(std::size_t slot, std::int64_t t_ms) const;
  double Value(std::uint32_t series_id, std::int64_t t_ms) const;
  // REQUIRES: series_id < slots() * generations().
  SeriesRef Decode(std::uint32_t series_id) const;

  // Everything Value() reads about one series, gathered in one small struct
  // that a sender keeps next to the series' cached labels (Value(id, t)
  // itself goes through a recipe too, so there is one set of formulas).
  struct ValueRecipe {
    ValueKind kind = ValueKind::kGauge;
    bool integer = false;
    bool fixed_start = false;  // No resets, no rebirth by churn: the process start is boot_ms.
    double counter_scale = 1;  // Multiplier of the counter kinds.
    double gauge_scale = 1;    // Multiplier of a gauge.
    double c0 = 0;
    double c1 = 0;
    double factor = 1;
    double counter_phase = 0;   // Instance phase + template phase, summed once.
    double instance_phase = 0;  // A gauge adds the two to the angle one by one.
    double template_phase = 0;
    std::int64_t boot_ms = 0;
  };
  ValueRecipe Recipe(const SeriesRef& series) const;
  // The same value as Value(id, t), bit for bit, with the curve terms
  // memoized in `cache`: the sender's hot path, inline.
  // REQUIRES: recipe is Recipe(series), series is Decode(id).
  double Value(const ValueRecipe& recipe, const SeriesRef& series, std::int64_t t_ms,
               CurveCache& cache) const {
    return ValueOf(recipe, series, t_ms, cache);
  }
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
    ForEachLabel(Decode(series_id), std::forward<Fn>(fn));
  }
  template <typename Fn>
  void ForEachLabel(const SeriesRef& d, Fn&& fn) const {
    char buf[64];
    const std::string_view instance = InstanceValue(d, buf, sizeof buf);
    const auto& labels = d.t->labels;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      fn(std::string_view(labels[i].first),
         i == d.t->instance_index ? instance : std::string_view(labels[i].second));
    }
  }

 private:
  std::string_view InstanceValue(const SeriesRef& d, char* buf, std::size_t size) const;
  // Unix ms at which the process behind `d` last (re)started at or before t_ms.
  std::int64_t ProcessStartMs(const SeriesRef& d, std::int64_t t_ms) const;
  // std::floor(v), bit for bit, with a short path for the common case: on a
  // baseline x86-64 target std::floor is a long inline sequence, while a
  // positive v below 2^52 floors exactly by truncating through an integer.
  static double Floor(double v) {
    if (v > 0.0 && v < 0x1p52) {
      return static_cast<double>(static_cast<std::int64_t>(v));
    }
    return std::floor(v);
  }
  std::int64_t StartMs(const ValueRecipe& r, const SeriesRef& d, std::int64_t t_ms) const {
    return r.fixed_start ? std::min(r.boot_ms, t_ms) : ProcessStartMs(d, t_ms);
  }
  // `Curve` computes or memoizes the daily-curve terms (see CurveCache).
  template <typename Curve>
  double CounterValue(const ValueRecipe& r, const SeriesRef& d, std::int64_t t_ms,
                      Curve& curve) const {
    const CurveCache::CounterTerms terms =
        curve.Counter(StartMs(r, d, t_ms), t_ms, r.counter_phase);
    const double v = r.counter_scale * (r.c0 * terms.elapsed + r.c1 * terms.sine_integral);
    return std::max(0.0, r.integer ? Floor(v) : v);
  }
  template <typename Curve>
  double ValueOf(const ValueRecipe& r, const SeriesRef& d, std::int64_t t_ms, Curve& curve) const {
    switch (r.kind) {
      case ValueKind::kCounter:
        return CounterValue(r, d, t_ms, curve);
      case ValueKind::kHistBucket:
        return r.factor >= 1.0 ? CounterValue(r, d, t_ms, curve)
                               : Floor(CounterValue(r, d, t_ms, curve) * r.factor);
      case ValueKind::kHistSum:
        return CounterValue(r, d, t_ms, curve) * r.factor;
      case ValueKind::kGauge: {
        const double v =
            r.gauge_scale * r.c0 * (1 + r.c1 * curve.Sin(t_ms, r.instance_phase, r.template_phase));
        return r.integer ? std::round(v) : v;
      }
      case ValueKind::kStartTime:
        return static_cast<double>(StartMs(r, d, t_ms)) / 1000.0;
    }
    return 0;
  }

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
