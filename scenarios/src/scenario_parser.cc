// ParseScenario: YAML text -> overrides -> strict reading of every section ->
// cross-field checks -> loadgen mapping. yaml-cpp exceptions stop here
// (STYLE.md §3.4); every expected problem becomes a located Status.

#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "obs/scenarios/scenario.h"

#include "scenario_parse.h"
#include "scenario_yaml.h"

namespace obs::scenarios {
namespace {

using internal::Bounds;
using internal::Has;
using internal::JoinPath;
using internal::YamlReader;

const std::vector<std::string_view> kTopKeys = {
    "name",       "description", "seed",      "duration", "cooldown",
    "time_scale", "target",      "workloads", "repeat",   "verify",
    "assertions", "alerting",    "alerts",    "baseline", "experiment"};
const std::vector<std::string_view> kTargetKeys = {"kind",
                                                   "write_url",
                                                   "query_url",
                                                   "flush_url",
                                                   "headers",
                                                   "bearer_token_file",
                                                   "drop_every_nth_sample",
                                                   "write_delay",
                                                   "otlp_url",
                                                   "trace_query_url",
                                                   "trace_query_api",
                                                   "drop_every_nth_span",
                                                   "alter_every_nth_span",
                                                   "loki_url",
                                                   "log_query_url",
                                                   "log_query_api",
                                                   "drop_every_nth_log_line",
                                                   "alter_every_nth_log_line"};
const std::vector<std::string_view> kVerifyKeys = {
    "completeness",      "settle_timeout", "poll_interval",      "max_examples",
    "visibility_probes", "probe_timeout",  "probe_poll_interval"};

Status ReadHeader(const YamlReader& r, const YAML::Node& root, Scenario& s) {
  if (!Has(root, "name")) {
    return r.Error(root, "", "missing required key \"name\"");
  }
  OBS_ASSIGN_OR_RETURN(s.name, r.String(root["name"], "name"));
  if (!internal::IsValidName(s.name)) {
    return r.Error(root["name"], "name", "\"" + s.name + "\" must match [a-z0-9_-]+");
  }
  if (Has(root, "description")) {
    OBS_ASSIGN_OR_RETURN(s.description, r.String(root["description"], "description"));
  }
  if (Has(root, "seed")) {
    OBS_ASSIGN_OR_RETURN(s.seed, r.Unsigned(root["seed"], "seed"));
  }
  if (Has(root, "duration")) {
    OBS_ASSIGN_OR_RETURN(s.duration_seconds,
                         r.Duration(root["duration"], "duration", internal::kPositive));
  }
  if (Has(root, "cooldown")) {
    OBS_ASSIGN_OR_RETURN(s.cooldown_seconds,
                         r.Duration(root["cooldown"], "cooldown", internal::kNonNegative));
  }
  if (Has(root, "repeat")) {
    OBS_ASSIGN_OR_RETURN(s.repeat, r.Int(root["repeat"], "repeat", {.min = 1, .max = 100}));
  }
  if (Has(root, "baseline")) {
    OBS_ASSIGN_OR_RETURN(std::string file, r.String(root["baseline"], "baseline"));
    std::filesystem::path path(file);
    if (path.is_relative()) {
      path = std::filesystem::path(r.file_name()).parent_path() / path;
    }
    if (!std::filesystem::exists(path)) {
      return r.Error(root["baseline"], "baseline",
                     "\"" + path.string() +
                         "\" does not exist (a report.json or a directory "
                         "holding one, e.g. baselines/<name>)");
    }
    s.baseline = path.string();
  }
  if (Has(root, "time_scale")) {
    OBS_ASSIGN_OR_RETURN(s.time_scale, r.Number(root["time_scale"], "time_scale",
                                                {.min = 0, .max = 1, .min_exclusive = true}));
  }
  return Status::Ok();
}

// The remote-write sender speaks plain HTTP only; queries go through libcurl,
// which also does HTTPS.
Result<std::string> ReadUrl(const YamlReader& r, const YAML::Node& node, const std::string& path) {
  OBS_ASSIGN_OR_RETURN(std::string url, r.String(node, path));
  if (path == "target.write_url" && url.rfind("http://", 0) != 0) {
    return r.Error(
        node, path,
        "expected an http:// URL (the sender does not speak https), got \"" + url + "\"");
  }
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return r.Error(node, path, "expected an http:// or https:// URL, got \"" + url + "\"");
  }
  return url;
}

Result<std::string> ReadTokenFile(const YamlReader& r, const YAML::Node& node,
                                  const std::string& file) {
  std::filesystem::path path(file);
  if (path.is_relative()) {
    path = std::filesystem::path(r.file_name()).parent_path() / path;
  }
  // Bounded read: a token is short, and a path like /dev/zero must not hang.
  constexpr std::size_t kMaxTokenBytes = std::size_t{64} * 1024;
  std::ifstream in(path, std::ios::binary);
  std::string token(kMaxTokenBytes + 1, '\0');
  if (in) {
    in.read(token.data(), static_cast<std::streamsize>(token.size()));
  }
  if (!in && !in.eof()) {
    return r.Error(node, "target.bearer_token_file", "cannot read \"" + path.string() + "\"");
  }
  token.resize(static_cast<std::size_t>(in.gcount()));
  if (token.size() > kMaxTokenBytes) {
    return r.Error(node, "target.bearer_token_file",
                   "\"" + path.string() + "\" is larger than 64 KiB");
  }
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())) != 0) {
    token.pop_back();
  }
  if (token.empty()) {
    return r.Error(node, "target.bearer_token_file", "\"" + path.string() + "\" is empty");
  }
  return token;
}

