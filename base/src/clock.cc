#include "obs/base/clock.h"

namespace obs {
namespace {

class RealClockImpl final : public Clock {
 public:
  SteadyClock::time_point SteadyNow() const override { return SteadyClock::now(); }
  std::int64_t UnixMillisNow() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

const Clock& RealClock() {
  static const RealClockImpl* const kClock = new RealClockImpl();
  return *kClock;
}

}  // namespace obs
