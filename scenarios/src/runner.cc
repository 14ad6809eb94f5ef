#include "obs/scenarios/runner.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "obs/assertions/alerts.h"
#include "obs/assertions/assertions.h"
#include "obs/backend/rules.h"
#include "obs/backend/server.h"
#include "obs/loadgen/alert_receiver.h"
#include "obs/loadgen/remote_write.h"
#include "obs/loadgen/signal_workload.h"
#include "obs/reports/repeat.h"
#include "obs/reports/writer.h"

#include "experiment.h"
#include "progress_display.h"
#include "resource_sampler.h"
#include "scenario_parse.h"
#include "verify/completeness.h"
#include "verify/log_check.h"
#include "verify/query_client.h"
#include "verify/signal_visibility.h"
#include "verify/trace_check.h"
#include "verify/visibility.h"
#include <sys/utsname.h>

namespace obs::scenarios {
namespace {

struct Endpoints {
  std::string write_url;
  std::string query_url;
  std::string otlp_url;         // Base URL; "/v1/traces" is appended.
  std::string trace_query_url;  // Base URL of the Tempo or Jaeger query API.
  std::string loki_url;         // Base URL; "/loki/api/v1/push" is appended.
  std::string log_query_url;    // Base URL of the Loki query API.
};

std::string Base36(std::uint64_t v) {
  static constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[v % 36]);
    v /= 36;
  } while (v != 0);
  return out;
}

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> env;
  env["obsbench_version"] = OBS_VERSION;
  env["compiler"] = __VERSION__;
  env["cpus"] = std::to_string(std::thread::hardware_concurrency());
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) == 0)
    env["host"] = host.data();
  utsname u{};
  if (uname(&u) == 0)
    env["os"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
  return env;
}

std::string Seconds(double s) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.1f s", s);
  return buf.data();
}

void Progress(const RunOptions& options, const std::string& line) {
  if (options.progress != nullptr)
    *options.progress << "obsbench: " << line << std::endl;
}

void MergeTraceCompleteness(const TraceCompletenessRecord& part, TraceCompletenessRecord& total) {
  total.checked = true;
  total.query_api = part.query_api;
  total.traces_expected += part.traces_expected;
  total.traces_found += part.traces_found;
  total.traces_missing += part.traces_missing;
  total.traces_partial += part.traces_partial;
  total.spans_expected += part.spans_expected;
  total.spans_intact += part.spans_intact;
  total.spans_missing += part.spans_missing;
  total.spans_altered += part.spans_altered;
  total.spans_extra += part.spans_extra;
  total.queries += part.queries;
  total.seconds_to_settle = std::max(total.seconds_to_settle, part.seconds_to_settle);
  for (const SpanDifference& d : part.examples) {
    total.examples.push_back(d);
  }
}

loadgen::RemoteWriteOptions WorkloadOptions(const Scenario& scenario, const WorkloadSpec& w,
                                            const Endpoints& endpoints, const std::string& run_id) {
  loadgen::RemoteWriteOptions o = w.remote_write;
  o.name = w.name;
  if (o.url.empty())
    o.url = endpoints.write_url;
  for (const auto& [k, v] : scenario.target.headers)
    o.headers.emplace(k, v);
  if (o.bearer_token.empty())
    o.bearer_token = scenario.target.bearer_token;
  o.series.run_id = run_id;
  return o;
}

QueryClientOptions QueryOptions(const Scenario& scenario, const Endpoints& endpoints) {
  return QueryClientOptions{.base_url = endpoints.query_url,
                            .headers = scenario.target.headers,
                            .bearer_token = scenario.target.bearer_token,
                            .timeout_seconds = 30};
}

// Runs the probes on their own thread while the load runs.
class VisibilityProbe {
 public:
  VisibilityProbe(const Scenario& scenario, const Endpoints& endpoints, const std::string& run_id,
                  const Clock& clock) {
    if (scenario.verify.visibility_probes <= 0)
      return;
    // Metrics probes go the way the load goes: remote write, or OTLP when
    // every metrics workload is otlp_metrics.
    const auto is = [&](const char* kind) {
      return std::any_of(scenario.workloads.begin(), scenario.workloads.end(),
                         [&](const WorkloadSpec& w) { return w.kind == kind; });
    };
    const bool otlp = is("otlp_metrics") && !is("remote_write");
    thread_ = std::thread([this, &scenario, endpoints, run_id, &clock, otlp] {
      auto writer = otlp ? loadgen::RemoteWriteClient::CreateOtlp(
                               endpoints.otlp_url + "/v1/metrics", scenario.target.headers,
                               scenario.target.bearer_token, scenario.verify.probe_timeout_seconds)
                         : loadgen::RemoteWriteClient::Create(
                               endpoints.write_url, scenario.target.headers,
                               scenario.target.bearer_token, scenario.verify.probe_timeout_seconds);
      auto client = QueryClient::Create(QueryOptions(scenario, endpoints));
      if (!writer.ok() || !client.ok()) {
        result_ = writer.ok() ? client.status() : writer.status();
        return;
      }
      const VisibilityOptions vo{
          .probes = scenario.verify.visibility_probes,
          .spread_seconds = std::max(1.0, scenario.duration_seconds * scenario.time_scale * 0.8),
          .probe_timeout_seconds = scenario.verify.probe_timeout_seconds,
          .poll_interval_seconds = scenario.verify.probe_poll_interval_seconds,
          .run_id = run_id};
      result_ = MeasureVisibility(*writer, *client, vo, clock, &stop_);
      if (result_->ok()) {
        (*result_)->protocol = otlp ? "otlp" : "remote_write";
      }
    });
  }
  VisibilityProbe(const VisibilityProbe&) = delete;
  VisibilityProbe& operator=(const VisibilityProbe&) = delete;
  ~VisibilityProbe() { Finish(); }

