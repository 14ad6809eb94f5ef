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
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "obs/base/clock.h"
#include "obs/wire/remote_write.h"

#include "query/ast.h"
#include "query/engine.h"
#include "query/functions.h"
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

// The literal parameter of a fused aggregation (see FusedInput): topk and
// bottomk's k, quantile's q; zero for the operators without one.
struct AggParam {
  std::int64_t k = 0;
  double q = 0;
};

// An aggregation whose input is a selector or a range function over one,
// evaluated only at the steps of a range query: its selector's series are
// not fetched up front but decoded one at a time while every step's
// aggregate is computed at once (Evaluator::FusedAggregate). Fused
// aggregations that select the same series over the same span share one
// pass: each series is decoded once for all of them. At namespace scope, not
// nested: clang cannot default-construct a nested class with member
// initializers inside std::optional of the enclosing class.
struct FusedInput {
  const Expr* selector = nullptr;  // The VectorSelector or MatrixSelector node.
  const Call* call = nullptr;      // The range function, or null.
  AggParam param;
  // The series and span; held only by the first reader of a selection.
  std::vector<SeriesRef> series;
  std::int64_t mint = 0;
  std::int64_t maxt = 0;
  // The aggregation whose pass computes this one (itself for the first
  // reader), and on the first reader every aggregation of that pass.
  const Aggregate* source = nullptr;
  std::vector<const Aggregate*> readers;
};

class Evaluator {
 public:
  Evaluator(const Storage& storage, const EvalParams& params);

  // Loads, once, the samples every selector in `expr` can need while `expr`
  // is evaluated at times in [start_ms, end_ms], through offsets, `@` and
  // (nested) subqueries.
  void Prepare(const Expr& expr);

  // For a range query of a selector or of a range function over one (with
  // literal scalar arguments), the whole result, computed series by series
  // without per-step vectors; nullopt for any other expression (evaluate it
  // with EvalAt step by step). Call once, after Prepare. Throws EvalFailure.
  std::optional<Matrix> EvalDirect();

  // The value of `expr` at `t`. Throws EvalFailure.
  Value EvalAt(const Expr& expr, std::int64_t t);

  // Starts a new step: resets the in-flight sample count. `output_points`
  // is what the caller already holds for the result. Throws on timeout.
  void BeginStep(std::size_t output_points);

 private:
  // One node's results for every step of a range query, computed at once.
  struct Precomputed {
    std::vector<Vector> steps;
    std::vector<std::size_t> samples;  // Samples read per step.
    std::vector<bool> taken;
  };
  // One fused aggregation's state during its pass over the series.
  struct FusedReader;

