// The evaluator's paths that compute every step of a range query at once
// (the step-by-step evaluation is in evaluator.cc): fused aggregations over
// a selector or a range function of one, the direct answer to a range query
// of just such an input, and the per-step results of instant selectors and
// range calls. Each series' samples are walked once with moving window
// bounds instead of searched at every step.

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "query/evaluator.h"
#include "query/evaluator_internal.h"
#include "query/functions.h"

namespace obs::backend::query {

using internal::Unparen;
using internal::WithoutStale;

namespace {

// An unambiguous key of the series `vs` selects over [mint, maxt] (the
// matchers in order: equal keys select the same series).
std::string SelectionKey(const VectorSelector& vs, std::int64_t mint, std::int64_t maxt) {
  std::string key = std::to_string(mint) + ':' + std::to_string(maxt);
  for (const Matcher& m : vs.matchers) {
    for (const std::string_view part : {std::string_view(m.name), std::string_view(m.value)}) {
      key += ':';
      key += std::to_string(part.size());
      key += ':';
      key += part;
    }
    key += std::to_string(static_cast<int>(m.type));
  }
  return key;
}

}  // namespace

// One fused aggregation's state during the pass over its series.
struct Evaluator::FusedReader {
  const FusedInput* input = nullptr;
  Precomputed* pre = nullptr;
  StepAggregator agg;
  const MatrixSelector* ms = nullptr;  // Null for a plain selector.
  std::vector<std::vector<double>> scalars;
};

const Expr* Evaluator::FusableInput(const query::Aggregate& a, AggParam& param) const {
  // An instant query is a grid of one step (GridStep), so its aggregations
  // fuse too: each series is decoded into a reused buffer and folded in,
  // instead of every selected sample being held at once.
  if (a.op == AggOp::kCountValues) {
    return nullptr;
  }
  if (a.param != nullptr) {
    // A literal parameter is the same at every step; anything else is
    // evaluated step by step on the unfused path.
    const auto* lit = std::get_if<NumberLiteral>(&Unparen(*a.param).node);
    if (lit == nullptr) {
      return nullptr;
    }
    param.q = lit->value;
    if (a.op == AggOp::kTopk || a.op == AggOp::kBottomk) {
      if (!(lit->value >= 1 && lit->value <= 9.223372036854775e18)) {
        return nullptr;  // k < 1 or an overflow: the unfused path's answers.
      }
      param.k = TopkParam(lit->value);
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

bool Evaluator::SelectFused(const query::Aggregate& a, const VectorSelector& vs, std::int64_t mint,
                            std::int64_t maxt,
                            std::unordered_map<std::string, const Aggregate*>& sources) {
  FusedInput& in = fused_.at(&a);
  const auto [it, fresh] = sources.try_emplace(SelectionKey(vs, mint, maxt), &a);
  if (fresh) {
    in.series = storage_.Select(vs.matchers, mint, maxt);
    in.mint = mint;
    in.maxt = maxt;
  }
  FusedInput& first = fused_.at(it->second);
  // A range function that drops __name__ over series that differ only in it
  // fails at the steps where both have a value: leave that to the unfused
  // path, which reports it.
  if (in.call == nullptr || in.call->func->keeps_metric_name || UniqueWithoutName(first.series)) {
    in.source = it->second;
    first.readers.push_back(&a);
    return true;
  }
  if (fresh) {
    sources.erase(it);
  }
  fused_.erase(&a);
  return false;
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

std::optional<std::size_t> Evaluator::GridStep(std::int64_t t) const {
  if (subquery_depth_ > 0 || t < params_.start_ms || t > params_.end_ms) {
    return std::nullopt;
  }
  if (params_.step_ms <= 0) {  // An instant query: one step, at start_ms == end_ms.
    return t == params_.start_ms ? std::optional<std::size_t>(0) : std::nullopt;
  }
  if ((t - params_.start_ms) % params_.step_ms != 0) {
    return std::nullopt;
  }
  return static_cast<std::size_t>((t - params_.start_ms) / params_.step_ms);
}

std::size_t Evaluator::StepCount() const {
  if (params_.step_ms <= 0) {
    return 1;
  }
  return static_cast<std::size_t>((params_.end_ms - params_.start_ms) / params_.step_ms) + 1;
}

std::size_t Evaluator::InitSteps(Precomputed& pre) const {
  const std::size_t n = StepCount();
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
  return params_.start_ms +
         static_cast<std::int64_t>(i) * std::max<std::int64_t>(params_.step_ms, 0);
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

const MatrixSelector* Evaluator::RangeInput(const FusedInput& in, std::size_t n,
                                            std::vector<std::vector<double>>& scalars) {
  if (in.call == nullptr) {
    return nullptr;
  }
  std::size_t matrix_arg = 0;
  while (Unparen(*in.call->args[matrix_arg]).type() != ValueType::kMatrix) {
    ++matrix_arg;
  }
  scalars = StepScalars(*in.call, matrix_arg, n);
  return &std::get<MatrixSelector>(in.selector->node);
}

template <typename Emit>
void Evaluator::ForEachSelectorStep(const VectorSelector& vs, std::size_t n,
                                    std::span<const wire::Sample> points, Emit&& emit) {
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
                                 std::span<const wire::Sample> points, Emit&& emit) {
  const RangeBatchFn batch = c.func->range_batch_fn;
  if (batch != nullptr) {
    windows_.clear();
    window_steps_.clear();
  }
  // Where the series' values drop, found once for all its windows
  // (RangeWindow::drops): a counter function's window then costs its drops,
  // not its points.
  const bool drops_known = batch == nullptr && points.size() < (std::size_t{1} << 32U);
  if (drops_known) {
    drops_.clear();
    for (std::size_t i = 1; i < points.size(); ++i) {
      if (points[i].value < points[i - 1].value) {
        drops_.push_back(static_cast<std::uint32_t>(i));
      }
    }
  }
  std::size_t lo = 0;
  std::size_t hi = 0;
  for (std::size_t i = 0; i < scalars.size(); ++i) {
    const std::int64_t ts = StepTime(i);
    const std::int64_t ref = RefTime(ms.selector.at, ms.selector.offset_ms, ts);
    RangeWindow window{
        .range_start = ref - ms.range_ms, .range_end = ref, .range_ms = ms.range_ms, .eval_t = ts};
    // Window bounds only move forward as the steps do.
    while (lo < points.size() && points[lo].timestamp_ms < window.range_start) {
      ++lo;
    }
    hi = std::max(hi, lo);
    while (hi < points.size() && points[hi].timestamp_ms <= ref) {
      ++hi;
    }
    if (hi == lo) {
      continue;
    }
    if (batch != nullptr) {
      windows_.push_back({lo, hi});
      window_steps_.push_back(i);
      continue;
    }
    if (drops_known) {
      window.drops = drops_;
      window.first = lo;
      window.drops_known = true;
    }
    emit(i, hi - lo, c.func->range_fn(points.subspan(lo, hi - lo), window, scalars[i]));
  }
  if (batch != nullptr) {
    window_values_.resize(windows_.size());
    batch(points, windows_, window_values_);
    for (std::size_t k = 0; k < windows_.size(); ++k) {
      emit(window_steps_[k], windows_[k].end - windows_[k].begin,
           std::optional<double>(window_values_[k]));
    }
  }
}

Vector* Evaluator::FusedAggregate(const query::Aggregate& a, std::int64_t t) {
  const std::optional<std::size_t> grid = GridStep(t);
  if (!grid) {
    throw EvalFailure{QueryErrorType::kInternal, "fused aggregation evaluated off its steps"};
  }
  auto it = precomputed_.find(&a);
  if (it == precomputed_.end()) {
    RunFusedPass(*fused_.at(&a).source);
    it = precomputed_.find(&a);
  }
  return TakeStep(it->second, *grid);
}

void Evaluator::RunFusedPass(const query::Aggregate& source) {
  FusedInput& src = fused_.at(&source);
  const std::size_t n = StepCount();
  std::vector<FusedReader> readers;
  readers.reserve(src.readers.size());
  bool any_range = false;
  for (const Aggregate* a : src.readers) {
    const FusedInput& in = fused_.at(a);
    Precomputed& pre = precomputed_[a];
    InitSteps(pre);
    std::vector<std::vector<double>> scalars;
    const MatrixSelector* ms = RangeInput(in, n, scalars);
    readers.push_back({.input = &in,
                       .pre = &pre,
                       .agg = StepAggregator(*a, n, in.param.k, in.param.q),
                       .ms = ms,
                       .scalars = std::move(scalars)});
    any_range = any_range || ms != nullptr;
  }
  // Each series is decoded once, folded into every reader's group at every
  // step and dropped before the next one is decoded.
  for (std::size_t si = 0; si < src.series.size(); ++si) {
    CheckDeadline();
    src.series[si].Samples(src.mint, src.maxt, decoded_);
    const std::span<const wire::Sample> non_stale =
        any_range ? WithoutStale(decoded_, non_stale_) : std::span<const wire::Sample>();
    const Labels& labels = src.series[si].labels();
    const auto series = static_cast<std::uint32_t>(si);
    for (FusedReader& r : readers) {
      const std::uint32_t g = r.agg.GroupOf(labels);
      std::vector<std::size_t>& samples = r.pre->samples;
      if (r.ms != nullptr) {
        ForEachRangeStep(*r.input->call, *r.ms, r.scalars, non_stale,
                         [&](std::size_t i, std::size_t count, std::optional<double> v) {
                           samples[i] += count;
                           if (v) {
                             r.agg.Add(g, i, *v, series);
                           }
                         });
      } else {
        ForEachSelectorStep(std::get<VectorSelector>(r.input->selector->node), n, decoded_,
                            [&](std::size_t i, const wire::Sample& p) {
                              samples[i]++;
                              r.agg.Add(g, i, p.value, series);
                            });
      }
    }
  }
  for (FusedReader& r : readers) {
    // topk/bottomk answer with their input series' labels.
    const bool drop_name = r.input->call != nullptr && !r.input->call->func->keeps_metric_name;
    std::vector<LabelsPtr> labels(src.series.size());
    auto labels_of = [&](std::uint32_t si) -> LabelsPtr {
      if (labels[si] == nullptr) {
        auto l = src.series[si].labels_ptr();
        labels[si] = drop_name ? DropMetricName(l) : l;
      }
      return labels[si];
    };
    for (std::size_t i = 0; i < n; ++i) {
      r.pre->steps[i] = r.agg.Finish(i, labels_of);
      for (InstantSample& s : r.pre->steps[i]) {
        s.sample_t = StepTime(i);
      }
    }
  }
  src.series.clear();
  src.series.shrink_to_fit();
}

std::optional<Matrix> Evaluator::EvalDirect() {
  if (!direct_) {
    return std::nullopt;
  }
  FusedInput& in = *direct_;
  const std::size_t n = StepCount();
  std::vector<std::size_t> samples(n, 0);  // Samples read per step.
  std::vector<std::size_t> points(n, 0);   // Output points per step.
  std::vector<std::vector<double>> scalars;
  const MatrixSelector* ms = RangeInput(in, n, scalars);
  const bool drop_name = in.call != nullptr && !in.call->func->keeps_metric_name;
  Matrix out;
  std::vector<wire::Sample> result;  // One series' output, reused.
  for (const SeriesRef& ref : in.series) {
    CheckDeadline();
    ref.Samples(in.mint, in.maxt, decoded_);
    result.clear();
    if (ms != nullptr) {
      ForEachRangeStep(*in.call, *ms, scalars, WithoutStale(decoded_, non_stale_),
                       [&](std::size_t i, std::size_t count, std::optional<double> v) {
                         samples[i] += count;
                         if (v) {
                           result.push_back({*v, StepTime(i)});
                           points[i]++;
                         }
                       });
    } else {
      ForEachSelectorStep(std::get<VectorSelector>(in.selector->node), n, decoded_,
                          [&](std::size_t i, const wire::Sample& p) {
                            result.push_back({p.value, StepTime(i)});
                            samples[i]++;
                            points[i]++;
                          });
    }
    if (result.empty()) {
      continue;
    }
    auto labels = ref.labels_ptr();
    out.push_back({drop_name ? DropMetricName(labels) : std::move(labels),
                   std::vector<wire::Sample>(result.begin(), result.end())});
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
      ForEachRangeStep(c, *ms, scalars, WithoutStale(series[si].points, non_stale_),
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

}  // namespace obs::backend::query
