#include "verify/log_check.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <thread>

#include "obs/base/civil_time.h"
#include "obs/wire/json_parse.h"
#include "obs/wire/series_text.h"

#include <nlohmann/json.hpp>

namespace obs::scenarios {
namespace {

using Json = nlohmann::json;

std::string Selector(const std::vector<std::pair<std::string, std::string>>& labels) {
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out += i == 0 ? "" : ",";
    out += labels[i].first + "=\"";
    wire::AppendEscapedLabelValue(out, labels[i].second);
    out += '"';
  }
  return out + "}";
}

struct Expected {
  std::uint64_t seq = 0;
  std::uint64_t n = 0;
  bool intact = false;
  bool altered = false;
  std::string altered_text;
};

}  // namespace

Result<std::vector<ReceivedLine>> ParseLokiStreams(std::string_view body) {
  std::optional<Json> doc = wire::ParseJson(body);
  if (!doc || !doc->is_object() || (*doc)["status"] != "success" || !(*doc)["data"].is_object() ||
      !(*doc)["data"]["result"].is_array()) {
    return DataLossError("loki answer: not {\"status\":\"success\",\"data\":{\"result\":[...]}}");
  }
  std::vector<ReceivedLine> out;
  for (const Json& stream : (*doc)["data"]["result"]) {
    if (!stream.is_object() || !stream.contains("values") || !stream["values"].is_array()) {
      return DataLossError("loki answer: stream without values");
    }
    for (const Json& v : stream["values"]) {
      if (!v.is_array() || v.size() < 2 || !v[0].is_string() || !v[1].is_string()) {
        return DataLossError("loki answer: a value is not [\"<ns>\", \"<line>\"]");
      }
      ReceivedLine r;
      const auto& ts = v[0].get_ref<const std::string&>();
      const auto res = std::from_chars(ts.data(), ts.data() + ts.size(), r.timestamp_ns);
      if (res.ec != std::errc() || res.ptr != ts.data() + ts.size()) {
        return DataLossError("loki answer: timestamp \"" + ts + "\" is not an integer");
      }
      r.line = v[1].get<std::string>();
      out.push_back(std::move(r));
    }
  }
  return out;
}

Result<std::vector<ReceivedLine>> ParseVictoriaLogsLines(std::string_view body) {
  std::vector<ReceivedLine> out;
  std::size_t line_no = 0;
  while (!body.empty()) {
    const std::size_t nl = body.find('\n');
    const std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;
    }
    const std::string where = "victorialogs answer line " + std::to_string(line_no) + ": ";
    std::optional<Json> doc = wire::ParseJson(line);
    if (!doc || !doc->is_object()) {
      return DataLossError(where + "not a JSON object");
    }
    const Json& msg = (*doc)["_msg"];
    const Json& time = (*doc)["_time"];
    if (!msg.is_string() || !time.is_string()) {
      return DataLossError(where + "no string _msg and _time");
    }
    const std::optional<std::int64_t> ns = ParseRfc3339Nanos(time.get<std::string>());
    if (!ns) {
      return DataLossError(where + "_time \"" + time.get<std::string>() + "\" is not RFC 3339");
    }
    out.push_back(ReceivedLine{*ns, msg.get<std::string>()});
  }
  return out;
}

namespace {

// Every line of the stream `selector` in [from, to_exclusive), sorted by time.
Result<std::vector<ReceivedLine>> FetchStream(QueryClient& client, const LogCheckOptions& options,
                                              const std::string& selector, std::int64_t from,
                                              std::int64_t to_exclusive) {
  std::vector<ReceivedLine> received;
  const auto by_time = [](const ReceivedLine& a, const ReceivedLine& b) {
    return a.timestamp_ns < b.timestamp_ns;
  };
  if (options.api == LogQueryApi::kVictoriaLogs) {
    // No paging: without `limit` VictoriaLogs returns every match, unsorted.
    const std::string url =
        "/select/logsql/query?query=" + QueryComponentEscape("_stream:" + selector) +
        "&start=" + QueryComponentEscape(FormatRfc3339Nanos(from)) +
        "&end=" + QueryComponentEscape(FormatRfc3339Nanos(to_exclusive));
    OBS_ASSIGN_OR_RETURN(FetchResult r, client.Fetch(url));
    if (r.status != 200) {
      return UnavailableError("victorialogs query: HTTP " + std::to_string(r.status) + ": " +
                              r.body.substr(0, 200));
    }
    OBS_ASSIGN_OR_RETURN(received, ParseVictoriaLogsLines(r.body));
    std::stable_sort(received.begin(), received.end(), by_time);
    return received;
  }
  while (from < to_exclusive) {
    const std::string url =
        "/loki/api/v1/query_range?direction=forward&limit=" + std::to_string(options.page_limit) +
        "&query=" + QueryComponentEscape(selector) + "&start=" + std::to_string(from) +
        "&end=" + std::to_string(to_exclusive);
    OBS_ASSIGN_OR_RETURN(FetchResult r, client.Fetch(url));
    if (r.status != 200) {
      return UnavailableError("loki query_range: HTTP " + std::to_string(r.status) + ": " +
                              r.body.substr(0, 200));
    }
    OBS_ASSIGN_OR_RETURN(std::vector<ReceivedLine> page, ParseLokiStreams(r.body));
    if (page.empty()) {
      break;
    }
    std::stable_sort(page.begin(), page.end(), by_time);
    from = page.back().timestamp_ns + 1;
    const std::size_t n = page.size();
    received.insert(received.end(), std::make_move_iterator(page.begin()),
                    std::make_move_iterator(page.end()));
    if (n < options.page_limit) {
      break;
    }
  }
  return received;
}

}  // namespace

