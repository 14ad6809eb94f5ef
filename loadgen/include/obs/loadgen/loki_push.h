// The Loki push load generator: RunLokiPush() offers log lines from a
// LogModel on an open-loop schedule (lines per second, constant or in
// stages) from `concurrency` senders, each owning a fixed share of the
// streams (so every stream's timestamps strictly increase), batches what is
// due within `batch_timeout` (up to `batch_lines`) into one push grouped by
// stream, and posts protobuf + snappy (Loki's native form) or JSON
// (optionally gzip) to `/loki/api/v1/push`. 2xx acknowledges, 429 and 5xx
// and transport errors are retried with backoff (Retry-After honoured),
// other 4xx reject the batch.
//
// Every line's fate is in the LogLedger, one byte per line number, and its
// timestamp is recomputed from the schedule, so the verifier regenerates the
// exact lines that were acknowledged.
//
// Thread safety: RunLokiPush() blocks until the load ends.

#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/base/status.h"
#include "obs/loadgen/log_generator.h"
#include "obs/loadgen/progress.h"
#include "obs/loadgen/remote_write.h"
#include "obs/loadgen/schedule.h"

namespace obs::loadgen {

struct LokiPushOptions {
  std::string name = "logs";
  std::string url;  // http://host:port/loki/api/v1/push
  std::map<std::string, std::string> headers;
  std::string bearer_token;
  LogModel model;
  std::uint64_t seed = 1;
  std::string run_id;  // Also added to every stream as label obsbench_run.
  double lines_per_second = 100;
  std::vector<Stage> stages;  // Targets in lines per second.
  double duration_seconds = 30;
  int batch_lines = 500;
  double batch_timeout_seconds = 0.2;
  int concurrency = 2;
  bool json = false;  // false: protobuf + snappy.
  bool gzip = false;  // JSON only.
  RetryOptions retry;
  double request_timeout_seconds = 10;
  double late_threshold_seconds = 0.01;
  LiveProgress* progress = nullptr;  // Updated per settled request when set.
};

// Line numbers -> fate, and the timestamp each line was sent with.
class LogLedger {
 public:
  enum class State : std::uint8_t { kUnsent, kAcked, kRejected, kFailed };

  LogLedger() = default;
  LogLedger(std::uint64_t lines, std::size_t streams, int shards, std::int64_t start_unix_nano,
            double lines_per_second, const std::vector<Stage>& stages, double duration_seconds);

  std::uint64_t size() const { return states_.size(); }
  State state(std::uint64_t n) const { return static_cast<State>(states_[n]); }
  void Set(std::uint64_t n, State s) { states_[n] = static_cast<std::uint8_t>(s); }
  std::uint64_t Count(State s) const;
  std::int64_t TimestampNs(std::uint64_t n) const;

  // Sender view: shard `c`'s k-th event is line LineOf(c, k).
  std::uint64_t LineOf(int shard, std::uint64_t k) const;
  const OpenLoopSchedule& schedule(int shard) const {
    return *schedules_[static_cast<std::size_t>(shard)];
  }
  int shards() const { return shards_; }
  std::size_t streams() const { return streams_; }
  std::uint64_t EventsOf(int shard) const;
  // Bytes the states hold: one per planned line, fixed at construction.
  std::size_t memory_bytes() const { return states_.capacity(); }

 private:
  std::vector<std::uint8_t> states_;
  std::size_t streams_ = 1;
  int shards_ = 1;
  std::int64_t start_unix_nano_ = 0;
  std::vector<std::optional<OpenLoopSchedule>> schedules_;
};

struct LokiPushResult {
  WorkloadRecord record;  // samples_* count lines; series counts streams.
  LogLedger ledger;
};

Status ValidateLokiPushOptions(const LokiPushOptions& options);

Result<LokiPushResult> RunLokiPush(const LokiPushOptions& options, const Clock& clock,
                                   const std::atomic<bool>* stop = nullptr);

}  // namespace obs::loadgen
