// The PromQL evaluator. A query is evaluated step by step: Prepare() loads,
// once, every series each selector can need over the whole query range, and
// EvalAt() computes the value of an expression at one timestamp from those
// samples (binary search per series, no storage access per step).
//
// Semantics are Prometheus 2.42's: an instant selector takes the newest
// sample in [t - offset - lookback, t - offset] unless it is a stale marker;
// a range selector takes the non-stale samples in [t - offset - range,
// t - offset]; functions, arithmetic and aggregation drop `__name__`.
//
// Errors inside evaluation (timeout, too many samples, many-to-many
// matches) are thrown as EvalFailure and caught by Engine; they never leave
// the query module.
//
// Thread safety: one Evaluator per query, used by one thread.

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "obs/base/clock.h"
#include "obs/wire/remote_write.h"

#include "query/ast.h"
#include "query/engine.h"
#include "query/value.h"
#include "store/storage.h"

namespace obs::backend::query {

struct EvalParams {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::int64_t lookback_ms = 300000;
  std::size_t max_samples = 50'000'000;
  const Clock* clock = nullptr;  // Required.
  SteadyClock::time_point deadline;
};

class Evaluator {
 public:
  Evaluator(const Storage& storage, const EvalParams& params);

  // Loads the samples of every selector in `expr` for [start, end].
  void Prepare(const Expr& expr);

  // The value of `expr` at `t`. Throws EvalFailure.
  Value EvalAt(const Expr& expr, std::int64_t t);

  // Starts a new step: resets the in-flight sample count. `output_points`
  // is what the caller already holds for the result. Throws on timeout.
  void BeginStep(std::size_t output_points);

 private:
  Value EvalSelector(const Expr& e, const VectorSelector& vs, std::int64_t t);
  Value EvalMatrix(const Expr& e, const MatrixSelector& ms, std::int64_t t);
  Value EvalCall(const Call& c, std::int64_t t);
  Value EvalRangeFunction(const Call& c, std::int64_t t);
  Value EvalAggregate(const Aggregate& a, std::int64_t t);
  Value EvalBinary(const Binary& b, std::int64_t t);
  Value EvalUnary(const Unary& u, std::int64_t t);
  void Count(std::size_t samples);
  void CheckDeadline();

  const Storage& storage_;
  EvalParams params_;
  std::unordered_map<const Expr*, Matrix> fetched_;
  std::size_t step_samples_ = 0;
  std::size_t output_points_ = 0;
  std::uint64_t ticks_ = 0;
};

// Binary operators (binary.cc).
Value ApplyBinary(const Binary& b, Value lhs, Value rhs);

// Aggregation of one vector (aggregate.cc).
Vector AggregateVector(const Aggregate& a, const Vector& in);

}  // namespace obs::backend::query
