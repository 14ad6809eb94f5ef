// Time vocabulary shared by every module. Measurement uses the monotonic
// SteadyClock; sample timestamps and report times use wall-clock Unix
// milliseconds. Code that needs "now" takes it as a parameter (or a
// `const Clock&`) so tests can drive time; only the edges of the program read
// the real clocks.
//
// Thread safety: RealClock is stateless and safe from any thread.

#pragma once

#include <chrono>
#include <cstdint>

namespace obs {

using SteadyClock = std::chrono::steady_clock;
using Nanos = std::chrono::nanoseconds;

// A source of both clocks, injectable in tests.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyClock::time_point SteadyNow() const = 0;
  // Milliseconds since the Unix epoch.
  virtual std::int64_t UnixMillisNow() const = 0;
};

// The process's real clocks. Never destroyed.
const Clock& RealClock();

// Nanoseconds of `d` as an int64 (saturating is not needed for run lengths).
inline std::int64_t ToNanos(SteadyClock::duration d) {
  return std::chrono::duration_cast<Nanos>(d).count();
}

}  // namespace obs
