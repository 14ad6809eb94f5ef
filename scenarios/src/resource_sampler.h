// ResourceSampler records what processes use while a run lasts: a thread
// reads the CPU time and resident set size of each watched process (obsbench
// itself, which hosts the embedded backend, and any peer the user names) once
// per interval, and Stop() turns the readings into obs::ProcessResources for
// the report: CPU cores per interval (CPU time used / wall time), the mean
// over the whole sampling, and the largest RSS seen.
//
// Memory is bounded whatever the run length: each process keeps at most
// `max_samples` samples. When the series is full, adjacent pairs merge (CPU
// cores averaged over the pair's time, RSS the larger) and from then on one
// sample covers twice as many readings, so a long run ends with a coarser but
// evenly spaced series.
//
// Thread safety: ResourceSeries has none (the sampler's thread owns each).
// A ResourceSampler is started and stopped by one owner thread; its own
// thread is joined by Stop() or the destructor.

#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"

namespace obs::scenarios {

// The samples of one process, built from successive readings.
class ResourceSeries {
 public:
  // REQUIRES: max_samples >= 2.
  ResourceSeries(std::string name, std::int64_t pid, std::size_t max_samples);

  // One reading at `t_seconds` (non-decreasing). The first is the baseline
  // for CPU time and makes no sample; `rss_peak_bytes` (VmHWM, 0 = unused)
  // counts towards rss_max_bytes only.
  void Add(double t_seconds, double cpu_seconds, std::uint64_t rss_bytes,
           std::uint64_t rss_peak_bytes = 0);

  // Closes the series: readings not yet in a sample (a partial stride) become
  // the last one. cpu_seconds and cpu_cores_mean span the first to the last
  // reading (0 with fewer than two readings).
  ProcessResources Finish();

  std::size_t readings() const { return readings_; }
  double last_t_seconds() const { return last_t_; }

 private:
  void Emit();

  ProcessResources out_;
  std::size_t max_samples_;
  std::size_t readings_ = 0;
  std::size_t stride_ = 1;   // Readings per sample (doubles at each merge).
  std::size_t pending_ = 0;  // Readings since the last sample.
  double first_t_ = 0, first_cpu_ = 0;
  double emitted_t_ = 0, emitted_cpu_ = 0;  // At the end of the last sample.
  double last_t_ = 0, last_cpu_ = 0;
  std::uint64_t pending_rss_max_ = 0;
};

struct WatchedProcess {
  std::string name;  // E.g. "obsbench", "victoria-metrics".
  std::int64_t pid = 0;
  // Count the process's peak RSS (VmHWM) in rss_max_bytes: right for
  // obsbench itself, whose samples may miss a short peak (for this process
  // the peak is reset when sampling starts); wrong for a peer that ran long
  // before the run (its peak is lifetime).
  bool include_peak = false;
};

struct ResourceSamplerOptions {
  std::vector<WatchedProcess> processes;
  double interval_seconds = 1;     // Between readings; > 0.
  std::size_t max_samples = 3600;  // Per process; >= 2.
  const Clock* clock = nullptr;    // Wall time of readings; null = RealClock().
};

struct ResourceUsage {
  std::vector<ProcessResources> processes;  // Watched order; unreadable ones left out.
  // A process that could not be read at the start, or exited during the run.
  std::vector<std::string> warnings;
};

class ResourceSampler {
 public:
  // Takes the first reading of every process now (time zero of the samples)
  // and starts the sampling thread. Never fails: a process that cannot be
  // read is reported by Stop() in `warnings`. REQUIRES: valid options.
  static std::unique_ptr<ResourceSampler> Start(ResourceSamplerOptions options);
  ~ResourceSampler();
  ResourceSampler(const ResourceSampler&) = delete;
  ResourceSampler& operator=(const ResourceSampler&) = delete;

  // Takes a last reading, joins the thread and returns what was recorded.
  // Returns the same result when called again.
  ResourceUsage Stop();

 private:
  struct Watched {
    WatchedProcess process;
    ResourceSeries series;
    bool gone = false;  // Unreadable since the last reading.
  };

  explicit ResourceSampler(ResourceSamplerOptions options);
  void ReadAll();  // One reading of every process still running.
  void Loop();

  ResourceSamplerOptions options_;
  const Clock& clock_;
  SteadyClock::time_point zero_;
  std::vector<Watched> watched_;
  std::vector<std::string> warnings_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // Guarded by mu_.
  bool stopped_ = false;   // Owner thread only.
  ResourceUsage result_;
  std::thread thread_;
};

}  // namespace obs::scenarios
