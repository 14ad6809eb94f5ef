#include "obs/loadgen/schedule.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace obs::loadgen {
namespace {

// Guards ceil()/floor() of integrated counts against rounding: 10.000000001
// events offered is 10 events.
constexpr double kCountEpsilon = 1e-9;

bool NonNegativeFinite(double v) {
  return std::isfinite(v) && v >= 0;
}

SteadyClock::duration SecondsToDuration(double seconds) {
  return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

Result<OpenLoopSchedule> OpenLoopSchedule::Create(const ScheduleOptions& options,
                                                  SteadyClock::time_point start) {
  if (!NonNegativeFinite(options.rate)) {
    return InvalidArgumentError("schedule: rate must be a finite number >= 0");
  }
  if (!NonNegativeFinite(options.duration_seconds)) {
    return InvalidArgumentError("schedule: duration must be a finite number >= 0");
  }
  std::vector<Segment> segments;
  if (options.stages.empty()) {
    if (options.rate <= 0) {
      return InvalidArgumentError("schedule: rate must be > 0 without stages");
    }
    const double length = options.duration_seconds > 0 ? options.duration_seconds : INFINITY;
    segments.push_back({.t0 = 0, .length = length, .rate0 = options.rate, .slope = 0, .n0 = 0});
    return OpenLoopSchedule(std::move(segments), options.duration_seconds, start);
  }
  double t = 0;
  double n = 0;
  double previous = options.rate;
  for (std::size_t i = 0; i < options.stages.size(); ++i) {
    const Stage& stage = options.stages[i];
    if (!std::isfinite(stage.duration_seconds) || stage.duration_seconds <= 0) {
      return InvalidArgumentError("schedule: stage " + std::to_string(i + 1) +
                                  " duration must be > 0");
    }
    if (!NonNegativeFinite(stage.target_samples_per_second)) {
      return InvalidArgumentError("schedule: stage " + std::to_string(i + 1) +
                                  " target must be a finite number >= 0");
    }
    const double slope = (stage.target_samples_per_second - previous) / stage.duration_seconds;
    segments.push_back(
        {.t0 = t, .length = stage.duration_seconds, .rate0 = previous, .slope = slope, .n0 = n});
    n += (previous + stage.target_samples_per_second) / 2 * stage.duration_seconds;
    t += stage.duration_seconds;
    previous = stage.target_samples_per_second;
  }
  if (n < 1 - kCountEpsilon) {
    return InvalidArgumentError("schedule: stages offer no event (integrated rate < 1)");
  }
  return OpenLoopSchedule(std::move(segments), t, start);
}

OpenLoopSchedule::OpenLoopSchedule(std::vector<Segment> segments, double duration_seconds,
                                   SteadyClock::time_point start)
    : segments_(std::move(segments)), duration_seconds_(duration_seconds), start_(start) {
  if (duration_seconds_ <= 0) {
    total_ = kEndless;
  } else {
    // Events n with N(t_n) = n < N(end) are inside the schedule.
    total_ = static_cast<std::uint64_t>(std::ceil(Integrated(duration_seconds_) - kCountEpsilon));
  }
}

double OpenLoopSchedule::Integrated(double seconds) const {
  if (seconds <= 0) {
    return 0;
  }
  // The last segment starting at or before `seconds`.
  auto it = std::upper_bound(segments_.begin(), segments_.end(), seconds,
                             [](double s, const Segment& seg) { return s < seg.t0; });
  const Segment& seg = *std::prev(it);
  const double tau = std::min(seconds - seg.t0, seg.length);
  return seg.n0 + seg.rate0 * tau + seg.slope * tau * tau / 2;
}

double OpenLoopSchedule::RateAt(double seconds) const {
  if (seconds < 0 || (duration_seconds_ > 0 && seconds >= duration_seconds_)) {
    return 0;
  }
  auto it = std::upper_bound(segments_.begin(), segments_.end(), seconds,
                             [](double s, const Segment& seg) { return s < seg.t0; });
  const Segment& seg = *std::prev(it);
  return seg.rate0 + seg.slope * (seconds - seg.t0);
}

double OpenLoopSchedule::DueSeconds(std::uint64_t n) const {
  if (n >= total_) {
    return INFINITY;
  }
  const double target = static_cast<double>(n);
  // The segment in which N reaches `target`: the last one with n0 <= target
  // that offers events (zero-rate segments are skipped over).
  auto it = std::upper_bound(segments_.begin(), segments_.end(), target,
                             [](double v, const Segment& seg) { return v < seg.n0; });
  while (it != segments_.begin()) {
    const Segment& seg = *std::prev(it);
    const double m = target - seg.n0;
    const double end_rate = seg.rate0 + seg.slope * seg.length;
    if (seg.rate0 > 0 || end_rate > 0) {
      // Solve rate0*tau + slope*tau^2/2 = m in the form that is stable for
      // slope of either sign and for slope == 0.
      const double disc = std::max(0.0, seg.rate0 * seg.rate0 + 2 * seg.slope * m);
      const double denom = seg.rate0 + std::sqrt(disc);
      const double tau = denom > 0 ? 2 * m / denom : 0;
      return seg.t0 + std::min(tau, seg.length);
    }
    --it;
  }
  return 0;
}

SteadyClock::time_point OpenLoopSchedule::DueTime(std::uint64_t n) const {
  const double s = DueSeconds(n);
  if (!std::isfinite(s)) {
    return SteadyClock::time_point::max();
  }
  return start_ + SecondsToDuration(s);
}

std::uint64_t OpenLoopSchedule::DueBy(SteadyClock::time_point t) const {
  if (t < start_) {
    return 0;
  }
  const double seconds = std::chrono::duration<double>(t - start_).count();
  // Event n is due at or before t iff n <= N(t).
  const auto due = static_cast<std::uint64_t>(std::floor(Integrated(seconds) + kCountEpsilon)) + 1;
  return std::min(due, total_);
}

SteadyClock::duration OpenLoopSchedule::TimeUntilNext(SteadyClock::time_point now) const {
  if (done()) {
    return SteadyClock::duration::max();
  }
  const SteadyClock::time_point due = DueTime(sent_);
  return due <= now ? SteadyClock::duration::zero() : due - now;
}

SteadyClock::time_point OpenLoopSchedule::MarkSent() {
  OBS_CHECK(!done()) << "MarkSent() on an exhausted schedule";
  return DueTime(sent_++);
}

}  // namespace obs::loadgen
