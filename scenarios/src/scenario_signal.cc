// Alert scenarios: `kind: signal` workloads, the `alerting` section and the
// `alerts` expectations. Every problem is located like the rest of the
// parser's ("file:line:col: key.path: problem").

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "obs/backend/rules.h"

#include "scenario_parse.h"

namespace obs::scenarios::internal {
namespace {

const std::vector<std::string_view> kSignalWorkloadKeys = {
    "name", "kind", "interval", "series", "red", "labels", "headers", "request_timeout"};
const std::vector<std::string_view> kSeriesKeys = {"metric", "type", "labels", "shape"};
const std::vector<std::string_view> kRedKeys = {"requests_per_second", "error_ratio",
                                                "latency_seconds", "buckets"};
const std::vector<std::string_view> kShapeKeys = {"kind",   "from",   "to",   "at",
                                                  "length", "period", "high", "cycles"};
const std::vector<std::string_view> kAlertingKeys = {
    "rule_files",       "evaluation_interval", "resend_delay", "settle",
    "receiver_address", "receiver_port",       "alertmanager"};
const std::vector<std::string_view> kAlertmanagerKeys = {"group_by", "group_wait", "group_interval",
                                                         "repeat_interval"};
const std::vector<std::string_view> kAlertKeys = {
    "alert",       "signal", "series",      "threshold",         "fires_within", "resolves_within",
    "never_fires", "labels", "annotations", "max_notifications", "delivery_p95"};

// A shape: a plain number (constant) or a map.
Result<loadgen::SignalShape> ReadShape(const YamlReader& r, const YAML::Node& node,
                                       const std::string& path) {
  loadgen::SignalShape shape;
  if (node.IsScalar()) {
    OBS_ASSIGN_OR_RETURN(shape.from, r.Number(node, path, {}));
    return shape;
  }
  if (!node.IsMap()) {
    return r.Error(node, path, "expected a number or a shape map {kind, from, to, at, ...}");
  }
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kShapeKeys));
  if (!Has(node, "kind")) {
    return r.Error(node, path, "missing required key \"kind\"");
  }
  OBS_ASSIGN_OR_RETURN(const std::string kind, r.String(node["kind"], JoinPath(path, "kind")));
  auto parsed_kind = loadgen::ParseSignalKind(kind);
  if (!parsed_kind.ok()) {
    return r.Error(node["kind"], JoinPath(path, "kind"), parsed_kind.status().message());
  }
  shape.kind = *parsed_kind;
  for (auto [key, out] : {std::pair{"from", &shape.from}, std::pair{"to", &shape.to}}) {
    if (Has(node, key)) {
      OBS_ASSIGN_OR_RETURN(*out, r.Number(node[key], JoinPath(path, key), {}));
    }
  }
  for (auto [key, out] :
       {std::pair{"at", &shape.at_seconds}, std::pair{"length", &shape.length_seconds},
        std::pair{"period", &shape.period_seconds}, std::pair{"high", &shape.high_seconds}}) {
    if (Has(node, key)) {
      OBS_ASSIGN_OR_RETURN(*out, r.Duration(node[key], JoinPath(path, key), kNonNegative));
    }
  }
  if (Has(node, "cycles")) {
    OBS_ASSIGN_OR_RETURN(shape.cycles,
                         r.Number(node["cycles"], JoinPath(path, "cycles"), kNonNegative));
  }
  if (Status s = loadgen::ValidateSignal(shape); !s.ok()) {
    return r.Error(node, path, s.message());
  }
  return shape;
}

