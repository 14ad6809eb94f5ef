// The evaluator's step-by-step evaluation and its preparation (what every
// step of a range query computes at once is in evaluator_steps.cc).

#include "query/evaluator.h"

#include <algorithm>
#include <limits>
#include <span>
#include <string_view>
#include <unordered_set>

#include "query/evaluator_internal.h"
#include "query/functions.h"

namespace obs::backend::query {

using internal::Unparen;

namespace {

// Index of the first point with timestamp > t.
std::size_t UpperBound(const std::vector<wire::Sample>& points, std::int64_t t) {
  const auto it =
      std::upper_bound(points.begin(), points.end(), t,
                       [](std::int64_t x, const wire::Sample& s) { return x < s.timestamp_ms; });
  return static_cast<std::size_t>(it - points.begin());
}

// Non-stale points with mint <= t <= maxt, appended to `out` (cleared first).
void WindowPoints(const std::vector<wire::Sample>& points, std::int64_t mint, std::int64_t maxt,
                  std::vector<wire::Sample>& out) {
  out.clear();
  const auto first =
      std::lower_bound(points.begin(), points.end(), mint,
                       [](const wire::Sample& s, std::int64_t x) { return s.timestamp_ms < x; });
  for (auto it = first; it != points.end() && it->timestamp_ms <= maxt; ++it) {
    if (!wire::IsStaleNaN(it->value)) {
      out.push_back(*it);
    }
  }
}

// Go's integer division truncates toward zero; subquery alignment uses it.
std::int64_t AlignUp(std::int64_t t, std::int64_t step) {
  std::int64_t aligned = step * (t / step);
  if (aligned < t) {
    aligned += step;
  }
  return aligned;
}

}  // namespace

namespace internal {

const Expr& Unparen(const Expr& e) {
  if (const auto* p = std::get_if<Paren>(&e.node)) {
    return Unparen(*p->expr);
  }
  return e;
}

std::span<const wire::Sample> WithoutStale(std::span<const wire::Sample> points,
                                           std::vector<wire::Sample>& scratch) {
  const auto stale = [](const wire::Sample& p) {
    return wire::IsStaleNaN(p.value);
  };
  const auto first = std::find_if(points.begin(), points.end(), stale);
  if (first == points.end()) {
    return points;
  }
  scratch.assign(points.begin(), first);
  for (auto it = first + 1; it != points.end(); ++it) {
    if (!stale(*it)) {
      scratch.push_back(*it);
    }
  }
  return scratch;
}

}  // namespace internal

Evaluator::Evaluator(const Storage& storage, const EvalParams& params)
    : storage_(storage), params_(params) {}

std::int64_t Evaluator::RefTime(const AtModifier& at, std::int64_t offset_ms,
                                std::int64_t t) const {
  switch (at.kind) {
    case AtModifier::Kind::kTimestamp:
      return at.timestamp_ms - offset_ms;
    case AtModifier::Kind::kStart:
      return params_.start_ms - offset_ms;
    case AtModifier::Kind::kEnd:
      return params_.end_ms - offset_ms;
    case AtModifier::Kind::kNone:
      break;
  }
  return t - offset_ms;
}

void Evaluator::Prepare(const Expr& expr) {
  PrepareNode(expr, params_.start_ms, params_.end_ms, /*in_subquery=*/false);
  const Expr& top = Unparen(expr);
  if (params_.step_ms > 0) {
    if (std::holds_alternative<VectorSelector>(top.node)) {
      direct_.emplace();
      direct_->selector = &top;
    } else if (const auto* c = std::get_if<Call>(&top.node);
               c != nullptr && c->func->kind == FunctionKind::kRange) {
      // Only literal scalar arguments: they cost nothing to evaluate up front.
      const Expr* matrix = nullptr;
      bool literal = true;
      for (const auto& arg : c->args) {
        const Expr& a = Unparen(*arg);
        if (a.type() == ValueType::kMatrix) {
          matrix = std::holds_alternative<MatrixSelector>(a.node) ? &a : nullptr;
        } else if (!std::holds_alternative<NumberLiteral>(a.node)) {
          literal = false;
        }
      }
      if (matrix != nullptr && literal) {
        direct_.emplace();
        direct_->selector = matrix;
        direct_->call = c;
      }
    }
  }
  // Selection key -> the first fused aggregation reading it (SelectFused).
  std::unordered_map<std::string, const Aggregate*> fused_sources;
  for (const auto& [node, span] : spans_) {
    const Expr& e = *node;
    const VectorSelector* vs = std::get_if<VectorSelector>(&e.node);
    if (const auto* ms = std::get_if<MatrixSelector>(&e.node)) {
      vs = &ms->selector;
    }
    if (direct_ && direct_->selector == node) {
      direct_->series = storage_.Select(vs->matchers, span.first, span.second);
      direct_->mint = span.first;
      direct_->maxt = span.second;
      if (direct_->call == nullptr || direct_->call->func->keeps_metric_name ||
          UniqueWithoutName(direct_->series)) {
        continue;
      }
      direct_.reset();  // The step-by-step path reports the collision.
    }
    if (auto f = fused_selectors_.find(node);
        f != fused_selectors_.end() &&
        SelectFused(*f->second, *vs, span.first, span.second, fused_sources)) {
      continue;
    }
    Fetch(e, *vs, span.first, span.second);
  }
}

void Evaluator::PrepareNode(const Expr& e, std::int64_t first_t, std::int64_t last_t,
                            bool in_subquery) {
  auto need = [&](std::int64_t mint, std::int64_t maxt) {
    auto [it, inserted] = spans_.emplace(&e, std::make_pair(mint, maxt));
    if (!inserted) {
      it->second.first = std::min(it->second.first, mint);
      it->second.second = std::max(it->second.second, maxt);
    }
  };
  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, VectorSelector>) {
          need(RefTime(node.at, node.offset_ms, first_t) - params_.lookback_ms,
               RefTime(node.at, node.offset_ms, last_t));
        } else if constexpr (std::is_same_v<T, MatrixSelector>) {
          const VectorSelector& vs = node.selector;
          need(RefTime(vs.at, vs.offset_ms, first_t) - node.range_ms,
               RefTime(vs.at, vs.offset_ms, last_t));
        } else if constexpr (std::is_same_v<T, Subquery>) {
          PrepareNode(*node.expr, RefTime(node.at, node.offset_ms, first_t) - node.range_ms,
                      RefTime(node.at, node.offset_ms, last_t), /*in_subquery=*/true);
        } else if constexpr (std::is_same_v<T, Call>) {
          for (const auto& a : node.args) {
            PrepareNode(*a, first_t, last_t, in_subquery);
          }
        } else if constexpr (std::is_same_v<T, query::Aggregate>) {
          // Outside subqueries a range query evaluates this node exactly at
          // its steps, which the fused form computes all at once.
          AggParam param;
          if (const Expr* input = in_subquery ? nullptr : FusableInput(node, param)) {
            FusedInput& in = fused_[&node];
            in.selector = input;
            in.param = param;
            const Expr& inner = Unparen(*node.expr);
            in.call = std::get_if<Call>(&inner.node);
            fused_selectors_[input] = &node;
          }
          PrepareNode(*node.expr, first_t, last_t, in_subquery);
          if (node.param != nullptr) {
            PrepareNode(*node.param, first_t, last_t, in_subquery);
          }
        } else if constexpr (std::is_same_v<T, Binary>) {
          PrepareNode(*node.lhs, first_t, last_t, in_subquery);
          PrepareNode(*node.rhs, first_t, last_t, in_subquery);
        } else if constexpr (std::is_same_v<T, Unary> || std::is_same_v<T, Paren>) {
          PrepareNode(*node.expr, first_t, last_t, in_subquery);
        }
      },
      e.node);
}

