// `kind: otlp_traces` workloads and trace model documents
// (docs/traces-and-logs.md).

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario_parse.h"

namespace obs::scenarios::internal {
namespace {

namespace otlp = wire::otlp;

const std::vector<std::string_view> kTracesKeys = {
    "name",     "kind",        "model",       "rate",  "stages",          "batch",
    "encoding", "compression", "concurrency", "retry", "request_timeout", "headers"};
const std::vector<std::string_view> kModelKeys = {"name", "services", "root",
                                                  "max_spans_per_trace"};
const std::vector<std::string_view> kServiceKeys = {"name", "instances", "resource"};
const std::vector<std::string_view> kSpanKeys = {
    "name",   "service",     "kind",  "latency",  "error_probability", "error",   "attributes",
    "events", "probability", "count", "parallel", "link_to_parent",    "children"};

constexpr std::size_t kMaxModelBytes = 4U << 20;

// A YAML scalar as an attribute value: quoted text stays a string; plain
// true/false are booleans, integers are ints, other numbers doubles.
otlp::AnyValue ScalarValue(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") {
    return otlp::AnyValue::String(text);
  }
  if (text == "true" || text == "false") {
    return otlp::AnyValue::Bool(text == "true");
  }
  std::int64_t i = 0;
  auto ri = std::from_chars(text.data(), text.data() + text.size(), i);
  if (!text.empty() && ri.ec == std::errc() && ri.ptr == text.data() + text.size()) {
    return otlp::AnyValue::Int(i);
  }
  double d = 0;
  auto rd = std::from_chars(text.data(), text.data() + text.size(), d);
  if (!text.empty() && rd.ec == std::errc() && rd.ptr == text.data() + text.size()) {
    return otlp::AnyValue::Double(d);
  }
  return otlp::AnyValue::String(text);
}

// key: value | [choices...]
Result<std::vector<loadgen::AttributeSpec>> ReadAttributes(const YamlReader& r,
                                                           const YAML::Node& node,
                                                           const std::string& path) {
  if (!node.IsMap()) {
    return r.Error(node, path, "must be a map of attribute names to values");
  }
  std::vector<loadgen::AttributeSpec> out;
  for (auto it = node.begin(); it != node.end(); ++it) {
    loadgen::AttributeSpec a;
    a.key = it->first.Scalar();
    const std::string apath = JoinPath(path, a.key);
    const YAML::Node v = it->second;
    if (v.IsScalar()) {
      a.choices.push_back(ScalarValue(v));
    } else if (v.IsSequence() && v.size() > 0) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].IsScalar()) {
          return r.Error(v[i], IndexPath(apath, i), "choices must be scalars");
        }
        a.choices.push_back(ScalarValue(v[i]));
      }
    } else {
      return r.Error(v, apath, "must be a scalar or a non-empty list of choices");
    }
    out.push_back(std::move(a));
  }
  return out;
}

