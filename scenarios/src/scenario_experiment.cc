// The `experiment` section: variants of an application run under identical
// HTTP load, and the destinations they export telemetry to
// (docs/overhead.md).

#include <filesystem>
#include <set>

#include "app_process.h"
#include "scenario_parse.h"

namespace obs::scenarios::internal {
namespace {

const std::vector<std::string_view> kExperimentKeys = {
    "variants", "baseline",        "destinations", "ready_timeout", "stop_timeout",
    "warmup",   "sample_interval", "settle",       "settle_timeout"};
const std::vector<std::string_view> kVariantKeys = {"name", "command", "env",       "working_dir",
                                                    "pid",  "url",     "ready_url", "exports"};
const std::vector<std::string_view> kDestinationKeys = {"name", "url", "response_delay"};

// Checks that `text` only uses variables the runner will define, by
// substituting placeholders.
Status CheckVariables(const YamlReader& r, const YAML::Node& node, const std::string& path,
                      const std::map<std::string, std::string>& vars, std::string text) {
  const Status s = SubstituteVariables(text, vars);
  if (!s.ok()) {
    return r.Error(node, path, s.message());
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ReadStringList(const YamlReader& r, const YAML::Node& node,
                                                const std::string& path) {
  OBS_RETURN_IF_ERROR(r.CheckSequence(node, path));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    OBS_ASSIGN_OR_RETURN(std::string v, r.String(node[i], IndexPath(path, i)));
    out.push_back(std::move(v));
  }
  return out;
}

Result<DestinationSpec> ReadDestination(const YamlReader& r, const YAML::Node& node,
                                        const std::string& path) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kDestinationKeys));
  if (!Has(node, "name")) {
    return r.Error(node, path, "missing required key \"name\"");
  }
  DestinationSpec d;
  OBS_ASSIGN_OR_RETURN(d.name, r.String(node["name"], JoinPath(path, "name")));
  if (!IsValidName(d.name)) {
    return r.Error(node["name"], JoinPath(path, "name"),
                   "\"" + d.name + "\" must match [a-z0-9_-]+");
  }
  if (Has(node, "url")) {
    OBS_ASSIGN_OR_RETURN(d.url, r.String(node["url"], JoinPath(path, "url")));
    if (d.url.rfind("http://", 0) != 0 && d.url.rfind("https://", 0) != 0) {
      return r.Error(node["url"], JoinPath(path, "url"),
                     "expected an http:// or https:// base URL, got \"" + d.url + "\"");
    }
  }
  if (Has(node, "response_delay")) {
    if (!d.url.empty()) {
      return r.Error(node["response_delay"], JoinPath(path, "response_delay"),
                     "applies to the embedded receiver only (no url)");
    }
    OBS_ASSIGN_OR_RETURN(d.response_delay_seconds,
                         r.Duration(node["response_delay"], JoinPath(path, "response_delay"),
                                    {.min = 0, .max = 60}));
  }
  return d;
}

