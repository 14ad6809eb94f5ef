#include "sender.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>

#include "batch_builder.h"
#include "retry.h"
#include "workload_record.h"

namespace obs::loadgen::internal {
namespace {

using std::chrono::duration;
using std::chrono::duration_cast;

constexpr auto kSleepSlice = std::chrono::milliseconds(20);

double Seconds(SteadyClock::duration d) {
  return duration<double>(d).count();
}

bool StopRequested(const ShardEnv& env) {
  return (env.user_stop != nullptr && env.user_stop->load(std::memory_order_relaxed)) ||
         env.monitor_stop->load(std::memory_order_relaxed);
}

// Sleeps until `t` on `env.clock`, waking every slice to check the stop
// flags. Returns false if a stop was requested first.
bool SleepUntil(const ShardEnv& env, SteadyClock::time_point t) {
  while (true) {
    if (StopRequested(env)) {
      return false;
    }
    const SteadyClock::time_point now = env.clock->SteadyNow();
    if (now >= t) {
      return true;
    }
    std::this_thread::sleep_for(std::min<SteadyClock::duration>(t - now, kSleepSlice));
  }
}

enum class Outcome { kAcked, kRejected, kFailed };

struct Settled {
  Outcome outcome = Outcome::kFailed;
  SteadyClock::time_point first_send;
  SteadyClock::time_point answer;
};

struct BatchSample {
  std::uint32_t series_id = 0;
  std::int64_t ts_ms = 0;
};

// Sends one batch until it is settled: acked, rejected (non-retryable
// answer), or failed (retries exhausted, past the retry deadline, or stop).
// `in_flight` runs once, while the first attempt is on the wire (the caller
// builds its next batch then). An answer's time is when it arrived (the
// kernel's receive timestamp), not when this thread got round to reading it.
template <typename InFlight>
Settled SendWithRetries(const ShardEnv& env, HttpClient& client, std::string_view body,
                        const std::vector<BatchSample>& batch, std::mt19937_64& rng,
                        WorkloadRecord& rec, InFlight&& in_flight) {
  const RetryOptions& retry = env.options->retry;
  const SteadyClock::time_point retry_deadline =
      env.end + FromSeconds(env.options->request_timeout_seconds);
  Settled s;
  for (int attempt = 0;; ++attempt) {
    const SteadyClock::time_point sent = env.clock->SteadyNow();
    if (attempt == 0) {
      s.first_send = sent;
    } else {
      ++rec.retries;
      for (const BatchSample& b : batch) {
        env.ledger->RecordRetried(b.series_id);
      }
    }
    client.StartPost(body);
    if (attempt == 0) {
      in_flight();
    }
    const HttpResponse res = client.FinishPost();
    s.answer = AnswerTime(*env.clock, sent, res);
    ++rec.attempts;
    NoteAnswer(rec, res);
    if (res.status >= 200 && res.status <= 299) {
      s.outcome = Outcome::kAcked;
      return s;
    }
    if (!IsRetryable(res.status)) {
      s.outcome = Outcome::kRejected;
      return s;
    }
    if (attempt + 1 >= retry.max_attempts) {
      return s;  // Failed: retries exhausted.
    }
    double wait = BackoffSeconds(retry, attempt + 1, rng);
    if (HonoursRetryAfter(res.status) && !res.retry_after.empty()) {
      if (auto after = ParseRetryAfter(res.retry_after, env.clock->UnixMillisNow())) {
        wait = std::max(wait, *after);
      }
    }
    const SteadyClock::time_point next = s.answer + FromSeconds(wait);
    if (next > retry_deadline || !SleepUntil(env, next)) {
      return s;  // Failed: the run is over or stopping.
    }
  }
}

void RecordSettled(const ShardEnv& env, const Settled& s, SteadyClock::time_point due,
                   const std::vector<BatchSample>& batch, WorkloadRecord& rec,
                   IntervalRecorder& intervals) {
  const std::uint64_t n = batch.size();
  switch (s.outcome) {
    case Outcome::kAcked:
      ++rec.requests_succeeded;
      rec.samples_acked += n;
      for (const BatchSample& b : batch) {
        env.ledger->RecordAcked(b.series_id, b.ts_ms);
      }
      break;
    case Outcome::kRejected:
      ++rec.requests_rejected;
      rec.samples_rejected += n;
      for (const BatchSample& b : batch) {
        env.ledger->RecordRejected(b.series_id);
      }
      break;
    case Outcome::kFailed:
      ++rec.requests_failed;
      rec.samples_failed += n;
      for (const BatchSample& b : batch) {
        env.ledger->RecordFailed(b.series_id);
      }
      break;
  }
  const std::int64_t corrected = ToNanos(s.answer - due);
  intervals.Request(due, s.first_send, s.answer, n, s.outcome == Outcome::kAcked);
  if (env.monitor->enabled()) {
    env.monitor->Record(s.answer, corrected, s.outcome != Outcome::kAcked);
  }
}

// Requests of a shard due at or before `t`: full batches, plus the final
// partial batch once every event is due.
std::uint64_t RequestsDueBy(const OpenLoopSchedule& schedule, std::size_t batch,
                            SteadyClock::time_point t) {
  const std::uint64_t due = schedule.DueBy(t);
  if (due >= schedule.total()) {
    return (schedule.total() + batch - 1) / batch;
  }
  return due / batch;
}

}  // namespace

ShardOutcome RunShard(const ShardEnv& env, std::size_t shard, HttpClient& client) {
  const ShardPlan& plan = env.plan->shards[shard];
  const SeriesSet& series = env.plan->series;
  ShardOutcome out;
  WorkloadRecord& rec = out.record;
  out.effective_end = env.end;
  out.last_answer = env.start;
  auto schedule_or = OpenLoopSchedule::Create(plan.schedule, env.start);
  OBS_CHECK(schedule_or.ok()) << "shard schedule validated by MakePlan: " << schedule_or.status();
  OpenLoopSchedule& schedule = schedule_or.value();
  std::mt19937_64 rng(series.options().seed * 7919 + shard);
  BatchBuilder builder(series.model());
  std::vector<std::int64_t> last_ts(plan.slots.size(), 0);
  const auto late_threshold = FromSeconds(env.options->late_threshold_seconds);
  IntervalRecorder intervals(rec, env.start, Seconds(env.end - env.start), env.options->progress);
  // Builds the request of events [first, last] into `batch`; the body stays
  // valid until the builder's second Reset() from now. A sample's timestamp
  // is its due time in ms, so a batch can be built before it is due (while
  // the one before is in flight) and hold the same bytes.
  const auto build = [&](std::uint64_t first, std::uint64_t last,
                         std::vector<BatchSample>& batch) -> std::string_view {
    builder.Reset();
    batch.clear();
    // Due times increase, so when the batch's first and last fall in one
    // millisecond every sample's does.
    const auto due_ms_of = [&](std::uint64_t e) {
      return env.wall_start_ms + ToNanos(schedule.DueTime(e) - env.start) / 1'000'000;
    };
    const std::int64_t first_due_ms = due_ms_of(first);
    const bool one_ms = first_due_ms == due_ms_of(last);
    std::size_t local = first % plan.slots.size();
    for (std::uint64_t e = first; e <= last; ++e) {
      const std::int64_t due_ms = one_ms ? first_due_ms : due_ms_of(e);
      const std::int64_t ts = std::max(due_ms, last_ts[local] + 1);
      last_ts[local] = ts;
      const std::uint32_t id = series.SeriesId(plan.slots[local], ts);
      builder.Add(id, ts);
      batch.push_back({id, ts});
      local = local + 1 == plan.slots.size() ? 0 : local + 1;
    }
    return builder.Finish();
  };
  const auto last_of = [&](std::uint64_t first) {
    return std::min<std::uint64_t>(first + plan.batch, schedule.total()) - 1;
  };
  // This request's samples, and the next one's once it is built.
  std::vector<BatchSample> batch;
  std::vector<BatchSample> next_batch;
  std::string_view body;
  std::string_view next_body;
  bool built = false;  // The request at `next` is built already.
  std::uint64_t next = 0;
  while (next < schedule.total()) {
    const std::uint64_t last = last_of(next);
    const SteadyClock::time_point due = schedule.DueTime(last);
    if (built) {
      batch.swap(next_batch);
      body = next_body;
    } else {
      body = build(next, last, batch);
    }
    built = false;
    if (!SleepUntil(env, due)) {
      out.effective_end = std::min(env.end, env.clock->SteadyNow());
      break;
    }
    const SteadyClock::time_point now = env.clock->SteadyNow();
    if (now > env.end && now - due > late_threshold) {
      break;  // The run is over and this request is late: it stays unsent.
    }
    ++rec.requests;
    rec.samples_sent += batch.size();
    const Settled settled = SendWithRetries(env, client, body, batch, rng, rec, [&] {
      if (last + 1 < schedule.total()) {
        next_body = build(last + 1, last_of(last + 1), next_batch);
        built = true;
      }
    });
    if (settled.first_send - due > late_threshold) {
      ++rec.requests_late;
    }
    RecordSettled(env, settled, due, batch, rec, intervals);
    out.last_answer = std::max(out.last_answer, settled.answer);
    next = last + 1;
  }
  intervals.Finish();
  const std::uint64_t requests_due = RequestsDueBy(schedule, plan.batch, out.effective_end);
  rec.requests_unsent = requests_due > rec.requests ? requests_due - rec.requests : 0;
  out.samples_scheduled = schedule.DueBy(out.effective_end);
  return out;
}

StopMonitor::StopMonitor(const StopCondition& condition, const OpenLoopSchedule& global,
                         std::atomic<bool>& stop_flag)
    : condition_(condition),
      global_(global),
      stop_flag_(stop_flag),
      enabled_(condition.window_seconds > 0 &&
               (condition.latency_p99_seconds > 0 || condition.error_ratio > 0)) {}

void StopMonitor::Record(SteadyClock::time_point answer, std::int64_t corrected_ns, bool error) {
  const std::lock_guard<std::mutex> lock(mu_);
  const auto w = static_cast<std::int64_t>(
      std::floor(Seconds(answer - global_.start()) / condition_.window_seconds));
  if (w > window_) {
    EvaluateLocked(static_cast<double>(window_ + 1) * condition_.window_seconds);
    window_ = w;
  }
  latency_.Record(std::max<std::int64_t>(0, corrected_ns));
  ++requests_;
  errors_ += error ? 1 : 0;
}

void StopMonitor::Finish(SteadyClock::time_point end) {
  const std::lock_guard<std::mutex> lock(mu_);
  EvaluateLocked(std::max(Seconds(end - global_.start()),
                          static_cast<double>(window_) * condition_.window_seconds + 1e-3));
}

void StopMonitor::EvaluateLocked(double window_end_seconds) {
  if (requests_ == 0 || stopped_) {
    latency_.Reset();
    requests_ = errors_ = 0;
    return;
  }
  const double t0 = static_cast<double>(window_) * condition_.window_seconds;
  const double p99 = static_cast<double>(latency_.ValueAtPercentile(99)) / 1e9;
  const double errors = static_cast<double>(errors_) / static_cast<double>(requests_);
  char buf[200];
  if (condition_.latency_p99_seconds > 0 && p99 > condition_.latency_p99_seconds) {
    std::snprintf(buf, sizeof buf, "window %.3f-%.3f s: corrected p99 %.4f s > %.4f s", t0,
                  window_end_seconds, p99, condition_.latency_p99_seconds);
    stopped_ = true;
  } else if (condition_.error_ratio > 0 && errors > condition_.error_ratio) {
    std::snprintf(buf, sizeof buf, "window %.3f-%.3f s: error ratio %.4f > %.4f", t0,
                  window_end_seconds, errors, condition_.error_ratio);
    stopped_ = true;
  } else {
    const double span = std::max(1e-9, window_end_seconds - t0);
    knee_ =
        std::max(knee_, (global_.Integrated(window_end_seconds) - global_.Integrated(t0)) / span);
  }
  if (stopped_) {
    reason_ = buf;
    stop_flag_.store(true);
  }
  latency_.Reset();
  requests_ = errors_ = 0;
}

bool StopMonitor::stopped() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

std::string StopMonitor::reason() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return reason_;
}

double StopMonitor::knee() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return knee_;
}

}  // namespace obs::loadgen::internal