void Evaluator::Fetch(const Expr& e, const VectorSelector& vs, std::int64_t mint,
                      std::int64_t maxt) {
  Matrix out;
  for (const SeriesRef& s : storage_.Select(vs.matchers, mint, maxt)) {
    CheckDeadline();
    out.push_back({s.labels_ptr(), s.Samples(mint, maxt)});
  }
  // Range functions drop __name__: the dropped label sets are made once per
  // query, and whether dropping can make two series equal is decided here
  // instead of at every step.
  Vector dropped;
  dropped.reserve(out.size());
  for (const RangeSeries& s : out) {
    dropped.push_back({DropMetricName(s.labels), 0, 0});
  }
  bool unique = true;
  try {
    CheckNoDuplicateLabelsets(dropped);
  } catch (const EvalFailure&) {
    unique = false;
  }
  unique_without_name_[&e] = unique;
  std::vector<LabelsPtr>& names = dropped_names_[&e];
  for (InstantSample& d : dropped) {
    names.push_back(std::move(d.labels));
  }
  fetched_[&e] = std::move(out);
}

void Evaluator::BeginStep(std::size_t output_points) {
  step_samples_ = 0;
  output_points_ = output_points;
  CheckDeadline();
}

void Evaluator::Count(std::size_t samples) {
  step_samples_ += samples;
  if (step_samples_ + output_points_ > params_.max_samples) {
    throw EvalFailure{QueryErrorType::kExecution,
                      "query processing would load too many samples into memory in query "
                      "execution"};
  }
}

