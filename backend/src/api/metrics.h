// BackendMetrics holds the reference backend's own metrics and renders them
// in the Prometheus text exposition format 0.0.4 for `GET /metrics`:
//   obs_backend_http_requests_total{handler,code}            counter
//   obs_backend_http_request_duration_seconds{handler}       histogram
//   obs_backend_write_requests_total{code}                   counter
//   obs_backend_query_requests_total{endpoint,code}          counter
//   obs_backend_samples_appended_total                       counter
//   obs_backend_samples_dropped_by_fault_total               counter
//   obs_backend_series / _samples / _chunk_bytes             gauges (storage)
// Only label combinations that have been observed are rendered.
//
// Thread safety: every method is safe from any thread; recording is lock-free
// (relaxed atomics), so a render may see one request's counters half-updated.

#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace obs::backend {

enum class Endpoint {
  kWrite,
  kQuery,
  kQueryRange,
  kSeries,
  kLabels,
  kLabelValues,
  kMetrics,
  kHealthy,
  kReady,
  kBuildInfo,                // GET /api/v1/status/buildinfo (Grafana's flavour/version probe).
  kMetadata,                 // GET /api/v1/metadata: remote write 1.0 carries none, so always {}.
  kQueryExemplars,           // GET|POST /api/v1/query_exemplars: no exemplars are stored, so [].
  kRules,                    // GET /api/v1/rules.
  kAlerts,                   // GET /api/v1/alerts.
  kReload,                   // POST|PUT /-/reload: re-reads the rule files.
  kOtlpTraces,               // POST /v1/traces (OTLP/HTTP).
  kJaegerTrace,              // GET /api/traces/<id>.
  kJaegerSearch,             // GET /api/traces.
  kJaegerServices,           // GET /api/services.
  kJaegerServiceOperations,  // GET /api/services/<service>/operations.
  kJaegerOperations,         // GET /api/operations.
  kTempoTrace,               // GET /api/v2/traces/<id>.
  kOtlpLogs,                 // POST /v1/logs (OTLP/HTTP).
  kLokiPush,                 // POST /loki/api/v1/push.
  kLokiQueryRange,           // GET|POST /loki/api/v1/query_range.
  kLokiQuery,                // GET|POST /loki/api/v1/query.
  kLokiLabels,               // GET /loki/api/v1/labels.
  kLokiLabelValues,          // GET /loki/api/v1/label/<name>/values.
  kLokiSeries,               // GET|POST /loki/api/v1/series.
  kOtlpMetrics,              // POST /v1/metrics (OTLP/HTTP) into the series storage.
  kVictoriaLogsQuery,        // GET|POST /select/logsql/query (VictoriaLogs' log query).
  kOther,                    // Unknown paths (404) and anything not routed.
};
inline constexpr std::size_t kEndpointCount = 32;

// The `handler` label value: "/api/v1/write", ..., "other".
std::string_view EndpointHandler(Endpoint endpoint);

// True for the /api/v1 query endpoints (query, query_range, series, labels, label values).
bool IsQueryEndpoint(Endpoint endpoint);

struct StorageGauges {
  std::uint64_t series = 0;
  std::uint64_t samples = 0;
  std::uint64_t chunk_bytes = 0;
};

class BackendMetrics {
 public:
  // Status codes with their own counter; others are counted as "other".
  static constexpr std::array<int, 10> kCodes = {200, 204, 400, 404, 405, 413, 415, 422, 500, 503};
  static constexpr std::array<double, 14> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  // Records one answered request.
  void ObserveRequest(Endpoint endpoint, int status, double seconds) noexcept;
  void AddSamplesAppended(std::uint64_t n) noexcept;
  void AddSamplesDropped(std::uint64_t n) noexcept;

  std::uint64_t Requests(Endpoint endpoint) const noexcept;
  // Requests to `endpoint` answered with status >= 400.
  std::uint64_t FailedRequests(Endpoint endpoint) const noexcept;
  std::uint64_t QueryRequests() const noexcept;
  std::uint64_t samples_appended() const noexcept { return samples_appended_.load(); }
  std::uint64_t samples_dropped() const noexcept { return samples_dropped_.load(); }

  // The full exposition text, with `storage` as the storage gauges.
  std::string Render(const StorageGauges& storage) const;

 private:
  static constexpr std::size_t kCodeSlots = kCodes.size() + 1;      // + "other"
  static constexpr std::size_t kBucketSlots = kBuckets.size() + 1;  // + "+Inf"

  struct EndpointMetrics {
    std::array<std::atomic<std::uint64_t>, kCodeSlots> by_code{};
    std::array<std::atomic<std::uint64_t>, kBucketSlots> buckets{};  // Not cumulative.
    std::atomic<std::uint64_t> sum_nanos{0};
  };

  void RenderRequests(std::string& out) const;
  void RenderDurations(std::string& out) const;

  std::array<EndpointMetrics, kEndpointCount> endpoints_{};
  std::atomic<std::uint64_t> samples_appended_{0};
  std::atomic<std::uint64_t> samples_dropped_{0};
};

}  // namespace obs::backend
