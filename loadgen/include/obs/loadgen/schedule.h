// OpenLoopSchedule says when each event (a sample) is *due* under an offered
// rate, whatever the target is doing. Latency is measured from the due time,
// not from the moment a request left, so a target stall shows up as queueing
// delay instead of quietly lowering the offered load (coordinated omission;
// see docs/measurement.md). The idea is wrk2's; the interface is ours.
//
// The rate is either constant (`rate` > 0, `stages` empty; optionally bounded
// by `duration_seconds`) or piecewise linear: stage i ramps linearly from the
// previous stage's target (for the first stage: from `rate`, which defaults to
// 0) to its own target over its duration, and the schedule ends after the
// last stage. A stage whose target equals the previous one holds the rate.
// Event n (0-based) is due at the time t where the integrated rate N(t) = n,
// so event 0 is due at the start and a constant rate r spaces events 1/r
// apart.
//
// Time is injected: nothing here reads a clock.
//
// Thread safety: none. Each sender owns its schedule; merge results, not
// schedules.

#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/status.h"

namespace obs::loadgen {

// One stage of a ramping load: reach `target_samples_per_second` linearly
// over `duration_seconds`, starting from the previous stage's target.
struct Stage {
  double duration_seconds = 0;           // Must be > 0.
  double target_samples_per_second = 0;  // Must be >= 0.
};

struct ScheduleOptions {
  double rate = 0;              // Events per second: the constant rate, or the first ramp's start.
  std::vector<Stage> stages{};  // Non-empty: piecewise-linear rate; the schedule ends after them.
  double duration_seconds = 0;  // Constant rate only: the schedule's length; 0 = endless.
};

class OpenLoopSchedule {
 public:
  static constexpr std::uint64_t kEndless = std::numeric_limits<std::uint64_t>::max();

  // Returns kInvalidArgument if a rate or duration is negative or not finite,
  // if a constant schedule has rate 0, or if the stages offer no event.
  static Result<OpenLoopSchedule> Create(const ScheduleOptions& options,
                                         SteadyClock::time_point start);

  // Seconds after the start at which event `n` is due; +infinity if n >= total().
  double DueSeconds(std::uint64_t n) const;
  // The time event `n` is due; SteadyClock::time_point::max() if n >= total().
  SteadyClock::time_point DueTime(std::uint64_t n) const;

  // How many events are due at or before `t` (at most total()).
  std::uint64_t DueBy(SteadyClock::time_point t) const;

  // The integrated rate N(seconds): events offered in [0, seconds).
  double Integrated(double seconds) const;
  // The offered rate at `seconds` after the start (0 after the end).
  double RateAt(double seconds) const;

  // How long to wait before the next unsent event is due: zero if it is
  // overdue, SteadyClock::duration::max() if the schedule is exhausted.
  // `now` is a parameter so tests can drive time.
  SteadyClock::duration TimeUntilNext(SteadyClock::time_point now) const;

  // Records that the next event was sent and returns its due time, the start
  // point for its latency. REQUIRES: !done().
  SteadyClock::time_point MarkSent();

  // Events in the whole schedule; kEndless for an endless constant rate.
  std::uint64_t total() const { return total_; }
  // Length in seconds; 0 for an endless schedule.
  double duration_seconds() const { return duration_seconds_; }
  SteadyClock::time_point start() const { return start_; }
  std::uint64_t sent() const { return sent_; }
  bool done() const { return sent_ >= total_; }

 private:
  // A segment of the rate curve: r(t) = rate0 + slope * (t - t0) on [t0, t0 + length).
  struct Segment {
    double t0 = 0;
    double length = 0;
    double rate0 = 0;
    double slope = 0;
    double n0 = 0;  // Integrated rate at t0.
  };

  OpenLoopSchedule(std::vector<Segment> segments, double duration_seconds,
                   SteadyClock::time_point start);

  std::vector<Segment> segments_;
  double duration_seconds_ = 0;
  SteadyClock::time_point start_;
  std::uint64_t total_ = 0;
  std::uint64_t sent_ = 0;
};

}  // namespace obs::loadgen
