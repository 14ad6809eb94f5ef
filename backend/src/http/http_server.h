// HttpServer is the HTTP/1.1 transport of the reference backend: a blocking
// accept thread and one thread per connection that reads requests with
// Beast's synchronous parser (keep-alive, pipelining served in order), hands
// each to a `Handler` and writes the answer. It knows nothing about
// Prometheus.
//
// Transport-level answers it produces itself, without calling the handler:
// 413 "request body too large" when a body exceeds `max_body_bytes` (the
// rest of the body is then drained for up to 2 s), and
// 400 "bad request: <parser error>" for malformed HTTP; both close the
// connection after the answer.
//
// Connections: at most `max_connections` are served at once; one accepted
// beyond that is closed at once without an answer (logged once). Each costs
// a thread (its stack is mostly untouched virtual memory) and the handler's
// per-thread buffers. A connection with no progress for `io_timeout` (idle
// between requests, or a stalled read or write) is closed.
//
// Thread safety: Start/Stop/port are safe from any thread; Stop() must not be
// called from a handler (it joins the connection threads, waiting for
// running handlers). The handler is called concurrently from up to
// `max_connections` threads, one per connection.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "obs/base/status.h"

#include "http/message.h"

namespace obs::backend::http {

struct HttpServerOptions {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 0;
  std::size_t max_body_bytes = 32U << 20;
  std::size_t max_header_bytes = 1U << 20;
  // Connections served at once (one thread each); more are closed on accept.
  int max_connections = 512;
  // An idle or stalled connection is closed after this long without progress
  // (SO_RCVTIMEO/SO_SNDTIMEO: per blocked recv or send, not per request).
  std::chrono::milliseconds io_timeout{60000};
  // Told about each answer the transport produced itself (413, 400), with the
  // request target if the header was read ("" otherwise). May be empty.
  std::function<void(std::string_view target, int status)> on_transport_answer;
};

class HttpServer {
 public:
  // Binds and starts the accept thread. kInvalidArgument for
  // max_connections < 1 or an unparsable address; kUnavailable if binding
  // fails.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;

  // Closes the listener and all connections (shutting the sockets down wakes
  // blocked reads) and joins the threads. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace obs::backend::http
