#include "logs/loki_api.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "obs/base/civil_time.h"
#include "obs/wire/json_text.h"
#include "obs/wire/loki.h"
#include "obs/wire/snappy.h"

#include "api/params.h"
#include "api/responses.h"
#include "http/content_coding.h"
#include "http/url.h"
#include "logs/logql.h"
#include "query/format.h"

namespace obs::backend::logs {
namespace {

constexpr std::int64_t kNanosPerSecond = 1000000000;
constexpr std::int64_t kHourNs = 3600 * kNanosPerSecond;

http::Response Json(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

http::Response Text(int status, std::string body) {
  return TextResponse(status, body);
}

void AppendLabels(const LabelSet& labels, std::string& out) {
  out += '{';
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i != 0) {
      out += ',';
    }
    wire::AppendJsonString(labels[i].first, out);
    out += ':';
    wire::AppendJsonString(labels[i].second, out);
  }
  out += '}';
}

std::string SecondsText(std::int64_t ns) {
  return FormatPromTimestamp(ns / 1000000);
}

struct Form {
  http::FormValues values;
  Status status;
};

Form ReadForm(const http::Request& request) {
  Form f;
  f.status = f.values.AddUrlEncoded(http::SplitTarget(request.target).query);
  if (f.status.ok() && request.method == "POST" &&
      request.Header("content-type").starts_with("application/x-www-form-urlencoded")) {
    f.status = f.values.AddUrlEncoded(request.body);
  }
  return f;
}

// start/end with Loki's defaults: end = now, start = end - 1h.
Status TimeRange(const http::FormValues& form, std::int64_t now_ns, std::int64_t& start,
                 std::int64_t& end) {
  end = now_ns;
  if (form.Has("end")) {
    OBS_ASSIGN_OR_RETURN(end, ParseLokiTimeNs(form.Get("end")));
  }
  start = end > INT64_MIN + kHourNs ? end - kHourNs : INT64_MIN;
  if (form.Has("start")) {
    OBS_ASSIGN_OR_RETURN(start, ParseLokiTimeNs(form.Get("start")));
  }
  if (form.Has("since")) {
    OBS_ASSIGN_OR_RETURN(const std::int64_t since_ms, ParsePromDurationMs(form.Get("since")));
    if (since_ms > kHourNs / 1000000 * 24 * 365 * 100) {
      return InvalidArgumentError("since is longer than a century");
    }
    start = end > INT64_MIN + since_ms * 1000000 ? end - since_ms * 1000000 : INT64_MIN;
  }
  if (end < start) {
    return InvalidArgumentError("end timestamp must not be before start time");
  }
  return Status::Ok();
}

std::string StreamsJson(const std::vector<StreamResult>& streams) {
  std::string out = "[";
  for (std::size_t i = 0; i < streams.size(); ++i) {
    out += i == 0 ? "{\"stream\":" : ",{\"stream\":";
    AppendLabels(streams[i].labels, out);
    out += ",\"values\":[";
    // Entries are already in the requested direction.
    const std::vector<LogEntry>& entries = streams[i].entries;
    for (std::size_t k = 0; k < entries.size(); ++k) {
      out += k == 0 ? "[\"" : ",[\"";
      out += std::to_string(entries[k].timestamp_ns) + "\",";
      wire::AppendJsonString(entries[k].line, out);
      if (!entries[k].metadata.empty()) {
        out += ',';
        AppendLabels(entries[k].metadata, out);
      }
      out += ']';
    }
    out += "]}";
  }
  return out + "]";
}

std::string MatrixJson(const std::vector<Series>& series) {
  std::string out = "[";
  for (std::size_t i = 0; i < series.size(); ++i) {
    out += i == 0 ? "{\"metric\":" : ",{\"metric\":";
    AppendLabels(series[i].labels, out);
    out += ",\"values\":[";
    for (std::size_t k = 0; k < series[i].points.size(); ++k) {
      out += k == 0 ? "[" : ",[";
      out += SecondsText(series[i].points[k].first) + ",\"" +
             FormatPromValue(series[i].points[k].second) + "\"]";
    }
    out += "]}";
  }
  return out + "]";
}

std::string Success(std::string_view result_type, const std::string& result) {
  return "{\"status\":\"success\",\"data\":{\"resultType\":\"" + std::string(result_type) +
         "\",\"result\":" + result + ",\"stats\":{}}}";
}

}  // namespace

