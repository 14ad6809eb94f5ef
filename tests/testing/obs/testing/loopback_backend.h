// Test helpers for the reference backend: `LoopbackBackend` starts an
// obs::backend::Server on 127.0.0.1 port 0 and reads the bound port back
// (prometheus-cpp's integration-test shape); `Get`/`Post`/`SendRaw` are a
// tiny blocking HTTP/1.1 client over POSIX sockets (one connection per call,
// `Connection: close`, 10 s socket timeouts so a broken server fails the test
// instead of hanging it); `RemoteWriteBody` builds a snappy-compressed remote
// write 1.0 body with the wire module's encoder.
//
// Thread safety: the free functions are safe from any thread; a
// LoopbackBackend is owned by one test, its server is thread-safe.

#pragma once

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "obs/backend/server.h"
#include "obs/base/status.h"
#include "obs/wire/remote_write.h"
#include "obs/wire/snappy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

namespace obs::testing {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
  int status = 0;
  HttpHeaders headers;  // Names lower-cased.
  std::string body;

  // The first value of header `lower_name`, or "".
  std::string Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) {
        return value;
      }
    }
    return {};
  }
};

namespace internal {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

inline std::string ErrnoText(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

inline Result<std::unique_ptr<Fd>> ConnectLoopback(std::uint16_t port) {
  auto fd = std::make_unique<Fd>(::socket(AF_INET, SOCK_STREAM, 0));
  if (fd->get() < 0) {
    return UnavailableError(ErrnoText("socket"));
  }
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd->get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd->get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): POSIX API.
  if (::connect(fd->get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return UnavailableError(ErrnoText("connect 127.0.0.1:" + std::to_string(port)));
  }
  return fd;
}

// Sends what it can (a server may close early, e.g. after a 413) and reads
// until EOF. `half_close` shuts the sending side down after the bytes, for
// raw (possibly incomplete) requests; complete requests keep it open, since
// Go servers (Prometheus) cancel a query whose client half-closed.
inline Result<std::string> Exchange(std::uint16_t port, std::string_view bytes,
                                    bool half_close = true) {
  OBS_ASSIGN_OR_RETURN(std::unique_ptr<Fd> fd, ConnectLoopback(port));
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd->get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      break;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  if (half_close) {
    ::shutdown(fd->get(), SHUT_WR);
  }
  std::string received;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd->get(), buf, sizeof(buf), 0);
    if (n == 0) {
      break;
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (received.empty()) {
        return UnavailableError(ErrnoText("recv"));
      }
      break;
    }
    received.append(buf, static_cast<std::size_t>(n));
  }
  return received;
}

inline std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// Parses one response from the front of `raw`; the body extends to
// Content-Length, or to the end of `raw` when there is none.
inline Result<HttpResult> ParseResponse(std::string_view raw) {
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.") || head_end == std::string_view::npos || raw.size() < 12) {
    return DataLossError("malformed http response: \"" + std::string(raw.substr(0, 64)) + "\"");
  }
  HttpResult result;
  result.status = std::stoi(std::string(raw.substr(9, 3)));
  std::string_view head = raw.substr(0, head_end);
  head.remove_prefix(std::min(head.size(), head.find("\r\n")));
  while (!head.empty()) {
    head.remove_prefix(2);
    const std::string_view line = head.substr(0, head.find("\r\n"));
    head.remove_prefix(line.size());
    const std::size_t colon = line.find(':');
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    result.headers.emplace_back(Lower(line.substr(0, colon)), std::string(value));
  }
  std::string_view body = raw.substr(head_end + 4);
  if (const std::string length = result.Header("content-length"); !length.empty()) {
    body = body.substr(0, std::stoul(length));
  } else if (Lower(result.Header("transfer-encoding")) == "chunked") {
    // Go servers (Prometheus) chunk large answers: <hex size>\r\n<data>\r\n ... 0\r\n\r\n.
    std::string decoded;
    while (true) {
      const std::size_t eol = body.find("\r\n");
      if (eol == std::string_view::npos) {
        return DataLossError("truncated chunked body");
      }
      const std::size_t size = std::stoul(std::string(body.substr(0, eol)), nullptr, 16);
      if (size == 0) {
        break;
      }
      if (body.size() < eol + 2 + size) {
        return DataLossError("truncated chunk");
      }
      decoded.append(body.substr(eol + 2, size));
      body.remove_prefix(std::min(body.size(), eol + 2 + size + 2));
    }
    result.body = std::move(decoded);
    return result;
  }
  result.body = std::string(body);
  return result;
}

}  // namespace internal