Result<LogCompletenessRecord> CheckLogCompleteness(
    QueryClient& client, const loadgen::LogGenerator& generator, const loadgen::LogLedger& ledger,
    const std::string& run_id, const LogCheckOptions& options, const Clock& clock) {
  LogCompletenessRecord rec;
  rec.checked = true;
  rec.query_api = options.api == LogQueryApi::kVictoriaLogs ? "victorialogs" : "loki";
  const std::uint64_t queries_before = client.queries();
  const std::size_t streams = generator.stream_count();
  const SteadyClock::time_point start = clock.SteadyNow();
  const SteadyClock::time_point deadline =
      start + std::chrono::duration_cast<SteadyClock::duration>(
                  std::chrono::duration<double>(options.settle_timeout_seconds));
  // Which streams have acknowledged lines, and their time span.
  std::vector<std::int64_t> first_ts(streams, INT64_MAX);
  std::vector<std::int64_t> last_ts(streams, INT64_MIN);
  std::vector<std::uint64_t> acked(streams, 0);
  for (std::uint64_t n = 0; n < ledger.size(); ++n) {
    if (ledger.state(n) != loadgen::LogLedger::State::kAcked) {
      continue;
    }
    const std::size_t s = static_cast<std::size_t>(n % streams);
    const std::int64_t ts = ledger.TimestampNs(n);
    first_ts[s] = std::min(first_ts[s], ts);
    last_ts[s] = std::max(last_ts[s], ts);
    ++acked[s];
  }
  auto example = [&](LogDifference d) {
    if (rec.examples.size() < static_cast<std::size_t>(options.max_examples)) {
      rec.examples.push_back(std::move(d));
    }
  };
  loadgen::GeneratedLine gl;
  for (std::size_t s = 0; s < streams; ++s) {
    if (acked[s] == 0) {
      continue;
    }
    ++rec.streams_expected;
    auto labels = generator.stream_labels(s);
    labels.emplace_back("obsbench_run", run_id);
    std::sort(labels.begin(), labels.end());
    const std::string selector = Selector(labels);
    const std::string stream_text = selector;
    std::vector<ReceivedLine> received;
    while (true) {
      OBS_ASSIGN_OR_RETURN(received,
                           FetchStream(client, options, selector, first_ts[s], last_ts[s] + 1));
      if (received.size() >= acked[s] || clock.SteadyNow() >= deadline) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::duration<double>(options.poll_interval_seconds));
    }
    if (!received.empty()) {
      ++rec.streams_found;
    }
    // Expected lines of this stream by timestamp.
    std::map<std::int64_t, Expected> expected;
    for (std::uint64_t n = s; n < ledger.size(); n += streams) {
      if (ledger.state(n) == loadgen::LogLedger::State::kAcked) {
        expected[ledger.TimestampNs(n)] = Expected{n / streams, n, false, false, {}};
      }
    }
    rec.lines_expected += expected.size();
    std::uint64_t last_seq = 0;
    bool any = false;
    for (const ReceivedLine& r : received) {
      auto it = expected.find(r.timestamp_ns);
      if (it == expected.end()) {
        ++rec.lines_unexpected;
        example({"unexpected", stream_text, r.timestamp_ns, "", r.line});
        continue;
      }
      Expected& e = it->second;
      generator.Line(e.n, r.timestamp_ns, gl);
      if (r.line == gl.line) {
        if (e.intact) {
          ++rec.lines_duplicated;
          example({"duplicated", stream_text, r.timestamp_ns, gl.line, r.line});
          continue;
        }
        e.intact = true;
        if (any && e.seq < last_seq) {
          ++rec.lines_out_of_order;
          example({"out_of_order", stream_text, r.timestamp_ns, gl.line, r.line});
        }
        last_seq = std::max(last_seq, e.seq);
        any = true;
      } else if (!e.altered) {
        e.altered = true;
        e.altered_text = r.line;
      } else {
        ++rec.lines_duplicated;
      }
    }
    for (const auto& [ts, e] : expected) {
      if (e.intact) {
        ++rec.lines_intact;
        continue;
      }
      generator.Line(e.n, ts, gl);
      if (e.altered) {
        ++rec.lines_altered;
        example({"altered", stream_text, ts, gl.line, e.altered_text});
      } else {
        ++rec.lines_missing;
        example({"missing", stream_text, ts, gl.line, ""});
      }
    }
  }
  rec.seconds_to_settle = std::chrono::duration<double>(clock.SteadyNow() - start).count();
  rec.queries = client.queries() - queries_before;
  return rec;
}

}  // namespace obs::scenarios
