#include "obs/loadgen/signal_workload.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <thread>
#include <utility>

#include "obs/loadgen/remote_write.h"

#include "workload_record.h"

namespace obs::loadgen {
namespace {

bool ValidLabelName(std::string_view n) {
  if (n.empty() || (n.size() >= 2 && n.substr(0, 2) == "__")) {
    return false;
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool ValidMetricName(std::string_view n) {
  if (n.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

Status CheckLabels(const std::map<std::string, std::string>& labels, const std::string& where) {
  for (const auto& [k, v] : labels) {
    if (!ValidLabelName(k)) {
      return InvalidArgumentError(where + ": invalid label name \"" + k + "\"");
    }
    if (v.empty()) {
      return InvalidArgumentError(where + "." + k + ": label values must not be empty");
    }
  }
  return Status::Ok();
}

Status CheckShape(const SignalShape& s, const std::string& where) {
  if (Status st = ValidateSignal(s); !st.ok()) {
    return InvalidArgumentError(where + "." + st.message());
  }
  return Status::Ok();
}

std::string FormatLe(double b) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%g", b);
  return buf.data();
}

}  // namespace

Result<std::vector<SignalSeries>> ExpandSignalSeries(const SignalWorkloadOptions& o) {
  if (!(o.interval_seconds > 0) || !std::isfinite(o.interval_seconds)) {
    return InvalidArgumentError("interval: must be > 0");
  }
  if (!(o.duration_seconds > 0) || !std::isfinite(o.duration_seconds)) {
    return InvalidArgumentError("duration: must be > 0");
  }
  if (!(o.time_scale > 0 && o.time_scale <= 1)) {
    return InvalidArgumentError("time_scale: must be in (0, 1]");
  }
  if (o.series.empty() && !o.red.has_value()) {
    return InvalidArgumentError("a signal workload needs `series` or `red`");
  }
  OBS_RETURN_IF_ERROR(CheckLabels(o.labels, "labels"));
  std::vector<SignalSeries> out;
  for (std::size_t i = 0; i < o.series.size(); ++i) {
    const SignalSeriesSpec& s = o.series[i];
    const std::string where = "series[" + std::to_string(i) + "]";
    if (!ValidMetricName(s.metric)) {
      return InvalidArgumentError(where + ".metric: invalid metric name \"" + s.metric + "\"");
    }
    OBS_RETURN_IF_ERROR(CheckLabels(s.labels, where + ".labels"));
    OBS_RETURN_IF_ERROR(CheckShape(s.shape, where + ".shape"));
    SignalSeries x;
    x.labels = o.labels;
    for (const auto& [k, v] : s.labels) {
      x.labels[k] = v;
    }
    x.labels["__name__"] = s.metric;
    x.counter = s.counter;
    x.value = [shape = s.shape](double t) {
      return SignalValue(shape, t);
    };
    out.push_back(std::move(x));
  }
  if (o.red.has_value()) {
    const RedSignalSpec& r = *o.red;
    OBS_RETURN_IF_ERROR(CheckShape(r.requests_per_second, "red.requests_per_second"));
    OBS_RETURN_IF_ERROR(CheckShape(r.error_ratio, "red.error_ratio"));
    OBS_RETURN_IF_ERROR(CheckShape(r.latency_seconds, "red.latency_seconds"));
    if (r.buckets.empty() || !std::is_sorted(r.buckets.begin(), r.buckets.end()) ||
        std::adjacent_find(r.buckets.begin(), r.buckets.end()) != r.buckets.end()) {
      return InvalidArgumentError("red.buckets: must be strictly increasing and not empty");
    }
    auto add = [&](const std::string& name, std::map<std::string, std::string> extra,
                   std::function<double(double)> rate) {
      SignalSeries x;
      x.labels = o.labels;
      for (auto& [k, v] : extra) {
        x.labels[k] = std::move(v);
      }
      x.labels["__name__"] = name;
      x.counter = true;
      x.value = std::move(rate);
      out.push_back(std::move(x));
    };
    const auto rps = [r](double t) {
      return std::max(0.0, SignalValue(r.requests_per_second, t));
    };
    const auto err = [r](double t) {
      return std::clamp(SignalValue(r.error_ratio, t), 0.0, 1.0);
    };
    const auto lat = [r](double t) {
      return std::max(0.0, SignalValue(r.latency_seconds, t));
    };
    add("http_requests_total", {{"status", "200"}},
        [rps, err](double t) { return rps(t) * (1 - err(t)); });
    add("http_requests_total", {{"status", "500"}},
        [rps, err](double t) { return rps(t) * err(t); });
    for (const double b : r.buckets) {
      add("http_request_duration_seconds_bucket", {{"le", FormatLe(b)}},
          [rps, lat, b](double t) { return lat(t) <= b ? rps(t) : 0.0; });
    }
    add("http_request_duration_seconds_bucket", {{"le", "+Inf"}}, rps);
    add("http_request_duration_seconds_count", {}, rps);
    add("http_request_duration_seconds_sum", {}, [rps, lat](double t) { return rps(t) * lat(t); });
  }
  return out;
}

double SignalSampleValue(const SignalSeries& s, std::uint64_t k, double interval,
                         double time_scale) {
  if (!s.counter) {
    return s.value(static_cast<double>(k) * interval);
  }
  double sum = 0;
  for (std::uint64_t j = 1; j <= k; ++j) {
    sum += s.value(static_cast<double>(j) * interval) * interval * time_scale;
  }
  return sum;
}

Result<SignalWorkloadResult> RunSignalWorkload(const SignalWorkloadOptions& o, const Clock& clock,
                                               const std::atomic<bool>* stop) {
  OBS_ASSIGN_OR_RETURN(std::vector<SignalSeries> series, ExpandSignalSeries(o));
  OBS_ASSIGN_OR_RETURN(
      RemoteWriteClient client,
      RemoteWriteClient::Create(o.url, o.headers, o.bearer_token, o.request_timeout_seconds));
  const double real_interval = o.interval_seconds * o.time_scale;
  const auto ticks = static_cast<std::uint64_t>(std::ceil(o.duration_seconds / o.interval_seconds));
  SignalWorkloadResult result;
  WorkloadRecord& rec = result.record;
  rec.name = o.name;
  rec.kind = "signal";
  rec.series = series.size();
  rec.late_threshold_ns = static_cast<std::int64_t>(o.late_threshold_seconds * 1e9);
  rec.target_requests_per_second = 1 / real_interval;
  rec.target_samples_per_second = static_cast<double>(series.size()) / real_interval;

  std::vector<ProbeSeries> batch(series.size());
  for (std::size_t i = 0; i < series.size(); ++i) {
    for (const auto& [k, v] : series[i].labels) {
      batch[i].labels.push_back({k, v});
    }
    batch[i].samples.resize(1);
  }
  std::vector<double> counters(series.size(), 0);

  result.start = clock.SteadyNow();
  result.start_unix_ms = clock.UnixMillisNow();
  SteadyClock::time_point last_answer = result.start;
  SteadyClock::time_point last_sent = result.start;
  internal::IntervalRecorder intervals(rec, result.start, o.duration_seconds * o.time_scale,
                                       o.progress);
  for (std::uint64_t k = 0; k < ticks; ++k) {
    const double due_s = static_cast<double>(k) * real_interval;
    const auto due = result.start + std::chrono::duration_cast<SteadyClock::duration>(
                                        std::chrono::duration<double>(due_s));
    while (clock.SteadyNow() < due) {
      if (stop != nullptr && stop->load()) {
        break;
      }
      std::this_thread::sleep_for(
          std::min<SteadyClock::duration>(due - clock.SteadyNow(), std::chrono::milliseconds(50)));
    }
    if (stop != nullptr && stop->load()) {
      rec.requests_unsent = ticks - k;
      break;
    }
    const double t = static_cast<double>(k) * o.interval_seconds;
    const std::int64_t ts = result.start_unix_ms + std::llround(due_s * 1000);
    for (std::size_t i = 0; i < series.size(); ++i) {
      double v = 0;
      if (series[i].counter) {
        if (k > 0) {
          counters[i] += series[i].value(t) * real_interval;
        }
        v = counters[i];
      } else {
        v = series[i].value(t);
      }
      batch[i].samples[0] = {v, ts};
    }
    const SteadyClock::time_point sent = clock.SteadyNow();
    last_sent = sent;
    if (sent - due > std::chrono::nanoseconds(rec.late_threshold_ns)) {
      ++rec.requests_late;
    }
    Result<int> status = client.Write(batch);
    last_answer = clock.SteadyNow();
    ++rec.requests;
    ++rec.attempts;
    rec.samples_sent += series.size();
    const int code = status.ok() ? *status : 0;
    internal::NoteAnswer(rec, code, status.ok() ? std::string_view() : status.status().message());
    if (k == 0 && code == 0) {
      return UnavailableError("signal workload " + o.name + ": " + status.status().message());
    }
    if (code >= 200 && code < 300) {
      ++rec.requests_succeeded;
      rec.samples_acked += series.size();
    } else if (code >= 400 && code < 500 && code != 429) {
      ++rec.requests_rejected;
      rec.samples_rejected += series.size();
    } else {
      ++rec.requests_failed;
      rec.samples_failed += series.size();
    }
    intervals.Request(due, sent, last_answer, series.size(), code >= 200 && code < 300);
  }
  intervals.Finish();
  internal::FinishIntervals(rec);
  rec.duration_seconds = std::chrono::duration<double>(last_answer - result.start).count();
  // Achieved rate over the span the ticks really covered: from the start to
  // the last send, plus the last tick's own interval.
  const double span =
      std::chrono::duration<double>(last_sent - result.start).count() + real_interval;
  rec.achieved_requests_per_second = static_cast<double>(rec.requests) / span;
  rec.achieved_samples_per_second = static_cast<double>(rec.samples_sent) / span;
  return result;
}

}  // namespace obs::loadgen
