#include "series_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace obs::loadgen::internal {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr double kOmega = 2 * std::numbers::pi / 86'400.0;  // One cycle per day, per second.

std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

// The daily angle at Unix ms t: reduced modulo a day in integers first, so
// the angle is exact whatever the epoch offset.
double DailyAngle(std::int64_t t_ms) {
  std::int64_t r = t_ms % kDayMs;
  if (r < 0) {
    r += kDayMs;
  }
  return kOmega * static_cast<double>(r) / 1000.0;
}

bool ValidLabelName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) {
      return false;
    }
  }
  return true;
}

Status CheckOptions(const SeriesSetOptions& o) {
  if (o.models.empty()) {
    return InvalidArgumentError("series: at least one model is required");
  }
  if (o.instances < 1) {
    return InvalidArgumentError("series: instances must be >= 1");
  }
  if (!(o.churn_interval_seconds >= 0) || !std::isfinite(o.churn_interval_seconds)) {
    return InvalidArgumentError("series: churn_interval_seconds must be >= 0");
  }
  if (!(o.duration_seconds >= 0) || !std::isfinite(o.duration_seconds)) {
    return InvalidArgumentError("series: duration_seconds must be >= 0");
  }
  if (o.churn_interval_seconds > 0 && o.churn_interval_seconds < 0.001) {
    return InvalidArgumentError("series: churn_interval_seconds must be >= 0.001");
  }
  if (o.churn_interval_seconds > 0 && o.duration_seconds <= 0) {
    return InvalidArgumentError("series: churn needs duration_seconds > 0 to size generations");
  }
  if (!(o.counter_reset_hours >= 0) || !std::isfinite(o.counter_reset_hours)) {
    return InvalidArgumentError("series: counter_reset_hours must be >= 0");
  }
  for (std::size_t i = 0; i < o.models.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (o.models[i].kind == o.models[j].kind) {
        return InvalidArgumentError("series: model kind \"" + o.models[i].kind +
                                    "\" is listed twice");
      }
    }
  }
  for (const auto& [name, value] : o.extra_labels) {
    if (!ValidLabelName(name) || name.starts_with("__")) {
      return InvalidArgumentError("series: extra label name \"" + name +
                                  "\" is invalid (want [a-zA-Z_][a-zA-Z0-9_]*, no __ prefix)");
    }
    if (value.empty()) {
      return InvalidArgumentError("series: extra label \"" + name + "\" has an empty value");
    }
  }
  return Status::Ok();
}

// Every template's label names must be unique (extra labels may not shadow
// the model's own labels).
Status CheckDuplicates(const std::vector<SeriesTemplate>& templates) {
  for (const SeriesTemplate& t : templates) {
    for (std::size_t i = 1; i < t.labels.size(); ++i) {
      if (t.labels[i].first == t.labels[i - 1].first) {
        return InvalidArgumentError("series: label \"" + t.labels[i].first +
                                    "\" is set twice (an extra label shadows a model label)");
      }
    }
  }
  return Status::Ok();
}

// The counter terms from any source of cosines: the one expression both
// Value(id, t) and the cached path evaluate.
template <typename CosFn>
CurveCache::CounterTerms CounterTermsOf(std::int64_t start_ms, std::int64_t t_ms, double phase,
                                        CosFn&& cos) {
  return {.elapsed = static_cast<double>(t_ms - start_ms) / 1000.0,
          .sine_integral = (cos(start_ms, phase) - cos(t_ms, phase)) / kOmega};
}

// Computes the daily-curve terms directly: what Value(id, t) uses.
struct DirectCurve {
  static double Cos(std::int64_t t_ms, double phase) { return std::cos(DailyAngle(t_ms) + phase); }
  static double Sin(std::int64_t t_ms, double phase_a, double phase_b) {
    return std::sin(DailyAngle(t_ms) + phase_a + phase_b);
  }
  static CurveCache::CounterTerms Counter(std::int64_t start_ms, std::int64_t t_ms, double phase) {
    return CounterTermsOf(start_ms, t_ms, phase, &Cos);
  }
};

}  // namespace