void Evaluator::CheckDeadline() {
  if (params_.clock->SteadyNow() > params_.deadline) {
    throw EvalFailure{QueryErrorType::kTimeout, "query timed out in expression evaluation"};
  }
}

Value Evaluator::EvalAt(const Expr& expr, std::int64_t t) {
  return std::visit(
      [&](const auto& node) -> Value {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, NumberLiteral>) {
          return Scalar{node.value};
        } else if constexpr (std::is_same_v<T, StringLiteral>) {
          return String{node.value};
        } else if constexpr (std::is_same_v<T, VectorSelector>) {
          return EvalSelector(expr, node, t);
        } else if constexpr (std::is_same_v<T, MatrixSelector>) {
          return EvalMatrix(expr, node, t);
        } else if constexpr (std::is_same_v<T, Subquery>) {
          return EvalSubquery(node, t);
        } else if constexpr (std::is_same_v<T, Call>) {
          return EvalCall(expr, node, t);
        } else if constexpr (std::is_same_v<T, query::Aggregate>) {
          return EvalAggregate(node, t);
        } else if constexpr (std::is_same_v<T, Binary>) {
          return EvalBinary(node, t);
        } else if constexpr (std::is_same_v<T, Unary>) {
          return EvalUnary(node, t);
        } else {
          return EvalAt(*node.expr, t);  // Paren.
        }
      },
      expr.node);
}

Value Evaluator::EvalSelector(const Expr& e, const VectorSelector& vs, std::int64_t t) {
  if (Vector* pre = PrecomputedSelector(e, vs, t)) {
    return std::move(*pre);
  }
  const std::int64_t ref = RefTime(vs.at, vs.offset_ms, t);
  Vector out;
  for (const RangeSeries& s : fetched_.at(&e)) {
    Tick();
    const std::size_t i = UpperBound(s.points, ref);
    if (i == 0) {
      continue;
    }
    const wire::Sample& p = s.points[i - 1];
    if (p.timestamp_ms < ref - params_.lookback_ms || wire::IsStaleNaN(p.value)) {
      continue;
    }
    out.push_back({s.labels, p.value, p.timestamp_ms});
  }
  Count(out.size());
  return out;
}

Value Evaluator::EvalMatrix(const Expr& e, const MatrixSelector& ms, std::int64_t t) {
  const std::int64_t ref = RefTime(ms.selector.at, ms.selector.offset_ms, t);
  Matrix out;
  for (const RangeSeries& s : fetched_.at(&e)) {
    Tick();
    RangeSeries r{s.labels, {}};
    WindowPoints(s.points, ref - ms.range_ms, ref, r.points);
    Count(r.points.size());
    if (!r.points.empty()) {
      out.push_back(std::move(r));
    }
  }
  return out;
}

