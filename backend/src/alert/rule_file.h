// Prometheus rule files (rulefmt, as Prometheus 2.42 reads them): groups with
// `name`, `interval`, `limit` and `rules`; alerting rules with `alert`,
// `expr`, `for`, `keep_firing_for`, `labels`, `annotations`; recording rules
// with `record`, `expr`, `labels`. Files are read unchanged; every problem is
// reported with the file, line and column, the group and the rule, e.g.
// `rules.yml:12:11: group "api", rule 2 ("HighErrorRate"): expr: 1:5: parse
// error: unclosed left parenthesis`.
//
// Thread safety: plain values; the parsed expressions are immutable.

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

#include "query/ast.h"

namespace obs::backend::alert {

struct RuleSpec {
  enum class Kind { kAlerting, kRecording };
  Kind kind = Kind::kAlerting;
  std::string name;  // `alert` or `record`.
  std::string expr_text;
  std::shared_ptr<const query::Expr> expr;
  std::int64_t for_ms = 0;
  std::int64_t keep_firing_for_ms = 0;
  std::map<std::string, std::string> labels;       // Templates (alerting) or values.
  std::map<std::string, std::string> annotations;  // Templates; alerting only.
  int line = 0;                                    // Where the rule starts in its file.
};

struct GroupSpec {
  std::string name;
  std::string file;
  std::int64_t interval_ms = 0;  // The file's value or the default.
  int limit = 0;                 // 0 = no limit on alerts/series per rule.
  std::vector<RuleSpec> rules;
};

// Parses the text of one rule file. `file` names it in errors;
// `default_interval_ms` applies to groups without `interval`.
Result<std::vector<GroupSpec>> ParseRuleFile(std::string_view text, std::string_view file,
                                             std::int64_t default_interval_ms);

// Reads and parses `path`.
Result<std::vector<GroupSpec>> LoadRuleFile(const std::string& path,
                                            std::int64_t default_interval_ms);

}  // namespace obs::backend::alert
