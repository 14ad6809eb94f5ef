// HttpClient is the load generator's synchronous HTTP/1.1 client: one
// keep-alive connection, reconnected on close or error, with a connect and
// a whole-request timeout. Calls block the caller. Connecting runs Beast's
// async operations on a private io_context so tcp_stream's expiry timer
// applies; an exchange (write the request, read the answer) is Beast's
// synchronous write and read over the descriptor, each wait a poll() bounded
// by the exchange's deadline, which costs a third of the system calls of an
// io_context round per request.
//
// A POST can be split (StartPost, then FinishPost) so that the caller works
// while the request is in flight; the answer's arrival is then taken from
// the kernel's receive timestamp (HttpResponse::queued), not from when the
// caller got round to reading it.
//
// Thread safety: none; one client per sender thread.

#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "obs/base/status.h"

#include "url.h"

namespace obs::loadgen::internal {

struct HttpClientOptions {
  HttpUrl url;
  // Sent on every request, after Host; the caller keeps protocol headers
  // and user headers from colliding.
  std::vector<std::pair<std::string, std::string>> headers;
  double timeout_seconds = 10;  // Connect, and separately write + read of one exchange.
};

struct HttpResponse {
  int status = 0;           // 0: no HTTP answer (see `error`).
  std::string error;        // Transport error text when status == 0.
  bool timed_out = false;   // The error was the timeout.
  std::string retry_after;  // The Retry-After header, if any.
  std::string body;         // At most 64 KiB are kept.
  // How long the end of the answer had waited in the socket's receive queue
  // when it was read: arrival = (time read) - queued. From the kernel's
  // receive timestamp; zero when there is none (or it is in the future).
  std::chrono::nanoseconds queued{0};
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Opens the connection now if it is not open. Returns kUnavailable (or
  // kDeadlineExceeded) naming the target when it cannot.
  Status Connect();

  // POSTs `body` with the configured headers plus `content_type`. Connects
  // first if needed; if a reused keep-alive connection turns out closed by
  // the peer before any answer, reconnects and sends once more. Never throws.
  HttpResponse Post(std::string_view body) noexcept;

  // Post() in two halves. StartPost writes the request (connecting first if
  // needed) and returns; FinishPost reads the answer, or returns StartPost's
  // failure. `body` must stay valid until FinishPost returns: a reused
  // connection the peer closed is detected when reading, and the request is
  // then sent once more. Every StartPost must be followed by one FinishPost
  // before any other call. Never throw.
  void StartPost(std::string_view body) noexcept;
  HttpResponse FinishPost() noexcept;

  // The bytes of one request with `method` (any token: "GET", "PATCH",
  // ...) to `target` (origin form, "/path?query"): the configured headers
  // minus any that `headers` names again (case-insensitively; Host
  // included), then `headers` in order, and `body` (Content-Length set when
  // the method carries one). Serialized once, sent many times with Send().
  // Throws std::exception on a method or target Beast refuses.
  std::string Serialize(std::string_view method, std::string_view target,
                        const std::vector<std::pair<std::string, std::string>>& headers,
                        std::string_view body) const;
  // Sends `request` (from Serialize) and reads the answer. Same connection,
  // reconnect and timeout rules as Post(). Never throws.
  HttpResponse Send(std::string_view request) noexcept;
  // Send(Serialize(...)). Never throws.
  HttpResponse Request(std::string_view method, std::string_view target,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       std::string_view body) noexcept;

  bool connected() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace obs::loadgen::internal