Status CheckTargetKind(const YamlReader& r, const YAML::Node& node, const TargetSpec& t) {
  const bool remote = t.kind == "prometheus";
  for (const char* key : {"write_url", "query_url"}) {
    if (remote && !Has(node, key)) {
      return r.Error(node, "target",
                     "missing required key \"" + std::string(key) + "\" (kind is prometheus)");
    }
  }
  for (const char* key : {"write_url", "query_url", "flush_url"}) {
    if (!remote && Has(node, key)) {
      return r.Error(node[key], JoinPath("target", key), "only applies to kind \"prometheus\"");
    }
  }
  for (const char* key : {"otlp_url", "trace_query_url", "loki_url", "log_query_url"}) {
    if (!remote && Has(node, key)) {
      return r.Error(node[key], JoinPath("target", key), "only applies to kind \"prometheus\"");
    }
  }
  for (const char* key : {"drop_every_nth_sample", "drop_every_nth_span", "alter_every_nth_span",
                          "drop_every_nth_log_line", "alter_every_nth_log_line", "write_delay"}) {
    if (remote && Has(node, key)) {
      return r.Error(node[key], JoinPath("target", key), "only applies to kind \"embedded\"");
    }
  }
  return Status::Ok();
}

Status ReadTarget(const YamlReader& r, const YAML::Node& node, TargetSpec& t) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, "target", kTargetKeys));
  if (Has(node, "kind")) {
    OBS_ASSIGN_OR_RETURN(t.kind, r.String(node["kind"], "target.kind"));
    if (t.kind != "embedded" && t.kind != "prometheus") {
      return r.Error(node["kind"], "target.kind",
                     "unknown target kind \"" + t.kind + "\" (known: embedded, prometheus)");
    }
  }
  for (auto [key, out] :
       {std::pair{"write_url", &t.write_url}, std::pair{"query_url", &t.query_url},
        std::pair{"flush_url", &t.flush_url}, std::pair{"otlp_url", &t.otlp_url},
        std::pair{"trace_query_url", &t.trace_query_url}, std::pair{"loki_url", &t.loki_url},
        std::pair{"log_query_url", &t.log_query_url}}) {
    if (Has(node, key)) {
      OBS_ASSIGN_OR_RETURN(*out, ReadUrl(r, node[key], JoinPath("target", key)));
    }
  }
  if (Has(node, "headers")) {
    OBS_ASSIGN_OR_RETURN(t.headers, r.StringMap(node["headers"], "target.headers"));
  }
  for (auto [key, out] : {std::pair{"drop_every_nth_sample", &t.drop_every_nth_sample},
                          std::pair{"drop_every_nth_span", &t.drop_every_nth_span},
                          std::pair{"alter_every_nth_span", &t.alter_every_nth_span},
                          std::pair{"drop_every_nth_log_line", &t.drop_every_nth_log_line},
                          std::pair{"alter_every_nth_log_line", &t.alter_every_nth_log_line}}) {
    if (Has(node, key)) {
      OBS_ASSIGN_OR_RETURN(*out, r.Unsigned(node[key], JoinPath("target", key)));
    }
  }
  if (Has(node, "write_delay")) {
    OBS_ASSIGN_OR_RETURN(
        t.write_delay_seconds,
        r.Duration(node["write_delay"], "target.write_delay", internal::kNonNegative));
  }
  if (Has(node, "trace_query_api")) {
    OBS_ASSIGN_OR_RETURN(t.trace_query_api,
                         r.String(node["trace_query_api"], "target.trace_query_api"));
    if (t.trace_query_api != "tempo" && t.trace_query_api != "jaeger") {
      return r.Error(
          node["trace_query_api"], "target.trace_query_api",
          "unknown trace query API \"" + t.trace_query_api + "\" (known: tempo, jaeger)");
    }
  }
  if (Has(node, "log_query_api")) {
    OBS_ASSIGN_OR_RETURN(t.log_query_api, r.String(node["log_query_api"], "target.log_query_api"));
    if (t.log_query_api != "loki" && t.log_query_api != "victorialogs") {
      return r.Error(
          node["log_query_api"], "target.log_query_api",
          "unknown log query API \"" + t.log_query_api + "\" (known: loki, victorialogs)");
    }
  }
  OBS_RETURN_IF_ERROR(CheckTargetKind(r, node, t));
  if (Has(node, "bearer_token_file")) {
    const YAML::Node file_node = node["bearer_token_file"];
    OBS_ASSIGN_OR_RETURN(t.bearer_token_file, r.String(file_node, "target.bearer_token_file"));
    OBS_ASSIGN_OR_RETURN(t.bearer_token, ReadTokenFile(r, file_node, t.bearer_token_file));
  }
  return Status::Ok();
}

