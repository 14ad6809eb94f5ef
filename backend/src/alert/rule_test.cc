// RunRuleTests (obs/backend/rules.h): promtool's rule unit tests (Prometheus
// 2.42, docs/configuration/unit_testing_rules.md) on the reference backend's
// storage, rule groups and PromQL engine. Semantics follow promtool: input
// sample i of a series is at i * interval; every group of every rule file
// is evaluated at 0, evaluation_interval, ... up to the largest eval_time;
// an alert_rule_test compares the *firing* alerts of its alertname right
// after the evaluation at its eval_time (exp_labels without alertname);
// promql_expr_test queries run after all evaluations.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "obs/backend/rules.h"
#include "obs/wire/remote_write.h"

#include "alert/rule_file.h"
#include "alert/rule_group.h"
#include "alert/series_notation.h"
#include "query/engine.h"
#include "query/literals.h"
#include "store/labels.h"
#include "store/storage.h"
#include <nlohmann/json.hpp>

namespace obs::backend {
namespace {

using StrMap = std::map<std::string, std::string>;

struct TestFailure {
  std::string message;
};

std::int64_t DurationOf(const YAML::Node& node, const std::string& what, std::int64_t dflt) {
  if (!node.IsDefined()) {
    return dflt;
  }
  auto d = query::ParseDuration(node.as<std::string>());
  if (!d.ok()) {
    throw TestFailure{what + ": " + d.status().message()};
  }
  return *d;
}

StrMap MapOf(const YAML::Node& node) {
  StrMap out;
  if (node.IsDefined() && !node.IsNull()) {
    for (const auto& kv : node) {
      out[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  }
  return out;
}

std::string Text(const StrMap& labels) {
  std::string out = "{";
  for (const auto& [k, v] : labels) {
    out += (out.size() > 1 ? ", " : "") + k + "=\"" + v + "\"";
  }
  return out + "}";
}

std::string AlertsText(const std::vector<std::pair<StrMap, StrMap>>& alerts) {
  std::string out = "[";
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    out += (i > 0 ? " " : "") + std::string("{Labels:") + Text(alerts[i].first) +
           " Annotations:" + Text(alerts[i].second) + "}";
  }
  return out + "]";
}

StrMap ToMap(const Labels& labels) {
  StrMap out;
  for (const LabelPair& l : labels) {
    out[l.name] = l.value;
  }
  return out;
}

void LoadSeries(const YAML::Node& input, std::int64_t interval_ms, Storage& storage) {
  for (std::size_t i = 0; i < input.size(); ++i) {
    const std::string series = input[i]["series"].as<std::string>();
    auto labels = alert::ParseSeriesLabels(series);
    if (!labels.ok()) {
      throw TestFailure{"input_series[" + std::to_string(i) + "]: " + labels.status().message()};
    }
    auto values = alert::ParseSeriesValues(input[i]["values"].as<std::string>(""));
    if (!values.ok()) {
      throw TestFailure{"input_series[" + std::to_string(i) + "]: " + values.status().message()};
    }
    wire::WriteRequestView req;
    wire::TimeSeriesView ts;
    for (const LabelPair& l : *labels) {
      ts.labels.push_back({l.name, l.value});
    }
    for (std::size_t k = 0; k < values->size(); ++k) {
      const alert::SeriesValue& v = (*values)[k];
      const std::int64_t t = static_cast<std::int64_t>(k) * interval_ms;
      if (v.kind == alert::SeriesValue::Kind::kValue) {
        ts.samples.push_back({v.value, t});
      } else if (v.kind == alert::SeriesValue::Kind::kStale) {
        ts.samples.push_back({wire::StaleNaN(), t});
      }
    }
    req.timeseries.push_back(std::move(ts));
    if (Status s = storage.Append(req).status(); !s.ok()) {
      throw TestFailure{"input_series[" + std::to_string(i) + "]: " + s.message()};
    }
  }
}

// Samples of an instant query's data JSON: (labels, value), sorted.
std::vector<std::pair<StrMap, double>> QuerySamples(const std::string& data_json) {
  const nlohmann::json d = nlohmann::json::parse(data_json);
  std::vector<std::pair<StrMap, double>> out;
  const auto value_of = [](const nlohmann::json& v) {
    return std::stod(v[1].get<std::string>());
  };
  if (d["resultType"] == "scalar") {
    out.push_back({{}, value_of(d["result"])});
  } else if (d["resultType"] == "vector") {
    for (const auto& s : d["result"]) {
      out.push_back({s["metric"].get<StrMap>(), value_of(s["value"])});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// promtool 2.42 compares sample values exactly (NaN equal to NaN).
bool SameValue(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

// Runs one test group; returns its failure messages.
std::vector<std::string> RunGroup(const YAML::Node& tg, const std::vector<std::string>& rule_files,
                                  std::int64_t eval_interval_ms) {
  std::vector<std::string> errors;
  const std::int64_t interval_ms = DurationOf(tg["interval"], "interval", eval_interval_ms);
  Storage storage;
  if (tg["input_series"].IsDefined()) {
    LoadSeries(tg["input_series"], interval_ms, storage);
  }
  alert::GroupOptions go;
  go.external_labels = MapOf(tg["external_labels"]);
  go.external_url = tg["external_url"].as<std::string>("");
  std::vector<std::unique_ptr<alert::RuleGroup>> groups;
  for (const std::string& f : rule_files) {
    auto specs = alert::LoadRuleFile(f, eval_interval_ms);
    if (!specs.ok()) {
      throw TestFailure{specs.status().message()};
    }
    for (alert::GroupSpec& g : *specs) {
      groups.push_back(std::make_unique<alert::RuleGroup>(std::move(g), storage, go));
    }
  }
  struct AlertTest {
    std::int64_t eval_ms;
    std::string name;
    std::vector<std::pair<StrMap, StrMap>> expected;
  };
  std::vector<AlertTest> alert_tests;
  std::int64_t maxt = 0;
  for (const auto& at : tg["alert_rule_test"]) {
    AlertTest t{
        DurationOf(at["eval_time"], "eval_time", 0), at["alertname"].as<std::string>(""), {}};
    for (const auto& e : at["exp_alerts"]) {
      StrMap labels = MapOf(e["exp_labels"]);
      labels["alertname"] = t.name;
      t.expected.push_back({labels, MapOf(e["exp_annotations"])});
    }
    std::sort(t.expected.begin(), t.expected.end());
    maxt = std::max(maxt, t.eval_ms);
    alert_tests.push_back(std::move(t));
  }
  for (const auto& pt : tg["promql_expr_test"]) {
    maxt = std::max(maxt, DurationOf(pt["eval_time"], "eval_time", 0));
  }
  for (std::int64_t ts = 0; ts <= maxt; ts += eval_interval_ms) {
    for (auto& g : groups) {
      g->Evaluate(ts);
    }
    for (const AlertTest& t : alert_tests) {
      if (t.eval_ms != ts) {
        continue;
      }
      std::vector<std::pair<StrMap, StrMap>> got;
      for (const auto& g : groups) {
        for (const alert::RuleState& r : g->State()) {
          if (r.spec->kind != alert::RuleSpec::Kind::kAlerting || r.spec->name != t.name) {
            continue;
          }
          for (const alert::Alert& a : r.alerts) {
            if (a.state == alert::AlertState::kFiring) {
              got.push_back({ToMap(a.labels), a.annotations});
            }
          }
        }
      }
      std::sort(got.begin(), got.end());
      if (got != t.expected) {
        errors.push_back(
            "    alertname: " + t.name + ", time: " + query::FormatModelDuration(t.eval_ms) +
            ", \n        exp:" + AlertsText(t.expected) + ", \n        got:" + AlertsText(got));
      }
    }
  }
  const Engine engine(storage, EngineOptions{});
  for (const auto& pt : tg["promql_expr_test"]) {
    const std::string expr = pt["expr"].as<std::string>("");
    const std::int64_t at = DurationOf(pt["eval_time"], "eval_time", 0);
    auto r = engine.InstantQuery(expr, at, 0);
    if (const auto* e = std::get_if<QueryError>(&r)) {
      errors.push_back("    expr: \"" + expr + "\", time: " + query::FormatModelDuration(at) +
                       ", err: " + e->message);
      continue;
    }
    std::vector<std::pair<StrMap, double>> want;
    for (const auto& s : pt["exp_samples"]) {
      StrMap labels;
      const std::string text = s["labels"].as<std::string>("");
      if (!text.empty()) {
        auto parsed = alert::ParseSeriesLabels(text);
        if (!parsed.ok()) {
          throw TestFailure{"exp_samples labels \"" + text + "\": " + parsed.status().message()};
        }
        labels = ToMap(*parsed);
      }
      want.push_back({labels, s["value"].as<double>()});
    }
    std::sort(want.begin(), want.end());
    const auto got = QuerySamples(std::get<std::string>(r));
    bool same = got.size() == want.size();
    for (std::size_t i = 0; same && i < got.size(); ++i) {
      same = got[i].first == want[i].first && SameValue(got[i].second, want[i].second);
    }
    if (!same) {
      std::string exp_text;
      std::string got_text;
      for (const auto& [l, v] : want) {
        exp_text += Text(l) + " " + std::to_string(v) + "; ";
      }
      for (const auto& [l, v] : got) {
        got_text += Text(l) + " " + std::to_string(v) + "; ";
      }
      errors.push_back("    expr: \"" + expr + "\", time: " + query::FormatModelDuration(at) +
                       ",\n        exp: " + exp_text + "\n        got: " + got_text);
    }
  }
  return errors;
}

}  // namespace

Result<bool> RunRuleTests(const std::string& path, std::ostream& out) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ": " + e.what());
  }
  out << "Unit Testing:  " << path << "\n";
  try {
    const std::int64_t eval_ms =
        DurationOf(root["evaluation_interval"], "evaluation_interval", 60000);
    if (eval_ms <= 0) {
      throw TestFailure{"evaluation_interval: must be > 0"};
    }
    std::vector<std::string> files;
    for (const auto& f : root["rule_files"]) {
      std::filesystem::path p(f.as<std::string>());
      if (p.is_relative()) {
        p = std::filesystem::path(path).parent_path() / p;
      }
      files.push_back(p.lexically_normal().string());
    }
    std::vector<std::string> errors;
    for (std::size_t i = 0; i < root["tests"].size(); ++i) {
      const YAML::Node tg = root["tests"][i];
      for (std::string& e : RunGroup(tg, files, eval_ms)) {
        const std::string name = tg["name"].as<std::string>("");
        errors.push_back((name.empty() ? "" : "    name: " + name + ",\n") + e);
      }
    }
    if (errors.empty()) {
      out << "  SUCCESS\n\n";
      return true;
    }
    out << "  FAILED:\n";
    for (const std::string& e : errors) {
      out << e << "\n";
    }
    out << "\n";
    return false;
  } catch (const TestFailure& f) {
    return InvalidArgumentError(path + ": " + f.message);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(path + ": " + e.what());
  } catch (const std::exception& e) {
    return InvalidArgumentError(path + ": " + e.what());
  }
}

}  // namespace obs::backend
