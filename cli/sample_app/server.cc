// The sample app's HTTP server (Beast session/listener shape, one strand per
// connection, N threads on one io_context) and its per-request
// instrumentation: a SERVER span with INTERNAL "compute", CLIENT "downstream
// GET" and INTERNAL "encode json" children, one log record and the request
// metrics, all handed to Telemetry.
//
// The simulated downstream call is an asio steady_timer wait, so a server
// thread is never blocked by it: with --downstream-ms 1 a thread serves other
// connections while the request waits, as an async service would.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "obs/wire/otlp.h"

#include "http_client.h"
#include "sample_app.h"
#include "telemetry.h"
#include <nlohmann/json.hpp>

namespace obs::sample_app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace otlp = wire::otlp;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using internal::BurnCpu;
using internal::UnixNanosNow;

constexpr std::uint32_t kSampledFlag = 1;  // W3C trace-flags "sampled".
constexpr std::int32_t kSeverityInfo = 9;  // SeverityNumber INFO.
constexpr std::string_view kDownstreamHost = "inventory.internal";
constexpr std::string_view kOrdersPrefix = "/api/orders/";

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  return rng;
}

template <typename Id>
Id RandomId() {
  Id id{};
  do {
    for (std::size_t i = 0; i < id.size(); i += 8) {
      const std::uint64_t r = Rng()();
      for (std::size_t b = 0; b < 8 && i + b < id.size(); ++b) {
        id[i + b] = static_cast<std::uint8_t>(r >> (8 * b));
      }
    }
  } while (otlp::IsZero(id));
  return id;
}

otlp::KeyValue Attr(std::string key, std::string value) {
  return {std::move(key), otlp::AnyValue::String(std::move(value))};
}

otlp::KeyValue IntAttr(std::string key, std::int64_t value) {
  return {std::move(key), otlp::AnyValue::Int(value)};
}

// W3C traceparent "00-<trace id>-<parent id>-<flags>": the caller's context.
bool ParseTraceparent(std::string_view header, otlp::TraceId& trace_id, otlp::SpanId& parent) {
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') {
    return false;
  }
  otlp::TraceId t{};
  otlp::SpanId p{};
  if (!otlp::ParseHex(header.substr(3, 32), t) || !otlp::ParseHex(header.substr(36, 16), p) ||
      otlp::IsZero(t) || otlp::IsZero(p)) {
    return false;
  }
  trace_id = t;
  parent = p;
  return true;
}

std::uint64_t HashText(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string HexU64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// The host of a Host header ("example.com:8080" -> "example.com", "[::1]:80" -> "::1").
std::string HostOnly(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const std::size_t close = host.find(']');
    return std::string(host.substr(1, close == std::string_view::npos ? 0 : close - 1));
  }
  return std::string(host.substr(0, host.find(':')));
}

enum class RouteKind { kHealth, kStats, kGetOrder, kPostOrder, kBadMethod, kNotFound };

struct Route {
  RouteKind kind = RouteKind::kNotFound;
  std::string route;  // The template ("/api/orders/{id}"), empty when unmatched.
  std::string id;     // The order id of GET /api/orders/<id>.
};

bool ValidId(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '_';
  });
}

Route Classify(http::verb method, std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  Route r;
  if (path == "/healthz") {
    r.kind = method == http::verb::get ? RouteKind::kHealth : RouteKind::kBadMethod;
  } else if (path == "/stats") {
    r.kind = method == http::verb::get ? RouteKind::kStats : RouteKind::kBadMethod;
  } else if (path == "/api/orders") {
    r.route = "/api/orders";
    r.kind = method == http::verb::post ? RouteKind::kPostOrder : RouteKind::kBadMethod;
  } else if (path.substr(0, kOrdersPrefix.size()) == kOrdersPrefix &&
             ValidId(path.substr(kOrdersPrefix.size()))) {
    r.route = "/api/orders/{id}";
    r.id = std::string(path.substr(kOrdersPrefix.size()));
    r.kind = method == http::verb::get ? RouteKind::kGetOrder : RouteKind::kBadMethod;
  }
  return r;
}