Status ReadSpan(const YamlReader& r, const YAML::Node& node, const std::string& path, int depth,
                const std::vector<loadgen::ServiceSpec>& services, loadgen::SpanTemplate& t) {
  if (depth > 64) {
    return r.Error(node, path, "calls nested deeper than 64");
  }
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kSpanKeys));
  if (!Has(node, "name")) {
    return r.Error(node, path, "missing required key \"name\"");
  }
  OBS_ASSIGN_OR_RETURN(t.name, r.String(node["name"], JoinPath(path, "name")));
  if (Has(node, "service")) {
    OBS_ASSIGN_OR_RETURN(t.service, r.String(node["service"], JoinPath(path, "service")));
    if (std::none_of(services.begin(), services.end(),
                     [&](const loadgen::ServiceSpec& s) { return s.name == t.service; })) {
      return r.Error(node["service"], JoinPath(path, "service"),
                     "unknown service \"" + t.service + "\" (not in services)");
    }
  }
  if (Has(node, "kind")) {
    OBS_ASSIGN_OR_RETURN(const std::string kind, r.String(node["kind"], JoinPath(path, "kind")));
    bool found = false;
    for (otlp::SpanKind k :
         {otlp::SpanKind::kInternal, otlp::SpanKind::kServer, otlp::SpanKind::kClient,
          otlp::SpanKind::kProducer, otlp::SpanKind::kConsumer}) {
      if (otlp::SpanKindName(k) == kind) {
        t.kind = k;
        found = true;
      }
    }
    if (!found) {
      return r.Error(node["kind"], JoinPath(path, "kind"),
                     "unknown span kind \"" + kind +
                         "\" (known: server, client, producer, consumer, internal)");
    }
  }
  if (Has(node, "latency")) {
    const YAML::Node l = node["latency"];
    const std::string lpath = JoinPath(path, "latency");
    OBS_RETURN_IF_ERROR(r.CheckMap(l, lpath, {"median", "p99"}));
    if (Has(l, "median")) {
      OBS_ASSIGN_OR_RETURN(t.latency.median_seconds,
                           r.Duration(l["median"], JoinPath(lpath, "median"), kPositive));
    }
    if (Has(l, "p99")) {
      OBS_ASSIGN_OR_RETURN(t.latency.p99_seconds,
                           r.Duration(l["p99"], JoinPath(lpath, "p99"), kPositive));
    } else {
      t.latency.p99_seconds = std::max(t.latency.p99_seconds, t.latency.median_seconds);
    }
    if (t.latency.p99_seconds < t.latency.median_seconds) {
      return r.Error(l, lpath, "p99 must be >= median");
    }
  }
  if (Has(node, "error_probability")) {
    OBS_ASSIGN_OR_RETURN(
        t.error_probability,
        r.Number(node["error_probability"], JoinPath(path, "error_probability"), kRatio));
  }
  if (Has(node, "error")) {
    const YAML::Node e = node["error"];
    const std::string epath = JoinPath(path, "error");
    OBS_RETURN_IF_ERROR(r.CheckMap(e, epath, {"type", "message", "attributes"}));
    if (Has(e, "type")) {
      OBS_ASSIGN_OR_RETURN(t.error_type, r.String(e["type"], JoinPath(epath, "type")));
    }
    if (Has(e, "message")) {
      OBS_ASSIGN_OR_RETURN(t.error_message, r.String(e["message"], JoinPath(epath, "message")));
    }
    if (Has(e, "attributes")) {
      OBS_ASSIGN_OR_RETURN(t.error_attributes,
                           ReadAttributes(r, e["attributes"], JoinPath(epath, "attributes")));
    }
  }
  if (Has(node, "attributes")) {
    OBS_ASSIGN_OR_RETURN(t.attributes,
                         ReadAttributes(r, node["attributes"], JoinPath(path, "attributes")));
  }
  if (Has(node, "events")) {
    const YAML::Node ev = node["events"];
    const std::string evpath = JoinPath(path, "events");
    OBS_RETURN_IF_ERROR(r.CheckSequence(ev, evpath));
    for (std::size_t i = 0; i < ev.size(); ++i) {
      const std::string ipath = IndexPath(evpath, i);
      OBS_RETURN_IF_ERROR(r.CheckMap(ev[i], ipath, {"name", "probability", "attributes"}));
      if (!Has(ev[i], "name")) {
        return r.Error(ev[i], ipath, "missing required key \"name\"");
      }
      loadgen::EventSpec e;
      OBS_ASSIGN_OR_RETURN(e.name, r.String(ev[i]["name"], JoinPath(ipath, "name")));
      if (Has(ev[i], "probability")) {
        OBS_ASSIGN_OR_RETURN(
            e.probability, r.Number(ev[i]["probability"], JoinPath(ipath, "probability"), kRatio));
      }
      if (Has(ev[i], "attributes")) {
        OBS_ASSIGN_OR_RETURN(e.attributes,
                             ReadAttributes(r, ev[i]["attributes"], JoinPath(ipath, "attributes")));
      }
      t.events.push_back(std::move(e));
    }
  }
  if (Has(node, "probability")) {
    OBS_ASSIGN_OR_RETURN(t.probability,
                         r.Number(node["probability"], JoinPath(path, "probability"), kRatio));
  }
  if (Has(node, "count")) {
    const YAML::Node c = node["count"];
    const std::string cpath = JoinPath(path, "count");
    const Bounds counts{.min = 0, .max = 100000};
    if (c.IsMap()) {
      OBS_RETURN_IF_ERROR(r.CheckMap(c, cpath, {"min", "max"}));
      if (!Has(c, "min") || !Has(c, "max")) {
        return r.Error(c, cpath, "a count range needs \"min\" and \"max\"");
      }
      OBS_ASSIGN_OR_RETURN(t.count_min, r.Int(c["min"], JoinPath(cpath, "min"), counts));
      OBS_ASSIGN_OR_RETURN(t.count_max, r.Int(c["max"], JoinPath(cpath, "max"), counts));
      if (t.count_max < t.count_min) {
        return r.Error(c, cpath, "max must be >= min");
      }
    } else {
      OBS_ASSIGN_OR_RETURN(t.count_min, r.Int(c, cpath, counts));
      t.count_max = t.count_min;
    }
  }
  if (Has(node, "parallel")) {
    OBS_ASSIGN_OR_RETURN(t.parallel, r.Bool(node["parallel"], JoinPath(path, "parallel")));
  }
  if (Has(node, "link_to_parent")) {
    OBS_ASSIGN_OR_RETURN(t.link_to_parent,
                         r.Bool(node["link_to_parent"], JoinPath(path, "link_to_parent")));
  }
  if (Has(node, "children")) {
    const YAML::Node ch = node["children"];
    const std::string chpath = JoinPath(path, "children");
    OBS_RETURN_IF_ERROR(r.CheckSequence(ch, chpath));
    for (std::size_t i = 0; i < ch.size(); ++i) {
      OBS_RETURN_IF_ERROR(
          ReadSpan(r, ch[i], IndexPath(chpath, i), depth + 1, services, t.children.emplace_back()));
    }
  }
  return Status::Ok();
}

}  // namespace

