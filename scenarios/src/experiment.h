// RunExperiment executes a scenario with an `experiment` section
// (docs/overhead.md): for `repeat` rounds, each variant in scenario order
// (A B C A B C ...): start the application (or attach to its PID), wait until
// it is ready, optionally warm it up, sample its process tree from /proc
// while the identical http load runs, stop it (SIGTERM, so it flushes its
// telemetry), and wait until its export destinations stop receiving. The
// destinations the variants export to are played by embedded counting OTLP
// receivers on loopback. Afterwards the overhead of every variant against
// the baseline variant (paired by round, with 95% confidence intervals) and
// the export completeness per destination go into RunRecord::experiment,
// each variant's load (all rounds merged) into RunRecord::workloads as
// "<variant>/<workload>", and the assertions are evaluated.
//
// Thread safety: called by RunScenario on its thread; owns everything it starts.

#pragma once

#include "obs/base/clock.h"
#include "obs/reports/report.h"
#include "obs/scenarios/runner.h"
#include "obs/scenarios/scenario.h"

namespace obs::scenarios::internal {

// REQUIRES: scenario.experiment is set. `report` has its header filled
// (scenario, run id, environment); an application that cannot be started or
// a load that cannot run sets report.infrastructure_error and ends the
// experiment with what was measured so far.
void RunExperiment(const Scenario& scenario, const RunOptions& options, const Clock& clock,
                   const RunRecord* baseline, reports::RunReport& report);

}  // namespace obs::scenarios::internal