// The order document a request returns (what a real service would load and render).
nlohmann::json OrderDocument(const std::string& id, std::uint64_t checksum) {
  nlohmann::json items = nlohmann::json::array();
  double total = 0;
  for (int i = 0; i < 3; ++i) {
    const double price = 4.5 + 2.25 * i;
    const int quantity = 1 + static_cast<int>((checksum >> (8 * i)) % 4);
    total += price * quantity;
    items.push_back(
        {{"sku", "sku-" + std::to_string(100 + i)}, {"quantity", quantity}, {"unit_price", price}});
  }
  return {{"id", id},
          {"status", "shipped"},
          {"customer", {{"id", "c-" + std::to_string(checksum % 10000)}, {"tier", "gold"}}},
          {"items", std::move(items)},
          {"total", total},
          {"currency", "EUR"},
          {"checksum", HexU64(checksum)}};
}

}  // namespace

class Session;

class SampleApp::Impl {
 public:
  explicit Impl(const SampleAppOptions& options) : options_(options), telemetry_(options) {}

  ~Impl() { (void)Shutdown(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Listen() {
    error_code ec;
    tcp::resolver resolver(ioc_);
    const auto results = resolver.resolve(options_.listen_address, std::to_string(options_.port),
                                          tcp::resolver::passive, ec);
    const std::string what =
        "listen " + options_.listen_address + ":" + std::to_string(options_.port);
    if (ec || results.empty()) {
      return UnavailableError(what + ": " + (ec ? ec.message() : "no address"));
    }
    const tcp::endpoint endpoint = results.begin()->endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return UnavailableError(what + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint(ec).port();
    return Status::Ok();
  }

  void StartThreads() {
    Accept();
    running_ = options_.threads;
    for (int i = 0; i < options_.threads; ++i) {
      threads_.emplace_back([this] { RunIo(); });
    }
  }

  Status Shutdown();

  std::uint16_t port() const { return port_; }
  SampleAppStats Stats() const { return telemetry_.Stats(); }
  const SampleAppOptions& options() const { return options_; }
  internal::Telemetry& telemetry() { return telemetry_; }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  // False when the app is stopping (the caller closes its connection).
  bool Register(Session* session, const std::shared_ptr<Session>& shared) {
    const std::lock_guard<std::mutex> lock(sessions_mu_);
    if (stopping_) {
      return false;
    }
    sessions_[session] = shared;
    return true;
  }

  void Unregister(Session* session) {
    const std::lock_guard<std::mutex> lock(sessions_mu_);
    sessions_.erase(session);
  }

 private:
  void Accept();

  void RunIo() {
    while (true) {
      try {
        ioc_.run();
        break;
      } catch (const std::exception& e) {
        std::cerr << "sample-app: handler failed: " << e.what() << "\n";
      }
    }
    {
      const std::lock_guard<std::mutex> lock(done_mu_);
      --running_;
    }
    done_cv_.notify_all();
  }

  const SampleAppOptions options_;
  internal::Telemetry telemetry_;
  // Sessions unregister in their destructors, possibly while ioc_ is being
  // destroyed: everything they touch is declared before ioc_.
  std::mutex sessions_mu_;
  std::atomic<bool> stopping_{false};
  std::map<Session*, std::weak_ptr<Session>> sessions_;

  std::mutex done_mu_;
  std::condition_variable done_cv_;
  int running_ = 0;

  asio::io_context ioc_{options_.threads};
  tcp::acceptor acceptor_{asio::make_strand(ioc_)};
  std::uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  bool shut_down_ = false;
};

// One connection: read a request, serve it (asynchronously for the order
// routes), write the answer, repeat while keep-alive. Everything runs on the
// connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, SampleApp::Impl& app)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), app_(app) {}

  ~Session() { app_.Unregister(this); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Start() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      if (!self->app_.Register(self.get(), self)) {
        self->Close();
        return;
      }
      self->Read();
    });
  }

