// Reads one `workloads[i]` entry onto loadgen::RemoteWriteOptions. Ranges
// are checked here, where the node (and so the file position) is at hand.

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "scenario_parse.h"

namespace obs::scenarios::internal {
namespace {

const std::vector<std::string_view> kWorkloadKeys = {
    "name",   "kind",       "models",      "instances",      "scrape_interval", "rate",
    "stages", "batch_size", "concurrency", "churn_interval", "request_timeout", "late_threshold",
    "retry",  "stop_when",  "headers",     "labels"};
// An SDK exports each collection whole once per interval: no rate, stages,
// batch size or stop conditions.
const std::vector<std::string_view> kOtlpMetricsKeys = {
    "name",        "kind",           "models",          "instances",      "scrape_interval",
    "concurrency", "churn_interval", "request_timeout", "late_threshold", "retry",
    "headers",     "labels",         "encoding",        "compression",    "temporality",
    "histograms"};
const std::vector<std::string_view> kModelKeys = {"kind",           "routes", "requests_per_second",
                                                  "error_ratio",    "cpus",   "filesystems",
                                                  "network_devices"};
const std::vector<std::string_view> kModelKinds = {"http_red", "node", "process"};
const std::vector<std::string_view> kHttpRedKeys = {"routes", "requests_per_second", "error_ratio"};
const std::vector<std::string_view> kNodeKeys = {"cpus", "filesystems", "network_devices"};
// Headers the sender owns (remote-write 1.0 protocol headers).
const std::vector<std::string_view> kProtocolHeaders = {
    "content-encoding", "content-type", "x-prometheus-remote-write-version", "user-agent"};

bool Contains(const std::vector<std::string_view>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool IsLabelName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

Status CheckKeysForKind(const YamlReader& r, const YAML::Node& node, const std::string& path,
                        const std::string& kind) {
  for (const auto& kv : node) {
    const std::string& key = kv.first.Scalar();
    const bool red = Contains(kHttpRedKeys, key);
    const bool host = Contains(kNodeKeys, key);
    if ((red && kind != "http_red") || (host && kind != "node")) {
      return r.Error(
          kv.first, JoinPath(path, key),
          "only applies to models of kind \"" + std::string(red ? "http_red" : "node") + "\"");
    }
  }
  return Status::Ok();
}

Result<loadgen::ModelOptions> ReadModel(const YamlReader& r, const YAML::Node& node,
                                        const std::string& path) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kModelKeys));
  if (!Has(node, "kind")) {
    return r.Error(node, path, "missing required key \"kind\"");
  }
  loadgen::ModelOptions model;
  OBS_ASSIGN_OR_RETURN(model.kind, r.String(node["kind"], JoinPath(path, "kind")));
  if (!Contains(kModelKinds, model.kind)) {
    return r.Error(node["kind"], JoinPath(path, "kind"),
                   "unknown model kind \"" + model.kind + "\" (known: http_red, node, process)");
  }
  OBS_RETURN_IF_ERROR(CheckKeysForKind(r, node, path, model.kind));
  const auto read_int = [&](const char* key, int& out, Bounds bounds) -> Status {
    if (!Has(node, key)) {
      return Status::Ok();
    }
    OBS_ASSIGN_OR_RETURN(out, r.Int(node[key], JoinPath(path, key), bounds));
    return Status::Ok();
  };
  OBS_RETURN_IF_ERROR(read_int("routes", model.routes, {.min = 1, .max = 10000}));
  OBS_RETURN_IF_ERROR(read_int("cpus", model.cpus, {.min = 1, .max = 1024}));
  OBS_RETURN_IF_ERROR(read_int("filesystems", model.filesystems, {.min = 1, .max = 26}));
  OBS_RETURN_IF_ERROR(read_int("network_devices", model.network_devices, {.min = 1, .max = 64}));
  if (Has(node, "requests_per_second")) {
    OBS_ASSIGN_OR_RETURN(
        model.requests_per_second,
        r.Number(node["requests_per_second"], JoinPath(path, "requests_per_second"), kPositive));
  }
  if (Has(node, "error_ratio")) {
    OBS_ASSIGN_OR_RETURN(
        model.error_ratio,
        r.Number(node["error_ratio"], JoinPath(path, "error_ratio"), {.min = 0, .max = 0.5}));
  }
  return model;
}

