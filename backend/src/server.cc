#include "obs/backend/server.h"

#include <condition_variable>
#include <mutex>
#include <utility>

#include "obs/base/clock.h"

#include "alert/notifier.h"
#include "alert/rule_manager.h"
#include "api/metrics.h"
#include "api/query_api.h"
#include "api/router.h"
#include "api/write_handler.h"
#include "http/http_server.h"
#include "logs/log_store.h"
#include "logs/loki_api.h"
#include "query/engine.h"
#include "store/storage.h"
#include "traces/otlp_handler.h"
#include "traces/span_store.h"
#include "traces/trace_api.h"

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
                                   .drop_every_nth_sample = options.faults.drop_every_nth_sample,
                                   .write_delay_seconds = options.faults.write_delay_seconds}),
        query_(storage_, engine_, RealClock()),
        rules_(storage_, RuleOptions(options, options.alerting.external_url), nullptr, RealClock()),
        spans_(
            traces::SpanStoreOptions{.max_spans = options.max_spans,
                                     .max_attribute_value_bytes = options.max_attribute_value_bytes,
                                     .drop_every_nth = options.faults.drop_every_nth_span,
                                     .alter_every_nth = options.faults.alter_every_nth_span}),
        logs_(logs::LogStoreOptions{.max_entries = options.max_log_entries,
                                    .max_line_bytes = options.max_log_line_bytes,
                                    .drop_every_nth = options.faults.drop_every_nth_log_line,
                                    .alter_every_nth = options.faults.alter_every_nth_log_line}),
        otlp_metrics_(storage_, options.faults.drop_every_nth_sample),
        otlp_(spans_, logs_, otlp_metrics_,
              traces::OtlpHandlerOptions{.max_decompressed_bytes = options.max_decompressed_bytes}),
        trace_api_(spans_),
        loki_(logs_, RealClock(), options.max_decompressed_bytes),
        router_(
            write_, query_, metrics_, [this] { return Gauges(); }, RealClock(), &rules_, &otlp_,
            &trace_api_, &loki_) {}

  ~Impl() { Stop(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status Start() {
    http::HttpServerOptions http_options{
        .listen_address = options_.listen_address,
        .port = options_.port,
        .max_body_bytes = options_.max_body_bytes,
        .max_connections = options_.max_connections,
        .on_transport_answer = [this](std::string_view target, int status) {
          router_.ObserveTransportAnswer(target, status);
        }};
    OBS_RETURN_IF_ERROR(rules_.Load());
    OBS_ASSIGN_OR_RETURN(
        http_, http::HttpServer::Start(
                   http_options, [this](const http::Request& r) { return router_.Handle(r); }));
    return Status::Ok();
  }

  // After Start: the notifier needs the bound port for the default external URL.
  void StartAlerting(const std::string& base_url) {
    const AlertingOptions& a = options_.alerting;
    alert::NotifierOptions n;
    n.external_url = a.external_url.empty() ? base_url : a.external_url;
    n.max_attempts = a.notify_attempts;
    n.webhook_group_by = a.webhook_group_by;
    if (!a.alertmanager_url.empty()) {
      n.targets.push_back({alert::NotifierTarget::Kind::kAlertmanagerV2, a.alertmanager_url});
    }
    if (!a.webhook_url.empty()) {
      n.targets.push_back({alert::NotifierTarget::Kind::kWebhook, a.webhook_url});
    }
    notifier_ = std::make_unique<alert::Notifier>(std::move(n));
    rules_.SetNotifier(notifier_.get());
    if (a.external_url.empty()) {
      // Templates' $externalURL is the bound address; the files loaded in Start().
      rules_.SetOptions(RuleOptions(options_, base_url));
      // If a file broke since Start() loaded it, the loaded rules keep running
      // (with an empty $externalURL) and the next reload reports the error.
      const Status reloaded = rules_.Load();
      (void)reloaded;
    }
    rules_.Start();
  }

  Status ReloadRules() { return rules_.Load(); }

  static alert::RuleManagerOptions RuleOptions(const ServerOptions& options,
                                               const std::string& external_url) {
    alert::RuleManagerOptions r;
    r.files = options.alerting.rule_files;
    r.default_interval_ms = options.alerting.evaluation_interval_ms;
    r.group.lookback_ms = options.lookback_delta_ms;
    r.group.resend_delay_ms = options.alerting.resend_delay_ms;
    r.group.resolved_retention_ms = options.alerting.resolved_retention_ms;
    r.group.external_labels = options.alerting.external_labels;
    r.group.external_url = external_url;
    return r;
  }

  void Stop() {
    rules_.Stop();
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
                    .query_requests = metrics_.QueryRequests(),
                    .rule_group_evaluations = rules_.counters().evaluations,
                    .notifications_sent = notifier_ ? notifier_->counters().requests_sent : 0,
                    .notifications_failed = notifier_ ? notifier_->counters().requests_failed : 0,
                    .otlp_trace_requests = metrics_.Requests(Endpoint::kOtlpTraces),
                    .otlp_metric_requests = metrics_.Requests(Endpoint::kOtlpMetrics),
                    .spans_stored = spans_.span_count(),
                    .log_push_requests = metrics_.Requests(Endpoint::kLokiPush) +
                                         metrics_.Requests(Endpoint::kOtlpLogs),
                    .log_entries_stored = logs_.entry_count()};
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
  std::unique_ptr<alert::Notifier> notifier_;  // Outlives rules_ (declared first).
  alert::RuleManager rules_;
  traces::SpanStore spans_;
  logs::LogStore logs_;
  OtlpMetricsIngest otlp_metrics_;
  traces::OtlpHandler otlp_;
  traces::TraceApi trace_api_;
  logs::LokiApi loki_;
  Router router_;
  std::unique_ptr<http::HttpServer> http_;
  std::mutex mu_;
  std::condition_variable stopped_cv_;
  bool stopped_ = false;
};

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  if (options.max_connections < 1) {
    return InvalidArgumentError("backend max_connections must be >= 1, got " +
                                std::to_string(options.max_connections));
  }
  if (options.max_body_bytes == 0 || options.max_decompressed_bytes == 0) {
    return InvalidArgumentError("backend body limits must be > 0");
  }
  auto impl = std::make_unique<Impl>(options);
  OBS_RETURN_IF_ERROR(impl->Start());
  auto server = std::unique_ptr<Server>(new Server(std::move(impl)));
  server->impl_->StartAlerting(server->base_url());
  return server;
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

Status Server::ReloadRules() {
  return impl_->ReloadRules();
}

Server::Counters Server::counters() const {
  return impl_->counters();
}

}  // namespace obs::backend