  // Called on shutdown: idle connections close now, busy ones after answering.
  void Stop() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->stop_requested_ = true;
      if (!self->busy_) {
        self->Close();
      }
    });
  }

 private:
  // The instrumented request in flight.
  struct Active {
    bool instrumented = false;
    std::string method;
    std::string path;
    Route route;
    std::string server_address;
    otlp::TraceId trace_id{};
    otlp::SpanId parent_id{};  // The caller's span (traceparent), or zero.
    otlp::SpanId server_id{};
    std::uint64_t start_unix_nanos = 0;
    std::chrono::steady_clock::time_point start{};
    std::uint64_t checksum = 0;
    nlohmann::json order;  // POST: the parsed body.
    otlp::Span downstream;
  };

  void Read() {
    req_ = {};
    http::async_read(socket_, buffer_, req_,
                     [self = shared_from_this()](error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(error_code ec) {
    if (ec) {
      if (ec == http::error::end_of_stream) {
        socket_.shutdown(tcp::socket::shutdown_send, ec);
      }
      return;  // The last handler: the session ends.
    }
    busy_ = true;
    const Route route = Classify(req_.method(), req_.target());
    switch (route.kind) {
      case RouteKind::kHealth:
        Write(http::status::ok, "ok", "text/plain");
        return;
      case RouteKind::kStats:
        Write(http::status::ok, StatsJson(app_.Stats()) + "\n", "application/json");
        return;
      default:
        break;
    }
    Begin(route);
    switch (route.kind) {
      case RouteKind::kGetOrder:
        Compute(route.id);
        return;
      case RouteKind::kPostOrder:
        try {
          active_.order = nlohmann::json::parse(req_.body());
        } catch (const nlohmann::json::exception&) {
          active_.order = nullptr;
        }
        if (!active_.order.is_object()) {
          Write(http::status::bad_request,
                R"({"error":"body must be a JSON object"})"
                "\n",
                "application/json");
          return;
        }
        Compute(std::to_string(Rng()() % 1000000000));
        return;
      case RouteKind::kBadMethod:
        Write(http::status::method_not_allowed,
              R"({"error":"method not allowed"})"
              "\n",
              "application/json");
        return;
      default:
        Write(http::status::not_found,
              R"({"error":"not found"})"
              "\n",
              "application/json");
        return;
    }
  }

  // Starts the SERVER span of an instrumented request.
  void Begin(const Route& route) {
    Active& a = active_;
    a = Active{};
    a.instrumented = true;
    a.method = std::string(req_.method_string());
    const std::string_view target = req_.target();
    a.path = std::string(target.substr(0, target.find('?')));
    a.route = route;
    a.start = std::chrono::steady_clock::now();
    a.start_unix_nanos = UnixNanosNow();
    const std::string host = HostOnly(req_[http::field::host]);
    a.server_address = host.empty() ? app_.options().listen_address : host;
    if (!ParseTraceparent(req_["traceparent"], a.trace_id, a.parent_id)) {
      a.trace_id = RandomId<otlp::TraceId>();
    }
    a.server_id = RandomId<otlp::SpanId>();
  }

  otlp::Span ChildSpan(std::string name, otlp::SpanKind kind, std::uint64_t start) const {
    otlp::Span s;
    s.trace_id = active_.trace_id;
    s.span_id = RandomId<otlp::SpanId>();
    s.parent_span_id = active_.server_id;
    s.flags = kSampledFlag;
    s.name = std::move(name);
    s.kind = kind;
    s.start_time_unix_nano = start;
    return s;
  }

  // CPU work (a hash burned against the thread CPU clock), then the
  // downstream call.
  void Compute(std::string id) {
    otlp::Span compute = ChildSpan("compute", otlp::SpanKind::kInternal, UnixNanosNow());
    active_.checksum = BurnCpu(app_.options().work, HashText(id));
    active_.route.id = std::move(id);
    compute.end_time_unix_nano = UnixNanosNow();
    compute.attributes = {IntAttr("sample_app.work_us", app_.options().work.count())};
    app_.telemetry().EndSpan(std::move(compute));

    active_.downstream = ChildSpan("downstream GET", otlp::SpanKind::kClient, UnixNanosNow());
    timer_.expires_after(app_.options().downstream);
    timer_.async_wait([self = shared_from_this()](error_code) { self->AfterDownstream(); });
  }

  void AfterDownstream() {
    Active& a = active_;
    a.downstream.end_time_unix_nano = UnixNanosNow();
    a.downstream.attributes = {
        Attr("http.request.method", "GET"), Attr("server.address", std::string(kDownstreamHost)),
        Attr("url.full", "http://" + std::string(kDownstreamHost) + "/items/" + a.route.id),
        IntAttr("http.response.status_code", 200)};
    app_.telemetry().EndSpan(std::move(a.downstream));

    otlp::Span encode = ChildSpan("encode json", otlp::SpanKind::kInternal, UnixNanosNow());
    std::string body;
    http::status status = http::status::ok;
    try {
      nlohmann::json doc = OrderDocument(a.route.id, a.checksum);
      if (a.route.kind == RouteKind::kPostOrder) {
        doc["status"] = "created";
        doc["request"] = std::move(a.order);
        status = http::status::created;
      }
      body = doc.dump();
      body += '\n';
    } catch (const nlohmann::json::exception& e) {
      status = http::status::internal_server_error;
      body = R"({"error":"encode failed"})"
             "\n";
      encode.status = {.message = e.what(), .code = otlp::SpanStatusCode::kError};
    }
    encode.end_time_unix_nano = UnixNanosNow();
    encode.attributes = {
        IntAttr("sample_app.response_bytes", static_cast<std::int64_t>(body.size()))};
    app_.telemetry().EndSpan(std::move(encode));
    Write(status, std::move(body), "application/json");
  }

  void Write(http::status status, std::string body, std::string_view content_type) {
    res_ = {};
    res_.result(status);
    res_.version(req_.version());
    res_.set(http::field::server, "obsbench-sample-app");
    res_.set(http::field::content_type, content_type);
    res_.keep_alive(req_.keep_alive() && !stop_requested_ && !app_.stopping());
    res_.body() = std::move(body);
    res_.prepare_payload();
    http::async_write(socket_, res_, [self = shared_from_this()](error_code ec, std::size_t) {
      self->OnWrite(ec);
    });
  }

  void OnWrite(error_code ec) {
    if (active_.instrumented) {
      Finish();
    }
    busy_ = false;
    if (ec || !res_.keep_alive() || stop_requested_ || app_.stopping()) {
      Close();
      return;
    }
    Read();
  }

  // Ends the SERVER span, records the metrics and emits the log record.
  void Finish() {
    Active& a = active_;
    a.instrumented = false;
    const int status = static_cast<int>(res_.result_int());
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - a.start).count();
    otlp::Span server;
    server.trace_id = a.trace_id;
    server.span_id = a.server_id;
    server.parent_span_id = a.parent_id;
    server.flags = kSampledFlag;
    server.name = a.route.route.empty() ? a.method : a.method + " " + a.route.route;
    server.kind = otlp::SpanKind::kServer;
    server.start_time_unix_nano = a.start_unix_nanos;
    server.end_time_unix_nano = UnixNanosNow();
    server.attributes = {Attr("http.request.method", a.method),
                         Attr("url.path", a.path),
                         Attr("url.scheme", "http"),
                         Attr("server.address", a.server_address),
                         IntAttr("server.port", app_.port()),
                         IntAttr("http.response.status_code", status)};
    if (!a.route.route.empty()) {
      server.attributes.push_back(Attr("http.route", a.route.route));
    }
    if (status >= 500) {
      server.status.code = otlp::SpanStatusCode::kError;
    }
    const otlp::SpanId span_id = server.span_id;
    const std::uint64_t end = server.end_time_unix_nano;
    app_.telemetry().EndSpan(std::move(server));
    app_.telemetry().RecordRequest(a.method, a.route.route, status, seconds);

    char duration[32];
    std::snprintf(duration, sizeof duration, "%.1fms", seconds * 1e3);
    otlp::LogRecord log;
    log.time_unix_nano = end;
    log.observed_time_unix_nano = end;
    log.severity_number = kSeverityInfo;
    log.severity_text = "INFO";
    log.body = otlp::AnyValue::String(a.method + " " + a.path + " " + std::to_string(status) + " " +
                                      duration);
    log.attributes = {Attr("http.request.method", a.method),
                      IntAttr("http.response.status_code", status)};
    log.flags = kSampledFlag;
    log.trace_id = a.trace_id;
    log.span_id = span_id;
    app_.telemetry().EmitLog(std::move(log));
  }

  void Close() {
    if (closed_) {
      return;
    }
    closed_ = true;
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  SampleApp::Impl& app_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  Active active_;
  bool busy_ = false;
  bool stop_requested_ = false;
  bool closed_ = false;
};

void SampleApp::Impl::Accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
      return;  // Closed by Shutdown().
    }
    if (!ec) {
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<Session>(std::move(socket), *this)->Start();
    }
    Accept();
  });
}

