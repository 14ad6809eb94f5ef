// RunRecord (shared vocabulary: loadgen fills workloads, the runner the rest) is everything one
// finished run measured: what each workload offered and achieved, its latency histograms, the
// ledger summary, the completeness check and the visibility-lag probes. It is plain data: the
// scenario runner fills it, assertions evaluate it, reports render it. No I/O
// and no clocks here; every time is a value the runner injected.
//
// Units: latencies and lags are nanoseconds in obs::Histogram; rates are per
// second; timestamps are Unix milliseconds.
//
// Thread safety: a value type; no shared state.

#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "obs/base/histogram.h"

namespace obs {

// Percentiles of the latencies recorded in one interval, in nanoseconds.
struct LatencySummary {
  std::uint64_t count = 0;
  std::int64_t p50 = 0;
  std::int64_t p90 = 0;
  std::int64_t p99 = 0;
  std::int64_t p999 = 0;
  std::int64_t max = 0;
};

// One fixed-width slice of a workload's run, for over-time charts and
// windowed assertions. Each figure is attributed by the time that defines it:
// `items_due` by intended send time (the target), `items_sent` and
// `requests_sent` by the first attempt (what was achieved), outcomes and
// latencies by the time the request settled.
struct IntervalRecord {
  std::uint64_t items_due = 0;  // Samples, spans or lines the schedule had due.
  std::uint64_t items_sent = 0;
  std::uint64_t requests_sent = 0;
  std::uint64_t requests_ok = 0;     // Settled 2xx (possibly after retries).
  std::uint64_t requests_error = 0;  // Settled rejected or failed.
  LatencySummary latency_corrected;  // From the intended send time.
  LatencySummary latency_uncorrected;
  // In-process only (not serialized): the latencies' bucket counts, packed
  // (a few bytes a bucket: a run keeps up to ~1000 intervals), so intervals
  // of several senders merge exactly. Summaries are computed from them by
  // internal::FinishIntervals.
  PackedBuckets corrected_buckets;
  PackedBuckets uncorrected_buckets;
};

// What one item of a workload of `kind` is, plural: samples for remote write,
// data points for OTLP metrics (a histogram point is one), spans for traces,
// lines for logs, requests for plain HTTP load. Rates are items per second.
constexpr std::string_view WorkloadItemUnit(std::string_view kind) {
  return kind == "http"           ? "requests"
         : kind == "otlp_traces"  ? "spans"
         : kind == "loki_push"    ? "lines"
         : kind == "otlp_metrics" ? "points"
                                  : "samples";
}

// The generator's own accounting memory for one workload at the end of the
// run, in bytes. Each part is fixed by the series (or item) count, the number
// of senders and the planned duration, never by how long the run went on
// (docs/measurement.md, "Memory").
struct BookkeepingBytes {
  std::uint64_t ledger = 0;      // Per series, trace or log line outcomes.
  std::uint64_t histograms = 0;  // Latency histograms, a fixed size each.
  std::uint64_t intervals = 0;   // Per-interval records (about 1000 at most).
  std::uint64_t total() const { return ledger + histograms + intervals; }
};

// Counters and histograms of one workload (e.g. one remote-write load).
struct WorkloadRecord {
  std::string name;             // Scenario workload name, e.g. "remote_write".
  std::string kind;             // "remote_write".
  double duration_seconds = 0;  // Wall time from the first due send to the last answer.
  std::uint64_t series = 0;     // Distinct series written.

  // Offered versus achieved load. Target rates are what the schedule asked
  // for, averaged over the run; achieved rates are what was really sent.
  double target_samples_per_second = 0;
  double achieved_samples_per_second = 0;
  double target_requests_per_second = 0;
  double achieved_requests_per_second = 0;

  // Requests: each logical request (a batch) counts once in `requests`,
  // however often it was retried. `attempts` counts every HTTP attempt.
  std::uint64_t requests = 0;
  std::uint64_t attempts = 0;
  std::uint64_t requests_succeeded = 0;  // 2xx, possibly after retries.
  std::uint64_t requests_rejected = 0;   // Non-retryable 4xx: never retried.
  std::uint64_t requests_failed = 0;     // Retries exhausted (5xx, 429, transport errors).
  std::uint64_t retries = 0;             // Attempts beyond the first.
  // Requests that left later than `late_threshold_ns` after their due time:
  // the generator could not keep up with the schedule.
  std::uint64_t requests_late = 0;
  std::int64_t late_threshold_ns = 0;
  // Requests the schedule asked for that were never sent (the run ended first).
  std::uint64_t requests_unsent = 0;

  std::uint64_t samples_sent = 0;      // Samples in logical requests.
  std::uint64_t samples_acked = 0;     // Samples in succeeded requests.
  std::uint64_t samples_rejected = 0;  // Samples in rejected requests.
  std::uint64_t samples_failed = 0;    // Samples in failed requests.

