#include "query/evaluator.h"

#include <algorithm>
#include <limits>
#include <span>
#include <string_view>
#include <unordered_set>

#include "query/functions.h"

namespace obs::backend::query {

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

const Expr& Unparen(const Expr& e) {
  if (const auto* p = std::get_if<Paren>(&e.node)) {
    return Unparen(*p->expr);
  }
  return e;
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

std::uint64_t LabelsHash(const Labels& labels) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  auto mix = [&](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  for (const LabelPair& l : labels) {
    mix(l.name);
    mix(l.value);
  }
  return h;
}

void CheckNoDuplicateLabelsets(const Vector& v) {
  if (v.size() < 2) {
    return;
  }
  // Hash first, compare contents only on equal hashes: no allocation per sample.
  std::vector<std::pair<std::uint64_t, const Labels*>> hashes;
  hashes.reserve(v.size());
  for (const InstantSample& s : v) {
    hashes.emplace_back(LabelsHash(*s.labels), s.labels.get());
  }
  std::sort(hashes.begin(), hashes.end());
  for (std::size_t i = 1; i < hashes.size(); ++i) {
    for (std::size_t j = i; j > 0 && hashes[j - 1].first == hashes[i].first; --j) {
      if (*hashes[j - 1].second == *hashes[i].second) {
        throw EvalFailure{QueryErrorType::kExecution,
                          "vector cannot contain metrics with the same labelset"};
      }
    }
  }
}

const LabelsPtr& LabelCache::DropName(const LabelsPtr& in) {
  auto [it, inserted] = dropped_.try_emplace(in.get());
  if (inserted) {
    it->second = {in, DropMetricName(in)};
  }
  return it->second.second;
}

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
    if (auto f = fused_selectors_.find(node); f != fused_selectors_.end()) {
      FusedInput& in = fused_.at(f->second);
      in.series = storage_.Select(vs->matchers, span.first, span.second);
      in.mint = span.first;
      in.maxt = span.second;
      // A range function that drops __name__ over series that differ only
      // in it fails at the steps where both have a value: leave that to the
      // unfused path, which reports it.
      if (in.call == nullptr || in.call->func->keeps_metric_name || UniqueWithoutName(in.series)) {
        continue;
      }
      in.series.clear();
      fused_.erase(f->second);
    }
    Fetch(e, *vs, span.first, span.second);
  }
}

bool Evaluator::UniqueWithoutName(const std::vector<SeriesRef>& series) {
  auto rest = [](const Labels& l) {
    return std::span<const LabelPair>(l).subspan(!l.empty() && l.front().name == "__name__" ? 1
                                                                                            : 0);
  };
  std::vector<std::pair<std::uint64_t, std::size_t>> hashes;
  hashes.reserve(series.size());
  for (std::size_t i = 0; i < series.size(); ++i) {
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a, as LabelsHash.
    for (const LabelPair& l : rest(series[i].labels())) {
      for (const std::string_view part : {std::string_view(l.name), std::string_view(l.value)}) {
        for (const char c : part) {
          h ^= static_cast<unsigned char>(c);
          h *= 1099511628211ULL;
        }
        h ^= 0xff;
        h *= 1099511628211ULL;
      }
    }
    hashes.emplace_back(h, i);
  }
  std::sort(hashes.begin(), hashes.end());
  for (std::size_t i = 1; i < hashes.size(); ++i) {
    for (std::size_t j = i; j > 0 && hashes[j - 1].first == hashes[i].first; --j) {
      const auto a = rest(series[hashes[j - 1].second].labels());
      const auto b = rest(series[hashes[i].second].labels());
      if (std::equal(a.begin(), a.end(), b.begin(), b.end())) {
        return false;
      }
    }
  }
  return true;
}

