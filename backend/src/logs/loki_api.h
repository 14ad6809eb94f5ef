// LokiApi serves the Loki-compatible endpoints over the LogStore
// (docs/backend-http.md):
//
//   POST /loki/api/v1/push          JSON or protobuf (snappy; gzip/deflate
//                                   Content-Encoding undone first) -> 204;
//                                   400 text for undecodable bodies and for
//                                   rejected entries (the valid ones are kept)
//   GET|POST /loki/api/v1/query_range  query, start, end (ns, seconds or
//                                   RFC3339; end exclusive; default the last
//                                   hour), limit (100), direction (backward),
//                                   step (metric queries)
//   GET|POST /loki/api/v1/query     instant metric queries (time, default now)
//   GET /loki/api/v1/labels, /loki/api/v1/label/<name>/values,
//   GET|POST /loki/api/v1/series    (match[])
//
// (OTLP logs at POST /v1/logs go to the same store through
// traces::OtlpHandler.)
//
// Thread safety: all methods may be called concurrently.

#pragma once

#include <string_view>

#include "obs/base/clock.h"

#include "http/message.h"
#include "logs/log_store.h"

namespace obs::backend::logs {

class LokiApi {
 public:
  // `store` and `clock` must outlive the API.
  LokiApi(LogStore& store, const Clock& clock, std::size_t max_decompressed_bytes);

  http::Response Push(const http::Request& request);
  http::Response QueryRange(const http::Request& request) const;
  http::Response Query(const http::Request& request) const;
  http::Response Labels(const http::Request& request) const;
  http::Response LabelValues(const http::Request& request, std::string_view name) const;
  http::Response Series(const http::Request& request) const;
  // VictoriaLogs' `GET|POST /select/logsql/query` for a stream filter plus
  // LogQL line filters: JSON lines with _msg, _stream, _time and the stream
  // fields, so VictoriaLogs adapters can be tested against this backend.
  http::Response VictoriaLogsQuery(const http::Request& request) const;

 private:
  LogStore& store_;
  const Clock& clock_;
  std::size_t max_decompressed_bytes_;
};

// Loki's timestamp parameter: float seconds ("1700000000.5"), an integer of
// at most 10 digits as seconds, a longer one as nanoseconds, or RFC3339.
Result<std::int64_t> ParseLokiTimeNs(std::string_view text);

}  // namespace obs::backend::logs
