#include "alert/rules_api.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "obs/base/civil_time.h"

#include "query/ast.h"
#include <nlohmann/json.hpp>

namespace obs::backend::alert {

namespace {

using nlohmann::json;

json LabelsJson(const Labels& labels) {
  json out = json::object();
  for (const LabelPair& l : labels) {
    out[l.name] = l.value;
  }
  return out;
}

json MapJson(const std::map<std::string, std::string>& m) {
  json out = json::object();
  for (const auto& [k, v] : m) {
    out[k] = v;
  }
  return out;
}

std::string Time(std::int64_t ms) {
  return ms == 0 ? "0001-01-01T00:00:00Z" : FormatRfc3339(ms, /*fixed_millis=*/false);
}

json AlertJson(const Alert& a) {
  return {{"labels", LabelsJson(a.labels)},
          {"annotations", MapJson(a.annotations)},
          {"state", std::string(AlertStateName(a.state))},
          {"activeAt", Time(a.active_at_ms)},
          {"value", FormatGoExponent(a.value)}};
}

std::string RuleStateName(const RuleState& r) {
  AlertState max = AlertState::kInactive;
  for (const Alert& a : r.alerts) {
    if (a.state == AlertState::kFiring) {
      max = AlertState::kFiring;
    } else if (a.state == AlertState::kPending && max != AlertState::kFiring) {
      max = AlertState::kPending;
    }
  }
  return std::string(AlertStateName(max));
}

json RuleJson(const RuleState& r) {
  const RuleSpec& spec = *r.spec;
  json j = {{"name", spec.name},
            {"query", query::ExprToString(*spec.expr)},
            {"labels", MapJson(spec.labels)},
            {"health", r.health},
            {"evaluationTime", r.evaluation_seconds},
            {"lastEvaluation", Time(r.last_evaluation_ms)}};
  if (!r.last_error.empty()) {
    j["lastError"] = r.last_error;
  }
  if (spec.kind == RuleSpec::Kind::kRecording) {
    j["type"] = "recording";
    return j;
  }
  json alerts = json::array();
  for (const Alert& a : r.alerts) {
    if (a.state != AlertState::kInactive) {
      alerts.push_back(AlertJson(a));
    }
  }
  j["state"] = RuleStateName(r);
  j["duration"] = static_cast<double>(spec.for_ms) / 1000;
  j["keepFiringFor"] = static_cast<double>(spec.keep_firing_for_ms) / 1000;
  j["annotations"] = MapJson(spec.annotations);
  j["alerts"] = alerts;
  j["type"] = "alerting";
  return j;
}

}  // namespace

std::string FormatGoExponent(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  return std::string(buf, end);
}

std::string RulesData(const std::vector<GroupSnapshot>& groups) {
  json out = json::array();
  for (const GroupSnapshot& g : groups) {
    json rules = json::array();
    double evaluation = 0;
    std::int64_t last = 0;
    for (const RuleState& r : g.rules) {
      rules.push_back(RuleJson(r));
      evaluation += r.evaluation_seconds;
      last = std::max(last, r.last_evaluation_ms);
    }
    out.push_back({{"name", g.spec->name},
                   {"file", g.spec->file},
                   {"rules", rules},
                   {"interval", static_cast<double>(g.spec->interval_ms) / 1000},
                   {"limit", g.spec->limit},
                   {"evaluationTime", evaluation},
                   {"lastEvaluation", Time(last)}});
  }
  return json{{"groups", out}}.dump();
}

std::string AlertsData(const std::vector<GroupSnapshot>& groups) {
  json alerts = json::array();
  for (const GroupSnapshot& g : groups) {
    for (const RuleState& r : g.rules) {
      for (const Alert& a : r.alerts) {
        if (a.state != AlertState::kInactive) {
          alerts.push_back(AlertJson(a));
        }
      }
    }
  }
  return json{{"alerts", alerts}}.dump();
}

}  // namespace obs::backend::alert
