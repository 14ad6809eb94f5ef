#include "experiment.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "obs/assertions/assertions.h"
#include "obs/assertions/format.h"
#include "obs/base/loopback_port.h"
#include "obs/base/process_stats.h"
#include "obs/loadgen/http_load.h"
#include "obs/loadgen/otlp_receiver.h"
#include "obs/reports/repeat.h"

#include "app_process.h"
#include "experiment_stats.h"
#include "progress_display.h"
#include "scenario_parse.h"
#include <sys/resource.h>
#include <sys/socket.h>

namespace obs::scenarios::internal {
namespace {

using assertions::FormatNumber;

struct Destination {
  DestinationSpec spec;
  std::unique_ptr<loadgen::OtlpReceiver> receiver;  // Null for a third-party URL.
  std::string url;
};

std::string SelfExecutable() {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("obsbench") : p.string();
}

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Samples an application's process tree on its own thread while the load
// runs: CPU (with reaped children, so a worker that exits keeps its share),
// RSS mean and max, threads and processes at most, context switches.
class TreeSampler {
 public:
  TreeSampler(std::int64_t pid, double interval_seconds) : pid_(pid), interval_(interval_seconds) {
    Read();  // The starting point for CPU and context switches.
    first_cpu_ = last_cpu_;
    first_vol_ = last_vol_;
    first_nonvol_ = last_nonvol_;
    rss_sum_ = 0;
    rss_readings_ = 0;
    thread_ = std::thread([this] { Loop(); });
  }
  ~TreeSampler() { Stop(); }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
      Read();  // The end point.
    }
  }

  void Fill(VariantRunRecord& rec) const {
    rec.app_cpu_seconds = std::max(0.0, last_cpu_ - first_cpu_);
    rec.app_rss_mean_bytes = rss_readings_ == 0 ? 0 : rss_sum_ / static_cast<double>(rss_readings_);
    rec.app_rss_max_bytes = rss_max_;
    rec.app_threads_max = threads_max_;
    rec.app_processes_max = processes_max_;
    rec.app_voluntary_ctxt_switches = last_vol_ > first_vol_ ? last_vol_ - first_vol_ : 0;
    rec.app_nonvoluntary_ctxt_switches =
        last_nonvol_ > first_nonvol_ ? last_nonvol_ - first_nonvol_ : 0;
  }
  const std::string& error() const { return error_; }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::duration<double>(interval_), [&] { return stop_; })) {
      lock.unlock();
      Read();
      lock.lock();
    }
  }

  void Read() {
    Result<ProcessTreeStats> s = ReadProcessTreeStats(pid_);
    if (!s.ok()) {
      if (error_.empty()) {
        error_ = s.status().ToString();
      }
      return;
    }
    last_cpu_ = s->cpu_seconds + s->reaped_children_cpu_seconds;
    last_vol_ = s->voluntary_ctxt_switches;
    last_nonvol_ = s->nonvoluntary_ctxt_switches;
    rss_sum_ += static_cast<double>(s->rss_bytes);
    ++rss_readings_;
    rss_max_ = std::max(rss_max_, s->rss_bytes);
    threads_max_ = std::max(threads_max_, s->threads);
    processes_max_ = std::max(processes_max_, s->processes);
  }

  const std::int64_t pid_;
  const double interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  // Written by the sampling thread, or by the owner before/after it runs.
  double first_cpu_ = 0, last_cpu_ = 0;
  std::uint64_t first_vol_ = 0, last_vol_ = 0, first_nonvol_ = 0, last_nonvol_ = 0;
  double rss_sum_ = 0;
  std::uint64_t rss_readings_ = 0;
  std::uint64_t rss_max_ = 0;
  int threads_max_ = 0;
  int processes_max_ = 0;
  std::string error_;
};

std::string Substitute(std::string text, const std::map<std::string, std::string>& vars) {
  // The parser checked every variable; a failure here cannot happen.
  (void)SubstituteVariables(text, vars);
  return text;
}

