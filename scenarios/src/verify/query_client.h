// QueryClient reads data back from a Prometheus-compatible HTTP query API
// (`/api/v1/query`) over libcurl. It works against the embedded backend,
// Prometheus 2.42 and VictoriaMetrics 1.79.5: queries are form-encoded POSTs
// and carry `nocache=1`, which VictoriaMetrics honours (no rollup-result cache,
// so freshly flushed samples are seen) and Prometheus ignores.
//
// Errors: transport failures and 5xx answers are kUnavailable (retrying later
// may help); 4xx answers are kInvalidArgument with the server's own "error"
// text (the query or the URL is wrong); an unparseable 2xx body is kDataLoss.
//
// Thread safety: none. A client owns one curl handle and reuses its
// connection; use one client per thread. Movable, not copyable.

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "obs/base/status.h"

namespace obs::scenarios {

struct QueryClientOptions {
  std::string base_url;  // e.g. "http://127.0.0.1:9090"; "/api/v1/query" is appended.
  std::map<std::string, std::string> headers;  // Extra request headers (tenant ids, ...).
  std::string bearer_token;                    // Sent as `Authorization: Bearer` when set.
  double timeout_seconds = 30;                 // Per request, connect included. Must be > 0.
};

// One element of an instant vector. `labels` are sorted by name.
struct VectorSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
  std::int64_t timestamp_ms = 0;
};

// One series of a range-vector (matrix) result; samples in time order.
struct MatrixSeries {
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<std::pair<std::int64_t, double>> samples;  // (unix ms, value)
};

// Percent-encodes everything but RFC 3986 unreserved characters, for a
// query-string value (LogQL selectors, trace ids).
std::string QueryComponentEscape(std::string_view text);

// An answer returned as data (trace and log APIs use 404 for "not yet").
struct FetchResult {
  int status = 0;
  std::string body;
};

class QueryClient {
 public:
  // Returns kInvalidArgument if `base_url` is not an http(s) URL or the
  // timeout is not positive.
  static Result<QueryClient> Create(QueryClientOptions options);

  QueryClient(QueryClient&&) noexcept;
  QueryClient& operator=(QueryClient&&) noexcept;
  ~QueryClient();

  // Evaluates `promql` at `time_ms` (Unix ms) and returns its instant vector.
  // A scalar, string or matrix answer is kInvalidArgument.
  Result<std::vector<VectorSample>> InstantVector(std::string_view promql, std::int64_t time_ms);

  // Evaluates a range-selector query (e.g. `m{a="b"}[5m]`) at `time_ms` and
  // returns its matrix. Any other result type is kInvalidArgument.
  Result<std::vector<MatrixSeries>> InstantMatrix(std::string_view promql, std::int64_t time_ms);

  // GETs `url` (absolute, or a path such as "/internal/force_flush" that is
  // appended to base_url) and ignores the body. Any 2xx is OK; the error
  // mapping is the same as for queries. Not counted in queries().
  Status Get(std::string_view url);

  // GETs `url` (absolute or relative to base_url) and returns the status and
  // body whatever the status; only a transport failure is an error
  // (kUnavailable). Counted in queries().
  Result<FetchResult> Fetch(std::string_view url);

  // POSTs `body` with `content_type` (probe writes of the trace and log
  // checks); the status and body come back whatever the status. Not counted
  // in queries().
  Result<FetchResult> PostBody(std::string_view url, const std::string& body,
                               const std::string& content_type);

  // Queries sent so far (successful or not).
  std::uint64_t queries() const { return queries_; }

 private:
  struct Impl;
  explicit QueryClient(std::unique_ptr<Impl> impl);

  std::string Resolve(std::string_view url) const;
  // POSTs one query; returns the 2xx body or the mapped error.
  Result<std::string> PostQuery(std::string_view promql, std::int64_t time_ms);

  std::unique_ptr<Impl> impl_;
  std::uint64_t queries_ = 0;
};

}  // namespace obs::scenarios
