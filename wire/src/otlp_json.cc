// OTLP/JSON for traces and logs: the proto3 JSON mapping with OTLP's
// deviations (hex ids, integer enums, 64-bit integers as strings but numbers
// accepted, unknown keys ignored). The encoder writes text directly; the
// decoder reads a nlohmann DOM and accepts both lowerCamelCase and the
// original snake_case keys, as proto3 JSON parsers do.

#include <charconv>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>

#include "obs/wire/json_parse.h"
#include "obs/wire/json_text.h"
#include "obs/wire/otlp.h"

#include "otlp_path.h"
#include "utf8.h"

namespace obs::wire::otlp {
namespace {

using internal::Path;
using Json = nlohmann::json;

// ---------------------------------------------------------------- encoding

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void Open(char c) {
    out_ += c;
    first_ = true;
  }
  void Close(char c) {
    out_ += c;
    first_ = false;
  }
  void Key(std::string_view key) {
    if (!first_) {
      out_ += ',';
    }
    first_ = false;
    out_ += '"';
    out_ += key;
    out_ += "\":";
  }
  void Element() {
    if (!first_) {
      out_ += ',';
    }
    first_ = false;
  }
  void Str(std::string_view key, std::string_view v) {
    Key(key);
    AppendJsonString(v, out_);
  }
  void StrIf(std::string_view key, std::string_view v) {
    if (!v.empty()) {
      Str(key, v);
    }
  }
  void U64StrIf(std::string_view key, std::uint64_t v) {
    if (v != 0) {
      Key(key);
      out_ += '"';
      out_ += std::to_string(v);
      out_ += '"';
    }
  }
  void IntIf(std::string_view key, std::int64_t v) {
    if (v != 0) {
      Key(key);
      out_ += std::to_string(v);
    }
  }
  template <std::size_t N>
  void IdIf(std::string_view key, const std::array<std::uint8_t, N>& id) {
    bool zero = true;
    for (std::uint8_t b : id) {
      zero = zero && b == 0;
    }
    if (!zero) {
      if constexpr (N == 16) {
        Str(key, Hex(TraceId(id)));
      } else {
        Str(key, Hex(SpanId(id)));
      }
    }
  }
  std::string& out() { return out_; }

 private:
  std::string& out_;
  bool first_ = true;
};

void PutValue(Writer& w, const AnyValue& v);

void PutKeyValues(Writer& w, std::string_view key, const std::vector<KeyValue>& kvs,
                  bool always = false) {
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

// "trace_id" -> "traceId"; camelCase keys come back unchanged.
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

class Decoder {
 public:
  explicit Decoder(std::string_view signal) : signal_(signal) {}

  Status status() const { return status_; }

  bool Fail(const Path& p, std::string_view problem) {
    if (status_.ok()) {
      status_ = InvalidArgumentError(std::string(signal_) + ": " + p.Render() + ": " +
                                     std::string(problem));
    }
    return false;
  }

  // Calls fn(key, value, path) for each member of an object (null: nothing).
  template <typename Fn>
  bool Members(const Json& j, const Path& p, Fn fn) {
    if (j.is_null()) {
      return true;
    }
    if (!j.is_object()) {
      return Fail(p, "must be an object");
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string key = CamelKey(it.key());
      const Path kp(&p, it.key().c_str());
      if (!fn(key, it.value(), kp)) {
        return false;
      }
    }
    return true;
  }

  template <typename Fn>
  bool Elements(const Json& j, const Path& p, Fn fn) {
    if (j.is_null()) {
      return true;
    }
    if (!j.is_array()) {
      return Fail(p, "must be an array");
    }
    long i = 0;
    for (const Json& e : j) {
      const Path ep(&p, nullptr, i++);
      if (!fn(e, ep)) {
        return false;
      }
    }
    return true;
  }

  bool String(const Json& j, const Path& p, std::string& out) {
    if (j.is_null()) {
      out.clear();
      return true;
    }
    if (!j.is_string()) {
      return Fail(p, "must be a string");
    }
    out = j.get<std::string>();
    if (!internal::IsValidUtf8(out)) {
      return Fail(p, "invalid UTF-8");
    }
    return true;
  }

  // A 64-bit integer as a decimal string or a JSON number (integral).
  template <typename T>
  bool Integer(const Json& j, const Path& p, T& out) {
    if (j.is_null()) {
      out = 0;
      return true;
    }
    if (j.is_number_unsigned()) {
      const auto v = j.get<std::uint64_t>();
      if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        return Fail(p, "out of range");
      }
      out = static_cast<T>(v);
      return true;
    }
    if (j.is_number_integer()) {
      const auto v = j.get<std::int64_t>();
      if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
          (v > 0 && static_cast<std::uint64_t>(v) >
                        static_cast<std::uint64_t>(std::numeric_limits<T>::max()))) {
        return Fail(p, "out of range");
      }
      out = static_cast<T>(v);
      return true;
    }
    if (j.is_number_float()) {
      const double d = j.get<double>();
      if (std::trunc(d) != d || d < static_cast<double>(std::numeric_limits<T>::min()) ||
          d >= static_cast<double>(std::numeric_limits<T>::max())) {
        return Fail(p, "must be an integer in range");
      }
      out = static_cast<T>(d);
      return true;
    }
    if (j.is_string()) {
      const auto& s = j.get_ref<const std::string&>();
      const char* end = s.data() + s.size();
      const auto r = std::from_chars(s.data(), end, out);
      if (s.empty() || r.ec != std::errc() || r.ptr != end) {
        return Fail(p, "\"" + s + "\" is not an integer in range");
      }
      return true;
    }
    return Fail(p, "must be an integer or a decimal string");
  }

