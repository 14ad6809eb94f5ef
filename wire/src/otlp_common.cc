// The OTLP data model's small helpers: ids, AnyValue, names and counts.

#include <bit>
#include <cstdio>
#include <cstring>

#include "obs/wire/json_text.h"
#include "obs/wire/otlp.h"

#include <nlohmann/json.hpp>

namespace obs::wire::otlp {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

template <std::size_t N>
bool AllZero(const std::array<std::uint8_t, N>& id) {
  for (std::uint8_t b : id) {
    if (b != 0) {
      return false;
    }
  }
  return true;
}

template <std::size_t N>
std::string ToHex(const std::array<std::uint8_t, N>& id) {
  std::string out(2 * N, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kHexDigits[id[i] >> 4];
    out[2 * i + 1] = kHexDigits[id[i] & 15];
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

template <std::size_t N>
bool FromHex(std::string_view hex, std::array<std::uint8_t, N>& id) {
  if (hex.size() != 2 * N) {
    return false;
  }
  for (std::size_t i = 0; i < N; ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return false;
    }
    id[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

void AppendValue(const AnyValue& v, std::string& out);

void AppendKvList(const std::vector<KeyValue>& kvs, std::string& out) {
  out += '{';
  for (std::size_t i = 0; i < kvs.size(); ++i) {
    if (i != 0) {
      out += ", ";
    }
    out += kvs[i].key;
    out += '=';
    AppendValue(kvs[i].value, out);
  }
  out += '}';
}

void AppendValue(const AnyValue& v, std::string& out) {
  using T = AnyValue::Type;
  switch (v.type) {
    case T::kEmpty:
      out += "(empty)";
      return;
    case T::kString:
      out += '"';
      out += v.string_value;
      out += '"';
      return;
    case T::kBool:
      out += v.bool_value ? "true" : "false";
      return;
    case T::kInt:
      out += std::to_string(v.int_value);
      return;
    case T::kDouble: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v.double_value);
      out += buf;
      return;
    }
    case T::kBytes:
      out += "0x";
      for (char c : v.string_value) {
        const auto b = static_cast<unsigned char>(c);
        out += kHexDigits[b >> 4];
        out += kHexDigits[b & 15];
      }
      return;
    case T::kArray:
      out += '[';
      for (std::size_t i = 0; i < v.array_value.size(); ++i) {
        if (i != 0) {
          out += ", ";
        }
        AppendValue(v.array_value[i], out);
      }
      out += ']';
      return;
    case T::kKvList:
      AppendKvList(v.kvlist_value, out);
      return;
  }
}

}  // namespace

bool IsZero(const TraceId& id) {
  return AllZero(id);
}
bool IsZero(const SpanId& id) {
  return AllZero(id);
}
std::string Hex(const TraceId& id) {
  return ToHex(id);
}
std::string Hex(const SpanId& id) {
  return ToHex(id);
}
bool ParseHex(std::string_view hex, TraceId& id) {
  return FromHex(hex, id);
}
bool ParseHex(std::string_view hex, SpanId& id) {
  return FromHex(hex, id);
}

AnyValue AnyValue::String(std::string v) {
  AnyValue a;
  a.type = Type::kString;
  a.string_value = std::move(v);
  return a;
}
AnyValue AnyValue::Bool(bool v) {
  AnyValue a;
  a.type = Type::kBool;
  a.bool_value = v;
  return a;
}
AnyValue AnyValue::Int(std::int64_t v) {
  AnyValue a;
  a.type = Type::kInt;
  a.int_value = v;
  return a;
}
AnyValue AnyValue::Double(double v) {
  AnyValue a;
  a.type = Type::kDouble;
  a.double_value = v;
  return a;
}
AnyValue AnyValue::Bytes(std::string v) {
  AnyValue a;
  a.type = Type::kBytes;
  a.string_value = std::move(v);
  return a;
}
AnyValue AnyValue::Array(std::vector<AnyValue> v) {
  AnyValue a;
  a.type = Type::kArray;
  a.array_value = std::move(v);
  return a;
}
AnyValue AnyValue::KvList(std::vector<KeyValue> v) {
  AnyValue a;
  a.type = Type::kKvList;
  a.kvlist_value = std::move(v);
  return a;
}

bool operator==(const AnyValue& a, const AnyValue& b) {
  if (a.type != b.type) {
    return false;
  }
  using T = AnyValue::Type;
  switch (a.type) {
    case T::kEmpty:
      return true;
    case T::kString:
    case T::kBytes:
      return a.string_value == b.string_value;
    case T::kBool:
      return a.bool_value == b.bool_value;
    case T::kInt:
      return a.int_value == b.int_value;
    case T::kDouble:
      return std::bit_cast<std::uint64_t>(a.double_value) ==
             std::bit_cast<std::uint64_t>(b.double_value);
    case T::kArray:
      return a.array_value == b.array_value;
    case T::kKvList:
      return a.kvlist_value == b.kvlist_value;
  }
  return false;
}

std::string ToString(const AnyValue& v) {
  std::string out;
  AppendValue(v, out);
  return out;
}

namespace {

nlohmann::json ValueDom(const AnyValue& v) {
  using T = AnyValue::Type;
  switch (v.type) {
    case T::kString:
      return v.string_value;
    case T::kBool:
      return v.bool_value;
    case T::kInt:
      return v.int_value;
    case T::kDouble:
      return v.double_value;
    case T::kBytes:
      return Base64Encode(v.string_value);
    case T::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& e : v.array_value) {
        a.push_back(ValueDom(e));
      }
      return a;
    }
    case T::kKvList: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& kv : v.kvlist_value) {
        o[kv.key] = ValueDom(kv.value);
      }
      return o;
    }
    case T::kEmpty:
      break;
  }
  return nullptr;
}

}  // namespace