Status ReadModels(const YamlReader& r, const YAML::Node& node, const std::string& path,
                  loadgen::SeriesSetOptions& series) {
  OBS_RETURN_IF_ERROR(r.CheckSequence(node, path));
  if (node.size() == 0) {
    return r.Error(node, path, "must list at least one model");
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string model_path = IndexPath(path, i);
    OBS_ASSIGN_OR_RETURN(loadgen::ModelOptions model, ReadModel(r, node[i], model_path));
    for (const loadgen::ModelOptions& earlier : series.models) {
      if (earlier.kind == model.kind) {
        return r.Error(node[i]["kind"], JoinPath(model_path, "kind"),
                       "model kind \"" + model.kind + "\" is listed twice");
      }
    }
    series.models.push_back(std::move(model));
  }
  return Status::Ok();
}

Status ReadStopWhen(const YamlReader& r, const YAML::Node& node, const std::string& path,
                    loadgen::StopCondition& stop) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, {"window", "latency_p99", "error_ratio"}));
  if (Has(node, "window")) {
    OBS_ASSIGN_OR_RETURN(stop.window_seconds,
                         r.Duration(node["window"], JoinPath(path, "window"), kPositive));
  }
  if (Has(node, "latency_p99")) {
    OBS_ASSIGN_OR_RETURN(
        stop.latency_p99_seconds,
        r.Duration(node["latency_p99"], JoinPath(path, "latency_p99"), kNonNegative));
  }
  if (Has(node, "error_ratio")) {
    OBS_ASSIGN_OR_RETURN(stop.error_ratio,
                         r.Number(node["error_ratio"], JoinPath(path, "error_ratio"), kRatio));
  }
  if (stop.latency_p99_seconds <= 0 && stop.error_ratio <= 0) {
    return r.Error(node, path, "needs latency_p99 or error_ratio > 0");
  }
  return Status::Ok();
}

Status ReadHeadersAndLabels(const YamlReader& r, const YAML::Node& node, const std::string& path,
                            WorkloadSpec& workload) {
  loadgen::RemoteWriteOptions& rw = workload.remote_write;
  if (Has(node, "headers")) {
    const std::string headers_path = JoinPath(path, "headers");
    OBS_ASSIGN_OR_RETURN(rw.headers, r.StringMap(node["headers"], headers_path));
    for (const auto& [name, value] : rw.headers) {
      if (Contains(kProtocolHeaders, Lower(name))) {
        return r.Error(node["headers"], headers_path,
                       "\"" + name + "\" is a remote-write protocol header and cannot be set");
      }
    }
  }
  if (Has(node, "labels")) {
    const std::string labels_path = JoinPath(path, "labels");
    OBS_ASSIGN_OR_RETURN(const auto labels, r.StringMap(node["labels"], labels_path));
    for (const auto& [name, value] : labels) {
      if (!IsLabelName(name) || name.rfind("__", 0) == 0 || name.rfind("obsbench_", 0) == 0) {
        return r.Error(node["labels"], labels_path,
                       "invalid label name \"" + name +
                           "\" (want [a-zA-Z_][a-zA-Z0-9_]*, no __ or obsbench_ prefix)");
      }
      if (value.empty()) {
        return r.Error(node["labels"], labels_path, "label \"" + name + "\" has an empty value");
      }
      rw.series.extra_labels.emplace_back(name, value);
    }
  }
  return Status::Ok();
}

Status CheckRateModes(const YamlReader& r, const YAML::Node& node, const std::string& path) {
  std::vector<const char*> set;
  for (const char* key : {"scrape_interval", "rate", "stages"}) {
    if (Has(node, key)) {
      set.push_back(key);
    }
  }
  if (set.size() > 1) {
    return r.Error(node[set[1]], path,
                   "\"" + std::string(set[0]) + "\" and \"" + set[1] +
                       "\" are mutually exclusive (pick one of scrape_interval, rate, stages)");
  }
  return Status::Ok();
}