  // Lets the remaining probes go (none are started after this) and joins.
  std::optional<Result<VisibilityRecord>> Finish() {
    stop_ = true;
    if (thread_.joinable())
      thread_.join();
    return std::move(result_);
  }

 private:
  std::atomic<bool> stop_{false};
  std::optional<Result<VisibilityRecord>> result_;
  std::thread thread_;
};

// A generator that could not hold its schedule says so in the report even
// when no assertion looks at it.
// Trace or log visibility probes on their own thread while the load runs.
class SignalProbe {
 public:
  SignalProbe(const Scenario& scenario, ProbeSignal signal, const Endpoints& endpoints,
              const std::string& run_id, const Clock& clock, const std::atomic<bool>* stop) {
    const char* kind = signal == ProbeSignal::kTraces ? "otlp_traces" : "loki_push";
    if (scenario.verify.visibility_probes <= 0 ||
        std::none_of(scenario.workloads.begin(), scenario.workloads.end(),
                     [&](const WorkloadSpec& w) { return w.kind == kind; })) {
      return;
    }
    const bool traces = signal == ProbeSignal::kTraces;
    SignalVisibilityOptions o{
        .signal = signal,
        .trace_api =
            scenario.target.trace_query_api == "jaeger" ? TraceApi::kJaeger : TraceApi::kTempo,
        .log_api = scenario.target.log_query_api == "victorialogs" ? LogQueryApi::kVictoriaLogs
                                                                   : LogQueryApi::kLoki,
        .write_url =
            traces ? endpoints.otlp_url + "/v1/traces" : endpoints.loki_url + "/loki/api/v1/push",
        .probes = scenario.verify.visibility_probes,
        .spread_seconds = std::max(1.0, scenario.duration_seconds * scenario.time_scale * 0.8),
        .probe_timeout_seconds = scenario.verify.probe_timeout_seconds,
        .poll_interval_seconds = scenario.verify.probe_poll_interval_seconds,
        .run_id = run_id};
    const std::string query_url = traces ? endpoints.trace_query_url : endpoints.log_query_url;
    thread_ = std::thread([this, o, query_url, &scenario, &clock, stop] {
      auto client =
          QueryClient::Create(QueryClientOptions{.base_url = query_url,
                                                 .headers = scenario.target.headers,
                                                 .bearer_token = scenario.target.bearer_token,
                                                 .timeout_seconds = 30});
      if (!client.ok()) {
        result_ = client.status();
        return;
      }
      result_ = MeasureSignalVisibility(*client, o, clock, stop);
    });
  }
  ~SignalProbe() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  SignalProbe(const SignalProbe&) = delete;
  SignalProbe& operator=(const SignalProbe&) = delete;

  // Joins; nullopt when no probes ran.
  std::optional<Result<VisibilityRecord>> Finish() {
    if (thread_.joinable()) {
      thread_.join();
    }
    return result_;
  }

 private:
  std::thread thread_;
  std::optional<Result<VisibilityRecord>> result_;
};

void WarnIfBehind(const WorkloadRecord& w, std::vector<std::string>& warnings) {
  if (w.requests_late == 0 && w.requests_unsent == 0)
    return;
  std::array<char, 320> buf{};
  std::snprintf(buf.data(), buf.size(),
                "%s: the generator fell behind its schedule: %llu of %llu requests left more "
                "than %.1f ms after their due time, %llu were never sent; achieved %.1f of "
                "%.1f samples/s",
                w.name.c_str(), static_cast<unsigned long long>(w.requests_late),
                static_cast<unsigned long long>(w.requests),
                static_cast<double>(w.late_threshold_ns) / 1e6,
                static_cast<unsigned long long>(w.requests_unsent), w.achieved_samples_per_second,
                w.target_samples_per_second);
  warnings.emplace_back(buf.data());
}

