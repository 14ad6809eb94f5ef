// Engine evaluates PromQL queries against a Storage and renders the `data`
// object of the Prometheus HTTP API (`{"resultType":"vector","result":[...]}`)
// byte-for-byte the way Prometheus 2.42 does (see format.h).
//
// It evaluates all of PromQL 2.42 for float samples (see
// docs/promql-compatibility.md for the deliberate differences).
//
// Semantics follow Prometheus 2.42: instant selectors look back
// `lookback_delta_ms` from the evaluation time (inclusive) and stop at a stale
// marker; range selectors take samples in [t - range, t] and ignore stale
// markers; functions and aggregations drop the metric name.
//
// Thread safety: const methods may be called concurrently; each query reads
// the Storage through its thread-safe API.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/status.h"

#include "store/labels.h"
#include "store/storage.h"

namespace obs::backend {

enum class QueryErrorType { kBadData, kExecution, kTimeout, kCanceled, kInternal };

// "bad_data", "execution", "timeout", "canceled", "internal".
std::string_view QueryErrorTypeName(QueryErrorType type);

// 400, 422, 503, 503, 500.
int QueryErrorHttpStatus(QueryErrorType type);

struct QueryError {
  QueryErrorType type = QueryErrorType::kInternal;
  // Prometheus wording, e.g. "1:3: parse error: unexpected end of input".
  std::string message;
};

struct EngineOptions {
  std::int64_t lookback_delta_ms = 300000;
  // Step of subqueries written without one (`x[1h:]`): Prometheus's global
  // evaluation interval, 1 m by default.
  std::int64_t default_subquery_step_ms = 60000;
  std::size_t max_samples = 50'000'000;
  std::int64_t default_timeout_ms = 120000;  // Used when a query passes timeout_ms <= 0.
  // Source of the monotonic time for timeouts; null = RealClock(). Must
  // outlive the engine.
  const Clock* clock = nullptr;
};

class Engine {
 public:
  // `storage` must outlive the engine.
  Engine(const Storage& storage, EngineOptions options);

  // Evaluates `query` at `time_ms`. Returns the JSON text of the `data`
  // object, or a QueryError: kBadData for parse and type errors, kTimeout
  // when evaluation exceeds `timeout_ms` (<= 0: the default), kExecution for
  // too many samples.
  std::variant<std::string, QueryError> InstantQuery(std::string_view query, std::int64_t time_ms,
                                                     std::int64_t timeout_ms) const;

  // Evaluates `query` at start, start+step, ... <= end; the result is always
  // a matrix. kBadData if step <= 0, end < start, more than 11,000 points, or
  // the query is not a scalar or instant vector expression.
  std::variant<std::string, QueryError> RangeQuery(std::string_view query, std::int64_t start_ms,
                                                   std::int64_t end_ms, std::int64_t step_ms,
                                                   std::int64_t timeout_ms) const;

  // Parses a series selector such as `up{job="a"}` (the match[] parameter).
  // Returns kInvalidArgument with the parse error on bad input or when the
  // expression is not a plain instant vector selector.
  static Result<std::vector<Matcher>> ParseSeriesSelector(std::string_view selector);

 private:
  const Storage& storage_;
  EngineOptions options_;
};

}  // namespace obs::backend
