#include "http/http_server.h"

#include <array>
#include <cctype>
#include <exception>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

// The session/listener shape follows Beast's callback-style async HTTP server
// example: one strand per connection, one request in flight per connection,
// pipelined requests served in order from the read buffer.

namespace obs::backend::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// How long a connection that got a 413 is drained before it is closed, so
// the client can finish sending and read the answer instead of seeing a reset.
constexpr std::chrono::seconds kDrainTimeout{2};

struct SessionConfig {
  std::size_t max_body_bytes = 0;
  std::uint32_t max_header_bytes = 0;
  std::chrono::milliseconds io_timeout{0};
  const Handler* handler = nullptr;
  const std::function<void(std::string_view, int)>* on_transport_answer = nullptr;
};

// One logger for I/O-layer failures that are not the peer's normal doing.
void Fail(const beast::error_code& ec, const char* what) {
  std::cerr << "obs backend http: " << what << ": " << ec.message() << "\n";
}

Request ToRequest(BeastRequest&& req) {
  Request out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = std::move(req.body());
  return out;
}

BeastResponse ToBeast(Response&& r, unsigned version, bool keep_alive) {
  BeastResponse res;
  res.version(version);
  res.result(static_cast<unsigned>(r.status));
  res.set(bhttp::field::server, "obsbench");
  if (!r.content_type.empty()) {
    res.set(bhttp::field::content_type, r.content_type);
  }
  for (auto& [name, value] : r.headers) {
    res.set(name, value);
  }
  res.keep_alive(keep_alive);
  // 1xx, 204 and 304 carry neither a body nor a Content-Length.
  if (r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200)) {
    return res;
  }
  res.body() = std::move(r.body);
  res.prepare_payload();
  return res;
}

Response PlainText(int status, std::string body) {
  return Response{.status = status,
                  .content_type = "text/plain; charset=utf-8",
                  .body = std::move(body),
                  .headers = {}};
}

Response CallHandler(const Handler& handler, const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    return PlainText(500, std::string("internal error: ") + e.what() + "\n");
  }
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, const SessionConfig& config)
      : stream_(std::move(socket)), config_(config) {}

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

 private:
  void DoRead() {
    parser_.emplace();
    parser_->body_limit(config_.max_body_bytes);
    parser_->header_limit(config_.max_header_bytes);
    stream_.expires_after(config_.io_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec == bhttp::error::end_of_stream) {
      return DoClose();
    }
    if (ec == bhttp::error::body_limit) {
      return SendTransportAnswer(413, "request body too large\n", true);
    }
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      return SendTransportAnswer(400, "bad request: " + ec.message() + "\n", false);
    }
    if (ec) {
      return;  // Timeout, reset or shutdown: just drop the connection.
    }
    BeastRequest req = parser_->release();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    const Request request = ToRequest(std::move(req));
    Send(ToBeast(CallHandler(*config_.handler, request), version, keep_alive), false);
  }

  // An answer produced here rather than by the handler; closes the connection.
  void SendTransportAnswer(int status, std::string body, bool drain) {
    if (*config_.on_transport_answer) {
      // The request line is stored as soon as it is parsed, before the
      // header is complete; it is empty if parsing failed earlier.
      const std::string target(parser_->get().target());
      (*config_.on_transport_answer)(target, status);
    }
    Send(ToBeast(PlainText(status, std::move(body)), 11, false), drain);
  }

  void Send(BeastResponse&& res, bool drain) {
    auto sp = std::make_shared<BeastResponse>(std::move(res));
    stream_.expires_after(config_.io_timeout);
    bhttp::async_write(stream_, *sp,
                       [self = shared_from_this(), sp, drain](beast::error_code ec, std::size_t) {
                         self->OnWrite(sp->need_eof(), drain, ec);
                       });
  }

  void OnWrite(bool close, bool drain, beast::error_code ec) {
    if (ec) {
      return;
    }
    if (drain) {
      return DoDrain();
    }
    if (close) {
      return DoClose();
    }
    DoRead();
  }

  // After an early answer (413) the client may still be sending its body;
  // read and discard it for a bounded time so it can read our answer.
  void DoDrain() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(kDrainTimeout);
    DoDrainRead();
  }

  void DoDrainRead() {
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) {
                                self->DoDrainRead();
                              }
                            });
  }

  void DoClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  SessionConfig config_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::array<char, 16384> drain_buffer_{};
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, const SessionConfig& config)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), config_(config) {}

  Status Open(const tcp::endpoint& endpoint) {
    const std::string where =
        endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return UnavailableError("listen " + where + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    return Status::Ok();
  }

  void Run() { DoAccept(); }

  // REQUIRES: no thread is running the io_context.
  void CloseNow() {
    beast::error_code ec;
    acceptor_.close(ec);
  }

  std::uint16_t port() const { return port_; }

 private:
  void DoAccept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
      return;
    }
    if (ec) {
      Fail(ec, "accept");
    } else {
      std::make_shared<Session>(std::move(socket), config_)->Run();
    }
    DoAccept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  SessionConfig config_;
  std::uint16_t port_ = 0;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(const HttpServerOptions& options, Handler handler)
      : options_(options), handler_(std::move(handler)), ioc_(std::in_place, options.threads) {}

  ~Impl() { Stop(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Start() {
    beast::error_code ec;
    const net::ip::address address = net::ip::make_address(options_.listen_address, ec);
    if (ec) {
      return InvalidArgumentError("listen address \"" + options_.listen_address +
                                  "\": " + ec.message());
    }
    const SessionConfig config{
        .max_body_bytes = options_.max_body_bytes,
        .max_header_bytes = static_cast<std::uint32_t>(options_.max_header_bytes),
        .io_timeout = options_.io_timeout,
        .handler = &handler_,
        .on_transport_answer = &options_.on_transport_answer};
    listener_ = std::make_shared<Listener>(*ioc_, config);
    OBS_RETURN_IF_ERROR(listener_->Open(tcp::endpoint(address, options_.port)));
    listener_port_ = listener_->port();
    listener_->Run();
    for (int i = 0; i < options_.threads; ++i) {
      threads_.emplace_back([this] { RunLoop(); });
    }
    return Status::Ok();
  }

  void Stop() {
    const std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
    ioc_->stop();
    for (std::thread& t : threads_) {
      t.join();
    }
    threads_.clear();
    if (listener_ != nullptr) {
      listener_->CloseNow();
      listener_.reset();
    }
    // Destroying the io_context destroys every pending handler and with them
    // the sessions that own the connections.
    ioc_.reset();
  }

  std::uint16_t port() const { return listener_port_; }

 private:
  void RunLoop() {
    for (;;) {
      try {
        ioc_->run();
        return;
      } catch (const std::exception& e) {
        std::cerr << "obs backend http: handler threw: " << e.what() << "\n";
      }
    }
  }

  HttpServerOptions options_;
  Handler handler_;
  std::optional<net::io_context> ioc_;
  std::shared_ptr<Listener> listener_;
  std::vector<std::thread> threads_;
  std::mutex stop_mu_;
  bool stopped_ = false;
  std::uint16_t listener_port_ = 0;
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      Handler handler) {
  if (options.threads < 1) {
    return InvalidArgumentError("http server threads must be >= 1, got " +
                                std::to_string(options.threads));
  }
  auto impl = std::make_unique<Impl>(options, std::move(handler));
  OBS_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::port() const {
  return impl_->port();
}

void HttpServer::Stop() {
  impl_->Stop();
}

}  // namespace obs::backend::http
