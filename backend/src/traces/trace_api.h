// TraceApi answers trace queries over the SpanStore in the shapes of the two
// query APIs verifiers and Grafana speak (docs/backend-http.md):
//
//   Jaeger (UI JSON API):
//     GET /api/traces/<id>                    {"data":[Trace],...}; 404 {"errors":[...]}
//     GET /api/traces?service=&operation=&tags=&minDuration=&maxDuration=
//                     &start=&end=&lookback=&limit=   (search; start/end in µs)
//     GET /api/services, /api/services/<s>/operations, /api/operations?service=&spanKind=
//   Tempo:
//     GET /api/v2/traces/<id>                 {"trace":{"resourceSpans":[...]}} (OTLP JSON)
//
// Jaeger's model has microsecond times, typed tags (string, bool, int64,
// float64, binary; arrays and maps as JSON text), span kind and status as
// the tags `span.kind`, `otel.status_code`, `otel.status_description` and
// `error`, events as logs with an `event` field, links as FOLLOWS_FROM
// references. Tempo's shape is lossless OTLP.
//
// Thread safety: all methods may be called concurrently.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "traces/span_store.h"

namespace obs::backend::traces {

class TraceApi {
 public:
  explicit TraceApi(const SpanStore& spans);

  http::Response JaegerTrace(std::string_view hex_id) const;
  http::Response JaegerSearch(const http::Request& request) const;
  http::Response JaegerServices() const;
  http::Response JaegerServiceOperations(std::string_view service) const;
  http::Response JaegerOperations(const http::Request& request) const;
  http::Response TempoTrace(std::string_view hex_id) const;

 private:
  const SpanStore& spans_;
};

// The Jaeger JSON Trace object for the given spans (exposed for tests).
std::string JaegerTraceJson(const otlp::TraceId& id, const std::vector<StoredSpan>& spans);

// The spans regrouped by resource and scope as OTLP TracesData.
otlp::TracesData ToTracesData(const std::vector<StoredSpan>& spans);

}  // namespace obs::backend::traces
