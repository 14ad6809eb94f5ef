// SampleApp is the instrumented HTTP service that ships with obsbench
// (`obsbench sample-app`): the application that overhead experiments drive
// with HTTP load to measure what exporting its telemetry costs. Off, single
// and dual export are three runs of the same binary with 0, 1 or 2 OTLP
// endpoints (docs/sample-app.md).
//
// Every request to /api/orders does real work (CPU burned against the thread
// CPU clock, an asynchronous simulated downstream call, JSON encoding) and is
// instrumented by the project's own tracer, not an SDK: a SERVER span with
// three children, one log record and request metrics. Spans and log records go
// through bounded batch queues (drop on full, like the OpenTelemetry SDK's
// BatchSpanProcessor) to an export thread that encodes each batch once as
// OTLP/HTTP protobuf and posts the same bytes to every endpoint.
//
// Key invariant: every span and log record created is, after Shutdown(),
// exactly one of exported, failed (per endpoint) or dropped; with no endpoint
// (or the signal not selected) records are created and counted but never
// queued.
//
// Thread safety: Start, Shutdown and the destructor from one thread; port()
// and Stats() from any thread.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

namespace obs::sample_app {

// The environment variable read when no --otlp-endpoint is given.
inline constexpr std::string_view kEndpointsEnvVar = "OBSBENCH_SAMPLE_APP_OTLP_ENDPOINTS";

struct SampleAppOptions {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 0;   // 0: any free port; SampleApp::port() says which.
  int threads = 2;          // Server threads on one io_context, >= 1.
  std::string port_file{};  // When set, the bound port is written there (decimal, newline).
  std::chrono::microseconds work{200};        // CPU work per request (thread CPU time).
  std::chrono::milliseconds downstream{1};    // Simulated downstream latency (async timer).
  std::vector<std::string> otlp_endpoints{};  // Base URLs "http://host:port[/prefix]"; 0..n.
  bool export_traces = true;
  bool export_logs = true;
  bool export_metrics = true;
  std::size_t queue_size = 2048;                    // Per signal (spans, log records); >= 1.
  std::size_t batch_size = 512;                     // <= queue_size.
  std::chrono::milliseconds schedule_delay{1000};   // Also the metrics export interval.
  std::chrono::milliseconds export_timeout{10000};  // Per POST, and the shutdown flush bound.
  std::chrono::microseconds export_cost{0};  // Extra export-thread CPU per span per endpoint.
  std::string service_name = "obsbench-sample-app";  // The service.name resource attribute.
};

// The usage text of `obsbench sample-app`.
std::string_view SampleAppUsage();

// Parses the `obsbench sample-app` flags (`--flag value` or `--flag=value`).
// `env_endpoints` is the value of OBSBENCH_SAMPLE_APP_OTLP_ENDPOINTS (comma
// separated, empty entries ignored), used only when no --otlp-endpoint flag
// is given; nullopt means unset. Returns kInvalidArgument naming the flag
// ("--threads: expected an integer >= 1, got \"x\"") for an unknown flag, a
// missing or malformed value, or an endpoint that is not an http:// URL.
Result<SampleAppOptions> ParseSampleAppArgs(
    const std::vector<std::string>& args,
    std::optional<std::string_view> env_endpoints = std::nullopt);

struct EndpointStats {
  std::string url;
  std::uint64_t spans_exported = 0;  // Accepted (2xx, minus partial-success rejections).
  std::uint64_t spans_failed = 0;    // Sent in a failed batch, or rejected.
  std::uint64_t logs_exported = 0;
  std::uint64_t logs_failed = 0;
  std::uint64_t points_exported = 0;  // Metric data points.
  std::uint64_t points_failed = 0;
  std::uint64_t batches_ok = 0;  // POSTs answered 2xx, all signals.
  std::uint64_t batches_failed = 0;
};

struct SampleAppStats {
  std::uint64_t requests = 0;  // Instrumented requests (everything but /healthz and /stats).
  std::map<int, std::uint64_t> requests_by_status{};
  std::uint64_t spans_created = 0;
  std::uint64_t spans_dropped = 0;  // Queue full, or still queued when the flush timed out.
  std::uint64_t logs_created = 0;
  std::uint64_t logs_dropped = 0;
  std::vector<EndpointStats> endpoints{};  // In --otlp-endpoint order.
};

// The /stats document: {"requests": n, "requests_by_status": {"200": n},
// "spans_created", "spans_dropped", "logs_created", "logs_dropped",
// "endpoints": [{"url", "spans_exported", ...}]}, compact, one line.
std::string StatsJson(const SampleAppStats& stats);

class SampleApp {
 public:
  // Binds the listener, starts the server threads and the export threads.
  // Returns kInvalidArgument for options out of range and kUnavailable when
  // the address cannot be bound. The app serves until Shutdown().
  static Result<std::unique_ptr<SampleApp>> Start(const SampleAppOptions& options);

  // Shuts down if Shutdown() was not called.
  ~SampleApp();
  SampleApp(const SampleApp&) = delete;
  SampleApp& operator=(const SampleApp&) = delete;

  std::uint16_t port() const;
  SampleAppStats Stats() const;

  // Stops accepting, lets requests already read finish (idle keep-alive
  // connections are closed), then flushes the span and log queues and a
  // final metrics collection to every endpoint, bounded by the export
  // timeout (what is still queued then is counted as dropped). Idempotent;
  // returns OK (export failures are counted, not errors).
  Status Shutdown();

  class Impl;

 private:
  explicit SampleApp(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// `obsbench sample-app ARGS`: parses the flags (environment included), starts
// the app, prints "sample-app listening on HOST:PORT" on stdout, serves until
// SIGTERM or SIGINT, shuts down and prints "sample-app stats {json}" on
// stderr. Returns 0 after a clean shutdown (and for --help), 2 for a usage
// error, 3 when the app cannot start. Call from main only: it blocks SIGINT
// and SIGTERM in the calling thread to wait for them.
int RunSampleApp(const std::vector<std::string>& args);

}  // namespace obs::sample_app
