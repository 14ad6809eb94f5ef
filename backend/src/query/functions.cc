// The PromQL 2.42 function table (see functions.h for the contract) and the
// small functions; range functions are in functions_range.cc, the rest of the
// general ones in functions_general.cc.

#include "query/functions.h"

#include <cmath>
#include <numbers>

#include "query/functions_internal.h"

namespace obs::backend::query {

namespace {

constexpr ValueType kS = ValueType::kScalar;
constexpr ValueType kV = ValueType::kVector;
constexpr ValueType kM = ValueType::kMatrix;
constexpr ValueType kStr = ValueType::kString;

template <double (*F)(double)>
double Math(double v, std::int64_t /*t*/, std::span<const double> /*scalars*/) {
  return F(v);
}

double Abs(double v) {
  return std::fabs(v);
}
double Ceil(double v) {
  return std::ceil(v);
}
double Floor(double v) {
  return std::floor(v);
}
double Exp(double v) {
  return std::exp(v);
}
double Sqrt(double v) {
  return std::sqrt(v);
}
double Ln(double v) {
  return std::log(v);
}
double Log2(double v) {
  return std::log2(v);
}
double Log10(double v) {
  return std::log10(v);
}
double Sgn(double v) {
  return v < 0 ? -1 : (v > 0 ? 1 : v);
}
double Deg(double v) {
  return v * 180 / std::numbers::pi;
}
double Rad(double v) {
  return v * std::numbers::pi / 180;
}
double Acos(double v) {
  return std::acos(v);
}
double Acosh(double v) {
  return std::acosh(v);
}
double Asin(double v) {
  return std::asin(v);
}
double Asinh(double v) {
  return std::asinh(v);
}
double Atan(double v) {
  return std::atan(v);
}
double Atanh(double v) {
  return std::atanh(v);
}
double Cos(double v) {
  return std::cos(v);
}
// Go computes cosh/sinh as exp(|x|)/2 beyond 21, which overflows to Inf
// where glibc still returns a finite value; Prometheus answers Go's.
double Cosh(double v) {
  return std::fabs(v) > 21 ? std::exp(std::fabs(v)) * 0.5 : std::cosh(v);
}
double Sin(double v) {
  return std::sin(v);
}
double Sinh(double v) {
  if (std::fabs(v) > 21) {
    const double half = std::exp(std::fabs(v)) * 0.5;
    return v < 0 ? -half : half;
  }
  return std::sinh(v);
}
double Tan(double v) {
  return std::tan(v);
}
double Tanh(double v) {
  return std::tanh(v);
}

double Timestamp(double /*v*/, std::int64_t sample_t, std::span<const double> /*scalars*/) {
  return static_cast<double>(sample_t) / 1000;
}

double Round(double v, std::int64_t /*t*/, std::span<const double> scalars) {
  const double to_nearest = scalars.empty() ? 1 : scalars[0];
  // Prometheus rounds half up: floor(v * inv + 0.5) / inv.
  const double inverse = 1.0 / to_nearest;
  return std::floor(v * inverse + 0.5) / inverse;
}

double ClampMin(double v, std::int64_t /*t*/, std::span<const double> scalars) {
  return GoMax(scalars[0], v);
}

double ClampMax(double v, std::int64_t /*t*/, std::span<const double> scalars) {
  return GoMin(scalars[0], v);
}

FunctionDef Range(std::string_view name, RangeFn fn, std::vector<ValueType> args = {kM},
                  bool keeps_name = false) {
  return FunctionDef{.name = name,
                     .arg_types = std::move(args),
                     .return_type = kV,
                     .kind = FunctionKind::kRange,
                     .keeps_metric_name = keeps_name,
                     .range_fn = fn};
}

FunctionDef Range(std::string_view name, RangeFn fn, RangeBatchFn batch) {
  FunctionDef def = Range(name, fn);
  def.range_batch_fn = batch;
  return def;
}

FunctionDef Element(std::string_view name, ElementFn fn, std::vector<ValueType> args = {kV},
                    int variadic = 0) {
  return FunctionDef{.name = name,
                     .arg_types = std::move(args),
                     .variadic = variadic,
                     .return_type = kV,
                     .kind = FunctionKind::kElement,
                     .element_fn = fn};
}

FunctionDef General(std::string_view name, GeneralFn fn, std::vector<ValueType> args,
                    ValueType ret = kV, int variadic = 0) {
  return FunctionDef{.name = name,
                     .arg_types = std::move(args),
                     .variadic = variadic,
                     .return_type = ret,
                     .kind = FunctionKind::kGeneral,
                     .general_fn = fn};
}

const std::vector<FunctionDef>& Table() {
  static const std::vector<FunctionDef> kTable = {
      // Range-vector functions (functions_range.cc).
      Range("rate", internal::Rate),
      Range("increase", internal::Increase),
      Range("delta", internal::Delta),
      Range("irate", internal::Irate),
      Range("idelta", internal::Idelta),
      Range("changes", internal::Changes),
      Range("resets", internal::Resets),
      Range("deriv", internal::Deriv),
      Range("predict_linear", internal::PredictLinear, {kM, kS}),
      Range("holt_winters", internal::HoltWinters, {kM, kS, kS}),
      Range("avg_over_time", internal::AvgOverTime, internal::AvgOverTimeBatch),
      Range("min_over_time", internal::MinOverTime),
      Range("max_over_time", internal::MaxOverTime),
      Range("sum_over_time", internal::SumOverTime, internal::SumOverTimeBatch),
      Range("count_over_time", internal::CountOverTime),
      Range("quantile_over_time", internal::QuantileOverTime, {kS, kM}),
      Range("stddev_over_time", internal::StddevOverTime),
      Range("stdvar_over_time", internal::StdvarOverTime),
      Range("last_over_time", internal::LastOverTime, {kM}, /*keeps_name=*/true),
      Range("present_over_time", internal::PresentOverTime),
      // Element-wise functions.
      Element("abs", Math<Abs>),
      Element("ceil", Math<Ceil>),
      Element("floor", Math<Floor>),
      Element("exp", Math<Exp>),
      Element("sqrt", Math<Sqrt>),
      Element("ln", Math<Ln>),
      Element("log2", Math<Log2>),
      Element("log10", Math<Log10>),
      Element("sgn", Math<Sgn>),
      Element("deg", Math<Deg>),
      Element("rad", Math<Rad>),
      Element("acos", Math<Acos>),
      Element("acosh", Math<Acosh>),
      Element("asin", Math<Asin>),
      Element("asinh", Math<Asinh>),
      Element("atan", Math<Atan>),
      Element("atanh", Math<Atanh>),
      Element("cos", Math<Cos>),
      Element("cosh", Math<Cosh>),
      Element("sin", Math<Sin>),
      Element("sinh", Math<Sinh>),
      Element("tan", Math<Tan>),
      Element("tanh", Math<Tanh>),
      Element("timestamp", Timestamp),
      Element("round", Round, {kV, kS}, 1),
      Element("clamp_min", ClampMin, {kV, kS}),
      Element("clamp_max", ClampMax, {kV, kS}),
      Element("day_of_month", internal::DayOfMonth, {kV}, 1),
      Element("day_of_week", internal::DayOfWeek, {kV}, 1),
      Element("day_of_year", internal::DayOfYear, {kV}, 1),
      Element("days_in_month", internal::DaysInMonth, {kV}, 1),
      Element("hour", internal::Hour, {kV}, 1),
      Element("minute", internal::Minute, {kV}, 1),
      Element("month", internal::Month, {kV}, 1),
      Element("year", internal::Year, {kV}, 1),
      // Everything else (functions_general.cc).
      General("time", internal::Time, {}, kS),
      General("pi", internal::Pi, {}, kS),
      General("vector", internal::VectorOf, {kS}),
      General("scalar", internal::ScalarOf, {kV}, kS),
      General("sort", internal::Sort, {kV}),
      General("sort_desc", internal::SortDesc, {kV}),
      General("clamp", internal::Clamp, {kV, kS, kS}),
      General("absent", internal::Absent, {kV}),
      General("absent_over_time", internal::AbsentOverTime, {kM}),
      General("histogram_quantile", internal::HistogramQuantile, {kS, kV}),
      General("label_replace", internal::LabelReplace, {kV, kStr, kStr, kStr, kStr}),
      General("label_join", internal::LabelJoin, {kV, kStr, kStr, kStr}, kV, -1),
  };
  return kTable;
}

}  // namespace

double GoMax(double a, double b) {
  if (std::isinf(a) && a > 0) {
    return a;
  }
  if (std::isinf(b) && b > 0) {
    return b;
  }
  if (std::isnan(a) || std::isnan(b)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (a == 0 && a == b) {
    return std::signbit(a) ? b : a;
  }
  return a > b ? a : b;
}

double GoMin(double a, double b) {
  if (std::isinf(a) && a < 0) {
    return a;
  }
  if (std::isinf(b) && b < 0) {
    return b;
  }
  if (std::isnan(a) || std::isnan(b)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (a == 0 && a == b) {
    return std::signbit(a) ? a : b;
  }
  return a < b ? a : b;
}

const FunctionDef* FindFunction(std::string_view name) {
  for (const FunctionDef& f : Table()) {
    if (f.name == name) {
      return &f;
    }
  }
  return nullptr;
}

const std::vector<FunctionDef>& AllFunctions() {
  return Table();
}

}  // namespace obs::backend::query
