#include "alert/rule_file.h"

#include <array>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "query/literals.h"
#include "query/parser.h"
#include "store/labels.h"

namespace obs::backend::alert {

namespace {

// A located failure, turned into a Status at the top.
struct RuleFileError {
  YAML::Mark mark;
  std::string message;
};

[[noreturn]] void Fail(const YAML::Node& at, std::string message) {
  throw RuleFileError{at.Mark(), std::move(message)};
}

std::string Scalar(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    Fail(node, std::string(what) + " must be a string");
  }
  return node.Scalar();
}

std::int64_t Duration(const YAML::Node& node, std::string_view what) {
  const std::string text = Scalar(node, what);
  auto d = query::ParseDuration(text);
  if (!d.ok()) {
    Fail(node, std::string(what) + ": " + d.status().message());
  }
  return *d;
}

std::map<std::string, std::string> StringMap(const YAML::Node& node, std::string_view what,
                                             bool check_names) {
  if (!node.IsDefined() || node.IsNull()) {
    return {};
  }
  if (!node.IsMap()) {
    Fail(node, std::string(what) + " must be a map of strings");
  }
  std::map<std::string, std::string> out;
  for (const auto& kv : node) {
    const std::string key = Scalar(kv.first, what);
    if (check_names && !IsValidLabelName(key)) {
      Fail(kv.first, "invalid label name: " + key);
    }
    if (!check_names && key.empty()) {
      Fail(kv.first, "invalid annotation name: \"\"");
    }
    out[key] = kv.second.IsNull() ? "" : Scalar(kv.second, std::string(what) + "." + key);
  }
  return out;
}

void CheckKeys(const YAML::Node& node, std::initializer_list<std::string_view> allowed,
               std::string_view type) {
  for (const auto& kv : node) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    bool known = false;
    for (std::string_view a : allowed) {
      known = known || key == a;
    }
    if (!known) {
      Fail(kv.first, "field " + key + " not found in type " + std::string(type));
    }
  }
}