double Percentile(const Histogram& h, double p) {
  return h.count() == 0 ? 0 : static_cast<double>(h.ValueAtPercentile(p)) / 1e9;
}

// The best answered-requests rate of one interval of `w`.
double BestIntervalRate(const WorkloadRecord& w) {
  double best = 0;
  if (w.interval_seconds <= 0) {
    return best;
  }
  for (const IntervalRecord& i : w.intervals) {
    best =
        std::max(best, static_cast<double>(i.requests_ok + i.requests_error) / w.interval_seconds);
  }
  return best;
}

class Experiment {
 public:
  Experiment(const Scenario& scenario, const RunOptions& options, const Clock& clock,
             reports::RunReport& report)
      : s_(scenario), e_(*scenario.experiment), options_(options), clock_(clock), report_(report) {}

  void Run(const RunRecord* baseline);

 private:
  Status StartDestinations();
  // One variant run; false when the experiment cannot go on.
  bool RunVariant(const VariantSpec& v, int round);
  // Runs every http workload once against `url`; `seconds` > 0: a warmup of
  // that length at the workloads' start rate (not recorded).
  Result<std::vector<WorkloadRecord>> Load(const std::string& url, double warmup_seconds,
                                           const std::string& label);
  void Settle(const VariantSpec& v);
  void Progress(const std::string& line) {
    if (options_.progress != nullptr) {
      *options_.progress << "experiment: " << line << "\n";
    }
  }
  bool stopped() const { return options_.stop != nullptr && options_.stop->load(); }

  const Scenario& s_;
  const ExperimentSpec& e_;
  const RunOptions& options_;
  const Clock& clock_;
  reports::RunReport& report_;
  std::vector<Destination> destinations_;
  std::vector<VariantRunRecord> runs_;
  std::map<std::string, std::vector<std::vector<WorkloadRecord>>> loads_;  // Variant -> rounds.
};

Status Experiment::StartDestinations() {
  for (const DestinationSpec& spec : e_.destinations) {
    Destination d;
    d.spec = spec;
    if (spec.url.empty()) {
      Result<std::unique_ptr<loadgen::OtlpReceiver>> r = loadgen::OtlpReceiver::Start(
          {.response_delay_seconds = spec.response_delay_seconds, .threads = 2});
      if (!r.ok()) {
        return Status(r.status().code(),
                      "destination " + spec.name + ": " + std::string(r.status().message()));
      }
      d.receiver = std::move(r).value();
      d.url = d.receiver->base_url();
    } else {
      d.url = spec.url;
    }
    destinations_.push_back(std::move(d));
  }
  return Status::Ok();
}

Result<std::vector<WorkloadRecord>> Experiment::Load(const std::string& url, double warmup_seconds,
                                                     const std::string& label) {
  const bool warmup = warmup_seconds > 0;
  std::optional<ProgressDisplay> display;
  if (!warmup) {
    display.emplace(
        s_, ProgressDisplayOptions{.out = options_.progress_live ? options_.progress : nullptr,
                                   .tty = options_.progress_tty,
                                   .columns = options_.progress_columns,
                                   .planned_seconds = s_.duration_seconds * s_.time_scale,
                                   .clock = &clock_});
  }
  std::vector<std::optional<Result<loadgen::HttpLoadResult>>> results(s_.workloads.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < s_.workloads.size(); ++i) {
    threads.emplace_back([&, i] {
      loadgen::HttpLoadOptions o = s_.workloads[i].http;
      if (o.base_url.empty()) {
        o.base_url = url;
      }
      if (warmup) {
        if (!o.stages.empty() && o.requests_per_second <= 0) {
          o.requests_per_second = o.stages.front().target_samples_per_second;
        }
        o.stages.clear();
        o.duration_seconds = warmup_seconds;
      } else {
        o.progress = display->live(i);
      }
      results[i] = loadgen::RunHttpLoad(o, clock_, options_.stop);
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  if (display.has_value()) {
    display->Stop();
  }
  std::vector<WorkloadRecord> out;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i]->ok()) {
      return Status(results[i]->status().code(), label + ", workload " + s_.workloads[i].name +
                                                     ": " +
                                                     std::string(results[i]->status().message()));
    }
    out.push_back(results[i]->value().record);
  }
  return out;
}

