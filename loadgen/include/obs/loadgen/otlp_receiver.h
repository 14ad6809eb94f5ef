// OtlpReceiver plays an application's OTLP/HTTP export destination in the
// overhead experiments: a loopback HTTP server that accepts what an SDK or a
// collector exports, decodes it, counts it (requests, bytes, spans, data
// points, log records, spans by kind) and throws it away. Nothing is stored,
// so it sustains thousands of requests per second over many keep-alive
// connections with flat memory.
//
// Protocol (OTLP/HTTP, specification §OTLP/HTTP):
//   - POST /v1/traces, /v1/metrics, /v1/logs with Content-Type
//     application/x-protobuf or application/json (parameters allowed) and
//     optionally Content-Encoding gzip or deflate;
//   - 200 with an empty Export*ServiceResponse in the request's encoding;
//   - 400 with a google.rpc.Status naming the problem for a body that does
//     not decode (counted in decode_errors; counts already taken stand);
//   - 404 for another path, 405 for another method, 415 for another
//     content type or encoding, 413 for a body (wire or inflated) over
//     max_body_bytes. These are counted in `rejected`.
//
// Thread safety: Counts() and ResetCounts() may be called from any thread
// while the server runs on its own threads; a snapshot is consistent (every
// request is counted whole or not at all).

#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "obs/base/status.h"

namespace obs::loadgen {

struct OtlpReceiverOptions {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral.
  // Every answer is delayed this long (a slow backend); the connection waits,
  // the server's threads do not. Must be >= 0.
  double response_delay_seconds = 0;
  std::size_t max_body_bytes = std::size_t{64} << 20;  // Wire and inflated; must be > 0.
  int threads = 1;                                     // Server threads, >= 1.
};

// One signal's accepted (200-answered) requests.
struct OtlpSignalCounts {
  std::uint64_t requests = 0;
  std::uint64_t items = 0;          // Spans, data points or log records.
  std::uint64_t bytes = 0;          // Body bytes as received (compressed if gzip).
  std::uint64_t decoded_bytes = 0;  // Body bytes after Content-Encoding was undone.
};

struct SpanKindCounts {
  std::uint64_t unspecified = 0;
  std::uint64_t internal = 0;
  std::uint64_t server = 0;
  std::uint64_t client = 0;
  std::uint64_t producer = 0;
  std::uint64_t consumer = 0;
};

struct OtlpReceiverCounts {
  std::uint64_t requests = 0;       // Every HTTP request answered, whatever its status.
  std::uint64_t bytes = 0;          // Every request body's bytes as received.
  std::uint64_t decode_errors = 0;  // Answered 400.
  std::uint64_t rejected = 0;       // Answered 404, 405, 413 or 415.
  OtlpSignalCounts traces;          // items = spans.
  OtlpSignalCounts metrics;         // items = data points of every metric type.
  OtlpSignalCounts logs;            // items = log records.
  SpanKindCounts spans_by_kind;     // Sums to traces.items.
  std::uint64_t root_spans = 0;     // Spans without a parent span id.
};

class OtlpReceiver {
 public:
  // Binds and starts serving. kInvalidArgument for a bad address or option,
  // kUnavailable when it cannot bind.
  static Result<std::unique_ptr<OtlpReceiver>> Start(const OtlpReceiverOptions& options);

  ~OtlpReceiver();  // Stops.
  OtlpReceiver(const OtlpReceiver&) = delete;
  OtlpReceiver& operator=(const OtlpReceiver&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:<port>"; the signal paths are appended to it.
  std::string base_url() const;

  // A snapshot of the counts since Start() or the last ResetCounts().
  OtlpReceiverCounts Counts() const;
  // Zeroes the counts (between the variants of an experiment). A request
  // being answered at that moment is counted whole on one side.
  void ResetCounts();

  // Closes the listener and every connection and joins the server threads.
  // Idempotent; the counts stay readable.
  void Stop();

 private:
  struct Impl;
  explicit OtlpReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace obs::loadgen
