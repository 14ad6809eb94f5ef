#include "api/query_api.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "api/params.h"
#include "api/responses.h"
#include "http/url.h"
#include "query/format.h"
#include "query/parser.h"

namespace obs::backend {
namespace {

// Prometheus's limit on points per series in a range query.
constexpr std::int64_t kMaxPointsPerSeries = 11000;

using MatchSets = std::vector<std::vector<Matcher>>;

struct TimeRange {
  std::int64_t start_ms = kMinTimeMs;
  std::int64_t end_ms = kMaxTimeMs;
};

bool IsFormBody(const http::Request& request) {
  if (request.method != "POST") {
    return false;
  }
  std::string media(
      request.Header("content-type").substr(0, request.Header("content-type").find(';')));
  for (char& c : media) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  media.erase(std::remove(media.begin(), media.end(), ' '), media.end());
  return media == "application/x-www-form-urlencoded";
}

// Body values first, then URL query values, as Go's Request.ParseForm.
Result<http::FormValues> ParseForm(const http::Request& request) {
  http::FormValues form;
  Status status = IsFormBody(request) ? form.AddUrlEncoded(request.body) : Status::Ok();
  if (status.ok()) {
    status = form.AddUrlEncoded(http::SplitTarget(request.target).query);
  }
  if (!status.ok()) {
    return InvalidArgumentError("error parsing form values: " + status.message());
  }
  return form;
}

Status InvalidParam(std::string_view name, const Status& cause) {
  return InvalidArgumentError("invalid parameter \"" + std::string(name) +
                              "\": " + cause.message());
}

Result<std::int64_t> TimeParam(const http::FormValues& form, std::string_view name,
                               std::int64_t fallback) {
  const std::string_view text = form.Get(name);
  if (text.empty()) {
    return fallback;
  }
  Result<std::int64_t> t = ParseTimeMs(text);
  if (!t.ok()) {
    return InvalidParam(name, t.status());
  }
  return t;
}

// 0 when absent: the engine's default timeout.
Result<std::int64_t> TimeoutParam(const http::FormValues& form) {
  const std::string_view text = form.Get("timeout");
  if (text.empty()) {
    return std::int64_t{0};
  }
  Result<std::int64_t> d = ParseDurationMs(text);
  if (!d.ok()) {
    return InvalidParam("timeout", d.status());
  }
  return d;
}

Result<TimeRange> RangeParams(const http::FormValues& form) {
  TimeRange range;
  OBS_ASSIGN_OR_RETURN(range.start_ms, TimeParam(form, "start", kMinTimeMs));
  OBS_ASSIGN_OR_RETURN(range.end_ms, TimeParam(form, "end", kMaxTimeMs));
  return range;
}

// Parses every match[] selector; each set must have a matcher that does not
// match the empty string, as Prometheus requires.
Result<MatchSets> ParseMatchSets(const std::vector<std::string>& selectors) {
  MatchSets sets;
  for (const std::string& selector : selectors) {
    OBS_ASSIGN_OR_RETURN(std::vector<Matcher> matchers, Engine::ParseSeriesSelector(selector));
    const bool selective = std::any_of(matchers.begin(), matchers.end(),
                                       [](const Matcher& m) { return !m.Matches(""); });
    if (!selective) {
      return InvalidArgumentError("match[] must contain at least one non-empty matcher");
    }
    sets.push_back(std::move(matchers));
  }
  return sets;
}

http::Response EngineAnswer(std::variant<std::string, QueryError>&& result) {
  if (std::string* data = std::get_if<std::string>(&result)) {
    return JsonSuccess(std::move(*data));
  }
  const QueryError& error = std::get<QueryError>(result);
  std::string message = error.message;
  // Prometheus reports parse and type errors against the "query" parameter.
  if (error.type == QueryErrorType::kBadData && !message.starts_with("invalid parameter")) {
    message = "invalid parameter \"query\": " + message;
  }
  return JsonError(QueryErrorHttpStatus(error.type), QueryErrorTypeName(error.type), message);
}

std::string LabelsJson(const Labels& labels) {
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    out.append("\"").append(JsonEscape(labels[i].name)).append("\":\"");
    out.append(JsonEscape(labels[i].value)).append("\"");
  }
  out.push_back('}');
  return out;
}

struct SeriesParams {
  TimeRange range;
  MatchSets match_sets;
};

Result<SeriesParams> ParseSeriesParams(const http::FormValues& form) {
  SeriesParams params;
  OBS_ASSIGN_OR_RETURN(params.range, RangeParams(form));
  OBS_ASSIGN_OR_RETURN(params.match_sets, ParseMatchSets(form.GetAll("match[]")));
  return params;
}

}  // namespace

QueryApi::QueryApi(const Storage& storage, const Engine& engine, const Clock& clock)
    : storage_(storage), engine_(engine), clock_(clock) {}