Status ReadLoadShape(const YamlReader& r, const YAML::Node& node, const std::string& path,
                     loadgen::RemoteWriteOptions& rw) {
  OBS_RETURN_IF_ERROR(CheckRateModes(r, node, path));
  if (Has(node, "scrape_interval")) {
    OBS_ASSIGN_OR_RETURN(
        rw.scrape_interval_seconds,
        r.Duration(node["scrape_interval"], JoinPath(path, "scrape_interval"), kPositive));
  }
  if (Has(node, "rate")) {
    OBS_ASSIGN_OR_RETURN(rw.samples_per_second,
                         r.Number(node["rate"], JoinPath(path, "rate"), kPositive));
  }
  if (Has(node, "stages")) {
    OBS_RETURN_IF_ERROR(ReadStages(r, node["stages"], JoinPath(path, "stages"), rw.stages));
  }
  if (Has(node, "instances")) {
    OBS_ASSIGN_OR_RETURN(rw.series.instances, r.Int(node["instances"], JoinPath(path, "instances"),
                                                    {.min = 1, .max = 1000000}));
  }
  if (Has(node, "churn_interval")) {
    OBS_ASSIGN_OR_RETURN(
        rw.series.churn_interval_seconds,
        r.Duration(node["churn_interval"], JoinPath(path, "churn_interval"), kNonNegative));
    if (rw.series.churn_interval_seconds > 0 && rw.series.churn_interval_seconds < 0.001) {
      return r.Error(node["churn_interval"], JoinPath(path, "churn_interval"),
                     "must be 0 (no churn) or >= 1ms");
    }
  }
  return Status::Ok();
}

Status ReadSending(const YamlReader& r, const YAML::Node& node, const std::string& path,
                   loadgen::RemoteWriteOptions& rw) {
  if (Has(node, "batch_size")) {
    OBS_ASSIGN_OR_RETURN(rw.batch_size, r.Int(node["batch_size"], JoinPath(path, "batch_size"),
                                              {.min = 1, .max = 1000000}));
  }
  if (Has(node, "concurrency")) {
    OBS_ASSIGN_OR_RETURN(rw.concurrency, r.Int(node["concurrency"], JoinPath(path, "concurrency"),
                                               {.min = 1, .max = 1024}));
  }
  if (Has(node, "request_timeout")) {
    OBS_ASSIGN_OR_RETURN(
        rw.request_timeout_seconds,
        r.Duration(node["request_timeout"], JoinPath(path, "request_timeout"), kPositive));
  }
  if (Has(node, "late_threshold")) {
    OBS_ASSIGN_OR_RETURN(
        rw.late_threshold_seconds,
        r.Duration(node["late_threshold"], JoinPath(path, "late_threshold"), kPositive));
  }
  if (Has(node, "retry")) {
    OBS_RETURN_IF_ERROR(ReadRetry(r, node["retry"], JoinPath(path, "retry"), rw.retry));
  }
  if (Has(node, "stop_when")) {
    OBS_RETURN_IF_ERROR(
        ReadStopWhen(r, node["stop_when"], JoinPath(path, "stop_when"), rw.stop_when));
  }
  return Status::Ok();
}

}  // namespace

Status ReadStages(const YamlReader& r, const YAML::Node& node, const std::string& path,
                  std::vector<loadgen::Stage>& stages) {
  OBS_RETURN_IF_ERROR(r.CheckSequence(node, path));
  if (node.size() == 0) {
    return r.Error(node, path, "must list at least one stage");
  }
  bool any_load = false;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node stage_node = node[i];
    const std::string stage_path = IndexPath(path, i);
    OBS_RETURN_IF_ERROR(r.CheckMap(stage_node, stage_path, {"duration", "target"}));
    for (const char* key : {"duration", "target"}) {
      if (!Has(stage_node, key)) {
        return r.Error(stage_node, stage_path, "missing required key \"" + std::string(key) + "\"");
      }
    }
    loadgen::Stage stage;
    OBS_ASSIGN_OR_RETURN(
        stage.duration_seconds,
        r.Duration(stage_node["duration"], JoinPath(stage_path, "duration"), kPositive));
    OBS_ASSIGN_OR_RETURN(
        stage.target_samples_per_second,
        r.Number(stage_node["target"], JoinPath(stage_path, "target"), kNonNegative));
    any_load = any_load || stage.target_samples_per_second > 0;
    stages.push_back(stage);
  }
  if (!any_load) {
    return r.Error(node, path, "at least one stage needs a target > 0");
  }
  return Status::Ok();
}