Result<VariantSpec> ReadVariant(const YamlReader& r, const YAML::Node& node,
                                const std::string& path) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kVariantKeys));
  if (!Has(node, "name")) {
    return r.Error(node, path, "missing required key \"name\"");
  }
  VariantSpec v;
  OBS_ASSIGN_OR_RETURN(v.name, r.String(node["name"], JoinPath(path, "name")));
  if (!IsValidName(v.name)) {
    return r.Error(node["name"], JoinPath(path, "name"),
                   "\"" + v.name + "\" must match [a-z0-9_-]+");
  }
  if (Has(node, "command") == Has(node, "pid")) {
    return r.Error(node, path,
                   "give either command (the harness starts the application) or pid (it is "
                   "already running)");
  }
  if (Has(node, "command")) {
    const YAML::Node c = node["command"];
    if (c.IsScalar()) {
      return r.Error(c, JoinPath(path, "command"),
                     "must be a list of arguments, e.g. [obsbench, sample-app, --listen, "
                     "\"127.0.0.1:${PORT}\"] (no shell is involved)");
    }
    OBS_ASSIGN_OR_RETURN(v.command, ReadStringList(r, c, JoinPath(path, "command")));
    if (v.command.empty() || v.command[0].empty()) {
      return r.Error(c, JoinPath(path, "command"), "must name a program");
    }
  } else {
    OBS_ASSIGN_OR_RETURN(const std::uint64_t pid, r.Unsigned(node["pid"], JoinPath(path, "pid")));
    if (pid == 0 || pid > (1U << 22)) {
      return r.Error(node["pid"], JoinPath(path, "pid"), "must be a process id > 0");
    }
    v.pid = static_cast<std::int64_t>(pid);
    if (!Has(node, "url")) {
      return r.Error(node, path,
                     "a variant given by pid needs url (where the application listens)");
    }
  }
  if (Has(node, "env")) {
    OBS_ASSIGN_OR_RETURN(v.env, r.StringMap(node["env"], JoinPath(path, "env")));
  }
  if (Has(node, "working_dir")) {
    OBS_ASSIGN_OR_RETURN(v.working_dir,
                         r.String(node["working_dir"], JoinPath(path, "working_dir")));
  }
  const std::filesystem::path base = std::filesystem::path(r.file_name()).parent_path();
  std::filesystem::path dir(v.working_dir);
  if (dir.empty()) {
    dir = base;
  } else if (dir.is_relative()) {
    dir = base / dir;
  }
  v.working_dir = dir.empty() ? std::string(".") : dir.lexically_normal().string();
  for (auto [key, out] : {std::pair{"url", &v.url}, std::pair{"ready_url", &v.ready_url}}) {
    if (Has(node, key)) {
      OBS_ASSIGN_OR_RETURN(*out, r.String(node[key], JoinPath(path, key)));
    }
  }
  if (Has(node, "exports")) {
    OBS_ASSIGN_OR_RETURN(v.exports, ReadStringList(r, node["exports"], JoinPath(path, "exports")));
    std::set<std::string> seen;
    for (std::size_t i = 0; i < v.exports.size(); ++i) {
      const std::string epath = IndexPath(JoinPath(path, "exports"), i);
      if (!IsValidName(v.exports[i])) {
        return r.Error(node["exports"][i], epath,
                       "\"" + v.exports[i] + "\" must match [a-z0-9_-]+");
      }
      if (!seen.insert(v.exports[i]).second) {
        return r.Error(node["exports"][i], epath, "\"" + v.exports[i] + "\" is listed twice");
      }
    }
  }
  return v;
}

}  // namespace

