// Maps the scenario-level settings onto each workload's loadgen options.
// Kept apart from the YAML reading so that the runner-facing contract (what
// a parsed WorkloadSpec already contains) is written down in one place.

#include <string>

#include "scenario_parse.h"

namespace obs::scenarios::internal {

loadgen::RemoteWriteOptions OptionsForDescription(const loadgen::RemoteWriteOptions& options) {
  loadgen::RemoteWriteOptions copy = options;
  if (copy.url.empty()) {
    copy.url = "http://127.0.0.1:9/api/v1/write";
  }
  return copy;
}

void FinishWorkloads(Scenario& scenario) {
  const TargetSpec& target = scenario.target;
  const bool several = scenario.workloads.size() > 1;
  for (std::size_t i = 0; i < scenario.workloads.size(); ++i) {
    WorkloadSpec& workload = scenario.workloads[i];
    if (workload.kind == "signal") {
      loadgen::SignalWorkloadOptions& sig = workload.signal;
      sig.name = workload.name;
      sig.duration_seconds = scenario.duration_seconds;
      sig.time_scale = scenario.time_scale;
      for (const auto& [name, value] : target.headers) {
        sig.headers.emplace(name, value);
      }
      sig.bearer_token = target.bearer_token;
      if (target.kind == "prometheus") {
        sig.url = target.write_url;
      }
      continue;
    }
    if (workload.kind == "http") {
      // An application's load: the target (an observability backend) is not
      // where it goes, so no target URL or headers apply.
      loadgen::HttpLoadOptions& h = workload.http;
      h.name = workload.name;
      h.seed = scenario.seed + i;
      h.duration_seconds = scenario.duration_seconds * scenario.time_scale;
      for (loadgen::Stage& stage : h.stages) {
        stage.duration_seconds *= scenario.time_scale;
      }
      continue;
    }
    if (workload.kind == "loki_push") {
      loadgen::LokiPushOptions& lg = workload.logs;
      lg.name = workload.name;
      lg.seed = scenario.seed + i;
      lg.duration_seconds = scenario.duration_seconds * scenario.time_scale;
      for (loadgen::Stage& stage : lg.stages) {
        stage.duration_seconds *= scenario.time_scale;
      }
      for (const auto& [name, value] : target.headers) {
        lg.headers.emplace(name, value);
      }
      lg.bearer_token = target.bearer_token;
      if (target.kind == "prometheus") {
        lg.url = target.loki_url + "/loki/api/v1/push";
      }
      continue;
    }
    if (workload.kind == "otlp_traces") {
      loadgen::OtlpTracesOptions& tr = workload.traces;
      tr.name = workload.name;
      tr.seed = scenario.seed + i;
      tr.duration_seconds = scenario.duration_seconds * scenario.time_scale;
      for (loadgen::Stage& stage : tr.stages) {
        stage.duration_seconds *= scenario.time_scale;
      }
      for (const auto& [name, value] : target.headers) {
        tr.headers.emplace(name, value);
      }
      tr.bearer_token = target.bearer_token;
      if (target.kind == "prometheus") {
        tr.url = target.otlp_url + "/v1/traces";
      }
      continue;
    }
    loadgen::RemoteWriteOptions& rw = workload.remote_write;
    rw.name = workload.name;
    // Staged workloads last as long as their stages (ResolveDuration made
    // that equal to the scenario's duration).
    rw.duration_seconds = rw.stages.empty() ? scenario.duration_seconds : StageSeconds(workload);
    // A time-scaled scenario runs its load for the scaled time (rates stay
    // per real second).
    rw.duration_seconds *= scenario.time_scale;
    for (loadgen::Stage& stage : rw.stages) {
      stage.duration_seconds *= scenario.time_scale;
    }
    rw.series.duration_seconds = rw.duration_seconds;
    // Distinct seeds keep two workloads with the same models from writing
    // the same series values.
    rw.series.seed = scenario.seed + i;
    // Series of different workloads must never collide, or the read-back
    // could not tell whose samples it found.
    if (several) {
      rw.series.extra_labels.emplace_back("obsbench_workload", workload.name);
    }
    // Workload headers win over target headers of the same name.
    for (const auto& [name, value] : target.headers) {
      rw.headers.emplace(name, value);
    }
    rw.bearer_token = target.bearer_token;
    if (target.kind == "prometheus") {
      rw.url = workload.kind == "otlp_metrics" ? target.otlp_url + "/v1/metrics" : target.write_url;
    }
  }
}

}  // namespace obs::scenarios::internal
