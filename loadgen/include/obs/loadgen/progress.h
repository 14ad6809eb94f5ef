// LiveProgress: the figures of a running workload that a progress display
// reads while the sender threads write them. The load generators update it
// once per settled request when their options carry one; a display calls
// Take() about once a second.
//
// Thread safety: every method may be called from any thread.

#pragma once

#include <cstdint>
#include <mutex>

#include "obs/base/histogram.h"

namespace obs::loadgen {

class LiveProgress {
 public:
  struct Snapshot {
    std::uint64_t items_sent = 0;  // Since the start (samples, spans or lines).
    std::uint64_t requests_ok = 0;
    std::uint64_t requests_error = 0;  // Rejected or failed after retries.
    // Of the requests settled since the previous Take(): how many, and their
    // 99th percentile latency from the intended send time (0 when none).
    std::uint64_t window_requests = 0;
    std::int64_t window_p99_ns = 0;
  };

  // One logical request of `items` was first sent.
  void Sent(std::uint64_t items);
  // One logical request settled, `corrected_ns` after its intended send time.
  void Settled(bool ok, std::int64_t corrected_ns);

  // The totals, and the window since the previous call (which starts a new one).
  Snapshot Take();

 private:
  std::mutex mu_;
  std::uint64_t items_sent_ = 0;
  std::uint64_t requests_ok_ = 0;
  std::uint64_t requests_error_ = 0;
  Histogram window_;
};

}  // namespace obs::loadgen
