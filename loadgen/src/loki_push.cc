#include "obs/loadgen/loki_push.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <map>
#include <random>
#include <thread>

#include "obs/wire/gzip.h"
#include "obs/wire/loki.h"
#include "obs/wire/snappy.h"

#include "http_client.h"
#include "retry.h"
#include "url.h"
#include "workload_record.h"

namespace obs::loadgen {
namespace {

using internal::HttpClient;
using internal::HttpClientOptions;
using internal::HttpResponse;

using internal::FromSeconds;
using internal::IntervalRecorder;
using internal::SleepUntil;

std::size_t StreamsOf(int shard, int shards, std::size_t streams) {
  const auto c = static_cast<std::size_t>(shard);
  const auto n = static_cast<std::size_t>(shards);
  return streams / n + (c < streams % n ? 1 : 0);
}

int Shards(const LokiPushOptions& o, std::size_t streams) {
  return static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(o.concurrency), streams));
}

struct ShardOut {
  WorkloadRecord record;
  std::uint64_t lines_scheduled = 0;
  SteadyClock::time_point last_answer;
  SteadyClock::time_point effective_end;
};

}  // namespace

LogLedger::LogLedger(std::uint64_t lines, std::size_t streams, int shards,
                     std::int64_t start_unix_nano, double lines_per_second,
                     const std::vector<Stage>& stages, double duration_seconds)
    : states_(lines, 0), streams_(streams), shards_(shards), start_unix_nano_(start_unix_nano) {
  for (int c = 0; c < shards; ++c) {
    const double share =
        static_cast<double>(StreamsOf(c, shards, streams)) / static_cast<double>(streams);
    auto s = OpenLoopSchedule::Create(
        internal::ShareOfSchedule(lines_per_second, stages, duration_seconds, share),
        SteadyClock::time_point{});
    schedules_.emplace_back();
    if (s.ok()) {
      schedules_.back().emplace(std::move(*s));
    }
  }
}

std::uint64_t LogLedger::Count(State s) const {
  return static_cast<std::uint64_t>(
      std::count(states_.begin(), states_.end(), static_cast<std::uint8_t>(s)));
}

std::uint64_t LogLedger::EventsOf(int shard) const {
  const auto& s = schedules_[static_cast<std::size_t>(shard)];
  return s ? s->total() : 0;
}

std::uint64_t LogLedger::LineOf(int shard, std::uint64_t k) const {
  const std::uint64_t mine = StreamsOf(shard, shards_, streams_);
  const std::uint64_t seq = k / mine;
  const std::uint64_t stream =
      static_cast<std::uint64_t>(shard) + (k % mine) * static_cast<std::uint64_t>(shards_);
  return seq * streams_ + stream;
}

std::int64_t LogLedger::TimestampNs(std::uint64_t n) const {
  const std::uint64_t stream = n % streams_;
  const std::uint64_t seq = n / streams_;
  const int shard = static_cast<int>(stream % static_cast<std::uint64_t>(shards_));
  const std::uint64_t j = stream / static_cast<std::uint64_t>(shards_);
  const std::uint64_t mine = StreamsOf(shard, shards_, streams_);
  const auto& s = schedules_[static_cast<std::size_t>(shard)];
  double due = s ? s->DueSeconds(seq * mine + j) : 0;
  if (!std::isfinite(due)) {
    due = 0;  // Beyond this shard's schedule: never sent, so never regenerated.
  }
  return start_unix_nano_ + static_cast<std::int64_t>(due * 1e9);
}

Status ValidateLokiPushOptions(const LokiPushOptions& o) {
  OBS_RETURN_IF_ERROR(ValidateLogModel(o.model));
  if (o.concurrency < 1 || o.concurrency > 256) {
    return InvalidArgumentError("concurrency must be in [1, 256]");
  }
  if (o.batch_lines < 1) {
    return InvalidArgumentError("batch_lines must be >= 1");
  }
  if (o.stages.empty() && !(o.lines_per_second > 0)) {
    return InvalidArgumentError("rate must be > 0");
  }
  if (o.stages.empty() && !(o.duration_seconds > 0)) {
    return InvalidArgumentError("duration must be > 0");
  }
  if (o.retry.max_attempts < 1) {
    return InvalidArgumentError("retry.max_attempts must be >= 1");
  }
  if (o.gzip && !o.json) {
    return InvalidArgumentError("compression gzip applies to encoding json (protobuf is snappy)");
  }
  auto s = OpenLoopSchedule::Create(
      internal::ShareOfSchedule(o.lines_per_second, o.stages, o.duration_seconds, 1),
      SteadyClock::time_point{});
  OBS_RETURN_IF_ERROR(s.status());
  if (s->total() == OpenLoopSchedule::kEndless || s->total() > (std::uint64_t{1} << 32)) {
    return InvalidArgumentError("the schedule must end and offer at most 2^32 lines");
  }
  return Status::Ok();
}

