#include "verify/visibility.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <thread>
#include <vector>

#include "verify/promql_text.h"

namespace obs::scenarios {
namespace {

using Duration = SteadyClock::duration;

// Longest single sleep, so a stop request is noticed quickly.
constexpr auto kStopCheck = std::chrono::milliseconds(20);

Duration Seconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

bool Stopped(const std::atomic<bool>* stop) {
  return stop != nullptr && stop->load(std::memory_order_relaxed);
}

Status ValidateOptions(const VisibilityOptions& o) {
  if (o.probes < 0 || !(o.spread_seconds >= 0) || !(o.probe_timeout_seconds > 0) ||
      !(o.poll_interval_seconds > 0)) {
    return InvalidArgumentError(
        "visibility: probes and spread_seconds must be >= 0, probe_timeout_seconds and "
        "poll_interval_seconds > 0");
  }
  return Status::Ok();
}

// Sleeps until `until` in short steps; false if `stop` was raised first.
bool SleepUntil(const Clock& clock, SteadyClock::time_point until, const std::atomic<bool>* stop) {
  while (!Stopped(stop)) {
    const SteadyClock::time_point now = clock.SteadyNow();
    if (now >= until) {
      return true;
    }
    std::this_thread::sleep_for(std::min<Duration>(until - now, kStopCheck));
  }
  return false;
}

struct Probe {
  int index = 0;
  std::int64_t timestamp_ms = 0;
  std::vector<loadgen::Label> labels;
};

Probe MakeProbe(int index, const std::string& run_id, std::int64_t timestamp_ms) {
  Probe p{.index = index, .timestamp_ms = timestamp_ms, .labels = {}};
  p.labels.push_back({.name = "__name__", .value = "obsbench_probe"});
  if (!run_id.empty()) {
    p.labels.push_back({.name = "obsbench_run", .value = run_id});
  }
  p.labels.push_back({.name = "probe", .value = std::to_string(index)});
  return p;
}

// Writes the probe until a 2xx (retrying 5xx, 429 and transport errors) and
// returns the time of the acknowledgement; nullopt if none came before
// `deadline` or `stop` was raised.
Result<std::optional<SteadyClock::time_point>> WriteProbe(
    loadgen::RemoteWriteClient& writer, const Probe& probe, const VisibilityOptions& options,
    const Clock& clock, SteadyClock::time_point deadline, const std::atomic<bool>* stop) {
  const std::vector<loadgen::ProbeSeries> request = {
      {.labels = probe.labels,
       .samples = {{.value = static_cast<double>(probe.timestamp_ms),
                    .timestamp_ms = probe.timestamp_ms}}}};
  while (true) {
    const Result<int> code = writer.Write(request);
    if (code.ok() && *code >= 200 && *code < 300) {
      return std::optional(clock.SteadyNow());
    }
    if (code.ok() && *code >= 400 && *code < 500 && *code != 429) {
      return InvalidArgumentError("visibility probe " + std::to_string(probe.index) +
                                  ": write answered http " + std::to_string(*code));
    }
    const SteadyClock::time_point next = clock.SteadyNow() + Seconds(options.poll_interval_seconds);
    if (next >= deadline || !SleepUntil(clock, next, stop)) {
      return std::optional<SteadyClock::time_point>();
    }
  }
}

// Polls until the probe's sample is seen. Returns the time the answer that
// contained it arrived (so the lag is an upper bound that includes one query
// round trip); nullopt on timeout or stop.
Result<std::optional<SteadyClock::time_point>> AwaitProbe(QueryClient& client, const Probe& probe,
                                                          const VisibilityOptions& options,
                                                          const Clock& clock,
                                                          SteadyClock::time_point deadline,
                                                          const std::atomic<bool>* stop) {
  LabelPairs selector;
  for (const loadgen::Label& l : probe.labels) {
    selector.emplace_back(l.name, l.value);
  }
  const std::string query = SelectorText(selector);
  const auto want = static_cast<double>(probe.timestamp_ms);
  while (true) {
    auto answer = client.InstantVector(query, probe.timestamp_ms);
    const SteadyClock::time_point answered = clock.SteadyNow();
    if (!answer.ok() && answer.status().code() != StatusCode::kUnavailable) {
      return answer.status().WithPrefix("visibility probe " + std::to_string(probe.index));
    }
    if (answer.ok() && std::any_of(answer->begin(), answer->end(), [&](const VectorSample& s) {
          return std::abs(s.value - want) < 0.5;
        })) {
      return std::optional(answered);
    }
    const SteadyClock::time_point next = clock.SteadyNow() + Seconds(options.poll_interval_seconds);
    if (next >= deadline || !SleepUntil(clock, next, stop)) {
      return std::optional<SteadyClock::time_point>();
    }
  }
}

}  // namespace

Result<obs::VisibilityRecord> MeasureVisibility(loadgen::RemoteWriteClient& writer,
                                                QueryClient& client,
                                                const VisibilityOptions& options,
                                                const Clock& clock, const std::atomic<bool>* stop) {
  OBS_RETURN_IF_ERROR(ValidateOptions(options));
  obs::VisibilityRecord record;
  record.checked = true;
  record.poll_interval_ns = ToNanos(Seconds(options.poll_interval_seconds));
  const SteadyClock::time_point start = clock.SteadyNow();
  const Duration step =
      options.probes > 0 ? Seconds(options.spread_seconds) / options.probes : Duration::zero();
  for (int k = 0; k < options.probes; ++k) {
    if (!SleepUntil(clock, start + step * k, stop)) {
      break;
    }
    const Probe probe = MakeProbe(k, options.run_id, clock.UnixMillisNow());
    const auto timeout = Seconds(options.probe_timeout_seconds);
    // A probe whose write is not yet acknowledged is abandoned on `stop`; one
    // already acknowledged is followed until it is seen or its timeout passes,
    // so a slow target (VictoriaMetrics buffers for seconds) is measured rather
    // than abandoned at the end of the load.
    OBS_ASSIGN_OR_RETURN(const auto acked, WriteProbe(writer, probe, options, clock,
                                                      clock.SteadyNow() + timeout, stop));
    if (!acked && Stopped(stop)) {
      break;
    }
    std::optional<SteadyClock::time_point> seen;
    if (acked) {
      OBS_ASSIGN_OR_RETURN(seen,
                           AwaitProbe(client, probe, options, clock, *acked + timeout, nullptr));
    }
    ++record.probes;
    if (seen) {
      ++record.visible;
      record.lag.Record(std::max<std::int64_t>(0, ToNanos(*seen - *acked)));
    } else {
      ++record.timed_out;
    }
  }
  return record;
}

}  // namespace obs::scenarios
