// `kind: loki_push` workloads and their log models
// (docs/traces-and-logs.md).

#include <filesystem>
#include <fstream>

#include "scenario_parse.h"

namespace obs::scenarios::internal {
namespace {

const std::vector<std::string_view> kLogsKeys = {
    "name",     "kind",        "model",       "rate",  "stages",          "batch",
    "encoding", "compression", "concurrency", "retry", "request_timeout", "headers"};
const std::vector<std::string_view> kLogModelKeys = {
    "name",      "labels", "formats", "levels", "stack_trace_probability", "trace_correlation",
    "line_bytes"};

Result<loadgen::LogModel> ReadLogModel(const YamlReader& r, const YAML::Node& node,
                                       const std::string& path) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kLogModelKeys));
  loadgen::LogModel m;
  if (Has(node, "name")) {
    OBS_ASSIGN_OR_RETURN(m.name, r.String(node["name"], JoinPath(path, "name")));
  }
  if (Has(node, "labels")) {
    const YAML::Node labels = node["labels"];
    const std::string lpath = JoinPath(path, "labels");
    if (!labels.IsMap() || labels.size() == 0) {
      return r.Error(labels, lpath, "must be a non-empty map of label names to values");
    }
    m.labels.clear();
    for (auto it = labels.begin(); it != labels.end(); ++it) {
      const std::string name = it->first.Scalar();
      const std::string vpath = JoinPath(lpath, name);
      std::vector<std::string> values;
      if (it->second.IsScalar()) {
        values.push_back(it->second.Scalar());
      } else if (it->second.IsSequence() && it->second.size() > 0) {
        for (std::size_t i = 0; i < it->second.size(); ++i) {
          OBS_ASSIGN_OR_RETURN(std::string v, r.String(it->second[i], IndexPath(vpath, i)));
          values.push_back(std::move(v));
        }
      } else {
        return r.Error(it->second, vpath, "must be a value or a non-empty list of values");
      }
      m.labels.emplace_back(name, std::move(values));
    }
  }
  if (Has(node, "formats")) {
    const YAML::Node f = node["formats"];
    const std::string fpath = JoinPath(path, "formats");
    OBS_RETURN_IF_ERROR(r.CheckSequence(f, fpath));
    m.formats.clear();
    for (std::size_t i = 0; i < f.size(); ++i) {
      OBS_ASSIGN_OR_RETURN(const std::string name, r.String(f[i], IndexPath(fpath, i)));
      if (name == "json") {
        m.formats.push_back(loadgen::LogFormat::kJson);
      } else if (name == "logfmt") {
        m.formats.push_back(loadgen::LogFormat::kLogfmt);
      } else if (name == "access") {
        m.formats.push_back(loadgen::LogFormat::kAccess);
      } else {
        return r.Error(f[i], IndexPath(fpath, i),
                       "unknown log format \"" + name + "\" (known: json, logfmt, access)");
      }
    }
  }
  if (Has(node, "levels")) {
    const YAML::Node l = node["levels"];
    const std::string lpath = JoinPath(path, "levels");
    OBS_RETURN_IF_ERROR(r.CheckMap(l, lpath, {"debug", "info", "warn", "error"}));
    for (auto [key, out] : {std::pair{"debug", &m.debug}, std::pair{"info", &m.info},
                            std::pair{"warn", &m.warn}, std::pair{"error", &m.error}}) {
      if (Has(l, key)) {
        OBS_ASSIGN_OR_RETURN(*out, r.Number(l[key], JoinPath(lpath, key), kNonNegative));
      }
    }
  }
  for (auto [key, out] : {std::pair{"stack_trace_probability", &m.stack_trace_probability},
                          std::pair{"trace_correlation", &m.trace_correlation}}) {
    if (Has(node, key)) {
      OBS_ASSIGN_OR_RETURN(*out, r.Number(node[key], JoinPath(path, key), kRatio));
    }
  }
  if (Has(node, "line_bytes")) {
    OBS_ASSIGN_OR_RETURN(m.line_bytes, r.Int(node["line_bytes"], JoinPath(path, "line_bytes"),
                                             {.min = 0, .max = 1 << 20}));
  }
  if (Status s = loadgen::ValidateLogModel(m); !s.ok()) {
    return r.Error(node, path, s.message());
  }
  return m;
}

Result<loadgen::LogModel> LoadLogModelFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgumentError(path + ": cannot read the log model file");
  }
  constexpr std::size_t kMax = 1U << 20;
  std::string text(kMax + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMax) {
    return InvalidArgumentError(path + ": log model larger than 1 MiB");
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  const YamlReader reader(path);
  return ReadLogModel(reader, root, "");
}

}  // namespace

Result<WorkloadSpec> ReadLogsWorkload(const YamlReader& r, const YAML::Node& node,
                                      const std::string& path) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kLogsKeys));
  if (!Has(node, "name")) {
    return r.Error(node, path, "missing required key \"name\"");
  }
  WorkloadSpec w;
  w.kind = "loki_push";
  OBS_ASSIGN_OR_RETURN(w.name, r.String(node["name"], JoinPath(path, "name")));
  if (!IsValidName(w.name)) {
    return r.Error(node["name"], JoinPath(path, "name"),
                   "\"" + w.name + "\" must match [a-z0-9_-]+");
  }
  loadgen::LokiPushOptions& o = w.logs;
  o.name = w.name;
  if (Has(node, "model")) {
    const YAML::Node model = node["model"];
    const std::string mpath = JoinPath(path, "model");
    if (model.IsScalar()) {
      std::filesystem::path file(model.Scalar());
      if (file.is_relative()) {
        file = std::filesystem::path(r.file_name()).parent_path() / file;
      }
      auto loaded = LoadLogModelFile(file.string());
      if (!loaded.ok()) {
        return r.Error(model, mpath, loaded.status().message());
      }
      o.model = std::move(*loaded);
    } else {
      OBS_ASSIGN_OR_RETURN(o.model, ReadLogModel(r, model, mpath));
    }
  }
  if (Has(node, "batch")) {
    const YAML::Node b = node["batch"];
    const std::string bpath = JoinPath(path, "batch");
    OBS_RETURN_IF_ERROR(r.CheckMap(b, bpath, {"lines", "timeout"}));
    if (Has(b, "lines")) {
      OBS_ASSIGN_OR_RETURN(o.batch_lines,
                           r.Int(b["lines"], JoinPath(bpath, "lines"), {.min = 1, .max = 1000000}));
    }
    if (Has(b, "timeout")) {
      OBS_ASSIGN_OR_RETURN(o.batch_timeout_seconds,
                           r.Duration(b["timeout"], JoinPath(bpath, "timeout"), kNonNegative));
    }
  }
  wire::otlp::Encoding encoding = wire::otlp::Encoding::kProtobuf;
  OBS_RETURN_IF_ERROR(ReadOtlpEncoding(r, node, path, encoding, o.gzip));
  o.json = encoding == wire::otlp::Encoding::kJson;
  if (o.gzip && !o.json) {
    return r.Error(node["compression"], JoinPath(path, "compression"),
                   "gzip applies to encoding json (protobuf pushes are always snappy)");
  }
  OBS_RETURN_IF_ERROR(ReadSignalSending(r, node, path,
                                        {&o.lines_per_second, &o.stages, &o.concurrency, &o.retry,
                                         &o.request_timeout_seconds, &o.headers}));
  return w;
}

}  // namespace obs::scenarios::internal
