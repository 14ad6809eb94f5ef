#include "query/engine.h"

#include <algorithm>
#include <map>
#include <optional>

#include "query/evaluator.h"
#include "query/format.h"
#include "query/parser.h"

namespace obs::backend {

using query::EvalFailure;
using query::ValueType;

std::string_view QueryErrorTypeName(QueryErrorType type) {
  switch (type) {
    case QueryErrorType::kBadData:
      return "bad_data";
    case QueryErrorType::kExecution:
      return "execution";
    case QueryErrorType::kTimeout:
      return "timeout";
    case QueryErrorType::kCanceled:
      return "canceled";
    case QueryErrorType::kInternal:
      break;
  }
  return "internal";
}

int QueryErrorHttpStatus(QueryErrorType type) {
  switch (type) {
    case QueryErrorType::kBadData:
      return 400;
    case QueryErrorType::kExecution:
      return 422;
    case QueryErrorType::kTimeout:
    case QueryErrorType::kCanceled:
      return 503;
    case QueryErrorType::kInternal:
      break;
  }
  return 500;
}

namespace {

constexpr std::int64_t kMaxPoints = 11000;

void AppendMetric(std::string& out, const Labels& labels) {
  out += "{\"metric\":{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out += i == 0 ? "\"" : ",\"";
    out += JsonEscape(labels[i].name);
    out += "\":\"";
    out += JsonEscape(labels[i].value);
    out += '"';
  }
  out += '}';
}

void AppendPoint(std::string& out, std::int64_t t, double v) {
  out += '[';
  AppendPromTimestamp(out, t);
  out += ",\"";
  AppendPromValue(out, v);
  out += "\"]";
}

bool LabelsLess(const query::LabelsPtr& a, const query::LabelsPtr& b) {
  return CompareLabels(*a, *b) < 0;
}

std::string RenderMatrix(query::Matrix m) {
  std::sort(m.begin(), m.end(),
            [](const auto& a, const auto& b) { return LabelsLess(a.labels, b.labels); });
  // Sized up front: the answer of a large range query is tens of MB, and
  // growing it by doubling copies it over and over. A point is at most ~48
  // bytes (`[1712345678.123,"-1.2345678901234567e-308"],`) and about 40 with
  // today's timestamps; reserving the most costs no memory, as pages never
  // written are never faulted in.
  std::size_t estimate = 64;
  for (const query::RangeSeries& s : m) {
    estimate += 32 + 48 * s.points.size();
    for (const LabelPair& l : *s.labels) {
      estimate += l.name.size() + l.value.size() + 6;
    }
  }
  std::string out;
  out.reserve(estimate);
  out += R"({"resultType":"matrix","result":[)";
  for (std::size_t i = 0; i < m.size(); ++i) {
    out += i == 0 ? "" : ",";
    AppendMetric(out, *m[i].labels);
    out += ",\"values\":[";
    for (std::size_t k = 0; k < m[i].points.size(); ++k) {
      out += k == 0 ? "" : ",";
      AppendPoint(out, m[i].points[k].timestamp_ms, m[i].points[k].value);
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

std::string RenderInstant(query::Value v, std::int64_t t) {
  if (auto* s = std::get_if<query::Scalar>(&v)) {
    std::string out = R"({"resultType":"scalar","result":)";
    AppendPoint(out, t, s->value);
    return out + "}";
  }
  if (auto* s = std::get_if<query::String>(&v)) {
    return R"({"resultType":"string","result":[)" + FormatPromTimestamp(t) + ",\"" +
           JsonEscape(s->value) + "\"]}";
  }
  if (auto* m = std::get_if<query::Matrix>(&v)) {
    return RenderMatrix(std::move(*m));
  }
  // Instant vectors keep the order the expression produced (sort(), topk()
  // and selectors' label order), as Prometheus returns them.
  const auto& vec = std::get<query::Vector>(v);
  query::CheckNoDuplicateLabelsets(vec);
  std::string out = R"({"resultType":"vector","result":[)";
  for (std::size_t i = 0; i < vec.size(); ++i) {
    out += i == 0 ? "" : ",";
    AppendMetric(out, *vec[i].labels);
    out += ",\"value\":";
    AppendPoint(out, t, vec[i].value);
    out += '}';
  }
  return out + "]}";
}

QueryError BadData(std::string message) {
  return QueryError{.type = QueryErrorType::kBadData, .message = std::move(message)};
}

}  // namespace

Engine::Engine(const Storage& storage, EngineOptions options)
    : storage_(storage), options_(options) {
  if (options_.clock == nullptr) {
    options_.clock = &RealClock();
  }
}

std::variant<std::string, QueryError> Engine::InstantQuery(std::string_view query,
                                                           std::int64_t time_ms,
                                                           std::int64_t timeout_ms) const {
  auto parsed = query::ParseExpr(query);
  if (!parsed.ok()) {
    return BadData(parsed.status().message());
  }
  const query::Expr& expr = **parsed;
  const std::int64_t timeout = timeout_ms > 0 ? timeout_ms : options_.default_timeout_ms;
  query::EvalParams params{
      .start_ms = time_ms,
      .end_ms = time_ms,
      .lookback_ms = options_.lookback_delta_ms,
      .subquery_step_ms = options_.default_subquery_step_ms,
      .max_samples = options_.max_samples,
      .clock = options_.clock,
      .deadline = options_.clock->SteadyNow() + std::chrono::milliseconds(timeout)};
  try {
    query::Evaluator ev(storage_, params);
    ev.Prepare(expr);
    ev.BeginStep(0);
    return RenderInstant(ev.EvalAt(expr, time_ms), time_ms);
  } catch (const EvalFailure& f) {
    return QueryError{.type = f.type, .message = f.message};
  } catch (const std::exception& e) {
    return QueryError{.type = QueryErrorType::kInternal, .message = e.what()};
  }
}

namespace {

// Accumulates per-step results into series keyed by labels.
class MatrixBuilder {
 public:
  void Add(const query::LabelsPtr& labels, std::int64_t t, double v) {
    // Most steps hand back the same label-set objects: look them up by
    // identity first, by content only for a new object.
    auto [ptr_it, new_ptr] = by_pointer_.try_emplace(labels.get());
    if (new_ptr) {
      auto [it, inserted] = index_.emplace(query::LabelsKeyOf(*labels), matrix_.size());
      if (inserted) {
        matrix_.push_back({labels, {}});
      }
      ptr_it->second = {labels, it->second};
    }
    matrix_[ptr_it->second.second].points.push_back({v, t});
    ++points_;
  }
  std::size_t points() const { return points_; }
  query::Matrix Take() { return std::move(matrix_); }

 private:
  std::unordered_map<std::string, std::size_t> index_;
  // Holds each label-set object so its address cannot be reused.
  std::unordered_map<const Labels*, std::pair<query::LabelsPtr, std::size_t>> by_pointer_;
  query::Matrix matrix_;
  std::size_t points_ = 0;
};

}  // namespace

std::variant<std::string, QueryError> Engine::RangeQuery(std::string_view query,
                                                         std::int64_t start_ms, std::int64_t end_ms,
                                                         std::int64_t step_ms,
                                                         std::int64_t timeout_ms) const {
  if (step_ms <= 0) {
    return BadData(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  if (end_ms < start_ms) {
    return BadData("end timestamp must not be before start time");
  }
  if ((end_ms - start_ms) / step_ms > kMaxPoints) {
    return BadData(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  }
  auto parsed = query::ParseExpr(query);
  if (!parsed.ok()) {
    return BadData(parsed.status().message());
  }
  const query::Expr& expr = **parsed;
  const ValueType type = expr.type();
  if (type != ValueType::kScalar && type != ValueType::kVector) {
    return BadData("invalid expression type \"" + std::string(query::DocumentedType(type)) +
                   "\" for range query, must be Scalar or instant Vector");
  }
  const std::int64_t timeout = timeout_ms > 0 ? timeout_ms : options_.default_timeout_ms;
  query::EvalParams params{
      .start_ms = start_ms,
      .end_ms = end_ms,
      .lookback_ms = options_.lookback_delta_ms,
      .subquery_step_ms = options_.default_subquery_step_ms,
      .step_ms = step_ms,
      .max_samples = options_.max_samples,
      .clock = options_.clock,
      .deadline = options_.clock->SteadyNow() + std::chrono::milliseconds(timeout)};
  try {
    query::Evaluator ev(storage_, params);
    ev.Prepare(expr);
    if (std::optional<query::Matrix> m = ev.EvalDirect()) {
      return RenderMatrix(std::move(*m));
    }
    MatrixBuilder builder;
    const auto no_labels = std::make_shared<const Labels>();
    for (std::int64_t t = start_ms; t <= end_ms; t += step_ms) {
      ev.BeginStep(builder.points());
      query::Value v = ev.EvalAt(expr, t);
      if (const auto* s = std::get_if<query::Scalar>(&v)) {
        builder.Add(no_labels, t, s->value);
        continue;
      }
      for (const query::InstantSample& s : std::get<query::Vector>(v)) {
        builder.Add(s.labels, t, s.value);
      }
    }
    return RenderMatrix(builder.Take());
  } catch (const EvalFailure& f) {
    return QueryError{.type = f.type, .message = f.message};
  } catch (const std::exception& e) {
    return QueryError{.type = QueryErrorType::kInternal, .message = e.what()};
  }
}

Result<std::vector<Matcher>> Engine::ParseSeriesSelector(std::string_view selector) {
  OBS_ASSIGN_OR_RETURN(query::ExprPtr expr, query::ParseExpr(selector));
  auto* vs = std::get_if<query::VectorSelector>(&expr->node);
  if (vs == nullptr || vs->offset_ms != 0) {
    return InvalidArgumentError("invalid series selector \"" + std::string(selector) +
                                "\": expected a plain instant vector selector");
  }
  return std::move(vs->matchers);
}

}  // namespace obs::backend