CurveCache::CurveCache() {
  // Every entry starts out holding the true value of its all-zero key, so no
  // sentinel key can ever be returned by mistake.
  cos_.fill({.t_ms = 0, .a_bits = 0, .b_bits = 0, .value = Compute(0, 0.0, 0.0, false)});
  sin_.fill({.t_ms = 0, .a_bits = 0, .b_bits = 0, .value = Compute(0, 0.0, 0.0, true)});
  counters_.fill(
      {.start_ms = 0, .t_ms = 0, .phase_bits = 0, .terms = DirectCurve::Counter(0, 0, 0.0)});
}

double CurveCache::Compute(std::int64_t t_ms, double a, double b, bool sine) {
  return sine ? DirectCurve::Sin(t_ms, a, b) : DirectCurve::Cos(t_ms, a);
}

CurveCache::CounterTerms CurveCache::ComputeCounter(std::int64_t start_ms, std::int64_t t_ms,
                                                    double phase) {
  // The cosine at the process start is shared by every later timestamp.
  return CounterTermsOf(start_ms, t_ms, phase,
                        [this](std::int64_t x, double ph) { return Cos(x, ph); });
}

double HashUniform(std::uint64_t seed, std::uint64_t a, std::uint64_t b) {
  const std::uint64_t h =
      SplitMix64(SplitMix64(SplitMix64(seed) ^ a) ^ (b * 0x2545F4914F6CDD1DULL));
  return static_cast<double>(h >> 11U) * 0x1.0p-53;
}

Result<std::shared_ptr<const SeriesModel>> SeriesModel::Build(const SeriesSetOptions& options) {
  OBS_RETURN_IF_ERROR(CheckOptions(options));
  auto model = std::make_shared<SeriesModel>();
  model->options_ = options;
  std::vector<std::pair<std::string, std::string>> common = options.extra_labels;
  if (!options.run_id.empty()) {
    common.emplace_back("obsbench_run", options.run_id);
  }
  for (std::size_t i = 0; i < options.models.size(); ++i) {
    OBS_RETURN_IF_ERROR(
        AppendModelTemplates(options.models[i], options.seed, i, common, model->templates_));
  }
  OBS_RETURN_IF_ERROR(CheckDuplicates(model->templates_));
  const auto instances = static_cast<std::size_t>(options.instances);
  model->slots_ = instances * model->templates_.size();
  model->churn_interval_ms_ = std::llround(options.churn_interval_seconds * 1000);
  if (model->churn_interval_ms_ > 0) {
    const std::int64_t duration_ms = std::llround(options.duration_seconds * 1000);
    // Staggering shifts an instance's generations by < one interval, so one
    // extra generation covers every instance up to the end of the run.
    model->generations_ = static_cast<std::size_t>(duration_ms / model->churn_interval_ms_) + 2;
  }
  if (static_cast<double>(model->slots_) * static_cast<double>(model->generations_) >
      static_cast<double>(std::numeric_limits<std::uint32_t>::max())) {
    return InvalidArgumentError("series: " + std::to_string(model->slots_) + " slots x " +
                                std::to_string(model->generations_) +
                                " generations exceed 2^32 series ids");
  }
  model->reset_period_ms_ = std::llround(options.counter_reset_hours * 3'600'000);
  model->instances_.resize(instances);
  for (std::size_t i = 0; i < instances; ++i) {
    InstanceParams& p = model->instances_[i];
    const std::uint64_t seed = options.seed;
    p.phase = 2 * std::numbers::pi * HashUniform(seed, 1'000'000 + i, 1);
    p.traffic = 0.5 + HashUniform(seed, 1'000'000 + i, 2);
    p.size = std::exp2(std::floor(4 * HashUniform(seed, 1'000'000 + i, 3)));
    // Booted 1 h to 25 h before the run started.
    p.boot_ms = options.start_ms - 3'600'000 -
                static_cast<std::int64_t>(HashUniform(seed, 1'000'000 + i, 4) * kDayMs);
    p.reset_offset_ms = static_cast<std::int64_t>(HashUniform(seed, 1'000'000 + i, 5) *
                                                  static_cast<double>(model->reset_period_ms_));
    p.churn_offset_ms = model->churn_interval_ms_ * static_cast<std::int64_t>(i) /
                        static_cast<std::int64_t>(instances);
  }
  return std::shared_ptr<const SeriesModel>(std::move(model));
}