const Expr* Evaluator::FusableInput(const query::Aggregate& a) const {
  if (params_.step_ms <= 0 || a.op == AggOp::kCountValues) {
    return nullptr;
  }
  if (a.param != nullptr) {
    // A literal parameter is the same at every step; anything else is
    // evaluated step by step on the unfused path.
    const auto* lit = std::get_if<NumberLiteral>(&Unparen(*a.param).node);
    if (lit == nullptr) {
      return nullptr;
    }
    if ((a.op == AggOp::kTopk || a.op == AggOp::kBottomk) &&
        !(lit->value >= 1 && lit->value <= 9.223372036854775e18)) {
      return nullptr;  // k < 1 or an overflow: the unfused path's answers.
    }
  }
  const Expr& in = Unparen(*a.expr);
  if (std::holds_alternative<VectorSelector>(in.node)) {
    return &in;
  }
  const auto* c = std::get_if<Call>(&in.node);
  if (c == nullptr || c->func->kind != FunctionKind::kRange) {
    return nullptr;
  }
  for (const auto& arg : c->args) {
    const Expr& m = Unparen(*arg);
    if (m.type() == ValueType::kMatrix) {
      return std::holds_alternative<MatrixSelector>(m.node) ? &m : nullptr;
    }
  }
  return nullptr;
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
          if (const Expr* input = in_subquery ? nullptr : FusableInput(node)) {
            FusedInput& in = fused_[&node];
            in.selector = input;
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
  GeneralCall call{.call = c, .eval_t = t, .args = args};
  Value out = c.func->general_fn(call);
  if (const auto* v = std::get_if<Vector>(&out)) {
    CheckNoDuplicateLabelsets(*v);
  }
  return out;
}

std::optional<std::size_t> Evaluator::GridStep(std::int64_t t) const {
  if (params_.step_ms <= 0 || subquery_depth_ > 0 || t < params_.start_ms || t > params_.end_ms ||
      (t - params_.start_ms) % params_.step_ms != 0) {
    return std::nullopt;
  }
  return static_cast<std::size_t>((t - params_.start_ms) / params_.step_ms);
}

std::size_t Evaluator::InitSteps(Precomputed& pre) const {
  const auto n =
      static_cast<std::size_t>((params_.end_ms - params_.start_ms) / params_.step_ms) + 1;
  pre.steps.resize(n);
  pre.samples.assign(n, 0);
  pre.taken.assign(n, false);
  return n;
}

Vector* Evaluator::TakeStep(Precomputed& pre, std::size_t k) {
  if (k >= pre.steps.size() || pre.taken[k]) {
    return nullptr;
  }
  pre.taken[k] = true;
  Count(pre.samples[k]);
  return &pre.steps[k];
}

std::int64_t Evaluator::StepTime(std::size_t i) const {
  return params_.start_ms + static_cast<std::int64_t>(i) * params_.step_ms;
}

std::vector<std::vector<double>> Evaluator::StepScalars(const Call& c, std::size_t matrix_arg,
                                                        std::size_t n) {
  std::vector<std::vector<double>> scalars(n);
  if (c.args.size() > 1) {
    for (std::size_t i = 0; i < n; ++i) {
      scalars[i] = EvalScalars(c, matrix_arg, StepTime(i));
    }
  }
  return scalars;
}

template <typename Emit>
void Evaluator::ForEachSelectorStep(const VectorSelector& vs, std::size_t n,
                                    const std::vector<wire::Sample>& points, Emit&& emit) {
  std::size_t next = 0;  // First point after the reference time.
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t ref = RefTime(vs.at, vs.offset_ms, StepTime(i));
    while (next < points.size() && points[next].timestamp_ms <= ref) {
      ++next;
    }
    if (next == 0) {
      continue;
    }
    const wire::Sample& p = points[next - 1];
    if (p.timestamp_ms < ref - params_.lookback_ms || wire::IsStaleNaN(p.value)) {
      continue;
    }
    emit(i, p);
  }
}

template <typename Emit>
void Evaluator::ForEachRangeStep(const Call& c, const MatrixSelector& ms,
                                 const std::vector<std::vector<double>>& scalars,
                                 const std::vector<wire::Sample>& points, Emit&& emit) {
  const bool has_stale = std::any_of(points.begin(), points.end(), [](const wire::Sample& p) {
    return wire::IsStaleNaN(p.value);
  });
  std::size_t lo = 0;
  std::size_t hi = 0;
  for (std::size_t i = 0; i < scalars.size(); ++i) {
    const std::int64_t ts = StepTime(i);
    const std::int64_t ref = RefTime(ms.selector.at, ms.selector.offset_ms, ts);
    const RangeWindow window{
        .range_start = ref - ms.range_ms, .range_end = ref, .range_ms = ms.range_ms, .eval_t = ts};
    // Window bounds only move forward as the steps do.
    while (lo < points.size() && points[lo].timestamp_ms < window.range_start) {
      ++lo;
    }
    if (hi < lo) {
      hi = lo;
    }
    while (hi < points.size() && points[hi].timestamp_ms <= ref) {
      ++hi;
    }
    std::span<const wire::Sample> win(points.data() + lo, hi - lo);
    if (has_stale) {
      window_.clear();
      for (const wire::Sample& p : win) {
        if (!wire::IsStaleNaN(p.value)) {
          window_.push_back(p);
        }
      }
      win = window_;
    }
    if (win.empty()) {
      continue;
    }
    emit(i, win.size(), c.func->range_fn(win, window, scalars[i]));
  }
}