// Writes `bytes` to a new connection to 127.0.0.1:`port` and returns all
// bytes read back until the server closes.
inline Result<std::string> SendRaw(std::uint16_t port, std::string_view bytes) {
  return internal::Exchange(port, bytes);
}

// One request on a fresh connection. kUnavailable if the connection fails,
// kDataLoss if the answer is not an HTTP response.
inline Result<HttpResult> HttpRequest(std::uint16_t port, std::string_view method,
                                      std::string_view path, std::string_view body,
                                      const HttpHeaders& headers = {}) {
  std::string request = std::string(method) + " " + std::string(path) + " HTTP/1.1\r\n";
  request += "Host: 127.0.0.1:" + std::to_string(port) + "\r\nConnection: close\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : headers) {
    request += name + ": " + value + "\r\n";
  }
  request += "\r\n";
  request += body;
  OBS_ASSIGN_OR_RETURN(std::string raw, internal::Exchange(port, request, /*half_close=*/false));
  return internal::ParseResponse(raw);
}

inline Result<HttpResult> Get(std::uint16_t port, std::string_view path,
                              const HttpHeaders& headers = {}) {
  return HttpRequest(port, "GET", path, "", headers);
}

inline Result<HttpResult> Post(std::uint16_t port, std::string_view path, std::string_view body,
                               const HttpHeaders& headers = {}) {
  return HttpRequest(port, "POST", path, body, headers);
}

// The headers of a remote write 1.0 request.
inline HttpHeaders RemoteWriteHeaders() {
  return {{"Content-Encoding", "snappy"},
          {"Content-Type", "application/x-protobuf"},
          {"X-Prometheus-Remote-Write-Version", "0.1.0"},
          {"User-Agent", "obsbench-test"}};
}

struct TestSeries {
  std::vector<std::pair<std::string, std::string>> labels;  // Sent in this order.
  std::vector<wire::Sample> samples;
};

// A snappy-compressed WriteRequest holding `series`.
inline std::string RemoteWriteBody(const std::vector<TestSeries>& series) {
  wire::WriteRequestEncoder encoder;
  encoder.Reset();
  for (const TestSeries& s : series) {
    encoder.BeginSeries();
    for (const auto& [name, value] : s.labels) {
      encoder.AddLabel(name, value);
    }
    for (const wire::Sample& sample : s.samples) {
      encoder.AddSample(sample.value, sample.timestamp_ms);
    }
    encoder.EndSeries();
  }
  return wire::SnappyCompress(encoder.Finish());
}

// Owns a Server on 127.0.0.1, port 0, for one test.
class LoopbackBackend {
 public:
  // Starts the server with `options`, forcing listen_address 127.0.0.1 and port 0.
  Status Start(backend::ServerOptions options = {}) {
    options.listen_address = "127.0.0.1";
    options.port = 0;
    OBS_ASSIGN_OR_RETURN(server_, backend::Server::Start(options));
    return Status::Ok();
  }

  backend::Server& server() { return *server_; }
  std::uint16_t port() const { return server_->port(); }

  Result<HttpResult> Get(std::string_view path) const { return testing::Get(port(), path); }
  Result<HttpResult> Post(std::string_view path, std::string_view body,
                          const HttpHeaders& headers = {}) const {
    return testing::Post(port(), path, body, headers);
  }
  // POST /api/v1/write of `series` with the remote write headers.
  Result<HttpResult> Write(const std::vector<TestSeries>& series) const {
    return Post("/api/v1/write", RemoteWriteBody(series), RemoteWriteHeaders());
  }
  // GET /api/v1/query?query=<query>&time=<time> (query percent-encoded).
  Result<HttpResult> Query(std::string_view query, std::string_view time) const {
    return Get("/api/v1/query?query=" + UrlEncode(query) + "&time=" + std::string(time));
  }

  static std::string UrlEncode(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' ||
          c == '_' || c == '.' || c == '~') {
        out.push_back(c);
      } else {
        out.push_back('%');
        out.push_back(kHex[u >> 4]);
        out.push_back(kHex[u & 15]);
      }
    }
    return out;
  }

 private:
  std::unique_ptr<backend::Server> server_;
};

}  // namespace obs::testing
