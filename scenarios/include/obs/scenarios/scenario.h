// Scenario is the validated, in-memory form of one scenario YAML file: what
// target to load, which workloads to run against it, how to verify what was
// written, and which assertions decide pass or fail. The runner consumes it;
// `obsbench validate` prints it with DescribeScenario. The file format is
// documented key by key in docs/scenario-format.md.
//
// Parsing is strict: unknown keys (with a did-you-mean), wrong types, missing
// required keys, out-of-range values, mutually exclusive keys and duplicate
// workload names are all kInvalidArgument errors of the form
// "<file>:<line>:<col>: <key.path>: <problem>" (1-based line and column).
//
// Invariants of a Scenario returned by ParseScenario/LoadScenarioFile: every
// workload has a unique name and its `remote_write` options are complete
// except for the run id (`series.run_id`, set by the runner) and, for the
// embedded target, the URL (known only once the backend listens); every
// assertion was accepted by assertions::ParseAssertion.
//
// Thread safety: plain values and pure functions; no shared state.

#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "obs/assertions/alerts.h"
#include "obs/assertions/assertions.h"
#include "obs/backend/rules.h"
#include "obs/base/status.h"
#include "obs/loadgen/http_load.h"
#include "obs/loadgen/loki_push.h"
#include "obs/loadgen/otlp_metrics.h"
#include "obs/loadgen/otlp_traces.h"
#include "obs/loadgen/remote_write.h"
#include "obs/loadgen/signal.h"
#include "obs/loadgen/signal_workload.h"

