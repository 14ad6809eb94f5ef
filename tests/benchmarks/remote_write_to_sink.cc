// remote_write_to_sink: what one core of the load generator can send. The
// real remote-write sender (obs::loadgen::RunRemoteWrite: open-loop schedule,
// scrape-like batches of 2000 distinct series x 1 sample from a SeriesSet of
// http_red/node/process instances with ~8 labels, protobuf + snappy,
// keep-alive HTTP, ledger, latency histograms) runs with ONE sender thread
// for --seconds at a target rate above what one core can do, against an
// in-process DiscardServer that skips the bodies. The loadgen's CPU is the
// process's CPU over the run minus the server threads'; samples per
// loadgen-CPU-second is the per-core rate.
//
// The same run measures snappy alone on the same bytes: it encodes requests
// of the same series set (2000 series x 1 sample), and times
// SnappyCompress on them; the ratio loadgen / snappy says how close the
// generator gets to the cost of compression alone (target >= 0.70 in
// docs/performance.md).
//
// Usage: remote_write_to_sink [--seconds 5] [--rate 5000000] [--instances 200]
//                             [--min-per-core R]
// Prints a Markdown table. Exit codes: 0 ok, 1 below --min-per-core samples
// per CPU second (default 0: no floor), 3 the sender failed.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "obs/base/clock.h"
#include "obs/loadgen/remote_write.h"
#include "obs/loadgen/series_set.h"
#include "obs/testing/discard_server.h"
#include "obs/wire/remote_write.h"
#include "obs/wire/snappy.h"

namespace obs {
namespace {

struct Flags {
  double seconds = 5;
  double rate = 5'000'000;
  int instances = 200;
  double min_per_core = 0;
};

loadgen::SeriesSetOptions SetOptions(int instances) {
  return {.models = {{.kind = "http_red", .routes = 10}, {.kind = "node"}, {.kind = "process"}},
          .instances = instances,
          .seed = 1,
          .run_id = "sink"};
}

// Snappy alone: samples per second compressing 2000-series requests of the
// same set, encoded once (the encoding is not timed).
double SnappySamplesPerSecond(int instances) {
  auto set = loadgen::SeriesSet::Create(SetOptions(instances));
  if (!set.ok()) {
    return 0;
  }
  std::vector<std::string> raw;
  const std::int64_t t = 1'700'000'000'000;
  wire::WriteRequestEncoder encoder;
  for (std::size_t from = 0; from + 2000 <= set->slots() && raw.size() < 16; from += 2000) {
    encoder.Reset();
    for (std::size_t slot = from; slot < from + 2000; ++slot) {
      const std::uint32_t id = set->SeriesId(slot, t);
      encoder.BeginSeries();
      for (const auto& l : set->Labels(id)) {
        encoder.AddLabel(l.name, l.value);
      }
      encoder.AddSample(set->Value(id, t), t);
      encoder.EndSeries();
    }
    raw.emplace_back(encoder.Finish());
  }
  if (raw.empty()) {
    return 0;
  }
  std::string out;
  std::size_t samples = 0;
  const double cpu0 = testing::RusageCpuSeconds(RUSAGE_THREAD);
  double cpu = 0;
  while (cpu < 1.0) {
    for (const std::string& r : raw) {
      wire::SnappyCompressTo(r, out);
      samples += 2000;
    }
    cpu = testing::RusageCpuSeconds(RUSAGE_THREAD) - cpu0;
  }
  return static_cast<double>(samples) / cpu;
}

int Run(const Flags& f) {
  testing::DiscardServer server;
  loadgen::RemoteWriteOptions o;
  o.name = "sink";
  o.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/write";
  o.series = SetOptions(f.instances);
  o.samples_per_second = f.rate;
  o.duration_seconds = f.seconds;
  o.batch_size = 2000;
  o.concurrency = 1;
  o.late_threshold_seconds = 0.01;
  const double cpu0 = testing::RusageCpuSeconds(RUSAGE_SELF);
  auto result = loadgen::RunRemoteWrite(o, RealClock());
  const double process_cpu = testing::RusageCpuSeconds(RUSAGE_SELF) - cpu0;
  if (!result.ok()) {
    std::cerr << "remote_write_to_sink: " << result.status() << "\n";
    return 3;
  }
  server.WaitIdle(std::chrono::seconds(5));
  const double server_cpu = server.TakeCpu();
  const WorkloadRecord& w = result->record;
  const double loadgen_cpu = process_cpu - server_cpu;
  const double samples = static_cast<double>(w.samples_acked);
  const double per_core = samples / loadgen_cpu;
  const double snappy = SnappySamplesPerSecond(f.instances);
  std::printf(
      "| series | samples sent | target / achieved samples/s | loadgen CPU s | loadgen samples "
      "per CPU s | sink CPU s | snappy alone samples/s | loadgen / snappy |\n"
      "|--:|--:|--:|--:|--:|--:|--:|--:|\n"
      "| %zu | %.0f | %.0f / %.0f | %.2f | **%.2f M** | %.2f | %.2f M | **%.2f** |\n",
      result->series.slots(), samples, f.rate, w.achieved_samples_per_second, loadgen_cpu,
      per_core / 1e6, server_cpu, snappy / 1e6, per_core / snappy);
  if (w.requests_failed + w.requests_rejected > 0) {
    std::cerr << "remote_write_to_sink: requests failed\n";
    return 3;
  }
  if (per_core < f.min_per_core) {
    std::cerr << "remote_write_to_sink: " << per_core << " samples per CPU second is below "
              << f.min_per_core << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace obs

int main(int argc, char** argv) {
  obs::Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--seconds" && has_value) {
      f.seconds = std::max(0.5, std::atof(argv[++i]));
    } else if (a == "--rate" && has_value) {
      f.rate = std::max(1000.0, std::atof(argv[++i]));
    } else if (a == "--instances" && has_value) {
      f.instances = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--min-per-core" && has_value) {
      f.min_per_core = std::atof(argv[++i]);
    } else {
      std::cerr << "remote_write_to_sink: unknown argument " << a << "\n";
      return 2;
    }
  }
  return obs::Run(f);
}