Status ReadSeries(const YamlReader& r, const YAML::Node& node, const std::string& path,
                  loadgen::SignalWorkloadOptions& o) {
  OBS_RETURN_IF_ERROR(r.CheckSequence(node, path));
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string p = IndexPath(path, i);
    const YAML::Node n = node[i];
    OBS_RETURN_IF_ERROR(r.CheckMap(n, p, kSeriesKeys));
    for (const char* key : {"metric", "shape"}) {
      if (!Has(n, key)) {
        return r.Error(n, p, "missing required key \"" + std::string(key) + "\"");
      }
    }
    loadgen::SignalSeriesSpec s;
    OBS_ASSIGN_OR_RETURN(s.metric, r.String(n["metric"], JoinPath(p, "metric")));
    if (Has(n, "type")) {
      OBS_ASSIGN_OR_RETURN(const std::string type, r.String(n["type"], JoinPath(p, "type")));
      if (type != "gauge" && type != "counter") {
        return r.Error(n["type"], JoinPath(p, "type"),
                       "unknown series type \"" + type + "\" (known: gauge, counter)");
      }
      s.counter = type == "counter";
    }
    if (Has(n, "labels")) {
      OBS_ASSIGN_OR_RETURN(s.labels, r.StringMap(n["labels"], JoinPath(p, "labels")));
    }
    OBS_ASSIGN_OR_RETURN(s.shape, ReadShape(r, n["shape"], JoinPath(p, "shape")));
    o.series.push_back(std::move(s));
  }
  return Status::Ok();
}

Status ReadRed(const YamlReader& r, const YAML::Node& node, const std::string& path,
               loadgen::SignalWorkloadOptions& o) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kRedKeys));
  loadgen::RedSignalSpec red;
  for (auto [key, out] : {std::pair{"requests_per_second", &red.requests_per_second},
                          std::pair{"error_ratio", &red.error_ratio},
                          std::pair{"latency_seconds", &red.latency_seconds}}) {
    if (Has(node, key)) {
      OBS_ASSIGN_OR_RETURN(*out, ReadShape(r, node[key], JoinPath(path, key)));
    }
  }
  if (Has(node, "buckets")) {
    const YAML::Node b = node["buckets"];
    OBS_RETURN_IF_ERROR(r.CheckSequence(b, JoinPath(path, "buckets")));
    red.buckets.clear();
    for (std::size_t i = 0; i < b.size(); ++i) {
      OBS_ASSIGN_OR_RETURN(const double v,
                           r.Number(b[i], IndexPath(JoinPath(path, "buckets"), i), kPositive));
      red.buckets.push_back(v);
    }
  }
  o.red = std::move(red);
  return Status::Ok();
}

// "queue_depth", or "red.error_ratio" for the RED model's shapes.
const loadgen::SignalShape* FindShape(const loadgen::SignalWorkloadOptions& o,
                                      const std::string& series) {
  if (o.red.has_value()) {
    if (series == "red.requests_per_second")
      return &o.red->requests_per_second;
    if (series == "red.error_ratio")
      return &o.red->error_ratio;
    if (series == "red.latency_seconds")
      return &o.red->latency_seconds;
  }
  for (const loadgen::SignalSeriesSpec& s : o.series) {
    if (s.metric == series) {
      return &s.shape;
    }
  }
  return nullptr;
}

std::string SeriesNames(const loadgen::SignalWorkloadOptions& o) {
  std::string out;
  for (const loadgen::SignalSeriesSpec& s : o.series) {
    out += (out.empty() ? "" : ", ") + s.metric;
  }
  if (o.red.has_value()) {
    out += std::string(out.empty() ? "" : ", ") +
           "red.requests_per_second, red.error_ratio, red.latency_seconds";
  }
  return out;
}

