// promql_side_by_side: the same PromQL range queries against the reference
// backend (`obsbench backend`, its own process), Prometheus 2.42 and
// VictoriaMetrics 1.79.5 in one run, on the same data and the same machine.
//
// It starts the three servers on free loopback ports with temporary data
// directories, writes the same hour of 15 s samples (10k counter series in
// 10 jobs plus 100 classic histograms of 12 buckets) to each by remote write
// in time-ordered batches, waits until each answers the full sample count,
// then times every query (1 h range, 15 s step) on each server, interleaved
// (A B C A B C ...) for --repeat rounds, and prints a Markdown table of
// median milliseconds, the ratios to Prometheus and VictoriaMetrics, and each
// server's CPU seconds during the query phase and RSS (from /proc). Answers
// are checked to hold the same number of series as Prometheus's, so an error
// is never timed. Every process is stopped by PID at exit.
//
// Usage: promql_side_by_side OBSBENCH_BINARY [--repeat N] [--no-vm]
// (ci/promql_bench.sh builds and runs it).

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "obs/testing/loopback_backend.h"
#include "obs/testing/subprocess.h"

#include <nlohmann/json.hpp>

namespace obs::testing {
namespace {

constexpr int kJobs = 10;
constexpr int kInstances = 1000;
constexpr int kHistograms = 100;
constexpr int kPoints = 241;
constexpr std::int64_t kStep = 15000;
const char* const kBounds[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                               "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};

struct Server {
  std::string name;
  std::uint16_t port;
  pid_t pid;
  std::string extra;  // Query parameters this server needs (VictoriaMetrics: nocache=1).
};

double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  double utime = 0;
  double stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) {
      utime = std::stod(f);
    } else if (i == 15) {
      stime = std::stod(f);
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double RssMiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stod(line.substr(6)) / 1024;
    }
  }
  return 0;
}

std::string Seconds(std::int64_t ms) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(ms) / 1000);
  return buf;
}

std::vector<std::string> Batches(std::int64_t start) {
  std::vector<std::string> bodies;
  for (int from = 0; from < kPoints; from += 20) {
    const int to = std::min(kPoints, from + 20);
    std::vector<TestSeries> batch;
    auto add = [&](std::vector<std::pair<std::string, std::string>> labels, int seed, int scale) {
      TestSeries s{std::move(labels), {}};
      for (int p = from; p < to; ++p) {
        s.samples.push_back({static_cast<double>(p * (seed % 7 + 1) * scale), start + p * kStep});
      }
      batch.push_back(std::move(s));
      if (batch.size() == 2000) {
        bodies.push_back(RemoteWriteBody(batch));
        batch.clear();
      }
    };
    for (int i = 0; i < kJobs * kInstances; ++i) {
      add({{"__name__", "bench_requests_total"},
           {"job", "job" + std::to_string(i % kJobs)},
           {"instance", "host" + std::to_string(i) + ":9100"}},
          i, 1);
    }
    for (int h = 0; h < kHistograms; ++h) {
      for (int b = 0; b < 12; ++b) {
        add({{"__name__", "bench_latency_seconds_bucket"},
             {"job", "job" + std::to_string(h % kJobs)},
             {"instance", "host" + std::to_string(h) + ":9100"},
             {"le", kBounds[b]}},
            h, b + 1);
      }
    }
    if (!batch.empty()) {
      bodies.push_back(RemoteWriteBody(batch));
    }
  }
  return bodies;
}