void Experiment::Settle(const VariantSpec& v) {
  // Counts unchanged for `settle` = the last export arrived. An application
  // that was stopped has flushed; one attached by PID keeps exporting on its
  // own schedule, so its last batch may fall outside (docs/overhead.md).
  const auto total = [&] {
    std::uint64_t n = 0;
    for (const Destination& d : destinations_) {
      if (d.receiver != nullptr) {
        const loadgen::OtlpReceiverCounts c = d.receiver->Counts();
        n += c.requests;
      }
    }
    return n;
  };
  (void)v;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(e_.settle_timeout_seconds);
  std::uint64_t last = total();
  auto changed_at = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::uint64_t now = total();
    if (now != last) {
      last = now;
      changed_at = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - changed_at >=
               std::chrono::duration<double>(e_.settle_seconds)) {
      return;
    }
  }
}

bool Experiment::RunVariant(const VariantSpec& v, int round) {
  RunRecord& rec = report_.record;
  const std::string label = "round " + std::to_string(round) + " variant " + v.name;
  VariantRunRecord run;
  run.variant = v.name;
  run.round = round;
  std::map<std::string, std::string> vars;
  std::uint16_t port = 0;
  if (v.pid == 0) {
    Result<std::uint16_t> p = FreeLoopbackPort();
    if (!p.ok()) {
      report_.infrastructure_error = label + ": " + p.status().ToString();
      return false;
    }
    port = *p;
  }
  vars["PORT"] = std::to_string(port);
  vars["APP_URL"] = "http://127.0.0.1:" + std::to_string(port);
  vars["OBSBENCH"] = SelfExecutable();
  std::string endpoints;
  for (const Destination& d : destinations_) {
    vars[EndpointVariable(d.spec.name)] = d.url;
  }
  for (const std::string& name : v.exports) {
    for (const Destination& d : destinations_) {
      if (d.spec.name == name) {
        endpoints += (endpoints.empty() ? "" : ",") + d.url;
      }
    }
  }
  vars["OTLP_ENDPOINTS"] = endpoints;
  const std::string url = Substitute(v.url, vars);
  for (Destination& d : destinations_) {
    if (d.receiver != nullptr) {
      d.receiver->ResetCounts();
    }
  }
  std::unique_ptr<AppProcess> app;
  std::int64_t pid = v.pid;
  if (v.pid == 0) {
    AppLaunchSpec launch;
    for (const std::string& arg : v.command) {
      launch.argv.push_back(Substitute(arg, vars));
    }
    for (const auto& [name, value] : v.env) {
      launch.env[name] = Substitute(value, vars);
    }
    launch.working_dir = v.working_dir;
    launch.ready_url = v.ready_url.empty() ? url + "/" : Substitute(v.ready_url, vars);
    launch.ready_timeout_seconds = e_.ready_timeout_seconds;
    launch.stop_timeout_seconds = e_.stop_timeout_seconds;
    Result<std::unique_ptr<AppProcess>> started = AppProcess::Start(launch);
    if (!started.ok()) {
      report_.infrastructure_error = label + ": " + started.status().ToString();
      return false;
    }
    app = std::move(started).value();
    if (Status ready = app->WaitReady(); !ready.ok()) {
      report_.infrastructure_error = label + ": " + ready.ToString();
      (void)app->Stop();
      return false;
    }
    pid = app->pid();
  }
  Progress(label + ": " +
           (app ? "started pid " + std::to_string(pid) : "attached to pid " + std::to_string(pid)) +
           ", " + url + (endpoints.empty() ? ", no export" : ", exporting to " + endpoints));
  if (e_.warmup_seconds > 0) {
    Result<std::vector<WorkloadRecord>> warm =
        Load(url, e_.warmup_seconds * s_.time_scale, label + " warmup");
    if (!warm.ok()) {
      report_.infrastructure_error = warm.status().ToString();
      if (app) {
        (void)app->Stop();
      }
      return false;
    }
    for (const WorkloadRecord& w : *warm) {
      const std::uint64_t transport = w.status_codes.count(0) != 0 ? w.status_codes.at(0) : 0;
      run.warmup_requests_answered += w.requests - std::min(w.requests, transport);
    }
  }
  const double harness_cpu_start = ProcessCpuSeconds();
  const SteadyClock::time_point load_start = clock_.SteadyNow();
  std::optional<Result<std::vector<WorkloadRecord>>> loaded;
  {
    TreeSampler sampler(pid, e_.sample_interval_seconds);
    loaded.emplace(Load(url, 0, label));
    sampler.Stop();
    sampler.Fill(run);
    if (!sampler.error().empty()) {
      rec.warnings.push_back(label + ": sampling the application: " + sampler.error());
    }
  }
  run.load_seconds = std::chrono::duration<double>(clock_.SteadyNow() - load_start).count();
  run.harness_cpu_seconds = ProcessCpuSeconds() - harness_cpu_start;
  if (app) {
    Result<int> exit_code = app->Stop();
    run.app_exit_code = exit_code.ok() ? *exit_code : -2;
    if (exit_code.ok() && *exit_code != 0) {
      rec.warnings.push_back(label + ": the application exited with " + std::to_string(*exit_code) +
                             " when stopped; its output ends: " + app->LogTail(400));
    }
  } else {
    run.app_exit_code = -1;
  }
  if (!loaded->ok()) {
    report_.infrastructure_error = loaded->status().ToString();
    return false;
  }
  Settle(v);
  // What this run's load did.
  Histogram corrected;
  Histogram uncorrected;
  bool first = true;
  for (const WorkloadRecord& w : loaded->value()) {
    if (first) {
      corrected = w.latency_corrected;
      uncorrected = w.latency_uncorrected;
      first = false;
    } else {
      corrected.Merge(w.latency_corrected);
      uncorrected.Merge(w.latency_uncorrected);
    }
    const std::uint64_t transport = w.status_codes.count(0) != 0 ? w.status_codes.at(0) : 0;
    run.requests += w.requests;
    run.requests_answered += w.requests - std::min(w.requests, transport);
    run.requests_ok += w.requests_succeeded;
    run.target_rps += w.target_requests_per_second;
    run.saturation_rps += BestIntervalRate(w);
  }
  run.achieved_rps =
      run.load_seconds > 0 ? static_cast<double>(run.requests_answered) / run.load_seconds : 0;
  run.p50 = Percentile(corrected, 50);
  run.p95 = Percentile(corrected, 95);
  run.p99 = Percentile(corrected, 99);
  run.p50_uncorrected = Percentile(uncorrected, 50);
  run.p95_uncorrected = Percentile(uncorrected, 95);
  run.p99_uncorrected = Percentile(uncorrected, 99);
  run.app_cpu_per_request_seconds =
      run.requests_answered == 0 ? 0
                                 : run.app_cpu_seconds / static_cast<double>(run.requests_answered);
  for (const Destination& d : destinations_) {
    const bool exported =
        std::find(v.exports.begin(), v.exports.end(), d.spec.name) != v.exports.end();
    if (d.receiver == nullptr) {
      if (exported) {
        run.destinations.push_back({.name = d.spec.name, .url = d.url});
      }
      continue;
    }
    const loadgen::OtlpReceiverCounts c = d.receiver->Counts();
    ExportDestinationRecord out{.name = d.spec.name,
                                .url = d.url,
                                .requests = c.requests,
                                .spans = c.traces.items,
                                .server_spans = c.spans_by_kind.server,
                                .log_records = c.logs.items,
                                .data_points = c.metrics.items,
                                .decode_errors = c.decode_errors};
    if (exported) {
      run.destinations.push_back(out);
    } else if (c.requests > 0) {
      rec.warnings.push_back(label + ": destination " + d.spec.name + " received " +
                             std::to_string(c.requests) +
                             " export requests although the variant does not export to it");
    }
    if (c.decode_errors > 0) {
      rec.warnings.push_back(label + ": destination " + d.spec.name + " could not decode " +
                             std::to_string(c.decode_errors) + " export requests");
    }
  }
  Progress(label + ": " + FormatNumber(run.achieved_rps, 1) + " req/s, p99 " +
           FormatNumber(run.p99 * 1e3, 2) + " ms, app CPU " +
           FormatNumber(run.app_cpu_per_request_seconds * 1e6, 1) + " µs/request, RSS " +
           assertions::FormatBytes(run.app_rss_mean_bytes));
  loads_[v.name].push_back(std::move(loaded->value()));
  runs_.push_back(std::move(run));
  return true;
}

