// A signal workload writes a handful of series whose values follow
// deterministic shapes (obs/loadgen/signal.h), one remote-write request per
// tick, so an alert scenario can drive a rule's expression across its
// threshold at a known moment. Two ways to name the series:
//
//   - `series`: a metric with labels and a shape; a gauge writes the shape's
//     value, a counter integrates it as a per-second rate.
//   - `red`: the HTTP RED model as the classic alert rules read it:
//     http_requests_total{status="200"|"500"} counters whose rates are
//     requests_per_second * (1 - error_ratio) and * error_ratio, and the
//     http_request_duration_seconds histogram (_bucket, _sum, _count) with
//     every request taking `latency_seconds`; each of the three is a shape.
//
// Time scaling: shapes, `interval` and `duration` are in scenario seconds.
// With `time_scale` s (0 < s <= 1) the workload runs s times as long in real
// time: tick k is due at k * interval * s real seconds after the start and
// writes the shapes' values at scenario time k * interval. Counters count per
// real second, so a rate() over them reads the shape's value whatever the
// scale.
//
// Open loop: tick k is due at a fixed time whatever the target does; a
// request's latency is measured from its due time; samples are timestamped
// with the due time (Unix ms), never with the (possibly late) send time.
// One attempt per tick: a failed tick is counted, not retried, since a late
// sample would move the crossing.
//
// Thread safety: RunSignalWorkload may be called from any thread.

#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/base/status.h"
#include "obs/loadgen/progress.h"
#include "obs/loadgen/signal.h"

namespace obs::loadgen {

struct SignalSeriesSpec {
  std::string metric{};
  std::map<std::string, std::string> labels{};
  bool counter = false;  // false: gauge.
  SignalShape shape{};
};

struct RedSignalSpec {
  SignalShape requests_per_second{.from = 10};
  SignalShape error_ratio{.from = 0};
  SignalShape latency_seconds{.from = 0.1};
  std::vector<double> buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
};

struct SignalWorkloadOptions {
  std::string name = "signal";
  std::string url{};  // http://host:port/api/v1/write
  std::map<std::string, std::string> headers{};
  std::string bearer_token{};
  std::map<std::string, std::string> labels{};  // On every series (e.g. job, instance).
  std::vector<SignalSeriesSpec> series{};
  std::optional<RedSignalSpec> red{};
  double interval_seconds = 1;   // Scenario time between ticks.
  double duration_seconds = 60;  // Scenario time.
  double time_scale = 1;         // Real seconds per scenario second, in (0, 1].
  double request_timeout_seconds = 5;
  double late_threshold_seconds = 0.05;
  LiveProgress* progress = nullptr;  // Updated per settled request when set.
};

// The expanded series of a workload: what is written, in order.
struct SignalSeries {
  std::map<std::string, std::string> labels;  // Including __name__.
  bool counter = false;
  // Gauge: the value at scenario time t. Counter: the rate (per second) at t.
  std::function<double(double)> value;
};

// Validates the options (kInvalidArgument naming the field: url, interval,
// duration, time_scale, series[i].metric / labels / shape, red.*) and
// expands them.
Result<std::vector<SignalSeries>> ExpandSignalSeries(const SignalWorkloadOptions& options);

// The value series `s` holds after tick `k` (scenario time k * interval):
// the gauge value, or the counter's integral over real time.
double SignalSampleValue(const SignalSeries& s, std::uint64_t k, double interval_seconds,
                         double time_scale);

struct SignalWorkloadResult {
  WorkloadRecord record;            // kind "signal"; samples and requests as for remote write.
  std::int64_t start_unix_ms = 0;   // Due time of tick 0 = scenario time 0.
  SteadyClock::time_point start{};  // The same instant on the steady clock.
};

// Runs every tick (or until *stop). kInvalidArgument for bad options;
// kUnavailable if the very first tick cannot reach the target.
Result<SignalWorkloadResult> RunSignalWorkload(const SignalWorkloadOptions& options,
                                               const Clock& clock,
                                               const std::atomic<bool>* stop = nullptr);

}  // namespace obs::loadgen