namespace obs::scenarios {

// Where the load goes and where it is read back from.
struct TargetSpec {
  std::string kind = "embedded";  // "embedded" | "prometheus".
  std::string write_url;          // prometheus: required (http://.../api/v1/write).
  std::string query_url;          // prometheus: required (base URL, e.g. http://127.0.0.1:9090).
  std::string flush_url;  // Optional: requested before verification (VictoriaMetrics force_flush).
  std::map<std::string, std::string> headers;  // Sent with every write and query.
  std::string bearer_token_file;               // Read at load time into `bearer_token`.
  std::string bearer_token;
  std::uint64_t drop_every_nth_sample = 0;  // Embedded only: fault mode for negative tests.
  double write_delay_seconds = 0;  // Embedded only: answer every remote write this much later.
  // Traces: where OTLP/HTTP goes (base URL, "/v1/traces" is appended) and
  // where traces are read back (base URL of a Tempo or Jaeger query API).
  std::string otlp_url;
  std::string trace_query_url;
  std::string trace_query_api = "tempo";  // "tempo" | "jaeger".
  // Embedded only: fault modes for negative trace tests (every Nth span is
  // dropped / has an attribute altered after it was acknowledged).
  std::uint64_t drop_every_nth_span = 0;
  std::uint64_t alter_every_nth_span = 0;
  // Logs: where Loki push goes (base URL; "/loki/api/v1/push" is appended,
  // so VictoriaLogs is "http://host:9428/insert") and the base URL of the
  // query API to read them back from, Loki's or VictoriaLogs'.
  std::string loki_url;
  std::string log_query_url;
  std::string log_query_api = "loki";         // "loki" | "victorialogs".
  std::uint64_t drop_every_nth_log_line = 0;  // Embedded fault modes, as for spans.
  std::uint64_t alter_every_nth_log_line = 0;
};

// One load generator. For kind "remote_write", `remote_write` is fully
// mapped from the YAML (series models, rate mode, retry, stop conditions,
// headers merged with the target's, bearer token, duration). For kind
// "signal", `signal` is (series or RED shapes, interval, labels, headers,
// duration and time scale from the scenario); `remote_write` is unused.
struct WorkloadSpec {
  std::string name;
  // "remote_write" | "otlp_metrics" | "signal" | "otlp_traces" | "loki_push" |
  // "http".
  std::string kind = "remote_write";
  // remote_write, and the load part of otlp_metrics (models, interval,
  // sending; the url is target.otlp_url + "/v1/metrics" for remote targets).
  loadgen::RemoteWriteOptions remote_write;
  // otlp_metrics: encoding, compression, temporality, histograms. `load` is
  // left empty; the runner fills it from `remote_write`.
  loadgen::OtlpMetricsOptions otlp_metrics;
  loadgen::SignalWorkloadOptions signal;
  // otlp_traces: complete except `url` for the embedded target and `run_id`
  // (both set by the runner).
  loadgen::OtlpTracesOptions traces;
  // loki_push: likewise complete except `url` (embedded) and `run_id`.
  loadgen::LokiPushOptions logs;
  // http: complete except, in an experiment, `base_url` when the workload
  // gives none (the runner points it at each variant's application).
  loadgen::HttpLoadOptions http;
};

// How an Alertmanager between the evaluator and the harness should route
// (scenario time; AlertmanagerConfig() scales it). Defaults are
// Alertmanager's own.
struct AlertmanagerRouteSpec {
  std::vector<std::string> group_by{"alertname"};
  double group_wait_seconds = 30;
  double group_interval_seconds = 300;
  double repeat_interval_seconds = 4 * 3600;
};

// Alert rule evaluation and the notification receiver (docs/alerting.md).
// Durations are scenario time; the runner scales them by time_scale.
struct AlertingSpec {
  std::vector<std::string> rule_files;      // Resolved against the scenario's directory.
  double evaluation_interval_seconds = 15;  // For groups without `interval`.
  double resend_delay_seconds = 60;         // Embedded backend's resend of firing alerts.
  double settle_seconds = 0;                // Keep listening this long after the load.
  std::string receiver_address = "127.0.0.1";
  std::uint16_t receiver_port = 0;  // 0 = ephemeral; set it when a third-party stack sends.
  AlertmanagerRouteSpec alertmanager;
  // The alerting rules of rule_files, loaded once when the scenario is read
  // (names checked against them, `for` and intervals read from them).
  std::vector<backend::AlertRuleSummary> rules;
};

// One `alerts[]` entry: the assertion plus the signal that anchors it.
struct AlertExpectation {
  assertions::AlertSpec spec;   // spec.check is set by the runner.
  std::string signal_workload;  // Empty: no anchoring signal (never_fires only).
  std::string signal_series;    // A series metric, or red.error_ratio etc.
  loadgen::Threshold threshold;
};

// How the run's writes are read back after the load.
struct VerifySpec {
  bool completeness = true;
  double settle_timeout_seconds = 60;
  double poll_interval_seconds = 0.5;
  int max_examples = 5;
  int visibility_probes = 20;
  double probe_timeout_seconds = 15;
  double probe_poll_interval_seconds = 0.005;
};

// One way of running the application of an experiment (docs/overhead.md).
// Either `command` (the harness starts and stops it) or `pid` (already
// running; the harness only samples it). In command, env, working_dir, url
// and ready_url, the runner substitutes ${PORT} (a free loopback port chosen
// per start), ${APP_URL} (http://127.0.0.1:${PORT}), ${OTLP_ENDPOINT_<NAME>}
// (the base URL of destination <name>, upper-cased, '-' as '_'),
// ${OTLP_ENDPOINTS} (this variant's destinations, comma-separated) and
// ${OBSBENCH} (the running obsbench binary); `$$` is a literal `$`.
struct VariantSpec {
  std::string name;
  std::vector<std::string> command;  // argv; argv[0] looked up in PATH.
  std::map<std::string, std::string> env;
  std::string working_dir;  // Resolved against the scenario's directory; empty = it.
  std::int64_t pid = 0;
  std::string url = "${APP_URL}";    // Where the http workloads without `url` go.
  std::string ready_url;             // Polled until 2xx after a start; empty = url + "/".
  std::vector<std::string> exports;  // Destination names this variant exports to.
};

// Where an experiment's application exports telemetry: an embedded counting
// OTLP receiver (the default), or a third-party OTLP endpoint (`url`), which
// is then not counted.
struct DestinationSpec {
  std::string name;
  std::string url;                    // Empty: embedded receiver on a free loopback port.
  double response_delay_seconds = 0;  // Embedded only: answer each export this much later.
};

struct ExperimentSpec {
  std::vector<VariantSpec> variants;
  std::string baseline;  // A variant name; default the first variant.
  std::vector<DestinationSpec> destinations;
  double ready_timeout_seconds = 30;
  double stop_timeout_seconds = 15;  // SIGTERM, then SIGKILL.
  double warmup_seconds = 0;         // Load before measuring, at the workloads' start rate.
  double sample_interval_seconds = 0.1;
  double settle_seconds = 0.5;  // Destination counts unchanged this long = all arrived.
  double settle_timeout_seconds = 15;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string file;  // The path it was loaded from (or the name given to ParseScenario).
  std::uint64_t seed = 1;
  double duration_seconds = 30;  // Load duration; with stages, their sum.
  double cooldown_seconds = 0;   // Pause between the end of the load and verification.
  // Runs of the scenario `obsbench run` makes (--repeat overrides), each
  // after a pause of `cooldown_seconds` (obs/reports/repeat.h).
  int repeat = 1;
  // The run that relative assertions ("p99 <= baseline * 1.1") compare with:
  // a report.json or a directory holding one, resolved against the
  // scenario's directory; empty = none (RunOptions may still give one).
  std::string baseline;
  // Real seconds per scenario second, in (0, 1]: durations, signal shapes,
  // rule `for`s and intervals all shrink together (docs/alerting.md).
  double time_scale = 1;
  TargetSpec target;
  std::vector<WorkloadSpec> workloads;
  VerifySpec verify;
  std::vector<assertions::AssertionSpec> assertions;
  AlertingSpec alerting;  // Enabled when rule_files is non-empty or alerts are expected.
  std::vector<AlertExpectation> alerts;
  // Set for experiments: `repeat` is then the number of interleaved rounds
  // and every workload is of kind http.
  std::optional<ExperimentSpec> experiment;
  std::string text;  // The effective YAML after overrides (for reports).
};

// Reads the file at `path` and parses it as ParseScenario does, with `path`
// as the file name in messages. Returns kInvalidArgument naming the path
// if it cannot be read (a config error, like every other problem here).
Result<Scenario> LoadScenarioFile(const std::string& path,
                                  const std::vector<std::string>& overrides = {});

// Parses and validates `yaml_text`. `file_name` prefixes every message and
// is stored in Scenario::file. `overrides` are `--set` strings
// "<path>=<value>", applied in order before validation, e.g.
// "duration=10s", "workloads[0].rate=500", "target.kind=prometheus"; the
// value is read as YAML (so "{a: 1}" and "[1, 2]" work). A malformed
// override, a path that does not fit the document, or a bad value is a
// kInvalidArgument error naming the override ("--set <override>: ...").
// Returns kInvalidArgument for every invalid document as described above,
// including a `bearer_token_file` that cannot be read (naming the file; a
// relative path is resolved against the directory of `file_name`). The
// loadgen's own option checks (loadgen::DescribeLoad) are applied too, so a
// valid scenario is one the load generator accepts.
Result<Scenario> ParseScenario(std::string_view yaml_text, const std::string& file_name,
                               const std::vector<std::string>& overrides = {});

// Human text for `obsbench validate`: per workload its series, samples/s,
// requests/s, duration and total samples (from loadgen::DescribeLoad), then
// the target, the verification settings and the assertions. Never fails; a
// workload that DescribeLoad rejects is shown with the reason.
std::string DescribeScenario(const Scenario& scenario);

// An Alertmanager 0.25 configuration that routes every alert to this
// scenario's receiver (http://<receiver_address>:<receiver_port>/alertmanager,
// webhook v4, send_resolved) with `alerting.alertmanager`'s grouping, its
// durations scaled by time_scale (at least 1 ms). kInvalidArgument if the
// scenario has no alerting or receiver_port is 0 (an ephemeral port cannot be
// configured in advance).
Result<std::string> AlertmanagerConfig(const Scenario& scenario);

// Parses a Prometheus-style duration ("500ms", "30s", "5m", "1h30m", "2d",
// "1.5s"; units y w d h m s ms us, each at most once, largest first; "0" is
// allowed) into seconds. Returns kInvalidArgument naming `text` otherwise.
Result<double> ParseDuration(std::string_view text);

// Formats seconds as the shortest duration ParseDuration reads back, e.g.
// 90 -> "1m30s", 0.25 -> "250ms", 0 -> "0s".
std::string FormatDuration(double seconds);

}  // namespace obs::scenarios