Status CheckPatterns(const YamlReader& r, const YAML::Node& node, const std::string& path,
                     const std::map<std::string, std::string>& m) {
  for (const auto& [k, v] : m) {
    if (v.empty() || v[0] != '~') {
      continue;
    }
    try {
      std::regex re(v.substr(1), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return r.Error(node, JoinPath(path, k), "bad regular expression \"" + v.substr(1) + "\"");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<WorkloadSpec> ReadSignalWorkload(const YamlReader& r, const YAML::Node& node,
                                        const std::string& path) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kSignalWorkloadKeys));
  if (!Has(node, "name")) {
    return r.Error(node, path, "missing required key \"name\"");
  }
  WorkloadSpec w;
  w.kind = "signal";
  OBS_ASSIGN_OR_RETURN(w.name, r.String(node["name"], JoinPath(path, "name")));
  if (!IsValidName(w.name)) {
    return r.Error(node["name"], JoinPath(path, "name"),
                   "\"" + w.name + "\" must match [a-z0-9_-]+");
  }
  loadgen::SignalWorkloadOptions& o = w.signal;
  o.name = w.name;
  if (Has(node, "interval")) {
    OBS_ASSIGN_OR_RETURN(o.interval_seconds,
                         r.Duration(node["interval"], JoinPath(path, "interval"), kPositive));
  }
  if (Has(node, "request_timeout")) {
    OBS_ASSIGN_OR_RETURN(
        o.request_timeout_seconds,
        r.Duration(node["request_timeout"], JoinPath(path, "request_timeout"), kPositive));
  }
  if (Has(node, "labels")) {
    OBS_ASSIGN_OR_RETURN(o.labels, r.StringMap(node["labels"], JoinPath(path, "labels")));
  }
  if (Has(node, "headers")) {
    OBS_ASSIGN_OR_RETURN(o.headers, r.StringMap(node["headers"], JoinPath(path, "headers")));
  }
  if (Has(node, "series")) {
    OBS_RETURN_IF_ERROR(ReadSeries(r, node["series"], JoinPath(path, "series"), o));
  }
  if (Has(node, "red")) {
    OBS_RETURN_IF_ERROR(ReadRed(r, node["red"], JoinPath(path, "red"), o));
  }
  if (!Has(node, "series") && !Has(node, "red")) {
    return r.Error(node, path, "a signal workload needs \"series\" or \"red\"");
  }
  // The loadgen's own checks (metric and label names, buckets), located at
  // the workload.
  loadgen::SignalWorkloadOptions check = o;
  check.url = "http://127.0.0.1:9/api/v1/write";
  if (auto expanded = loadgen::ExpandSignalSeries(check); !expanded.ok()) {
    return r.Error(node, path, expanded.status().message());
  }
  return w;
}

Status ReadAlerting(const YamlReader& r, const YAML::Node& node, Scenario& s) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, "alerting", kAlertingKeys));
  AlertingSpec& a = s.alerting;
  for (auto [key, out] : {std::pair{"evaluation_interval", &a.evaluation_interval_seconds},
                          std::pair{"resend_delay", &a.resend_delay_seconds}}) {
    if (Has(node, key)) {
      OBS_ASSIGN_OR_RETURN(*out, r.Duration(node[key], JoinPath("alerting", key), kPositive));
    }
  }
  if (Has(node, "settle")) {
    OBS_ASSIGN_OR_RETURN(a.settle_seconds,
                         r.Duration(node["settle"], "alerting.settle", kNonNegative));
  }
  if (Has(node, "receiver_address")) {
    OBS_ASSIGN_OR_RETURN(a.receiver_address,
                         r.String(node["receiver_address"], "alerting.receiver_address"));
  }
  if (Has(node, "receiver_port")) {
    OBS_ASSIGN_OR_RETURN(const int port, r.Int(node["receiver_port"], "alerting.receiver_port",
                                               {.min = 0, .max = 65535}));
    a.receiver_port = static_cast<std::uint16_t>(port);
  }
  if (Has(node, "alertmanager")) {
    const YAML::Node am = node["alertmanager"];
    OBS_RETURN_IF_ERROR(r.CheckMap(am, "alerting.alertmanager", kAlertmanagerKeys));
    AlertmanagerRouteSpec& route = a.alertmanager;
    if (Has(am, "group_by")) {
      OBS_RETURN_IF_ERROR(r.CheckSequence(am["group_by"], "alerting.alertmanager.group_by"));
      route.group_by.clear();
      for (std::size_t i = 0; i < am["group_by"].size(); ++i) {
        OBS_ASSIGN_OR_RETURN(
            std::string label,
            r.String(am["group_by"][i], IndexPath("alerting.alertmanager.group_by", i)));
        route.group_by.push_back(std::move(label));
      }
    }
    for (auto [key, out, bounds] :
         {std::tuple{"group_wait", &route.group_wait_seconds, kNonNegative},
          std::tuple{"group_interval", &route.group_interval_seconds, kPositive},
          std::tuple{"repeat_interval", &route.repeat_interval_seconds, kPositive}}) {
      if (Has(am, key)) {
        OBS_ASSIGN_OR_RETURN(*out,
                             r.Duration(am[key], JoinPath("alerting.alertmanager", key), bounds));
      }
    }
  }
  if (Has(node, "rule_files")) {
    const YAML::Node files = node["rule_files"];
    OBS_RETURN_IF_ERROR(r.CheckSequence(files, "alerting.rule_files"));
    for (std::size_t i = 0; i < files.size(); ++i) {
      const std::string p = IndexPath("alerting.rule_files", i);
      OBS_ASSIGN_OR_RETURN(std::string file, r.String(files[i], p));
      std::filesystem::path fp(file);
      if (fp.is_relative()) {
        fp = std::filesystem::path(r.file_name()).parent_path() / fp;
      }
      auto loaded =
          backend::LoadAlertRules(fp.lexically_normal().string(),
                                  static_cast<std::int64_t>(a.evaluation_interval_seconds * 1000));
      if (!loaded.ok()) {
        return r.Error(files[i], p, loaded.status().message());
      }
      a.rules.insert(a.rules.end(), loaded->begin(), loaded->end());
      a.rule_files.push_back(fp.lexically_normal().string());
    }
  }
  if (s.target.kind == "embedded" && a.rule_files.empty()) {
    return r.Error(node, "alerting",
                   "the embedded backend needs \"rule_files\" to evaluate alerts");
  }
  return Status::Ok();
}

