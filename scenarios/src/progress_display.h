// The live progress of a run on the terminal: while the load runs, a thread
// reads each workload's loadgen::LiveProgress and shows, per workload, the
// achieved item rate against the scenario's target rate at that moment, the
// errors so far and the p99 latency of the requests settled since the last
// update, with the elapsed time and the ETA of the load:
//
//   [ 12.0s / 60s  ETA 48s] metrics 48.2k/50.0k samples/s  err 0  p99 12.3ms | traces ...
//
// On a TTY one line is rewritten in place every second ("\r" + line +
// clear-to-end of line) and a newline ends it; otherwise a plain line is
// printed every 10 s. FormatProgress is the pure formatting half.
//
// Thread safety: the Format functions are pure. A
// ProgressDisplay is started and stopped by one owner thread; what live()
// returns may be used from any thread (LiveProgress is thread-safe) until the
// display is destroyed.

#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "obs/base/clock.h"
#include "obs/loadgen/progress.h"
#include "obs/loadgen/schedule.h"
#include "obs/scenarios/scenario.h"

namespace obs::scenarios {

// What one workload shows in one update.
struct WorkloadProgress {
  std::string name;                // Workload name.
  std::string unit;                // Items: "samples", "points", "spans" or "lines".
  double achieved_per_second = 0;  // Items sent since the previous update / its time.
  double target_per_second = -1;   // The schedule's rate now; < 0 when not defined.
  std::uint64_t errors = 0;        // Requests rejected or failed so far.
  std::int64_t p99_ns = -1;        // Of requests settled since the last update; < 0: none.
};

struct ProgressFrame {
  double elapsed_seconds = 0;  // Since the load started.
  double planned_seconds = 0;  // Length of the load; 0 when unknown (no ETA).
  std::vector<WorkloadProgress> workloads;
};

// "48.2k", "1.5M", "950", "12.5": one decimal with a k/M/G suffix from 1000 up.
std::string FormatRate(double v);
// "850us", "12.3ms", "1.25s".
std::string FormatLatencyNs(std::int64_t ns);

// The progress line. With `tty`: "\r" + line + "\x1b[K", cut to `columns` - 1
// characters when `columns` > 0 (a line that wraps cannot be rewritten);
// without: "obsbench: " + line + "\n".
std::string FormatProgress(const ProgressFrame& frame, bool tty, int columns = 0);

// The schedule that gives a workload's target rate over time, when its kind
// has one in items that LiveProgress counts: remote_write (rate, stages or
// the topology's series / scrape interval) and loki_push. nullopt otherwise
// (otlp_metrics points, otlp_traces spans against a traces/s rate, signals).
std::optional<loadgen::OpenLoopSchedule> TargetSchedule(const WorkloadSpec& workload);

struct ProgressDisplayOptions {
  std::ostream* out = nullptr;  // Null: no display (live() returns null).
  bool tty = false;
  int columns = 0;  // TTY width; 0 = unknown.
  double tty_interval_seconds = 1;
  double plain_interval_seconds = 10;
  double planned_seconds = 0;    // Length of the load (ETA).
  const Clock* clock = nullptr;  // Elapsed time; null = RealClock().
};

class ProgressDisplay {
 public:
  // Creates one LiveProgress per workload of `scenario` and starts the
  // thread; time zero is now. With options.out null it does nothing.
  ProgressDisplay(const Scenario& scenario, const ProgressDisplayOptions& options);
  ~ProgressDisplay();
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // Workload `i`'s progress sink for its load generator options; null when
  // there is no display.
  loadgen::LiveProgress* live(std::size_t i) const;

  // Stops the thread promptly. On a TTY, a line that was shown is ended with
  // a newline (it stays on screen). Idempotent.
  void Stop();

 private:
  struct Source {
    std::string name;
    std::string unit;
    std::unique_ptr<loadgen::LiveProgress> live;
    std::optional<loadgen::OpenLoopSchedule> target;
    std::uint64_t last_items = 0;
  };

  ProgressFrame Update();  // Takes every snapshot (starts new windows).
  void Loop();

  ProgressDisplayOptions options_;
  const Clock& clock_;
  SteadyClock::time_point zero_;
  double last_update_seconds_ = 0;
  std::vector<Source> sources_;
  bool shown_ = false;  // A TTY line is on screen.
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // Guarded by mu_.
  std::thread thread_;
};

}  // namespace obs::scenarios
