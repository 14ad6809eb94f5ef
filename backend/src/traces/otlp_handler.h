// OtlpHandler serves OTLP/HTTP ingest (`POST /v1/traces` into the SpanStore,
// `POST /v1/logs` into the LogStore, `POST /v1/metrics` into the series
// storage through OtlpMetricsIngest) per the specification: protobuf or JSON by Content-Type (else
// 415), optional gzip or deflate Content-Encoding (413 past `max_decompressed_bytes`, 400 when
// corrupt), a decode error is 400 with a google.rpc.Status body, and an
// accepted request is 200 with an Export*ServiceResponse whose
// partial_success counts and names the items the store refused. Responses
// use the request's encoding. No input crashes it.
//
// Thread safety: Handle*() may be called concurrently.

#pragma once

#include <cstddef>

#include "api/otlp_metrics_ingest.h"
#include "http/message.h"
#include "logs/log_store.h"
#include "traces/span_store.h"

namespace obs::backend::traces {

struct OtlpHandlerOptions {
  std::size_t max_decompressed_bytes = 64U << 20;  // The specification's recommended limit.
};

class OtlpHandler {
 public:
  // `spans`, `logs` and `metrics` must outlive the handler.
  OtlpHandler(SpanStore& spans, logs::LogStore& logs, OtlpMetricsIngest& metrics,
              OtlpHandlerOptions options);

  http::Response HandleTraces(const http::Request& request);
  http::Response HandleLogs(const http::Request& request);
  http::Response HandleMetrics(const http::Request& request);

 private:
  // Content type and encoding, then `ingest(body, encoding)`, which decodes,
  // stores and returns the 200 answer or the failure.
  template <typename Ingest>
  http::Response Handle(const http::Request& request, Ingest ingest);

  SpanStore& spans_;
  logs::LogStore& logs_;
  OtlpMetricsIngest& metrics_;
  OtlpHandlerOptions options_;
};

}  // namespace obs::backend::traces