// Names what the target answered when requests were not accepted, so a
// failed run says why (e.g. "HTTP 503 x63: storage is read-only").
void WarnIfNotAccepted(const WorkloadRecord& w, std::vector<std::string>& warnings) {
  if (w.requests_rejected == 0 && w.requests_failed == 0)
    return;
  std::string text = w.name + ": " + std::to_string(w.requests_rejected) +
                     " request(s) rejected, " + std::to_string(w.requests_failed) +
                     " failed after retries; the target answered";
  const char* sep = " ";
  for (const auto& [code, count] : w.status_codes) {
    if (code >= 200 && code <= 299)
      continue;
    text += sep;
    text += code == 0 ? std::string("no HTTP answer") : "HTTP " + std::to_string(code);
    text += " x" + std::to_string(count);
    if (const auto it = w.answers.find(code); it != w.answers.end() && !it->second.empty())
      text += " (\"" + it->second + "\")";
    sep = ", ";
  }
  warnings.push_back(std::move(text));
}

// Per workload, in scenario order: the result of its kind (the other stays empty).
struct LoadResults {
  std::vector<std::optional<Result<loadgen::RemoteWriteResult>>> remote_write;
  std::vector<std::optional<Result<loadgen::SignalWorkloadResult>>> signal;
  std::vector<std::optional<Result<loadgen::OtlpTracesResult>>> traces;
  std::vector<std::optional<Result<loadgen::LokiPushResult>>> logs;
  std::vector<std::optional<Result<loadgen::HttpLoadResult>>> http;
  // otlp_metrics workloads (their result is in remote_write): metric names
  // the completeness check leaves out (exponential histograms' buckets).
  std::vector<std::vector<std::string>> unchecked_metric_names;
};

LoadResults RunWorkloads(const Scenario& scenario, const Endpoints& endpoints,
                         const std::string& run_id, const RunOptions& options, const Clock& clock) {
  LoadResults results;
  results.remote_write.resize(scenario.workloads.size());
  results.signal.resize(scenario.workloads.size());
  results.traces.resize(scenario.workloads.size());
  results.logs.resize(scenario.workloads.size());
  results.http.resize(scenario.workloads.size());
  results.unchecked_metric_names.resize(scenario.workloads.size());
  // One live progress per workload, shown while the load runs.
  ProgressDisplay display(scenario,
                          {.out = options.progress_live ? options.progress : nullptr,
                           .tty = options.progress_tty,
                           .columns = options.progress_columns,
                           .planned_seconds = scenario.duration_seconds * scenario.time_scale,
                           .clock = &clock});
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < scenario.workloads.size(); ++i) {
    threads.emplace_back([&, i] {
      const WorkloadSpec& w = scenario.workloads[i];
      if (w.kind == "signal") {
        loadgen::SignalWorkloadOptions o = w.signal;
        if (o.url.empty()) {
          o.url = endpoints.write_url;
        }
        o.labels.emplace("obsbench_run", run_id);
        o.progress = display.live(i);
        results.signal[i] = loadgen::RunSignalWorkload(o, clock, options.stop);
        return;
      }
      if (w.kind == "otlp_traces") {
        loadgen::OtlpTracesOptions o = w.traces;
        o.url = endpoints.otlp_url + "/v1/traces";
        o.run_id = run_id;
        o.progress = display.live(i);
        results.traces[i] = loadgen::RunOtlpTraces(o, clock, options.stop);
        return;
      }
      if (w.kind == "http") {
        loadgen::HttpLoadOptions o = w.http;
        o.progress = display.live(i);
        results.http[i] = loadgen::RunHttpLoad(o, clock, options.stop);
        return;
      }
      if (w.kind == "loki_push") {
        loadgen::LokiPushOptions o = w.logs;
        o.url = endpoints.loki_url + "/loki/api/v1/push";
        o.run_id = run_id;
        o.progress = display.live(i);
        results.logs[i] = loadgen::RunLokiPush(o, clock, options.stop);
        return;
      }
      if (w.kind == "otlp_metrics") {
        loadgen::OtlpMetricsOptions o = w.otlp_metrics;
        o.load = WorkloadOptions(scenario, w, endpoints, run_id);
        o.load.progress = display.live(i);
        if (w.remote_write.url.empty()) {
          o.load.url = endpoints.otlp_url + "/v1/metrics";  // Embedded.
        }
        Result<loadgen::OtlpMetricsResult> r = loadgen::RunOtlpMetrics(o, clock, options.stop);
        if (!r.ok()) {
          results.remote_write[i] = r.status();
          return;
        }
        results.unchecked_metric_names[i] = std::move(r->unchecked_metric_names);
        results.remote_write[i] = std::move(r->load);
        return;
      }
      loadgen::RemoteWriteOptions o = WorkloadOptions(scenario, w, endpoints, run_id);
      o.progress = display.live(i);
      results.remote_write[i] = loadgen::RunRemoteWrite(o, clock, options.stop);
    });
  }
  for (std::thread& t : threads)
    t.join();
  display.Stop();
  return results;
}

