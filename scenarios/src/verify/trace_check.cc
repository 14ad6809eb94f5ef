#include "verify/trace_check.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "obs/wire/json_parse.h"
#include "obs/wire/json_text.h"

#include <nlohmann/json.hpp>

namespace obs::scenarios {
namespace {

namespace otlp = wire::otlp;
using Json = nlohmann::json;

constexpr std::uint64_t kMicro = 1000;

Status Malformed(std::string_view api, std::string_view what) {
  return DataLossError(std::string(api) + " trace answer: " + std::string(what));
}

// ---------------------------------------------------------------- Jaeger

// What Jaeger can carry of a value: arrays and maps become JSON text.
otlp::AnyValue JaegerValue(const otlp::AnyValue& v) {
  using T = otlp::AnyValue::Type;
  if (v.type == T::kArray || v.type == T::kKvList) {
    return otlp::AnyValue::String(otlp::ValueJson(v));
  }
  if (v.type == T::kEmpty) {
    return otlp::AnyValue::String("");
  }
  return v;
}

Result<otlp::AnyValue> TagValue(const Json& tag) {
  const std::string type = tag.value("type", "string");
  const auto it = tag.find("value");
  if (it == tag.end()) {
    return Malformed("jaeger", "tag without value");
  }
  const Json& v = *it;
  if (type == "bool" && v.is_boolean()) {
    return otlp::AnyValue::Bool(v.get<bool>());
  }
  if (type == "int64" && v.is_number_integer()) {
    return otlp::AnyValue::Int(v.get<std::int64_t>());
  }
  if (type == "float64" && v.is_number()) {
    return otlp::AnyValue::Double(v.get<double>());
  }
  if (type == "binary" && v.is_string()) {
    auto bytes = wire::Base64Decode(v.get<std::string>());
    if (!bytes) {
      return Malformed("jaeger", "binary tag is not base64");
    }
    return otlp::AnyValue::Bytes(std::move(*bytes));
  }
  if (type == "string" && v.is_string()) {
    return otlp::AnyValue::String(v.get<std::string>());
  }
  return Malformed("jaeger", "tag of type \"" + type + "\" has a value of another type");
}

Result<std::vector<otlp::KeyValue>> Tags(const Json& j) {
  std::vector<otlp::KeyValue> out;
  if (j.is_null()) {
    return out;
  }
  if (!j.is_array()) {
    return Malformed("jaeger", "tags must be an array");
  }
  for (const Json& t : j) {
    if (!t.is_object() || !t.contains("key") || !t["key"].is_string()) {
      return Malformed("jaeger", "tag without a key");
    }
    OBS_ASSIGN_OR_RETURN(otlp::AnyValue v, TagValue(t));
    out.push_back({t["key"].get<std::string>(), std::move(v)});
  }
  return out;
}

std::uint64_t Uint(const Json& j) {
  return j.is_number_unsigned() ? j.get<std::uint64_t>()
         : j.is_number_integer()
             ? static_cast<std::uint64_t>(std::max<std::int64_t>(0, j.get<std::int64_t>()))
             : 0;
}

otlp::SpanKind KindFromName(std::string_view name) {
  for (otlp::SpanKind k :
       {otlp::SpanKind::kInternal, otlp::SpanKind::kServer, otlp::SpanKind::kClient,
        otlp::SpanKind::kProducer, otlp::SpanKind::kConsumer}) {
    if (otlp::SpanKindName(k) == name) {
      return k;
    }
  }
  return otlp::SpanKind::kUnspecified;
}

// ---------------------------------------------------------------- comparing

std::string ValueText(const otlp::AnyValue& v) {
  return otlp::ToString(v);
}

std::string TimeText(std::uint64_t ns) {
  return std::to_string(ns) + " ns";
}

struct Differ {
  TraceApi api;
  std::string field, sent, received;

