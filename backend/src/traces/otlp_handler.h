// OtlpHandler serves OTLP/HTTP ingest (`POST /v1/traces`) per the
// specification: protobuf or JSON by Content-Type (else 415), optional gzip
// or deflate Content-Encoding (413 past `max_decompressed_bytes`, 400 when
// corrupt), a decode error is 400 with a google.rpc.Status body, and an
// accepted request is 200 with an Export*ServiceResponse whose
// partial_success counts and names the items the store refused. Responses
// use the request's encoding. No input crashes it.
//
// Thread safety: Handle*() may be called concurrently.

#pragma once

#include <cstddef>

#include "http/message.h"
#include "traces/span_store.h"

namespace obs::backend::traces {

struct OtlpHandlerOptions {
  std::size_t max_decompressed_bytes = 64U << 20;  // The specification's recommended limit.
};

class OtlpHandler {
 public:
  // `spans` must outlive the handler.
  OtlpHandler(SpanStore& spans, OtlpHandlerOptions options);

  http::Response HandleTraces(const http::Request& request);

 private:
  SpanStore& spans_;
  OtlpHandlerOptions options_;
};

}  // namespace obs::backend::traces
