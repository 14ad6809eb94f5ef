// The sample app's OTLP/HTTP export client: one keep-alive HTTP/1.1
// connection to one endpoint, reconnected on close or error, every exchange
// bounded by a timeout. Calls block the caller (an export thread); inside,
// Beast's async operations run on a private io_context so tcp_stream's
// expiry timers apply. It is deliberately not loadgen's client: the sample
// app must not link obs::loadgen.
//
// Thread safety: Post() locks, so the span, log and metric export threads
// share one client (one connection) per endpoint.

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "obs/base/status.h"

namespace obs::sample_app::internal {

struct HttpUrl {
  std::string host;         // "127.0.0.1", "collector", "::1".
  std::string port;         // "4318"; "80" when the URL has none.
  std::string host_header;  // "host:port" as written.
  std::string prefix;       // The base path without a trailing '/', often "".
};

// Parses "http://host[:port][/prefix]". Returns kInvalidArgument naming the
// URL for any other scheme (https is not supported), an empty host or a bad
// port.
Result<HttpUrl> ParseHttpUrl(std::string_view url);

struct PostResult {
  int status = 0;     // 0: no HTTP answer (see `error`).
  std::string error;  // Transport error text when status == 0.
  std::string body;   // The response body (at most 64 KiB kept).
};

class OtlpHttpClient {
 public:
  explicit OtlpHttpClient(HttpUrl url);
  ~OtlpHttpClient();
  OtlpHttpClient(const OtlpHttpClient&) = delete;
  OtlpHttpClient& operator=(const OtlpHttpClient&) = delete;

  // POSTs `body` as application/x-protobuf to prefix + `path`, connecting
  // first if needed; a reused keep-alive connection the peer closed before
  // answering is reconnected and the request sent once more. Connect, and
  // write + read, are each bounded by `timeout`. Never throws.
  PostResult Post(std::string_view path, std::string_view body,
                  std::chrono::steady_clock::duration timeout) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace obs::sample_app::internal
