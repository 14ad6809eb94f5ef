// HttpServer is the Beast-based HTTP/1.1 transport of the reference backend:
// a listener that accepts TCP connections and one session per connection
// that reads requests (keep-alive, pipelining served in order), hands each to
// a `Handler` and writes the answer. It knows nothing about Prometheus.
//
// Transport-level answers it produces itself, without calling the handler:
// 413 "request body too large" when a body exceeds `max_body_bytes`, and
// 400 "bad request: <parser error>" for malformed HTTP; both close the
// connection after the answer.
//
// Thread safety: Start/Stop/port are safe from any thread; Stop() must not be
// called from a handler (it joins the I/O threads). The handler is called
// concurrently from up to `threads` threads.

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
  int threads = 2;
  std::size_t max_body_bytes = 32U << 20;
  std::size_t max_header_bytes = 1U << 20;
  // An idle or stalled connection is closed after this long without progress.
  std::chrono::milliseconds io_timeout{60000};
  // Told about each answer the transport produced itself (413, 400), with the
  // request target if the header was read ("" otherwise). May be empty.
  std::function<void(std::string_view target, int status)> on_transport_answer;
};

class HttpServer {
 public:
  // Binds and starts the I/O threads. kInvalidArgument for threads < 1 or an
  // unparsable address; kUnavailable if binding fails.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;

  // Closes the listener and all connections and joins the threads. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace obs::backend::http
