#include "obs/loadgen/remote_write.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <thread>

#include "http_client.h"
#include "sender.h"
#include "workload_record.h"

namespace obs::loadgen {
namespace {

using internal::HttpClient;
using internal::RunPlan;
using internal::ShardOutcome;

constexpr int kPreflightAttempts = 3;
constexpr auto kPreflightPause = std::chrono::milliseconds(50);

// "Connection refused on the first attempts" means the target is not there.
Status Preflight(const RunPlan& plan) {
  Status last;
  for (int i = 0; i < kPreflightAttempts; ++i) {
    HttpClient probe(plan.http);
    last = probe.Connect();
    if (last.ok()) {
      return last;
    }
    std::this_thread::sleep_for(kPreflightPause);
  }
  return UnavailableError("remote write: target unreachable: " + last.message());
}

// Fills the rates: targets over the scheduled window, achieved over the
// real elapsed time (never shorter than that window).
void FillRates(WorkloadRecord& rec, const std::vector<ShardOutcome>& outcomes,
               SteadyClock::time_point start) {
  std::uint64_t samples_scheduled = 0;
  std::uint64_t requests_scheduled = 0;
  SteadyClock::time_point window_end = start;
  SteadyClock::time_point last_answer = start;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    samples_scheduled += outcomes[i].samples_scheduled;
    requests_scheduled += outcomes[i].record.requests + outcomes[i].record.requests_unsent;
    window_end = std::max(window_end, outcomes[i].effective_end);
    last_answer = std::max(last_answer, outcomes[i].last_answer);
  }
  internal::FillRates(rec, samples_scheduled, requests_scheduled, start, window_end, last_answer);
}

}  // namespace

Result<RemoteWriteResult> RunRemoteWrite(const RemoteWriteOptions& options, const Clock& clock,
                                         const std::atomic<bool>* stop) {
  OBS_ASSIGN_OR_RETURN(RunPlan plan, internal::MakePlan(options, clock.UnixMillisNow()));
  OBS_RETURN_IF_ERROR(Preflight(plan));
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (std::size_t i = 0; i < plan.shards.size(); ++i) {
    clients.push_back(std::make_unique<HttpClient>(plan.http));
    (void)clients.back()->Connect();  // Best effort: a failure shows up on the first send.
  }
  // Wall and steady clocks are read once, together; sample timestamps are
  // the wall start plus the steady offset of their due time.
  const std::int64_t wall_start_ms = clock.UnixMillisNow();
  const SteadyClock::time_point start = clock.SteadyNow();
  auto global = OpenLoopSchedule::Create(plan.global, start);
  OBS_RETURN_IF_ERROR(global.status());
  std::atomic<bool> monitor_stop{false};
  internal::StopMonitor monitor(options.stop_when, global.value(), monitor_stop);
  Ledger ledger(plan.series.series_capacity());
  internal::ShardEnv env{
      .options = &options,
      .plan = &plan,
      .clock = &clock,
      .start = start,
      .end = start + std::chrono::duration_cast<SteadyClock::duration>(
                         std::chrono::duration<double>(plan.duration_seconds)),
      .wall_start_ms = wall_start_ms,
      .user_stop = stop,
      .monitor_stop = &monitor_stop,
      .ledger = &ledger,
      .monitor = &monitor,
  };
  std::vector<ShardOutcome> outcomes(plan.shards.size());
  std::vector<std::exception_ptr> errors(plan.shards.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < plan.shards.size(); ++i) {
      threads.emplace_back([&, i] {
        try {
          outcomes[i] = internal::RunShard(env, i, *clients[i]);
        } catch (...) {
          errors[i] = std::current_exception();
        }
      });
    }
  }
  for (const std::exception_ptr& e : errors) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        return InternalError(std::string("remote write: sender thread failed: ") + ex.what());
      }
    }
  }
  RemoteWriteResult result{
      .record = WorkloadRecord(), .ledger = std::move(ledger), .series = plan.series};
  WorkloadRecord& rec = result.record;
  rec.name = options.name;
  rec.kind = "remote_write";
  rec.late_threshold_ns = ToNanos(std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(options.late_threshold_seconds)));
  for (const ShardOutcome& o : outcomes) {
    internal::MergeCounts(rec, o.record);
  }
  FillRates(rec, outcomes, start);
  rec.bookkeeping.ledger = result.ledger.memory_bytes();
  if (monitor.enabled()) {
    monitor.Finish(start + std::chrono::duration_cast<SteadyClock::duration>(
                               std::chrono::duration<double>(rec.duration_seconds)));
    rec.stopped_early = monitor.stopped();
    rec.stop_reason = monitor.reason();
    rec.knee_samples_per_second = monitor.knee();
  }
  for (std::uint32_t id = 0; id < result.ledger.size(); ++id) {
    const LedgerEntry& e = result.ledger.entry(id);
    rec.series += (e.acked + e.rejected + e.failed) > 0 ? 1 : 0;
  }
  return result;
}

Result<LoadDescription> DescribeLoad(const RemoteWriteOptions& options) {
  OBS_ASSIGN_OR_RETURN(RunPlan plan, internal::MakePlan(options, 0));
  LoadDescription d;
  d.series = plan.series.series_capacity();
  d.duration_seconds = plan.duration_seconds;
  std::uint64_t requests = 0;
  for (const internal::ShardPlan& shard : plan.shards) {
    OBS_ASSIGN_OR_RETURN(OpenLoopSchedule s, OpenLoopSchedule::Create(shard.schedule, {}));
    d.total_samples += s.total();
    requests += (s.total() + shard.batch - 1) / shard.batch;
  }
  d.samples_per_second = static_cast<double>(d.total_samples) / plan.duration_seconds;
  d.requests_per_second = static_cast<double>(requests) / plan.duration_seconds;
  return d;
}

}  // namespace obs::loadgen
