// Router maps a request's method and path to the backend's endpoint handlers,
// answers 404 (JSON, errorType "not_found") for unknown paths and 405 (JSON,
// errorType "bad_data", with an Allow header) for a known path with the wrong
// method, and records every answer in BackendMetrics (count by code, duration).
//
// Routes: POST /api/v1/write; GET|POST /api/v1/query, /api/v1/query_range,
// /api/v1/series, /api/v1/labels; GET /api/v1/label/<name>/values;
// GET /api/v1/status/buildinfo and /api/v1/metadata; GET|POST
// /api/v1/query_exemplars; GET /api/v1/rules and /api/v1/alerts; POST|PUT
// /-/reload; GET /metrics; GET|HEAD /-/healthy and /-/ready; POST /v1/traces
// (OTLP); GET /api/traces/<id>, /api/traces, /api/services,
// /api/services/<s>/operations, /api/operations (Jaeger) and
// /api/v2/traces/<id> (Tempo); POST /v1/logs (OTLP) and the Loki API
// (/loki/api/v1/push, query_range, query, labels, label/<name>/values,
// series).
//
// Thread safety: Handle() may be called concurrently.

#pragma once

#include <functional>
#include <string_view>

#include "obs/base/clock.h"

#include "alert/rule_manager.h"
#include "api/metrics.h"
#include "api/query_api.h"
#include "api/write_handler.h"
#include "http/message.h"
#include "logs/loki_api.h"
#include "traces/otlp_handler.h"
#include "traces/trace_api.h"

namespace obs::backend {

struct Route {
  Endpoint endpoint = Endpoint::kOther;
  // kLabelValues: the raw (still encoded) <name> segment; the trace id or
  // service segment for the trace endpoints.
  std::string_view label_name;
};

// The route a request path names (percent-encoded path, no query string).
Route ClassifyPath(std::string_view path);

class Router {
 public:
  // Every reference must outlive the router. `gauges` is called for each
  // /metrics scrape. `rules` may be null (no rule API, empty answers);
  // `otlp` and `trace_api` may be null (the trace endpoints answer 404).
  Router(WriteHandler& write, const QueryApi& query, BackendMetrics& metrics,
         std::function<StorageGauges()> gauges, const Clock& clock,
         alert::RuleManager* rules = nullptr, traces::OtlpHandler* otlp = nullptr,
         const traces::TraceApi* trace_api = nullptr, logs::LokiApi* loki = nullptr);

  http::Response Handle(const http::Request& request);

  // Counts an answer the transport produced without a handler (413, 400 for
  // malformed HTTP) against the endpoint `target` names.
  void ObserveTransportAnswer(std::string_view target, int status);

 private:
  http::Response Dispatch(const http::Request& request, const Route& route);

  WriteHandler& write_;
  const QueryApi& query_;
  BackendMetrics& metrics_;
  std::function<StorageGauges()> gauges_;
  const Clock& clock_;
  alert::RuleManager* rules_;
  traces::OtlpHandler* otlp_;
  const traces::TraceApi* trace_api_;
  logs::LokiApi* loki_;
};

}  // namespace obs::backend