std::string ValueJson(const AnyValue& v) {
  // Invalid UTF-8 cannot reach here through a decoder; replace it if a
  // caller built such a value by hand rather than throw.
  return ValueDom(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string_view SpanKindName(SpanKind kind) {
  switch (kind) {
    case SpanKind::kInternal:
      return "internal";
    case SpanKind::kServer:
      return "server";
    case SpanKind::kClient:
      return "client";
    case SpanKind::kProducer:
      return "producer";
    case SpanKind::kConsumer:
      return "consumer";
    case SpanKind::kUnspecified:
      break;
  }
  return "unspecified";
}

std::size_t SpanCount(const TracesData& data) {
  std::size_t n = 0;
  for (const auto& rs : data.resource_spans) {
    for (const auto& ss : rs.scope_spans) {
      n += ss.spans.size();
    }
  }
  return n;
}

std::size_t LogRecordCount(const LogsData& data) {
  std::size_t n = 0;
  for (const auto& rl : data.resource_logs) {
    for (const auto& sl : rl.scope_logs) {
      n += sl.log_records.size();
    }
  }
  return n;
}

double NumberDataPoint::Value() const {
  switch (type) {
    case NumberType::kDouble:
      return as_double;
    case NumberType::kInt:
      return static_cast<double>(as_int);
    case NumberType::kNone:
      break;
  }
  return 0;
}

std::size_t Metric::PointCount() const {
  switch (type) {
    case Type::kGauge:
    case Type::kSum:
      return number_points.size();
    case Type::kHistogram:
      return histogram_points.size();
    case Type::kExponentialHistogram:
      return exponential_points.size();
    case Type::kSummary:
      return summary_points.size();
    case Type::kEmpty:
      break;
  }
  return 0;
}

std::string_view MetricTypeName(Metric::Type type) {
  switch (type) {
    case Metric::Type::kGauge:
      return "gauge";
    case Metric::Type::kSum:
      return "sum";
    case Metric::Type::kHistogram:
      return "histogram";
    case Metric::Type::kExponentialHistogram:
      return "exponential histogram";
    case Metric::Type::kSummary:
      return "summary";
    case Metric::Type::kEmpty:
      break;
  }
  return "empty";
}

std::string_view TemporalityName(AggregationTemporality t) {
  switch (t) {
    case AggregationTemporality::kDelta:
      return "delta";
    case AggregationTemporality::kCumulative:
      return "cumulative";
    case AggregationTemporality::kUnspecified:
      break;
  }
  return "unspecified";
}

std::size_t DataPointCount(const MetricsData& data) {
  std::size_t n = 0;
  for (const auto& rm : data.resource_metrics) {
    for (const auto& sm : rm.scope_metrics) {
      for (const Metric& m : sm.metrics) {
        n += m.PointCount();
      }
    }
  }
  return n;
}

std::string_view SignalName(Signal signal) {
  switch (signal) {
    case Signal::kTraces:
      return "traces";
    case Signal::kMetrics:
      return "metrics";
    case Signal::kLogs:
      return "logs";
  }
  return "unknown";
}

ResponseClass ClassifyStatus(int http_status) {
  if (http_status >= 200 && http_status < 300) {
    return ResponseClass::kSuccess;
  }
  if (http_status == 429 || http_status == 502 || http_status == 503 || http_status == 504) {
    return ResponseClass::kRetryable;
  }
  return ResponseClass::kPermanent;
}

Result<Encoding> EncodingForContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) {
    media.remove_suffix(1);
  }
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) {
    media.remove_prefix(1);
  }
  std::string lower(media);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  if (lower == kProtobufContentType) {
    return Encoding::kProtobuf;
  }
  if (lower == kJsonContentType) {
    return Encoding::kJson;
  }
  return InvalidArgumentError("unsupported Content-Type \"" + std::string(content_type) +
                              "\": want application/x-protobuf or application/json");
}

}  // namespace obs::wire::otlp
