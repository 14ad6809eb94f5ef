#include "http_client.h"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "obs/wire/fd_stream.h"

#include <sys/socket.h>

namespace obs::loadgen::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::size_t kMaxResponseBody = 64 * 1024;

bool PeerClosed(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::eof;
}

// Writes a request: a Beast message, or bytes from HttpClient::Serialize.
template <class Body>
void WriteMessage(wire::FdStream& io, const http::request<Body>& req, error_code& ec) {
  http::write(io, req, ec);
}
void WriteMessage(wire::FdStream& io, std::string_view bytes, error_code& ec) {
  asio::write(io, asio::buffer(bytes.data(), bytes.size()), ec);
}

}  // namespace

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions o)
      : options(std::move(o)),
        timeout(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(options.timeout_seconds))) {}

  // Runs the queued async operations to completion.
  void Run() {
    ioc.restart();
    ioc.run();
  }

  error_code DoConnect() {
    error_code result;
    stream.close();
    resolver.async_resolve(options.url.host, options.url.port,
                           [&](error_code ec, const tcp::resolver::results_type& endpoints) {
                             if (ec) {
                               result = ec;
                               return;
                             }
                             stream.expires_after(timeout);
                             stream.async_connect(
                                 endpoints,
                                 [&](error_code ec2, const tcp::endpoint&) { result = ec2; });
                           });
    Run();
    connected = !result;
    reused = false;
    if (connected) {
      beast::get_lowest_layer(stream).socket().set_option(tcp::no_delay(true), result);
      result = {};
      // HttpResponse::queued; without it, queued stays zero.
      wire::FdStream::EnableReceiveTimestamps(fd());
    }
    return result;
  }

  int fd() { return beast::get_lowest_layer(stream).socket().native_handle(); }

  // Starts an exchange: connects if needed and writes `req`.
  template <class Message>
  void Start(const Message& req) {
    failed = false;
    failure = {};
    round = 0;
    Write(req);
  }

  // Reads the answer to the request Start() wrote, writing it once more if
  // the peer had closed a reused connection; or returns Start()'s failure.
  template <class Message>
  HttpResponse Finish(const Message& req) {
    while (!failed) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxResponseBody);
      buffer.clear();
      wire::FdStream io(fd(), deadline);
      io.KeepReceiveTimes();
      error_code ec;
      http::read(io, buffer, parser, ec);
      if (ec) {
        if (Resend(ec)) {
          Write(req);
        }
        continue;
      }
      const std::int64_t read_at = UnixNanosNow();
      const std::int64_t arrived = io.last_receive_unix_ns();
      HttpResponse out;
      const http::response<http::string_body>& res = parser.get();
      out.status = static_cast<int>(res.result_int());
      if (auto it = res.find(http::field::retry_after); it != res.end()) {
        out.retry_after = std::string(it->value());
      }
      out.body = res.body();
      if (arrived > 0 && read_at > arrived) {
        out.queued = std::chrono::nanoseconds(read_at - arrived);
      }
      reused = true;
      if (!res.keep_alive()) {
        stream.close();
        connected = false;
      }
      return out;
    }
    return std::move(failure);
  }

  // Connects if needed and writes `req` (once more on a reused connection
  // the peer closed). False, with `failure` set, if that fails.
  template <class Message>
  bool Write(const Message& req) {
    for (;;) {
      if (!connected) {
        const error_code ec = DoConnect();
        if (ec) {
          Fail("connect: " + ec.message(), ec == beast::error::timeout);
          return false;
        }
      }
      deadline = std::chrono::steady_clock::now() + timeout;
      wire::FdStream io(fd(), deadline);
      error_code ec;
      WriteMessage(io, req, ec);
      if (!ec) {
        return true;
      }
      if (!Resend(ec)) {
        return false;
      }
    }
  }

  // After `ec` on the connection, closes it. True if it was a reused
  // keep-alive connection the peer closed, the first time in this exchange:
  // the request is to be sent once more. Otherwise records the failure.
  bool Resend(const error_code& ec) {
    const bool stale = reused && PeerClosed(ec) && round == 0;
    stream.close();
    connected = false;
    if (stale) {
      ++round;
      return true;
    }
    Fail(ec.message(), ec == beast::error::timeout);
    return false;
  }

  void Fail(std::string error, bool timed_out) {
    failed = true;
    failure = {};
    failure.error = std::move(error);
    failure.timed_out = timed_out;
  }

  static std::int64_t UnixNanosNow() {
    timespec t{};
    clock_gettime(CLOCK_REALTIME, &t);
    return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
  }

  HttpClientOptions options;
  std::chrono::steady_clock::duration timeout;
  asio::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  // Post()'s request, headers set once; the body is the caller's bytes.
  http::request<http::span_body<const char>> post;
  bool connected = false;
  bool reused = false;
  // The exchange in progress.
  std::chrono::steady_clock::time_point deadline;
  int round = 0;
  bool failed = false;
  HttpResponse failure;
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  http::request<http::span_body<const char>>& req = impl_->post;
  req.method(http::verb::post);
  req.target(impl_->options.url.target);
  req.version(11);
  req.set(http::field::host, impl_->options.url.host_header);
  for (const auto& [name, value] : impl_->options.headers) {
    req.insert(name, value);
  }
  req.keep_alive(true);
}

