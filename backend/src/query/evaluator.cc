#include "query/evaluator.h"

#include <algorithm>

#include "query/functions.h"

namespace obs::backend::query {

namespace {

constexpr std::uint64_t kDeadlineCheckEvery = 256;

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

const Expr& Unparen(const Expr& e) {
  if (const auto* p = std::get_if<Paren>(&e.node)) {
    return Unparen(*p->expr);
  }
  return e;
}

}  // namespace

LabelsPtr DropMetricName(const LabelsPtr& labels) {
  if (labels->empty() || labels->front().name != "__name__") {
    return labels;  // Sorted: __name__ would come first ('_' < letters).
  }
  return std::make_shared<const Labels>(labels->begin() + 1, labels->end());
}

std::string LabelsKeyOf(const Labels& labels) {
  std::string key;
  for (const LabelPair& l : labels) {
    key += l.name;
    key += '\xff';
    key += l.value;
    key += '\xff';
  }
  return key;
}

Evaluator::Evaluator(const Storage& storage, const EvalParams& params)
    : storage_(storage), params_(params) {}

void Evaluator::Prepare(const Expr& expr) {
  auto load = [&](const VectorSelector& vs, std::int64_t before) {
    const std::int64_t mint = params_.start_ms - vs.offset_ms - before;
    const std::int64_t maxt = params_.end_ms - vs.offset_ms;
    Matrix out;
    for (const SeriesRef& s : storage_.Select(vs.matchers, mint, maxt)) {
      CheckDeadline();
      out.push_back({std::make_shared<const Labels>(s.labels()), s.Samples(mint, maxt)});
    }
    fetched_[&expr] = std::move(out);
  };
  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, VectorSelector>) {
          load(node, params_.lookback_ms);
        } else if constexpr (std::is_same_v<T, MatrixSelector>) {
          load(node.selector, node.range_ms);
        } else if constexpr (std::is_same_v<T, Call>) {
          for (const auto& a : node.args) {
            Prepare(*a);
          }
        } else if constexpr (std::is_same_v<T, query::Aggregate>) {
          Prepare(*node.expr);
        } else if constexpr (std::is_same_v<T, Binary>) {
          Prepare(*node.lhs);
          Prepare(*node.rhs);
        } else if constexpr (std::is_same_v<T, Unary> || std::is_same_v<T, Paren>) {
          Prepare(*node.expr);
        }
      },
      expr.node);
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
        } else if constexpr (std::is_same_v<T, Call>) {
          return EvalCall(node, t);
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
  const std::int64_t ref = t - vs.offset_ms;
  Vector out;
  for (const RangeSeries& s : fetched_.at(&e)) {
    if (++ticks_ % kDeadlineCheckEvery == 0) {
      CheckDeadline();
    }
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
  const std::int64_t ref = t - ms.selector.offset_ms;
  Matrix out;
  for (const RangeSeries& s : fetched_.at(&e)) {
    RangeSeries r{s.labels, {}};
    WindowPoints(s.points, ref - ms.range_ms, ref, r.points);
    Count(r.points.size());
    if (!r.points.empty()) {
      out.push_back(std::move(r));
    }
  }
  return out;
}

Value Evaluator::EvalRangeFunction(const Call& c, std::int64_t t) {
  const Expr& arg = Unparen(*c.args[0]);
  const auto& ms = std::get<MatrixSelector>(arg.node);
  const std::int64_t ref = t - ms.selector.offset_ms;
  const RangeWindow window{
      .range_start = ref - ms.range_ms, .range_end = ref, .range_ms = ms.range_ms};
  Vector out;
  std::vector<wire::Sample> points;
  for (const RangeSeries& s : fetched_.at(&arg)) {
    if (++ticks_ % kDeadlineCheckEvery == 0) {
      CheckDeadline();
    }
    WindowPoints(s.points, window.range_start, ref, points);
    Count(points.size());
    if (points.empty()) {
      continue;
    }
    if (const auto v = c.func->range_fn(points, window, {})) {
      out.push_back({c.func->keeps_metric_name ? s.labels : DropMetricName(s.labels), *v, t});
    }
  }
  return out;
}

Value Evaluator::EvalCall(const Call& c, std::int64_t t) {
  switch (c.func->kind) {
    case FunctionKind::kRange:
      return EvalRangeFunction(c, t);
    case FunctionKind::kGeneral: {
      std::vector<Value> args;
      for (const auto& a : c.args) {
        args.push_back(EvalAt(*a, t));
      }
      GeneralCall call{.call = c, .eval_t = t, .args = args};
      return c.func->general_fn(call);
    }
    case FunctionKind::kElement:
      break;
  }
  // Only a plain selector argument passes its samples' own timestamps on.
  const bool plain = std::holds_alternative<VectorSelector>(Unparen(*c.args[0]).node);
  Vector v = std::get<Vector>(EvalAt(*c.args[0], t));
  for (InstantSample& s : v) {
    s.value = c.func->element_fn(s.value, plain ? s.sample_t : t, {});
    s.labels = DropMetricName(s.labels);
    s.sample_t = t;
  }
  return v;
}

Value Evaluator::EvalAggregate(const query::Aggregate& a, std::int64_t t) {
  return AggregateVector(a, std::get<Vector>(EvalAt(*a.expr, t)));
}

Value Evaluator::EvalBinary(const Binary& b, std::int64_t t) {
  Value lhs = EvalAt(*b.lhs, t);
  Value rhs = EvalAt(*b.rhs, t);
  return ApplyBinary(b, std::move(lhs), std::move(rhs));
}

Value Evaluator::EvalUnary(const Unary& u, std::int64_t t) {
  Value v = EvalAt(*u.expr, t);
  if (auto* s = std::get_if<Scalar>(&v)) {
    s->value = -s->value;
    return v;
  }
  for (InstantSample& s : std::get<Vector>(v)) {
    s.value = -s.value;
    s.labels = DropMetricName(s.labels);
  }
  return v;
}

}  // namespace obs::backend::query
