// http_vs_wrk: the `http` workload (obs::loadgen::RunHttpLoad, open loop,
// coordinated-omission corrected) and `wrk` (closed loop, as fast as the
// target answers) against the same loopback server in one run, on the same
// machine, interleaved for --rounds rounds.
//
// Each round first runs `wrk -t T -c C -d D --latency` and reads its
// Requests/sec and latency percentiles; then it runs the http workload open
// loop for D seconds at a target rate equal to what wrk just reached, with C
// connections (= C sender threads), and records the rate it achieved, its
// late and unsent requests and its corrected and uncorrected latency. The
// question is whether obsbench can *offer* wrk's maximum rate on a fixed
// schedule: achieved / wrk of 1.0 means it does (it reads 0.999x when held:
// the achieved rate counts the time to the last answer, and the workload
// never sends more than its schedule). wrk's latency is measured
// from the actual send (closed loop, so not corrected for coordinated
// omission) and is comparable to the loadgen's uncorrected column only.
//
// CPU: wrk's from the child's rusage; the loadgen's as the process's CPU over
// its phase minus the server's; the server's as the sum of its connection
// threads' RUSAGE_THREAD (each thread lives for one connection of one phase).
//
// The server is obs/testing/discard_server.h, not the tests' LoopbackSink
// (which records and decodes every request under a lock and would be the
// bottleneck): a thread per connection answering each request with a fixed
// 200 "ok" (pipelined requests answered in order). Both tools pay the same
// server cost; on a small machine all three share the cores.
//
// Usage: http_vs_wrk [--rounds 3] [--seconds 10] [--connections 10]
//                    [--threads 2] [--json FILE] [--min-ratio R] [--wrk PATH]
//                    [--rate-factor F]
// --rate-factor offers F x wrk's rate instead (0.9: is a rate just below
// the maximum held on time?); the ratio stays achieved / wrk.
// Prints a Markdown table of medians and, last, one JSON line. Exit codes:
// 0 ok, 1 the median ratio is below --min-ratio (default 0: no floor),
// 2 usage, 3 wrk or the loadgen failed. ci/http_bench.sh builds and runs it.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "obs/base/clock.h"
#include "obs/loadgen/http_load.h"
#include "obs/testing/discard_server.h"
#include "obs/testing/sample_stats.h"
#include "obs/testing/subprocess.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

namespace obs {
namespace {

double CpuOf(int who) {
  return testing::RusageCpuSeconds(who);
}

using FastServer = testing::DiscardServer;

struct Flags {
  int rounds = 3;
  double seconds = 10;
  int connections = 10;
  int threads = 2;
  std::string json_path;
  double min_ratio = 0;
  double rate_factor = 1;  // The loadgen's target = this x wrk's rate.
  std::string wrk = "wrk";
};

struct WrkRun {
  double rps = 0;
  std::uint64_t requests = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::uint64_t errors = 0;  // Socket errors + non-2xx/3xx answers.
  double cpu_s = 0;
  double server_cpu_s = 0;
};

struct LoadRun {
  double target_rps = 0;
  double achieved_rps = 0;
  std::uint64_t requests = 0;
  std::uint64_t late = 0;
  std::uint64_t unsent = 0;
  std::uint64_t failed = 0;  // Not 2xx/3xx.
  double p50_ms = 0;         // Corrected (from the due time).
  double p99_ms = 0;
  double p50_uncorrected_ms = 0;  // From the actual send.
  double p99_uncorrected_ms = 0;
  double cpu_s = 0;
  double server_cpu_s = 0;
};

// "1.23ms" -> 1.23; wrk's units are us, ms, s, m and h.
double WrkMillis(const std::string& value, const std::string& unit) {
  const double v = std::stod(value);
  if (unit == "us")
    return v / 1000;
  if (unit == "ms")
    return v;
  if (unit == "s")
    return v * 1000;
  if (unit == "m")
    return v * 60000;
  if (unit == "h")
    return v * 3600000;
  return -1;
}

std::optional<WrkRun> ParseWrk(const std::string& out) {
  WrkRun r;
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    return std::nullopt;
  }
  r.rps = std::stod(m[1]);
  if (std::regex_search(out, m, std::regex(R"((\d+) requests in)"))) {
    r.requests = std::stoull(m[1]);
  }
  if (std::regex_search(out, m, std::regex(R"(\n\s+50%\s+([0-9.]+)(us|ms|s|m|h))"))) {
    r.p50_ms = WrkMillis(m[1], m[2]);
  }
  if (std::regex_search(out, m, std::regex(R"(\n\s+99%\s+([0-9.]+)(us|ms|s|m|h))"))) {
    r.p99_ms = WrkMillis(m[1], m[2]);
  }
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses:\s+(\d+))"))) {
    r.errors += std::stoull(m[1]);
  }
  if (std::regex_search(
          out, m,
          std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
    for (int i = 1; i <= 4; ++i) {
      r.errors += std::stoull(m[static_cast<std::size_t>(i)]);
    }
  }
  return r;
}