Status ReadVerify(const YamlReader& r, const YAML::Node& node, VerifySpec& v) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, "verify", kVerifyKeys));
  const auto duration = [&](const char* key, double& out, Bounds bounds) -> Status {
    if (!Has(node, key)) {
      return Status::Ok();
    }
    OBS_ASSIGN_OR_RETURN(out, r.Duration(node[key], JoinPath("verify", key), bounds));
    return Status::Ok();
  };
  const auto count = [&](const char* key, int& out) -> Status {
    if (!Has(node, key)) {
      return Status::Ok();
    }
    OBS_ASSIGN_OR_RETURN(out, r.Int(node[key], JoinPath("verify", key), {.min = 0, .max = 100000}));
    return Status::Ok();
  };
  if (Has(node, "completeness")) {
    OBS_ASSIGN_OR_RETURN(v.completeness, r.Bool(node["completeness"], "verify.completeness"));
  }
  OBS_RETURN_IF_ERROR(duration("settle_timeout", v.settle_timeout_seconds, internal::kPositive));
  OBS_RETURN_IF_ERROR(duration("poll_interval", v.poll_interval_seconds, internal::kPositive));
  OBS_RETURN_IF_ERROR(count("max_examples", v.max_examples));
  OBS_RETURN_IF_ERROR(count("visibility_probes", v.visibility_probes));
  OBS_RETURN_IF_ERROR(duration("probe_timeout", v.probe_timeout_seconds, internal::kPositive));
  OBS_RETURN_IF_ERROR(
      duration("probe_poll_interval", v.probe_poll_interval_seconds, internal::kPositive));
  return Status::Ok();
}

Status ReadWorkloads(const YamlReader& r, const YAML::Node& root, Scenario& s) {
  if (!Has(root, "workloads")) {
    return r.Error(root, "", "missing required key \"workloads\"");
  }
  const YAML::Node node = root["workloads"];
  OBS_RETURN_IF_ERROR(r.CheckSequence(node, "workloads"));
  if (node.size() == 0) {
    return r.Error(node, "workloads", "must list at least one workload");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = internal::IndexPath("workloads", i);
    OBS_ASSIGN_OR_RETURN(WorkloadSpec w, internal::ReadWorkload(r, node[i], path));
    if (!names.insert(w.name).second) {
      return r.Error(node[i]["name"], JoinPath(path, "name"),
                     "duplicate workload name \"" + w.name + "\"");
    }
    s.workloads.push_back(std::move(w));
  }
  return Status::Ok();
}

