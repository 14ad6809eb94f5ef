#include "workload_record.h"

namespace obs::loadgen::internal {

void MergeCounts(WorkloadRecord& into, const WorkloadRecord& r) {
  into.requests += r.requests;
  into.attempts += r.attempts;
  into.requests_succeeded += r.requests_succeeded;
  into.requests_rejected += r.requests_rejected;
  into.requests_failed += r.requests_failed;
  into.retries += r.retries;
  into.requests_late += r.requests_late;
  into.requests_unsent += r.requests_unsent;
  into.samples_sent += r.samples_sent;
  into.samples_acked += r.samples_acked;
  into.samples_rejected += r.samples_rejected;
  into.samples_failed += r.samples_failed;
  for (const auto& [code, n] : r.status_codes) {
    into.status_codes[code] += n;
  }
  into.latency_corrected.Merge(r.latency_corrected);
  into.latency_uncorrected.Merge(r.latency_uncorrected);
}

}  // namespace obs::loadgen::internal