  // An enum: an integer as OTLP specifies, or (as proto3 JSON parsers
  // accept, and Tempo writes) the value's name from `names`.
  bool Enum(const Json& j, const Path& p, std::initializer_list<std::string_view> names,
            std::int32_t& out) {
    if (j.is_string()) {
      const auto& s = j.get_ref<const std::string&>();
      std::int32_t i = 0;
      for (std::string_view n : names) {
        if (s == n) {
          out = i;
          return true;
        }
        ++i;
      }
    }
    return Integer(j, p, out);
  }

  bool Double(const Json& j, const Path& p, double& out) {
    if (j.is_number()) {
      out = j.get<double>();
      return true;
    }
    if (j.is_string()) {
      const auto& s = j.get_ref<const std::string&>();
      if (s == "NaN") {
        out = std::numeric_limits<double>::quiet_NaN();
        return true;
      }
      if (s == "Infinity" || s == "-Infinity") {
        out = s[0] == '-' ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
        return true;
      }
      const char* end = s.data() + s.size();
      const auto r = std::from_chars(s.data(), end, out);
      if (!s.empty() && r.ec == std::errc() && r.ptr == end) {
        return true;
      }
    }
    return Fail(p, "must be a number");
  }

  bool Bool(const Json& j, const Path& p, bool& out) {
    if (j.is_null()) {
      out = false;
      return true;
    }
    if (!j.is_boolean()) {
      return Fail(p, "must be true or false");
    }
    out = j.get<bool>();
    return true;
  }

  template <std::size_t N>
  bool Id(const Json& j, const Path& p, std::array<std::uint8_t, N>& id) {
    std::string hex;
    if (!String(j, p, hex)) {
      return false;
    }
    if (hex.empty()) {
      id = {};
      return true;
    }
    bool ok = ParseHex(hex, id);
    if (!ok && hex.size() == (N + 2) / 3 * 4) {
      // Tempo's JSON carries ids in proto3's standard base64; accept it
      // (the lengths cannot be confused with hex: 24/12 vs 32/16).
      if (auto raw = Base64Decode(hex); raw && raw->size() == N) {
        std::memcpy(id.data(), raw->data(), N);
        ok = true;
      }
    }
    if (!ok) {
      return Fail(p, "\"" + hex + "\" is not " + std::to_string(2 * N) + " hex digits");
    }
    return true;
  }

  bool Value(const Json& j, const Path& p, int depth, AnyValue& v) {
    if (depth > kMaxValueDepth) {
      return Fail(p, "values nested deeper than " + std::to_string(kMaxValueDepth));
    }
    v = AnyValue{};
    using T = AnyValue::Type;
    return Members(j, p, [&](const std::string& key, const Json& m, const Path& mp) {
      if (key == "stringValue") {
        v.type = T::kString;
        return String(m, mp, v.string_value);
      }
      if (key == "boolValue") {
        v.type = T::kBool;
        return Bool(m, mp, v.bool_value);
      }
      if (key == "intValue") {
        v.type = T::kInt;
        return Integer(m, mp, v.int_value);
      }
      if (key == "doubleValue") {
        v.type = T::kDouble;
        return Double(m, mp, v.double_value);
      }
      if (key == "bytesValue") {
        v.type = T::kBytes;
        std::string text;
        if (!String(m, mp, text)) {
          return false;
        }
        auto bytes = Base64Decode(text);
        if (!bytes) {
          return Fail(mp, "not base64");
        }
        v.string_value = std::move(*bytes);
        return true;
      }
      if (key == "arrayValue") {
        v.type = T::kArray;
        return Members(m, mp, [&](const std::string& k, const Json& a, const Path& ap) {
          if (k != "values") {
            return true;
          }
          return Elements(a, ap, [&](const Json& e, const Path& ep) {
            return Value(e, ep, depth + 1, v.array_value.emplace_back());
          });
        });
      }
      if (key == "kvlistValue") {
        v.type = T::kKvList;
        return Members(m, mp, [&](const std::string& k, const Json& a, const Path& ap) {
          return k != "values" || KeyValues(a, ap, depth + 1, v.kvlist_value);
        });
      }
      return true;
    });
  }

