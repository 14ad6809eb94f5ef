#include "http_client.h"

#include <charconv>
#include <mutex>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/span_body.hpp>

#include "obs/wire/otlp.h"

namespace obs::sample_app::internal {
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

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  const auto bad = [&](std::string_view why) {
    return InvalidArgumentError("\"" + std::string(url) + "\": " + std::string(why));
  };
  if (url.substr(0, kScheme.size()) != kScheme) {
    return bad("expected an http://host:port base URL");
  }
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  std::string_view prefix = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') {
    prefix.remove_suffix(1);
  }
  HttpUrl out;
  out.host_header = std::string(authority);
  out.prefix = std::string(prefix);
  std::string_view host = authority;
  std::string_view port = "80";
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return bad("unterminated [ipv6] host");
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        return bad("expected :port after ]");
      }
      port = authority.substr(close + 2);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  int p = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535) {
    return bad("bad port");
  }
  if (host.empty()) {
    return bad("empty host");
  }
  out.host = std::string(host);
  out.port = std::string(port);
  return out;
}

struct OtlpHttpClient::Impl {
  explicit Impl(HttpUrl u) : url(std::move(u)) {}

  void Run() {
    ioc.restart();
    ioc.run();
  }

  error_code Connect(std::chrono::steady_clock::duration timeout) {
    error_code result;
    stream.close();
    resolver.async_resolve(
        url.host, url.port, [&](error_code ec, const tcp::resolver::results_type& endpoints) {
          if (ec) {
            result = ec;
            return;
          }
          stream.expires_after(timeout);
          stream.async_connect(endpoints,
                               [&](error_code ec2, const tcp::endpoint&) { result = ec2; });
        });
    Run();
    connected = !result;
    reused = false;
    if (connected) {
      error_code ignored;
      beast::get_lowest_layer(stream).socket().set_option(tcp::no_delay(true), ignored);
    }
    return result;
  }

  error_code Exchange(http::response_parser<http::string_body>& parser,
                      std::chrono::steady_clock::duration timeout) {
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

  PostResult Send(std::chrono::steady_clock::duration timeout) {
    PostResult out;
    for (int round = 0; round < 2; ++round) {
      if (!connected) {
        const error_code ec = Connect(timeout);
        if (ec) {
          out.error = "connect: " + ec.message();
          return out;
        }
      }
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxResponseBody);
      const error_code ec = Exchange(parser, timeout);
      if (ec) {
        const bool retry_stale = reused && PeerClosed(ec) && round == 0;
        stream.close();
        connected = false;
        if (retry_stale) {
          continue;  // The peer closed an idle keep-alive connection: resend once.
        }
        out.error = ec.message();
        return out;
      }
      const http::response<http::string_body>& res = parser.get();
      out.status = static_cast<int>(res.result_int());
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

  HttpUrl url;
  std::mutex mu;
  asio::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  // The body points at the caller's bytes: encoded once, sent to every endpoint uncopied.
  http::request<http::span_body<const char>> request;
  bool connected = false;
  bool reused = false;
};

OtlpHttpClient::OtlpHttpClient(HttpUrl url) : impl_(std::make_unique<Impl>(std::move(url))) {
  auto& req = impl_->request;
  req.method(http::verb::post);
  req.version(11);
  req.set(http::field::host, impl_->url.host_header);
  req.set(http::field::content_type, wire::otlp::kProtobufContentType);
  req.set(http::field::user_agent, "obsbench-sample-app/" OBS_VERSION);
  req.keep_alive(true);
}

OtlpHttpClient::~OtlpHttpClient() = default;

PostResult OtlpHttpClient::Post(std::string_view path, std::string_view body,
                                std::chrono::steady_clock::duration timeout) noexcept {
  const std::lock_guard<std::mutex> lock(impl_->mu);
  try {
    Impl& im = *impl_;
    im.request.target(im.url.prefix + std::string(path));
    im.request.body() = {body.data(), body.size()};
    im.request.prepare_payload();
    return im.Send(timeout);
  } catch (const std::exception& e) {
    impl_->stream.close();
    impl_->connected = false;
    PostResult out;
    out.error = e.what();
    return out;
  }
}

}  // namespace obs::sample_app::internal