std::string EndpointVariable(const std::string& destination) {
  std::string out = "OTLP_ENDPOINT_";
  for (char c : destination) {
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

Status ReadExperiment(const YamlReader& r, const YAML::Node& root, Scenario& s) {
  const std::string path = "experiment";
  const YAML::Node node = root["experiment"];
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kExperimentKeys));
  ExperimentSpec e;
  if (!Has(node, "variants")) {
    return r.Error(node, path, "missing required key \"variants\"");
  }
  const YAML::Node variants = node["variants"];
  const std::string vpath = JoinPath(path, "variants");
  OBS_RETURN_IF_ERROR(r.CheckSequence(variants, vpath));
  if (variants.size() < 2 || variants.size() > 16) {
    return r.Error(variants, vpath,
                   "needs 2 to 16 variants (a baseline and what is compared with it)");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    OBS_ASSIGN_OR_RETURN(VariantSpec v, ReadVariant(r, variants[i], IndexPath(vpath, i)));
    if (!names.insert(v.name).second) {
      return r.Error(variants[i]["name"], JoinPath(IndexPath(vpath, i), "name"),
                     "duplicate variant name \"" + v.name + "\"");
    }
    e.variants.push_back(std::move(v));
  }
  if (Has(node, "destinations")) {
    const YAML::Node d = node["destinations"];
    const std::string dpath = JoinPath(path, "destinations");
    OBS_RETURN_IF_ERROR(r.CheckSequence(d, dpath));
    std::set<std::string> seen;
    for (std::size_t i = 0; i < d.size(); ++i) {
      OBS_ASSIGN_OR_RETURN(DestinationSpec dest, ReadDestination(r, d[i], IndexPath(dpath, i)));
      if (!seen.insert(dest.name).second) {
        return r.Error(d[i], IndexPath(dpath, i), "duplicate destination \"" + dest.name + "\"");
      }
      e.destinations.push_back(std::move(dest));
    }
  }
  // Destinations a variant exports to without declaring them are embedded receivers.
  for (const VariantSpec& v : e.variants) {
    for (const std::string& name : v.exports) {
      bool declared = false;
      for (const DestinationSpec& d : e.destinations) {
        declared = declared || d.name == name;
      }
      if (!declared) {
        DestinationSpec implicit;
        implicit.name = name;
        e.destinations.push_back(std::move(implicit));
      }
    }
  }
  e.baseline = e.variants.front().name;
  if (Has(node, "baseline")) {
    OBS_ASSIGN_OR_RETURN(e.baseline, r.String(node["baseline"], JoinPath(path, "baseline")));
    if (names.count(e.baseline) == 0) {
      return r.Error(node["baseline"], JoinPath(path, "baseline"),
                     "unknown variant \"" + e.baseline + "\"");
    }
  }
  struct DurationKey {
    const char* key;
    double* out;
    Bounds bounds;
  };
  for (const DurationKey& k :
       {DurationKey{"ready_timeout", &e.ready_timeout_seconds, {.min = 0.01, .max = 3600}},
        DurationKey{"stop_timeout", &e.stop_timeout_seconds, {.min = 0.01, .max = 3600}},
        DurationKey{"warmup", &e.warmup_seconds, {.min = 0, .max = 3600}},
        DurationKey{"sample_interval", &e.sample_interval_seconds, {.min = 0.01, .max = 60}},
        DurationKey{"settle", &e.settle_seconds, {.min = 0, .max = 600}},
        DurationKey{"settle_timeout", &e.settle_timeout_seconds, {.min = 0, .max = 3600}}}) {
    if (Has(node, k.key)) {
      OBS_ASSIGN_OR_RETURN(*k.out, r.Duration(node[k.key], JoinPath(path, k.key), k.bounds));
    }
  }
  // Every ${...} must be one the runner defines.
  std::map<std::string, std::string> vars = {
      {"PORT", "1"}, {"APP_URL", "x"}, {"OTLP_ENDPOINTS", "x"}, {"OBSBENCH", "x"}};
  for (const DestinationSpec& d : e.destinations) {
    vars[EndpointVariable(d.name)] = "x";
  }
  for (std::size_t i = 0; i < e.variants.size(); ++i) {
    const VariantSpec& v = e.variants[i];
    const std::string p = IndexPath(vpath, i);
    const YAML::Node vn = variants[i];
    for (std::size_t j = 0; j < v.command.size(); ++j) {
      OBS_RETURN_IF_ERROR(CheckVariables(r, vn["command"][j], IndexPath(JoinPath(p, "command"), j),
                                         vars, v.command[j]));
    }
    for (const auto& [name, value] : v.env) {
      OBS_RETURN_IF_ERROR(
          CheckVariables(r, vn["env"][name], JoinPath(JoinPath(p, "env"), name), vars, value));
    }
    for (const char* key : {"url", "ready_url"}) {
      if (Has(vn, key)) {
        OBS_RETURN_IF_ERROR(CheckVariables(r, vn[key], JoinPath(p, key), vars, vn[key].Scalar()));
      }
    }
  }
  for (std::size_t i = 0; i < s.workloads.size(); ++i) {
    if (s.workloads[i].kind != "http") {
      return r.Error(root["workloads"][i], IndexPath("workloads", i),
                     "an experiment drives its application with http workloads only (this one is " +
                         s.workloads[i].kind + ")");
    }
  }
  if (s.workloads.empty()) {
    return r.Error(node, path, "an experiment needs at least one http workload");
  }
  s.experiment = std::move(e);
  return Status::Ok();
}

}  // namespace obs::scenarios::internal