void Experiment::Run(const RunRecord* baseline) {
  RunRecord& rec = report_.record;
  rec.target_kind = "experiment";
  ExperimentRecord out;
  out.baseline = e_.baseline;
  for (const VariantSpec& v : e_.variants) {
    out.variants.push_back(v.name);
  }
  const SteadyClock::time_point start = clock_.SteadyNow();
  if (Status st = StartDestinations(); !st.ok()) {
    report_.infrastructure_error = "experiment: " + st.ToString();
  }
  for (int round = 1; round <= s_.repeat && report_.infrastructure_error.empty() && !stopped();
       ++round) {
    for (const VariantSpec& v : e_.variants) {
      if (stopped() || !RunVariant(v, round)) {
        break;
      }
    }
    out.rounds = round;
    if (round < s_.repeat && s_.cooldown_seconds > 0 && !stopped()) {
      std::this_thread::sleep_for(std::chrono::duration<double>(s_.cooldown_seconds));
    }
  }
  for (Destination& d : destinations_) {
    if (d.receiver != nullptr) {
      d.receiver->Stop();
    }
  }
  bool staged = false;
  for (const WorkloadSpec& w : s_.workloads) {
    staged = staged || !w.http.stages.empty();
  }
  out.runs = runs_;
  out.overhead = ComputeOverhead(runs_, out.variants, e_.baseline, staged);
  out.exports = ComputeExportCompleteness(runs_, out.variants);
  // Each variant's load over all its rounds, as workloads "<variant>/<name>".
  for (const VariantSpec& v : e_.variants) {
    const auto it = loads_.find(v.name);
    if (it == loads_.end()) {
      continue;
    }
    for (std::size_t i = 0; i < s_.workloads.size(); ++i) {
      std::vector<const WorkloadRecord*> parts;
      for (const std::vector<WorkloadRecord>& round : it->second) {
        parts.push_back(&round[i]);
      }
      WorkloadRecord merged = reports::MergeWorkloadRuns(parts);
      merged.name = v.name + "/" + s_.workloads[i].name;
      rec.workloads.push_back(std::move(merged));
    }
  }
  rec.experiment = std::move(out);
  rec.completeness.skipped_reason = "an experiment checks export completeness instead";
  rec.duration_seconds = std::chrono::duration<double>(clock_.SteadyNow() - start).count();
  report_.assertions = assertions::Evaluate(rec, s_.assertions, baseline);
  report_.generated_unix_ms = clock_.UnixMillisNow();
}

}  // namespace

void RunExperiment(const Scenario& scenario, const RunOptions& options, const Clock& clock,
                   const RunRecord* baseline, reports::RunReport& report) {
  Experiment(scenario, options, clock, report).Run(baseline);
}

}  // namespace obs::scenarios::internal
