#include "commands.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>

#include "obs/backend/rules.h"
#include "obs/backend/server.h"
#include "obs/base/process_stats.h"
#include "obs/reports/repeat.h"
#include "obs/reports/report.h"
#include "obs/reports/writer.h"
#include "obs/scenarios/runner.h"
#include "obs/scenarios/scenario.h"

#include "args.h"
#include <sys/ioctl.h>

namespace obs::cli {
namespace {

constexpr std::string_view kRunHelp = R"(usage: obsbench run SCENARIO [flags]

Runs SCENARIO (YAML; see docs/scenario-format.md), prints the Markdown summary
on stdout and writes report.json, junit.xml, summary.md and report.html (a
self-contained page with charts; docs/report-format.md).

  --out DIR          report directory (default out/<scenario name>)
  --set path=value   override a scenario key, e.g. --set duration=10s
                     --set workloads[0].rate=5000 (repeatable)
  --run-id ID        label value for obsbench_run (default: name + start time)
  --repeat N         run the scenario N times (default: its `repeat`, else 1),
                     pausing `cooldown` between runs; the report combines the
                     runs and keeps each run's figures for `obsbench compare`;
                     for an experiment, the number of interleaved rounds
  --baseline PATH    the run relative assertions compare with ("p99 <= baseline
                     * 1.1"): a report.json or a directory holding one
                     (default: the scenario's `baseline:`)
  --watch NAME=PID   also sample this process's CPU and RSS during the load
                     (repeatable; obsbench itself is always sampled), e.g.
                     --watch victoria-metrics=$(pidof victoria-metrics-prod)
  --quiet            no progress on stderr (the summary still prints)
)";

constexpr std::string_view kValidateHelp =
    R"(usage: obsbench validate SCENARIO [--set path=value]...

Checks SCENARIO without running it and prints the load it would generate
(series, samples/s, requests/s). Exit 0 if valid, 2 with file:line:col if not.
)";

constexpr std::string_view kBackendHelp = R"(usage: obsbench backend [flags]

Runs the reference backend (remote write at /api/v1/write, the Prometheus query
API, rule evaluation and alert notifications, /metrics) until SIGINT or SIGTERM.
SIGHUP (or POST /-/reload) re-reads the rule files.

  --listen ADDR              host:port to listen on (default 127.0.0.1:9201; port 0 = any)
  --max-connections N        connections served at once, a thread each (default 512)
  --max-body-bytes N         largest accepted request body (default 33554432)
  --rules FILE               a Prometheus rule file (repeatable)
  --evaluation-interval D    interval of groups without one (default 1m; e.g. 15s, 500ms)
  --alertmanager URL         send alerts to this Alertmanager (API v2)
  --webhook URL              send alerts straight to a webhook receiver (Alertmanager webhook v4)
  --external-url URL         prefix of the alerts' generatorURL (default: the listen URL)
  --external-label NAME=VALUE  $externalLabels in templates (repeatable)

Memory: the backend runs with one glibc malloc arena (MALLOC_ARENA_MAX=1
unless the environment sets MALLOC_ARENA_MAX): its memory is long-lived series
data written from several threads, and per-thread arenas held 25-35% more RSS
for the same data at no CPU gain (docs/performance.md).
)";

constexpr std::string_view kRulesHelp =
    R"(usage: obsbench rules scale RULES.yml --time-scale S [flags]

Prints RULES.yml with every duration multiplied by S (0 < S <= 1): group
intervals, for, keep_firing_for, range selectors, offsets and subqueries, so
that a third-party evaluator (Prometheus, vmalert) runs a time-scaled alert
scenario at the same pace as the harness (docs/alerting.md).

  --time-scale S             the scenario's time_scale
  --evaluation-interval D    interval of groups without one (default 1m)
)";

// "500ms", "15s", "2m", "1h" -> milliseconds; -1 when malformed.
std::int64_t ParseFlagDuration(const std::string& text) {
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string unit(ptr, text.data() + text.size());
  if (ec != std::errc() || n <= 0) {
    return -1;
  }
  if (unit == "ms")
    return n;
  if (unit == "s")
    return n * 1000;
  if (unit == "m")
    return n * 60000;
  if (unit == "h")
    return n * 3600000;
  return -1;
}

