// The JSON `data` of Prometheus 2.42's GET /api/v1/rules and GET
// /api/v1/alerts, rendered from rule groups' state
// (../shared/specs/wire-and-apis.md §1b): groups with their rules, each
// alerting rule with its state, `for` as `duration` (seconds), raw label and
// annotation templates, its alerts (`activeAt` RFC 3339, `value` as Go's
// FormatFloat(v, 'e', -1)), health and last error; /alerts lists pending and
// firing alerts only.
//
// Thread safety: pure functions over copies of the state.

#pragma once

#include <string>
#include <vector>

#include "alert/rule_group.h"

namespace obs::backend::alert {

struct GroupSnapshot {
  const GroupSpec* spec = nullptr;
  std::vector<RuleState> rules;
};

std::string RulesData(const std::vector<GroupSnapshot>& groups);
std::string AlertsData(const std::vector<GroupSnapshot>& groups);

// Go's strconv.FormatFloat(v, 'e', -1, 64): "1.1e+01", "1e+00", "NaN", "+Inf".
std::string FormatGoExponent(double v);

}  // namespace obs::backend::alert