void Verify(const Scenario& scenario, const Endpoints& endpoints, const RunOptions& options,
            const Clock& clock, const LoadResults& loads, reports::RunReport& report) {
  CompletenessRecord& total = report.record.completeness;
  if (!scenario.verify.completeness) {
    total.skipped_reason = "verify.completeness is false";
    return;
  }
  auto client = QueryClient::Create(QueryOptions(scenario, endpoints));
  if (!client.ok()) {
    report.infrastructure_error = client.status().ToString();
    return;
  }
  bool first = true;
  for (std::size_t i = 0; i < loads.remote_write.size(); ++i) {
    const auto& load = loads.remote_write[i];
    if (!load.has_value()) {
      continue;  // A signal workload: its few series are judged by the alerts.
    }
    const CompletenessOptions co{.settle_timeout_seconds = scenario.verify.settle_timeout_seconds,
                                 .poll_interval_seconds = scenario.verify.poll_interval_seconds,
                                 .max_examples = scenario.verify.max_examples,
                                 .flush_url = scenario.target.flush_url,
                                 .skip_metric_names = loads.unchecked_metric_names[i]};
    Progress(options, "verifying completeness of " + load->value().record.name);
    auto part = CheckCompleteness(*client, load->value().series, load->value().ledger, co, clock);
    if (!part.ok()) {
      report.infrastructure_error = "completeness check: " + part.status().ToString();
      return;
    }
    reports::MergeCompleteness(*part, total, first);
    first = false;
  }
  if (first) {
    total.skipped_reason = "no remote_write or otlp_metrics workload";
  }
}

// Reads every acknowledged trace back and merges the per-workload results.
void VerifyTraces(const Scenario& scenario, const Endpoints& endpoints, const RunOptions& options,
                  const Clock& clock, const LoadResults& loads, reports::RunReport& report) {
  TraceCompletenessRecord& total = report.record.traces;
  bool any = false;
  for (std::size_t i = 0; i < loads.traces.size(); ++i) {
    if (!loads.traces[i].has_value()) {
      continue;
    }
    any = true;
    if (!scenario.verify.completeness) {
      total.skipped_reason = "verify.completeness is false";
      return;
    }
    const loadgen::OtlpTracesResult& result = loads.traces[i]->value();
    Progress(options, "verifying traces of " + result.record.name);
    auto client =
        QueryClient::Create(QueryClientOptions{.base_url = endpoints.trace_query_url,
                                               .headers = scenario.target.headers,
                                               .bearer_token = scenario.target.bearer_token,
                                               .timeout_seconds = 30});
    if (!client.ok()) {
      report.infrastructure_error = client.status().ToString();
      return;
    }
    const loadgen::OtlpTracesOptions& o = scenario.workloads[i].traces;
    const loadgen::TraceGenerator generator(o.model, o.seed, report.record.run_id);
    const TraceCheckOptions to{
        .api = scenario.target.trace_query_api == "jaeger" ? TraceApi::kJaeger : TraceApi::kTempo,
        .settle_timeout_seconds = scenario.verify.settle_timeout_seconds,
        .poll_interval_seconds = std::max(0.05, scenario.verify.poll_interval_seconds),
        .max_examples = scenario.verify.max_examples};
    auto part = CheckTraceCompleteness(*client, generator, result.ledger, to, clock);
    if (!part.ok()) {
      report.infrastructure_error = "trace completeness check: " + part.status().ToString();
      return;
    }
    MergeTraceCompleteness(*part, total);
  }
  if (!any) {
    total.skipped_reason = "no otlp_traces workload";
  }
}

