// QueryApi serves the read side of the Prometheus 2.42 HTTP API over the
// reference backend's Storage and Engine:
//   /api/v1/query          query, time (default now), timeout
//   /api/v1/query_range    query, start, end, step, timeout
//   /api/v1/series         match[] (required), start, end
//   /api/v1/labels         match[], start, end
//   /api/v1/label/<name>/values   match[], start, end
// Parameters come from the URL query and, for POST with
// application/x-www-form-urlencoded, from the body (body values first, as
// Go's ParseForm). Answers use the Prometheus envelope, error types, HTTP
// codes and messages (`invalid parameter "query": 1:3: parse error: ...`).
//
// Thread safety: const and stateless per request; safe from any thread.

#pragma once

#include <cstdint>
#include <string_view>

#include "obs/base/clock.h"

#include "http/message.h"
#include "query/engine.h"
#include "store/storage.h"

namespace obs::backend {

class QueryApi {
 public:
  // All three must outlive the QueryApi. `clock` gives the default `time`.
  QueryApi(const Storage& storage, const Engine& engine, const Clock& clock);

  http::Response Query(const http::Request& request) const;
  http::Response QueryRange(const http::Request& request) const;
  http::Response Series(const http::Request& request) const;
  http::Response Labels(const http::Request& request) const;
  // `name` is the percent-decoded <name> path segment.
  http::Response LabelValues(const http::Request& request, std::string_view name) const;
  // No exemplars are stored: validates `query`, `start` and `end` like
  // Prometheus and answers an empty list.
  http::Response QueryExemplars(const http::Request& request) const;

 private:
  const Storage& storage_;
  const Engine& engine_;
  const Clock& clock_;
};

}  // namespace obs::backend
