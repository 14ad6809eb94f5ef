// LoadAlertRules and ScaleRuleFile (obs/backend/rules.h).

#include <cmath>
#include <type_traits>
#include <variant>

#include <yaml-cpp/yaml.h>

#include "obs/backend/rules.h"

#include "alert/rule_file.h"
#include "query/ast.h"
#include "query/literals.h"
#include "query/parser.h"

namespace obs::backend {
namespace {

std::int64_t Scaled(std::int64_t ms, double scale) {
  if (ms == 0) {
    return 0;
  }
  const auto v = static_cast<std::int64_t>(std::llround(static_cast<double>(ms) * scale));
  return ms > 0 ? std::max<std::int64_t>(1, v) : std::min<std::int64_t>(-1, v);
}

void ScaleExpr(query::Expr& e, double scale) {
  std::visit(
      [scale](auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, query::VectorSelector>) {
          n.offset_ms = Scaled(n.offset_ms, scale);
        } else if constexpr (std::is_same_v<T, query::MatrixSelector>) {
          n.range_ms = Scaled(n.range_ms, scale);
          n.selector.offset_ms = Scaled(n.selector.offset_ms, scale);
        } else if constexpr (std::is_same_v<T, query::Subquery>) {
          n.range_ms = Scaled(n.range_ms, scale);
          n.step_ms = Scaled(n.step_ms, scale);
          n.offset_ms = Scaled(n.offset_ms, scale);
          ScaleExpr(*n.expr, scale);
        } else if constexpr (std::is_same_v<T, query::Call>) {
          for (auto& a : n.args) {
            ScaleExpr(*a, scale);
          }
        } else if constexpr (std::is_same_v<T, query::Aggregate>) {
          ScaleExpr(*n.expr, scale);
          if (n.param != nullptr) {
            ScaleExpr(*n.param, scale);
          }
        } else if constexpr (std::is_same_v<T, query::Binary>) {
          ScaleExpr(*n.lhs, scale);
          ScaleExpr(*n.rhs, scale);
        } else if constexpr (std::is_same_v<T, query::Unary> || std::is_same_v<T, query::Paren>) {
          ScaleExpr(*n.expr, scale);
        }
      },
      e.node);
}

void EmitMap(YAML::Emitter& out, const char* key, const std::map<std::string, std::string>& m) {
  if (m.empty()) {
    return;
  }
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : m) {
    out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
  }
  out << YAML::EndMap;
}

}  // namespace

Result<std::vector<AlertRuleSummary>> LoadAlertRules(const std::string& path,
                                                     std::int64_t default_interval_ms) {
  OBS_ASSIGN_OR_RETURN(std::vector<alert::GroupSpec> groups,
                       alert::LoadRuleFile(path, default_interval_ms));
  std::vector<AlertRuleSummary> out;
  for (const alert::GroupSpec& g : groups) {
    for (const alert::RuleSpec& r : g.rules) {
      if (r.kind != alert::RuleSpec::Kind::kAlerting) {
        continue;
      }
      out.push_back({.file = g.file,
                     .group = g.name,
                     .name = r.name,
                     .expr = r.expr_text,
                     .interval_ms = g.interval_ms,
                     .for_ms = r.for_ms,
                     .keep_firing_for_ms = r.keep_firing_for_ms,
                     .labels = r.labels,
                     .annotations = r.annotations});
    }
  }
  return out;
}

Result<std::string> ScaleRuleFile(std::string_view text, std::string_view file, double scale,
                                  std::int64_t default_interval_ms) {
  if (!(scale > 0 && scale <= 1)) {
    return InvalidArgumentError("time scale must be in (0, 1]");
  }
  OBS_ASSIGN_OR_RETURN(std::vector<alert::GroupSpec> groups,
                       alert::ParseRuleFile(text, file, default_interval_ms));
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
  for (const alert::GroupSpec& g : groups) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << g.name;
    out << YAML::Key << "interval" << YAML::Value
        << query::FormatModelDuration(Scaled(g.interval_ms, scale));
    if (g.limit != 0) {
      out << YAML::Key << "limit" << YAML::Value << g.limit;
    }
    out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
    for (const alert::RuleSpec& r : g.rules) {
      auto expr = query::ParseExpr(r.expr_text);
      if (!expr.ok()) {  // ParseRuleFile parsed it already; kept for safety.
        return expr.status();
      }
      ScaleExpr(**expr, scale);
      const bool alerting = r.kind == alert::RuleSpec::Kind::kAlerting;
      out << YAML::BeginMap;
      out << YAML::Key << (alerting ? "alert" : "record") << YAML::Value << r.name;
      out << YAML::Key << "expr" << YAML::Value << YAML::DoubleQuoted
          << query::ExprToString(**expr);
      if (r.for_ms != 0) {
        out << YAML::Key << "for" << YAML::Value
            << query::FormatModelDuration(Scaled(r.for_ms, scale));
      }
      if (r.keep_firing_for_ms != 0) {
        out << YAML::Key << "keep_firing_for" << YAML::Value
            << query::FormatModelDuration(Scaled(r.keep_firing_for_ms, scale));
      }
      EmitMap(out, "labels", r.labels);
      EmitMap(out, "annotations", r.annotations);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace obs::backend