Status SampleApp::Impl::Shutdown() {
  if (shut_down_) {
    return Status::Ok();
  }
  shut_down_ = true;
  if (!threads_.empty()) {
    asio::post(acceptor_.get_executor(), [this] {
      error_code ec;
      acceptor_.close(ec);
    });
    std::vector<std::shared_ptr<Session>> live;
    {
      const std::lock_guard<std::mutex> lock(sessions_mu_);
      stopping_ = true;
      for (const auto& entry : sessions_) {
        if (auto s = entry.second.lock()) {
          live.push_back(std::move(s));
        }
      }
    }
    for (const auto& s : live) {
      s->Stop();
    }
    live.clear();
    // In-flight requests finish (their downstream waits are at most
    // --downstream-ms); a peer that never reads its answer is cut off.
    {
      std::unique_lock<std::mutex> lock(done_mu_);
      const bool drained = done_cv_.wait_for(lock, options_.export_timeout + options_.downstream,
                                             [this] { return running_ == 0; });
      if (!drained) {
        ioc_.stop();
      }
    }
    for (std::thread& t : threads_) {
      t.join();
    }
  }
  telemetry_.Shutdown();
  return Status::Ok();
}

SampleApp::SampleApp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SampleApp::~SampleApp() {
  (void)Shutdown();
}

