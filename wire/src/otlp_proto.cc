// OTLP traces and logs in protobuf: a canonical encoder and a bounds-checked
// decoder, both from the field numbers in docs/wire.md (opentelemetry-proto
// v1.x). Unknown fields are skipped, as proto3 requires.

#include <cstring>

#include "obs/wire/otlp.h"

#include "otlp_proto_internal.h"
#include "utf8.h"

namespace obs::wire::otlp::internal_proto {

// ---------------------------------------------------------------- encoding

void PutValue(ProtoWriter& w, const AnyValue& v);

void PutKeyValues(ProtoWriter& w, std::uint32_t field, const std::vector<KeyValue>& kvs) {
  for (const KeyValue& kv : kvs) {
    const std::size_t m = w.BeginMessage(field);
    w.BytesIf(1, kv.key);
    if (kv.value.type != AnyValue::Type::kEmpty) {
      const std::size_t mv = w.BeginMessage(2);
      PutValue(w, kv.value);
      w.EndMessage(mv);
    }
    w.EndMessage(m);
  }
}

// The fields of an AnyValue message (the caller opened it). A oneof member
// is written even when it holds its type's default.
void PutValue(ProtoWriter& w, const AnyValue& v) {
  using T = AnyValue::Type;
  switch (v.type) {
    case T::kEmpty:
      return;
    case T::kString:
      w.Bytes(1, v.string_value);
      return;
    case T::kBool:
      w.Varint(2, v.bool_value ? 1 : 0);
      return;
    case T::kInt:
      w.Varint(3, static_cast<std::uint64_t>(v.int_value));
      return;
    case T::kDouble:
      w.Double(4, v.double_value);
      return;
    case T::kArray: {
      const std::size_t m = w.BeginMessage(5);
      for (const AnyValue& e : v.array_value) {
        const std::size_t me = w.BeginMessage(1);
        PutValue(w, e);
        w.EndMessage(me);
      }
      w.EndMessage(m);
      return;
    }
    case T::kKvList: {
      const std::size_t m = w.BeginMessage(6);
      PutKeyValues(w, 1, v.kvlist_value);
      w.EndMessage(m);
      return;
    }
    case T::kBytes:
      w.Bytes(7, v.string_value);
      return;
  }
}

std::string_view IdBytes(const TraceId& id) {
  return IsZero(id) ? std::string_view{}
                    : std::string_view(reinterpret_cast<const char*>(id.data()), id.size());
}
std::string_view IdBytes(const SpanId& id) {
  return IsZero(id) ? std::string_view{}
                    : std::string_view(reinterpret_cast<const char*>(id.data()), id.size());
}

std::uint64_t EnumBits(std::int32_t v) {
  return static_cast<std::uint64_t>(std::int64_t{v});
}

void PutResource(ProtoWriter& w, const Resource& r) {
  if (r.attributes.empty() && r.dropped_attributes_count == 0) {
    return;
  }
  const std::size_t m = w.BeginMessage(1);
  PutKeyValues(w, 1, r.attributes);
  w.VarintIf(2, r.dropped_attributes_count);
  w.EndMessage(m);
}

void PutScope(ProtoWriter& w, const InstrumentationScope& s) {
  if (s == InstrumentationScope{}) {
    return;
  }
  const std::size_t m = w.BeginMessage(1);
  w.BytesIf(1, s.name);
  w.BytesIf(2, s.version);
  PutKeyValues(w, 3, s.attributes);
  w.VarintIf(4, s.dropped_attributes_count);
  w.EndMessage(m);
}

void PutSpan(ProtoWriter& w, const Span& s) {
  const std::size_t m = w.BeginMessage(2);
  w.BytesIf(1, IdBytes(s.trace_id));
  w.BytesIf(2, IdBytes(s.span_id));
  w.BytesIf(3, s.trace_state);
  w.BytesIf(4, IdBytes(s.parent_span_id));
  w.BytesIf(5, s.name);
  w.VarintIf(6, EnumBits(static_cast<std::int32_t>(s.kind)));
  w.Fixed64If(7, s.start_time_unix_nano);
  w.Fixed64If(8, s.end_time_unix_nano);
  PutKeyValues(w, 9, s.attributes);
  w.VarintIf(10, s.dropped_attributes_count);
  for (const SpanEvent& e : s.events) {
    const std::size_t me = w.BeginMessage(11);
    w.Fixed64If(1, e.time_unix_nano);
    w.BytesIf(2, e.name);
    PutKeyValues(w, 3, e.attributes);
    w.VarintIf(4, e.dropped_attributes_count);
    w.EndMessage(me);
  }
  w.VarintIf(12, s.dropped_events_count);
  for (const SpanLink& l : s.links) {
    const std::size_t ml = w.BeginMessage(13);
    w.BytesIf(1, IdBytes(l.trace_id));
    w.BytesIf(2, IdBytes(l.span_id));
    w.BytesIf(3, l.trace_state);
    PutKeyValues(w, 4, l.attributes);
    w.VarintIf(5, l.dropped_attributes_count);
    w.Fixed32If(6, l.flags);
    w.EndMessage(ml);
  }
  w.VarintIf(14, s.dropped_links_count);
  if (s.status != SpanStatus{}) {
    const std::size_t ms = w.BeginMessage(15);
    w.BytesIf(2, s.status.message);
    w.VarintIf(3, EnumBits(static_cast<std::int32_t>(s.status.code)));
    w.EndMessage(ms);
  }
  w.Fixed32If(16, s.flags);
  w.EndMessage(m);
}

void PutLogRecord(ProtoWriter& w, const LogRecord& r) {
  const std::size_t m = w.BeginMessage(2);
  w.Fixed64If(1, r.time_unix_nano);
  w.VarintIf(2, EnumBits(r.severity_number));
  w.BytesIf(3, r.severity_text);
  if (r.body.type != AnyValue::Type::kEmpty) {
    const std::size_t mb = w.BeginMessage(5);
    PutValue(w, r.body);
    w.EndMessage(mb);
  }
  PutKeyValues(w, 6, r.attributes);
  w.VarintIf(7, r.dropped_attributes_count);
  w.Fixed32If(8, r.flags);
  w.BytesIf(9, IdBytes(r.trace_id));
  w.BytesIf(10, IdBytes(r.span_id));
  w.Fixed64If(11, r.observed_time_unix_nano);
  w.BytesIf(12, r.event_name);
  w.EndMessage(m);
}

// ---------------------------------------------------------------- decoding

bool Decoder::Value(ProtoReader r, const Path& p, int depth, AnyValue& v) {
  if (depth > kMaxValueDepth) {
    return Fail(p, 0, "values nested deeper than " + std::to_string(kMaxValueDepth));
  }
  using T = AnyValue::Type;
  ProtoField f;
  while (r.Next(f)) {
    switch (f.number) {
      case 1:
        v = AnyValue{};
        v.type = T::kString;
        if (!String(f, Path(&p, "stringValue"), v.string_value)) {
          return false;
        }
        break;
      case 2:
        if (!Want(f, WireType::kVarint, Path(&p, "boolValue"))) {
          return false;
        }
        v = AnyValue::Bool(f.varint != 0);
        break;
      case 3:
        if (!Want(f, WireType::kVarint, Path(&p, "intValue"))) {
          return false;
        }
        v = AnyValue::Int(static_cast<std::int64_t>(f.varint));
        break;
      case 4: {
        if (!Want(f, WireType::kFixed64, Path(&p, "doubleValue"))) {
          return false;
        }
        double d = 0;
        std::memcpy(&d, &f.varint, sizeof d);
        v = AnyValue::Double(d);
        break;
      }
      case 5: {
        const Path ap(&p, "arrayValue");
        if (!Want(f, WireType::kLengthDelimited, ap)) {
          return false;
        }
        v = AnyValue::Array({});
        ProtoReader ar = r.Sub(f);
        ProtoField e;
        while (ar.Next(e)) {
          if (e.number != 1) {
            continue;
          }
          const Path vp(&ap, "values", static_cast<long>(v.array_value.size()));
          if (!Want(e, WireType::kLengthDelimited, vp) ||
              !Value(ar.Sub(e), vp, depth + 1, v.array_value.emplace_back())) {
            return false;
          }
        }
        break;
      }
      case 6: {
        const Path kp(&p, "kvlistValue");
        if (!Want(f, WireType::kLengthDelimited, kp)) {
          return false;
        }
        v = AnyValue::KvList({});
        ProtoReader kr = r.Sub(f);
        ProtoField e;
        const Path vp(&kp, "values");
        while (kr.Next(e)) {
          if (e.number == 1 && !KeyValues(kr, e, vp, depth + 1, v.kvlist_value)) {
            return false;
          }
        }
        break;
      }
      case 7:
        if (!Want(f, WireType::kLengthDelimited, Path(&p, "bytesValue"))) {
          return false;
        }
        v = AnyValue::Bytes(std::string(f.bytes));
        break;
      default:
        break;
    }
  }
  return status_.ok();
}

bool Decoder::KeyValueMsg(ProtoReader r, const Path& p, int depth, KeyValue& kv) {
  ProtoField f;
  while (r.Next(f)) {
    if (f.number == 1) {
      if (!String(f, Path(&p, "key"), kv.key)) {
        return false;
      }
    } else if (f.number == 2) {
      const Path vp(&p, "value");
      if (!Want(f, WireType::kLengthDelimited, vp) || !Value(r.Sub(f), vp, depth, kv.value)) {
        return false;
      }
    }
  }
  return status_.ok();
}

bool Decoder::ResourceMsg(ProtoReader r, const Path& p, Resource& res) {
  ProtoField f;
  const Path ap(&p, "attributes");
  while (r.Next(f)) {
    if (f.number == 1) {
      if (!KeyValues(r, f, ap, 0, res.attributes)) {
        return false;
      }
    } else if (f.number == 2) {
      if (!Varint32(f, Path(&p, "droppedAttributesCount"), res.dropped_attributes_count)) {
        return false;
      }
    }
  }
  return status_.ok();
}

bool Decoder::ScopeMsg(ProtoReader r, const Path& p, InstrumentationScope& s) {
  ProtoField f;
  const Path ap(&p, "attributes");
  while (r.Next(f)) {
    bool ok = true;
    switch (f.number) {
      case 1:
        ok = String(f, Path(&p, "name"), s.name);
        break;
      case 2:
        ok = String(f, Path(&p, "version"), s.version);
        break;
      case 3:
        ok = KeyValues(r, f, ap, 0, s.attributes);
        break;
      case 4:
        ok = Varint32(f, Path(&p, "droppedAttributesCount"), s.dropped_attributes_count);
        break;
      default:
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return status_.ok();
}

bool Decoder::EventMsg(ProtoReader r, const Path& p, SpanEvent& e) {
  ProtoField f;
  const Path ap(&p, "attributes");
  while (r.Next(f)) {
    bool ok = true;
    switch (f.number) {
      case 1:
        ok = Fixed64(f, Path(&p, "timeUnixNano"), e.time_unix_nano);
        break;
      case 2:
        ok = String(f, Path(&p, "name"), e.name);
        break;
      case 3:
        ok = KeyValues(r, f, ap, 0, e.attributes);
        break;
      case 4:
        ok = Varint32(f, Path(&p, "droppedAttributesCount"), e.dropped_attributes_count);
        break;
      default:
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return status_.ok();
}

bool Decoder::LinkMsg(ProtoReader r, const Path& p, SpanLink& l) {
  ProtoField f;
  const Path ap(&p, "attributes");
  while (r.Next(f)) {
    bool ok = true;
    switch (f.number) {
      case 1:
        ok = Id(f, Path(&p, "traceId"), l.trace_id);
        break;
      case 2:
        ok = Id(f, Path(&p, "spanId"), l.span_id);
        break;
      case 3:
        ok = String(f, Path(&p, "traceState"), l.trace_state);
        break;
      case 4:
        ok = KeyValues(r, f, ap, 0, l.attributes);
        break;
      case 5:
        ok = Varint32(f, Path(&p, "droppedAttributesCount"), l.dropped_attributes_count);
        break;
      case 6:
        ok = Fixed32(f, Path(&p, "flags"), l.flags);
        break;
      default:
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return status_.ok();
}

bool Decoder::StatusMsg(ProtoReader r, const Path& p, SpanStatus& s) {
  ProtoField f;
  while (r.Next(f)) {
    if (f.number == 2) {
      if (!String(f, Path(&p, "message"), s.message)) {
        return false;
      }
    } else if (f.number == 3) {
      std::int32_t code = 0;
      if (!Enum(f, Path(&p, "code"), code)) {
        return false;
      }
      s.code = static_cast<SpanStatusCode>(code);
    }
  }
  return status_.ok();
}

bool Decoder::SpanMsg(ProtoReader r, const Path& p, Span& s) {
  ProtoField f;
  const Path ap(&p, "attributes");
  while (r.Next(f)) {
    bool ok = true;
    switch (f.number) {
      case 1:
        ok = Id(f, Path(&p, "traceId"), s.trace_id);
        break;
      case 2:
        ok = Id(f, Path(&p, "spanId"), s.span_id);
        break;
      case 3:
        ok = String(f, Path(&p, "traceState"), s.trace_state);
        break;
      case 4:
        ok = Id(f, Path(&p, "parentSpanId"), s.parent_span_id);
        break;
      case 5:
        ok = String(f, Path(&p, "name"), s.name);
        break;
      case 6: {
        std::int32_t kind = 0;
        ok = Enum(f, Path(&p, "kind"), kind);
        s.kind = static_cast<SpanKind>(kind);
        break;
      }
      case 7:
        ok = Fixed64(f, Path(&p, "startTimeUnixNano"), s.start_time_unix_nano);
        break;
      case 8:
        ok = Fixed64(f, Path(&p, "endTimeUnixNano"), s.end_time_unix_nano);
        break;
      case 9:
        ok = KeyValues(r, f, ap, 0, s.attributes);
        break;
      case 10:
        ok = Varint32(f, Path(&p, "droppedAttributesCount"), s.dropped_attributes_count);
        break;
      case 11: {
        const Path ep(&p, "events", static_cast<long>(s.events.size()));
        ok = Want(f, WireType::kLengthDelimited, ep) &&
             EventMsg(r.Sub(f), ep, s.events.emplace_back());
        break;
      }
      case 12:
        ok = Varint32(f, Path(&p, "droppedEventsCount"), s.dropped_events_count);
        break;
      case 13: {
        const Path lp(&p, "links", static_cast<long>(s.links.size()));
        ok = Want(f, WireType::kLengthDelimited, lp) &&
             LinkMsg(r.Sub(f), lp, s.links.emplace_back());
        break;
      }
      case 14:
        ok = Varint32(f, Path(&p, "droppedLinksCount"), s.dropped_links_count);
        break;
      case 15: {
        const Path sp(&p, "status");
        ok = Want(f, WireType::kLengthDelimited, sp) && StatusMsg(r.Sub(f), sp, s.status);
        break;
      }
      case 16:
        ok = Fixed32(f, Path(&p, "flags"), s.flags);
        break;
      default:
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return status_.ok();
}

bool Decoder::LogRecordMsg(ProtoReader r, const Path& p, LogRecord& l) {
  ProtoField f;
  const Path ap(&p, "attributes");
  while (r.Next(f)) {
    bool ok = true;
    switch (f.number) {
      case 1:
        ok = Fixed64(f, Path(&p, "timeUnixNano"), l.time_unix_nano);
        break;
      case 2:
        ok = Enum(f, Path(&p, "severityNumber"), l.severity_number);
        break;
      case 3:
        ok = String(f, Path(&p, "severityText"), l.severity_text);
        break;
      case 5: {
        const Path bp(&p, "body");
        ok = Want(f, WireType::kLengthDelimited, bp) && Value(r.Sub(f), bp, 0, l.body);
        break;
      }
      case 6:
        ok = KeyValues(r, f, ap, 0, l.attributes);
        break;
      case 7:
        ok = Varint32(f, Path(&p, "droppedAttributesCount"), l.dropped_attributes_count);
        break;
      case 8:
        ok = Fixed32(f, Path(&p, "flags"), l.flags);
        break;
      case 9:
        ok = Id(f, Path(&p, "traceId"), l.trace_id);
        break;
      case 10:
        ok = Id(f, Path(&p, "spanId"), l.span_id);
        break;
      case 11:
        ok = Fixed64(f, Path(&p, "observedTimeUnixNano"), l.observed_time_unix_nano);
        break;
      case 12:
        ok = String(f, Path(&p, "eventName"), l.event_name);
        break;
      default:
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return status_.ok();
}

template <>
struct Shape<TracesData> {
  static auto& Resources(TracesData& t) { return t.resource_spans; }
  static auto& Scopes(ResourceSpans& r) { return r.scope_spans; }
  static auto& Items(ScopeSpans& s) { return s.spans; }
};
template <>
struct Shape<LogsData> {
  static auto& Resources(LogsData& t) { return t.resource_logs; }
  static auto& Scopes(ResourceLogs& r) { return r.scope_logs; }
  static auto& Items(ScopeLogs& s) { return s.log_records; }
};

}  // namespace obs::wire::otlp::internal_proto

namespace obs::wire::otlp {

using internal_proto::Decoder;
using internal_proto::DecodeTop;
using internal_proto::Path;
using internal_proto::ProtoReader;
using internal_proto::ProtoWriter;
using internal_proto::PutLogRecord;
using internal_proto::PutResource;
using internal_proto::PutScope;
using internal_proto::PutSpan;

void EncodeTraces(const TracesData& data, std::string& out) {
  ProtoWriter w(out);
  for (const ResourceSpans& rs : data.resource_spans) {
    const std::size_t m = w.BeginMessage(1);
    PutResource(w, rs.resource);
    for (const ScopeSpans& ss : rs.scope_spans) {
      const std::size_t ms = w.BeginMessage(2);
      PutScope(w, ss.scope);
      for (const Span& s : ss.spans) {
        PutSpan(w, s);
      }
      w.BytesIf(3, ss.schema_url);
      w.EndMessage(ms);
    }
    w.BytesIf(3, rs.schema_url);
    w.EndMessage(m);
  }
}

void EncodeLogs(const LogsData& data, std::string& out) {
  ProtoWriter w(out);
  for (const ResourceLogs& rl : data.resource_logs) {
    const std::size_t m = w.BeginMessage(1);
    PutResource(w, rl.resource);
    for (const ScopeLogs& sl : rl.scope_logs) {
      const std::size_t ms = w.BeginMessage(2);
      PutScope(w, sl.scope);
      for (const LogRecord& r : sl.log_records) {
        PutLogRecord(w, r);
      }
      w.BytesIf(3, sl.schema_url);
      w.EndMessage(ms);
    }
    w.BytesIf(3, rl.schema_url);
    w.EndMessage(m);
  }
}

Result<TracesData> DecodeTraces(std::string_view bytes) {
  return DecodeTop<TracesData>(
      bytes, "otlp traces", "resourceSpans", "scopeSpans", "spans",
      [](Decoder& d, ProtoReader r, const Path& p, Span& s) { return d.SpanMsg(r, p, s); });
}

Result<LogsData> DecodeLogs(std::string_view bytes) {
  return DecodeTop<LogsData>(bytes, "otlp logs", "resourceLogs", "scopeLogs", "logRecords",
                             [](Decoder& d, ProtoReader r, const Path& p, LogRecord& l) {
                               return d.LogRecordMsg(r, p, l);
                             });
}

}  // namespace obs::wire::otlp