// Reads every acknowledged log line back, stream by stream.
void VerifyLogs(const Scenario& scenario, const Endpoints& endpoints, const RunOptions& options,
                const Clock& clock, const LoadResults& loads, reports::RunReport& report) {
  LogCompletenessRecord& total = report.record.logs;
  for (std::size_t i = 0; i < loads.logs.size(); ++i) {
    if (!loads.logs[i].has_value()) {
      continue;
    }
    if (!scenario.verify.completeness) {
      total.skipped_reason = "verify.completeness is false";
      return;
    }
    const loadgen::LokiPushResult& result = loads.logs[i]->value();
    Progress(options, "verifying log lines of " + result.record.name);
    auto client =
        QueryClient::Create(QueryClientOptions{.base_url = endpoints.log_query_url,
                                               .headers = scenario.target.headers,
                                               .bearer_token = scenario.target.bearer_token,
                                               .timeout_seconds = 30});
    if (!client.ok()) {
      report.infrastructure_error = client.status().ToString();
      return;
    }
    const loadgen::LokiPushOptions& o = scenario.workloads[i].logs;
    const loadgen::LogGenerator generator(o.model, o.seed, report.record.run_id);
    const LogCheckOptions lo{
        .api = scenario.target.log_query_api == "victorialogs" ? LogQueryApi::kVictoriaLogs
                                                               : LogQueryApi::kLoki,
        .settle_timeout_seconds = scenario.verify.settle_timeout_seconds,
        .poll_interval_seconds = std::max(0.05, scenario.verify.poll_interval_seconds),
        .max_examples = scenario.verify.max_examples};
    auto part =
        CheckLogCompleteness(*client, generator, result.ledger, report.record.run_id, lo, clock);
    if (!part.ok()) {
      report.infrastructure_error = "log completeness check: " + part.status().ToString();
      return;
    }
    total.checked = true;
    total.query_api = part->query_api;
    for (auto [into, from] : {std::pair{&total.streams_expected, part->streams_expected},
                              std::pair{&total.streams_found, part->streams_found},
                              std::pair{&total.lines_expected, part->lines_expected},
                              std::pair{&total.lines_intact, part->lines_intact},
                              std::pair{&total.lines_missing, part->lines_missing},
                              std::pair{&total.lines_altered, part->lines_altered},
                              std::pair{&total.lines_duplicated, part->lines_duplicated},
                              std::pair{&total.lines_unexpected, part->lines_unexpected},
                              std::pair{&total.lines_out_of_order, part->lines_out_of_order},
                              std::pair{&total.queries, part->queries}}) {
      *into += from;
    }
    total.seconds_to_settle = std::max(total.seconds_to_settle, part->seconds_to_settle);
    total.examples.insert(total.examples.end(), part->examples.begin(), part->examples.end());
  }
}