HttpClient::~HttpClient() = default;

bool HttpClient::connected() const {
  return impl_->connected;
}

Status HttpClient::Connect() {
  if (impl_->connected) {
    return Status::Ok();
  }
  const error_code ec = impl_->DoConnect();
  if (!ec) {
    return Status::Ok();
  }
  const std::string what =
      "http://" + impl_->options.url.host_header + ": connect: " + ec.message();
  return ec == beast::error::timeout ? DeadlineExceededError(what) : UnavailableError(what);
}

HttpResponse HttpClient::Post(std::string_view body) noexcept {
  StartPost(body);
  return FinishPost();
}

void HttpClient::StartPost(std::string_view body) noexcept {
  Impl& im = *impl_;
  try {
    im.post.body() = {body.data(), body.size()};
    im.post.prepare_payload();
    im.Start(im.post);
  } catch (const std::exception& e) {
    im.connected = false;
    im.Fail(e.what(), false);
  }
}

HttpResponse HttpClient::FinishPost() noexcept {
  Impl& im = *impl_;
  try {
    return im.Finish(im.post);
  } catch (const std::exception& e) {
    im.connected = false;
    HttpResponse out;
    out.error = e.what();
    return out;
  }
}

std::string HttpClient::Serialize(std::string_view method, std::string_view target,
                                  const std::vector<std::pair<std::string, std::string>>& headers,
                                  std::string_view body) const {
  http::request<http::string_body> req;
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    req.method_string(method);
  } else {
    req.method(verb);
  }
  req.target(target);
  req.version(11);
  req.set(http::field::host, impl_->options.url.host_header);
  for (const auto& [name, value] : impl_->options.headers) {
    req.insert(name, value);
  }
  for (const auto& header : headers) {
    req.erase(header.first);
  }
  for (const auto& [name, value] : headers) {
    req.insert(name, value);
  }
  req.keep_alive(true);
  req.body().assign(body.data(), body.size());
  req.prepare_payload();
  std::ostringstream out;
  out << req;
  return std::move(out).str();
}

HttpResponse HttpClient::Send(std::string_view request) noexcept {
  Impl& im = *impl_;
  try {
    im.Start(request);
    return im.Finish(request);
  } catch (const std::exception& e) {
    im.connected = false;
    HttpResponse out;
    out.error = e.what();
    return out;
  }
}

HttpResponse HttpClient::Request(std::string_view method, std::string_view target,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::string_view body) noexcept {
  std::string request;
  try {
    request = Serialize(method, target, headers, body);
  } catch (const std::exception& e) {
    HttpResponse out;
    out.error = e.what();
    return out;
  }
  return Send(request);
}

}  // namespace obs::loadgen::internal