http::Response QueryApi::Query(const http::Request& request) const {
  Result<http::FormValues> form = ParseForm(request);
  if (!form.ok()) {
    return BadData(form.status().message());
  }
  const Result<std::int64_t> time = TimeParam(*form, "time", clock_.UnixMillisNow());
  if (!time.ok()) {
    return BadData(time.status().message());
  }
  const Result<std::int64_t> timeout = TimeoutParam(*form);
  if (!timeout.ok()) {
    return BadData(timeout.status().message());
  }
  return EngineAnswer(engine_.InstantQuery(form->Get("query"), *time, *timeout));
}

http::Response QueryApi::QueryRange(const http::Request& request) const {
  Result<http::FormValues> form = ParseForm(request);
  if (!form.ok()) {
    return BadData(form.status().message());
  }
  const Result<std::int64_t> start = ParseTimeMs(form->Get("start"));
  if (!start.ok()) {
    return BadData(InvalidParam("start", start.status()).message());
  }
  const Result<std::int64_t> end = ParseTimeMs(form->Get("end"));
  if (!end.ok()) {
    return BadData(InvalidParam("end", end.status()).message());
  }
  if (*end < *start) {
    return BadData("invalid parameter \"end\": end timestamp must not be before start time");
  }
  const Result<std::int64_t> step = ParseDurationMs(form->Get("step"));
  if (!step.ok()) {
    return BadData(InvalidParam("step", step.status()).message());
  }
  if (*step <= 0) {
    return BadData(
        "invalid parameter \"step\": zero or negative query resolution step widths are not "
        "accepted. Try a positive integer");
  }
  if ((*end - *start) / *step > kMaxPointsPerSeries) {
    return BadData(
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  }
  const Result<std::int64_t> timeout = TimeoutParam(*form);
  if (!timeout.ok()) {
    return BadData(timeout.status().message());
  }
  return EngineAnswer(engine_.RangeQuery(form->Get("query"), *start, *end, *step, *timeout));
}

http::Response QueryApi::Series(const http::Request& request) const {
  Result<http::FormValues> form = ParseForm(request);
  if (!form.ok()) {
    return BadData(form.status().message());
  }
  if (!form->Has("match[]")) {
    return BadData("no match[] parameter provided");
  }
  Result<SeriesParams> params = ParseSeriesParams(*form);
  if (!params.ok()) {
    return BadData(params.status().message());
  }
  std::vector<SeriesRef> refs;
  for (const std::vector<Matcher>& set : params->match_sets) {
    std::vector<SeriesRef> selected =
        storage_.Select(set, params->range.start_ms, params->range.end_ms);
    refs.insert(refs.end(), selected.begin(), selected.end());
  }
  std::sort(refs.begin(), refs.end(), [](const SeriesRef& a, const SeriesRef& b) {
    return CompareLabels(a.labels(), b.labels()) < 0;
  });
  std::string data = "[";
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (i > 0 && refs[i].labels() == refs[i - 1].labels()) {
      continue;  // Selected by more than one match[].
    }
    data.append(data.size() > 1 ? "," : "").append(LabelsJson(refs[i].labels()));
  }
  data.push_back(']');
  return JsonSuccess(std::move(data));
}

http::Response QueryApi::Labels(const http::Request& request) const {
  Result<http::FormValues> form = ParseForm(request);
  if (!form.ok()) {
    return BadData(form.status().message());
  }
  Result<SeriesParams> params = ParseSeriesParams(*form);
  if (!params.ok()) {
    return BadData(params.status().message());
  }
  return JsonSuccess(JsonStringArray(
      storage_.LabelNames(params->match_sets, params->range.start_ms, params->range.end_ms)));
}

http::Response QueryApi::LabelValues(const http::Request& request, std::string_view name) const {
  if (!IsValidLabelName(name)) {
    return BadData("invalid label name: \"" + std::string(name) + "\"");
  }
  Result<http::FormValues> form = ParseForm(request);
  if (!form.ok()) {
    return BadData(form.status().message());
  }
  Result<SeriesParams> params = ParseSeriesParams(*form);
  if (!params.ok()) {
    return BadData(params.status().message());
  }
  return JsonSuccess(JsonStringArray(storage_.LabelValues(
      name, params->match_sets, params->range.start_ms, params->range.end_ms)));
}

http::Response QueryApi::QueryExemplars(const http::Request& request) const {
  Result<http::FormValues> form = ParseForm(request);
  if (!form.ok()) {
    return BadData(form.status().message());
  }
  Result<TimeRange> range = RangeParams(*form);
  if (!range.ok()) {
    return BadData(range.status().message());
  }
  if (range->end_ms < range->start_ms) {
    return BadData("end timestamp must not be before start timestamp");
  }
  // The query must still parse, as Prometheus checks it before looking up exemplars.
  if (Result<query::ExprPtr> expr = query::ParseExpr(form->Get("query")); !expr.ok()) {
    return BadData(expr.status().message());
  }
  return JsonSuccess("[]");
}

}  // namespace obs::backend
