// `kind: http` workloads: open-loop HTTP load on an application
// (docs/workloads.md, "HTTP load on an application").

#include <strings.h>

#include "scenario_parse.h"

namespace obs::scenarios::internal {
namespace {

const std::vector<std::string_view> kHttpKeys = {
    "name",        "kind",    "url",     "requests",        "rate",           "stages",
    "concurrency", "headers", "timeout", "request_timeout", "late_threshold", "retry"};
const std::vector<std::string_view> kRequestKeys = {"method", "path", "headers", "body", "weight"};

Result<loadgen::HttpRequestSpec> ReadRequest(const YamlReader& r, const YAML::Node& node,
                                             const std::string& path) {
  loadgen::HttpRequestSpec spec;
  if (node.IsScalar()) {
    // Shorthand: "GET /api/orders/7" or just "/api/orders/7".
    const std::string text = node.Scalar();
    const std::size_t space = text.find(' ');
    if (space == std::string::npos) {
      spec.path = text;
    } else {
      spec.method = text.substr(0, space);
      spec.path = text.substr(text.find_first_not_of(' ', space));
    }
    return spec;
  }
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kRequestKeys));
  if (!Has(node, "path")) {
    return r.Error(node, path, "missing required key \"path\"");
  }
  OBS_ASSIGN_OR_RETURN(spec.path, r.String(node["path"], JoinPath(path, "path")));
  if (Has(node, "method")) {
    OBS_ASSIGN_OR_RETURN(spec.method, r.String(node["method"], JoinPath(path, "method")));
  }
  if (Has(node, "headers")) {
    OBS_ASSIGN_OR_RETURN(auto headers, r.StringMap(node["headers"], JoinPath(path, "headers")));
    spec.headers.assign(headers.begin(), headers.end());
  }
  if (Has(node, "body")) {
    OBS_ASSIGN_OR_RETURN(spec.body, r.String(node["body"], JoinPath(path, "body")));
  }
  if (Has(node, "weight")) {
    OBS_ASSIGN_OR_RETURN(spec.weight,
                         r.Number(node["weight"], JoinPath(path, "weight"), kPositive));
  }
  return spec;
}

}  // namespace

Result<WorkloadSpec> ReadHttpWorkload(const YamlReader& r, const YAML::Node& node,
                                      const std::string& path) {
  OBS_RETURN_IF_ERROR(r.CheckMap(node, path, kHttpKeys));
  for (const char* key : {"name", "requests"}) {
    if (!Has(node, key)) {
      return r.Error(node, path, "missing required key \"" + std::string(key) + "\"");
    }
  }
  WorkloadSpec w;
  w.kind = "http";
  OBS_ASSIGN_OR_RETURN(w.name, r.String(node["name"], JoinPath(path, "name")));
  if (!IsValidName(w.name)) {
    return r.Error(node["name"], JoinPath(path, "name"),
                   "\"" + w.name + "\" must match [a-z0-9_-]+");
  }
  loadgen::HttpLoadOptions& o = w.http;
  o.name = w.name;
  if (Has(node, "url")) {
    OBS_ASSIGN_OR_RETURN(o.base_url, r.String(node["url"], JoinPath(path, "url")));
  }
  const YAML::Node requests = node["requests"];
  const std::string rpath = JoinPath(path, "requests");
  OBS_RETURN_IF_ERROR(r.CheckSequence(requests, rpath));
  if (requests.size() == 0) {
    return r.Error(requests, rpath, "must list at least one request");
  }
  for (std::size_t i = 0; i < requests.size(); ++i) {
    OBS_ASSIGN_OR_RETURN(loadgen::HttpRequestSpec spec,
                         ReadRequest(r, requests[i], IndexPath(rpath, i)));
    o.requests.push_back(std::move(spec));
  }
  std::map<std::string, std::string> common_headers;
  loadgen::RetryOptions unused_retry;
  if (Has(node, "retry")) {
    return r.Error(node["retry"], JoinPath(path, "retry"),
                   "http workloads never retry (every answer counts)");
  }
  OBS_RETURN_IF_ERROR(
      ReadSignalSending(r, node, path,
                        {&o.requests_per_second, &o.stages, &o.concurrency, &unused_retry,
                         &o.request_timeout_seconds, &common_headers}));
  if (Has(node, "timeout")) {
    if (Has(node, "request_timeout")) {
      return r.Error(node["timeout"], JoinPath(path, "timeout"),
                     "give timeout or request_timeout, not both");
    }
    OBS_ASSIGN_OR_RETURN(o.request_timeout_seconds,
                         r.Duration(node["timeout"], JoinPath(path, "timeout"), kPositive));
  }
  if (Has(node, "late_threshold")) {
    OBS_ASSIGN_OR_RETURN(
        o.late_threshold_seconds,
        r.Duration(node["late_threshold"], JoinPath(path, "late_threshold"), kPositive));
  }
  // Workload-wide headers go first; a request's own header of the same name wins.
  for (loadgen::HttpRequestSpec& spec : o.requests) {
    std::vector<std::pair<std::string, std::string>> merged;
    for (const auto& [name, value] : common_headers) {
      bool overridden = false;
      for (const auto& own : spec.headers) {
        overridden = overridden || strcasecmp(own.first.c_str(), name.c_str()) == 0;
      }
      if (!overridden) {
        merged.emplace_back(name, value);
      }
    }
    merged.insert(merged.end(), spec.headers.begin(), spec.headers.end());
    spec.headers = std::move(merged);
  }
  return w;
}

}  // namespace obs::scenarios::internal
