// RunScenario executes one validated scenario end to end: it starts the
// embedded reference backend when the target is `embedded`, runs every
// workload's open-loop load at once, measures write-to-queryable lag with
// probe writes while the load runs, reads every acknowledged sample back
// (completeness), evaluates the assertions and returns the report. Writing
// the report files and choosing the exit code are the caller's (see
// obs/reports/report.h: WriteReports, ExitCode).
//
// Failed assertions are data in the report, not errors. A target that cannot
// be reached or a verification that cannot complete is an infrastructure
// error: the report is still returned, with `infrastructure_error` set (exit
// code 3). Only a scenario the runner cannot even start returns a Status.
//
// Thread safety: RunScenario may be called from any thread; it owns every
// thread it starts and joins them before returning.

#pragma once

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/status.h"
#include "obs/reports/report.h"
#include "obs/scenarios/scenario.h"

namespace obs::scenarios {

struct RunOptions {
  // Identifies this run's series on a shared target (label obsbench_run).
  // Empty: "<scenario name>-<start time in ms, base 36>".
  std::string run_id;
  // Progress lines ("load: 12.0 s, 48210 samples/s ...") go here; null = quiet.
  std::ostream* progress = nullptr;
  // Set to true (e.g. from a signal handler) to end the load early; the run
  // still verifies and reports what was sent.
  const std::atomic<bool>* stop = nullptr;
  // Clocks for everything the run measures. Null = obs::RealClock().
  const Clock* clock = nullptr;
  // The run relative assertions compare with; null = the scenario's
  // `baseline:` file, if any (read before the load starts).
  const RunRecord* baseline = nullptr;
  // While the load runs, one live line of figures per second on `progress`
  // (rewritten in place when `progress_tty`, cut to `progress_columns` when
  // > 0), or a plain line every 10 s when not a TTY. No effect without
  // `progress`.
  bool progress_live = true;
  bool progress_tty = false;
  int progress_columns = 0;
  // Processes whose CPU and RSS are sampled during the load besides obsbench
  // itself (which hosts the embedded backend): {name, pid}, e.g. a
  // VictoriaMetrics under test. Reported in RunRecord::resources.
  std::vector<std::pair<std::string, std::int64_t>> watch_processes;
};

// REQUIRES: `scenario` came from LoadScenarioFile/ParseScenario (validated).
Result<reports::RunReport> RunScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace obs::scenarios