Result<LokiPushResult> RunLokiPush(const LokiPushOptions& o, const Clock& clock,
                                   const std::atomic<bool>* stop) {
  OBS_RETURN_IF_ERROR(ValidateLokiPushOptions(o));
  OBS_ASSIGN_OR_RETURN(internal::HttpUrl url, internal::ParseHttpUrl(o.url));
  HttpClientOptions http{.url = url, .headers = {}, .timeout_seconds = o.request_timeout_seconds};
  http.headers.emplace_back("Content-Type", o.json ? "application/json" : "application/x-protobuf");
  if (o.gzip) {
    http.headers.emplace_back("Content-Encoding", "gzip");
  }
  http.headers.emplace_back("User-Agent", "obsbench-loadgen/" OBS_VERSION);
  for (const auto& [k, v] : o.headers) {
    http.headers.emplace_back(k, v);
  }
  if (!o.bearer_token.empty()) {
    http.headers.emplace_back("Authorization", "Bearer " + o.bearer_token);
  }
  {
    HttpClient probe(http);
    Status reach = probe.Connect();
    if (!reach.ok()) {
      return UnavailableError("loki push: target unreachable: " + reach.message());
    }
  }
  const LogGenerator generator(o.model, o.seed, o.run_id);
  const std::size_t streams = generator.stream_count();
  const int shards = Shards(o, streams);
  const std::int64_t wall_start_ns = clock.UnixMillisNow() * 1000000;
  const SteadyClock::time_point start = clock.SteadyNow();
  const SteadyClock::time_point end =
      start + FromSeconds(internal::PlannedSeconds(o.stages, o.duration_seconds));
  // Size the ledger to the highest line number any shard can produce.
  LogLedger sizing(0, streams, shards, wall_start_ns, o.lines_per_second, o.stages,
                   o.duration_seconds);
  std::uint64_t lines = 0;
  for (int c = 0; c < shards; ++c) {
    if (sizing.EventsOf(c) > 0) {
      lines = std::max(lines, sizing.LineOf(c, sizing.EventsOf(c) - 1) + 1);
    }
  }
  LokiPushResult result;
  result.ledger = LogLedger(lines, streams, shards, wall_start_ns, o.lines_per_second, o.stages,
                            o.duration_seconds);
  LogLedger& ledger = result.ledger;
  // Stream label sets (with the run label), precomputed once.
  std::vector<std::vector<wire::Label>> stream_labels(streams);
  for (std::size_t s = 0; s < streams; ++s) {
    for (const auto& [k, v] : generator.stream_labels(s)) {
      stream_labels[s].push_back({k, v});
    }
    stream_labels[s].push_back({"obsbench_run", o.run_id});
    std::sort(stream_labels[s].begin(), stream_labels[s].end(),
              [](const wire::Label& a, const wire::Label& b) { return a.name < b.name; });
  }

  std::vector<ShardOut> outs(static_cast<std::size_t>(shards));
  auto run_shard = [&](int c, HttpClient& client, ShardOut& out) {
    WorkloadRecord& rec = out.record;
    out.effective_end = end;
    out.last_answer = start;
    const OpenLoopSchedule& sched = ledger.schedule(c);
    const std::uint64_t total = sched.total();
    const auto batch = static_cast<std::uint64_t>(o.batch_lines);
    std::mt19937_64 rng(o.seed * 7919 + static_cast<std::uint64_t>(c));
    GeneratedLine gl;
    std::string body;
    std::string wire_body;
    IntervalRecorder intervals(rec, start, std::chrono::duration<double>(end - start).count(),
                               o.progress);
    std::uint64_t k = 0;
    while (k < total) {
      const SteadyClock::time_point first_due =
          start + (sched.DueTime(k) - SteadyClock::time_point{});
      if (first_due >= end) {
        break;
      }
      const std::uint64_t last = std::min(k + batch, total) - 1;
      const SteadyClock::time_point send_due =
          std::min({start + (sched.DueTime(last) - SteadyClock::time_point{}),
                    first_due + FromSeconds(o.batch_timeout_seconds), end});
      if (!SleepUntil(clock, stop, send_due)) {
        out.effective_end = std::min(end, clock.SteadyNow());
        break;
      }
      const std::uint64_t due_now =
          std::max(sched.DueBy(SteadyClock::time_point{} + (send_due - start)), k + 1);
      const std::uint64_t count = std::min({due_now - k, batch, total - k});
      std::map<std::size_t, std::size_t> stream_index;
      wire::loki::PushRequest push;
      for (std::uint64_t i = k; i < k + count; ++i) {
        const std::uint64_t n = ledger.LineOf(c, i);
        generator.Line(n, ledger.TimestampNs(n), gl);
        auto [it, added] = stream_index.try_emplace(gl.stream, push.streams.size());
        if (added) {
          push.streams.push_back({stream_labels[gl.stream], {}});
        }
        push.streams[it->second].entries.push_back({ledger.TimestampNs(n), gl.line, {}});
      }
      body.clear();
      if (o.json) {
        wire::loki::EncodePushJson(push, body);
        wire_body = o.gzip ? wire::GzipCompress(body, 1) : body;
      } else {
        wire::loki::EncodePushProto(push, body);
        wire::SnappyCompressTo(body, wire_body);
      }
      ++rec.requests;
      rec.samples_sent += count;
      enum class Fate { kAcked, kRejected, kFailed } fate = Fate::kFailed;
      SteadyClock::time_point first_send{};
      SteadyClock::time_point answer{};
      const SteadyClock::time_point retry_deadline = end + FromSeconds(o.request_timeout_seconds);
      for (int attempt = 0;; ++attempt) {
        const SteadyClock::time_point sent = clock.SteadyNow();
        if (attempt == 0) {
          first_send = sent;
          if (sent - send_due > FromSeconds(o.late_threshold_seconds)) {
            ++rec.requests_late;
          }
        } else {
          ++rec.retries;
        }
        const HttpResponse res = client.Post(wire_body);
        answer = internal::AnswerTime(clock, sent, res);
        ++rec.attempts;
        internal::NoteAnswer(rec, res);
        if (res.status >= 200 && res.status <= 299) {
          fate = Fate::kAcked;
          break;
        }
        if (!internal::IsRetryable(res.status)) {
          fate = Fate::kRejected;
          break;
        }
        if (attempt + 1 >= o.retry.max_attempts) {
          break;
        }
        double wait = internal::BackoffSeconds(o.retry, attempt + 1, rng);
        if (internal::HonoursRetryAfter(res.status) && !res.retry_after.empty()) {
          if (auto after = internal::ParseRetryAfter(res.retry_after, clock.UnixMillisNow())) {
            wait = std::max(wait, *after);
          }
        }
        const SteadyClock::time_point next = answer + FromSeconds(wait);
        if (next > retry_deadline || !SleepUntil(clock, stop, next)) {
          break;
        }
      }
      LogLedger::State state = LogLedger::State::kFailed;
      if (fate == Fate::kAcked) {
        ++rec.requests_succeeded;
        rec.samples_acked += count;
        state = LogLedger::State::kAcked;
      } else if (fate == Fate::kRejected) {
        ++rec.requests_rejected;
        rec.samples_rejected += count;
        state = LogLedger::State::kRejected;
      } else {
        ++rec.requests_failed;
        rec.samples_failed += count;
      }
      for (std::uint64_t i = k; i < k + count; ++i) {
        ledger.Set(ledger.LineOf(c, i), state);
      }
      intervals.Request(send_due, first_send, answer, count, fate == Fate::kAcked);
      out.last_answer = std::max(out.last_answer, answer);
      k += count;
    }
    intervals.Finish();
    const std::uint64_t due_by_end =
        std::min(sched.DueBy(SteadyClock::time_point{} + (out.effective_end - start) -
                             std::chrono::nanoseconds(1)),
                 total);
    const std::uint64_t scheduled = std::max(due_by_end, k);
    if (scheduled > k) {
      rec.requests_unsent += (scheduled - k + batch - 1) / batch;
    }
    out.lines_scheduled = scheduled;
  };
  OBS_RETURN_IF_ERROR(internal::RunSenderThreads(
      static_cast<int>(outs.size()), http,
      [&](int shard, HttpClient& client) {
        run_shard(shard, client, outs[static_cast<std::size_t>(shard)]);
      },
      "loki push"));
  WorkloadRecord& rec = result.record;
  rec.name = o.name;
  rec.kind = "loki_push";
  rec.series = streams;
  rec.late_threshold_ns = ToNanos(FromSeconds(o.late_threshold_seconds));
  std::uint64_t scheduled = 0;
  std::uint64_t requests_scheduled = 0;
  SteadyClock::time_point window_end = start;
  SteadyClock::time_point last_answer = start;
  for (const ShardOut& s : outs) {
    internal::MergeCounts(rec, s.record);
    scheduled += s.lines_scheduled;
    requests_scheduled += s.record.requests + s.record.requests_unsent;
    window_end = std::max(window_end, s.effective_end);
    last_answer = std::max(last_answer, s.last_answer);
  }
  internal::FillRates(rec, scheduled, requests_scheduled, start, window_end, last_answer);
  rec.bookkeeping.ledger = result.ledger.memory_bytes();
  return result;
}

}  // namespace obs::loadgen
