#include "obs/loadgen/alert_receiver.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace obs::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxBody = 8U << 20;

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - (a % b < 0 ? 1 : 0);
}

}  // namespace

Result<Notification> ParseNotification(std::string_view body, std::int64_t arrival_unix_ms) {
  Notification n;
  n.arrival_unix_ms = arrival_unix_ms;
  n.arrival_unix_us = arrival_unix_ms * 1000;
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '[') {
    OBS_ASSIGN_OR_RETURN(n.alerts, wire::DecodePostableAlerts(body));
    n.format = "alertmanager";
    for (wire::AmAlert& a : n.alerts) {
      a.status = a.ends_at_ms != 0 && a.ends_at_ms <= arrival_unix_ms ? "resolved" : "firing";
    }
    return n;
  }
  OBS_ASSIGN_OR_RETURN(wire::WebhookMessage m, wire::DecodeWebhook(body));
  n.format = "webhook";
  n.alerts = std::move(m.alerts);
  for (wire::AmAlert& a : n.alerts) {
    if (a.status.empty()) {  // Tolerated: judged by endsAt as for API v2.
      a.status = a.ends_at_ms != 0 && a.ends_at_ms <= arrival_unix_ms ? "resolved" : "firing";
    }
  }
  return n;
}

struct AlertReceiver::Impl {
  const Clock* clock = nullptr;
  bool real_clock = false;  // Microseconds from the system clock, not clock's milliseconds.
  std::size_t max_notifications = 0;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::uint16_t port = 0;
  std::string address;

  mutable std::mutex mu;
  std::deque<Notification> notifications;
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<bool> stopped{false};

  std::int64_t UnixMicrosNow() const {
    if (real_clock) {
      return std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    }
    return clock->UnixMillisNow() * 1000;
  }

  void Accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket s) {
      if (ec) {
        return;  // Closed by Stop().
      }
      std::make_shared<Session>(this, std::move(s))->Read();
      Accept();
    });
  }

  // One connection: read a request, answer it, repeat while kept alive.
  struct Session : std::enable_shared_from_this<Session> {
    Session(Impl* owner, tcp::socket s) : impl(owner), stream(std::move(s)) {}
    Impl* impl;
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;
    http::response<http::string_body> res;

    void Read() {
      parser.emplace();
      parser->body_limit(kMaxBody);
      stream.expires_after(std::chrono::seconds(30));
      http::async_read(
          stream, buffer, *parser,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
    }

    void OnRead(beast::error_code ec) {
      if (ec == http::error::body_limit) {
        Answer(413, "body larger than 8 MiB", false);
        return;
      }
      if (ec) {
        return;
      }
      const auto& req = parser->get();
      if (req.method() != http::verb::post) {
        Answer(405, "only POST is accepted", req.keep_alive());
        return;
      }
      const std::int64_t now_us = impl->UnixMicrosNow();
      const SteadyClock::time_point now = impl->clock->SteadyNow();
      auto n = ParseNotification(req.body(), FloorDiv(now_us, 1000));
      if (!n.ok()) {
        impl->rejected.fetch_add(1);
        Answer(400, n.status().message(), req.keep_alive());
        return;
      }
      n->arrival = now;
      n->arrival_unix_us = now_us;
      n->path = std::string(req.target());
      {
        std::lock_guard<std::mutex> lock(impl->mu);
        impl->notifications.push_back(std::move(n).value());
        if (impl->notifications.size() > impl->max_notifications) {
          impl->notifications.pop_front();
          impl->dropped.fetch_add(1);
        }
      }
      Answer(200, "", req.keep_alive());
    }

    void Answer(int status, std::string body, bool keep_alive) {
      res = {};
      res.result(static_cast<unsigned>(status));
      res.version(11);
      res.set(http::field::content_type, "text/plain; charset=utf-8");
      res.body() = body.empty() ? std::string() : body + "\n";
      res.keep_alive(keep_alive);
      res.prepare_payload();
      http::async_write(stream, res,
                        [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                          if (!ec && keep_alive) {
                            self->Read();
                          } else {
                            beast::error_code ignored;
                            self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          }
                        });
    }
  };
};

Result<std::unique_ptr<AlertReceiver>> AlertReceiver::Start(const AlertReceiverOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->clock = options.clock != nullptr ? options.clock : &RealClock();
  impl->real_clock = impl->clock == &RealClock();
  impl->max_notifications = std::max<std::size_t>(1, options.max_notifications);
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.listen_address, ec);
  if (ec) {
    return InvalidArgumentError("alert receiver: bad listen address \"" + options.listen_address +
                                "\"");
  }
  const tcp::endpoint ep(address, options.port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) {
    impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl->acceptor.bind(ep, ec);
  }
  if (!ec) {
    impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return UnavailableError("alert receiver: cannot listen on " + options.listen_address + ":" +
                            std::to_string(options.port) + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->address = address.is_v6() ? "[" + options.listen_address + "]" : options.listen_address;
  impl->Accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<AlertReceiver>(new AlertReceiver(std::move(impl)));
}

AlertReceiver::AlertReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AlertReceiver::~AlertReceiver() {
  Stop();
}

std::uint16_t AlertReceiver::port() const {
  return impl_->port;
}

std::string AlertReceiver::base_url() const {
  return "http://" + impl_->address + ":" + std::to_string(impl_->port);
}

std::vector<Notification> AlertReceiver::Notifications() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return {impl_->notifications.begin(), impl_->notifications.end()};
}

std::uint64_t AlertReceiver::rejected() const {
  return impl_->rejected.load();
}
std::uint64_t AlertReceiver::dropped() const {
  return impl_->dropped.load();
}

void AlertReceiver::Stop() {
  if (impl_->stopped.exchange(true)) {
    return;
  }
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->io.stop();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
}

}  // namespace obs::loadgen
