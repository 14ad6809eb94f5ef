// Reads the `assertions` list. The expression grammar belongs to
// obs::assertions; this file only finds the text, locates errors and checks
// that a named workload exists.

#include <string>
#include <vector>

#include "scenario_parse.h"

namespace obs::scenarios::internal {
namespace {

struct RawAssertion {
  std::string name;
  std::string expression;
  std::string workload;
  YAML::Node expression_node;
  YAML::Node workload_node;
};

Result<RawAssertion> ReadRaw(const YamlReader& r, const YAML::Node& node, const std::string& path) {
  RawAssertion raw;
  if (node.IsScalar()) {
    raw.expression = node.Scalar();
    raw.expression_node = node;
    return raw;
  }
  if (!node.IsMap()) {
    return r.Error(node, path, "expected an expression or a {name, expect, workload} map");
  }
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, {"name", "expect", "workload"}));
  if (!node["expect"].IsDefined()) {
    return r.Error(node, path, "missing required key \"expect\"");
  }
  raw.expression_node = node["expect"];
  OBS_ASSIGN_OR_RETURN(raw.expression, r.String(node["expect"], JoinPath(path, "expect")));
  if (node["name"].IsDefined()) {
    OBS_ASSIGN_OR_RETURN(raw.name, r.String(node["name"], JoinPath(path, "name")));
  }
  if (node["workload"].IsDefined()) {
    raw.workload_node = node["workload"];
    OBS_ASSIGN_OR_RETURN(raw.workload, r.String(node["workload"], JoinPath(path, "workload")));
  }
  return raw;
}

Result<assertions::AssertionSpec> ReadOne(const YamlReader& r, const YAML::Node& node,
                                          const std::string& path,
                                          const std::vector<std::string>& workloads) {
  OBS_ASSIGN_OR_RETURN(RawAssertion raw, ReadRaw(r, node, path));
  Result<assertions::AssertionSpec> parsed = assertions::ParseAssertion(raw.expression);
  if (!parsed.ok()) {
    return r.Error(raw.expression_node, path, parsed.status().message());
  }
  assertions::AssertionSpec spec = std::move(parsed).value();
  spec.expression = raw.expression;
  spec.name = raw.name.empty() ? raw.expression : raw.name;
  spec.location = r.Location(raw.expression_node);
  if (!raw.workload.empty()) {
    bool known = false;
    std::string names;
    for (const std::string& w : workloads) {
      known = known || w == raw.workload;
      names += (names.empty() ? "" : ", ") + w;
    }
    if (!known) {
      return r.Error(raw.workload_node, JoinPath(path, "workload"),
                     "unknown workload \"" + raw.workload + "\" (known: " + names + ")");
    }
    spec.workload = raw.workload;
  }
  return spec;
}

}  // namespace

Result<std::vector<assertions::AssertionSpec>> ReadAssertions(
    const YamlReader& reader, const YAML::Node& node, const std::vector<std::string>& workloads) {
  OBS_RETURN_IF_ERROR(reader.CheckSequence(node, "assertions"));
  std::vector<assertions::AssertionSpec> specs;
  for (std::size_t i = 0; i < node.size(); ++i) {
    OBS_ASSIGN_OR_RETURN(assertions::AssertionSpec spec,
                         ReadOne(reader, node[i], IndexPath("assertions", i), workloads));
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace obs::scenarios::internal
