#include "http_client.h"

#include <chrono>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

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

  error_code Exchange(http::response_parser<http::string_body>& parser) {
    error_code result;
    buffer.clear();
    stream.expires_after(timeout);
    http::async_write(stream, request, [&](error_code ec, std::size_t) {
      if (ec) {
        result = ec;
        return;
      }
      http::async_read(stream, buffer, parser, [&](error_code ec2, std::size_t) { result = ec2; });
    });
    Run();
    return result;
  }

  HttpClientOptions options;
  std::chrono::steady_clock::duration timeout;
  asio::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
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

HttpResponse HttpClient::Post(std::string_view body) noexcept {
  HttpResponse out;
  try {
    Impl& im = *impl_;
    im.request.body().assign(body.data(), body.size());
    im.request.prepare_payload();
    for (int round = 0; round < 2; ++round) {
      if (!im.connected) {
        const error_code ec = im.DoConnect();
        if (ec) {
          out.error = "connect: " + ec.message();
          out.timed_out = ec == beast::error::timeout;
          return out;
        }
      }
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxResponseBody);
      const error_code ec = im.Exchange(parser);
      if (ec) {
        const bool retry_stale = im.reused && PeerClosed(ec) && round == 0;
        im.stream.close();
        im.connected = false;
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
      im.reused = true;
      if (!res.keep_alive()) {
        im.stream.close();
        im.connected = false;
      }
      return out;
    }
  } catch (const std::exception& e) {
    impl_->connected = false;
    out.status = 0;
    out.error = e.what();
  }
  return out;
}

}  // namespace obs::loadgen::internal
