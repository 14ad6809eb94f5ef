// MeasureVisibility measures write-to-queryable lag: how long after a remote
// write was acknowledged a query first sees its sample. It writes `probes`
// single-sample probe series, obsbench_probe{obsbench_run="<run_id>",
// probe="<k>"}, one at a time, and polls an instant query for each until it
// answers with that sample or `probe_timeout_seconds` pass.
//
// Timing: probe k is written at start + k * spread_seconds / probes, or right
// after probe k-1 was found or timed out, whichever is later. lag = arrival
// of the first query answer that contains the sample - arrival of the write's
// 2xx: an upper bound that includes one query round trip, with a resolution
// of poll_interval_seconds.
// The probe's value is its own timestamp, so a sample left by an earlier run
// with the same labels is never mistaken for it.
//
// Thread safety: a function; the runner calls it from its own thread,
// concurrently with the load. `writer` and `client` must not be shared with
// other threads while it runs.

#pragma once

#include <atomic>
#include <string>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/base/status.h"
#include "obs/loadgen/remote_write.h"

#include "verify/query_client.h"

namespace obs::scenarios {

struct VisibilityOptions {
  int probes = 20;                       // Probe writes; >= 0.
  double spread_seconds = 10;            // Spread the probe starts evenly over this span.
  double probe_timeout_seconds = 15;     // Per probe, counted from its acknowledgement.
  double poll_interval_seconds = 0.005;  // Pause between queries for one probe.
  std::string run_id;                    // obsbench_run label value ("" = no such label).
};

// Returns the record (checked = true) with one lag per visible probe and the
// number that timed out. A probe whose write was never acknowledged within
// its timeout (5xx, 429, transport errors are retried) counts as timed out.
// When `*stop` (may be null) becomes true, no further probe is started and a
// probe whose write is not yet acknowledged is abandoned uncounted; a probe
// already acknowledged is still followed until it is seen or times out. Errors: kInvalidArgument
// for bad options, a 4xx answer to a probe write, or a query the target rejects (4xx); kDataLoss
// for an unparseable query answer.
Result<obs::VisibilityRecord> MeasureVisibility(loadgen::RemoteWriteClient& writer,
                                                QueryClient& client,
                                                const VisibilityOptions& options,
                                                const Clock& clock, const std::atomic<bool>* stop);

}  // namespace obs::scenarios