Status ReadRetry(const YamlReader& r, const YAML::Node& node, const std::string& path,
                 loadgen::RetryOptions& retry) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, {"max_attempts", "min_backoff", "max_backoff"}));
  if (Has(node, "max_attempts")) {
    OBS_ASSIGN_OR_RETURN(
        retry.max_attempts,
        r.Int(node["max_attempts"], JoinPath(path, "max_attempts"), {.min = 1, .max = 100}));
  }
  if (Has(node, "min_backoff")) {
    OBS_ASSIGN_OR_RETURN(retry.min_backoff_seconds,
                         r.Duration(node["min_backoff"], JoinPath(path, "min_backoff"), kPositive));
  }
  if (Has(node, "max_backoff")) {
    OBS_ASSIGN_OR_RETURN(retry.max_backoff_seconds,
                         r.Duration(node["max_backoff"], JoinPath(path, "max_backoff"), kPositive));
  }
  if (retry.max_backoff_seconds < retry.min_backoff_seconds) {
    return r.Error(node, JoinPath(path, "max_backoff"), "must be >= min_backoff");
  }
  return Status::Ok();
}

Status ReadSignalSending(const YamlReader& r, const YAML::Node& node, const std::string& path,
                         SignalSending out) {
  if (Has(node, "rate")) {
    OBS_ASSIGN_OR_RETURN(*out.rate, r.Number(node["rate"], JoinPath(path, "rate"), kPositive));
  }
  if (Has(node, "stages")) {
    OBS_RETURN_IF_ERROR(ReadStages(r, node["stages"], JoinPath(path, "stages"), *out.stages));
    if (!Has(node, "rate")) {
      *out.rate = 0;  // Ramp from zero.
    }
  }
  if (Has(node, "concurrency")) {
    OBS_ASSIGN_OR_RETURN(*out.concurrency, r.Int(node["concurrency"], JoinPath(path, "concurrency"),
                                                 {.min = 1, .max = 256}));
  }
  if (Has(node, "retry")) {
    OBS_RETURN_IF_ERROR(ReadRetry(r, node["retry"], JoinPath(path, "retry"), *out.retry));
  }
  if (Has(node, "request_timeout")) {
    OBS_ASSIGN_OR_RETURN(
        *out.request_timeout_seconds,
        r.Duration(node["request_timeout"], JoinPath(path, "request_timeout"), kPositive));
  }
  if (Has(node, "headers")) {
    OBS_ASSIGN_OR_RETURN(*out.headers, r.StringMap(node["headers"], JoinPath(path, "headers")));
  }
  return Status::Ok();
}

namespace {

Status ReadOtlpMetrics(const YamlReader& r, const YAML::Node& node, const std::string& path,
                       loadgen::OtlpMetricsOptions& o) {
  namespace otlp = wire::otlp;
  OBS_RETURN_IF_ERROR(ReadOtlpEncoding(r, node, path, o.encoding, o.gzip));
  if (Has(node, "temporality")) {
    OBS_ASSIGN_OR_RETURN(const std::string t,
                         r.String(node["temporality"], JoinPath(path, "temporality")));
    if (t != "cumulative" && t != "delta") {
      return r.Error(node["temporality"], JoinPath(path, "temporality"),
                     "unknown temporality \"" + t + "\" (known: cumulative, delta)");
    }
    o.temporality = t == "delta" ? otlp::AggregationTemporality::kDelta
                                 : otlp::AggregationTemporality::kCumulative;
  }
  if (Has(node, "histograms")) {
    OBS_ASSIGN_OR_RETURN(const std::string h,
                         r.String(node["histograms"], JoinPath(path, "histograms")));
    if (h != "explicit" && h != "exponential") {
      return r.Error(node["histograms"], JoinPath(path, "histograms"),
                     "unknown histograms \"" + h + "\" (known: explicit, exponential)");
    }
    o.exponential_histograms = h == "exponential";
  }
  return Status::Ok();
}

}  // namespace