  bool Fail(std::string f, std::string s, std::string r) {
    field = std::move(f);
    sent = std::move(s);
    received = std::move(r);
    return false;
  }
  bool Time(const char* f, std::uint64_t s, std::uint64_t r) {
    const std::uint64_t d = s > r ? s - r : r - s;
    if (api == TraceApi::kJaeger ? d != 0 : d > kMicro) {
      return Fail(f, TimeText(s), TimeText(r));
    }
    return true;
  }
  bool Attributes(const std::string& prefix, const std::vector<otlp::KeyValue>& sent_kvs,
                  const std::vector<otlp::KeyValue>& received_kvs) {
    std::map<std::string, const otlp::AnyValue*> s;
    std::map<std::string, const otlp::AnyValue*> r;
    for (const auto& kv : sent_kvs) {
      s[kv.key] = &kv.value;
    }
    for (const auto& kv : received_kvs) {
      r[kv.key] = &kv.value;
    }
    for (const auto& [key, value] : s) {
      auto it = r.find(key);
      if (it == r.end()) {
        return Fail(prefix + "[" + key + "]", ValueText(*value), "(absent)");
      }
      if (!(*it->second == *value)) {
        return Fail(prefix + "[" + key + "]", ValueText(*value), ValueText(*it->second));
      }
    }
    for (const auto& [key, value] : r) {
      if (s.count(key) == 0) {
        return Fail(prefix + "[" + key + "]", "(absent)", ValueText(*value));
      }
    }
    return true;
  }
  bool Span(const otlp::Span& s, const otlp::Resource& sr, const ReceivedSpan& got) {
    const otlp::Span& r = got.span;
    const bool full = api == TraceApi::kTempo;
    if (s.parent_span_id != r.parent_span_id) {
      return Fail("parent_span_id", otlp::Hex(s.parent_span_id), otlp::Hex(r.parent_span_id));
    }
    if (s.name != r.name) {
      return Fail("name", s.name, r.name);
    }
    if (s.kind != r.kind) {
      return Fail("kind", std::string(otlp::SpanKindName(s.kind)),
                  std::string(otlp::SpanKindName(r.kind)));
    }
    if (!Time("start_time_unix_nano", s.start_time_unix_nano, r.start_time_unix_nano) ||
        !Time("end_time_unix_nano", s.end_time_unix_nano, r.end_time_unix_nano)) {
      return false;
    }
    if (s.status.code != r.status.code) {
      return Fail("status.code", std::to_string(static_cast<int>(s.status.code)),
                  std::to_string(static_cast<int>(r.status.code)));
    }
    if (s.status.message != r.status.message) {
      return Fail("status.message", s.status.message, r.status.message);
    }
    if (!Attributes("attributes", s.attributes, r.attributes)) {
      return false;
    }
    if (s.events.size() != r.events.size()) {
      return Fail("events", std::to_string(s.events.size()) + " events",
                  std::to_string(r.events.size()) + " events");
    }
    for (std::size_t i = 0; i < s.events.size(); ++i) {
      const std::string p = "events[" + std::to_string(i) + "]";
      if (s.events[i].name != r.events[i].name) {
        return Fail(p + ".name", s.events[i].name, r.events[i].name);
      }
      if (!Time("events.time_unix_nano", s.events[i].time_unix_nano, r.events[i].time_unix_nano) ||
          !Attributes(p + ".attributes", s.events[i].attributes, r.events[i].attributes)) {
        return false;
      }
    }
    if (s.links.size() != r.links.size()) {
      return Fail("links", std::to_string(s.links.size()) + " links",
                  std::to_string(r.links.size()) + " links");
    }
    for (std::size_t i = 0; i < s.links.size(); ++i) {
      const std::string p = "links[" + std::to_string(i) + "]";
      if (s.links[i].trace_id != r.links[i].trace_id || s.links[i].span_id != r.links[i].span_id) {
        return Fail(p, otlp::Hex(s.links[i].trace_id) + "/" + otlp::Hex(s.links[i].span_id),
                    otlp::Hex(r.links[i].trace_id) + "/" + otlp::Hex(r.links[i].span_id));
      }
      if (full && !Attributes(p + ".attributes", s.links[i].attributes, r.links[i].attributes)) {
        return false;
      }
    }
    if (s.trace_state != r.trace_state) {
      return Fail("trace_state", s.trace_state, r.trace_state);
    }
    if (full) {
      if (s.flags != r.flags) {
        return Fail("flags", std::to_string(s.flags), std::to_string(r.flags));
      }
      if (s.dropped_attributes_count != r.dropped_attributes_count ||
          s.dropped_events_count != r.dropped_events_count ||
          s.dropped_links_count != r.dropped_links_count) {
        return Fail("dropped counts",
                    std::to_string(s.dropped_attributes_count) + "/" +
                        std::to_string(s.dropped_events_count) + "/" +
                        std::to_string(s.dropped_links_count),
                    std::to_string(r.dropped_attributes_count) + "/" +
                        std::to_string(r.dropped_events_count) + "/" +
                        std::to_string(r.dropped_links_count));
      }
    }
    return Attributes("resource", sr.attributes, got.resource.attributes);
  }
};

// The sent span as the API can represent it.
void Normalize(TraceApi api, otlp::Span& s, otlp::Resource& r) {
  if (api != TraceApi::kJaeger) {
    return;
  }
  const std::uint64_t start = s.start_time_unix_nano / kMicro * kMicro;
  const std::uint64_t duration = (s.end_time_unix_nano - s.start_time_unix_nano) / kMicro * kMicro;
  s.start_time_unix_nano = start;
  s.end_time_unix_nano = start + duration;
  for (auto& kv : s.attributes) {
    kv.value = JaegerValue(kv.value);
  }
  for (auto& e : s.events) {
    e.time_unix_nano = e.time_unix_nano / kMicro * kMicro;
    for (auto& kv : e.attributes) {
      kv.value = JaegerValue(kv.value);
    }
  }
  for (auto& l : s.links) {
    l.attributes.clear();
  }
  for (auto& kv : r.attributes) {
    kv.value = JaegerValue(kv.value);
  }
}

bool SleepUntil(const Clock& clock, SteadyClock::time_point t) {
  while (clock.SteadyNow() < t) {
    std::this_thread::sleep_for(
        std::min<SteadyClock::duration>(t - clock.SteadyNow(), std::chrono::milliseconds(20)));
  }
  return true;
}

}  // namespace

std::string_view TraceApiName(TraceApi api) {
  return api == TraceApi::kJaeger ? "jaeger" : "tempo";
}

Result<std::vector<ReceivedSpan>> ParseTempoTrace(std::string_view body) {
  std::optional<Json> doc = wire::ParseJson(body);
  if (!doc || !doc->is_object()) {
    return Malformed("tempo", "not a JSON object");
  }
  // v2 wraps the trace in {"trace": ...}; v1 is the trace itself, whose
  // list is "batches" in older Tempo and "resourceSpans" in newer.
  Json trace = doc->contains("trace") ? (*doc)["trace"] : *doc;
  if (!trace.is_object()) {
    return Malformed("tempo", "\"trace\" is not an object");
  }
  if (trace.contains("batches") && !trace.contains("resourceSpans")) {
    trace["resourceSpans"] = trace["batches"];
  }
  auto data = otlp::DecodeTracesJson(trace.dump());
  if (!data.ok()) {
    return Malformed("tempo", data.status().message());
  }
  std::vector<ReceivedSpan> out;
  for (const auto& rs : data->resource_spans) {
    for (const auto& ss : rs.scope_spans) {
      for (const auto& s : ss.spans) {
        out.push_back({s, rs.resource});
      }
    }
  }
  return out;
}

Result<std::vector<ReceivedSpan>> ParseJaegerTrace(std::string_view body) {
  std::optional<Json> doc = wire::ParseJson(body);
  if (!doc || !doc->is_object() || !doc->contains("data") || !(*doc)["data"].is_array()) {
    return Malformed("jaeger", "not {\"data\": [...]}");
  }
  std::vector<ReceivedSpan> out;
  for (const Json& trace : (*doc)["data"]) {
    if (!trace.is_object() || !trace.contains("spans") || !trace["spans"].is_array()) {
      return Malformed("jaeger", "trace without spans");
    }
    std::map<std::string, otlp::Resource> processes;
    if (trace.contains("processes") && trace["processes"].is_object()) {
      for (auto it = trace["processes"].begin(); it != trace["processes"].end(); ++it) {
        otlp::Resource r;
        r.attributes.push_back(
            {"service.name", otlp::AnyValue::String(it->value("serviceName", ""))});
        OBS_ASSIGN_OR_RETURN(auto tags, Tags(it->value("tags", Json())));
        r.attributes.insert(r.attributes.end(), tags.begin(), tags.end());
        processes[it.key()] = std::move(r);
      }
    }
    for (const Json& js : trace["spans"]) {
      if (!js.is_object()) {
        return Malformed("jaeger", "span is not an object");
      }
      ReceivedSpan rs;
      otlp::Span& s = rs.span;
      // Jaeger drops leading zeros of 64-bit-high-zero ids; pad them back.
      std::string tid = js.value("traceID", "");
      std::string sid = js.value("spanID", "");
      tid.insert(0, tid.size() < 32 ? 32 - tid.size() : 0, '0');
      sid.insert(0, sid.size() < 16 ? 16 - sid.size() : 0, '0');
      if (!otlp::ParseHex(tid, s.trace_id) || !otlp::ParseHex(sid, s.span_id)) {
        return Malformed("jaeger", "bad traceID/spanID");
      }
      s.name = js.value("operationName", "");
      const std::uint64_t start_us = Uint(js.value("startTime", Json(0)));
      const std::uint64_t duration_us = Uint(js.value("duration", Json(0)));
      s.start_time_unix_nano = start_us * kMicro;
      s.end_time_unix_nano = (start_us + duration_us) * kMicro;
      for (const Json& ref : js.value("references", Json::array())) {
        std::string rt = ref.value("traceID", "");
        std::string rsid = ref.value("spanID", "");
        rt.insert(0, rt.size() < 32 ? 32 - rt.size() : 0, '0');
        rsid.insert(0, rsid.size() < 16 ? 16 - rsid.size() : 0, '0');
        otlp::SpanLink l;
        if (!otlp::ParseHex(rt, l.trace_id) || !otlp::ParseHex(rsid, l.span_id)) {
          return Malformed("jaeger", "bad reference id");
        }
        if (ref.value("refType", "") == "CHILD_OF" && otlp::IsZero(s.parent_span_id) &&
            l.trace_id == s.trace_id) {
          s.parent_span_id = l.span_id;
        } else {
          s.links.push_back(std::move(l));
        }
      }
      OBS_ASSIGN_OR_RETURN(auto tags, Tags(js.value("tags", Json())));
      for (auto& kv : tags) {
        const std::string& k = kv.key;
        if (k == "span.kind") {
          s.kind = KindFromName(kv.value.string_value);
        } else if (k == "otel.status_code") {
          s.status.code = kv.value.string_value == "ERROR" ? otlp::SpanStatusCode::kError
                          : kv.value.string_value == "OK"  ? otlp::SpanStatusCode::kOk
                                                           : otlp::SpanStatusCode::kUnset;
        } else if (k == "otel.status_description") {
          s.status.message = kv.value.string_value;
        } else if (k == "w3c.tracestate") {
          s.trace_state = kv.value.string_value;
        } else if (k == "error" || k == "otel.scope.name" || k == "otel.scope.version" ||
                   k == "otel.library.name" || k == "otel.library.version" ||
                   k == "internal.span.format") {
          continue;
        } else {
          s.attributes.push_back(std::move(kv));
        }
      }
      for (const Json& log : js.value("logs", Json::array())) {
        otlp::SpanEvent e;
        e.time_unix_nano = Uint(log.value("timestamp", Json(0))) * kMicro;
        OBS_ASSIGN_OR_RETURN(auto fields, Tags(log.value("fields", Json())));
        for (auto& f : fields) {
          if (f.key == "event" && e.name.empty()) {
            e.name = f.value.string_value;
          } else {
            e.attributes.push_back(std::move(f));
          }
        }
        s.events.push_back(std::move(e));
      }
      auto p = processes.find(js.value("processID", ""));
      if (p != processes.end()) {
        rs.resource = p->second;
      }
      out.push_back(std::move(rs));
    }
  }
  return out;
}

TraceComparison CompareTrace(const otlp::TracesData& sent,
                             const std::vector<ReceivedSpan>& received, TraceApi api,
                             std::size_t max_examples, std::vector<SpanDifference>& examples) {
  TraceComparison c;
  std::map<otlp::SpanId, std::vector<const ReceivedSpan*>> by_id;
  for (const ReceivedSpan& r : received) {
    by_id[r.span.span_id].push_back(&r);
  }
  std::map<otlp::SpanId, bool> expected_ids;
  auto example = [&](SpanDifference d) {
    if (examples.size() < max_examples) {
      examples.push_back(std::move(d));
    }
  };
  for (const auto& rs : sent.resource_spans) {
    for (const auto& ss : rs.scope_spans) {
      for (const otlp::Span& original : ss.spans) {
        ++c.expected;
        expected_ids[original.span_id] = true;
        otlp::Span s = original;
        otlp::Resource r = rs.resource;
        Normalize(api, s, r);
        auto it = by_id.find(s.span_id);
        if (it == by_id.end()) {
          ++c.missing;
          example({"missing", otlp::Hex(s.trace_id), otlp::Hex(s.span_id), s.name, "", "", ""});
          continue;
        }
        Differ d{api, "", "", ""};
        bool equal = false;
        for (const ReceivedSpan* got : it->second) {
          Differ attempt{api, "", "", ""};
          if (attempt.Span(s, r, *got)) {
            equal = true;
            break;
          }
          if (d.field.empty()) {
            d = attempt;
          }
        }
        if (equal) {
          ++c.intact;
        } else {
          ++c.altered;
          example({"altered", otlp::Hex(s.trace_id), otlp::Hex(s.span_id), s.name, d.field, d.sent,
                   d.received});
        }
        // Copies beyond the first of one span id are extra.
        if (it->second.size() > 1) {
          c.extra += it->second.size() - 1;
        }
      }
    }
  }
  for (const ReceivedSpan& r : received) {
    if (expected_ids.count(r.span.span_id) == 0) {
      ++c.extra;
      example({"extra", otlp::Hex(r.span.trace_id), otlp::Hex(r.span.span_id), r.span.name, "", "",
               ""});
    }
  }
  return c;
}

Result<TraceCompletenessRecord> CheckTraceCompleteness(QueryClient& client,
                                                       const loadgen::TraceGenerator& generator,
                                                       const loadgen::TraceLedger& ledger,
                                                       const TraceCheckOptions& options,
                                                       const Clock& clock) {
  TraceCompletenessRecord rec;
  rec.checked = true;
  rec.query_api = std::string(TraceApiName(options.api));
  const std::uint64_t queries_before = client.queries();
  const SteadyClock::time_point start = clock.SteadyNow();
  const SteadyClock::time_point deadline =
      start + std::chrono::duration_cast<SteadyClock::duration>(
                  std::chrono::duration<double>(options.settle_timeout_seconds));
  std::vector<std::uint64_t> pending;
  for (std::uint64_t n = 0; n < ledger.size(); ++n) {
    if (ledger.state(n) == loadgen::TraceLedger::State::kAcked) {
      pending.push_back(n);
    } else if (ledger.state(n) == loadgen::TraceLedger::State::kPartial) {
      ++rec.traces_partial;
    }
  }
  rec.traces_expected = pending.size();
  // A trace is judged as soon as it comes back complete; one that is absent
  // or short is asked for again until the deadline, and then judged on its
  // last answer. Only those pending answers are kept in memory.
  loadgen::TraceBatch batch;
  auto judge = [&](std::uint64_t n, const std::vector<ReceivedSpan>* got) {
    batch.Clear();
    generator.Generate(n, ledger.StartUnixNano(n), batch);
    if (got == nullptr) {
      ++rec.traces_missing;
      rec.spans_expected += batch.span_count();
      rec.spans_missing += batch.span_count();
      if (rec.examples.size() < static_cast<std::size_t>(options.max_examples)) {
        rec.examples.push_back(
            {"missing", otlp::Hex(generator.TraceIdFor(n)), "", "(whole trace)", "", "", ""});
      }
      return;
    }
    ++rec.traces_found;
    const TraceComparison c =
        CompareTrace(batch.data(), *got, options.api,
                     static_cast<std::size_t>(options.max_examples), rec.examples);
    rec.spans_expected += c.expected;
    rec.spans_intact += c.intact;
    rec.spans_missing += c.missing;
    rec.spans_altered += c.altered;
    rec.spans_extra += c.extra;
  };
  std::map<std::uint64_t, std::vector<ReceivedSpan>> answers;  // Short answers of pending traces.
  std::map<std::uint64_t, std::size_t> expected_spans;
  while (true) {
    std::vector<std::uint64_t> again;
    for (std::uint64_t n : pending) {
      auto [e, fresh] = expected_spans.try_emplace(n, 0);
      if (fresh) {
        batch.Clear();
        e->second = generator.Generate(n, ledger.StartUnixNano(n), batch);
      }
      const std::string hex = otlp::Hex(generator.TraceIdFor(n));
      const std::string path =
          options.api == TraceApi::kJaeger ? "/api/traces/" + hex : "/api/v2/traces/" + hex;
      OBS_ASSIGN_OR_RETURN(FetchResult r, client.Fetch(path));
      if (r.status == 404) {
        answers.erase(n);
        again.push_back(n);
        continue;
      }
      if (r.status != 200) {
        return UnavailableError("trace " + hex + ": HTTP " + std::to_string(r.status) + ": " +
                                r.body.substr(0, 200));
      }
      auto spans =
          options.api == TraceApi::kJaeger ? ParseJaegerTrace(r.body) : ParseTempoTrace(r.body);
      if (!spans.ok()) {
        return spans.status();
      }
      if (spans->size() < e->second) {
        answers[n] = std::move(*spans);
        again.push_back(n);
        continue;
      }
      answers.erase(n);
      expected_spans.erase(n);
      judge(n, &*spans);
    }
    pending = std::move(again);
    if (pending.empty() || clock.SteadyNow() >= deadline) {
      break;
    }
    SleepUntil(
        clock,
        std::min(deadline, clock.SteadyNow() +
                               std::chrono::duration_cast<SteadyClock::duration>(
                                   std::chrono::duration<double>(options.poll_interval_seconds))));
  }
  rec.seconds_to_settle = std::chrono::duration<double>(clock.SteadyNow() - start).count();
  for (std::uint64_t n : pending) {
    auto it = answers.find(n);
    judge(n, it == answers.end() ? nullptr : &it->second);
  }
  rec.queries = client.queries() - queries_before;
  return rec;
}

}  // namespace obs::scenarios
