// OpenTelemetry protocol (OTLP/HTTP) traces, metrics and logs: the data model shared
// by the load generator (which builds and encodes requests) and the reference
// backend (which decodes and stores them), with both encodings the protocol
// allows on one port:
//
//   * protobuf (`application/x-protobuf`): a hand-written codec from the
//     published field numbers (docs/wire.md); the encoder's output is
//     canonical, byte-identical to what the protobuf runtime serializes for
//     the same message (tests/wire prove it against protoc-generated code);
//   * JSON (`application/json`): the proto3 JSON mapping with OTLP's
//     deviations: trace and span ids are hex, enums are integers, 64-bit
//     integers are decimal strings (numbers accepted too), unknown keys are
//     ignored, `bytesValue` stays base64. The decoder also accepts what
//     proto3 JSON parsers accept and Tempo's answers carry: ids in base64
//     and enum names ("SPAN_KIND_SERVER").
//
// Decoders accept arbitrary bytes: anything malformed is kInvalidArgument
// naming what and where ("otlp traces: resourceSpans[0].scopeSpans[1]
// .spans[3].traceId: ..."), never a crash; nesting of AnyValue is bounded.
//
// Ids are fixed-size byte arrays; an all-zero id is "absent" (the wire form
// omits it), which is how a root span's parent is represented.
//
// Thread safety: plain values and pure functions.

#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

namespace obs::wire::otlp {

inline constexpr std::string_view kProtobufContentType = "application/x-protobuf";
inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kTracesPath = "/v1/traces";
inline constexpr std::string_view kMetricsPath = "/v1/metrics";
inline constexpr std::string_view kLogsPath = "/v1/logs";

// AnyValue nesting (arrays, kvlists) deeper than this is rejected.
inline constexpr int kMaxValueDepth = 32;

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

bool IsZero(const TraceId& id);
bool IsZero(const SpanId& id);
// Lower-case hex, 32 and 16 characters.
std::string Hex(const TraceId& id);
std::string Hex(const SpanId& id);
// Parses hex of exactly the right length (either case); false otherwise.
bool ParseHex(std::string_view hex, TraceId& id);
bool ParseHex(std::string_view hex, SpanId& id);

struct KeyValue;

// common/v1 AnyValue. `type` says which member holds the value; kEmpty is a
// value with no oneof member set (valid in OTLP: an "empty" attribute).
struct AnyValue {
  enum class Type : std::uint8_t { kEmpty, kString, kBool, kInt, kDouble, kArray, kKvList, kBytes };
  Type type = Type::kEmpty;
  std::string string_value;  // kString, and the raw bytes for kBytes.
  bool bool_value = false;
  std::int64_t int_value = 0;
  double double_value = 0;
  std::vector<AnyValue> array_value;
  std::vector<KeyValue> kvlist_value;

  static AnyValue String(std::string v);
  static AnyValue Bool(bool v);
  static AnyValue Int(std::int64_t v);
  static AnyValue Double(double v);
  static AnyValue Bytes(std::string v);
  static AnyValue Array(std::vector<AnyValue> v);
  static AnyValue KvList(std::vector<KeyValue> v);

