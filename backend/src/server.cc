#include "obs/backend/server.h"

#include <condition_variable>
#include <mutex>
#include <utility>

#include "obs/base/clock.h"

#include "api/metrics.h"
#include "api/query_api.h"
#include "api/router.h"
#include "api/write_handler.h"
#include "http/http_server.h"
#include "query/engine.h"
#include "store/storage.h"

namespace obs::backend {

// Owns the storage, the engine, the handlers and the transport. Members are
// declared in dependency order so destruction runs transport-first.
class Server::Impl {
 public:
  explicit Impl(const ServerOptions& options)
      : options_(options),
        engine_(storage_, EngineOptions{.lookback_delta_ms = options.lookback_delta_ms}),
        write_(storage_, metrics_,
               WriteHandlerOptions{.max_decompressed_bytes = options.max_decompressed_bytes,
                                   .drop_every_nth_sample = options.faults.drop_every_nth_sample}),
        query_(storage_, engine_, RealClock()),
        router_(
            write_, query_, metrics_, [this] { return Gauges(); }, RealClock()) {}

  ~Impl() { Stop(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Start() {
    http::HttpServerOptions http_options{
        .listen_address = options_.listen_address,
        .port = options_.port,
        .threads = options_.threads,
        .max_body_bytes = options_.max_body_bytes,
        .on_transport_answer = [this](std::string_view target, int status) {
          router_.ObserveTransportAnswer(target, status);
        }};
    OBS_ASSIGN_OR_RETURN(
        http_, http::HttpServer::Start(
                   http_options, [this](const http::Request& r) { return router_.Handle(r); }));
    return Status::Ok();
  }

  void Stop() {
    if (http_ != nullptr) {
      http_->Stop();
    }
    const std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    stopped_cv_.notify_all();
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    stopped_cv_.wait(lock, [this] { return stopped_; });
  }

  std::uint16_t port() const { return http_->port(); }
  const ServerOptions& options() const { return options_; }

  Counters counters() const {
    return Counters{.write_requests = metrics_.Requests(Endpoint::kWrite),
                    .samples_appended = metrics_.samples_appended(),
                    .samples_dropped_by_fault = metrics_.samples_dropped(),
                    .rejected_requests = metrics_.FailedRequests(Endpoint::kWrite),
                    .query_requests = metrics_.QueryRequests()};
  }

 private:
  StorageGauges Gauges() const {
    const Storage::Stats stats = storage_.stats();
    return StorageGauges{
        .series = stats.series, .samples = stats.samples, .chunk_bytes = stats.chunk_bytes};
  }

  ServerOptions options_;
  Storage storage_;
  Engine engine_;
  BackendMetrics metrics_;
  WriteHandler write_;
  QueryApi query_;
  Router router_;
  std::unique_ptr<http::HttpServer> http_;
  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;
};

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  if (options.threads < 1) {
    return InvalidArgumentError("backend threads must be >= 1, got " +
                                std::to_string(options.threads));
  }
  if (options.max_body_bytes == 0 || options.max_decompressed_bytes == 0) {
    return InvalidArgumentError("backend body limits must be > 0");
  }
  auto impl = std::make_unique<Impl>(options);
  OBS_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

std::uint16_t Server::port() const {
  return impl_->port();
}

std::string Server::base_url() const {
  const std::string& address = impl_->options().listen_address;
  const bool v6 = address.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port());
}

void Server::Stop() {
  impl_->Stop();
}

void Server::Wait() {
  impl_->Wait();
}

Server::Counters Server::counters() const {
  return impl_->counters();
}

}  // namespace obs::backend