Result<std::int64_t> ParseLokiTimeNs(std::string_view text) {
  if (text.empty()) {
    return InvalidArgumentError("empty timestamp");
  }
  const bool digits = std::all_of(text.begin(), text.end(),
                                  [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
  if (digits) {
    std::int64_t v = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
      return InvalidArgumentError("cannot parse \"" + std::string(text) + "\" as a timestamp");
    }
    if (text.size() > 10) {
      return v;
    }
    // Seconds: every 10-digit value fits in int64 nanoseconds except the top
    // of the range.
    if (v > INT64_MAX / kNanosPerSecond || v < INT64_MIN / kNanosPerSecond) {
      return InvalidArgumentError("timestamp \"" + std::string(text) + "\" out of range");
    }
    return v * kNanosPerSecond;
  }
  if (text.find('.') != std::string_view::npos && text.find('T') == std::string_view::npos) {
    double s = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), s);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
      return InvalidArgumentError("cannot parse \"" + std::string(text) + "\" as a timestamp");
    }
    if (!(std::fabs(s) < 9.2e9)) {
      return InvalidArgumentError("timestamp \"" + std::string(text) + "\" out of range");
    }
    return static_cast<std::int64_t>(s * 1e9);
  }
  if (const std::optional<std::int64_t> ns = ParseRfc3339Nanos(text)) {
    return *ns;  // Full precision; ParseTimeMs below stops at milliseconds.
  }
  OBS_ASSIGN_OR_RETURN(const std::int64_t ms, ParseTimeMs(text));
  if (ms > INT64_MAX / 1000000 || ms < INT64_MIN / 1000000) {
    return InvalidArgumentError("timestamp \"" + std::string(text) + "\" out of range");
  }
  return ms * 1000000;
}

LokiApi::LokiApi(LogStore& store, const Clock& clock, std::size_t max_decompressed_bytes)
    : store_(store), clock_(clock), max_decompressed_bytes_(max_decompressed_bytes) {}

http::Response LokiApi::Push(const http::Request& request) {
  std::string storage;
  std::string_view body;
  const Status decoded = http::DecodeContentEncoding(request, max_decompressed_bytes_,
                                                     /*allow_snappy=*/true, storage, body);
  if (!decoded.ok()) {
    return Text(http::ContentEncodingErrorStatus(decoded), decoded.message());
  }
  const std::string_view type = request.Header("content-type");
  Result<wire::loki::PushRequest> push = InvalidArgumentError("unset");
  if (type.starts_with("application/json")) {
    push = wire::loki::DecodePushJson(body);
  } else {
    // Protobuf (the default, Content-Type absent too) is always snappy.
    auto raw = wire::SnappyUncompress(body, max_decompressed_bytes_);
    if (!raw.ok()) {
      return Text(raw.status().code() == StatusCode::kResourceExhausted ? 413 : 400,
                  raw.status().message());
    }
    push = wire::loki::DecodePushProto(*raw);
  }
  if (!push.ok()) {
    return Text(400, push.status().message());
  }
  const LogAppendResult r = store_.Append(*push);
  if (r.rejected != 0) {
    return Text(400, std::to_string(r.rejected) + " entries rejected (" +
                         std::to_string(r.accepted) + " accepted); first: " + r.first_error);
  }
  http::Response ok;
  ok.status = 204;
  return ok;
}

