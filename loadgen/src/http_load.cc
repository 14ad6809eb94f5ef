#include "obs/loadgen/http_load.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <exception>
#include <string>
#include <string_view>

#include "http_client.h"
#include "url.h"
#include "workload_record.h"

namespace obs::loadgen {
namespace {

using internal::FromSeconds;
using internal::HttpClient;
using internal::HttpClientOptions;
using internal::HttpResponse;

using Headers = std::vector<std::pair<std::string, std::string>>;

ScheduleOptions ShardSchedule(const HttpLoadOptions& o) {
  return internal::ShareOfSchedule(o.requests_per_second, o.stages, o.duration_seconds,
                                   1.0 / o.concurrency);
}

// RFC 9110 tchar: the characters of a method or a header name.
bool IsToken(std::string_view s) {
  constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || kExtra.find(c) != std::string_view::npos;
  });
}

Status ValidateSpec(const HttpRequestSpec& r, std::size_t i) {
  const std::string where = "requests[" + std::to_string(i) + "].";
  if (!IsToken(r.method)) {
    return InvalidArgumentError(where + "method \"" + r.method + "\" is not an HTTP token");
  }
  if (r.path.empty() || r.path.front() != '/' ||
      r.path.find_first_of(" \r\n\t") != std::string::npos) {
    return InvalidArgumentError(where + "path must start with '/' and hold no whitespace");
  }
  for (const auto& [name, value] : r.headers) {
    if (!IsToken(name)) {
      return InvalidArgumentError(where + "headers: name \"" + name + "\" is not an HTTP token");
    }
    if (value.find_first_of("\r\n") != std::string::npos) {
      return InvalidArgumentError(where + "headers: " + name + " holds a CR or LF");
    }
  }
  if (!(r.weight > 0) || !std::isfinite(r.weight)) {
    return InvalidArgumentError(where + "weight must be > 0");
  }
  return Status::Ok();
}

// SplitMix64: a well-mixed hash of (seed, request number).
std::uint64_t Mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The spec of request number `n`: cumulative weights `cum`, last = total.
std::size_t Choose(const std::vector<double>& cum, std::uint64_t seed, std::uint64_t n) {
  const std::uint64_t h = Mix(Mix(seed) ^ n);
  const double u = static_cast<double>(h >> 11) * 0x1.0p-53 * cum.back();
  const auto it = std::upper_bound(cum.begin(), cum.end(), u);
  return std::min(static_cast<std::size_t>(it - cum.begin()), cum.size() - 1);
}

// What every sender shares (read only).
struct Env {
  const HttpLoadOptions* options = nullptr;
  const Clock* clock = nullptr;
  const std::atomic<bool>* stop = nullptr;
  SteadyClock::time_point start;
  SteadyClock::time_point end;
  std::vector<std::string> wire{};   // Per spec: the request's bytes (HttpClient::Serialize).
  std::vector<double> cumulative{};  // Per spec: running sum of the weights.
};

struct ShardOut {
  WorkloadRecord record;
  std::vector<std::uint64_t> by_spec;
  std::uint64_t scheduled = 0;
  SteadyClock::time_point last_answer;
  SteadyClock::time_point effective_end;
};

// Counts one answered request in `rec`; returns whether it succeeded.
bool Settle(WorkloadRecord& rec, const HttpResponse& res) {
  ++rec.attempts;
  internal::NoteAnswer(rec, res);
  if (res.status >= 200 && res.status <= 399) {
    ++rec.requests_succeeded;
    ++rec.samples_acked;
    return true;
  }
  if (res.status >= 400 && res.status <= 499) {
    ++rec.requests_rejected;
    ++rec.samples_rejected;
  } else {
    ++rec.requests_failed;
    ++rec.samples_failed;
  }
  return false;
}

void RunShard(const Env& env, int shard, HttpClient& client, ShardOut& out) {
  const HttpLoadOptions& o = *env.options;
  auto schedule = OpenLoopSchedule::Create(ShardSchedule(o), env.start);
  WorkloadRecord& rec = out.record;
  out.by_spec.assign(o.requests.size(), 0);
  out.effective_end = env.end;
  out.last_answer = env.start;
  const std::uint64_t total = schedule->total();
  const auto shards = static_cast<std::uint64_t>(o.concurrency);
  const SteadyClock::duration late = FromSeconds(o.late_threshold_seconds);
  internal::IntervalRecorder intervals(
      rec, env.start, std::chrono::duration<double>(env.end - env.start).count(), o.progress);
  std::uint64_t k = 0;
  while (k < total) {
    const SteadyClock::time_point due = schedule->DueTime(k);
    if (due >= env.end) {
      break;
    }
    if (!internal::SleepUntil(*env.clock, env.stop, due)) {
      out.effective_end = std::min(env.end, env.clock->SteadyNow());
      break;
    }
    const std::size_t spec =
        Choose(env.cumulative, o.seed, static_cast<std::uint64_t>(shard) + shards * k);
    ++rec.requests;
    ++rec.samples_sent;
    ++out.by_spec[spec];
    const SteadyClock::time_point sent = env.clock->SteadyNow();
    if (sent - due > late) {
      ++rec.requests_late;
    }
    const HttpResponse res = client.Send(env.wire[spec]);
    const SteadyClock::time_point answer = internal::AnswerTime(*env.clock, sent, res);
    const bool ok = Settle(rec, res);
    intervals.Request(due, sent, answer, 1, ok);
    out.last_answer = std::max(out.last_answer, answer);
    ++k;
  }
  intervals.Finish();
  // What the schedule asked for by the (effective) end, sent or not.
  const std::uint64_t due_by_end =
      std::min(schedule->DueBy(out.effective_end - std::chrono::nanoseconds(1)), total);
  out.scheduled = std::max(due_by_end, k);
  rec.requests_unsent += out.scheduled - k;
}

