#include "obs/loadgen/otlp_traces.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <random>
#include <thread>

#include "obs/loadgen/trace_generator.h"
#include "obs/wire/gzip.h"

#include "http_client.h"
#include "otlp_send.h"
#include "url.h"
#include "workload_record.h"

namespace obs::loadgen {
namespace {

namespace otlp = wire::otlp;
using internal::HttpClient;
using internal::HttpClientOptions;

using internal::FromSeconds;

ScheduleOptions ShardSchedule(const OtlpTracesOptions& o) {
  return internal::ShareOfSchedule(o.traces_per_second, o.stages, o.duration_seconds,
                                   1.0 / o.concurrency);
}

struct Env {
  const OtlpTracesOptions* options = nullptr;
  const TraceGenerator* generator = nullptr;
  const Clock* clock = nullptr;
  const std::atomic<bool>* stop = nullptr;
  SteadyClock::time_point start;
  SteadyClock::time_point end;
  TraceLedger* ledger = nullptr;
};

struct ShardOut {
  WorkloadRecord record;
  std::uint64_t spans_scheduled = 0;
  std::uint64_t traces_sent = 0;
  std::uint64_t truncated = 0;
  SteadyClock::time_point last_answer;
  SteadyClock::time_point effective_end;
};

bool SleepUntil(const Env& env, SteadyClock::time_point t) {
  return internal::SleepUntil(*env.clock, env.stop, t);
}

void RunShard(const Env& env, int shard, HttpClient& client, ShardOut& out) {
  const OtlpTracesOptions& o = *env.options;
  const int shards = o.concurrency;
  auto schedule = OpenLoopSchedule::Create(ShardSchedule(o), env.start);
  WorkloadRecord& rec = out.record;
  out.effective_end = env.end;
  out.last_answer = env.start;
  std::mt19937_64 rng(o.seed * 7919 + static_cast<std::uint64_t>(shard));
  const std::uint64_t total = schedule->total();
  const auto timeout = FromSeconds(o.batch_timeout_seconds);
  const auto batch = static_cast<std::uint64_t>(o.batch_traces);
  const double mean_spans = MeanSpansPerTrace(o.model);
  TraceBatch traces;
  std::string body;
  std::string compressed;
  internal::IntervalRecorder intervals(
      rec, env.start, std::chrono::duration<double>(env.end - env.start).count(), o.progress);
  std::uint64_t k = 0;
  while (k < total) {
    const SteadyClock::time_point first_due = schedule->DueTime(k);
    if (first_due >= env.end) {
      break;
    }
    const std::uint64_t last = std::min(k + batch, total) - 1;
    const SteadyClock::time_point send_due =
        std::min({schedule->DueTime(last), first_due + timeout, env.end});
    if (!SleepUntil(env, send_due)) {
      out.effective_end = std::min(env.end, env.clock->SteadyNow());
      break;
    }
    const std::uint64_t due_now = std::max(schedule->DueBy(send_due), k + 1);
    const std::uint64_t count = std::min({due_now - k, batch, total - k});
    traces.Clear();
    for (std::uint64_t i = k; i < k + count; ++i) {
      const std::uint64_t n =
          static_cast<std::uint64_t>(shard) + static_cast<std::uint64_t>(shards) * i;
      const std::size_t added = env.generator->Generate(n, env.ledger->StartUnixNano(n), traces);
      out.truncated += added >= static_cast<std::size_t>(o.model.max_spans_per_trace) ? 1 : 0;
    }
    body.clear();
    if (o.encoding == otlp::Encoding::kJson) {
      otlp::EncodeTracesJson(traces.data(), body);
    } else {
      otlp::EncodeTraces(traces.data(), body);
    }
    if (o.gzip) {
      compressed = wire::GzipCompress(body, 1);
    }
    const std::string_view payload = o.gzip ? std::string_view(compressed) : std::string_view(body);
    const std::uint64_t spans = traces.span_count();
    ++rec.requests;
    rec.samples_sent += spans;
    out.traces_sent += count;

    const internal::OtlpSettled settled = internal::PostOtlpUntilSettled(
        client, payload,
        {.signal = otlp::Signal::kTraces,
         .encoding = o.encoding,
         .retry = &o.retry,
         .clock = env.clock,
         .send_due = send_due,
         .retry_deadline = env.end + FromSeconds(o.request_timeout_seconds),
         .late_threshold = FromSeconds(o.late_threshold_seconds),
         .sleep_until =
             [&env](SteadyClock::time_point t) {
               return SleepUntil(env, t);
             }},
        rng, rec);
    const std::int64_t rejected_spans =
        std::min<std::int64_t>(settled.rejected, static_cast<std::int64_t>(spans));
    const SteadyClock::time_point first_send = settled.first_send;
    const SteadyClock::time_point answer = settled.answer;
    TraceLedger::State state = TraceLedger::State::kFailed;
    switch (settled.fate) {
      case internal::OtlpFate::kAcked:
        ++rec.requests_succeeded;
        rec.samples_acked += spans;
        state = TraceLedger::State::kAcked;
        break;
      case internal::OtlpFate::kPartial:
        ++rec.requests_succeeded;
        rec.samples_acked += spans - static_cast<std::uint64_t>(rejected_spans);
        rec.samples_rejected += static_cast<std::uint64_t>(rejected_spans);
        state = TraceLedger::State::kPartial;
        break;
      case internal::OtlpFate::kRejected:
        ++rec.requests_rejected;
        rec.samples_rejected += spans;
        state = TraceLedger::State::kRejected;
        break;
      case internal::OtlpFate::kFailed:
        ++rec.requests_failed;
        rec.samples_failed += spans;
        break;
    }
    for (std::uint64_t i = k; i < k + count; ++i) {
      env.ledger->Set(static_cast<std::uint64_t>(shard) + static_cast<std::uint64_t>(shards) * i,
                      state);
    }
    intervals.Request(
        send_due, first_send, answer, spans,
        settled.fate == internal::OtlpFate::kAcked || settled.fate == internal::OtlpFate::kPartial);
    out.last_answer = std::max(out.last_answer, answer);
    k += count;
  }
  intervals.Finish();
  // What the schedule asked for by the (effective) end, sent or not.
  const std::uint64_t due_by_end =
      std::min(schedule->DueBy(out.effective_end - std::chrono::nanoseconds(1)), total);
  const std::uint64_t scheduled = std::max(due_by_end, k);
  if (scheduled > k) {
    rec.requests_unsent += (scheduled - k + batch - 1) / batch;
  }
  out.spans_scheduled = static_cast<std::uint64_t>(static_cast<double>(scheduled) * mean_spans);
}

}  // namespace

TraceLedger::TraceLedger(std::uint64_t traces, int shards, std::int64_t start_unix_nano,
                         ScheduleOptions shard_schedule)
    : states_(traces, 0), shards_(shards), start_unix_nano_(start_unix_nano) {
  auto s = OpenLoopSchedule::Create(shard_schedule, SteadyClock::time_point{});
  if (s.ok()) {
    schedule_.emplace(std::move(*s));
  }
}

std::uint64_t TraceLedger::StartUnixNano(std::uint64_t n) const {
  double due = schedule_ ? schedule_->DueSeconds(n / static_cast<std::uint64_t>(shards_)) : 0;
  if (!std::isfinite(due)) {
    due = 0;  // Beyond the schedule: never sent, so never regenerated.
  }
  return static_cast<std::uint64_t>(start_unix_nano_ + static_cast<std::int64_t>(due * 1e9));
}

std::uint64_t TraceLedger::Count(State s) const {
  return static_cast<std::uint64_t>(
      std::count(states_.begin(), states_.end(), static_cast<std::uint8_t>(s)));
}

Status ValidateOtlpTracesOptions(const OtlpTracesOptions& o) {
  OBS_RETURN_IF_ERROR(ValidateTraceModel(o.model));
  if (o.concurrency < 1 || o.concurrency > 256) {
    return InvalidArgumentError("concurrency must be in [1, 256]");
  }
  if (o.batch_traces < 1) {
    return InvalidArgumentError("batch_traces must be >= 1");
  }
  if (!(o.batch_timeout_seconds >= 0)) {
    return InvalidArgumentError("batch_timeout must be >= 0");
  }
  if (o.stages.empty() && !(o.traces_per_second > 0)) {
    return InvalidArgumentError("rate must be > 0");
  }
  if (o.stages.empty() && !(o.duration_seconds > 0)) {
    return InvalidArgumentError("duration must be > 0");
  }
  if (o.retry.max_attempts < 1) {
    return InvalidArgumentError("retry.max_attempts must be >= 1");
  }
  auto schedule = OpenLoopSchedule::Create(ShardSchedule(o), SteadyClock::time_point{});
  if (!schedule.ok()) {
    return schedule.status();
  }
  if (schedule->total() == OpenLoopSchedule::kEndless) {
    return InvalidArgumentError("the schedule must end (set a duration or stages)");
  }
  if (schedule->total() > (std::uint64_t{1} << 32)) {
    return InvalidArgumentError("more than 2^32 traces per sender: shorten the run or the rate");
  }
  return Status::Ok();
}

Result<OtlpTracesResult> RunOtlpTraces(const OtlpTracesOptions& options, const Clock& clock,
                                       const std::atomic<bool>* stop) {
  OBS_RETURN_IF_ERROR(ValidateOtlpTracesOptions(options));
  OBS_ASSIGN_OR_RETURN(internal::HttpUrl url, internal::ParseHttpUrl(options.url));
  const HttpClientOptions http =
      internal::OtlpHttpOptions(url, options.encoding, options.gzip, options.headers,
                                options.bearer_token, options.request_timeout_seconds);
  {
    HttpClient probe(http);
    Status reach = probe.Connect();
    if (!reach.ok()) {
      return UnavailableError("otlp traces: target unreachable: " + reach.message());
    }
  }
  const ScheduleOptions shard_schedule = ShardSchedule(options);
  auto per_shard = OpenLoopSchedule::Create(shard_schedule, SteadyClock::time_point{});
  OBS_RETURN_IF_ERROR(per_shard.status());
  const std::uint64_t traces = per_shard->total() * static_cast<std::uint64_t>(options.concurrency);

  const TraceGenerator generator(options.model, options.seed, options.run_id);
  const std::int64_t wall_start_ns = clock.UnixMillisNow() * 1000000;
  const SteadyClock::time_point start = clock.SteadyNow();
  OtlpTracesResult result;
  result.ledger = TraceLedger(traces, options.concurrency, wall_start_ns, shard_schedule);
  Env env{.options = &options,
          .generator = &generator,
          .clock = &clock,
          .stop = stop,
          .start = start,
          .end = start +
                 FromSeconds(internal::PlannedSeconds(options.stages, options.duration_seconds)),
          .ledger = &result.ledger};
  std::vector<ShardOut> outs(static_cast<std::size_t>(options.concurrency));
  OBS_RETURN_IF_ERROR(internal::RunSenderThreads(
      static_cast<int>(outs.size()), http,
      [&](int shard, HttpClient& client) {
        RunShard(env, shard, client, outs[static_cast<std::size_t>(shard)]);
      },
      "otlp traces"));
  WorkloadRecord& rec = result.record;
  rec.name = options.name;
  rec.kind = "otlp_traces";
  rec.series = options.model.services.size();
  rec.late_threshold_ns = ToNanos(FromSeconds(options.late_threshold_seconds));
  std::uint64_t spans_scheduled = 0;
  std::uint64_t requests_scheduled = 0;
  SteadyClock::time_point window_end = start;
  SteadyClock::time_point last_answer = start;
  for (const ShardOut& o : outs) {
    internal::MergeCounts(rec, o.record);
    spans_scheduled += o.spans_scheduled;
    requests_scheduled += o.record.requests + o.record.requests_unsent;
    window_end = std::max(window_end, o.effective_end);
    last_answer = std::max(last_answer, o.last_answer);
    result.traces_sent += o.traces_sent;
    result.traces_truncated += o.truncated;
  }
  internal::FillRates(rec, spans_scheduled, requests_scheduled, start, window_end, last_answer);
  rec.bookkeeping.ledger = result.ledger.memory_bytes();
  return result;
}

}  // namespace obs::loadgen