std::optional<WrkRun> RunWrk(const Flags& f, FastServer& server) {
  const double children_before = CpuOf(RUSAGE_CHILDREN);
  server.TakeCpu();
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  const auto seconds = static_cast<int>(std::lround(f.seconds));
  auto r = testing::RunProcess(
      {f.wrk, "-t" + std::to_string(f.threads), "-c" + std::to_string(f.connections),
       "-d" + std::to_string(seconds) + "s", "--latency", url},
      std::chrono::seconds(seconds + 60));
  if (!r.ok() || r->exit_code != 0) {
    std::cerr << "http_vs_wrk: wrk failed: "
              << (r.ok() ? "exit " + std::to_string(r->exit_code) + ": " + r->err + r->out
                         : r.status().message())
              << "\n";
    return std::nullopt;
  }
  auto parsed = ParseWrk(r->out);
  if (!parsed) {
    std::cerr << "http_vs_wrk: cannot read wrk's output:\n" << r->out << "\n";
    return std::nullopt;
  }
  parsed->cpu_s = CpuOf(RUSAGE_CHILDREN) - children_before;
  server.WaitIdle(std::chrono::seconds(5));
  parsed->server_cpu_s = server.TakeCpu();
  return parsed;
}

std::optional<LoadRun> RunLoad(const Flags& f, FastServer& server, double rate) {
  loadgen::HttpLoadOptions o;
  o.name = "http_vs_wrk";
  o.base_url = "http://127.0.0.1:" + std::to_string(server.port());
  o.requests = {{.method = "GET", .path = "/"}};
  o.requests_per_second = rate;
  o.duration_seconds = std::round(f.seconds);
  o.concurrency = f.connections;
  o.request_timeout_seconds = 10;
  server.TakeCpu();
  const double self_before = CpuOf(RUSAGE_SELF);
  auto result = loadgen::RunHttpLoad(o, RealClock());
  server.WaitIdle(std::chrono::seconds(5));
  const double self_cpu = CpuOf(RUSAGE_SELF) - self_before;
  if (!result.ok()) {
    std::cerr << "http_vs_wrk: http load failed: " << result.status() << "\n";
    return std::nullopt;
  }
  const WorkloadRecord& rec = result->record;
  LoadRun r;
  r.target_rps = rec.target_requests_per_second;
  r.achieved_rps = rec.achieved_requests_per_second;
  r.requests = rec.requests;
  r.late = rec.requests_late;
  r.unsent = rec.requests_unsent;
  r.failed = rec.requests_failed + rec.requests_rejected;
  r.p50_ms = static_cast<double>(rec.latency_corrected.ValueAtPercentile(50)) / 1e6;
  r.p99_ms = static_cast<double>(rec.latency_corrected.ValueAtPercentile(99)) / 1e6;
  r.p50_uncorrected_ms = static_cast<double>(rec.latency_uncorrected.ValueAtPercentile(50)) / 1e6;
  r.p99_uncorrected_ms = static_cast<double>(rec.latency_uncorrected.ValueAtPercentile(99)) / 1e6;
  r.server_cpu_s = server.TakeCpu();
  r.cpu_s = std::max(0.0, self_cpu - r.server_cpu_s);
  return r;
}

using testing::Median;