Status ReadOtlpEncoding(const YamlReader& r, const YAML::Node& node, const std::string& path,
                        otlp::Encoding& encoding, bool& gzip) {
  if (Has(node, "encoding")) {
    OBS_ASSIGN_OR_RETURN(const std::string e,
                         r.String(node["encoding"], JoinPath(path, "encoding")));
    if (e != "protobuf" && e != "json") {
      return r.Error(node["encoding"], JoinPath(path, "encoding"),
                     "unknown encoding \"" + e + "\" (known: protobuf, json)");
    }
    encoding = e == "json" ? otlp::Encoding::kJson : otlp::Encoding::kProtobuf;
  }
  if (Has(node, "compression")) {
    OBS_ASSIGN_OR_RETURN(const std::string c,
                         r.String(node["compression"], JoinPath(path, "compression")));
    if (c != "gzip" && c != "none") {
      return r.Error(node["compression"], JoinPath(path, "compression"),
                     "unknown compression \"" + c + "\" (known: gzip, none)");
    }
    gzip = c == "gzip";
  }
  return Status::Ok();
}

Result<loadgen::TraceModel> ReadTraceModel(const YamlReader& r, const YAML::Node& node,
                                           const std::string& path) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kModelKeys));
  for (const char* key : {"services", "root"}) {
    if (!Has(node, key)) {
      return r.Error(node, path, "missing required key \"" + std::string(key) + "\"");
    }
  }
  loadgen::TraceModel model;
  if (Has(node, "name")) {
    OBS_ASSIGN_OR_RETURN(model.name, r.String(node["name"], JoinPath(path, "name")));
  }
  if (Has(node, "max_spans_per_trace")) {
    OBS_ASSIGN_OR_RETURN(model.max_spans_per_trace,
                         r.Int(node["max_spans_per_trace"], JoinPath(path, "max_spans_per_trace"),
                               {.min = 1, .max = 1000000}));
  }
  const YAML::Node services = node["services"];
  const std::string spath = JoinPath(path, "services");
  OBS_RETURN_IF_ERROR(r.CheckSequence(services, spath));
  for (std::size_t i = 0; i < services.size(); ++i) {
    const std::string ipath = IndexPath(spath, i);
    OBS_RETURN_IF_ERROR(r.CheckMap(services[i], ipath, kServiceKeys));
    if (!Has(services[i], "name")) {
      return r.Error(services[i], ipath, "missing required key \"name\"");
    }
    loadgen::ServiceSpec s;
    OBS_ASSIGN_OR_RETURN(s.name, r.String(services[i]["name"], JoinPath(ipath, "name")));
    for (const loadgen::ServiceSpec& earlier : model.services) {
      if (earlier.name == s.name) {
        return r.Error(services[i]["name"], JoinPath(ipath, "name"),
                       "service \"" + s.name + "\" is listed twice");
      }
    }
    if (Has(services[i], "instances")) {
      OBS_ASSIGN_OR_RETURN(
          s.instances,
          r.Int(services[i]["instances"], JoinPath(ipath, "instances"), {.min = 1, .max = 10000}));
    }
    if (Has(services[i], "resource")) {
      OBS_ASSIGN_OR_RETURN(auto attrs,
                           ReadAttributes(r, services[i]["resource"], JoinPath(ipath, "resource")));
      for (auto& a : attrs) {
        s.resource.push_back({a.key, a.choices.front()});
      }
    }
    model.services.push_back(std::move(s));
  }
  OBS_RETURN_IF_ERROR(
      ReadSpan(r, node["root"], JoinPath(path, "root"), 0, model.services, model.root));
  if (model.root.service.empty()) {
    return r.Error(node["root"], JoinPath(path, "root"), "missing required key \"service\"");
  }
  if (Status s = loadgen::ValidateTraceModel(model); !s.ok()) {
    return r.Error(node, path, s.message());
  }
  return model;
}

