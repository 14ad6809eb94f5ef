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
#include <map>
#include <memory>
#include <optional>
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
  std::int64_t start_ms = 0;  // The query's start (what `@ start()` means).
  std::int64_t end_ms = 0;    // The query's end (`@ end()`); == start_ms for instant queries.
  std::int64_t lookback_ms = 300000;
  std::int64_t subquery_step_ms = 60000;  // Step of `x[5m:]`.
  std::int64_t step_ms = 0;               // A range query's step (0 for instant queries).
  std::size_t max_samples = 50'000'000;
  const Clock* clock = nullptr;  // Required.
  SteadyClock::time_point deadline;
};

class Evaluator {
 public:
  Evaluator(const Storage& storage, const EvalParams& params);

  // Loads, once, the samples every selector in `expr` can need while `expr`
  // is evaluated at times in [start_ms, end_ms], through offsets, `@` and
  // (nested) subqueries.
  void Prepare(const Expr& expr);

  // The value of `expr` at `t`. Throws EvalFailure.
  Value EvalAt(const Expr& expr, std::int64_t t);

  // Starts a new step: resets the in-flight sample count. `output_points`
  // is what the caller already holds for the result. Throws on timeout.
  void BeginStep(std::size_t output_points);

 private:
  // One node's results for every step of a range query, computed at once.
  struct Precomputed {
    std::vector<Vector> steps;
    std::vector<std::size_t> samples;  // Samples read per step, for the limit.
    std::vector<bool> taken;
  };

  void PrepareNode(const Expr& e, std::int64_t first_t, std::int64_t last_t);
  void Fetch(const Expr& e, const VectorSelector& vs, std::int64_t mint, std::int64_t maxt);
  // The reference time of a selector or subquery evaluated at `t`: the `@`
  // time or `t`, minus the offset.
  std::int64_t RefTime(const AtModifier& at, std::int64_t offset_ms, std::int64_t t) const;

  Value EvalSelector(const Expr& e, const VectorSelector& vs, std::int64_t t);
  Value EvalMatrix(const Expr& e, const MatrixSelector& ms, std::int64_t t);
  Matrix EvalSubquery(const Subquery& sq, std::int64_t t);
  const Vector& SubqueryStep(const Subquery& sq, std::int64_t inner_t);
  Value EvalCall(const Expr& e, const Call& c, std::int64_t t);
  Value EvalRangeCall(const Call& c, std::size_t matrix_arg, std::int64_t t);
  // A range function over a selector, for every step of a range query at
  // once, series by series (each series' samples are walked once with
  // moving window bounds instead of searched at every step). Null when `t`
  // is not a step of the query or the node's results were already taken.
  Vector* PrecomputedRangeCall(const Call& c, std::size_t matrix_arg, std::int64_t t);
  // The same for an instant selector: every step's lookback result at once.
  Vector* PrecomputedSelector(const Expr& e, const VectorSelector& vs, std::int64_t t);
  // The step index of `t` if it is a step of the top-level range query.
  std::optional<std::size_t> GridStep(std::int64_t t) const;
  // Sizes `pre` for every step of the range query; returns the step count.
  std::size_t InitSteps(Precomputed& pre) const;
  // Hands out step `k` of `pre` once (null if taken), counting its samples.
  Vector* TakeStep(Precomputed& pre, std::size_t k);
  Value EvalElementCall(const Call& c, std::int64_t t);
  Value EvalAggregate(const Aggregate& a, std::int64_t t);
  Value EvalBinary(const Binary& b, std::int64_t t);
  Value EvalUnary(const Unary& u, std::int64_t t);
  // Scalar arguments of `c` at `t`, in order, skipping argument `skip`.
  std::vector<double> EvalScalars(const Call& c, std::size_t skip, std::int64_t t);
  void Count(std::size_t samples);
  void CheckDeadline();
  void Tick() {
    if (++ticks_ % 256 == 0) {
      CheckDeadline();
    }
  }

  const Storage& storage_;
  EvalParams params_;
  // Selector node -> its series over the prepared span (stale markers kept).
  std::unordered_map<const Expr*, Matrix> fetched_;
  // Selector node -> its series' label sets without __name__ (same order).
  std::unordered_map<const Expr*, std::vector<LabelsPtr>> dropped_names_;
  // Selector node -> whether its series stay distinct without __name__.
  std::unordered_map<const Expr*, bool> unique_without_name_;
  // Selector node -> [mint, maxt] it needs.
  std::unordered_map<const Expr*, std::pair<std::int64_t, std::int64_t>> spans_;
  // (subquery node, inner time) -> the inner expression's vector there.
  std::map<std::pair<const Subquery*, std::int64_t>, Vector> subquery_memo_;
  std::vector<wire::Sample> window_;
  LabelCache label_cache_;
  // Keyed by the Call or selector Expr node.
  std::unordered_map<const void*, Precomputed> precomputed_;
  int subquery_depth_ = 0;
  std::unordered_map<const Aggregate*, AggregateCache> aggregate_caches_;
  std::size_t step_samples_ = 0;
  std::size_t output_points_ = 0;
  std::uint64_t ticks_ = 0;
};

// Binary operators (binary.cc).
Value ApplyBinary(const Binary& b, Value lhs, Value rhs, LabelCache& cache);

// Aggregation of one vector; `param` is the evaluated parameter, `cache`
// (may be null) the node's memory across steps (aggregate.cc).
Vector AggregateVector(const Aggregate& a, Vector in, const Value* param, AggregateCache* cache);

// Throws "vector cannot contain metrics with the same labelset" if two
// samples of `v` have equal labels.
void CheckNoDuplicateLabelsets(const Vector& v);

}  // namespace obs::backend::query