std::size_t SeriesModel::Generation(std::size_t slot, std::int64_t t_ms) const {
  OBS_CHECK(slot < slots_) << "slot " << slot << " >= " << slots_;
  if (churn_interval_ms_ <= 0) {
    return 0;
  }
  const InstanceParams& p = instances_[slot / templates_.size()];
  const std::int64_t elapsed = std::max<std::int64_t>(0, t_ms - options_.start_ms);
  const auto g = static_cast<std::size_t>((elapsed + p.churn_offset_ms) / churn_interval_ms_);
  return std::min(g, generations_ - 1);
}

std::uint32_t SeriesModel::SeriesId(std::size_t slot, std::int64_t t_ms) const {
  return static_cast<std::uint32_t>(Generation(slot, t_ms) * slots_ + slot);
}

SeriesModel::SeriesRef SeriesModel::Decode(std::uint32_t series_id) const {
  OBS_CHECK(series_id < slots_ * generations_)
      << "series id " << series_id << " >= " << slots_ * generations_;
  const std::size_t slot = series_id % slots_;
  return {.t = &templates_[slot % templates_.size()],
          .instance = slot / templates_.size(),
          .generation = series_id / slots_};
}

std::string_view SeriesModel::InstanceValue(const SeriesRef& d, char* buf, std::size_t size) const {
  // host-0007:9100, or host-0007-g3:9100 with churn.
  char* p = buf;
  char* const end = buf + size;
  const std::string_view host = "host-";
  p = std::copy(host.begin(), host.end(), p);
  char digits[24];
  auto r = std::to_chars(digits, digits + sizeof digits, d.instance);
  for (auto n = r.ptr - digits; n < 4; ++n) {
    *p++ = '0';
  }
  p = std::copy(digits, r.ptr, p);
  if (churn_interval_ms_ > 0) {
    *p++ = '-';
    *p++ = 'g';
    p = std::to_chars(p, end, d.generation).ptr;
  }
  *p++ = ':';
  p = std::copy(d.t->port.begin(), d.t->port.end(), p);
  return {buf, static_cast<std::size_t>(p - buf)};
}

std::int64_t SeriesModel::ProcessStartMs(const SeriesRef& d, std::int64_t t_ms) const {
  const InstanceParams& p = instances_[d.instance];
  std::int64_t start = p.boot_ms;
  if (reset_period_ms_ > 0) {
    // Resets at start_ms + reset_offset + k * period, for every integer k.
    const std::int64_t since = t_ms - options_.start_ms - p.reset_offset_ms;
    std::int64_t k = since / reset_period_ms_;
    if (since < 0 && since % reset_period_ms_ != 0) {
      --k;
    }
    start = options_.start_ms + p.reset_offset_ms + k * reset_period_ms_;
  }
  if (churn_interval_ms_ > 0 && d.generation > 0) {
    // A new generation is a new process: its counters start when it appears.
    const std::int64_t born = options_.start_ms +
                              static_cast<std::int64_t>(d.generation) * churn_interval_ms_ -
                              p.churn_offset_ms;
    start = std::max(start, born);
  }
  return std::min(start, t_ms);
}

SeriesModel::ValueRecipe SeriesModel::Recipe(const SeriesRef& d) const {
  const SeriesTemplate& t = *d.t;
  const InstanceParams& p = instances_[d.instance];
  return {.kind = t.kind,
          .integer = t.integer,
          .fixed_start = reset_period_ms_ <= 0 && !(churn_interval_ms_ > 0 && d.generation > 0),
          .counter_scale = t.scale == Scale::kTraffic ? p.traffic : 1.0,
          .gauge_scale =
              t.scale == Scale::kTraffic ? p.traffic : (t.scale == Scale::kSize ? p.size : 1.0),
          .c0 = t.c0,
          .c1 = t.c1,
          .factor = t.factor,
          .counter_phase = p.phase + t.phase,
          .instance_phase = p.phase,
          .template_phase = t.phase,
          .boot_ms = p.boot_ms};
}

double SeriesModel::Value(std::uint32_t series_id, std::int64_t t_ms) const {
  const SeriesRef d = Decode(series_id);
  DirectCurve curve;
  return ValueOf(Recipe(d), d, t_ms, curve);
}

std::vector<std::string> SeriesModel::MetricNames() const {
  std::vector<std::string> names;
  for (const SeriesTemplate& t : templates_) {
    for (const auto& [name, value] : t.labels) {
      if (name == "__name__") {
        names.push_back(value);
      }
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace obs::loadgen::internal