template <typename T, typename F>
double MedianOf(const std::vector<T>& runs, F field) {
  std::vector<double> v;
  for (const T& r : runs) {
    v.push_back(static_cast<double>(field(r)));
  }
  return Median(v);
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

bool ParseFlags(int argc, char** argv, Flags& f) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "http_vs_wrk: " << a << " needs a value\n";
      return false;
    }
    const std::string v = argv[++i];
    try {
      if (a == "--rounds") {
        f.rounds = std::stoi(v);
      } else if (a == "--seconds") {
        f.seconds = std::stod(v);
      } else if (a == "--connections") {
        f.connections = std::stoi(v);
      } else if (a == "--threads") {
        f.threads = std::stoi(v);
      } else if (a == "--json") {
        f.json_path = v;
      } else if (a == "--min-ratio") {
        f.min_ratio = std::stod(v);
      } else if (a == "--rate-factor") {
        f.rate_factor = std::stod(v);
      } else if (a == "--wrk") {
        f.wrk = v;
      } else {
        std::cerr << "http_vs_wrk: unknown flag " << a << "\n";
        return false;
      }
    } catch (const std::exception&) {
      std::cerr << "http_vs_wrk: bad value for " << a << ": " << v << "\n";
      return false;
    }
  }
  if (f.rounds < 1 || f.seconds < 1 || f.connections < 1 || f.connections > 256 || f.threads < 1 ||
      f.threads > f.connections || !(f.rate_factor > 0)) {
    std::cerr << "http_vs_wrk: need rounds >= 1, seconds >= 1, 1 <= threads <= connections "
                 "<= 256, rate factor > 0\n";
    return false;
  }
  return true;
}

