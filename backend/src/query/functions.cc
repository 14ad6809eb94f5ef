#include "query/functions.h"

#include <array>
#include <cmath>
#include <limits>
#include <memory>

namespace obs::backend::query {

namespace {

using Points = std::span<const wire::Sample>;

std::optional<double> CountOverTime(Points p, const RangeWindow&, std::span<const double>) {
  return static_cast<double>(p.size());
}

std::optional<double> SumOverTime(Points p, const RangeWindow&, std::span<const double>) {
  double sum = 0;
  for (const auto& s : p) {
    sum += s.value;
  }
  return sum;
}

// Prometheus 2.42's incremental mean, which avoids overflow to Inf.
std::optional<double> AvgOverTime(Points p, const RangeWindow&, std::span<const double>) {
  double mean = 0;
  double count = 0;
  for (const auto& s : p) {
    count++;
    if (std::isinf(mean)) {
      if (std::isinf(s.value) && (mean > 0) == (s.value > 0)) {
        continue;
      }
      if (!std::isinf(s.value) && !std::isnan(s.value)) {
        continue;
      }
    }
    mean += s.value / count - mean / count;
  }
  return mean;
}

std::optional<double> MinOverTime(Points p, const RangeWindow&, std::span<const double>) {
  double m = p.front().value;
  for (const auto& s : p) {
    if (s.value < m || std::isnan(m)) {
      m = s.value;
    }
  }
  return m;
}

std::optional<double> MaxOverTime(Points p, const RangeWindow&, std::span<const double>) {
  double m = p.front().value;
  for (const auto& s : p) {
    if (s.value > m || std::isnan(m)) {
      m = s.value;
    }
  }
  return m;
}

std::optional<double> LastOverTime(Points p, const RangeWindow&, std::span<const double>) {
  return p.back().value;
}

// Prometheus 2.42 `extrapolatedRate` (promql/functions.go).
std::optional<double> ExtrapolatedRate(Points p, const RangeWindow& w, bool is_counter,
                                       bool is_rate) {
  if (p.size() < 2) {
    return std::nullopt;
  }
  double result = p.back().value - p.front().value;
  if (is_counter) {
    double last = 0;
    for (const auto& s : p) {
      if (s.value < last) {
        result += last;
      }
      last = s.value;
    }
  }
  double to_start = static_cast<double>(p.front().timestamp_ms - w.range_start) / 1000;
  const double to_end = static_cast<double>(w.range_end - p.back().timestamp_ms) / 1000;
  const double sampled = static_cast<double>(p.back().timestamp_ms - p.front().timestamp_ms) / 1000;
  const double avg_step = sampled / static_cast<double>(p.size() - 1);
  if (is_counter && result > 0 && p.front().value >= 0) {
    const double to_zero = sampled * (p.front().value / result);
    if (to_zero < to_start) {
      to_start = to_zero;
    }
  }
  const double threshold = avg_step * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg_step / 2;
  interval += to_end < threshold ? to_end : avg_step / 2;
  result = result * (interval / sampled);
  if (is_rate) {
    result /= static_cast<double>(w.range_ms) / 1000;
  }
  return result;
}

std::optional<double> Rate(Points p, const RangeWindow& w, std::span<const double>) {
  return ExtrapolatedRate(p, w, true, true);
}
std::optional<double> Increase(Points p, const RangeWindow& w, std::span<const double>) {
  return ExtrapolatedRate(p, w, true, false);
}
std::optional<double> Delta(Points p, const RangeWindow& w, std::span<const double>) {
  return ExtrapolatedRate(p, w, false, false);
}

double Timestamp(double /*v*/, std::int64_t sample_t, std::span<const double>) {
  return static_cast<double>(sample_t) / 1000;
}
double Abs(double v, std::int64_t /*sample_t*/, std::span<const double>) {
  return std::fabs(v);
}

Value Time(GeneralCall& c) {
  return Scalar{static_cast<double>(c.eval_t) / 1000};
}
Value VectorFn(GeneralCall& c) {
  return Vector{{std::make_shared<const Labels>(), std::get<Scalar>(c.args[0]).value, c.eval_t}};
}
Value ScalarFn(GeneralCall& c) {
  const auto& v = std::get<Vector>(c.args[0]);
  return Scalar{v.size() == 1 ? v[0].value : std::numeric_limits<double>::quiet_NaN()};
}

constexpr ValueType kS = ValueType::kScalar;
constexpr ValueType kV = ValueType::kVector;
constexpr ValueType kM = ValueType::kMatrix;

FunctionDef RangeFunction(std::string_view name, RangeFn fn, bool keeps_name = false) {
  return FunctionDef{.name = name,
                     .arg_types = {kM},
                     .return_type = kV,
                     .kind = FunctionKind::kRange,
                     .keeps_metric_name = keeps_name,
                     .range_fn = fn};
}

FunctionDef ElementFunction(std::string_view name, ElementFn fn) {
  return FunctionDef{.name = name,
                     .arg_types = {kV},
                     .return_type = kV,
                     .kind = FunctionKind::kElement,
                     .element_fn = fn};
}

const std::vector<FunctionDef>& Table() {
  static const std::vector<FunctionDef> kTable = {
      RangeFunction("count_over_time", CountOverTime),
      RangeFunction("sum_over_time", SumOverTime),
      RangeFunction("avg_over_time", AvgOverTime),
      RangeFunction("min_over_time", MinOverTime),
      RangeFunction("max_over_time", MaxOverTime),
      RangeFunction("last_over_time", LastOverTime, /*keeps_name=*/true),
      RangeFunction("rate", Rate),
      RangeFunction("increase", Increase),
      RangeFunction("delta", Delta),
      ElementFunction("timestamp", Timestamp),
      ElementFunction("abs", Abs),
      FunctionDef{.name = "time",
                  .arg_types = {},
                  .return_type = kS,
                  .kind = FunctionKind::kGeneral,
                  .general_fn = Time},
      FunctionDef{.name = "vector",
                  .arg_types = {kS},
                  .return_type = kV,
                  .kind = FunctionKind::kGeneral,
                  .general_fn = VectorFn},
      FunctionDef{.name = "scalar",
                  .arg_types = {kV},
                  .return_type = kS,
                  .kind = FunctionKind::kGeneral,
                  .general_fn = ScalarFn},
  };
  return kTable;
}

}  // namespace

const FunctionDef* FindFunction(std::string_view name) {
  for (const FunctionDef& f : Table()) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

}  // namespace obs::backend::query