Result<std::unique_ptr<SampleApp>> SampleApp::Start(const SampleAppOptions& options) {
  if (options.threads < 1) {
    return InvalidArgumentError("threads must be >= 1");
  }
  if (options.queue_size < 1 || options.batch_size < 1 || options.batch_size > options.queue_size) {
    return InvalidArgumentError("batch size must be in 1..queue size");
  }
  if (options.schedule_delay.count() < 1 || options.export_timeout.count() < 1) {
    return InvalidArgumentError("schedule delay and export timeout must be >= 1 ms");
  }
  if (options.work.count() < 0 || options.downstream.count() < 0 ||
      options.export_cost.count() < 0) {
    return InvalidArgumentError("work, downstream and export cost must be >= 0");
  }
  for (const std::string& url : options.otlp_endpoints) {
    auto parsed = internal::ParseHttpUrl(url);
    if (!parsed.ok()) {
      return InvalidArgumentError("otlp endpoint " + parsed.status().message());
    }
  }
  auto impl = std::make_unique<Impl>(options);
  OBS_RETURN_IF_ERROR(impl->Listen());
  if (!options.port_file.empty()) {
    std::ofstream f(options.port_file, std::ios::trunc);
    f << impl->port() << "\n";
    if (!f.flush()) {
      return UnavailableError("port file " + options.port_file + ": cannot write");
    }
  }
  impl->StartThreads();
  return std::unique_ptr<SampleApp>(new SampleApp(std::move(impl)));
}

std::uint16_t SampleApp::port() const {
  return impl_->port();
}

SampleAppStats SampleApp::Stats() const {
  return impl_->Stats();
}

Status SampleApp::Shutdown() {
  return impl_->Shutdown();
}

}  // namespace obs::sample_app