int Main(int argc, char** argv) {
  Flags f;
  if (!ParseFlags(argc, argv, f)) {
    return 2;
  }
  FastServer server;
  std::vector<WrkRun> wrks;
  std::vector<LoadRun> loads;
  std::vector<double> ratios;
  for (int round = 1; round <= f.rounds; ++round) {
    auto w = RunWrk(f, server);
    if (!w || w->errors > 0 || w->rps <= 0) {
      if (w) {
        std::cerr << "http_vs_wrk: wrk saw " << w->errors << " errors\n";
      }
      return 3;
    }
    auto l = RunLoad(f, server, w->rps * f.rate_factor);
    if (!l) {
      return 3;
    }
    if (l->failed > 0) {
      std::cerr << "http_vs_wrk: the http load saw " << l->failed << " failed requests\n";
      return 3;
    }
    std::cerr << "round " << round << ": wrk " << Fixed(w->rps, 0) << " req/s (p99 "
              << Fixed(w->p99_ms, 2) << " ms, " << Fixed(w->cpu_s, 2) << " CPU s); http "
              << Fixed(l->achieved_rps, 0) << " req/s of " << Fixed(l->target_rps, 0) << " (late "
              << l->late << ", unsent " << l->unsent << ", p99 corrected " << Fixed(l->p99_ms, 2)
              << " ms, " << Fixed(l->cpu_s, 2) << " CPU s)\n";
    ratios.push_back(l->achieved_rps / w->rps);
    wrks.push_back(*w);
    loads.push_back(*l);
  }

  const double wrk_rps = MedianOf(wrks, [](const WrkRun& r) { return r.rps; });
  const double load_rps = MedianOf(loads, [](const LoadRun& r) { return r.achieved_rps; });
  const double ratio = Median(ratios);
  const auto per_req_us = [](double cpu, double requests) {
    return requests > 0 ? cpu / requests * 1e6 : 0;
  };
  const double wrk_cpu_us =
      MedianOf(wrks, [&](const WrkRun& r) { return per_req_us(r.cpu_s, double(r.requests)); });
  const double load_cpu_us =
      MedianOf(loads, [&](const LoadRun& r) { return per_req_us(r.cpu_s, double(r.requests)); });
  const double wrk_server_us = MedianOf(
      wrks, [&](const WrkRun& r) { return per_req_us(r.server_cpu_s, double(r.requests)); });
  const double load_server_us = MedianOf(
      loads, [&](const LoadRun& r) { return per_req_us(r.server_cpu_s, double(r.requests)); });

  std::cout << "\nhttp workload (open loop) vs wrk (closed loop): " << f.rounds << " rounds x "
            << Fixed(f.seconds, 0) << " s, " << f.connections << " connections, wrk -t" << f.threads
            << "; one loopback server shared by both. Each cell is that column's median over the "
               "rounds; the ratio is the median of the rounds' ratios.\n\n";
  std::cout << "| | wrk | http (obsbench) |\n|---|---:|---:|\n";
  std::cout << "| requests/s | " << Fixed(wrk_rps, 0) << " | " << Fixed(load_rps, 0)
            << " achieved of "
            << Fixed(MedianOf(loads, [](const LoadRun& r) { return r.target_rps; }), 0)
            << " target |\n";
  std::cout << "| late (> 10 ms) / unsent requests | - | "
            << Fixed(MedianOf(loads, [](const LoadRun& r) { return r.late; }), 0) << " / "
            << Fixed(MedianOf(loads, [](const LoadRun& r) { return r.unsent; }), 0) << " |\n";
  std::cout << "| p50 / p99 ms, from the due time (CO-corrected) | n/a | "
            << Fixed(MedianOf(loads, [](const LoadRun& r) { return r.p50_ms; }), 3) << " / "
            << Fixed(MedianOf(loads, [](const LoadRun& r) { return r.p99_ms; }), 3) << " |\n";
  std::cout << "| p50 / p99 ms, from the actual send | "
            << Fixed(MedianOf(wrks, [](const WrkRun& r) { return r.p50_ms; }), 3) << " / "
            << Fixed(MedianOf(wrks, [](const WrkRun& r) { return r.p99_ms; }), 3) << " | "
            << Fixed(MedianOf(loads, [](const LoadRun& r) { return r.p50_uncorrected_ms; }), 3)
            << " / "
            << Fixed(MedianOf(loads, [](const LoadRun& r) { return r.p99_uncorrected_ms; }), 3)
            << " |\n";
  std::cout << "| client CPU us / request | " << Fixed(wrk_cpu_us, 2) << " | "
            << Fixed(load_cpu_us, 2) << " |\n";
  std::cout << "| server CPU us / request | " << Fixed(wrk_server_us, 2) << " | "
            << Fixed(load_server_us, 2) << " |\n";
  std::cout << "\nratio achieved / wrk requests/s (median of rounds): " << Fixed(ratio, 3)
            << " (>= 1.0: the open-loop http workload holds wrk's maximum rate; the achieved rate "
               "counts the time to the last answer, so a held rate reads 0.999x)\n";
  std::cout << "wrk is closed loop: its latency is measured from the actual send and is not "
               "corrected for coordinated omission; compare it with the uncorrected row only.\n";

  std::ostringstream json;
  json << "{\"rounds\":" << f.rounds << ",\"seconds\":" << f.seconds
       << ",\"connections\":" << f.connections << ",\"wrk_threads\":" << f.threads
       << ",\"rate_factor\":" << f.rate_factor << ",\"wrk_rps\":" << Fixed(wrk_rps, 1)
       << ",\"http_rps\":" << Fixed(load_rps, 1) << ",\"ratio\":" << Fixed(ratio, 4)
       << ",\"per_round\":[";
  for (std::size_t i = 0; i < wrks.size(); ++i) {
    const WrkRun& w = wrks[i];
    const LoadRun& l = loads[i];
    json << (i ? "," : "") << "{\"wrk\":{\"rps\":" << Fixed(w.rps, 1)
         << ",\"requests\":" << w.requests << ",\"p50_ms\":" << Fixed(w.p50_ms, 3)
         << ",\"p99_ms\":" << Fixed(w.p99_ms, 3) << ",\"cpu_s\":" << Fixed(w.cpu_s, 3)
         << ",\"server_cpu_s\":" << Fixed(w.server_cpu_s, 3)
         << "},\"http\":{\"target_rps\":" << Fixed(l.target_rps, 1)
         << ",\"achieved_rps\":" << Fixed(l.achieved_rps, 1) << ",\"requests\":" << l.requests
         << ",\"late\":" << l.late << ",\"unsent\":" << l.unsent
         << ",\"p50_ms\":" << Fixed(l.p50_ms, 3) << ",\"p99_ms\":" << Fixed(l.p99_ms, 3)
         << ",\"p50_uncorrected_ms\":" << Fixed(l.p50_uncorrected_ms, 3)
         << ",\"p99_uncorrected_ms\":" << Fixed(l.p99_uncorrected_ms, 3)
         << ",\"cpu_s\":" << Fixed(l.cpu_s, 3) << ",\"server_cpu_s\":" << Fixed(l.server_cpu_s, 3)
         << "},\"ratio\":" << Fixed(ratios[i], 4) << "}";
  }
  json << "]}";
  std::cout << json.str() << "\n";
  if (!f.json_path.empty()) {
    std::ofstream(f.json_path) << json.str() << "\n";
  }
  if (ratio < f.min_ratio) {
    std::cerr << "http_vs_wrk: ratio " << Fixed(ratio, 3) << " is below the floor "
              << Fixed(f.min_ratio, 2) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace obs

int main(int argc, char** argv) {
  return obs::Main(argc, argv);
}
