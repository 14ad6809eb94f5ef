// The OTLP/HTTP trace load generator: RunOtlpTraces() offers traces from a
// TraceModel on an open-loop schedule (traces per second, constant or in
// stages) from `concurrency` sender threads, batches them the way an SDK's
// batch span processor does (up to `batch_traces`, or what is due within
// `batch_timeout` of the first), posts protobuf or JSON (optionally gzip) to
// `/v1/traces`, retries 429/502/503/504 and transport errors with backoff and
// Retry-After, and never retries anything else (OTLP/HTTP §failures).
//
// Latency is measured per request from its due time (corrected) and from its
// first send. Every trace's fate is in the TraceLedger: one byte per trace
// number, so completeness can regenerate exactly what was acknowledged
// (TraceGenerator is deterministic) without storing payloads.
//
// Thread safety: RunOtlpTraces() blocks until the load ends; call it from
// any thread. A TraceLedger is read after the run.

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
#include "obs/loadgen/progress.h"
#include "obs/loadgen/remote_write.h"
#include "obs/loadgen/schedule.h"
#include "obs/loadgen/trace_model.h"
#include "obs/wire/otlp.h"

namespace obs::loadgen {

struct OtlpTracesOptions {
  std::string name = "traces";
  std::string url;  // http://host:port/v1/traces
  std::map<std::string, std::string> headers;
  std::string bearer_token;
  TraceModel model;
  std::uint64_t seed = 1;
  std::string run_id;
  double traces_per_second = 10;  // Constant rate (or the first stage's start).
  std::vector<Stage> stages;      // Targets in traces per second.
  double duration_seconds = 30;
  int batch_traces = 20;
  double batch_timeout_seconds = 0.2;
  int concurrency = 2;
  wire::otlp::Encoding encoding = wire::otlp::Encoding::kProtobuf;
  bool gzip = false;
  RetryOptions retry;
  double request_timeout_seconds = 10;
  double late_threshold_seconds = 0.01;
  LiveProgress* progress = nullptr;  // Updated per settled request when set.
};

// The fate of every trace number of a run and when each was due, so the
// verifier can regenerate it: trace n was generated with root start
// StartUnixNano(n).
class TraceLedger {
 public:
  enum class State : std::uint8_t { kUnsent, kAcked, kRejected, kFailed, kPartial };

  TraceLedger() = default;
  TraceLedger(std::uint64_t traces, int shards, std::int64_t start_unix_nano,
              ScheduleOptions shard_schedule);

  std::uint64_t size() const { return states_.size(); }
  State state(std::uint64_t n) const { return static_cast<State>(states_[n]); }
  void Set(std::uint64_t n, State s) { states_[n] = static_cast<std::uint8_t>(s); }
  // The root span's start time of trace n.
  std::uint64_t StartUnixNano(std::uint64_t n) const;
  std::uint64_t Count(State s) const;
  // Bytes the states hold: one per planned trace, fixed at construction.
  std::size_t memory_bytes() const { return states_.capacity(); }

 private:
  std::vector<std::uint8_t> states_;
  int shards_ = 1;
  std::int64_t start_unix_nano_ = 0;
  std::optional<OpenLoopSchedule> schedule_;  // Every shard's (identical) schedule.
};

struct OtlpTracesResult {
  WorkloadRecord record;  // samples_* count spans; series counts services.
  TraceLedger ledger;
  std::uint64_t traces_sent = 0;
  std::uint64_t traces_truncated = 0;  // Cut at the model's max_spans_per_trace.
};

// Returns kInvalidArgument for bad options or model, kUnavailable if the
// target refuses connections at the start. Failures during the run are data.
Result<OtlpTracesResult> RunOtlpTraces(const OtlpTracesOptions& options, const Clock& clock,
                                       const std::atomic<bool>* stop = nullptr);

// Checks the options as RunOtlpTraces does, without I/O.
Status ValidateOtlpTracesOptions(const OtlpTracesOptions& options);

}  // namespace obs::loadgen
