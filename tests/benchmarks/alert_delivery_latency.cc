// alert_delivery_latency: how long after its evaluation instant a firing
// alert of the reference backend reaches a webhook receiver.
//
// The backend runs in this process on a free loopback port with --alerts
// rules spread over --groups rule groups (interval --interval-ms). Every rule
// is `vector(1) and on() (vector(time()) % P < P / 2)`: it fires for half of each
// period P and is inactive for the other half, so each rule makes a new
// alert (a new startsAt) once per period. The rules have no `for`, so an
// alert's startsAt is the evaluation instant that found it active. The
// notifier posts webhook v4 messages to the harness's AlertReceiver; for
// every first "firing" delivery of an (alert, startsAt) the delay is
// arrival - startsAt, on one clock: startsAt is the scheduled evaluation
// millisecond and the arrival is taken in microseconds, so the figures are
// not rounded down to whole milliseconds. Prints the count, p50, p99 and max
// (ms, two decimals), and exits 1 when p99 exceeds --max-p99-ms (default: no
// check) or when an alert that became active was never delivered.
//
// Usage: alert_delivery_latency [--seconds N] [--alerts N] [--groups N]
//        [--interval-ms N] [--period-s N] [--max-p99-ms X]
// (docs/performance.md quotes it; a short smoke runs in CI.)

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "obs/loadgen/alert_receiver.h"
#include "obs/testing/loopback_backend.h"
#include "obs/testing/sample_stats.h"
#include "obs/testing/subprocess.h"

namespace obs::testing {
namespace {

struct Options {
  int seconds = 30;
  int alerts = 40;
  int groups = 4;
  int interval_ms = 200;
  int period_s = 4;
  double max_p99_ms = NAN;
};

int Run(const Options& opt) {
  TempDir dir;
  const std::string rules = dir.path() + "/rules.yml";
  {
    std::ofstream out(rules);
    out << "groups:\n";
    for (int g = 0; g < opt.groups; ++g) {
      out << "  - name: g" << g << "\n    interval: " << opt.interval_ms << "ms\n    rules:\n";
      for (int a = g; a < opt.alerts; a += opt.groups) {
        out << "      - alert: Bench" << a
            << "\n        expr: vector(1) and on() (vector(time()) % " << opt.period_s << " < "
            << opt.period_s / 2.0 << ")\n"
            << "        labels: {severity: page}\n";
      }
    }
  }
  auto receiver = loadgen::AlertReceiver::Start({});
  if (!receiver.ok()) {
    std::cerr << "receiver: " << receiver.status() << "\n";
    return 3;
  }
  backend::ServerOptions options;
  options.alerting.rule_files = {rules};
  options.alerting.webhook_url = (*receiver)->base_url() + "/webhook";
  options.alerting.resend_delay_ms = 3'600'000;  // Only new alerts and resolutions are sent.
  LoopbackBackend backend;
  if (const Status s = backend.Start(options); !s.ok()) {
    std::cerr << "backend: " << s << "\n";
    return 3;
  }
  std::cerr << opt.alerts << " alerts in " << opt.groups << " groups every " << opt.interval_ms
            << " ms, each firing " << opt.period_s / 2.0 << " s of every " << opt.period_s
            << " s, for " << opt.seconds << " s\n";
  std::this_thread::sleep_for(std::chrono::seconds(opt.seconds));
  // The last alerts to become active get a moment to arrive.
  std::this_thread::sleep_for(std::chrono::seconds(1));

  std::vector<double> delays;
  std::set<std::pair<std::string, std::int64_t>> seen;
  std::map<std::string, std::set<std::int64_t>> resolved_starts;
  for (const loadgen::Notification& n : (*receiver)->Notifications()) {
    for (const wire::AmAlert& a : n.alerts) {
      const std::string name = a.labels.count("alertname") ? a.labels.at("alertname") : "";
      if (a.status == "resolved") {
        resolved_starts[name].insert(a.starts_at_ms);
        continue;
      }
      if (seen.insert({name, a.starts_at_ms}).second) {
        delays.push_back(static_cast<double>(n.arrival_unix_us - a.starts_at_ms * 1000) / 1000);
      }
    }
  }
  // An alert resolved but never delivered as firing was lost.
  std::size_t never_fired = 0;
  for (const auto& [name, starts] : resolved_starts) {
    for (std::int64_t s : starts) {
      never_fired += seen.count({name, s}) == 0 ? 1U : 0U;
    }
  }
  const double p99 = Quantile(delays, 0.99);
  std::printf(
      "| alerts delivered as firing | delivery - startsAt p50 ms | p99 ms | max ms | resolved "
      "without a firing delivery |\n|--:|--:|--:|--:|--:|\n| %zu | %.2f | %.2f | %.2f | %zu |\n",
      delays.size(), Quantile(delays, 0.5), p99, Quantile(delays, 1.0), never_fired);
  if (delays.empty() || never_fired > 0) {
    std::cerr << "alerts were not delivered\n";
    return 1;
  }
  if (!std::isnan(opt.max_p99_ms) && p99 > opt.max_p99_ms) {
    std::cerr << "p99 " << p99 << " ms is above " << opt.max_p99_ms << " ms\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace obs::testing

int main(int argc, char** argv) {
  obs::testing::Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--seconds" && has_value) {
      opt.seconds = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--alerts" && has_value) {
      opt.alerts = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--groups" && has_value) {
      opt.groups = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--interval-ms" && has_value) {
      opt.interval_ms = std::max(10, std::atoi(argv[++i]));
    } else if (a == "--period-s" && has_value) {
      opt.period_s = std::max(2, std::atoi(argv[++i]));
    } else if (a == "--max-p99-ms" && has_value) {
      opt.max_p99_ms = std::atof(argv[++i]);
    } else {
      std::cerr << "alert_delivery_latency: unknown argument " << a << "\n";
      return 2;
    }
  }
  return obs::testing::Run(opt);
}