// --watch NAME=PID values; nullopt (after saying why on stderr) for a
// malformed one or a process that is not running.
std::optional<std::vector<std::pair<std::string, std::int64_t>>> ParseWatch(
    const std::vector<std::string>& values) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const std::string& v : values) {
    const std::size_t eq = v.rfind('=');
    std::int64_t pid = 0;
    bool ok = eq != std::string::npos && eq > 0;
    if (ok) {
      const char* end = v.data() + v.size();
      const auto [ptr, ec] = std::from_chars(v.data() + eq + 1, end, pid);
      ok = ec == std::errc() && ptr == end && pid > 0;
    }
    if (!ok) {
      std::cerr << "obsbench: --watch " << v << ": expected NAME=PID, e.g. vm=1234\n";
      return std::nullopt;
    }
    if (Result<ProcessStats> s = ReadProcessStats(pid); !s.ok()) {
      std::cerr << "obsbench: --watch " << v << ": " << s.status().message() << "\n";
      return std::nullopt;
    }
    out.emplace_back(v.substr(0, eq), pid);
  }
  return out;
}

std::atomic<bool> g_stop{false};

extern "C" void OnSignal(int /*signal*/) {
  g_stop.store(true);
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  const auto p =
      Parse(args, {"--out", "--set", "--run-id", "--repeat", "--baseline", "--watch"}, {"--quiet"});
  if (!p || p->help || p->positional.size() != 1) {
    (p && p->help ? std::cout : std::cerr) << kRunHelp;
    return p && p->help ? kExitPassed : kExitUsage;
  }
  auto scenario = scenarios::LoadScenarioFile(p->positional[0], All(*p, "--set"));
  if (!scenario.ok()) {
    std::cerr << "obsbench: " << scenario.status().message() << "\n";
    return kExitUsage;
  }
  int repeat = scenario->repeat;
  if (p->flags.count("--repeat") != 0) {
    const std::string text = Last(*p, "--repeat", "1");
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), repeat);
    if (ec != std::errc() || ptr != text.data() + text.size() || repeat < 1 || repeat > 100) {
      std::cerr << "obsbench: --repeat " << text << ": must be an integer in [1, 100]\n";
      return kExitUsage;
    }
  }
  if (scenario->experiment.has_value()) {
    // An experiment repeats inside one run: `repeat` rounds of its variants,
    // interleaved (docs/overhead.md).
    scenario->repeat = repeat;
    repeat = 1;
  }
  if (repeat > 1 && (!scenario->alerts.empty() || !scenario->alerting.rule_files.empty())) {
    std::cerr << "obsbench: --repeat: alert scenarios judge each run's alert timing on its own; "
                 "run them again instead\n";
    return kExitUsage;
  }
  // Read once, for every run and for the combined report of a --repeat.
  std::optional<reports::RunReport> baseline;
  const std::string baseline_path = Last(*p, "--baseline", scenario->baseline);
  if (!baseline_path.empty()) {
    auto read = reports::ReadJsonReport(baseline_path);
    if (!read.ok()) {
      std::cerr << "obsbench: baseline: " << read.status().message() << "\n";
      return kExitUsage;
    }
    baseline.emplace(std::move(read).value());
  }
  const RunRecord* baseline_record = baseline ? &baseline->record : nullptr;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  const bool quiet = p->flags.count("--quiet") != 0;
  const auto watch = ParseWatch(All(*p, "--watch"));
  if (!watch) {
    return kExitUsage;
  }
  const bool tty = isatty(fileno(stderr)) != 0;
  winsize size{};
  const int columns = tty && ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 ? size.ws_col : 0;
  const std::string run_id = Last(*p, "--run-id", "");
  std::vector<reports::RunReport> runs;
  for (int i = 0; i < repeat && (i == 0 || !g_stop.load()); ++i) {
    if (i > 0) {
      if (!quiet) {
        std::cerr << "obsbench: run " << i + 1 << " of " << repeat << "\n";
      }
      const auto until = std::chrono::steady_clock::now() +
                         std::chrono::duration<double>(scenario->cooldown_seconds);
      while (!g_stop.load() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    auto report = scenarios::RunScenario(
        *scenario,
        {.run_id = run_id.empty() || repeat == 1 ? run_id : run_id + "-" + std::to_string(i + 1),
         .progress = quiet ? nullptr : &std::cerr,
         .stop = &g_stop,
         .baseline = baseline_record,
         .progress_live = !quiet,
         .progress_tty = tty,
         .progress_columns = columns,
         .watch_processes = *watch});
    if (!report.ok()) {
      std::cerr << "obsbench: " << report.status().ToString() << "\n";
      return kExitInfrastructure;
    }
    runs.push_back(std::move(report).value());
    if (!runs.back().infrastructure_error.empty()) {
      break;  // The target is gone: the next run would fail the same way.
    }
  }
  std::optional<reports::RunReport> report;
  report.emplace(runs.size() == 1
                     ? std::move(runs.front())
                     : reports::MergeRepeats(runs, scenario->assertions, baseline_record));
  const std::string out = Last(*p, "--out", "out/" + scenario->name);
  Status written = reports::WriteReports(*report, out);
  (void)reports::NewMarkdownWriter()->Write(*report, std::cout);
  std::cout.flush();
  if (!written.ok()) {
    std::cerr << "obsbench: " << written.ToString() << "\n";
    return kExitInfrastructure;
  }
  if (!quiet)
    std::cerr << "obsbench: reports written to " << out << "/\n";
  return reports::ExitCode(*report);
}

int ValidateCommand(const std::vector<std::string>& args) {
  const auto p = Parse(args, {"--set"}, {});
  if (!p || p->help || p->positional.size() != 1) {
    (p && p->help ? std::cout : std::cerr) << kValidateHelp;
    return p && p->help ? kExitPassed : kExitUsage;
  }
  auto scenario = scenarios::LoadScenarioFile(p->positional[0], All(*p, "--set"));
  if (!scenario.ok()) {
    std::cerr << "obsbench: " << scenario.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << p->positional[0] << ": valid\n" << scenarios::DescribeScenario(*scenario);
  return kExitPassed;
}

// One malloc arena for the backend process unless the user chose a number
// (glibc reads MALLOC_ARENA_MAX itself at start-up; mallopt would override it).
void UseOneMallocArena() {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) {
    mallopt(M_ARENA_MAX, 1);
  }
}

int BackendCommand(const std::vector<std::string>& args) {
  const auto p = Parse(
      args,
      {"--listen", "--max-connections", "--max-body-bytes", "--rules", "--evaluation-interval",
       "--alertmanager", "--webhook", "--external-url", "--external-label"},
      {});
  if (!p || p->help || !p->positional.empty()) {
    (p && p->help ? std::cout : std::cerr) << kBackendHelp;
    return p && p->help ? kExitPassed : kExitUsage;
  }
  backend::ServerOptions options;
  const std::string listen = Last(*p, "--listen", "127.0.0.1:9201");
  const std::size_t colon = listen.rfind(':');
  int port = -1;
  const std::string port_text = colon == std::string::npos ? "" : listen.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (colon == std::string::npos || ec != std::errc() ||
      ptr != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    std::cerr << "obsbench: --listen " << listen << ": expected host:port\n";
    return kExitUsage;
  }
  options.listen_address = listen.substr(0, colon);
  if (options.listen_address.size() > 2 && options.listen_address.front() == '[') {
    options.listen_address = options.listen_address.substr(1, options.listen_address.size() - 2);
  }
  options.port = static_cast<std::uint16_t>(port);
  try {
    options.max_connections = std::stoi(Last(*p, "--max-connections", "512"));
    options.max_body_bytes = std::stoull(Last(*p, "--max-body-bytes", "33554432"));
  } catch (const std::exception&) {
    std::cerr << "obsbench: --max-connections and --max-body-bytes take numbers\n";
    return kExitUsage;
  }
  if (options.max_connections < 1) {
    std::cerr << "obsbench: --max-connections must be >= 1\n";
    return kExitUsage;
  }
  options.alerting.rule_files = All(*p, "--rules");
  options.alerting.evaluation_interval_ms =
      ParseFlagDuration(Last(*p, "--evaluation-interval", "1m"));
  if (options.alerting.evaluation_interval_ms <= 0) {
    std::cerr << "obsbench: --evaluation-interval takes a duration such as 15s or 1m\n";
    return kExitUsage;
  }
  options.alerting.alertmanager_url = Last(*p, "--alertmanager", "");
  options.alerting.webhook_url = Last(*p, "--webhook", "");
  options.alerting.external_url = Last(*p, "--external-url", "");
  for (const std::string& label : All(*p, "--external-label")) {
    const std::size_t eq = label.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "obsbench: --external-label " << label << ": expected NAME=VALUE\n";
      return kExitUsage;
    }
    options.alerting.external_labels[label.substr(0, eq)] = label.substr(eq + 1);
  }
  UseOneMallocArena();
  // Block the signals in every thread; a dedicated thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto server = backend::Server::Start(options);
  if (!server.ok()) {
    std::cerr << "obsbench: " << server.status().ToString() << "\n";
    return kExitInfrastructure;
  }
  std::cout << "obsbench backend listening on " << (*server)->base_url() << std::endl;
  int sig = 0;
  while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
    const Status s = (*server)->ReloadRules();
    if (s.ok()) {
      std::cout << "obsbench backend: rules reloaded" << std::endl;
    } else {
      std::cerr << "obsbench backend: reload failed, keeping the previous rules: " << s.ToString()
                << std::endl;
    }
  }
  std::cout << "obsbench backend: stopping" << std::endl;
  (*server)->Stop();
  return kExitPassed;
}