// The base URL's path prefix joined with `path` (which starts with '/').
std::string JoinTarget(const std::string& base_target, const std::string& path) {
  std::string_view prefix = base_target;
  const std::size_t query = prefix.find('?');
  if (query != std::string_view::npos) {
    prefix = prefix.substr(0, query);
  }
  while (!prefix.empty() && prefix.back() == '/') {
    prefix.remove_suffix(1);
  }
  return std::string(prefix) + path;
}

}  // namespace

Status ValidateHttpLoadOptions(const HttpLoadOptions& o) {
  auto url = internal::ParseHttpUrl(o.base_url);
  if (!url.ok()) {
    return InvalidArgumentError("base_url: " + url.status().message());
  }
  if (url->target.find('?') != std::string::npos) {
    return InvalidArgumentError("base_url must not hold a query (put it in requests[].path)");
  }
  if (o.requests.empty()) {
    return InvalidArgumentError("requests must hold at least one request");
  }
  for (std::size_t i = 0; i < o.requests.size(); ++i) {
    OBS_RETURN_IF_ERROR(ValidateSpec(o.requests[i], i));
  }
  if (o.concurrency < 1 || o.concurrency > 256) {
    return InvalidArgumentError("concurrency must be in [1, 256]");
  }
  if (o.stages.empty() && !(o.requests_per_second > 0)) {
    return InvalidArgumentError("requests_per_second must be > 0");
  }
  if (o.stages.empty() && !(o.duration_seconds > 0)) {
    return InvalidArgumentError("duration_seconds must be > 0");
  }
  if (!o.stages.empty() && !(o.requests_per_second >= 0)) {
    return InvalidArgumentError("requests_per_second must be >= 0 (the first stage's start)");
  }
  if (!(o.request_timeout_seconds > 0) || !std::isfinite(o.request_timeout_seconds)) {
    return InvalidArgumentError("request_timeout_seconds must be > 0");
  }
  if (!(o.late_threshold_seconds >= 0) || !std::isfinite(o.late_threshold_seconds)) {
    return InvalidArgumentError("late_threshold_seconds must be >= 0");
  }
  auto schedule = OpenLoopSchedule::Create(ShardSchedule(o), SteadyClock::time_point{});
  if (!schedule.ok()) {
    return InvalidArgumentError((o.stages.empty() ? "requests_per_second: " : "stages: ") +
                                schedule.status().message());
  }
  if (schedule->total() == OpenLoopSchedule::kEndless) {
    return InvalidArgumentError("duration_seconds: the schedule must end");
  }
  if (schedule->total() > (std::uint64_t{1} << 32)) {
    return InvalidArgumentError(
        "requests_per_second: more than 2^32 requests per sender: shorten the run or the rate");
  }
  return Status::Ok();
}

Result<HttpLoadResult> RunHttpLoad(const HttpLoadOptions& options, const Clock& clock,
                                   const std::atomic<bool>* stop) {
  OBS_RETURN_IF_ERROR(ValidateHttpLoadOptions(options));
  OBS_ASSIGN_OR_RETURN(internal::HttpUrl url, internal::ParseHttpUrl(options.base_url));
  HttpClientOptions http{
      .url = url, .headers = {}, .timeout_seconds = options.request_timeout_seconds};
  http.headers.emplace_back("User-Agent", "obsbench-loadgen/" OBS_VERSION);
  Env env{.options = &options, .clock = &clock, .stop = stop, .start = {}, .end = {}};
  {
    HttpClient probe(http);
    Status reach = probe.Connect();
    if (!reach.ok()) {
      return UnavailableError("http load: target unreachable: " + reach.message());
    }
    // Every shard's client has the same options: serialize each request once.
    double sum = 0;
    for (std::size_t i = 0; i < options.requests.size(); ++i) {
      const HttpRequestSpec& r = options.requests[i];
      try {
        env.wire.push_back(
            probe.Serialize(r.method, JoinTarget(url.target, r.path), r.headers, r.body));
      } catch (const std::exception& e) {
        return InvalidArgumentError("http load: requests[" + std::to_string(i) + "]: " + e.what());
      }
      sum += r.weight;
      env.cumulative.push_back(sum);
    }
  }
  env.start = clock.SteadyNow();
  env.end =
      env.start + FromSeconds(internal::PlannedSeconds(options.stages, options.duration_seconds));
  std::vector<ShardOut> outs(static_cast<std::size_t>(options.concurrency));
  OBS_RETURN_IF_ERROR(internal::RunSenderThreads(
      static_cast<int>(outs.size()), http,
      [&](int shard, HttpClient& client) {
        RunShard(env, shard, client, outs[static_cast<std::size_t>(shard)]);
      },
      "http load"));
  HttpLoadResult result;
  result.requests_by_spec.assign(options.requests.size(), 0);
  WorkloadRecord& rec = result.record;
  rec.name = options.name;
  rec.kind = "http";
  rec.series = options.requests.size();
  rec.late_threshold_ns = ToNanos(FromSeconds(options.late_threshold_seconds));
  std::uint64_t scheduled = 0;
  SteadyClock::time_point window_end = env.start;
  SteadyClock::time_point last_answer = env.start;
  for (const ShardOut& o : outs) {
    internal::MergeCounts(rec, o.record);
    scheduled += o.scheduled;
    window_end = std::max(window_end, o.effective_end);
    last_answer = std::max(last_answer, o.last_answer);
    for (std::size_t i = 0; i < o.by_spec.size(); ++i) {
      result.requests_by_spec[i] += o.by_spec[i];
    }
  }
  internal::FillRates(rec, scheduled, scheduled, env.start, window_end, last_answer);
  return result;
}

}  // namespace obs::loadgen
