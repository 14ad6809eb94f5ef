// The remote-write sender's internals: the validated run plan (shards,
// schedules, series), the stop-condition monitor shared by the shards, and
// the per-shard loop that walks its slots on an open-loop schedule, sends
// batches with retries, and records outcomes in the ledger and in a
// per-shard WorkloadRecord (merged by RunRemoteWrite).
//
// Thread safety: RunPlan is read-only while shards run; StopMonitor is
// internally locked; each RunShard call owns its client, builder and record.

#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/histogram.h"
#include "obs/base/run_record.h"
#include "obs/loadgen/ledger.h"
#include "obs/loadgen/remote_write.h"
#include "obs/loadgen/schedule.h"
#include "obs/loadgen/series_set.h"

#include "http_client.h"
#include "url.h"

namespace obs::loadgen::internal {

struct ShardPlan {
  std::vector<std::size_t> slots;  // Slots s with s % shards == shard index.
  ScheduleOptions schedule;        // This shard's share of the global rate, in samples.
  std::size_t batch = 1;           // Samples per request: min(batch_size, slots.size()).
};

struct RunPlan {
  HttpClientOptions http;
  SeriesSet series;
  ScheduleOptions global;  // The whole load's rate curve, in samples per second.
  double duration_seconds = 0;
  std::vector<ShardPlan> shards;
};

// Validates `options` and lays out shards and schedules. `start_ms` becomes
// series.start_ms when that is 0. Returns kInvalidArgument naming the option.
Result<RunPlan> MakePlan(const RemoteWriteOptions& options, std::int64_t start_ms);

// Per-window checks of StopCondition across all shards. When a window breaks
// a threshold it sets the shared stop flag and keeps the reason; the knee is
// the highest target rate of a window that met every condition.
class StopMonitor {
 public:
  StopMonitor(const StopCondition& condition, const OpenLoopSchedule& global,
              std::atomic<bool>& stop_flag);

  bool enabled() const { return enabled_; }
  // One settled request: its answer time, corrected latency and whether it
  // was rejected or failed.
  void Record(SteadyClock::time_point answer, std::int64_t corrected_ns, bool error);
  // Evaluates the last, possibly partial, window ending at `end`.
  void Finish(SteadyClock::time_point end);

  bool stopped() const;
  std::string reason() const;
  double knee() const;

 private:
  void EvaluateLocked(double window_end_seconds);

  StopCondition condition_;
  const OpenLoopSchedule& global_;
  std::atomic<bool>& stop_flag_;
  bool enabled_ = false;
  mutable std::mutex mu_;
  std::int64_t window_ = 0;
  Histogram latency_;
  std::uint64_t requests_ = 0;
  std::uint64_t errors_ = 0;
  bool stopped_ = false;
  std::string reason_;
  double knee_ = 0;
};

struct ShardEnv {
  const RemoteWriteOptions* options = nullptr;
  const RunPlan* plan = nullptr;
  const Clock* clock = nullptr;
  SteadyClock::time_point start;
  SteadyClock::time_point end;
  std::int64_t wall_start_ms = 0;
  const std::atomic<bool>* user_stop = nullptr;  // May be null.
  const std::atomic<bool>* monitor_stop = nullptr;
  Ledger* ledger = nullptr;
  StopMonitor* monitor = nullptr;
};

struct ShardOutcome {
  WorkloadRecord record;
  std::uint64_t samples_scheduled = 0;  // Samples due by the effective end.
  SteadyClock::time_point last_answer;
  SteadyClock::time_point effective_end;  // The planned end, or when a stop was seen.
};

// Runs one shard to completion. Never throws on I/O errors (they are data).
ShardOutcome RunShard(const ShardEnv& env, std::size_t shard, HttpClient& client);

}  // namespace obs::loadgen::internal