int Run(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: promql_side_by_side OBSBENCH_BINARY [--repeat N] [--no-vm]\n";
    return 2;
  }
  int repeat = 5;
  bool with_vm = true;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--no-vm") {
      with_vm = false;
    }
  }
  TempDir dir;
  std::vector<Server> servers;
  auto prom = StartPrometheus(dir.path() + "/");
  if (!prom.ok()) {
    std::cerr << "prometheus: " << prom.status() << "\n";
    return 3;
  }
  servers.push_back({"Prometheus 2.42", prom->port, prom->process.pid(), ""});
  std::optional<StartedPeer> vm;
  if (with_vm) {
    std::filesystem::create_directories(dir.path() + "/vm");
    auto v = StartVictoriaMetrics(dir.path() + "/vm");
    if (!v.ok()) {
      std::cerr << "victoria-metrics: " << v.status() << "\n";
      return 3;
    }
    vm.emplace(std::move(v).value());
    servers.push_back({"VictoriaMetrics 1.79.5", vm->port, vm->process.pid(), "&nocache=1"});
  }
  const std::uint16_t port = FreeLoopbackPort();
  auto backend =
      PeerProcess::Start({argv[1], "backend", "--listen", "127.0.0.1:" + std::to_string(port)},
                         "http://127.0.0.1:" + std::to_string(port) + "/-/ready",
                         dir.path() + "/backend.log", std::chrono::seconds(30));
  if (!backend.ok()) {
    std::cerr << "obsbench backend: " << backend.status() << "\n";
    return 3;
  }
  servers.push_back({"obsbench backend", port, backend->pid(), ""});

  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::int64_t end = now / 60000 * 60000 - 60000;
  const std::int64_t start = end - (kPoints - 1) * kStep;
  std::cerr << "writing " << (kJobs * kInstances + kHistograms * 12) << " series x " << kPoints
            << " samples to each server...\n";
  for (const std::string& body : Batches(start)) {
    for (const Server& s : servers) {
      auto r = Post(s.port, "/api/v1/write", body, RemoteWriteHeaders());
      if (!r.ok() || r->status / 100 != 2) {
        std::cerr << s.name << ": write failed: " << (r.ok() ? r->body : r.status().message())
                  << "\n";
        return 3;
      }
    }
  }
  const std::string count_query =
      "/api/v1/query?query=" +
      LoopbackBackend::UrlEncode("sum(count_over_time({__name__=~\"bench_.+\"}[2h]))") +
      "&time=" + Seconds(end);
  const std::string want = std::to_string((kJobs * kInstances + kHistograms * 12) * kPoints);
  for (const Server& s : servers) {
    bool ready = false;
    for (int i = 0; i < 120 && !ready; ++i) {
      if (s.name.find("Victoria") != std::string::npos) {
        const auto flushed = Get(s.port, "/internal/force_flush");
        (void)flushed;  // Readiness is judged by the count below.
      }
      auto r = Get(s.port, count_query + s.extra);
      ready = r.ok() && r->body.find("\"" + want + "\"") != std::string::npos;
      if (!ready) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    }
    if (!ready) {
      std::cerr << s.name << " never reported " << want << " samples\n";
      return 3;
    }
  }

  const std::vector<std::string> queries = {
      "sum(rate(bench_requests_total[1m]))",
      "sum by (job) (rate(bench_requests_total[5m]))",
      "rate(bench_requests_total{job=\"job3\"}[5m])",
      "avg_over_time(bench_requests_total{job=\"job1\"}[5m])",
      "topk(5, rate(bench_requests_total[5m]))",
      "histogram_quantile(0.9, sum by (le) (rate(bench_latency_seconds_bucket[5m])))",
      "histogram_quantile(0.99, sum by (le, job) (rate(bench_latency_seconds_bucket[5m])))",
      "sum by (job) (bench_requests_total) / on (job) group_left count by (job) "
      "(bench_requests_total)",
  };
  const std::string range =
      "&start=" + Seconds(end - 3600000) + "&end=" + Seconds(end) + "&step=15";
  std::map<std::string, std::map<std::string, std::vector<double>>> ms;
  std::map<std::string, double> cpu_before;
  for (const Server& s : servers) {
    cpu_before[s.name] = CpuSeconds(s.pid);
  }
  for (int round = 0; round < repeat; ++round) {
    for (const std::string& q : queries) {
      std::size_t reference_series = 0;
      for (const Server& s : servers) {
        const std::string path =
            "/api/v1/query_range?query=" + LoopbackBackend::UrlEncode(q) + range + s.extra;
        const auto t0 = std::chrono::steady_clock::now();
        auto r = Get(s.port, path);
        const double elapsed =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count();
        if (!r.ok() || r->status != 200) {
          std::cerr << s.name << ": " << q << ": " << (r.ok() ? r->body : r.status().message())
                    << "\n";
          return 1;
        }
        const std::size_t series = nlohmann::json::parse(r->body)["data"]["result"].size();
        if (s.name.rfind("Prometheus", 0) == 0) {
          reference_series = series;
        } else if (series != reference_series) {
          std::cerr << s.name << ": " << q << ": " << series << " series, Prometheus "
                    << reference_series << "\n";
          return 1;
        }
        ms[q][s.name].push_back(elapsed);
      }
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const std::string ours = servers.back().name;
  std::cout << "Range queries over 1 h at a 15 s step, " << (kJobs * kInstances)
            << " counter series + " << kHistograms << " histograms x 12 buckets; median of "
            << repeat << " interleaved runs, wall time at the client over loopback HTTP.\n\n";
  std::cout << "| query |";
  for (const Server& s : servers) {
    std::cout << " " << s.name << " ms |";
  }
  std::cout << " obsbench / Prometheus |" << (with_vm ? " obsbench / VictoriaMetrics |" : "")
            << "\n|---|";
  for (std::size_t i = 0; i < servers.size() + (with_vm ? 2 : 1); ++i) {
    std::cout << "---:|";
  }
  std::cout << "\n";
  for (const std::string& q : queries) {
    std::cout << "| `" << q << "` |";
    for (const Server& s : servers) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), " %.1f |", median(ms[q][s.name]));
      std::cout << buf;
    }
    char buf[64];
    std::snprintf(buf, sizeof(buf), " %.2f |",
                  median(ms[q][ours]) / median(ms[q][servers[0].name]));
    std::cout << buf;
    if (with_vm) {
      std::snprintf(buf, sizeof(buf), " %.2f |",
                    median(ms[q][ours]) / median(ms[q][servers[1].name]));
      std::cout << buf;
    }
    std::cout << "\n";
  }
  std::cout << "\n| server | CPU s in the query phase | RSS MiB |\n|---|---:|---:|\n";
  for (const Server& s : servers) {
    char buf[128];
    std::snprintf(buf, sizeof(buf), "| %s | %.2f | %.0f |\n", s.name.c_str(),
                  CpuSeconds(s.pid) - cpu_before[s.name], RssMiB(s.pid));
    std::cout << buf;
  }
  return 0;
}

}  // namespace
}  // namespace obs::testing

int main(int argc, char** argv) {
  return obs::testing::Run(argc, argv);
}