bool IsValidName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Result<WorkloadSpec> ReadWorkload(const YamlReader& reader, const YAML::Node& node,
                                  const std::string& path) {
  if (node.IsMap() && Has(node, "kind") && node["kind"].IsScalar() &&
      node["kind"].Scalar() == "signal") {
    return ReadSignalWorkload(reader, node, path);
  }
  if (node.IsMap() && Has(node, "kind") && node["kind"].IsScalar() &&
      node["kind"].Scalar() == "otlp_traces") {
    return ReadTracesWorkload(reader, node, path);
  }
  if (node.IsMap() && Has(node, "kind") && node["kind"].IsScalar() &&
      node["kind"].Scalar() == "loki_push") {
    return ReadLogsWorkload(reader, node, path);
  }
  if (node.IsMap() && Has(node, "kind") && node["kind"].IsScalar() &&
      node["kind"].Scalar() == "http") {
    return ReadHttpWorkload(reader, node, path);
  }
  const bool otlp_metrics = node.IsMap() && Has(node, "kind") && node["kind"].IsScalar() &&
                            node["kind"].Scalar() == "otlp_metrics";
  OBS_RETURN_IF_ERROR(reader.CheckMap(node, path, otlp_metrics ? kOtlpMetricsKeys : kWorkloadKeys));
  for (const char* key : {"name", "models"}) {
    if (!Has(node, key)) {
      return reader.Error(node, path, "missing required key \"" + std::string(key) + "\"");
    }
  }
  WorkloadSpec workload;
  OBS_ASSIGN_OR_RETURN(workload.name, reader.String(node["name"], JoinPath(path, "name")));
  if (!IsValidName(workload.name)) {
    return reader.Error(node["name"], JoinPath(path, "name"),
                        "\"" + workload.name + "\" must match [a-z0-9_-]+");
  }
  if (Has(node, "kind")) {
    OBS_ASSIGN_OR_RETURN(workload.kind, reader.String(node["kind"], JoinPath(path, "kind")));
    if (workload.kind != "remote_write" && workload.kind != "otlp_metrics") {
      return reader.Error(
          node["kind"], JoinPath(path, "kind"),
          "unknown workload kind \"" + workload.kind +
              "\" (known: remote_write, otlp_metrics, signal, otlp_traces, loki_push, http)");
    }
  }
  loadgen::RemoteWriteOptions& rw = workload.remote_write;
  rw.name = workload.name;
  OBS_RETURN_IF_ERROR(ReadModels(reader, node["models"], JoinPath(path, "models"), rw.series));
  OBS_RETURN_IF_ERROR(ReadLoadShape(reader, node, path, rw));
  OBS_RETURN_IF_ERROR(ReadSending(reader, node, path, rw));
  OBS_RETURN_IF_ERROR(ReadHeadersAndLabels(reader, node, path, workload));
  if (otlp_metrics) {
    OBS_RETURN_IF_ERROR(ReadOtlpMetrics(reader, node, path, workload.otlp_metrics));
  }
  return workload;
}

double StageSeconds(const WorkloadSpec& workload) {
  double total = 0;
  const auto& stages = workload.kind == "otlp_traces" ? workload.traces.stages
                       : workload.kind == "loki_push" ? workload.logs.stages
                       : workload.kind == "http"      ? workload.http.stages
                                                      : workload.remote_write.stages;
  for (const loadgen::Stage& stage : stages) {
    total += stage.duration_seconds;
  }
  return total;
}

}  // namespace obs::scenarios::internal