Result<std::vector<AlertExpectation>> ReadAlerts(const YamlReader& r, const YAML::Node& node,
                                                 const Scenario& s) {
  OBS_RETURN_IF_ERROR(r.CheckSequence(node, "alerts"));
  std::set<std::string> known;
  for (const backend::AlertRuleSummary& rule : s.alerting.rules) {
    known.insert(rule.name);
  }
  std::vector<AlertExpectation> out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const std::string path = IndexPath("alerts", i);
    const YAML::Node n = node[i];
    OBS_RETURN_IF_ERROR(r.CheckMap(n, path, kAlertKeys));
    if (!Has(n, "alert")) {
      return r.Error(n, path, "missing required key \"alert\"");
    }
    AlertExpectation e;
    assertions::AlertSpec& spec = e.spec;
    spec.location = r.Location(n);
    OBS_ASSIGN_OR_RETURN(spec.alert, r.String(n["alert"], JoinPath(path, "alert")));
    if (!s.alerting.rule_files.empty() && known.count(spec.alert) == 0) {
      return r.Error(n["alert"], JoinPath(path, "alert"),
                     "no alerting rule \"" + spec.alert + "\" in alerting.rule_files");
    }
    if (Has(n, "never_fires")) {
      OBS_ASSIGN_OR_RETURN(spec.never_fires,
                           r.Bool(n["never_fires"], JoinPath(path, "never_fires")));
    }
    for (auto [key, out_value] : {std::pair{"fires_within", &spec.fires_within_seconds},
                                  std::pair{"resolves_within", &spec.resolves_within_seconds},
                                  std::pair{"delivery_p95", &spec.delivery_p95_within_seconds}}) {
      if (Has(n, key)) {
        OBS_ASSIGN_OR_RETURN(*out_value, r.Duration(n[key], JoinPath(path, key), kPositive));
      }
    }
    if (spec.never_fires &&
        (spec.fires_within_seconds.has_value() || spec.resolves_within_seconds.has_value())) {
      return r.Error(n["never_fires"], JoinPath(path, "never_fires"),
                     "contradicts fires_within/resolves_within");
    }
    if (Has(n, "max_notifications")) {
      OBS_ASSIGN_OR_RETURN(spec.max_notifications,
                           r.Unsigned(n["max_notifications"], JoinPath(path, "max_notifications")));
    }
    for (auto [key, out_map] :
         {std::pair{"labels", &spec.labels}, std::pair{"annotations", &spec.annotations}}) {
      if (Has(n, key)) {
        OBS_ASSIGN_OR_RETURN(*out_map, r.StringMap(n[key], JoinPath(path, key)));
        OBS_RETURN_IF_ERROR(CheckPatterns(r, n[key], JoinPath(path, key), *out_map));
      }
    }
    const bool anchored =
        spec.fires_within_seconds.has_value() || spec.resolves_within_seconds.has_value();
    if (Has(n, "signal")) {
      OBS_ASSIGN_OR_RETURN(e.signal_workload, r.String(n["signal"], JoinPath(path, "signal")));
      const auto w = std::find_if(s.workloads.begin(), s.workloads.end(), [&](const auto& x) {
        return x.name == e.signal_workload && x.kind == "signal";
      });
      if (w == s.workloads.end()) {
        return r.Error(n["signal"], JoinPath(path, "signal"),
                       "no workload of kind signal named \"" + e.signal_workload + "\"");
      }
      for (const char* key : {"series", "threshold"}) {
        if (!Has(n, key)) {
          return r.Error(n, path,
                         "missing required key \"" + std::string(key) + "\" (signal is set)");
        }
      }
      OBS_ASSIGN_OR_RETURN(e.signal_series, r.String(n["series"], JoinPath(path, "series")));
      if (FindShape(w->signal, e.signal_series) == nullptr) {
        return r.Error(n["series"], JoinPath(path, "series"),
                       "workload \"" + e.signal_workload + "\" has no series \"" + e.signal_series +
                           "\" (has: " + SeriesNames(w->signal) + ")");
      }
      OBS_ASSIGN_OR_RETURN(const std::string threshold,
                           r.String(n["threshold"], JoinPath(path, "threshold")));
      auto t = loadgen::ParseThreshold(threshold);
      if (!t.ok()) {
        return r.Error(n["threshold"], JoinPath(path, "threshold"), t.status().message());
      }
      e.threshold = *t;
      if (s.alerting.rule_files.empty()) {
        return r.Error(n["signal"], JoinPath(path, "signal"),
                       "anchoring on a signal needs alerting.rule_files (for the rule's `for` "
                       "and interval)");
      }
    } else if (anchored) {
      return r.Error(n, path,
                     "fires_within and resolves_within need \"signal\", \"series\" and "
                     "\"threshold\" to know when the threshold is crossed");
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace obs::scenarios::internal

namespace obs::scenarios {

Result<std::string> AlertmanagerConfig(const Scenario& s) {
  if (s.alerting.rule_files.empty() && s.alerts.empty()) {
    return InvalidArgumentError(s.file + ": the scenario has no alerting section");
  }
  if (s.alerting.receiver_port == 0) {
    return InvalidArgumentError(s.file +
                                ": alerting.receiver_port is 0 (ephemeral); set a fixed port, "
                                "e.g. --set alerting.receiver_port=5001");
  }
  const auto scaled = [&](double seconds) {
    const auto ms = static_cast<std::int64_t>(std::llround(seconds * s.time_scale * 1000));
    return FormatDuration(static_cast<double>(std::max<std::int64_t>(seconds > 0 ? 1 : 0, ms)) /
                          1000);
  };
  const AlertmanagerRouteSpec& route = s.alerting.alertmanager;
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "route" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "receiver" << YAML::Value << "obsbench";
  out << YAML::Key << "group_by" << YAML::Value << YAML::Flow << route.group_by;
  out << YAML::Key << "group_wait" << YAML::Value << scaled(route.group_wait_seconds);
  out << YAML::Key << "group_interval" << YAML::Value << scaled(route.group_interval_seconds);
  out << YAML::Key << "repeat_interval" << YAML::Value << scaled(route.repeat_interval_seconds);
  out << YAML::EndMap;
  out << YAML::Key << "receivers" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << "obsbench";
  out << YAML::Key << "webhook_configs" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "url" << YAML::Value
      << "http://" + s.alerting.receiver_address + ":" + std::to_string(s.alerting.receiver_port) +
             "/alertmanager";
  out << YAML::Key << "send_resolved" << YAML::Value << true;
  out << YAML::EndMap << YAML::EndSeq << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
  return "# Alertmanager configuration for scenario " + s.name + " (obsbench rules " +
         "alertmanager-config), durations scaled by " + std::to_string(s.time_scale) + "\n" +
         out.c_str() + "\n";
}

}  // namespace obs::scenarios

namespace obs::scenarios::internal {

const loadgen::SignalShape* FindSignalShape(const loadgen::SignalWorkloadOptions& o,
                                            const std::string& series) {
  return FindShape(o, series);
}

}  // namespace obs::scenarios::internal