  // Deep equality; doubles compare by bits (so NaN == NaN, 0.0 != -0.0).
  friend bool operator==(const AnyValue& a, const AnyValue& b);
};

struct KeyValue {
  std::string key;
  AnyValue value;
  friend bool operator==(const KeyValue& a, const KeyValue& b) = default;
};

// A readable rendering for reports and test failures: strings quoted,
// arrays as [..], kvlists as {k=v, ...}, bytes as hex.
std::string ToString(const AnyValue& v);

// The value as compact JSON: strings quoted, numbers, booleans, bytes as a
// base64 string, arrays and kvlists as JSON arrays and objects, empty as
// null. Jaeger's model carries array and map attributes as this text.
std::string ValueJson(const AnyValue& v);

struct Resource {
  std::vector<KeyValue> attributes;
  std::uint32_t dropped_attributes_count = 0;
  friend bool operator==(const Resource& a, const Resource& b) = default;
};

struct InstrumentationScope {
  std::string name;
  std::string version;
  std::vector<KeyValue> attributes;
  std::uint32_t dropped_attributes_count = 0;
  friend bool operator==(const InstrumentationScope& a, const InstrumentationScope& b) = default;
};

// ---- Traces (trace/v1) ----

enum class SpanKind : std::int32_t {
  kUnspecified = 0,
  kInternal = 1,
  kServer = 2,
  kClient = 3,
  kProducer = 4,
  kConsumer = 5,
};
std::string_view SpanKindName(SpanKind kind);  // "server", "client", ... ("unspecified").

enum class SpanStatusCode : std::int32_t { kUnset = 0, kOk = 1, kError = 2 };

struct SpanEvent {
  std::uint64_t time_unix_nano = 0;
  std::string name;
  std::vector<KeyValue> attributes;
  std::uint32_t dropped_attributes_count = 0;
  friend bool operator==(const SpanEvent& a, const SpanEvent& b) = default;
};

struct SpanLink {
  TraceId trace_id{};
  SpanId span_id{};
  std::string trace_state;
  std::vector<KeyValue> attributes;
  std::uint32_t dropped_attributes_count = 0;
  std::uint32_t flags = 0;
  friend bool operator==(const SpanLink& a, const SpanLink& b) = default;
};

struct SpanStatus {
  std::string message;
  SpanStatusCode code = SpanStatusCode::kUnset;
  friend bool operator==(const SpanStatus& a, const SpanStatus& b) = default;
};

struct Span {
  TraceId trace_id{};
  SpanId span_id{};
  std::string trace_state;
  SpanId parent_span_id{};  // All zero for a root span.
  std::uint32_t flags = 0;
  std::string name;
  SpanKind kind = SpanKind::kUnspecified;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t end_time_unix_nano = 0;
  std::vector<KeyValue> attributes;
  std::uint32_t dropped_attributes_count = 0;
  std::vector<SpanEvent> events;
  std::uint32_t dropped_events_count = 0;
  std::vector<SpanLink> links;
  std::uint32_t dropped_links_count = 0;
  SpanStatus status;
  friend bool operator==(const Span& a, const Span& b) = default;
};

struct ScopeSpans {
  InstrumentationScope scope;
  std::vector<Span> spans;
  std::string schema_url;
  friend bool operator==(const ScopeSpans& a, const ScopeSpans& b) = default;
};

struct ResourceSpans {
  Resource resource;
  std::vector<ScopeSpans> scope_spans;
  std::string schema_url;
  friend bool operator==(const ResourceSpans& a, const ResourceSpans& b) = default;
};

// ExportTraceServiceRequest (and TracesData: the same fields).
struct TracesData {
  std::vector<ResourceSpans> resource_spans;
  friend bool operator==(const TracesData& a, const TracesData& b) = default;
};

std::size_t SpanCount(const TracesData& data);

// ---- Logs (logs/v1) ----

struct LogRecord {
  std::uint64_t time_unix_nano = 0;
  std::uint64_t observed_time_unix_nano = 0;
  std::int32_t severity_number = 0;  // 0 unspecified, 1-4 TRACE ... 21-24 FATAL.
  std::string severity_text;
  AnyValue body;
  std::vector<KeyValue> attributes;
  std::uint32_t dropped_attributes_count = 0;
  std::uint32_t flags = 0;
  TraceId trace_id{};
  SpanId span_id{};
  std::string event_name;
  friend bool operator==(const LogRecord& a, const LogRecord& b) = default;
};

struct ScopeLogs {
  InstrumentationScope scope;
  std::vector<LogRecord> log_records;
  std::string schema_url;
  friend bool operator==(const ScopeLogs& a, const ScopeLogs& b) = default;
};

struct ResourceLogs {
  Resource resource;
  std::vector<ScopeLogs> scope_logs;
  std::string schema_url;
  friend bool operator==(const ResourceLogs& a, const ResourceLogs& b) = default;
};

// ExportLogsServiceRequest (and LogsData).
struct LogsData {
  std::vector<ResourceLogs> resource_logs;
  friend bool operator==(const LogsData& a, const LogsData& b) = default;
};

std::size_t LogRecordCount(const LogsData& data);

// ---- Metrics (metrics/v1) ----

enum class AggregationTemporality : std::int32_t { kUnspecified = 0, kDelta = 1, kCumulative = 2 };
std::string_view TemporalityName(AggregationTemporality t);  // "delta", "cumulative", ...

// DataPointFlags: the point carries no value (a staleness signal).
inline constexpr std::uint32_t kNoRecordedValueFlag = 1;

// The `value` oneof of NumberDataPoint and Exemplar.
enum class NumberType : std::uint8_t { kNone, kDouble, kInt };

struct Exemplar {
  std::vector<KeyValue> filtered_attributes;
  std::uint64_t time_unix_nano = 0;
  NumberType type = NumberType::kNone;
  double as_double = 0;
  std::int64_t as_int = 0;
  SpanId span_id{};
  TraceId trace_id{};
  friend bool operator==(const Exemplar& a, const Exemplar& b) = default;
};

struct NumberDataPoint {
  std::vector<KeyValue> attributes;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t time_unix_nano = 0;
  NumberType type = NumberType::kNone;
  double as_double = 0;
  std::int64_t as_int = 0;
  std::vector<Exemplar> exemplars;
  std::uint32_t flags = 0;
  // The value as a double (as_int converted; 0 for kNone).
  double Value() const;
  friend bool operator==(const NumberDataPoint& a, const NumberDataPoint& b) = default;
};

struct HistogramDataPoint {
  std::vector<KeyValue> attributes;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t time_unix_nano = 0;
  std::uint64_t count = 0;
  std::optional<double> sum;
  std::vector<std::uint64_t> bucket_counts;  // explicit_bounds.size() + 1 when non-empty.
  std::vector<double> explicit_bounds;       // Strictly increasing upper bounds.
  std::vector<Exemplar> exemplars;
  std::uint32_t flags = 0;
  std::optional<double> min;
  std::optional<double> max;
  friend bool operator==(const HistogramDataPoint& a, const HistogramDataPoint& b) = default;
};

// Bucket i of a range covers (base^(offset+i), base^(offset+i+1)], base = 2^(2^-scale).
struct ExponentialBuckets {
  std::int32_t offset = 0;
  std::vector<std::uint64_t> bucket_counts;
  friend bool operator==(const ExponentialBuckets& a, const ExponentialBuckets& b) = default;
};

struct ExponentialHistogramDataPoint {
  std::vector<KeyValue> attributes;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t time_unix_nano = 0;
  std::uint64_t count = 0;
  std::optional<double> sum;
  std::int32_t scale = 0;
  std::uint64_t zero_count = 0;
  ExponentialBuckets positive;
  ExponentialBuckets negative;
  std::uint32_t flags = 0;
  std::vector<Exemplar> exemplars;
  std::optional<double> min;
  std::optional<double> max;
  double zero_threshold = 0;
  friend bool operator==(const ExponentialHistogramDataPoint& a,
                         const ExponentialHistogramDataPoint& b) = default;
};

struct ValueAtQuantile {
  double quantile = 0;
  double value = 0;
  friend bool operator==(const ValueAtQuantile& a, const ValueAtQuantile& b) = default;
};

struct SummaryDataPoint {
  std::vector<KeyValue> attributes;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t time_unix_nano = 0;
  std::uint64_t count = 0;
  double sum = 0;
  std::vector<ValueAtQuantile> quantile_values;
  std::uint32_t flags = 0;
  friend bool operator==(const SummaryDataPoint& a, const SummaryDataPoint& b) = default;
};

// Metric: `type` says which `data` oneof member is set and therefore which
// point vector is used (gauge and sum share number_points).
struct Metric {
  enum class Type : std::uint8_t {
    kEmpty,
    kGauge,
    kSum,
    kHistogram,
    kExponentialHistogram,
    kSummary
  };
  std::string name;
  std::string description;
  std::string unit;
  Type type = Type::kEmpty;
  AggregationTemporality temporality = AggregationTemporality::kUnspecified;  // sum, histograms
  bool is_monotonic = false;                                                  // sum
  std::vector<NumberDataPoint> number_points;
  std::vector<HistogramDataPoint> histogram_points;
  std::vector<ExponentialHistogramDataPoint> exponential_points;
  std::vector<SummaryDataPoint> summary_points;
  std::vector<KeyValue> metadata;
  // Points of the member `type` selects.
  std::size_t PointCount() const;
  friend bool operator==(const Metric& a, const Metric& b) = default;
};
std::string_view MetricTypeName(Metric::Type type);  // "gauge", "sum", "histogram", ...

struct ScopeMetrics {
  InstrumentationScope scope;
  std::vector<Metric> metrics;
  std::string schema_url;
  friend bool operator==(const ScopeMetrics& a, const ScopeMetrics& b) = default;
};

struct ResourceMetrics {
  Resource resource;
  std::vector<ScopeMetrics> scope_metrics;
  std::string schema_url;
  friend bool operator==(const ResourceMetrics& a, const ResourceMetrics& b) = default;
};

// ExportMetricsServiceRequest (and MetricsData).
struct MetricsData {
  std::vector<ResourceMetrics> resource_metrics;
  friend bool operator==(const MetricsData& a, const MetricsData& b) = default;
};

std::size_t DataPointCount(const MetricsData& data);

// ---- Codecs ----

// Appends the canonical protobuf encoding to `out` (which is not cleared, so
// a caller can reuse one buffer).
void EncodeTraces(const TracesData& data, std::string& out);
void EncodeLogs(const LogsData& data, std::string& out);
void EncodeMetrics(const MetricsData& data, std::string& out);
Result<TracesData> DecodeTraces(std::string_view bytes);
Result<LogsData> DecodeLogs(std::string_view bytes);
Result<MetricsData> DecodeMetrics(std::string_view bytes);

// OTLP/JSON. The encoder writes compact JSON with ids in hex and 64-bit
// integers as strings, as the specification's examples do.
void EncodeTracesJson(const TracesData& data, std::string& out);
void EncodeLogsJson(const LogsData& data, std::string& out);
void EncodeMetricsJson(const MetricsData& data, std::string& out);
Result<TracesData> DecodeTracesJson(std::string_view json);
Result<LogsData> DecodeLogsJson(std::string_view json);
Result<MetricsData> DecodeMetricsJson(std::string_view json);

// ---- Export responses and failures ----

enum class Signal : std::uint8_t { kTraces, kMetrics, kLogs };
std::string_view SignalName(Signal signal);  // "traces", "metrics", "logs".

// Export*ServiceResponse: `rejected` items and a message; both zero/empty is
// full success (partial_success unset).
struct ExportResponse {
  std::int64_t rejected = 0;
  std::string error_message;
  friend bool operator==(const ExportResponse& a, const ExportResponse& b) = default;
};

enum class Encoding : std::uint8_t { kProtobuf, kJson };

// Encodes the 200 response body for `signal` in `encoding`.
std::string EncodeExportResponse(Signal signal, const ExportResponse& response, Encoding encoding);
// Decodes a 200 response body; an empty body is full success.
Result<ExportResponse> DecodeExportResponse(Signal signal, std::string_view body,
                                            Encoding encoding);

// google.rpc.Status, the body of a 4xx/5xx OTLP response.
struct RpcStatus {
  std::int32_t code = 0;  // google.rpc.Code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, ...).
  std::string message;
  friend bool operator==(const RpcStatus& a, const RpcStatus& b) = default;
};
std::string EncodeRpcStatus(const RpcStatus& status, Encoding encoding);
Result<RpcStatus> DecodeRpcStatus(std::string_view body, Encoding encoding);

// What a client must do with an HTTP status (specification §OTLP/HTTP):
// 2xx success; 429, 502, 503 and 504 retryable (honouring Retry-After);
// every other status is a permanent failure.
enum class ResponseClass : std::uint8_t { kSuccess, kRetryable, kPermanent };
ResponseClass ClassifyStatus(int http_status);

// The encoding a Content-Type names ("application/json; charset=utf-8" is
// JSON); kInvalidArgument for anything but protobuf or JSON.
Result<Encoding> EncodingForContentType(std::string_view content_type);

}  // namespace obs::wire::otlp
