#include "http/http_server.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <iterator>
#include <list>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "obs/wire/fd_stream.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

// One thread per connection running a blocking read-handle-write loop, and
// one blocking accept thread. Per request this costs the recv calls that
// carry the bytes and one sendmsg: no reactor round trip, no cross-thread
// wake-up, no per-operation timer (timerfd_settime). The idle/stall timeout
// is a socket option set once per connection. Replacing the Beast/Asio async
// server (an io_context on 2 threads, a strand and a timer per operation) cut
// the backend's remote-write CPU from 1.21 to 0.49 s per 1M scrape-like
// samples (docs/performance.md, "Backend ingest CPU").

namespace obs::backend::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;
using beast::error_code;

// How long a connection that got a 413 is drained before it is closed, so
// the client can finish sending and read the answer instead of seeing a reset.
constexpr std::chrono::seconds kDrainTimeout{2};

// A connection keeps its request body storage between requests (so a
// keep-alive ingest connection allocates no body once warm) unless it grew
// beyond this.
constexpr std::size_t kKeepBodyBytes = 1U << 20;

struct SessionConfig {
  std::size_t max_body_bytes = 0;
  std::uint32_t max_header_bytes = 0;
  const Handler* handler = nullptr;
  const std::function<void(std::string_view, int)>* on_transport_answer = nullptr;
};

void LogErrno(const char* what, int err) {
  std::cerr << "obs backend http: " << what << ": " << std::strerror(err) << "\n";
}

// Fills `out` from `req`, reusing out's storage; moves the body.
void ToRequest(BeastRequest& req, Request& out) {
  const beast::string_view method = req.method_string();
  out.method.assign(method.data(), method.size());
  const beast::string_view target = req.target();
  out.target.assign(target.data(), target.size());
  std::size_t n = 0;
  for (const auto& field : req) {
    if (n == out.headers.size()) {
      out.headers.emplace_back();
    }
    auto& [name, value] = out.headers[n++];
    const beast::string_view raw_name = field.name_string();
    name.resize(raw_name.size());
    std::transform(raw_name.begin(), raw_name.end(), name.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    const beast::string_view raw_value = field.value();
    value.assign(raw_value.data(), raw_value.size());
  }
  out.headers.resize(n);
  out.body = std::move(req.body());
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

// Serves one connection until the peer closes it, an error or timeout, or a
// transport answer (413, 400) ends it. Does not close `fd`.
class Session {
 public:
  Session(int fd, const SessionConfig& config) : fd_(fd), stream_(fd), config_(config) {}

  void Run() {
    Request request;   // Reused: header strings keep their capacity.
    std::string body;  // Reused request body storage.
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(config_.max_body_bytes);
      parser.header_limit(config_.max_header_bytes);
      body.clear();
      parser.get().body() = std::move(body);  // The body reader appends.
      error_code ec;
      bhttp::read(stream_, buffer_, parser, ec);
      if (ec == bhttp::error::end_of_stream) {
        return Close();
      }
      if (ec == bhttp::error::body_limit) {
        return SendTransportAnswer(parser, 413, "request body too large\n", true);
      }
      if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
        return SendTransportAnswer(parser, 400, "bad request: " + ec.message() + "\n", false);
      }
      if (ec) {
        return;  // Timeout, reset or shutdown: just drop the connection.
      }
      BeastRequest& req = parser.get();
      const unsigned version = req.version();
      const bool keep_alive = req.keep_alive();
      ToRequest(req, request);
      BeastResponse res = ToBeast(CallHandler(*config_.handler, request), version, keep_alive);
      if (request.body.capacity() <= kKeepBodyBytes) {
        body = std::move(request.body);
      }
      request.body = std::string();
      bhttp::write(stream_, res, ec);
      if (ec) {
        return;
      }
      if (res.need_eof()) {
        return Close();
      }
    }
  }

 private:
  // An answer produced here rather than by the handler; ends the connection.
  void SendTransportAnswer(bhttp::request_parser<bhttp::string_body>& parser, int status,
                           std::string body, bool drain) {
    if (*config_.on_transport_answer) {
      // The request line is stored as soon as it is parsed, before the
      // header is complete; it is empty if parsing failed earlier.
      const std::string target(parser.get().target());
      (*config_.on_transport_answer)(target, status);
    }
    BeastResponse res = ToBeast(PlainText(status, std::move(body)), 11, false);
    error_code ec;
    bhttp::write(stream_, res, ec);
    if (ec) {
      return;
    }
    if (drain) {
      return Drain();
    }
    Close();
  }

  // After an early answer (413) the client may still be sending its body;
  // read and discard it for a bounded time so it can read our answer.
  void Drain() {
    Close();
    const auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
    std::array<char, 16384> scratch{};
    for (;;) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return;
      }
      pollfd p{fd_, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) {
        continue;
      }
      if (r <= 0) {
        return;
      }
      const ssize_t n = ::recv(fd_, scratch.data(), scratch.size(), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
        return;
      }
    }
  }

  // Sends our FIN; the caller closes the descriptor.
  void Close() { ::shutdown(fd_, SHUT_WR); }

  int fd_;
  wire::FdStream stream_;
  beast::flat_buffer buffer_;  // Holds pipelined bytes between requests.
  SessionConfig config_;
};

