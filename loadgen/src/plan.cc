// MakePlan: option validation and the shard layout of a remote-write run.

#include <algorithm>
#include <cctype>
#include <cmath>

#include "obs/wire/remote_write.h"

#include "sender.h"

namespace obs::loadgen::internal {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool Finite(double v, double min) {
  return std::isfinite(v) && v >= min;
}

Status CheckHeaders(const RemoteWriteOptions& o) {
  for (const auto& [name, value] : o.headers) {
    const std::string lower = Lower(name);
    if (lower == "content-type" || lower == "content-encoding" || lower == "user-agent" ||
        lower == Lower(wire::kRemoteWriteVersionHeader) || lower == "host" ||
        lower == "content-length") {
      return InvalidArgumentError("remote write: header \"" + name +
                                  "\" is set by the protocol and cannot be overridden");
    }
    if (lower == "authorization" && !o.bearer_token.empty()) {
      return InvalidArgumentError(
          "remote write: header \"Authorization\" conflicts with bearer_token");
    }
    if (name.empty() || name.find_first_of(" :\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return InvalidArgumentError("remote write: header \"" + name + "\" is malformed");
    }
  }
  return Status::Ok();
}

Status CheckNumbers(const RemoteWriteOptions& o) {
  if (o.stages.empty() && !(Finite(o.duration_seconds, 0) && o.duration_seconds > 0)) {
    return InvalidArgumentError("remote write: duration_seconds must be > 0");
  }
  if (o.batch_size < 1) {
    return InvalidArgumentError("remote write: batch_size must be >= 1");
  }
  if (o.concurrency < 1 || o.concurrency > 1024) {
    return InvalidArgumentError("remote write: concurrency must be in [1, 1024]");
  }
  if (o.retry.max_attempts < 1 || !Finite(o.retry.min_backoff_seconds, 0) ||
      !Finite(o.retry.max_backoff_seconds, o.retry.min_backoff_seconds)) {
    return InvalidArgumentError(
        "remote write: retry needs max_attempts >= 1 and 0 <= min_backoff <= max_backoff");
  }
  if (!(Finite(o.request_timeout_seconds, 0) && o.request_timeout_seconds > 0)) {
    return InvalidArgumentError("remote write: request_timeout_seconds must be > 0");
  }
  if (!Finite(o.late_threshold_seconds, 0)) {
    return InvalidArgumentError("remote write: late_threshold_seconds must be >= 0");
  }
  if (!Finite(o.samples_per_second, 0)) {
    return InvalidArgumentError("remote write: samples_per_second must be >= 0");
  }
  if (o.stages.empty() && o.samples_per_second <= 0 &&
      !(Finite(o.scrape_interval_seconds, 0) && o.scrape_interval_seconds > 0)) {
    return InvalidArgumentError("remote write: scrape_interval_seconds must be > 0");
  }
  const StopCondition& s = o.stop_when;
  if (!Finite(s.latency_p99_seconds, 0) || !Finite(s.error_ratio, 0) ||
      ((s.latency_p99_seconds > 0 || s.error_ratio > 0) &&
       !(Finite(s.window_seconds, 0) && s.window_seconds > 0))) {
    return InvalidArgumentError(
        "remote write: stop_when needs thresholds >= 0 and window_seconds > 0");
  }
  return Status::Ok();
}

std::vector<std::pair<std::string, std::string>> RequestHeaders(const RemoteWriteOptions& o) {
  std::vector<std::pair<std::string, std::string>> h = {
      {"Content-Type", std::string(wire::kRemoteWriteContentType)},
      {"Content-Encoding", std::string(wire::kRemoteWriteEncoding)},
      {std::string(wire::kRemoteWriteVersionHeader), std::string(wire::kRemoteWriteVersion)},
      {"User-Agent", std::string("obsbench/") + OBS_VERSION},
  };
  if (!o.bearer_token.empty()) {
    h.emplace_back("Authorization", "Bearer " + o.bearer_token);
  }
  for (const auto& [name, value] : o.headers) {
    h.emplace_back(name, value);
  }
  return h;
}

ScheduleOptions Scaled(const ScheduleOptions& global, double share) {
  ScheduleOptions s = global;
  s.rate *= share;
  for (Stage& stage : s.stages) {
    stage.target_samples_per_second *= share;
  }
  return s;
}

}  // namespace

Result<RunPlan> MakePlan(const RemoteWriteOptions& options, std::int64_t start_ms) {
  OBS_RETURN_IF_ERROR(CheckNumbers(options));
  OBS_RETURN_IF_ERROR(CheckHeaders(options));
  OBS_ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl(options.url));
  double duration_seconds = options.duration_seconds;
  if (!options.stages.empty()) {
    duration_seconds = 0;
    for (const Stage& s : options.stages) {
      duration_seconds += s.duration_seconds;
    }
  }
  SeriesSetOptions series_options = options.series;
  series_options.duration_seconds = std::max(series_options.duration_seconds, duration_seconds);
  if (series_options.start_ms == 0) {
    series_options.start_ms = start_ms;
  }
  OBS_ASSIGN_OR_RETURN(SeriesSet series, SeriesSet::Create(series_options));
  RunPlan plan{.http = {.url = std::move(url),
                        .headers = RequestHeaders(options),
                        .timeout_seconds = options.request_timeout_seconds},
               .series = std::move(series),
               .global = {},
               .duration_seconds = duration_seconds,
               .shards = {}};
  const std::size_t slots = plan.series.slots();
  if (!options.stages.empty()) {
    plan.global = {
        .rate = options.samples_per_second, .stages = options.stages, .duration_seconds = 0};
  } else if (options.samples_per_second > 0) {
    plan.global = {.rate = options.samples_per_second,
                   .stages = {},
                   .duration_seconds = plan.duration_seconds};
  } else {
    plan.global = {.rate = static_cast<double>(slots) / options.scrape_interval_seconds,
                   .stages = {},
                   .duration_seconds = plan.duration_seconds};
  }
  OBS_RETURN_IF_ERROR(OpenLoopSchedule::Create(plan.global, {}).status());
  const std::size_t shards = std::min(slots, static_cast<std::size_t>(options.concurrency));
  plan.shards.resize(shards);
  for (std::size_t s = 0; s < slots; ++s) {
    plan.shards[s % shards].slots.push_back(s);
  }
  for (ShardPlan& shard : plan.shards) {
    const double share = static_cast<double>(shard.slots.size()) / static_cast<double>(slots);
    shard.schedule = Scaled(plan.global, share);
    shard.batch = std::min(static_cast<std::size_t>(options.batch_size), shard.slots.size());
    if (!OpenLoopSchedule::Create(shard.schedule, {}).ok()) {
      return InvalidArgumentError(
          "remote write: the load offers less than one sample per shard; "
          "lower concurrency");
    }
  }
  return plan;
}

}  // namespace obs::loadgen::internal
