// Summing per-sender WorkloadRecords into one, shared by every load
// generator that runs sender threads.
//
// Thread safety: plain functions; call after the senders are joined.

#pragma once

#include "obs/base/run_record.h"

namespace obs::loadgen::internal {

// Adds the counters, status codes and latency histograms of `r` to `into`
// (names, kinds and rates are the caller's).
void MergeCounts(WorkloadRecord& into, const WorkloadRecord& r);

}  // namespace obs::loadgen::internal