// The harness's side of alerting: the receiver, scaled rule files for the
// embedded backend, and the checks resolved once the load is over.
class AlertHarness {
 public:
  ~AlertHarness() {
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  bool enabled() const { return receiver_ != nullptr; }

  Status Start(const Scenario& scenario, const std::string& run_id, const Clock& clock,
               RunRecord& rec) {
    if (scenario.alerting.rule_files.empty() && scenario.alerts.empty()) {
      return Status::Ok();
    }
    OBS_ASSIGN_OR_RETURN(receiver_, loadgen::AlertReceiver::Start(
                                        {.listen_address = scenario.alerting.receiver_address,
                                         .port = scenario.alerting.receiver_port,
                                         .clock = &clock}));
    rec.alerts.enabled = true;
    rec.alerts.time_scale = scenario.time_scale;
    rec.alerts.receiver_url = receiver_->base_url();
    rec.alerts.rule_files = scenario.alerting.rule_files;
    if (scenario.target.kind != "embedded") {
      return Status::Ok();
    }
    // Scaled copies of the rule files for the embedded backend.
    dir_ = std::filesystem::temp_directory_path() / ("obsbench-" + run_id);
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) {
      return UnavailableError("cannot create " + dir_.string() + ": " + ec.message());
    }
    const auto interval_ms =
        static_cast<std::int64_t>(scenario.alerting.evaluation_interval_seconds * 1000);
    for (std::size_t i = 0; i < scenario.alerting.rule_files.size(); ++i) {
      const std::string& file = scenario.alerting.rule_files[i];
      std::ifstream in(file, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      if (!in) {
        return InvalidArgumentError("cannot read rule file " + file);
      }
      OBS_ASSIGN_OR_RETURN(
          std::string scaled,
          backend::ScaleRuleFile(text.str(), file, scenario.time_scale, interval_ms));
      const std::filesystem::path out = dir_ / ("rules-" + std::to_string(i) + ".yml");
      std::ofstream(out, std::ios::binary) << scaled;
      scaled_files_.push_back(out.string());
    }
    return Status::Ok();
  }

  // What the embedded backend needs to evaluate the scaled rules and notify
  // the receiver directly (webhook v4).
  backend::AlertingOptions BackendOptions(const Scenario& scenario) const {
    const double scale = scenario.time_scale;
    backend::AlertingOptions a;
    a.rule_files = scaled_files_;
    a.evaluation_interval_ms = std::max<std::int64_t>(
        1, std::llround(scenario.alerting.evaluation_interval_seconds * scale * 1000));
    a.resend_delay_ms = std::max<std::int64_t>(
        1, std::llround(scenario.alerting.resend_delay_seconds * scale * 1000));
    a.resolved_retention_ms = std::max<std::int64_t>(1, std::llround(15 * 60000 * scale));
    a.webhook_url = receiver_->base_url() + "/webhook";
    return a;
  }

  // Waits out `alerting.settle`, then records notifications and checks.
  void Finish(const Scenario& scenario, const Endpoints& endpoints, const LoadResults& loads,
              const RunOptions& options, const Clock& clock, SteadyClock::time_point load_start,
              RunRecord& rec, std::vector<assertions::AlertSpec>& specs) {
    const double scale = scenario.time_scale;
    const auto settle_until =
        clock.SteadyNow() +
        std::chrono::duration_cast<SteadyClock::duration>(
            std::chrono::duration<double>(scenario.alerting.settle_seconds * scale));
    if (scenario.alerting.settle_seconds > 0) {
      Progress(options, "listening for notifications for " +
                            Seconds(scenario.alerting.settle_seconds * scale) + " more");
    }
    while (clock.SteadyNow() < settle_until && (options.stop == nullptr || !options.stop->load())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Scenario time zero: the first signal tick (all start together), else
    // the start of the load.
    SteadyClock::time_point zero = load_start;
    std::int64_t zero_unix_ms = rec.started_unix_ms;
    bool have_zero = false;
    for (const auto& sig : loads.signal) {
      if (sig.has_value() && sig->ok() && (!have_zero || sig->value().start < zero)) {
        zero = sig->value().start;
        zero_unix_ms = sig->value().start_unix_ms;
        have_zero = true;
      }
    }
    const auto scen = [&](SteadyClock::time_point t) {
      return std::chrono::duration<double>(t - zero).count() / scale;
    };
    AlertsRecord& a = rec.alerts;
    a.listen_seconds = scen(clock.SteadyNow());
    a.rejected = receiver_->rejected();
    a.dropped = receiver_->dropped();
    for (const loadgen::Notification& n : receiver_->Notifications()) {
      for (const wire::AmAlert& x : n.alerts) {
        a.notifications.push_back({.t_seconds = scen(n.arrival),
                                   .arrival_unix_ms = n.arrival_unix_ms,
                                   .format = n.format,
                                   .status = x.status,
                                   .labels = x.labels,
                                   .annotations = x.annotations,
                                   .starts_at_ms = x.starts_at_ms,
                                   .ends_at_ms = x.ends_at_ms});
      }
    }
    receiver_->Stop();
    if (a.rejected > 0) {
      rec.warnings.push_back("alert receiver: " + std::to_string(a.rejected) +
                             " request(s) answered 4xx (not a notification format)");
    }
    const std::vector<backend::AlertRuleSummary>& rules = scenario.alerting.rules;
    for (const AlertExpectation& e : scenario.alerts) {
      assertions::AlertSpec spec = e.spec;
      const auto w =
          std::find_if(scenario.workloads.begin(), scenario.workloads.end(),
                       [&](const WorkloadSpec& x) { return x.name == e.signal_workload; });
      const auto rule = std::find_if(rules.begin(), rules.end(),
                                     [&](const auto& r) { return r.name == e.spec.alert; });
      const loadgen::SignalShape* shape =
          w == scenario.workloads.end() ? nullptr
                                        : internal::FindSignalShape(w->signal, e.signal_series);
      if (shape != nullptr && rule != rules.end()) {
        AlertCheckRecord c;
        c.alert = e.spec.alert;
        c.signal =
            e.signal_workload + "/" + e.signal_series + " " + loadgen::FormatThreshold(e.threshold);
        c.shape = loadgen::DescribeSignal(*shape);
        c.for_seconds = static_cast<double>(rule->for_ms) / 1000;
        c.evaluation_interval_seconds = static_cast<double>(rule->interval_ms) / 1000;
        c.sample_interval_seconds = w->signal.interval_seconds;
        for (const loadgen::Episode& ep : loadgen::SampledEpisodes(
                 *shape, e.threshold, w->signal.interval_seconds, scenario.duration_seconds)) {
          c.episodes.emplace_back(ep.start_seconds, ep.end_seconds);
        }
        ReadEvaluatorStates(scenario, endpoints, zero_unix_ms, clock, c);
        spec.check = static_cast<int>(a.checks.size());
        a.checks.push_back(std::move(c));
      }
      specs.push_back(std::move(spec));
    }
  }

 private:
  // Reads ALERTS{alertname=...} back from the target: the evaluator's
  // pending and firing spans, in scenario time. A gap of more than two
  // evaluation intervals between samples ends a span.
  static void ReadEvaluatorStates(const Scenario& scenario, const Endpoints& endpoints,
                                  std::int64_t zero_unix_ms, const Clock& clock,
                                  AlertCheckRecord& c) {
    const double scale = scenario.time_scale;
    auto client = QueryClient::Create(QueryOptions(scenario, endpoints));
    if (!client.ok()) {
      c.evaluator_note = client.status().ToString();
      return;
    }
    const std::int64_t now = clock.UnixMillisNow();
    const auto range_ms = std::max<std::int64_t>(1000, now - zero_unix_ms + 1000);
    const std::string q =
        "ALERTS{alertname=\"" + c.alert + "\"}[" + std::to_string(range_ms) + "ms]";
    auto m = client->InstantMatrix(q, now);
    if (!m.ok()) {
      c.evaluator_note = "reading ALERTS: " + m.status().ToString();
      return;
    }
    const double gap_ms = 2.5 * c.evaluation_interval_seconds * scale * 1000;
    const auto scen = [&](std::int64_t ms) {
      return static_cast<double>(ms - zero_unix_ms) / 1000 / scale;
    };
    for (const MatrixSeries& series : *m) {
      std::string state;
      for (const auto& [k, v] : series.labels) {
        if (k == "alertstate") {
          state = v;
        }
      }
      std::int64_t start = -1;
      std::int64_t last = -1;
      for (const auto& [ts, value] : series.samples) {
        if (start >= 0 && static_cast<double>(ts - last) > gap_ms) {
          c.evaluator_states.push_back({state, scen(start), scen(last)});
          start = -1;
        }
        if (start < 0) {
          start = ts;
        }
        last = ts;
      }
      if (start >= 0) {
        const bool open = static_cast<double>(now - last) <= gap_ms;
        c.evaluator_states.push_back({state, scen(start), open ? -1 : scen(last)});
      }
    }
    std::sort(c.evaluator_states.begin(), c.evaluator_states.end(),
              [](const auto& x, const auto& y) { return x.start_seconds < y.start_seconds; });
  }

  std::unique_ptr<loadgen::AlertReceiver> receiver_;
  std::filesystem::path dir_;
  std::vector<std::string> scaled_files_;
};

}  // namespace

Result<reports::RunReport> RunScenario(const Scenario& scenario, const RunOptions& options) {
  const Clock& clock = options.clock != nullptr ? *options.clock : RealClock();
  std::optional<reports::RunReport> own_baseline;
  const RunRecord* baseline = options.baseline;
  if (baseline == nullptr && !scenario.baseline.empty()) {
    Result<reports::RunReport> read = reports::ReadJsonReport(scenario.baseline);
    if (!read.ok()) {
      return InvalidArgumentError(scenario.file + ": baseline: " + read.status().message());
    }
    own_baseline.emplace(std::move(read).value());
    baseline = &own_baseline->record;
  }
  reports::RunReport report;
  RunRecord& rec = report.record;
  rec.scenario_name = scenario.name;
  rec.scenario_description = scenario.description;
  rec.scenario_file = scenario.file;
  rec.seed = scenario.seed;
  rec.started_unix_ms = clock.UnixMillisNow();
  rec.run_id = options.run_id.empty()
                   ? scenario.name + "-" + Base36(static_cast<std::uint64_t>(rec.started_unix_ms))
                   : options.run_id;
  rec.environment = Environment();
  rec.target_kind = scenario.target.kind;
  report.scenario_text = scenario.text;
  if (scenario.experiment.has_value()) {
    internal::RunExperiment(scenario, options, clock, baseline, report);
    return report;
  }
  const SteadyClock::time_point start = clock.SteadyNow();

  AlertHarness alerts;
  if (Status st = alerts.Start(scenario, rec.run_id, clock, rec); !st.ok()) {
    report.infrastructure_error = "alerting: " + st.ToString();
    return report;
  }
  std::unique_ptr<backend::Server> server;
  Endpoints endpoints{scenario.target.write_url, scenario.target.query_url,
                      scenario.target.otlp_url,  scenario.target.trace_query_url,
                      scenario.target.loki_url,  scenario.target.log_query_url};
  if (scenario.target.kind == "embedded") {
    backend::ServerOptions so;
    so.faults.drop_every_nth_sample = scenario.target.drop_every_nth_sample;
    so.faults.write_delay_seconds = scenario.target.write_delay_seconds;
    so.faults.drop_every_nth_span = scenario.target.drop_every_nth_span;
    so.faults.alter_every_nth_span = scenario.target.alter_every_nth_span;
    so.faults.drop_every_nth_log_line = scenario.target.drop_every_nth_log_line;
    so.faults.alter_every_nth_log_line = scenario.target.alter_every_nth_log_line;
    if (alerts.enabled()) {
      so.alerting = alerts.BackendOptions(scenario);
      // Staleness scales with everything else (5m lookback at scale 1).
      so.lookback_delta_ms = std::max<std::int64_t>(
          1, std::llround(static_cast<double>(so.lookback_delta_ms) * scenario.time_scale));
    }
    auto started = backend::Server::Start(so);
    if (!started.ok()) {
      report.infrastructure_error = "embedded backend: " + started.status().ToString();
      return report;
    }
    server = std::move(started).value();
    const std::string base = server->base_url();
    endpoints = {base + "/api/v1/write", base, base, base, base, base};
    Progress(options, "embedded backend listening on " + server->base_url());
  }
  if (alerts.enabled()) {
    Progress(options, "alert receiver listening on " + rec.alerts.receiver_url +
                          (scenario.time_scale != 1
                               ? "; time scaled by " + std::to_string(scenario.time_scale)
                               : std::string()));
  }
  rec.target_write_url = endpoints.write_url;
  rec.target_query_url = endpoints.query_url;

  const bool any_remote_write = std::any_of(
      scenario.workloads.begin(), scenario.workloads.end(),
      [](const WorkloadSpec& w) { return w.kind == "remote_write" || w.kind == "otlp_metrics"; });
  Progress(options, "run " + rec.run_id + ": " + std::to_string(scenario.workloads.size()) +
                        " workload(s) for " +
                        Seconds(scenario.duration_seconds * scenario.time_scale));
  Scenario probe_scenario = scenario;
  if (!any_remote_write) {
    probe_scenario.verify.visibility_probes = 0;  // Alert-only runs write a handful of series.
  }
  const SteadyClock::time_point load_start = clock.SteadyNow();
  VisibilityProbe probe(probe_scenario, endpoints, rec.run_id, clock);
  SignalProbe trace_probe(scenario, ProbeSignal::kTraces, endpoints, rec.run_id, clock,
                          options.stop);
  SignalProbe log_probe(scenario, ProbeSignal::kLogs, endpoints, rec.run_id, clock, options.stop);
  std::vector<WatchedProcess> watched = {
      {.name = "obsbench", .pid = getpid(), .include_peak = true}};
  for (const auto& [name, pid] : options.watch_processes) {
    watched.push_back({.name = name, .pid = pid, .include_peak = false});
  }
  std::unique_ptr<ResourceSampler> sampler =
      ResourceSampler::Start({.processes = std::move(watched), .clock = &clock});
  LoadResults loads = RunWorkloads(scenario, endpoints, rec.run_id, options, clock);
  ResourceUsage usage = sampler->Stop();
  rec.resources = std::move(usage.processes);
  rec.warnings.insert(rec.warnings.end(), usage.warnings.begin(), usage.warnings.end());
  std::optional<Result<VisibilityRecord>> visibility = probe.Finish();
  std::optional<Result<VisibilityRecord>> trace_visibility = trace_probe.Finish();
  std::optional<Result<VisibilityRecord>> log_visibility = log_probe.Finish();

  for (std::size_t i = 0; i < scenario.workloads.size(); ++i) {
    Status failed = Status::Ok();
    if (loads.remote_write[i].has_value()) {
      failed = loads.remote_write[i]->status();
    } else if (loads.signal[i].has_value()) {
      failed = loads.signal[i]->status();
    } else if (loads.traces[i].has_value()) {
      failed = loads.traces[i]->status();
    } else if (loads.logs[i].has_value()) {
      failed = loads.logs[i]->status();
    } else if (loads.http[i].has_value()) {
      failed = loads.http[i]->status();
    }
    if (!failed.ok()) {
      report.infrastructure_error = "load: " + failed.ToString();
      rec.duration_seconds = std::chrono::duration<double>(clock.SteadyNow() - start).count();
      return report;
    }
    rec.workloads.push_back(loads.remote_write[i].has_value()
                                ? loads.remote_write[i]->value().record
                            : loads.signal[i].has_value() ? loads.signal[i]->value().record
                            : loads.traces[i].has_value() ? loads.traces[i]->value().record
                            : loads.http[i].has_value()   ? loads.http[i]->value().record
                                                          : loads.logs[i]->value().record);
    WarnIfBehind(rec.workloads.back(), rec.warnings);
    WarnIfNotAccepted(rec.workloads.back(), rec.warnings);
  }
  std::vector<assertions::AlertSpec> alert_specs;
  if (alerts.enabled()) {
    alerts.Finish(scenario, endpoints, loads, options, clock, load_start, rec, alert_specs);
  }
  if (visibility.has_value()) {
    if (visibility->ok()) {
      rec.visibility = visibility->value();
    } else {
      rec.warnings.push_back("visibility probes: " + visibility->status().ToString());
    }
  }
  Verify(scenario, endpoints, options, clock, loads, report);
  if (report.infrastructure_error.empty()) {
    VerifyTraces(scenario, endpoints, options, clock, loads, report);
  }
  if (report.infrastructure_error.empty()) {
    VerifyLogs(scenario, endpoints, options, clock, loads, report);
  }
  for (auto [probed, into, what] :
       {std::tuple{&trace_visibility, &rec.traces.visibility, "trace visibility probes"},
        std::tuple{&log_visibility, &rec.logs.visibility, "log visibility probes"}}) {
    if (!probed->has_value()) {
      continue;
    }
    if ((*probed)->ok()) {
      *into = (*probed)->value();
    } else {
      rec.warnings.push_back(std::string(what) + ": " + (*probed)->status().ToString());
    }
  }
  rec.duration_seconds = std::chrono::duration<double>(clock.SteadyNow() - start).count();
  report.assertions = assertions::Evaluate(rec, scenario.assertions, baseline);
  for (assertions::AssertionResult& r : assertions::EvaluateAlerts(rec, alert_specs)) {
    report.assertions.push_back(std::move(r));
  }
  report.generated_unix_ms = clock.UnixMillisNow();
  return report;
}

}  // namespace obs::scenarios