  void PrepareNode(const Expr& e, std::int64_t first_t, std::int64_t last_t, bool in_subquery);
  // The selector node `a` can be fused with (null if none) and its parameter.
  const Expr* FusableInput(const query::Aggregate& a, AggParam& param) const;
  // Selects the series of fused aggregation `a`'s selector `vs` over
  // [mint, maxt], or joins an earlier fused aggregation selecting the same
  // ones (`sources` maps a selection key to its first reader). False when
  // `a` cannot be fused after all (it is then unregistered).
  bool SelectFused(const query::Aggregate& a, const VectorSelector& vs, std::int64_t mint,
                   std::int64_t maxt, std::unordered_map<std::string, const Aggregate*>& sources);
  // Whether `series` stay distinct without __name__.
  static bool UniqueWithoutName(const std::vector<SeriesRef>& series);
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
  // Every step's output of a fused aggregation at once; null when already taken.
  Vector* FusedAggregate(const query::Aggregate& a, std::int64_t t);
  // The pass over the series of first reader `source` that computes every
  // step of each of its readers into precomputed_.
  void RunFusedPass(const query::Aggregate& source);
  // Calls emit(step, sample) for each step at which the instant selector
  // `vs` over one series' `points` yields a sample (lookback, staleness).
  template <typename Emit>
  void ForEachSelectorStep(const VectorSelector& vs, std::size_t n,
                           std::span<const wire::Sample> points, Emit&& emit);
  // Calls emit(step, samples in window, range_fn result) for each step at
  // which range function `c` over one series' `points` (stale markers
  // removed, see WithoutStale) has a non-empty window; scalars[i] are step
  // i's scalar arguments (one entry per step).
  template <typename Emit>
  void ForEachRangeStep(const Call& c, const MatrixSelector& ms,
                        const std::vector<std::vector<double>>& scalars,
                        std::span<const wire::Sample> points, Emit&& emit);
  // The range selector of fused or direct input `in` (null for a plain
  // selector) and the scalar arguments of its call at each of `n` steps.
  const MatrixSelector* RangeInput(const FusedInput& in, std::size_t n,
                                   std::vector<std::vector<double>>& scalars);
  // The scalar arguments of `c` at every step.
  std::vector<std::vector<double>> StepScalars(const Call& c, std::size_t matrix_arg,
                                               std::size_t n);
  std::int64_t StepTime(std::size_t i) const;
  // The number of steps of the top-level range query.
  std::size_t StepCount() const;
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
  // Reused across series: decoded samples, and the same without stale markers.
  std::vector<wire::Sample> decoded_;
  std::vector<wire::Sample> non_stale_;
  // A range function's non-empty windows over one series, their steps and
  // values, for its batch form (ForEachRangeStep).
  std::vector<std::uint32_t> drops_;  // ForEachRangeStep's RangeWindow::drops.
  std::vector<PointRange> windows_;
  std::vector<std::size_t> window_steps_;
  std::vector<double> window_values_;
  LabelCache label_cache_;
  // Keyed by the Call or selector Expr node.
  std::unordered_map<const void*, Precomputed> precomputed_;
  int subquery_depth_ = 0;
  std::unordered_map<const Aggregate*, AggregateCache> aggregate_caches_;
  std::unordered_map<const Aggregate*, FusedInput> fused_;
  std::optional<FusedInput> direct_;  // See EvalDirect.
  // Selector node -> the fused aggregation reading it.
  std::unordered_map<const Expr*, const Aggregate*> fused_selectors_;
  std::size_t step_samples_ = 0;
  std::size_t output_points_ = 0;
  std::uint64_t ticks_ = 0;
};

// Binary operators (binary.cc).
Value ApplyBinary(const Binary& b, Value lhs, Value rhs, LabelCache& cache);

// Aggregation of one vector; `param` is the evaluated parameter, `cache`
// (may be null) the node's memory across steps (aggregate.cc).
Vector AggregateVector(const Aggregate& a, Vector in, const Value* param, AggregateCache* cache);

// topk/bottomk's k from its scalar parameter; throws EvalFailure ("Scalar
// value ... overflows int64") when it does not fit an int64.
std::int64_t TopkParam(double f);

// The running state of one aggregation group for the operators without a
// member list; `count` is 0 only before the group's first sample.
struct Accumulator {
  double value = 0;
  double mean = 0;
  double count = 0;
};

// Aggregates every step of a range query at once, fed series by series: the
// fused form of `aggregate(range_function(selector[r]))` and
// `aggregate(selector)`, which never materializes the per-series per-step
// input vectors. For each step the result equals AggregateVector over that
// step's input vector in series order: samples are folded in the same order
// and groups come out in order of first appearance at that step.
// REQUIRES: the operator is not count_values; k >= 1 for topk/bottomk.
class StepAggregator {
 public:
  StepAggregator(const Aggregate& a, std::size_t steps, std::int64_t k, double q);

  // The group of an input series labelled `labels` (once per series).
  std::uint32_t GroupOf(const Labels& labels);
  // Folds input series `series`'s value at step `step` into `group`.
  void Add(std::uint32_t group, std::size_t step, double value, std::uint32_t series);
  // The output of step `step` (once per step; frees the step's state).
  // `labels_of(series)` gives an input series' labels (topk/bottomk only).
  Vector Finish(std::size_t step, const std::function<LabelsPtr(std::uint32_t)>& labels_of);

 private:
  struct Member {
    double value = 0;
    std::uint32_t series = 0;
  };

  const Aggregate& a_;
  std::size_t steps_;
  std::size_t k_;
  double q_;
  std::unordered_map<std::string, std::uint32_t> ids_;  // Group key -> id.
  std::vector<LabelsPtr> groups_;
  // Indexed by group * steps + step.
  std::vector<Accumulator> cells_;
  std::vector<std::vector<Member>> members_;       // topk, bottomk, quantile.
  std::vector<std::vector<std::uint32_t>> order_;  // Per step: groups by first appearance.
};

}  // namespace obs::backend::query
