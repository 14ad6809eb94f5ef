// Server is obsbench's embedded reference backend: an HTTP/1.1 server that
// accepts Prometheus remote write 1.0 at `POST /api/v1/write`, stores the
// samples in memory and answers the Prometheus 2.42 HTTP query API
// (`/api/v1/query`, `/api/v1/query_range`, `/api/v1/series`, `/api/v1/labels`,
// `/api/v1/label/<name>/values`), evaluates Prometheus rule files and sends
// alerts to Alertmanager or a webhook (`/api/v1/rules`, `/api/v1/alerts`,
// `/-/reload`), accepts OTLP/HTTP traces at `POST /v1/traces` and answers
// trace queries in Jaeger's and Tempo's shapes (`/api/traces/<id>`,
// `/api/v2/traces/<id>`, search, services, operations), accepts logs at
// `POST /loki/api/v1/push` and `POST /v1/logs` and answers Loki's query API
// (`/loki/api/v1/query_range`, `query`, `labels`, `series`), plus `/metrics`,
// `/-/healthy` and `/-/ready`. Endpoints, status codes and limits are in
// docs/backend-http.md.
//
// A sample is queryable as soon as the 204 for its write request has been
// sent: there is no ingestion lag. A write request is all-or-nothing.
//
// Thread safety: all methods are safe to call from any thread, except that
// Stop() and the destructor must not be called from inside a request (they
// join the server threads).

#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "obs/base/status.h"

namespace obs::backend {

struct FaultOptions {
  // Testing aid for negative tests: acknowledge every request but silently
  // drop every Nth sample (counting across all requests in arrival order,
  // remote write and OTLP metrics separately; deterministic for a serial
  // sender). 0 = off.
  std::uint64_t drop_every_nth_sample = 0;
  // Answer every remote write this much later (a slower backend, for
  // baseline/compare regression tests). 0 = off.
  double write_delay_seconds = 0;
  // The same for spans: every Nth acknowledged span is dropped, or stored
  // with its first attribute (or, without attributes, its name) altered.
  std::uint64_t drop_every_nth_span = 0;
  std::uint64_t alter_every_nth_span = 0;
  // And for log lines (Loki push and OTLP logs): dropped, or the line altered.
  std::uint64_t drop_every_nth_log_line = 0;
  std::uint64_t alter_every_nth_log_line = 0;
};

// Rule evaluation and notifications (docs/alerting.md).
struct AlertingOptions {
  std::vector<std::string> rule_files;          // Prometheus rule files; none = no rules.
  std::int64_t evaluation_interval_ms = 60000;  // For groups without `interval`.
  std::string alertmanager_url;                 // Alertmanager base URL (API v2); empty = none.
  std::string webhook_url;  // A webhook v4 receiver, without Alertmanager; empty = none.
  std::vector<std::string> webhook_group_by = {"alertname"};
  std::string external_url;  // generatorURL and $externalURL; empty = the server's base URL.
  std::map<std::string, std::string> external_labels;  // $externalLabels in templates.
  std::int64_t resend_delay_ms = 60000;
  std::int64_t resolved_retention_ms = 15 * 60000;  // Resolved alerts are re-sent this long.
  int notify_attempts = 3;                          // Per POST, with doubling backoff from 100 ms.
};

struct ServerOptions {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 0;     // 0 = ephemeral; read back with port().
  int max_connections = 512;  // Served at once, a thread each; more are closed on accept.
  std::size_t max_body_bytes = 32U << 20;             // Request body limit -> 413.
  std::size_t max_decompressed_bytes = 256U << 20;    // Snappy-decoded limit -> 413.
  std::int64_t lookback_delta_ms = 300000;            // PromQL lookback delta.
  std::size_t max_spans = 5'000'000;                  // Span store capacity; beyond, rejected.
  std::size_t max_attribute_value_bytes = 64U << 10;  // Longer attribute values: span rejected.
  std::size_t max_log_entries = 20'000'000;           // Log store capacity; beyond, rejected.
  std::size_t max_log_line_bytes = 256U << 10;        // Longer lines: rejected.
  AlertingOptions alerting{};
  FaultOptions faults{};
};

class Server {
 public:
  // Binds, starts the accept thread (and a thread per connection as they
  // come) and returns a running server.
  // Returns kInvalidArgument for bad options (max_connections < 1, unparsable
  // address, a rule file that does not load) and kUnavailable if the
  // address cannot be bound.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options);

  ~Server();  // Stops and joins.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the ephemeral one when options.port was 0).
  std::uint16_t port() const;

  // "http://<listen_address>:<port>".
  std::string base_url() const;

  // Closes the listener and every connection and joins the I/O threads.
  // Idempotent. In-flight requests are abandoned.
  void Stop();

  // Blocks until Stop() has been called (from another thread or a signal
  // handler's helper thread), for `obsbench backend`.
  void Wait();

  // Re-reads the rule files (what POST /-/reload and SIGHUP do). On error
  // the running rules stay and the error names the file, line and rule.
  Status ReloadRules();

  struct Counters {
    std::uint64_t write_requests = 0;            // POST /api/v1/write, any outcome.
    std::uint64_t samples_appended = 0;          // Samples stored by accepted writes.
    std::uint64_t samples_dropped_by_fault = 0;  // Samples discarded by FaultOptions.
    std::uint64_t rejected_requests = 0;         // Write requests answered 4xx/5xx.
    std::uint64_t query_requests = 0;            // Requests to the /api/v1 query endpoints.
    std::uint64_t rule_group_evaluations = 0;
    std::uint64_t notifications_sent = 0;    // Successful POSTs to Alertmanager/webhook.
    std::uint64_t notifications_failed = 0;  // POSTs that failed every attempt.
    std::uint64_t otlp_trace_requests = 0;   // POST /v1/traces, any outcome.
    std::uint64_t otlp_metric_requests = 0;  // POST /v1/metrics, any outcome.
    std::uint64_t spans_stored = 0;
    std::uint64_t log_push_requests = 0;  // POST /loki/api/v1/push and /v1/logs, any outcome.
    std::uint64_t log_entries_stored = 0;
  };
  Counters counters() const;

 private:
  class Impl;  // server.cc
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace obs::backend