// With stages, the load lasts as long as they do: every staged workload must
// agree, and an explicit scenario `duration` must match.
Status ResolveDuration(const YamlReader& r, const YAML::Node& root, Scenario& s) {
  const YAML::Node workloads = root["workloads"];
  std::size_t first = s.workloads.size();
  for (std::size_t i = 0; i < s.workloads.size(); ++i) {
    const double stages = internal::StageSeconds(s.workloads[i]);
    if (stages <= 0) {
      continue;
    }
    const std::string path = JoinPath(internal::IndexPath("workloads", i), "stages");
    if (first == s.workloads.size()) {
      first = i;
      if (Has(root, "duration") && std::abs(stages - s.duration_seconds) > 1e-9) {
        return r.Error(root["duration"], "duration",
                       FormatDuration(s.duration_seconds) + " disagrees with " + path + " (" +
                           FormatDuration(stages) + " in total); omit duration or make them equal");
      }
      s.duration_seconds = stages;
    } else if (std::abs(stages - s.duration_seconds) > 1e-9) {
      return r.Error(workloads[i]["stages"], path,
                     "last " + FormatDuration(stages) + " but the stages of workloads[" +
                         std::to_string(first) + "] last " + FormatDuration(s.duration_seconds));
    }
  }
  return Status::Ok();
}

// The loadgen's own checks, so a scenario that validates also runs (e.g. a
// series count beyond what the ledger can hold).
Status CheckWithLoadgen(const YamlReader& r, const YAML::Node& root, const Scenario& s) {
  for (std::size_t i = 0; i < s.workloads.size(); ++i) {
    if (s.workloads[i].kind == "otlp_traces") {
      const Status checked = loadgen::ValidateOtlpTracesOptions(s.workloads[i].traces);
      if (!checked.ok()) {
        return r.Error(root["workloads"][i], internal::IndexPath("workloads", i),
                       checked.message());
      }
      if (s.target.kind == "prometheus" &&
          (s.target.otlp_url.empty() || s.target.trace_query_url.empty())) {
        return r.Error(root["workloads"][i], internal::IndexPath("workloads", i),
                       "an otlp_traces workload against a remote target needs target.otlp_url "
                       "and target.trace_query_url");
      }
      continue;
    }
    if (s.workloads[i].kind == "http") {
      loadgen::HttpLoadOptions o = s.workloads[i].http;
      if (o.base_url.empty()) {
        if (!s.experiment.has_value()) {
          return r.Error(root["workloads"][i], internal::IndexPath("workloads", i),
                         "an http workload needs url (the application's base URL, "
                         "http://host:port) outside an experiment");
        }
        o.base_url = "http://127.0.0.1:1";  // Each variant's URL, known at run time.
      }
      const Status checked = loadgen::ValidateHttpLoadOptions(o);
      if (!checked.ok()) {
        return r.Error(root["workloads"][i], internal::IndexPath("workloads", i),
                       checked.message());
      }
      continue;
    }
    if (s.workloads[i].kind == "loki_push") {
      const Status checked = loadgen::ValidateLokiPushOptions(s.workloads[i].logs);
      if (!checked.ok()) {
        return r.Error(root["workloads"][i], internal::IndexPath("workloads", i),
                       checked.message());
      }
      if (s.target.kind == "prometheus" &&
          (s.target.loki_url.empty() || s.target.log_query_url.empty())) {
        return r.Error(root["workloads"][i], internal::IndexPath("workloads", i),
                       "a loki_push workload against a remote target needs target.loki_url and "
                       "target.log_query_url");
      }
      continue;
    }
    if (s.workloads[i].kind == "otlp_metrics") {
      loadgen::OtlpMetricsOptions o = s.workloads[i].otlp_metrics;
      o.load = internal::OptionsForDescription(s.workloads[i].remote_write);
      Status checked = loadgen::ValidateOtlpMetricsOptions(o);
      if (checked.ok()) {
        checked = loadgen::SeriesSet::Create(o.load.series).status();
      }
      if (!checked.ok()) {
        return r.Error(root["workloads"][i], internal::IndexPath("workloads", i),
                       checked.message());
      }
      if (s.target.kind == "prometheus" && s.target.otlp_url.empty()) {
        return r.Error(root["workloads"][i], internal::IndexPath("workloads", i),
                       "an otlp_metrics workload against a remote target needs target.otlp_url");
      }
      continue;
    }
    if (s.workloads[i].kind != "remote_write") {
      continue;  // Signal workloads were checked when read.
    }
    const loadgen::RemoteWriteOptions options =
        internal::OptionsForDescription(s.workloads[i].remote_write);
    const Result<loadgen::LoadDescription> load = loadgen::DescribeLoad(options);
    if (!load.ok()) {
      return r.Error(root["workloads"][i], internal::IndexPath("workloads", i),
                     load.status().message());
    }
  }
  return Status::Ok();
}

