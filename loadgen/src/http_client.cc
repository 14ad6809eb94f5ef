#include "http_client.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
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
    }
    return result;
  }

  error_code Exchange(const http::request<http::string_body>& req,
                      http::response_parser<http::string_body>& parser) {
    error_code ec;
    buffer.clear();
    wire::FdStream io(beast::get_lowest_layer(stream).socket().native_handle(),
                      std::chrono::steady_clock::now() + timeout);
    http::write(io, req, ec);
    if (!ec) {
      http::read(io, buffer, parser, ec);
    }
    return ec;
  }

  // Sends `req` (connecting first if needed; once more on a reused
  // connection the peer closed before answering) and reads the answer.
  HttpResponse Send(const http::request<http::string_body>& req);

  HttpClientOptions options;
  std::chrono::steady_clock::duration timeout;
  asio::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  http::request<http::string_body> request;  // Post()'s, headers set once.
  http::request<http::string_body> general;  // Request()'s, rebuilt per call.
  bool connected = false;
  bool reused = false;
};

HttpClient::HttpClient(HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  http::request<http::string_body>& req = impl_->request;
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

HttpResponse HttpClient::Impl::Send(const http::request<http::string_body>& req) {
  HttpResponse out;
  for (int round = 0; round < 2; ++round) {
    if (!connected) {
      const error_code ec = DoConnect();
      if (ec) {
        out.error = "connect: " + ec.message();
        out.timed_out = ec == beast::error::timeout;
        return out;
      }
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    const error_code ec = Exchange(req, parser);
    if (ec) {
      const bool retry_stale = reused && PeerClosed(ec) && round == 0;
      stream.close();
      connected = false;
      if (retry_stale) {
        continue;  // The peer closed an idle keep-alive connection: resend once.
      }
      out.error = ec.message();
      out.timed_out = ec == beast::error::timeout;
      return out;
    }
    const http::response<http::string_body>& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    if (auto it = res.find(http::field::retry_after); it != res.end()) {
      out.retry_after = std::string(it->value());
    }
    out.body = res.body();
    reused = true;
    if (!res.keep_alive()) {
      stream.close();
      connected = false;
    }
    return out;
  }
  return out;
}

HttpResponse HttpClient::Post(std::string_view body) noexcept {
  try {
    Impl& im = *impl_;
    im.request.body().assign(body.data(), body.size());
    im.request.prepare_payload();
    return im.Send(im.request);
  } catch (const std::exception& e) {
    impl_->connected = false;
    HttpResponse out;
    out.error = e.what();
    return out;
  }
}

HttpResponse HttpClient::Request(std::string_view method, std::string_view target,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 std::string_view body) noexcept {
  try {
    Impl& im = *impl_;
    http::request<http::string_body>& req = im.general;
    req = {};
    const http::verb verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
      req.method_string(method);
    } else {
      req.method(verb);
    }
    req.target(target);
    req.version(11);
    req.set(http::field::host, im.options.url.host_header);
    for (const auto& [name, value] : im.options.headers) {
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
    return im.Send(req);
  } catch (const std::exception& e) {
    impl_->connected = false;
    HttpResponse out;
    out.error = e.what();
    return out;
  }
}

}  // namespace obs::loadgen::internal