bool IsMetricName(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

RuleSpec ParseRule(const YAML::Node& node) {
  if (!node.IsMap()) {
    Fail(node, "a rule must be a map");
  }
  CheckKeys(node, {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"},
            "rulefmt.Rule");
  RuleSpec rule;
  rule.line = node.Mark().line + 1;
  const bool has_record = node["record"].IsDefined();
  const bool has_alert = node["alert"].IsDefined();
  if (has_record == has_alert) {
    Fail(node, has_record ? "only one of 'record' and 'alert' must be set"
                          : "one of 'record' or 'alert' must be set");
  }
  if (has_record) {
    rule.kind = RuleSpec::Kind::kRecording;
    rule.name = Scalar(node["record"], "record");
    if (!IsMetricName(rule.name)) {
      Fail(node["record"], "invalid recording rule name: " + rule.name);
    }
    for (const char* k : {"for", "keep_firing_for", "annotations"}) {
      if (node[k].IsDefined()) {
        Fail(node[k], std::string("invalid field '") + k + "' in recording rule");
      }
    }
  } else {
    rule.name = Scalar(node["alert"], "alert");
    if (rule.name.empty()) {
      Fail(node["alert"], "field 'alert' must be set in alerting rule");
    }
  }
  if (!node["expr"].IsDefined() || node["expr"].IsNull() || Scalar(node["expr"], "expr").empty()) {
    Fail(node, "field 'expr' must be set in rule");
  }
  rule.expr_text = node["expr"].Scalar();
  auto parsed = query::ParseExpr(rule.expr_text);
  if (!parsed.ok()) {
    Fail(node["expr"], "expr: " + parsed.status().message());
  }
  const query::ValueType type = (*parsed)->type();
  if (type != query::ValueType::kVector && type != query::ValueType::kScalar) {
    Fail(node["expr"], "expr: expression must be of type instant vector or scalar, got " +
                           std::string(query::DocumentedType(type)));
  }
  rule.expr = std::shared_ptr<const query::Expr>(std::move(parsed).value());
  if (node["for"].IsDefined()) {
    rule.for_ms = Duration(node["for"], "for");
  }
  if (node["keep_firing_for"].IsDefined()) {
    rule.keep_firing_for_ms = Duration(node["keep_firing_for"], "keep_firing_for");
  }
  rule.labels = StringMap(node["labels"], "labels", /*check_names=*/true);
  if (has_record && rule.labels.count("__name__") > 0) {
    Fail(node["labels"], "invalid recording rule label name: __name__");
  }
  rule.annotations = StringMap(node["annotations"], "annotations", /*check_names=*/false);
  return rule;
}

}  // namespace

Result<std::vector<GroupSpec>> ParseRuleFile(std::string_view text, std::string_view file,
                                             std::int64_t default_interval_ms) {
  std::vector<GroupSpec> groups;
  std::string group_name;
  int rule_index = 0;
  std::string rule_name;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (root.IsNull()) {
      return groups;  // An empty file holds no groups, as Prometheus accepts.
    }
    if (!root.IsMap()) {
      Fail(root, "a rule file must be a map with a 'groups' list");
    }
    CheckKeys(root, {"groups"}, "rulefmt.RuleGroups");
    const YAML::Node list = root["groups"];
    if (!list.IsDefined() || list.IsNull()) {
      return groups;
    }
    if (!list.IsSequence()) {
      Fail(list, "groups must be a list");
    }
    std::set<std::string> names;
    for (const YAML::Node& g : list) {
      if (!g.IsMap()) {
        Fail(g, "a group must be a map");
      }
      CheckKeys(g, {"name", "interval", "limit", "rules"}, "rulefmt.RuleGroup");
      GroupSpec group;
      group.file = std::string(file);
      if (!g["name"].IsDefined() || Scalar(g["name"], "name").empty()) {
        Fail(g, "Groupname must not be empty");
      }
      group.name = g["name"].Scalar();
      group_name = group.name;
      rule_index = 0;
      rule_name.clear();
      if (!names.insert(group.name).second) {
        Fail(g["name"], "groupname: \"" + group.name + "\" is repeated in the same file");
      }
      group.interval_ms =
          g["interval"].IsDefined() ? Duration(g["interval"], "interval") : default_interval_ms;
      if (g["limit"].IsDefined()) {
        try {
          group.limit = g["limit"].as<int>();
        } catch (const YAML::BadConversion&) {
          Fail(g["limit"], "limit must be an integer");
        }
      }
      const YAML::Node rules = g["rules"];
      if (rules.IsDefined() && !rules.IsNull()) {
        if (!rules.IsSequence()) {
          Fail(rules, "rules must be a list");
        }
        for (const YAML::Node& r : rules) {
          ++rule_index;
          rule_name.clear();
          for (const char* k : {"alert", "record"}) {
            if (r.IsMap() && r[k].IsDefined() && r[k].IsScalar()) {
              rule_name = r[k].Scalar();
            }
          }
          group.rules.push_back(ParseRule(r));
        }
      }
      group_name.clear();
      groups.push_back(std::move(group));
    }
  } catch (const RuleFileError& e) {
    std::ostringstream out;
    out << file << ":" << e.mark.line + 1 << ":" << e.mark.column + 1 << ": ";
    if (!group_name.empty()) {
      out << "group \"" << group_name << "\", ";
      if (rule_index > 0) {
        out << "rule " << rule_index << (rule_name.empty() ? "" : " (\"" + rule_name + "\")")
            << ": ";
      }
    }
    out << e.message;
    return InvalidArgumentError(out.str());
  } catch (const YAML::Exception& e) {
    std::ostringstream out;
    out << file << ":" << e.mark.line + 1 << ":" << e.mark.column + 1 << ": " << e.msg;
    return InvalidArgumentError(out.str());
  }
  return groups;
}

Result<std::vector<GroupSpec>> LoadRuleFile(const std::string& path,
                                            std::int64_t default_interval_ms) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFoundError("cannot read rule file " + path);
  }
  // Bounded: a path such as /dev/zero must fail, not exhaust memory.
  constexpr std::size_t kMaxRuleFileBytes = std::size_t{16} << 20;
  std::string text;
  std::array<char, 65536> chunk{};
  while (text.size() <= kMaxRuleFileBytes &&
         in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())).gcount() > 0) {
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (text.size() > kMaxRuleFileBytes) {
    return InvalidArgumentError("rule file " + path + " is larger than 16 MiB");
  }
  return ParseRuleFile(text, path, default_interval_ms);
}

}  // namespace obs::backend::alert