const Vector& Evaluator::SubqueryStep(const Subquery& sq, std::int64_t inner_t) {
  const auto key = std::make_pair(&sq, inner_t);
  if (auto it = subquery_memo_.find(key); it != subquery_memo_.end()) {
    return it->second;
  }
  ++subquery_depth_;
  Value v = EvalAt(*sq.expr, inner_t);
  --subquery_depth_;
  Vector vec;
  if (auto* s = std::get_if<Scalar>(&v)) {
    vec.push_back({std::make_shared<const Labels>(), s->value, inner_t});
  } else {
    vec = std::move(std::get<Vector>(v));
  }
  return subquery_memo_.emplace(key, std::move(vec)).first->second;
}

Matrix Evaluator::EvalSubquery(const Subquery& sq, std::int64_t t) {
  const std::int64_t step = sq.step_ms > 0 ? sq.step_ms : params_.subquery_step_ms;
  const std::int64_t ref = RefTime(sq.at, sq.offset_ms, t);
  Matrix out;
  std::unordered_map<std::string, std::size_t> index;
  for (std::int64_t it = AlignUp(ref - sq.range_ms, step); it <= ref; it += step) {
    CheckDeadline();
    for (const InstantSample& s : SubqueryStep(sq, it)) {
      auto [pos, inserted] = index.emplace(LabelsKeyOf(*s.labels), out.size());
      if (inserted) {
        out.push_back({s.labels, {}});
      }
      out[pos->second].points.push_back({s.value, it});
    }
  }
  std::size_t points = 0;
  for (const RangeSeries& s : out) {
    points += s.points.size();
  }
  Count(points);
  return out;
}

std::vector<double> Evaluator::EvalScalars(const Call& c, std::size_t skip, std::int64_t t) {
  std::vector<double> scalars;
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    if (i != skip) {
      scalars.push_back(std::get<Scalar>(EvalAt(*c.args[i], t)).value);
    }
  }
  return scalars;
}

Value Evaluator::EvalCall(const Expr& /*e*/, const Call& c, std::int64_t t) {
  switch (c.func->kind) {
    case FunctionKind::kRange: {
      std::size_t matrix_arg = 0;
      while (c.args[matrix_arg]->type() != ValueType::kMatrix) {
        ++matrix_arg;
      }
      return EvalRangeCall(c, matrix_arg, t);
    }
    case FunctionKind::kElement:
      return EvalElementCall(c, t);
    case FunctionKind::kGeneral:
      break;
  }
  std::vector<Value> args;
  args.reserve(c.args.size());
  for (const auto& a : c.args) {
    args.push_back(EvalAt(*a, t));
  }
  GeneralCall call{.call = c, .eval_t = t, .args = args, .labels = label_cache_};
  Value out = c.func->general_fn(call);
  if (const auto* v = std::get_if<Vector>(&out)) {
    CheckNoDuplicateLabelsets(*v);
  }
  return out;
}

