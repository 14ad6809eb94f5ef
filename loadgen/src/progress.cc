#include "obs/loadgen/progress.h"

#include <algorithm>

namespace obs::loadgen {

void LiveProgress::Sent(std::uint64_t items) {
  const std::lock_guard<std::mutex> lock(mu_);
  items_sent_ += items;
}

void LiveProgress::Settled(bool ok, std::int64_t corrected_ns) {
  const std::lock_guard<std::mutex> lock(mu_);
  ++(ok ? requests_ok_ : requests_error_);
  window_.Record(std::max<std::int64_t>(0, corrected_ns));
}

LiveProgress::Snapshot LiveProgress::Take() {
  const std::lock_guard<std::mutex> lock(mu_);
  Snapshot s{.items_sent = items_sent_,
             .requests_ok = requests_ok_,
             .requests_error = requests_error_,
             .window_requests = window_.count(),
             .window_p99_ns = window_.ValueAtPercentile(99)};
  window_.Reset();
  return s;
}

}  // namespace obs::loadgen