Result<loadgen::TraceModel> LoadTraceModelFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgumentError(path + ": cannot read the trace model file");
  }
  std::string text(kMaxModelBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxModelBytes) {
    return InvalidArgumentError(path + ": trace model larger than 4 MiB");
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  const YamlReader reader(path);
  return ReadTraceModel(reader, root, "");
}

Result<WorkloadSpec> ReadTracesWorkload(const YamlReader& r, const YAML::Node& node,
                                        const std::string& path) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kTracesKeys));
  for (const char* key : {"name", "model"}) {
    if (!Has(node, key)) {
      return r.Error(node, path, "missing required key \"" + std::string(key) + "\"");
    }
  }
  WorkloadSpec w;
  w.kind = "otlp_traces";
  OBS_ASSIGN_OR_RETURN(w.name, r.String(node["name"], JoinPath(path, "name")));
  if (!IsValidName(w.name)) {
    return r.Error(node["name"], JoinPath(path, "name"),
                   "\"" + w.name + "\" must match [a-z0-9_-]+");
  }
  loadgen::OtlpTracesOptions& o = w.traces;
  o.name = w.name;
  const YAML::Node model = node["model"];
  const std::string mpath = JoinPath(path, "model");
  if (model.IsScalar()) {
    std::filesystem::path file(model.Scalar());
    if (file.is_relative()) {
      file = std::filesystem::path(r.file_name()).parent_path() / file;
    }
    auto loaded = LoadTraceModelFile(file.string());
    if (!loaded.ok()) {
      return r.Error(model, mpath, loaded.status().message());
    }
    o.model = std::move(*loaded);
  } else {
    OBS_ASSIGN_OR_RETURN(o.model, ReadTraceModel(r, model, mpath));
  }
  if (Has(node, "batch")) {
    const YAML::Node b = node["batch"];
    const std::string bpath = JoinPath(path, "batch");
    OBS_RETURN_IF_ERROR(r.CheckMap(b, bpath, {"traces", "timeout"}));
    if (Has(b, "traces")) {
      OBS_ASSIGN_OR_RETURN(
          o.batch_traces, r.Int(b["traces"], JoinPath(bpath, "traces"), {.min = 1, .max = 100000}));
    }
    if (Has(b, "timeout")) {
      OBS_ASSIGN_OR_RETURN(o.batch_timeout_seconds,
                           r.Duration(b["timeout"], JoinPath(bpath, "timeout"), kNonNegative));
    }
  }
  OBS_RETURN_IF_ERROR(ReadOtlpEncoding(r, node, path, o.encoding, o.gzip));
  OBS_RETURN_IF_ERROR(ReadSignalSending(r, node, path,
                                        {&o.traces_per_second, &o.stages, &o.concurrency, &o.retry,
                                         &o.request_timeout_seconds, &o.headers}));
  return w;
}

}  // namespace obs::scenarios::internal