  bool KeyValues(const Json& j, const Path& p, int depth, std::vector<KeyValue>& out) {
    return Elements(j, p, [&](const Json& e, const Path& ep) {
      KeyValue& kv = out.emplace_back();
      return Members(e, ep, [&](const std::string& key, const Json& m, const Path& mp) {
        if (key == "key") {
          return String(m, mp, kv.key);
        }
        if (key == "value") {
          return Value(m, mp, depth, kv.value);
        }
        return true;
      });
    });
  }

  bool ResourceObj(const Json& j, const Path& p, Resource& r) {
    return Members(j, p, [&](const std::string& key, const Json& m, const Path& mp) {
      if (key == "attributes") {
        return KeyValues(m, mp, 0, r.attributes);
      }
      if (key == "droppedAttributesCount") {
        return Integer(m, mp, r.dropped_attributes_count);
      }
      return true;
    });
  }

  bool ScopeObj(const Json& j, const Path& p, InstrumentationScope& s) {
    return Members(j, p, [&](const std::string& key, const Json& m, const Path& mp) {
      if (key == "name") {
        return String(m, mp, s.name);
      }
      if (key == "version") {
        return String(m, mp, s.version);
      }
      if (key == "attributes") {
        return KeyValues(m, mp, 0, s.attributes);
      }
      if (key == "droppedAttributesCount") {
        return Integer(m, mp, s.dropped_attributes_count);
      }
      return true;
    });
  }

  bool SpanObj(const Json& j, const Path& p, Span& s) {
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

  bool LogRecordObj(const Json& j, const Path& p, LogRecord& r) {
    return Members(j, p, [&](const std::string& key, const Json& m, const Path& mp) {
      if (key == "timeUnixNano") {
        return Integer(m, mp, r.time_unix_nano);
      }
      if (key == "observedTimeUnixNano") {
        return Integer(m, mp, r.observed_time_unix_nano);
      }
      if (key == "severityNumber") {
        return Enum(
            m, mp,
            {"SEVERITY_NUMBER_UNSPECIFIED", "SEVERITY_NUMBER_TRACE",  "SEVERITY_NUMBER_TRACE2",
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

  // The resource -> scope -> items skeleton both signals share.
  template <typename Resources, typename ItemFn>
  bool Top(const Json& j, const char* resources_key, const char* scopes_key, const char* items_key,
           Resources& resources, ItemFn item_fn) {
    const Path root(nullptr, nullptr);
    if (!j.is_object()) {
      return Fail(root, "the request must be a JSON object");
    }
    return Members(j, root, [&](const std::string& key, const Json& m, const Path& mp) {
      if (key != resources_key) {
        return true;
      }
      return Elements(m, mp, [&](const Json& e, const Path& ep) {
        auto& res = resources.emplace_back();
        return Members(e, ep, [&](const std::string& k, const Json& v, const Path& vp) {
          if (k == "resource") {
            return ResourceObj(v, vp, res.resource);
          }
          if (k == "schemaUrl") {
            return String(v, vp, res.schema_url);
          }
          if (k != scopes_key) {
            return true;
          }
          auto& scopes = [&]() -> auto& {
            if constexpr (requires { res.scope_spans; }) {
              return res.scope_spans;
            } else {
              return res.scope_logs;
            }
          }
          ();
          return Elements(v, vp, [&](const Json& se, const Path& sp) {
            auto& scope = scopes.emplace_back();
            return Members(se, sp, [&](const std::string& sk, const Json& sv, const Path& svp) {
              if (sk == "scope") {
                return ScopeObj(sv, svp, scope.scope);
              }
              if (sk == "schemaUrl") {
                return String(sv, svp, scope.schema_url);
              }
              if (sk != items_key) {
                return true;
              }
              auto& items = [&]() -> auto& {
                if constexpr (requires { scope.spans; }) {
                  return scope.spans;
                } else {
                  return scope.log_records;
                }
              }
              ();
              return Elements(sv, svp, [&](const Json& ie, const Path& ip) {
                return item_fn(ie, ip, items.emplace_back());
              });
            });
          });
        });
      });
    });
  }

 private:
  std::string_view signal_;
  Status status_;
};

Result<Json> ParseJsonText(std::string_view json, std::string_view signal) {
  std::string error;
  std::optional<Json> j = ParseJson(json, &error);
  if (!j) {
    return InvalidArgumentError(std::string(signal) + ": " + error);
  }
  return std::move(*j);
}

}  // namespace

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