Value Evaluator::EvalRangeCall(const Call& c, std::size_t matrix_arg, std::int64_t t) {
  if (Vector* pre = PrecomputedRangeCall(c, matrix_arg, t)) {
    return std::move(*pre);
  }
  const std::vector<double> scalars = EvalScalars(c, matrix_arg, t);
  const Expr& arg = Unparen(*c.args[matrix_arg]);
  Vector out;
  auto emit = [&](const LabelsPtr& labels, std::span<const wire::Sample> points,
                  const RangeWindow& window) {
    if (const auto v = c.func->range_fn(points, window, scalars)) {
      out.push_back({c.func->keeps_metric_name ? labels : label_cache_.DropName(labels), *v, t});
    }
  };
  bool may_collide = true;
  if (const auto* ms = std::get_if<MatrixSelector>(&arg.node)) {
    may_collide = !c.func->keeps_metric_name && !unique_without_name_.at(&arg);
    out.reserve(fetched_.at(&arg).size());
    const std::int64_t ref = RefTime(ms->selector.at, ms->selector.offset_ms, t);
    const RangeWindow window{
        .range_start = ref - ms->range_ms, .range_end = ref, .range_ms = ms->range_ms, .eval_t = t};
    const Matrix& series = fetched_.at(&arg);
    const std::vector<LabelsPtr>& dropped = dropped_names_.at(&arg);
    for (std::size_t i = 0; i < series.size(); ++i) {
      Tick();
      WindowPoints(series[i].points, window.range_start, ref, window_);
      Count(window_.size());
      if (window_.empty()) {
        continue;
      }
      if (const auto v = c.func->range_fn(window_, window, scalars)) {
        out.push_back({c.func->keeps_metric_name ? series[i].labels : dropped[i], *v, t});
      }
    }
  } else {
    const auto& sq = std::get<Subquery>(arg.node);
    const std::int64_t ref = RefTime(sq.at, sq.offset_ms, t);
    const RangeWindow window{
        .range_start = ref - sq.range_ms, .range_end = ref, .range_ms = sq.range_ms, .eval_t = t};
    for (const RangeSeries& s : EvalSubquery(sq, t)) {
      Tick();
      emit(s.labels, s.points, window);
    }
  }
  if (may_collide) {
    CheckNoDuplicateLabelsets(out);
  }
  return out;
}

Value Evaluator::EvalElementCall(const Call& c, std::int64_t t) {
  if (c.args.empty()) {
    // `hour()` and friends: vector(time()).
    const double v = static_cast<double>(t) / 1000;
    return Vector{{std::make_shared<const Labels>(), c.func->element_fn(v, t, {}), t}};
  }
  // Only a plain selector argument passes its samples' own timestamps on.
  const bool plain = std::holds_alternative<VectorSelector>(Unparen(*c.args[0]).node);
  Vector v = std::get<Vector>(EvalAt(*c.args[0], t));
  const std::vector<double> scalars = EvalScalars(c, 0, t);
  for (InstantSample& s : v) {
    s.value = c.func->element_fn(s.value, plain ? s.sample_t : t, scalars);
    s.labels = label_cache_.DropName(s.labels);
    s.sample_t = t;
  }
  CheckNoDuplicateLabelsets(v);
  return v;
}

Value Evaluator::EvalAggregate(const query::Aggregate& a, std::int64_t t) {
  if (auto f = fused_.find(&a); f != fused_.end()) {
    Vector* pre = FusedAggregate(a, t);
    if (pre == nullptr) {
      throw EvalFailure{QueryErrorType::kInternal, "fused aggregation evaluated twice at a step"};
    }
    return std::move(*pre);
  }
  Value param;
  const Value* param_ptr = nullptr;
  if (a.param != nullptr) {
    param = EvalAt(*a.param, t);
    param_ptr = &param;
  }
  Vector in = std::get<Vector>(EvalAt(*a.expr, t));
  Vector out = AggregateVector(a, std::move(in), param_ptr, &aggregate_caches_[&a]);
  for (InstantSample& s : out) {
    s.sample_t = t;
  }
  return out;
}

Value Evaluator::EvalBinary(const Binary& b, std::int64_t t) {
  Value lhs = EvalAt(*b.lhs, t);
  Value rhs = EvalAt(*b.rhs, t);
  Value out = ApplyBinary(b, std::move(lhs), std::move(rhs), label_cache_);
  if (const auto* v = std::get_if<Vector>(&out)) {
    CheckNoDuplicateLabelsets(*v);
  }
  return out;
}

Value Evaluator::EvalUnary(const Unary& u, std::int64_t t) {
  Value v = EvalAt(*u.expr, t);
  if (!u.negate) {
    return v;
  }
  if (auto* s = std::get_if<Scalar>(&v)) {
    s->value = -s->value;
    return v;
  }
  for (InstantSample& s : std::get<Vector>(v)) {
    s.value = -s.value;
    s.labels = label_cache_.DropName(s.labels);
  }
  CheckNoDuplicateLabelsets(std::get<Vector>(v));
  return v;
}

}  // namespace obs::backend::query
