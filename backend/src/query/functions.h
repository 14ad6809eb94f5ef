// The PromQL function table of Prometheus 2.42: name, argument types and
// arity, return type and implementation. The parser resolves a call to a
// FunctionDef and checks its arguments against it; the evaluator evaluates
// the arguments at each step and calls the implementation the kind names.
//
// Contract between evaluator and functions:
//  - kRange (rate, *_over_time, deriv, predict_linear, holt_winters, ...):
//    the evaluator calls `range_fn` once per series with that series' points
//    inside the window (never empty, no stale markers) and the step's scalar
//    arguments in argument order (the range-vector argument left out). A
//    nullopt result means "no output sample for this series". The output
//    sample drops `__name__` unless `keeps_metric_name`.
//  - kElement (abs, ceil, round, timestamp, hour, ...): the evaluator calls
//    `element_fn` once per sample of the instant-vector argument with the
//    sample's value, its time (see InstantSample::sample_t) and the step's
//    scalar arguments (the vector argument left out); `__name__` is dropped.
//    When a variadic element function is called without its vector argument
//    (`hour()`), the input is one label-less sample whose value is the
//    evaluation time in seconds.
//  - kGeneral (everything else: histogram_quantile, label_replace, sort,
//    absent, clamp, scalar, vector, time, ...): `general_fn` gets every
//    evaluated argument and returns the step's value. It may throw
//    EvalFailure (value.h).
//
// Thread safety: the table is immutable static data.

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "obs/wire/remote_write.h"

#include "query/ast.h"
#include "query/value.h"

namespace obs::backend::query {

// A range function's window: [range_start, range_end] (inclusive, as in
// Prometheus 2.42), already shifted by offset/@, and its length.
struct RangeWindow {
  std::int64_t range_start = 0;
  std::int64_t range_end = 0;
  std::int64_t range_ms = 0;
  std::int64_t eval_t = 0;  // The step's evaluation time (predict_linear's intercept).
  // Optional, when drops_known: every index i of the series' points with
  // points[i] < points[i - 1], ascending, where the window's first point is
  // the series' point `first`. Counter functions (rate, increase, resets)
  // then visit the window's drops only instead of scanning every point; the
  // results are the same, bit for bit.
  std::span<const std::uint32_t> drops{};
  std::size_t first = 0;
  bool drops_known = false;
};

using RangeFn = std::optional<double> (*)(std::span<const wire::Sample> points,
                                          const RangeWindow& window,
                                          std::span<const double> scalars);

// One window of a series' points: indexes [begin, end), never empty.
struct PointRange {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Optional for range functions without scalar arguments whose result does
// not depend on the window's times and always exists: out[i] =
// *range_fn(points[windows[i]]), bit for bit, for many windows of one series
// (no stale markers) at once, which lets independent windows overlap.
using RangeBatchFn = void (*)(std::span<const wire::Sample> points,
                              std::span<const PointRange> windows, std::span<double> out);

using ElementFn = double (*)(double value, std::int64_t sample_t, std::span<const double> scalars);

struct GeneralCall {
  const Call& call;
  std::int64_t eval_t = 0;  // Evaluation time, ms.
  // The evaluated arguments in order; a range-vector argument is its Matrix
  // of windows at eval_t (only series with points in the window).
  std::vector<Value>& args;
  LabelCache& labels;  // The query's derived label sets (histogram_quantile's groups).
};
using GeneralFn = Value (*)(GeneralCall& call);

enum class FunctionKind { kRange, kElement, kGeneral };

struct FunctionDef {
  std::string_view name;
  // Every argument's type, optional ones included.
  std::vector<ValueType> arg_types;
  // Prometheus's Variadic: 0 = exactly arg_types.size() arguments; n > 0 =
  // between size()-1 and size()-1+n; -1 = at least size()-1, the extra ones
  // of the last type.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  FunctionKind kind = FunctionKind::kGeneral;
  bool keeps_metric_name = false;  // kRange only: last_over_time.
  RangeFn range_fn = nullptr;
  RangeBatchFn range_batch_fn = nullptr;  // kRange only, optional.
  ElementFn element_fn = nullptr;
  GeneralFn general_fn = nullptr;
};

// The definition of function `name`, or null if PromQL 2.42 has no such function.
const FunctionDef* FindFunction(std::string_view name);

// Every function, in table order (for tests and documentation).
const std::vector<FunctionDef>& AllFunctions();

// Go's math.Max / math.Min: +Inf (resp. -Inf) wins over NaN, otherwise NaN
// propagates, and +0 > -0 (clamp, clamp_min, clamp_max).
double GoMax(double a, double b);
double GoMin(double a, double b);

}  // namespace obs::backend::query
