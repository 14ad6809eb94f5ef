// OTLP/JSON for traces and logs: the proto3 JSON mapping with OTLP's
// deviations (hex ids, integer enums, 64-bit integers as strings but numbers
// accepted, unknown keys ignored). The encoder writes text directly; the
// decoder reads a nlohmann DOM and accepts both lowerCamelCase and the
// original snake_case keys, as proto3 JSON parsers do.

#include "otlp_json_internal.h"

namespace obs::wire::otlp::internal_json {

// ---------------------------------------------------------------- encoding

void PutKeyValues(Writer& w, std::string_view key, const std::vector<KeyValue>& kvs, bool always) {
  if (kvs.empty() && !always) {
    return;
  }
  w.Key(key);
  w.Open('[');
  for (const KeyValue& kv : kvs) {
    w.Element();
    w.Open('{');
    w.Str("key", kv.key);
    w.Key("value");
    PutValue(w, kv.value);
    w.Close('}');
  }
  w.Close(']');
}

void PutValue(Writer& w, const AnyValue& v) {
  using T = AnyValue::Type;
  w.Open('{');
  switch (v.type) {
    case T::kEmpty:
      break;
    case T::kString:
      w.Str("stringValue", v.string_value);
      break;
    case T::kBool:
      w.Key("boolValue");
      w.out() += v.bool_value ? "true" : "false";
      break;
    case T::kInt:
      w.Key("intValue");
      w.out() += '"' + std::to_string(v.int_value) + '"';
      break;
    case T::kDouble:
      w.Key("doubleValue");
      AppendJsonDouble(v.double_value, w.out());
      break;
    case T::kBytes:
      w.Str("bytesValue", Base64Encode(v.string_value));
      break;
    case T::kArray:
      w.Key("arrayValue");
      w.Open('{');
      w.Key("values");
      w.Open('[');
      for (const AnyValue& e : v.array_value) {
        w.Element();
        PutValue(w, e);
      }
      w.Close(']');
      w.Close('}');
      break;
    case T::kKvList:
      w.Key("kvlistValue");
      w.Open('{');
      PutKeyValues(w, "values", v.kvlist_value, true);
      w.Close('}');
      break;
  }
  w.Close('}');
}

void PutResource(Writer& w, const Resource& r) {
  if (r.attributes.empty() && r.dropped_attributes_count == 0) {
    return;
  }
  w.Key("resource");
  w.Open('{');
  PutKeyValues(w, "attributes", r.attributes);
  w.IntIf("droppedAttributesCount", r.dropped_attributes_count);
  w.Close('}');
}

void PutScope(Writer& w, const InstrumentationScope& s) {
  if (s == InstrumentationScope{}) {
    return;
  }
  w.Key("scope");
  w.Open('{');
  w.StrIf("name", s.name);
  w.StrIf("version", s.version);
  PutKeyValues(w, "attributes", s.attributes);
  w.IntIf("droppedAttributesCount", s.dropped_attributes_count);
  w.Close('}');
}

void PutSpan(Writer& w, const Span& s) {
  w.Element();
  w.Open('{');
  w.IdIf("traceId", s.trace_id);
  w.IdIf("spanId", s.span_id);
  w.StrIf("traceState", s.trace_state);
  w.IdIf("parentSpanId", s.parent_span_id);
  w.IntIf("flags", s.flags);
  w.StrIf("name", s.name);
  w.IntIf("kind", static_cast<std::int32_t>(s.kind));
  w.U64StrIf("startTimeUnixNano", s.start_time_unix_nano);
  w.U64StrIf("endTimeUnixNano", s.end_time_unix_nano);
  PutKeyValues(w, "attributes", s.attributes);
  w.IntIf("droppedAttributesCount", s.dropped_attributes_count);
  if (!s.events.empty()) {
    w.Key("events");
    w.Open('[');
    for (const SpanEvent& e : s.events) {
      w.Element();
      w.Open('{');
      w.U64StrIf("timeUnixNano", e.time_unix_nano);
      w.StrIf("name", e.name);
      PutKeyValues(w, "attributes", e.attributes);
      w.IntIf("droppedAttributesCount", e.dropped_attributes_count);
      w.Close('}');
    }
    w.Close(']');
  }
  w.IntIf("droppedEventsCount", s.dropped_events_count);
  if (!s.links.empty()) {
    w.Key("links");
    w.Open('[');
    for (const SpanLink& l : s.links) {
      w.Element();
      w.Open('{');
      w.IdIf("traceId", l.trace_id);
      w.IdIf("spanId", l.span_id);
      w.StrIf("traceState", l.trace_state);
      PutKeyValues(w, "attributes", l.attributes);
      w.IntIf("droppedAttributesCount", l.dropped_attributes_count);
      w.IntIf("flags", l.flags);
      w.Close('}');
    }
    w.Close(']');
  }
  w.IntIf("droppedLinksCount", s.dropped_links_count);
  if (s.status != SpanStatus{}) {
    w.Key("status");
    w.Open('{');
    w.StrIf("message", s.status.message);
    w.IntIf("code", static_cast<std::int32_t>(s.status.code));
    w.Close('}');
  }
  w.Close('}');
}

void PutLogRecord(Writer& w, const LogRecord& r) {
  w.Element();
  w.Open('{');
  w.U64StrIf("timeUnixNano", r.time_unix_nano);
  w.U64StrIf("observedTimeUnixNano", r.observed_time_unix_nano);
  w.IntIf("severityNumber", r.severity_number);
  w.StrIf("severityText", r.severity_text);
  if (r.body.type != AnyValue::Type::kEmpty) {
    w.Key("body");
    PutValue(w, r.body);
  }
  PutKeyValues(w, "attributes", r.attributes);
  w.IntIf("droppedAttributesCount", r.dropped_attributes_count);
  w.IntIf("flags", r.flags);
  w.IdIf("traceId", r.trace_id);
  w.IdIf("spanId", r.span_id);
  w.StrIf("eventName", r.event_name);
  w.Close('}');
}

// ---------------------------------------------------------------- decoding

std::string CamelKey(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  bool upper = false;
  for (char c : key) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out;
}

bool Decoder::SpanObj(const Json& j, const Path& p, Span& s) {
  return Members(j, p, [&](const std::string& key, const Json& m, const Path& mp) {
    if (key == "traceId") {
      return Id(m, mp, s.trace_id);
    }
    if (key == "spanId") {
      return Id(m, mp, s.span_id);
    }
    if (key == "traceState") {
      return String(m, mp, s.trace_state);
    }
    if (key == "parentSpanId") {
      return Id(m, mp, s.parent_span_id);
    }
    if (key == "flags") {
      return Integer(m, mp, s.flags);
    }
    if (key == "name") {
      return String(m, mp, s.name);
    }
    if (key == "kind") {
      std::int32_t kind = 0;
      const bool ok = Enum(m, mp,
                           {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
                            "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"},
                           kind);
      s.kind = static_cast<SpanKind>(kind);
      return ok;
    }
    if (key == "startTimeUnixNano") {
      return Integer(m, mp, s.start_time_unix_nano);
    }
    if (key == "endTimeUnixNano") {
      return Integer(m, mp, s.end_time_unix_nano);
    }
    if (key == "attributes") {
      return KeyValues(m, mp, 0, s.attributes);
    }
    if (key == "droppedAttributesCount") {
      return Integer(m, mp, s.dropped_attributes_count);
    }
    if (key == "events") {
      return Elements(m, mp, [&](const Json& e, const Path& ep) {
        SpanEvent& ev = s.events.emplace_back();
        return Members(e, ep, [&](const std::string& k, const Json& v, const Path& vp) {
          if (k == "timeUnixNano") {
            return Integer(v, vp, ev.time_unix_nano);
          }
          if (k == "name") {
            return String(v, vp, ev.name);
          }
          if (k == "attributes") {
            return KeyValues(v, vp, 0, ev.attributes);
          }
          if (k == "droppedAttributesCount") {
            return Integer(v, vp, ev.dropped_attributes_count);
          }
          return true;
        });
      });
    }
    if (key == "droppedEventsCount") {
      return Integer(m, mp, s.dropped_events_count);
    }
    if (key == "links") {
      return Elements(m, mp, [&](const Json& e, const Path& ep) {
        SpanLink& l = s.links.emplace_back();
        return Members(e, ep, [&](const std::string& k, const Json& v, const Path& vp) {
          if (k == "traceId") {
            return Id(v, vp, l.trace_id);
          }
          if (k == "spanId") {
            return Id(v, vp, l.span_id);
          }
          if (k == "traceState") {
            return String(v, vp, l.trace_state);
          }
          if (k == "attributes") {
            return KeyValues(v, vp, 0, l.attributes);
          }
          if (k == "droppedAttributesCount") {
            return Integer(v, vp, l.dropped_attributes_count);
          }
          if (k == "flags") {
            return Integer(v, vp, l.flags);
          }
          return true;
        });
      });
    }
    if (key == "droppedLinksCount") {
      return Integer(m, mp, s.dropped_links_count);
    }
    if (key == "status") {
      return Members(m, mp, [&](const std::string& k, const Json& v, const Path& vp) {
        if (k == "message") {
          return String(v, vp, s.status.message);
        }
        if (k == "code") {
          std::int32_t code = 0;
          const bool ok =
              Enum(v, vp, {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"}, code);
          s.status.code = static_cast<SpanStatusCode>(code);
          return ok;
        }
        return true;
      });
    }
    return true;
  });
}

bool Decoder::LogRecordObj(const Json& j, const Path& p, LogRecord& r) {
  return Members(j, p, [&](const std::string& key, const Json& m, const Path& mp) {
    if (key == "timeUnixNano") {
      return Integer(m, mp, r.time_unix_nano);
    }
    if (key == "observedTimeUnixNano") {
      return Integer(m, mp, r.observed_time_unix_nano);
    }
    if (key == "severityNumber") {
      return Enum(
          m, mp, {"SEVERITY_NUMBER_UNSPECIFIED", "SEVERITY_NUMBER_TRACE",  "SEVERITY_NUMBER_TRACE2",
                  "SEVERITY_NUMBER_TRACE3",      "SEVERITY_NUMBER_TRACE4", "SEVERITY_NUMBER_DEBUG",
                  "SEVERITY_NUMBER_DEBUG2",      "SEVERITY_NUMBER_DEBUG3", "SEVERITY_NUMBER_DEBUG4",
                  "SEVERITY_NUMBER_INFO",        "SEVERITY_NUMBER_INFO2",  "SEVERITY_NUMBER_INFO3",
                  "SEVERITY_NUMBER_INFO4",       "SEVERITY_NUMBER_WARN",   "SEVERITY_NUMBER_WARN2",
                  "SEVERITY_NUMBER_WARN3",       "SEVERITY_NUMBER_WARN4",  "SEVERITY_NUMBER_ERROR",
                  "SEVERITY_NUMBER_ERROR2",      "SEVERITY_NUMBER_ERROR3", "SEVERITY_NUMBER_ERROR4",
                  "SEVERITY_NUMBER_FATAL",       "SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3",
                  "SEVERITY_NUMBER_FATAL4"},
          r.severity_number);
    }
    if (key == "severityText") {
      return String(m, mp, r.severity_text);
    }
    if (key == "body") {
      return Value(m, mp, 0, r.body);
    }
    if (key == "attributes") {
      return KeyValues(m, mp, 0, r.attributes);
    }
    if (key == "droppedAttributesCount") {
      return Integer(m, mp, r.dropped_attributes_count);
    }
    if (key == "flags") {
      return Integer(m, mp, r.flags);
    }
    if (key == "traceId") {
      return Id(m, mp, r.trace_id);
    }
    if (key == "spanId") {
      return Id(m, mp, r.span_id);
    }
    if (key == "eventName") {
      return String(m, mp, r.event_name);
    }
    return true;
  });
}

Result<Json> ParseJsonText(std::string_view json, std::string_view signal) {
  std::string error;
  std::optional<Json> j = ParseJson(json, &error);
  if (!j) {
    return InvalidArgumentError(std::string(signal) + ": " + error);
  }
  return std::move(*j);
}

}  // namespace obs::wire::otlp::internal_json

namespace obs::wire::otlp {

using internal_json::Decoder;
using internal_json::Json;
using internal_json::ParseJsonText;
using internal_json::Path;
using internal_json::PutLogRecord;
using internal_json::PutResource;
using internal_json::PutScope;
using internal_json::PutSpan;
using internal_json::Writer;

void EncodeTracesJson(const TracesData& data, std::string& out) {
  Writer w(out);
  w.Open('{');
  w.Key("resourceSpans");
  w.Open('[');
  for (const ResourceSpans& rs : data.resource_spans) {
    w.Element();
    w.Open('{');
    PutResource(w, rs.resource);
    w.Key("scopeSpans");
    w.Open('[');
    for (const ScopeSpans& ss : rs.scope_spans) {
      w.Element();
      w.Open('{');
      PutScope(w, ss.scope);
      w.Key("spans");
      w.Open('[');
      for (const Span& s : ss.spans) {
        PutSpan(w, s);
      }
      w.Close(']');
      w.StrIf("schemaUrl", ss.schema_url);
      w.Close('}');
    }
    w.Close(']');
    w.StrIf("schemaUrl", rs.schema_url);
    w.Close('}');
  }
  w.Close(']');
  w.Close('}');
}

void EncodeLogsJson(const LogsData& data, std::string& out) {
  Writer w(out);
  w.Open('{');
  w.Key("resourceLogs");
  w.Open('[');
  for (const ResourceLogs& rl : data.resource_logs) {
    w.Element();
    w.Open('{');
    PutResource(w, rl.resource);
    w.Key("scopeLogs");
    w.Open('[');
    for (const ScopeLogs& sl : rl.scope_logs) {
      w.Element();
      w.Open('{');
      PutScope(w, sl.scope);
      w.Key("logRecords");
      w.Open('[');
      for (const LogRecord& r : sl.log_records) {
        PutLogRecord(w, r);
      }
      w.Close(']');
      w.StrIf("schemaUrl", sl.schema_url);
      w.Close('}');
    }
    w.Close(']');
    w.StrIf("schemaUrl", rl.schema_url);
    w.Close('}');
  }
  w.Close(']');
  w.Close('}');
}

Result<TracesData> DecodeTracesJson(std::string_view json) {
  OBS_ASSIGN_OR_RETURN(Json j, ParseJsonText(json, "otlp traces"));
  Decoder d("otlp traces");
  TracesData data;
  d.Top(j, "resourceSpans", "scopeSpans", "spans", data.resource_spans,
        [&](const Json& e, const Path& p, Span& s) { return d.SpanObj(e, p, s); });
  if (!d.status().ok()) {
    return d.status();
  }
  return data;
}

Result<LogsData> DecodeLogsJson(std::string_view json) {
  OBS_ASSIGN_OR_RETURN(Json j, ParseJsonText(json, "otlp logs"));
  Decoder d("otlp logs");
  LogsData data;
  d.Top(j, "resourceLogs", "scopeLogs", "logRecords", data.resource_logs,
        [&](const Json& e, const Path& p, LogRecord& r) { return d.LogRecordObj(e, p, r); });
  if (!d.status().ok()) {
    return d.status();
  }
  return data;
}

}  // namespace obs::wire::otlp