http::Response LokiApi::QueryRange(const http::Request& request) const {
  Form form = ReadForm(request);
  if (!form.status.ok()) {
    return Text(400, form.status.message());
  }
  auto query = ParseLogQL(form.values.Get("query"));
  if (!query.ok()) {
    return Text(400, query.status().message());
  }
  std::int64_t start = 0;
  std::int64_t end = 0;
  if (Status s = TimeRange(form.values, clock_.UnixMillisNow() * 1000000, start, end); !s.ok()) {
    return Text(400, s.message());
  }
  if (query->metric) {
    // The span may exceed int64 (start and end are any int64): divide in double.
    const double span = static_cast<double>(end) - static_cast<double>(start);
    std::int64_t step =
        std::max<std::int64_t>(kNanosPerSecond, static_cast<std::int64_t>(span / 250));
    if (form.values.Has("step")) {
      auto ms = ParseDurationMs(form.values.Get("step"));
      if (!ms.ok() || *ms <= 0 || *ms > INT64_MAX / 1000000) {
        return Text(400, "invalid step \"" + std::string(form.values.Get("step")) + "\"");
      }
      step = *ms * 1000000;
    }
    if (static_cast<double>(end) - static_cast<double>(start) >
        11000.0 * static_cast<double>(step)) {
      return Text(400, "exceeded maximum resolution of 11,000 points per time series");
    }
    return Json(200,
                Success("matrix", MatrixJson(EvalMetricQuery(store_, *query, start, end, step))));
  }
  std::size_t limit = 100;
  if (form.values.Has("limit")) {
    const std::string_view text = form.values.Get("limit");
    const auto r = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (r.ec != std::errc() || limit == 0) {
      return Text(400, "invalid limit \"" + std::string(text) + "\"");
    }
  }
  const std::string_view direction = form.values.Get("direction");
  if (!direction.empty() && direction != "backward" && direction != "forward") {
    return Text(400, "invalid direction \"" + std::string(direction) + "\"");
  }
  const bool backward = direction != "forward";
  return Json(200, Success("streams",
                           StreamsJson(EvalLogQuery(store_, *query, start, end, limit, backward))));
}

http::Response LokiApi::Query(const http::Request& request) const {
  Form form = ReadForm(request);
  if (!form.status.ok()) {
    return Text(400, form.status.message());
  }
  auto query = ParseLogQL(form.values.Get("query"));
  if (!query.ok()) {
    return Text(400, query.status().message());
  }
  if (!query->metric) {
    return Text(400,
                "log queries are not supported as an instant query type, please change "
                "your query to a range query type");
  }
  std::int64_t t = clock_.UnixMillisNow() * 1000000;
  if (form.values.Has("time")) {
    auto parsed = ParseLokiTimeNs(form.values.Get("time"));
    if (!parsed.ok()) {
      return Text(400, parsed.status().message());
    }
    t = *parsed;
  }
  std::string out = "[";
  bool first = true;
  for (const logs::Series& s : EvalMetricQuery(store_, *query, t, t, 0)) {
    for (const auto& [ts, v] : s.points) {
      out += first ? "{\"metric\":" : ",{\"metric\":";
      first = false;
      AppendLabels(s.labels, out);
      out += ",\"value\":[" + SecondsText(ts) + ",\"" + FormatPromValue(v) + "\"]}";
    }
  }
  out += ']';
  return Json(200, Success("vector", out));
}

http::Response LokiApi::Labels(const http::Request& /*request*/) const {
  std::set<std::string> names;
  for (const LabelSet& ls : store_.Streams()) {
    for (const auto& [name, value] : ls) {
      names.insert(name);
    }
  }
  return Json(200, "{\"status\":\"success\",\"data\":" +
                       JsonStringArray({names.begin(), names.end()}) + "}");
}

http::Response LokiApi::LabelValues(const http::Request& /*request*/, std::string_view name) const {
  std::set<std::string> values;
  for (const LabelSet& ls : store_.Streams()) {
    for (const auto& [n, value] : ls) {
      if (n == name) {
        values.insert(value);
      }
    }
  }
  return Json(200, "{\"status\":\"success\",\"data\":" +
                       JsonStringArray({values.begin(), values.end()}) + "}");
}

