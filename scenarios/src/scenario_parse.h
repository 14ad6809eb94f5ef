// Internal pieces of the scenario parser, split by the part of the document
// they read: overrides (scenario_overrides.cc), workloads
// (scenario_workload.cc), assertions (scenario_assertions.cc) and the
// mapping of the parsed scenario onto loadgen options (scenario_loadgen.cc).
// ParseScenario (scenario_parser.cc) strings them together.
//
// Thread safety: pure functions over their arguments.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "obs/base/status.h"
#include "obs/scenarios/scenario.h"

#include "scenario_yaml.h"

namespace obs::scenarios::internal {

// Applies `--set path=value` strings to `root` in order and registers every
// node they create or replace with `reader`, so later errors point at the
// override. Errors name the override: "--set <override>: <problem>".
Status ApplyOverrides(YAML::Node& root, const std::vector<std::string>& overrides,
                      YamlReader& reader);

// True if `name` matches [a-z0-9_-]+.
bool IsValidName(std::string_view name);

// `stages:` of a workload (targets in the workload's own unit per second).
Status ReadStages(const YamlReader& r, const YAML::Node& node, const std::string& path,
                  std::vector<loadgen::Stage>& stages);
Status ReadRetry(const YamlReader& r, const YAML::Node& node, const std::string& path,
                 loadgen::RetryOptions& retry);

// The sending keys otlp_traces and loki_push workloads share: rate, stages,
// concurrency, retry, request_timeout, headers.
struct SignalSending {
  double* rate;
  std::vector<loadgen::Stage>* stages;
  int* concurrency;
  loadgen::RetryOptions* retry;
  double* request_timeout_seconds;
  std::map<std::string, std::string>* headers;
};
Status ReadSignalSending(const YamlReader& r, const YAML::Node& node, const std::string& path,
                         SignalSending out);

// `encoding` (protobuf | json) and `compression` (gzip | none) of an OTLP
// or Loki push workload, when present.
Status ReadOtlpEncoding(const YamlReader& r, const YAML::Node& node, const std::string& path,
                        wire::otlp::Encoding& encoding, bool& gzip);

// A `kind: otlp_traces` workload; a `model:` path is resolved against the
// scenario file's directory.
Result<WorkloadSpec> ReadTracesWorkload(const YamlReader& reader, const YAML::Node& node,
                                        const std::string& path);

// A `kind: loki_push` workload (model inline or a file path).
Result<WorkloadSpec> ReadLogsWorkload(const YamlReader& reader, const YAML::Node& node,
                                      const std::string& path);

// A `kind: http` workload (scenario_http.cc): requests, rate or stages,
// concurrency, timeouts, headers.
Result<WorkloadSpec> ReadHttpWorkload(const YamlReader& reader, const YAML::Node& node,
                                      const std::string& path);

// Reads `experiment` (scenario_experiment.cc) into `s.experiment`; the
// workloads must have been read (all must be http).
Status ReadExperiment(const YamlReader& reader, const YAML::Node& root, Scenario& s);

// The variable naming destination `name`'s base URL: "OTLP_ENDPOINT_<NAME>"
// upper-cased, '-' as '_'.
std::string EndpointVariable(const std::string& destination);

// A trace model document (docs/traces-and-logs.md), located by `reader`.
Result<loadgen::TraceModel> ReadTraceModel(const YamlReader& reader, const YAML::Node& node,
                                           const std::string& path);

// Loads a trace model file; errors are located in that file.
Result<loadgen::TraceModel> LoadTraceModelFile(const std::string& path);

// Reads one entry of `workloads`. Fills everything in `remote_write` that the
// workload itself says; FinishWorkloads adds what comes from the scenario.
Result<WorkloadSpec> ReadWorkload(const YamlReader& reader, const YAML::Node& node,
                                  const std::string& path);

// Reads a `kind: signal` workload (scenario_signal.cc): series or RED
// shapes, interval, labels, headers.
Result<WorkloadSpec> ReadSignalWorkload(const YamlReader& reader, const YAML::Node& node,
                                        const std::string& path);

// Reads `alerting` (rule files resolved against the scenario's directory,
// each loaded to check it) into `scenario.alerting` (scenario_signal.cc).
Status ReadAlerting(const YamlReader& reader, const YAML::Node& node, Scenario& scenario);

// Reads `alerts`, checking alert names against the rule files and signal
// references against the workloads (scenario_signal.cc).
Result<std::vector<AlertExpectation>> ReadAlerts(const YamlReader& reader, const YAML::Node& node,
                                                 const Scenario& scenario);

// The shape behind `series` of a signal workload ("queue_depth" or
// "red.error_ratio"), or null.
const loadgen::SignalShape* FindSignalShape(const loadgen::SignalWorkloadOptions& options,
                                            const std::string& series);

// The sum of the stage durations of workload `node`, 0 if it has no stages.
double StageSeconds(const WorkloadSpec& workload);

// Reads `assertions` (a list of strings or {name, expect, workload} maps),
// checking each with assertions::ParseAssertion and each `workload` against
// `known_workloads`.
// `known_workloads` are the names `workload:` may give (in an experiment:
// the variants and "<variant>/<workload>").
Result<std::vector<assertions::AssertionSpec>> ReadAssertions(
    const YamlReader& reader, const YAML::Node& node,
    const std::vector<std::string>& known_workloads);

// A copy of `options` that loadgen::DescribeLoad can check without a
// running target: an embedded target's URL is only known once it listens,
// so an empty URL is replaced by a placeholder.
loadgen::RemoteWriteOptions OptionsForDescription(const loadgen::RemoteWriteOptions& options);

// Completes each workload's loadgen options from the scenario: duration,
// seed, target URL, headers and bearer token. REQUIRES: a validated scenario.
void FinishWorkloads(Scenario& scenario);

}  // namespace obs::scenarios::internal