Vector* Evaluator::FusedAggregate(const query::Aggregate& a, FusedInput& in, std::int64_t t) {
  const std::optional<std::size_t> grid = GridStep(t);
  if (!grid) {
    throw EvalFailure{QueryErrorType::kInternal, "fused aggregation evaluated off its steps"};
  }
  auto [it, fresh] = precomputed_.try_emplace(&a);
  Precomputed& pre = it->second;
  if (fresh) {
    const std::size_t n = InitSteps(pre);
    std::int64_t k = 0;
    double q = 0;
    if (a.param != nullptr) {
      q = std::get<NumberLiteral>(Unparen(*a.param).node).value;
      if (a.op == AggOp::kTopk || a.op == AggOp::kBottomk) {
        k = TopkParam(q);
      }
    }
    StepAggregator agg(a, n, k, q);
    std::vector<std::vector<double>> scalars;
    const MatrixSelector* ms = nullptr;
    if (in.call != nullptr) {
      ms = &std::get<MatrixSelector>(in.selector->node);
      std::size_t matrix_arg = 0;
      while (Unparen(*in.call->args[matrix_arg]).type() != ValueType::kMatrix) {
        ++matrix_arg;
      }
      scalars = StepScalars(*in.call, matrix_arg, n);
    }
    // Each series is decoded, folded into its group at every step and
    // dropped before the next one is decoded.
    for (std::size_t si = 0; si < in.series.size(); ++si) {
      CheckDeadline();
      const std::vector<wire::Sample> points = in.series[si].Samples(in.mint, in.maxt);
      const std::uint32_t g = agg.GroupOf(in.series[si].labels());
      const auto series = static_cast<std::uint32_t>(si);
      if (ms != nullptr) {
        ForEachRangeStep(*in.call, *ms, scalars, points,
                         [&](std::size_t i, std::size_t samples, std::optional<double> v) {
                           pre.samples[i] += samples;
                           if (v) {
                             agg.Add(g, i, *v, series);
                           }
                         });
      } else {
        ForEachSelectorStep(std::get<VectorSelector>(in.selector->node), n, points,
                            [&](std::size_t i, const wire::Sample& p) {
                              pre.samples[i]++;
                              agg.Add(g, i, p.value, series);
                            });
      }
    }
    // topk/bottomk answer with their input series' labels.
    const bool drop_name = in.call != nullptr && !in.call->func->keeps_metric_name;
    std::vector<LabelsPtr> labels(in.series.size());
    auto labels_of = [&](std::uint32_t si) -> LabelsPtr {
      if (labels[si] == nullptr) {
        auto l = in.series[si].labels_ptr();
        labels[si] = drop_name ? DropMetricName(l) : l;
      }
      return labels[si];
    };
    for (std::size_t i = 0; i < n; ++i) {
      pre.steps[i] = agg.Finish(i, labels_of);
      for (InstantSample& s : pre.steps[i]) {
        s.sample_t = StepTime(i);
      }
    }
    in.series.clear();
    in.series.shrink_to_fit();
  }
  return TakeStep(pre, *grid);
}

