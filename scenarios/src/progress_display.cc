#include "progress_display.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <utility>

#include "obs/loadgen/remote_write.h"

namespace obs::scenarios {
namespace {

// "48s", "99s", "12m05s", "1h02m".
std::string ShortDuration(double seconds) {
  const auto s = static_cast<long long>(std::max(0.0, seconds) + 0.5);
  std::array<char, 48> buf{};
  if (s < 100) {
    std::snprintf(buf.data(), buf.size(), "%llds", s);
  } else if (s < 3600) {
    std::snprintf(buf.data(), buf.size(), "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(buf.data(), buf.size(), "%lldh%02lldm", s / 3600, s / 60 % 60);
  }
  return buf.data();
}

// The schedule's rate at `seconds`; at or after its end (the last update of
// a run lands there) the rate it ended with rather than 0.
double TargetAt(const loadgen::OpenLoopSchedule& schedule, double seconds) {
  const double end = schedule.duration_seconds();
  return schedule.RateAt(end > 0 ? std::min(seconds, end * (1 - 1e-9)) : seconds);
}

}  // namespace

std::string FormatRate(double v) {
  if (!(v >= 0)) {
    return "0";
  }
  std::array<char, 48> buf{};
  // Thresholds on the rounded value: 999.96 is "1.0k", not "1000.0".
  if (v >= 999.95e6) {
    std::snprintf(buf.data(), buf.size(), "%.1fG", v / 1e9);
  } else if (v >= 999.95e3) {
    std::snprintf(buf.data(), buf.size(), "%.1fM", v / 1e6);
  } else if (v >= 999.5) {
    std::snprintf(buf.data(), buf.size(), "%.1fk", v / 1e3);
  } else if (v >= 99.95) {
    std::snprintf(buf.data(), buf.size(), "%.0f", v);
  } else {
    std::snprintf(buf.data(), buf.size(), "%.1f", v);
  }
  return buf.data();
}

std::string FormatLatencyNs(std::int64_t ns) {
  const auto v = static_cast<double>(std::max<std::int64_t>(0, ns));
  std::array<char, 48> buf{};
  if (v < 999.5e3) {
    std::snprintf(buf.data(), buf.size(), "%.0fus", v / 1e3);
  } else if (v < 999.95e6) {
    std::snprintf(buf.data(), buf.size(), "%.1fms", v / 1e6);
  } else {
    std::snprintf(buf.data(), buf.size(), "%.2fs", v / 1e9);
  }
  return buf.data();
}

std::string FormatProgress(const ProgressFrame& frame, bool tty, int columns) {
  std::array<char, 48> elapsed{};
  std::snprintf(elapsed.data(), elapsed.size(), "[%5.1fs", frame.elapsed_seconds);
  std::string line = elapsed.data();
  if (frame.planned_seconds > 0) {
    line += " / " + ShortDuration(frame.planned_seconds) + "  ETA " +
            ShortDuration(frame.planned_seconds - frame.elapsed_seconds);
  }
  line += "]";
  const char* sep = " ";
  for (const WorkloadProgress& w : frame.workloads) {
    line += sep + w.name + " " + FormatRate(w.achieved_per_second);
    if (w.target_per_second >= 0) {
      line += "/" + FormatRate(w.target_per_second);
    }
    line += " " + w.unit + "/s  err " + std::to_string(w.errors) + "  p99 " +
            (w.p99_ns >= 0 ? FormatLatencyNs(w.p99_ns) : std::string("-"));
    sep = " | ";
  }
  if (!tty) {
    return "obsbench: " + line + "\n";
  }
  if (columns > 1 && line.size() > static_cast<std::size_t>(columns - 1)) {
    line.resize(static_cast<std::size_t>(columns - 1));
  }
  return "\r" + line + "\x1b[K";
}

std::optional<loadgen::OpenLoopSchedule> TargetSchedule(const WorkloadSpec& w) {
  loadgen::ScheduleOptions s;
  if (w.kind == "http") {
    s = {.rate = w.http.requests_per_second,
         .stages = w.http.stages,
         .duration_seconds = w.http.stages.empty() ? w.http.duration_seconds : 0};
  } else if (w.kind == "loki_push") {
    s = {.rate = w.logs.lines_per_second,
         .stages = w.logs.stages,
         .duration_seconds = w.logs.stages.empty() ? w.logs.duration_seconds : 0};
  } else if (w.kind == "remote_write") {
    const loadgen::RemoteWriteOptions& o = w.remote_write;
    s = {.rate = o.samples_per_second,
         .stages = o.stages,
         .duration_seconds = o.stages.empty() ? o.duration_seconds : 0};
    if (o.stages.empty() && o.samples_per_second <= 0) {
      // Topology: every series once per scrape interval. The URL is known
      // only once the embedded backend listens; the description needs one.
      loadgen::RemoteWriteOptions copy = o;
      copy.url = "http://127.0.0.1:1/api/v1/write";
      Result<loadgen::LoadDescription> d = loadgen::DescribeLoad(copy);
      if (!d.ok()) {
        return std::nullopt;
      }
      s.rate = d->samples_per_second;
    }
  } else {
    return std::nullopt;
  }
  Result<loadgen::OpenLoopSchedule> schedule = loadgen::OpenLoopSchedule::Create(s, {});
  if (!schedule.ok()) {
    return std::nullopt;
  }
  return std::move(schedule).value();
}

ProgressDisplay::ProgressDisplay(const Scenario& scenario, const ProgressDisplayOptions& options)
    : options_(options),
      clock_(options.clock != nullptr ? *options.clock : RealClock()),
      zero_(clock_.SteadyNow()) {
  if (options_.out == nullptr) {
    return;
  }
  for (const WorkloadSpec& w : scenario.workloads) {
    sources_.push_back({.name = w.name,
                        .unit = std::string(WorkloadItemUnit(w.kind)),
                        .live = std::make_unique<loadgen::LiveProgress>(),
                        .target = TargetSchedule(w),
                        .last_items = 0});
  }
  thread_ = std::thread([this] { Loop(); });
}

ProgressDisplay::~ProgressDisplay() {
  Stop();
}

loadgen::LiveProgress* ProgressDisplay::live(std::size_t i) const {
  return i < sources_.size() ? sources_[i].live.get() : nullptr;
}

ProgressFrame ProgressDisplay::Update() {
  const double now = std::chrono::duration<double>(clock_.SteadyNow() - zero_).count();
  const double dt = now - last_update_seconds_;
  last_update_seconds_ = now;
  ProgressFrame frame{
      .elapsed_seconds = now, .planned_seconds = options_.planned_seconds, .workloads = {}};
  for (Source& s : sources_) {
    const loadgen::LiveProgress::Snapshot snap = s.live->Take();
    const std::uint64_t items = snap.items_sent - std::min(snap.items_sent, s.last_items);
    s.last_items = snap.items_sent;
    frame.workloads.push_back(
        {.name = s.name,
         .unit = s.unit,
         .achieved_per_second = dt > 0 ? static_cast<double>(items) / dt : 0,
         .target_per_second = s.target.has_value() ? TargetAt(*s.target, now) : -1,
         .errors = snap.requests_error,
         .p99_ns = snap.window_requests > 0 ? snap.window_p99_ns : -1});
  }
  return frame;
}

void ProgressDisplay::Loop() {
  const double seconds =
      options_.tty ? options_.tty_interval_seconds : options_.plain_interval_seconds;
  const auto interval = std::chrono::duration_cast<SteadyClock::duration>(
      std::chrono::duration<double>(std::max(0.001, seconds)));
  auto next = SteadyClock::now() + interval;
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_until(lock, next, [this] { return stopping_; })) {
    lock.unlock();
    *options_.out << FormatProgress(Update(), options_.tty, options_.columns) << std::flush;
    shown_ = true;
    lock.lock();
    next += interval;
    const auto now = SteadyClock::now();
    if (next < now) {
      next = now + interval;  // Fell behind: skip, don't burst.
    }
  }
}

void ProgressDisplay::Stop() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
  }
  cv_.notify_all();
  if (!thread_.joinable()) {
    return;
  }
  thread_.join();
  if (options_.tty && shown_) {
    *options_.out << "\n" << std::flush;  // Keep the last line.
  }
}

}  // namespace obs::scenarios
