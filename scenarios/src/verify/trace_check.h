// Trace completeness: every trace the target acknowledged is read back by id
// and compared span by span with what was sent, which the TraceGenerator
// regenerates from the ledger's trace numbers (nothing was stored).
//
// Two query APIs are understood (docs/traces-and-logs.md):
//   tempo:  GET <base>/api/v2/traces/<id> ({"trace": OTLP JSON}) or the v1
//           shape ({"batches"|"resourceSpans": ...}); lossless, compared at
//           full fidelity except that times may differ by up to 1 µs;
//   jaeger: GET <base>/api/traces/<id>; Jaeger's model is compared for what
//           it can carry: µs times, typed tags (arrays and maps as JSON
//           text), kind/status from the span.kind and otel.status_* tags,
//           events as logs, links as FOLLOWS_FROM references, resource as
//           the process; flags, dropped counts and link attributes are not.
//
// Spans match by span id. For each matched span the first differing field
// is named with both values; missing and extra spans are counted. A 404 or
// an incomplete trace is polled again until `settle_timeout` passes.
//
// Thread safety: functions are reentrant; a QueryClient is not shared.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/base/status.h"
#include "obs/loadgen/otlp_traces.h"
#include "obs/loadgen/trace_generator.h"
#include "obs/wire/otlp.h"

#include "verify/query_client.h"

namespace obs::scenarios {

enum class TraceApi { kTempo, kJaeger };
std::string_view TraceApiName(TraceApi api);

// A span as a query API returned it, with the resource it came under.
struct ReceivedSpan {
  wire::otlp::Span span;
  wire::otlp::Resource resource;
};

// Parse a trace-by-id answer body. kDataLoss when the body is not the shape.
Result<std::vector<ReceivedSpan>> ParseTempoTrace(std::string_view body);
Result<std::vector<ReceivedSpan>> ParseJaegerTrace(std::string_view body);

// The comparison of one trace; `examples` gets at most `max_examples`.
struct TraceComparison {
  std::uint64_t expected = 0, intact = 0, missing = 0, altered = 0, extra = 0;
};
TraceComparison CompareTrace(const wire::otlp::TracesData& sent,
                             const std::vector<ReceivedSpan>& received, TraceApi api,
                             std::size_t max_examples, std::vector<SpanDifference>& examples);

struct TraceCheckOptions {
  TraceApi api = TraceApi::kTempo;
  double settle_timeout_seconds = 30;
  double poll_interval_seconds = 0.2;
  int max_examples = 5;
};

Result<TraceCompletenessRecord> CheckTraceCompleteness(QueryClient& client,
                                                       const loadgen::TraceGenerator& generator,
                                                       const loadgen::TraceLedger& ledger,
                                                       const TraceCheckOptions& options,
                                                       const Clock& clock);

}  // namespace obs::scenarios
