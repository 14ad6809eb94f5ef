#include "obs/scenarios/runner.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "obs/assertions/assertions.h"
#include "obs/backend/server.h"
#include "obs/loadgen/remote_write.h"

#include "verify/completeness.h"
#include "verify/query_client.h"
#include "verify/visibility.h"
#include <sys/utsname.h>

namespace obs::scenarios {
namespace {

struct Endpoints {
  std::string write_url;
  std::string query_url;
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

// Sums the per-workload completeness records into the run's one record.
void MergeCompleteness(const CompletenessRecord& part, CompletenessRecord& total, bool first) {
  total.checked = first ? part.checked : (total.checked && part.checked);
  total.series_expected += part.series_expected;
  total.series_found += part.series_found;
  total.series_missing += part.series_missing;
  total.series_incomplete += part.series_incomplete;
  total.series_unexpected += part.series_unexpected;
  total.samples_expected += part.samples_expected;
  total.samples_found += part.samples_found;
  total.samples_missing += part.samples_missing;
  total.samples_duplicated += part.samples_duplicated;
  total.samples_unexpected += part.samples_unexpected;
  total.queries += part.queries;
  total.seconds_to_settle = std::max(total.seconds_to_settle, part.seconds_to_settle);
  for (const MissingSeriesExample& e : part.examples) {
    if (total.examples.size() < 10)
      total.examples.push_back(e);
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
    thread_ = std::thread([this, &scenario, endpoints, run_id, &clock] {
      auto writer = loadgen::RemoteWriteClient::Create(endpoints.write_url, scenario.target.headers,
                                                       scenario.target.bearer_token,
                                                       scenario.verify.probe_timeout_seconds);
      auto client = QueryClient::Create(QueryOptions(scenario, endpoints));
      if (!writer.ok() || !client.ok()) {
        result_ = writer.ok() ? client.status() : writer.status();
        return;
      }
      const VisibilityOptions vo{
          .probes = scenario.verify.visibility_probes,
          .spread_seconds = std::max(1.0, scenario.duration_seconds * 0.8),
          .probe_timeout_seconds = scenario.verify.probe_timeout_seconds,
          .poll_interval_seconds = scenario.verify.probe_poll_interval_seconds,
          .run_id = run_id};
      result_ = MeasureVisibility(*writer, *client, vo, clock, &stop_);
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

using LoadResults = std::vector<std::optional<Result<loadgen::RemoteWriteResult>>>;

LoadResults RunWorkloads(const Scenario& scenario, const Endpoints& endpoints,
                         const std::string& run_id, const RunOptions& options, const Clock& clock) {
  LoadResults results(scenario.workloads.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < scenario.workloads.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = loadgen::RunRemoteWrite(
          WorkloadOptions(scenario, scenario.workloads[i], endpoints, run_id), clock, options.stop);
    });
  }
  for (std::thread& t : threads)
    t.join();
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
  const CompletenessOptions co{.settle_timeout_seconds = scenario.verify.settle_timeout_seconds,
                               .poll_interval_seconds = scenario.verify.poll_interval_seconds,
                               .max_examples = scenario.verify.max_examples,
                               .flush_url = scenario.target.flush_url};
  bool first = true;
  for (const auto& load : loads) {
    Progress(options, "verifying completeness of " + load->value().record.name);
    auto part = CheckCompleteness(*client, load->value().series, load->value().ledger, co, clock);
    if (!part.ok()) {
      report.infrastructure_error = "completeness check: " + part.status().ToString();
      return;
    }
    MergeCompleteness(*part, total, first);
    first = false;
  }
}

}  // namespace

Result<reports::RunReport> RunScenario(const Scenario& scenario, const RunOptions& options) {
  const Clock& clock = options.clock != nullptr ? *options.clock : RealClock();
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
  const SteadyClock::time_point start = clock.SteadyNow();

  std::unique_ptr<backend::Server> server;
  Endpoints endpoints{scenario.target.write_url, scenario.target.query_url};
  if (scenario.target.kind == "embedded") {
    backend::ServerOptions so;
    so.faults.drop_every_nth_sample = scenario.target.drop_every_nth_sample;
    auto started = backend::Server::Start(so);
    if (!started.ok()) {
      report.infrastructure_error = "embedded backend: " + started.status().ToString();
      return report;
    }
    server = std::move(started).value();
    endpoints = {server->base_url() + "/api/v1/write", server->base_url()};
    Progress(options, "embedded backend listening on " + server->base_url());
  }
  rec.target_write_url = endpoints.write_url;
  rec.target_query_url = endpoints.query_url;

  Progress(options, "run " + rec.run_id + ": " + std::to_string(scenario.workloads.size()) +
                        " workload(s) for " + Seconds(scenario.duration_seconds));
  VisibilityProbe probe(scenario, endpoints, rec.run_id, clock);
  LoadResults loads = RunWorkloads(scenario, endpoints, rec.run_id, options, clock);
  std::optional<Result<VisibilityRecord>> visibility = probe.Finish();

  for (auto& load : loads) {
    if (!load->ok()) {
      report.infrastructure_error = "load: " + load->status().ToString();
      rec.duration_seconds = std::chrono::duration<double>(clock.SteadyNow() - start).count();
      return report;
    }
    rec.workloads.push_back(load->value().record);
    WarnIfBehind(rec.workloads.back(), rec.warnings);
  }
  if (visibility.has_value()) {
    if (visibility->ok()) {
      rec.visibility = visibility->value();
    } else {
      rec.warnings.push_back("visibility probes: " + visibility->status().ToString());
    }
  }
  Verify(scenario, endpoints, options, clock, loads, report);
  rec.duration_seconds = std::chrono::duration<double>(clock.SteadyNow() - start).count();
  report.assertions = assertions::Evaluate(rec, scenario.assertions);
  report.generated_unix_ms = clock.UnixMillisNow();
  return report;
}

}  // namespace obs::scenarios
