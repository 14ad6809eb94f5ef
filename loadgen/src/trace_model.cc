#include "obs/loadgen/trace_model.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace obs::loadgen {
namespace {

Status Check(const SpanTemplate& t, const std::string& path, const std::set<std::string>& services,
             int depth) {
  auto fail = [&](const std::string& what) {
    return InvalidArgumentError(path + ": " + what);
  };
  if (depth > 64) {
    return fail("calls nested deeper than 64");
  }
  if (t.name.empty()) {
    return fail("name must not be empty");
  }
  if (!t.service.empty() && services.count(t.service) == 0) {
    return fail("unknown service \"" + t.service + "\"");
  }
  if (!(t.latency.median_seconds > 0) || !std::isfinite(t.latency.median_seconds)) {
    return fail("latency.median must be > 0");
  }
  if (!(t.latency.p99_seconds >= t.latency.median_seconds) ||
      !std::isfinite(t.latency.p99_seconds)) {
    return fail("latency.p99 must be >= latency.median");
  }
  if (!(t.error_probability >= 0 && t.error_probability <= 1)) {
    return fail("error_probability must be in [0, 1]");
  }
  if (!(t.probability >= 0 && t.probability <= 1)) {
    return fail("probability must be in [0, 1]");
  }
  if (t.count_min < 0 || t.count_max < t.count_min) {
    return fail("count must be a non-negative range with min <= max");
  }
  for (const auto* list : {&t.attributes, &t.error_attributes}) {
    for (const AttributeSpec& a : *list) {
      if (a.key.empty() || a.choices.empty()) {
        return fail("attribute \"" + a.key + "\" needs a key and at least one value");
      }
    }
  }
  for (const EventSpec& e : t.events) {
    if (e.name.empty() || !(e.probability >= 0 && e.probability <= 1)) {
      return fail("events need a name and a probability in [0, 1]");
    }
  }
  for (std::size_t i = 0; i < t.children.size(); ++i) {
    OBS_RETURN_IF_ERROR(
        Check(t.children[i], path + ".children[" + std::to_string(i) + "]", services, depth + 1));
  }
  return Status::Ok();
}

double Mean(const SpanTemplate& t) {
  double children = 0;
  for (const SpanTemplate& c : t.children) {
    children += c.probability * (c.count_min + c.count_max) / 2.0 * Mean(c);
  }
  return 1 + children;
}

}  // namespace

Status ValidateTraceModel(const TraceModel& model) {
  if (model.services.empty()) {
    return InvalidArgumentError("services: at least one service is required");
  }
  std::set<std::string> names;
  for (const ServiceSpec& s : model.services) {
    if (s.name.empty() || !names.insert(s.name).second) {
      return InvalidArgumentError("services: names must be non-empty and unique (\"" + s.name +
                                  "\")");
    }
    if (s.instances < 1) {
      return InvalidArgumentError("services." + s.name + ".instances must be >= 1");
    }
  }
  if (model.root.service.empty()) {
    return InvalidArgumentError("root: service is required");
  }
  if (model.max_spans_per_trace < 1) {
    return InvalidArgumentError("max_spans_per_trace must be >= 1");
  }
  return Check(model.root, "root", names, 0);
}

double MeanSpansPerTrace(const TraceModel& model) {
  return std::min(Mean(model.root), static_cast<double>(model.max_spans_per_trace));
}

}  // namespace obs::loadgen
