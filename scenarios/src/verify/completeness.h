// CheckCompleteness reads every acknowledged sample of a load back from the
// target and compares it with the ledger: which series came back whole, which
// lost samples, which are missing, which were duplicated and which the target
// holds although they were never acknowledged. docs/verification.md explains
// the queries and their cost.
//
// The number of queries is bounded by the number of metric names (times the
// windows needed to stay under `max_samples_per_query`), never one per
// series: each query is `count_over_time({__name__="m",obsbench_run="r"}[w])`
// and each returned label set is mapped back to a ledger series id through a
// compact hash index (verify/series_index.h).
//
// Targets with ingestion lag (VictoriaMetrics buffers for 1-11 s) are polled:
// the full count is repeated until two consecutive passes give identical
// totals with nothing missing, or until `settle_timeout_seconds`.
//
// Thread safety: a function; `client` is used from the calling thread only.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/base/status.h"
#include "obs/loadgen/ledger.h"
#include "obs/loadgen/series_set.h"

#include "verify/query_client.h"

namespace obs::scenarios {

struct CompletenessOptions {
  double settle_timeout_seconds = 60;  // Give up polling after this long (then report as is).
  double poll_interval_seconds = 0.5;  // Pause between passes.
  int max_examples = 5;                // Incomplete or missing series listed in the record.
  // GET before each pass when set, e.g. VictoriaMetrics' "/internal/force_flush"
  // (a path is appended to the query base URL).
  std::string flush_url;
  // Split a metric's time range so no query has to load more samples than this.
  std::uint64_t max_samples_per_query = 5'000'000;
  // Metric names of the set that are not read back (the classic buckets of
  // an OTLP load's exponential histograms, whose series depend on the target).
  std::vector<std::string> skip_metric_names{};
};

// Fills a CompletenessRecord for `series`/`ledger` (series ids below
// min(series.series_capacity(), ledger.size())). Returns the record with
// checked=false and a skipped_reason when nothing was acknowledged.
// Incomplete data is data in the record, not an error. Errors: the query
// client's (kUnavailable, kInvalidArgument, kDataLoss) for a failed count
// query or flush, and kInvalidArgument for bad options. `clock` times the
// polling; passes are paced with real sleeps of `poll_interval_seconds`.
Result<obs::CompletenessRecord> CheckCompleteness(QueryClient& client,
                                                  const loadgen::SeriesSet& series,
                                                  const loadgen::Ledger& ledger,
                                                  const CompletenessOptions& options,
                                                  const Clock& clock);

}  // namespace obs::scenarios