timeval ToTimeval(std::chrono::milliseconds d) {
  const auto ms = std::max<std::int64_t>(d.count(), 1);
  return timeval{.tv_sec = static_cast<time_t>(ms / 1000),
                 .tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000)};
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(const HttpServerOptions& options, Handler handler)
      : options_(options), handler_(std::move(handler)), acceptor_(ioc_) {}

  ~Impl() { Stop(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Start() {
    error_code ec;
    const net::ip::address address = net::ip::make_address(options_.listen_address, ec);
    if (ec) {
      return InvalidArgumentError("listen address \"" + options_.listen_address +
                                  "\": " + ec.message());
    }
    config_ =
        SessionConfig{.max_body_bytes = options_.max_body_bytes,
                      .max_header_bytes = static_cast<std::uint32_t>(options_.max_header_bytes),
                      .handler = &handler_,
                      .on_transport_answer = &options_.on_transport_answer};
    OBS_RETURN_IF_ERROR(Open(tcp::endpoint(address, options_.port)));
    accept_thread_ = std::thread([this] { AcceptLoop(); });
    return Status::Ok();
  }

  void Stop() {
    const std::lock_guard<std::mutex> stop_lock(stop_mu_);
    if (stopped_) {
      return;
    }
    stopped_ = true;
    stopping_.store(true);
    if (accept_thread_.joinable()) {
      // Linux: shutting a listening socket down wakes a blocked accept().
      ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
      accept_thread_.join();
    }
    error_code ec;
    acceptor_.close(ec);
    {
      // Blocked reads return end-of-file; writes fail. A connection whose
      // handler is running notices when the handler returns.
      const std::lock_guard<std::mutex> lock(mu_);
      for (Connection& c : connections_) {
        if (c.fd >= 0) {
          ::shutdown(c.fd, SHUT_RDWR);
        }
      }
    }
    for (Connection& c : connections_) {
      c.thread.join();
    }
    connections_.clear();
  }

  std::uint16_t port() const { return port_; }

 private:
  struct Connection {
    int fd = -1;  // -1 once the connection's thread closed it.
    std::thread thread;
  };

  Status Open(const tcp::endpoint& endpoint) {
    const std::string where =
        endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    error_code ec;
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

  void AcceptLoop() {
    const int listen_fd = acceptor_.native_handle();
    for (;;) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (stopping_.load()) {
        if (fd >= 0) {
          ::close(fd);
        }
        return;
      }
      if (fd >= 0) {
        StartConnection(fd);
        continue;
      }
      const int err = errno;
      switch (err) {
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
        case ENETDOWN:
        case ENOPROTOOPT:
        case EHOSTDOWN:
        case ENONET:
        case EHOSTUNREACH:
        case EOPNOTSUPP:
        case ENETUNREACH:
          break;  // The pending connection failed; the listener is fine.
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
          LogErrno("accept", err);
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          break;
        default:
          LogErrno("accept (listener stops)", err);
          return;
      }
    }
  }

  // Runs on the accept thread.
  void StartConnection(int fd) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const timeval timeout = ToTimeval(options_.io_timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    std::vector<std::thread> finished;
    {
      const std::lock_guard<std::mutex> lock(mu_);
      // Reap the threads of closed connections (they are exiting).
      for (auto it = connections_.begin(); it != connections_.end();) {
        if (it->fd < 0) {
          finished.push_back(std::move(it->thread));
          it = connections_.erase(it);
        } else {
          ++it;
        }
      }
      if (connections_.size() >= static_cast<std::size_t>(options_.max_connections)) {
        if (!warned_full_) {
          warned_full_ = true;
          std::cerr << "obs backend http: " << connections_.size()
                    << " connections open (max_connections); closing new ones\n";
        }
        ::close(fd);
      } else {
        connections_.emplace_back();
        const auto conn = std::prev(connections_.end());
        conn->fd = fd;
        try {
          conn->thread = std::thread([this, conn] { Serve(conn); });
        } catch (const std::system_error& e) {
          std::cerr << "obs backend http: connection thread: " << e.what() << "\n";
          ::close(fd);
          connections_.erase(conn);
        }
      }
    }
    for (std::thread& t : finished) {
      t.join();
    }
  }

  void Serve(std::list<Connection>::iterator conn) {
    try {
      Session(conn->fd, config_).Run();
    } catch (const std::exception& e) {
      std::cerr << "obs backend http: connection: " << e.what() << "\n";
    }
    // Closed under the lock so Stop() never shuts down a reused descriptor.
    const std::lock_guard<std::mutex> lock(mu_);
    ::close(conn->fd);
    conn->fd = -1;
  }

  HttpServerOptions options_;
  Handler handler_;
  SessionConfig config_;
  net::io_context ioc_{1};  // Only for the acceptor's construction; never run.
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex mu_;
  std::list<Connection> connections_;  // Guarded by mu_ (fd), reaped by the accept thread.
  bool warned_full_ = false;           // Guarded by mu_.
  std::mutex stop_mu_;
  bool stopped_ = false;
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      Handler handler) {
  if (options.max_connections < 1) {
    return InvalidArgumentError("http server max_connections must be >= 1, got " +
                                std::to_string(options.max_connections));
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
