// Internal to wire/: what the OTLP/JSON codecs of traces and logs
// (otlp_json.cc) and of metrics (otlp_metrics_json.cc) share: the text
// writer, the common-message writers, and the DOM decoder with its error
// path and the resource -> scope -> item skeleton.
//
// Thread safety: a Writer or Decoder is used by one thread.

#pragma once

#include <charconv>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "obs/wire/json_parse.h"
#include "obs/wire/json_text.h"
#include "obs/wire/otlp.h"

#include "otlp_path.h"
#include "utf8.h"

namespace obs::wire::otlp::internal_json {

using internal::Path;
using Json = nlohmann::json;

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
                  bool always = false);
void PutResource(Writer& w, const Resource& r);
void PutScope(Writer& w, const InstrumentationScope& s);

// "trace_id" -> "traceId"; camelCase keys come back unchanged.
std::string CamelKey(std::string_view key);

// The scope list of a Resource{Spans,Metrics,Logs} and the item list of a
// Scope{Spans,Metrics,Logs}: one decoder walks all three signals.
template <typename ResourceT>
auto& ScopesOf(ResourceT& res) {
  if constexpr (requires { res.scope_spans; }) {
    return res.scope_spans;
  } else if constexpr (requires { res.scope_metrics; }) {
    return res.scope_metrics;
  } else {
    return res.scope_logs;
  }
}

template <typename ScopeT>
auto& ItemsOf(ScopeT& scope) {
  if constexpr (requires { scope.spans; }) {
    return scope.spans;
  } else if constexpr (requires { scope.metrics; }) {
    return scope.metrics;
  } else {
    return scope.log_records;
  }
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

  bool SpanObj(const Json& j, const Path& p, Span& s);
  bool LogRecordObj(const Json& j, const Path& p, LogRecord& r);
  // Metrics: otlp_metrics_json.cc.
  bool MetricObj(const Json& j, const Path& p, Metric& m);
  bool NumberPointObj(const Json& j, const Path& p, NumberDataPoint& d);
  bool HistogramPointObj(const Json& j, const Path& p, HistogramDataPoint& d);
  bool ExponentialPointObj(const Json& j, const Path& p, ExponentialHistogramDataPoint& d);
  bool ExemplarsArray(const Json& j, const Path& p, std::vector<Exemplar>& out);
  bool OptionalDouble(const Json& j, const Path& p, std::optional<double>& out);

  // The resource -> scope -> items skeleton every signal shares, one level
  // per function (deeply nested lambdas make clang-format 14 take minutes).
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
        return ResourceEntry(e, ep, resources.emplace_back(), scopes_key, items_key, item_fn);
      });
    });
  }

  template <typename ResourceT, typename ItemFn>
  bool ResourceEntry(const Json& e, const Path& ep, ResourceT& res, const char* scopes_key,
                     const char* items_key, ItemFn& item_fn) {
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
      auto& scopes = ScopesOf(res);
      return Elements(v, vp, [&](const Json& se, const Path& sp) {
        return ScopeEntry(se, sp, scopes.emplace_back(), items_key, item_fn);
      });
    });
  }

  template <typename ScopeT, typename ItemFn>
  bool ScopeEntry(const Json& se, const Path& sp, ScopeT& scope, const char* items_key,
                  ItemFn& item_fn) {
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
      auto& items = ItemsOf(scope);
      return Elements(sv, svp, [&](const Json& ie, const Path& ip) {
        return item_fn(ie, ip, items.emplace_back());
      });
    });
  }

 private:
  std::string_view signal_;
  Status status_;
};

Result<Json> ParseJsonText(std::string_view json, std::string_view signal);

}  // namespace obs::wire::otlp::internal_json
