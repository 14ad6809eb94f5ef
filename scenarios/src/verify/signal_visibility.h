// Write-to-queryable lag for traces and logs, measured the way metrics'
// MeasureVisibility does (verify/visibility.h): `probes` single-item writes
// spread over the load, each polled until the query API returns it or
// `probe_timeout` passes; lag = arrival of the first answer containing the
// item - arrival of the write's 2xx.
//
//   traces: a one-span trace (service obsbench-probe, fresh random ids) is
//           posted to <otlp base>/v1/traces (protobuf) and looked up by id
//           through the Tempo or Jaeger API;
//   logs:   one line is pushed to the stream {obsbench_probe="<run id>"}
//           (protobuf + snappy) and looked up with query_range at its
//           timestamp.
//
// A write answered with a retryable status (429, 5xx) or a transport error
// is retried until the probe's timeout; a 4xx is an error.
//
// Thread safety: a function; run it on its own thread with its own client.

#pragma once

#include <atomic>
#include <string>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/base/status.h"

#include "verify/log_check.h"
#include "verify/query_client.h"
#include "verify/trace_check.h"

namespace obs::scenarios {

enum class ProbeSignal { kTraces, kLogs };

struct SignalVisibilityOptions {
  ProbeSignal signal = ProbeSignal::kTraces;
  TraceApi trace_api = TraceApi::kTempo;     // Traces only.
  LogQueryApi log_api = LogQueryApi::kLoki;  // Logs only.
  std::string write_url;                     // Full URL: .../v1/traces or .../loki/api/v1/push.
  int probes = 20;
  double spread_seconds = 10;
  double probe_timeout_seconds = 15;
  double poll_interval_seconds = 0.005;
  std::string run_id;
};

// `client` reads through its base URL (the trace or log query API). Returns
// the record (checked = true); kInvalidArgument for a 4xx answer to a probe
// write or query; kDataLoss for an unparseable answer.
Result<VisibilityRecord> MeasureSignalVisibility(QueryClient& client,
                                                 const SignalVisibilityOptions& options,
                                                 const Clock& clock, const std::atomic<bool>* stop);

}  // namespace obs::scenarios