int RulesTest(const std::vector<std::string>& files) {
  bool all = true;
  for (const std::string& f : files) {
    auto passed = backend::RunRuleTests(f, std::cout);
    if (!passed.ok()) {
      std::cerr << "obsbench: " << passed.status().message() << "\n";
      return kExitUsage;
    }
    all = all && *passed;
  }
  return all ? kExitPassed : kExitFailed;
}

int AlertmanagerConfigCommand(const std::vector<std::string>& args) {
  const auto p = Parse(args, {"--set"}, {});
  if (!p || p->help || p->positional.size() != 1) {
    (p && p->help ? std::cout : std::cerr) << kRulesHelp;
    return p && p->help ? kExitPassed : kExitUsage;
  }
  auto scenario = scenarios::LoadScenarioFile(p->positional[0], All(*p, "--set"));
  if (!scenario.ok()) {
    std::cerr << "obsbench: " << scenario.status().message() << "\n";
    return kExitUsage;
  }
  auto config = scenarios::AlertmanagerConfig(*scenario);
  if (!config.ok()) {
    std::cerr << "obsbench: " << config.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << *config;
  return kExitPassed;
}

int RulesCommand(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "alertmanager-config") {
    return AlertmanagerConfigCommand({args.begin() + 1, args.end()});
  }
  if (!args.empty() && args[0] == "test") {
    const std::vector<std::string> files(args.begin() + 1, args.end());
    if (files.empty() || files[0] == "--help" || files[0] == "-h") {
      (files.empty() ? std::cerr : std::cout) << kRulesHelp;
      return files.empty() ? kExitUsage : kExitPassed;
    }
    return RulesTest(files);
  }
  const auto p = Parse(args, {"--time-scale", "--evaluation-interval"}, {});
  if (!p || p->help || p->positional.size() != 2 || p->positional[0] != "scale") {
    (p && p->help ? std::cout : std::cerr) << kRulesHelp;
    return p && p->help ? kExitPassed : kExitUsage;
  }
  double scale = 0;
  try {
    scale = std::stod(Last(*p, "--time-scale", "0"));
  } catch (const std::exception&) {
    scale = 0;
  }
  const std::int64_t interval_ms = ParseFlagDuration(Last(*p, "--evaluation-interval", "1m"));
  if (!(scale > 0 && scale <= 1) || interval_ms <= 0) {
    std::cerr << "obsbench: rules scale needs --time-scale in (0, 1] and a positive "
                 "--evaluation-interval\n";
    return kExitUsage;
  }
  const std::string& file = p->positional[1];
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    std::cerr << "obsbench: cannot read rule file " << file << "\n";
    return kExitUsage;
  }
  auto scaled = backend::ScaleRuleFile(text.str(), file, scale, interval_ms);
  if (!scaled.ok()) {
    std::cerr << "obsbench: " << scaled.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << "# " << file << " with every duration scaled by " << scale
            << " (obsbench rules scale)\n"
            << *scaled;
  return kExitPassed;
}

int VersionCommand(const std::vector<std::string>& /*args*/) {
  std::cout << "obsbench " << OBS_VERSION << "\n";
  return kExitPassed;
}

}  // namespace obs::cli