Result<Scenario> ReadScenario(const YamlReader& r, const YAML::Node& root) {
  if (!root.IsDefined() || root.IsNull()) {
    return r.Error(root, "", "scenario is empty");
  }
  OBS_RETURN_IF_ERROR(r.CheckMap(root, "", kTopKeys));
  Scenario s;
  OBS_RETURN_IF_ERROR(ReadHeader(r, root, s));
  if (Has(root, "target")) {
    OBS_RETURN_IF_ERROR(ReadTarget(r, root["target"], s.target));
  }
  OBS_RETURN_IF_ERROR(ReadWorkloads(r, root, s));
  OBS_RETURN_IF_ERROR(ResolveDuration(r, root, s));
  if (Has(root, "verify")) {
    OBS_RETURN_IF_ERROR(ReadVerify(r, root["verify"], s.verify));
  }
  if (Has(root, "experiment")) {
    if (Has(root, "alerting") || Has(root, "alerts")) {
      return r.Error(root["experiment"], "experiment",
                     "an experiment measures an application's overhead; alerting belongs in a "
                     "scenario of its own");
    }
    OBS_RETURN_IF_ERROR(internal::ReadExperiment(r, root, s));
  }
  if (Has(root, "assertions")) {
    std::vector<std::string> known;
    for (const WorkloadSpec& w : s.workloads) {
      known.push_back(w.name);
    }
    if (s.experiment.has_value()) {
      known.clear();
      for (const VariantSpec& v : s.experiment->variants) {
        known.push_back(v.name);
        for (const WorkloadSpec& w : s.workloads) {
          known.push_back(v.name + "/" + w.name);
        }
      }
    }
    OBS_ASSIGN_OR_RETURN(s.assertions, internal::ReadAssertions(r, root["assertions"], known));
  }
  if (Has(root, "alerting")) {
    OBS_RETURN_IF_ERROR(internal::ReadAlerting(r, root["alerting"], s));
  }
  if (Has(root, "alerts")) {
    if (!Has(root, "alerting")) {
      return r.Error(root["alerts"], "alerts",
                     "needs an \"alerting\" section (rule files and the receiver)");
    }
    OBS_ASSIGN_OR_RETURN(s.alerts, internal::ReadAlerts(r, root["alerts"], s));
  }
  internal::FinishWorkloads(s);
  OBS_RETURN_IF_ERROR(CheckWithLoadgen(r, root, s));
  return s;
}

std::string EffectiveText(std::string_view yaml_text, const YAML::Node& root,
                          const std::vector<std::string>& overrides) {
  if (overrides.empty()) {
    return std::string(yaml_text);
  }
  std::string text = "# effective scenario after";
  for (const std::string& o : overrides) {
    text += " --set " + o;
  }
  YAML::Emitter out;
  out << root;
  return text + "\n" + out.c_str() + "\n";
}

}  // namespace

Result<Scenario> ParseScenario(std::string_view yaml_text, const std::string& file_name,
                               const std::vector<std::string>& overrides) {
  YamlReader reader(file_name);
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    OBS_RETURN_IF_ERROR(internal::ApplyOverrides(root, overrides, reader));
    OBS_ASSIGN_OR_RETURN(Scenario scenario, ReadScenario(reader, root));
    scenario.file = file_name;
    scenario.text = EffectiveText(yaml_text, root, overrides);
    return scenario;
  } catch (const YAML::Exception& e) {
    std::string where = file_name;
    if (!e.mark.is_null()) {
      where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    }
    return InvalidArgumentError(where + ": invalid yaml: " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgumentError(file_name + ": " + e.what());
  }
}

Result<Scenario> LoadScenarioFile(const std::string& path,
                                  const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  if (in) {
    content << in.rdbuf();
  }
  if (!in) {
    return InvalidArgumentError("cannot read scenario file \"" + path + "\"");
  }
  return ParseScenario(content.str(), path, overrides);
}

}  // namespace obs::scenarios