std::optional<Matrix> Evaluator::EvalDirect() {
  if (!direct_) {
    return std::nullopt;
  }
  FusedInput& in = *direct_;
  const std::size_t n =
      static_cast<std::size_t>((params_.end_ms - params_.start_ms) / params_.step_ms) + 1;
  std::vector<std::size_t> samples(n, 0);  // Samples read per step.
  std::vector<std::size_t> points(n, 0);   // Output points per step.
  std::vector<std::vector<double>> scalars;
  const MatrixSelector* ms = nullptr;
  if (in.call != nullptr) {
    ms = &std::get<MatrixSelector>(in.selector->node);
    std::size_t matrix_arg = 0;
    while (Unparen(*in.call->args[matrix_arg]).type() != ValueType::kMatrix) {
      ++matrix_arg;
    }
    scalars = StepScalars(*in.call, matrix_arg, n);
  }
  const bool drop_name = in.call != nullptr && !in.call->func->keeps_metric_name;
  Matrix out;
  for (const SeriesRef& ref : in.series) {
    CheckDeadline();
    const std::vector<wire::Sample> raw = ref.Samples(in.mint, in.maxt);
    RangeSeries series;
    if (ms != nullptr) {
      ForEachRangeStep(*in.call, *ms, scalars, raw,
                       [&](std::size_t i, std::size_t count, std::optional<double> v) {
                         samples[i] += count;
                         if (v) {
                           series.points.push_back({*v, StepTime(i)});
                           points[i]++;
                         }
                       });
    } else {
      ForEachSelectorStep(std::get<VectorSelector>(in.selector->node), n, raw,
                          [&](std::size_t i, const wire::Sample& p) {
                            series.points.push_back({p.value, StepTime(i)});
                            samples[i]++;
                            points[i]++;
                          });
    }
    if (series.points.empty()) {
      continue;
    }
    auto labels = ref.labels_ptr();
    series.labels = drop_name ? DropMetricName(labels) : std::move(labels);
    out.push_back(std::move(series));
  }
  // The sample limit as the step-by-step evaluation applies it: a step's
  // samples plus the points of the steps before it.
  std::size_t before = 0;
  for (std::size_t i = 0; i < n; ++i) {
    BeginStep(before);
    Count(samples[i]);
    before += points[i];
  }
  return out;
}

Vector* Evaluator::PrecomputedSelector(const Expr& e, const VectorSelector& vs, std::int64_t t) {
  const std::optional<std::size_t> k = GridStep(t);
  if (!k) {
    return nullptr;
  }
  auto [it, fresh] = precomputed_.try_emplace(&e);
  Precomputed& pre = it->second;
  if (fresh) {
    const std::size_t n = InitSteps(pre);
    const Matrix& series = fetched_.at(&e);
    for (Vector& v : pre.steps) {
      v.reserve(series.size());
    }
    for (const RangeSeries& s : series) {
      CheckDeadline();
      ForEachSelectorStep(vs, n, s.points, [&](std::size_t i, const wire::Sample& p) {
        pre.steps[i].push_back({s.labels, p.value, p.timestamp_ms});
        pre.samples[i]++;
      });
    }
  }
  return TakeStep(pre, *k);
}

Vector* Evaluator::PrecomputedRangeCall(const Call& c, std::size_t matrix_arg, std::int64_t t) {
  const std::optional<std::size_t> grid = GridStep(t);
  if (!grid) {
    return nullptr;
  }
  const Expr& arg = Unparen(*c.args[matrix_arg]);
  const auto* ms = std::get_if<MatrixSelector>(&arg.node);
  if (ms == nullptr) {
    return nullptr;
  }
  const std::size_t k = *grid;
  auto [it, fresh] = precomputed_.try_emplace(&c);
  Precomputed& pre = it->second;
  if (fresh) {
    const std::size_t n = InitSteps(pre);
    const std::vector<std::vector<double>> scalars = StepScalars(c, matrix_arg, n);
    const Matrix& series = fetched_.at(&arg);
    const std::vector<LabelsPtr>& dropped = dropped_names_.at(&arg);
    for (Vector& v : pre.steps) {
      v.reserve(series.size());
    }
    for (std::size_t si = 0; si < series.size(); ++si) {
      CheckDeadline();
      const LabelsPtr& labels = c.func->keeps_metric_name ? series[si].labels : dropped[si];
      ForEachRangeStep(c, *ms, scalars, series[si].points,
                       [&](std::size_t i, std::size_t samples, std::optional<double> v) {
                         pre.samples[i] += samples;
                         if (v) {
                           pre.steps[i].push_back({labels, *v, StepTime(i)});
                         }
                       });
    }
    if (!c.func->keeps_metric_name && !unique_without_name_.at(&arg)) {
      for (const Vector& v : pre.steps) {
        CheckNoDuplicateLabelsets(v);
      }
    }
  }
  return TakeStep(pre, k);
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
    Vector* pre = FusedAggregate(a, f->second, t);
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