http::Response LokiApi::Series(const http::Request& request) const {
  Form form = ReadForm(request);
  if (!form.status.ok()) {
    return Text(400, form.status.message());
  }
  std::vector<LogSelector> selectors;
  for (const std::string& m : form.values.GetAll("match[]")) {
    auto q = ParseLogQL(m);
    if (!q.ok() || q->metric) {
      return Text(400, "invalid match[] \"" + m + "\"");
    }
    selectors.push_back(std::move(q->selector));
  }
  if (selectors.empty()) {
    return Text(400, "at least one match[] is required");
  }
  std::string out = "[";
  bool first = true;
  for (const LabelSet& ls : store_.Streams()) {
    const bool match = std::any_of(selectors.begin(), selectors.end(), [&](const LogSelector& s) {
      return std::all_of(s.matchers.begin(), s.matchers.end(), [&](const Matcher& m) {
        std::string_view v;
        for (const auto& [n, value] : ls) {
          if (n == m.name) {
            v = value;
          }
        }
        return m.Matches(v);
      });
    });
    if (match) {
      out += first ? "" : ",";
      first = false;
      AppendLabels(ls, out);
    }
  }
  out += ']';
  return Json(200, "{\"status\":\"success\",\"data\":" + out + "}");
}

http::Response LokiApi::VictoriaLogsQuery(const http::Request& request) const {
  Form form = ReadForm(request);
  if (!form.status.ok()) {
    return Text(400, form.status.message());
  }
  // The LogsQL subset: a stream filter `_stream:{...}` (or a bare `{...}`),
  // then LogQL line filters, which is what verification sends.
  std::string_view text = form.values.Get("query");
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  if (text.starts_with("_stream:")) {
    text.remove_prefix(8);
  }
  auto query = ParseLogQL(text);
  if (!query.ok()) {
    return Text(400, "cannot parse query [" + std::string(form.values.Get("query")) +
                         "]: the reference backend understands `_stream:{...}` followed by "
                         "LogQL line filters: " +
                         query.status().message());
  }
  if (query->metric) {
    return Text(400, "use /select/logsql/stats_query for stats; not supported here");
  }
  std::int64_t start = INT64_MIN;
  std::int64_t end = clock_.UnixMillisNow() * 1000000 + 1;
  for (const char* key : {"start", "end"}) {
    if (form.values.Has(key)) {
      auto t = ParseLokiTimeNs(form.values.Get(key));
      if (!t.ok()) {
        return Text(400, std::string("invalid ") + key + ": " + t.status().message());
      }
      (key[0] == 's' ? start : end) = *t;
    }
  }
  // Without `limit` every match is returned (oldest first); with it the
  // newest `limit`, as VictoriaLogs does.
  std::size_t limit = std::numeric_limits<std::size_t>::max();
  if (form.values.Has("limit")) {
    const std::string_view l = form.values.Get("limit");
    const auto r = std::from_chars(l.data(), l.data() + l.size(), limit);
    if (r.ec != std::errc() || r.ptr != l.data() + l.size()) {
      return Text(400, "invalid limit \"" + std::string(l) + "\"");
    }
  }
  const bool newest = form.values.Has("limit");
  std::string out;
  if (limit > 0 && end > start) {
    for (const StreamResult& stream : EvalLogQuery(store_, *query, start, end, limit, newest)) {
      std::string stream_text = "{";
      for (std::size_t i = 0; i < stream.labels.size(); ++i) {
        stream_text += (i == 0 ? "" : ",") + stream.labels[i].first + "=";
        wire::AppendJsonString(stream.labels[i].second, stream_text);
      }
      stream_text += "}";
      for (const LogEntry& e : stream.entries) {
        // Fields in alphabetical order, as VictoriaLogs writes them.
        std::map<std::string, std::string> fields(stream.labels.begin(), stream.labels.end());
        fields["_msg"] = e.line;
        fields["_stream"] = stream_text;
        fields["_time"] = FormatRfc3339Nanos(e.timestamp_ns);
        out += '{';
        bool first = true;
        for (const auto& [k, v] : fields) {
          out += first ? "" : ",";
          first = false;
          wire::AppendJsonString(k, out);
          out += ':';
          wire::AppendJsonString(v, out);
        }
        out += "}\n";
      }
    }
  }
  http::Response r;
  r.status = 200;
  r.content_type = "application/stream+json";
  r.body = std::move(out);
  return r;
}

}  // namespace obs::backend::logs