  // Stress runs: set when a stop condition (latency or error threshold over a
  // window) ended the load early. `knee_samples_per_second` is the highest
  // target rate of a window that still met every stop condition.
  bool stopped_early = false;
  std::string stop_reason;
  double knee_samples_per_second = 0;

  std::map<int, std::uint64_t> status_codes;  // HTTP status of every attempt (0 = transport error).
  // For each status that was not 2xx, what the target said the first time:
  // the start of the response body, or the transport error for status 0.
  std::map<int, std::string> answers;

  // Latency of each logical request measured from its *due* time
  // (coordinated-omission corrected) and from its actual first send.
  Histogram latency_corrected;
  Histogram latency_uncorrected;
  // The run in slices of `interval_seconds` from the first due send (empty
  // when the workload does not record intervals). The width grows with the
  // planned duration so that there are at most about 1000 slices.
  double interval_seconds = 0;
  std::vector<IntervalRecord> intervals;

  BookkeepingBytes bookkeeping;
};

// One example of a series that did not come back whole.
struct MissingSeriesExample {
  std::string series;  // Prometheus text form, e.g. `m{a="b"}`.
  std::uint64_t expected_samples = 0;
  std::uint64_t found_samples = 0;
  std::int64_t expected_first_ms = 0;
  std::int64_t expected_last_ms = 0;
  std::vector<std::int64_t> missing_timestamps_ms;  // The first few, when known.
};

// The result of reading every acknowledged sample back from the target.
struct CompletenessRecord {
  bool checked = false;               // False when the run skipped verification.
  std::string skipped_reason;         // Why, when !checked.
  std::uint64_t series_expected = 0;  // Series with at least one acknowledged sample.
  std::uint64_t series_found = 0;
  std::uint64_t series_missing = 0;     // Expected but not found at all.
  std::uint64_t series_incomplete = 0;  // Found with fewer samples than acknowledged.
  std::uint64_t series_unexpected = 0;  // Found but never acknowledged.
  std::uint64_t samples_expected = 0;   // Acknowledged samples.
  std::uint64_t samples_found = 0;      // Of those, found again.
  std::uint64_t samples_missing = 0;
  std::uint64_t samples_duplicated = 0;  // Found more often than acknowledged.
  std::uint64_t samples_unexpected = 0;  // In unexpected series.
  std::uint64_t queries = 0;             // Queries the check needed.
  double seconds_to_settle = 0;          // Polling time until counts were stable.
  std::vector<MissingSeriesExample> examples;
};

// Write-to-queryable lag measured with probe writes.
struct VisibilityRecord {
  bool checked = false;
  std::uint64_t probes = 0;
  std::uint64_t visible = 0;    // Probes found before the deadline.
  std::uint64_t timed_out = 0;  // Probes never found.
  std::int64_t poll_interval_ns = 0;
  // How the probes were written: "remote_write" or "otlp" (metrics; OTLP
  // when the scenario's metrics load is OTLP only), "otlp" (traces) or
  // "loki_push" (logs). Empty in reports before 2026-12.
  std::string protocol;
  Histogram lag;  // Ack -> first query that found it.
};

// One span that did not come back as it was sent.
struct SpanDifference {
  std::string problem;   // "missing" | "extra" | "altered".
  std::string trace_id;  // Hex.
  std::string span_id;   // Hex.
  std::string span_name;
  std::string field;  // Altered: the first differing field, e.g. "attributes[http.route]".
  std::string sent;   // Altered: the values, as text.
  std::string received;
};

// The result of reading every acknowledged trace back by id and comparing
// it span by span with what was sent (regenerated from the ledger).
struct TraceCompletenessRecord {
  bool checked = false;
  std::string skipped_reason;
  std::string query_api;              // "tempo" or "jaeger": the API the traces were read with.
  std::uint64_t traces_expected = 0;  // Acknowledged in full.
  std::uint64_t traces_found = 0;     // Found by id (possibly incomplete).
  std::uint64_t traces_missing = 0;   // Not found at all.
  std::uint64_t traces_partial = 0;   // Sent in a partially rejected request: not judged.
  std::uint64_t spans_expected = 0;
  std::uint64_t spans_intact = 0;  // Found and equal in every compared field.
  std::uint64_t spans_missing = 0;
  std::uint64_t spans_altered = 0;  // Found, but a field differs.
  std::uint64_t spans_extra = 0;    // Found in an expected trace but never sent.
  std::uint64_t queries = 0;
  double seconds_to_settle = 0;
  std::vector<SpanDifference> examples;  // The first few, in trace order.
  VisibilityRecord visibility;           // Probe traces: ack -> found by id.
};

// One log line that did not come back as it was sent.
struct LogDifference {
  std::string problem;  // "missing" | "altered" | "duplicated" | "unexpected" | "out_of_order".
  std::string stream;   // Label set, {a="b",...}.
  std::int64_t timestamp_ns = 0;
  std::string sent;      // The line as sent (empty for unexpected).
  std::string received;  // As found (empty for missing).
};

// The result of reading every acknowledged log line back, stream by stream.
struct LogCompletenessRecord {
  bool checked = false;
  std::string skipped_reason;
  std::string query_api;  // "loki".
  std::uint64_t streams_expected = 0;
  std::uint64_t streams_found = 0;
  std::uint64_t lines_expected = 0;  // Acknowledged.
  std::uint64_t lines_intact = 0;    // Found once with the exact text.
  std::uint64_t lines_missing = 0;
  std::uint64_t lines_altered = 0;       // Found at its timestamp with other text.
  std::uint64_t lines_duplicated = 0;    // Extra copies of found lines.
  std::uint64_t lines_unexpected = 0;    // In a checked stream, never sent.
  std::uint64_t lines_out_of_order = 0;  // Returned before a line sent earlier.
  std::uint64_t queries = 0;
  double seconds_to_settle = 0;
  std::vector<LogDifference> examples;
  VisibilityRecord visibility;  // Probe lines: ack -> returned by query_range.
};

// One notification as the harness's alert receiver recorded it, per alert.
struct AlertNotificationRecord {
  double t_seconds = 0;  // Arrival in scenario time (seconds since the load started, unscaled).
  std::int64_t arrival_unix_ms = 0;
  std::string format;  // "webhook" | "alertmanager".
  std::string status;  // "firing" | "resolved".
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::int64_t starts_at_ms = 0;  // As sent; 0 = absent.
  std::int64_t ends_at_ms = 0;
};

// What an alert expectation is judged against, as the runner resolved it
// from the rule file and the driving signal. Times are scenario seconds.
struct AlertCheckRecord {
  std::string alert;
  std::string signal;      // E.g. "queue/queue_depth > 1000"; empty for never_fires only.
  std::string shape;       // E.g. "step 500 -> 1500 at 120s".
  double for_seconds = 0;  // The rule's `for`.
  double evaluation_interval_seconds = 0;
  double sample_interval_seconds = 0;  // Of the driving signal.
  // Spans where the sampled signal met the threshold; end -1 = to the end.
  std::vector<std::pair<double, double>> episodes;
  // The evaluator's own view, read back from its ALERTS series after the
  // run: spans in which the alert was "pending" or "firing" (end -1 = still
  // at the last sample). Empty when the target has no ALERTS to read.
  struct State {
    std::string state;  // "pending" | "firing".
    double start_seconds = 0;
    double end_seconds = -1;
  };
  std::vector<State> evaluator_states{};
  std::string evaluator_note{};  // Why evaluator_states is empty, when a read failed.
};

// Alerting runs: the receiver's recording and the resolved checks.
struct AlertsRecord {
  bool enabled = false;
  double time_scale = 1;  // Real seconds per scenario second.
  std::string receiver_url;
  std::vector<std::string> rule_files;  // As given (the scaled copies are the runner's).
  double listen_seconds = 0;            // Scenario time the receiver listened in total.
  std::vector<AlertNotificationRecord> notifications;  // One entry per alert per notification.
  std::uint64_t rejected = 0;                          // Requests the receiver answered 4xx.
  std::uint64_t dropped = 0;                           // Notifications beyond the receiver's bound.
  std::vector<AlertCheckRecord> checks;
};

// One reading of a process's resource use.
struct ResourceSample {
  double t_seconds = 0;  // Since the load started.
  double cpu_cores = 0;  // CPU time used since the previous sample / wall time.
  std::uint64_t rss_bytes = 0;
};

// Resource use of one process during the run: obsbench itself (which hosts the
// embedded backend) or a process named with --watch, sampled once per second
// during the load.
struct ProcessResources {
  std::string name;  // "obsbench" or the peer, e.g. "victoria-metrics".
  std::int64_t pid = 0;
  double cpu_seconds = 0;  // User + system CPU time over the run.
  double cpu_cores_mean = 0;
  std::uint64_t rss_max_bytes = 0;
  std::vector<ResourceSample> samples;
};

// One run of a report made with --repeat: its verdict and figures
// (obs/reports/compare.h ExtractFigures names them).
struct RepeatRecord {
  std::string run_id;
  bool passed = false;
  double duration_seconds = 0;
  std::map<std::string, double> figures;
};

// What one export destination of an experiment received during one variant
// run (counted by the harness's embedded OTLP receiver).
struct ExportDestinationRecord {
  std::string name{};          // As the scenario names it, e.g. "primary".
  std::string url{};           // The base URL the application exported to.
  std::uint64_t requests = 0;  // OTLP export requests received.
  std::uint64_t spans = 0;
  std::uint64_t server_spans = 0;  // Spans of kind SERVER: one per handled request.
  std::uint64_t log_records = 0;
  std::uint64_t data_points = 0;
  std::uint64_t decode_errors = 0;
};

// One variant run of an experiment: the application started (or attached),
// loaded for the scenario's duration, sampled, stopped.
struct VariantRunRecord {
  std::string variant{};
  int round = 0;  // 1-based.
  double load_seconds = 0;
  std::uint64_t requests = 0;           // Requests the load offered and sent.
  std::uint64_t requests_answered = 0;  // Any HTTP status (the app handled them).
  std::uint64_t requests_ok = 0;
  std::uint64_t warmup_requests_answered = 0;  // Before the measured load (not in the figures).
  double target_rps = 0;
  double achieved_rps = 0;    // Answered requests per second.
  double saturation_rps = 0;  // The best 1-interval answered rate (with stages: the ceiling).
  // Latency percentiles in seconds, corrected (from the intended send time)
  // and uncorrected (from the actual send).
  double p50 = 0, p95 = 0, p99 = 0;
  double p50_uncorrected = 0, p95_uncorrected = 0, p99_uncorrected = 0;
  // The application's process tree, sampled from /proc during the load.
  double app_cpu_seconds = 0;
  double app_cpu_per_request_seconds = 0;  // app_cpu_seconds / requests_answered.
  double app_rss_mean_bytes = 0;
  std::uint64_t app_rss_max_bytes = 0;
  int app_threads_max = 0;
  int app_processes_max = 0;
  std::uint64_t app_voluntary_ctxt_switches = 0;
  std::uint64_t app_nonvoluntary_ctxt_switches = 0;
  int app_exit_code = 0;           // -1: attached by PID, not stopped by the harness.
  double harness_cpu_seconds = 0;  // obsbench itself (load + receivers) during the load.
  std::vector<ExportDestinationRecord> destinations{};
};

// An overhead figure of one variant against the baseline variant: the mean
// of the per-round paired differences (variant - baseline of the same
// round) and its 95% confidence interval (Student's t over the rounds; NaN
// bounds with one round).
struct OverheadRecord {
  std::string variant{};
  std::string figure{};  // "cpu_per_request", "rss_mean", "p99", ...
  std::string unit{};    // "seconds" | "bytes" | "requests/s" | "count".
  int pairs = 0;
  double baseline_mean = 0;
  double variant_mean = 0;
  double delta_mean = 0;
  double delta_ci_low = 0;
  double delta_ci_high = 0;
  // delta / baseline_mean (and its CI bounds); NaN when the baseline is 0.
  double relative = 0;
  double relative_ci_low = 0;
  double relative_ci_high = 0;
};

// Export completeness of one variant at one destination over all rounds:
// server spans received (from the application's start until it stopped and
// its last export arrived) against requests the application answered in that
// time (warmup and load).
struct ExportCompletenessRecord {
  std::string variant{};
  std::string destination{};
  std::uint64_t requests_answered = 0;
  std::uint64_t server_spans = 0;
  std::uint64_t spans = 0;
  double completeness = 0;  // server_spans / requests_answered, capped at 1 for display only.
};

// A `kind: experiment` run (docs/overhead.md).
struct ExperimentRecord {
  std::string baseline{};  // The variant the others are compared with.
  int rounds = 0;
  std::vector<std::string> variants{};   // In scenario order.
  std::vector<VariantRunRecord> runs{};  // In the order they ran (interleaved).
  std::vector<OverheadRecord> overhead{};
  std::vector<ExportCompletenessRecord> exports{};
};

struct RunRecord {
  std::string scenario_name;
  std::string scenario_description;
  std::string scenario_file;
  std::string run_id;
  std::uint64_t seed = 0;
  std::string target_kind;  // "embedded" or "prometheus".
  std::string target_write_url;
  std::string target_query_url;
  std::int64_t started_unix_ms = 0;
  double duration_seconds = 0;
  // Where the run happened: obsbench version, host, cores, compiler, ...
  std::map<std::string, std::string> environment;
  std::vector<WorkloadRecord> workloads;
  CompletenessRecord completeness;
  TraceCompletenessRecord traces;
  LogCompletenessRecord logs;
  VisibilityRecord visibility;
  AlertsRecord alerts;
  // Errors that did not stop the run but a reader must see.
  std::vector<std::string> warnings;
  // --repeat N: every run in order (empty for a single run). The fields
  // above then describe all runs together (docs/baselines.md).
  std::vector<RepeatRecord> repeats;
  std::vector<ProcessResources> resources;  // Empty when not sampled.
  // Set for experiments; `workloads` then hold each variant's load over all
  // rounds, named "<variant>/<workload>".
  std::optional<ExperimentRecord> experiment;
};

}  // namespace obs
