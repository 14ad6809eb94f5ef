// Rule-file services for the harness: what alerting rules a file holds (so
// alert assertions can read a rule's `for` and interval), and a time-scaled
// copy of a rule file so a rule written as `for: 5m` can be exercised in
// seconds, against the embedded backend or any Prometheus-compatible
// evaluator that loads the scaled copy.
//
// Scaling multiplies every duration by `scale` (0 < scale <= 1): group
// `interval` (the default interval when a group has none), `for`,
// `keep_firing_for`, and the durations inside each expression (range
// selectors, offsets, subquery ranges and steps), rounded to whole
// milliseconds and at least 1 ms. Numbers are not durations and stay as
// written (e.g. the `3600` of predict_linear(x[1h], 3600)); a rule whose
// meaning depends on such a number is the user's to adapt. Labels,
// annotations, `limit` and rule order are kept.
//
// Thread safety: pure functions (LoadAlertRules reads a file).

#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

namespace obs::backend {

struct AlertRuleSummary {
  std::string file;
  std::string group;
  std::string name;  // `alert`.
  std::string expr;
  std::int64_t interval_ms = 0;  // The group's evaluation interval.
  std::int64_t for_ms = 0;
  std::int64_t keep_firing_for_ms = 0;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// Every alerting rule of the file at `path`, in file order. Errors as the
// backend reports them when it loads the file (file:line:col, group, rule).
Result<std::vector<AlertRuleSummary>> LoadAlertRules(const std::string& path,
                                                     std::int64_t default_interval_ms);

// The text of a rule file equivalent to `text` with every duration scaled.
// `file` names the input in errors. kInvalidArgument for a file the backend
// would not load, or a scale outside (0, 1].
Result<std::string> ScaleRuleFile(std::string_view text, std::string_view file, double scale,
                                  std::int64_t default_interval_ms);

// Runs promtool's rule unit tests (`promtool test rules FILE`, Prometheus
// 2.42 semantics) on the reference backend: writes promtool-style output to
// `out` ("Unit Testing:  FILE", then "  SUCCESS" or "  FAILED:" with each
// failing alertname/expr, time, exp and got). Returns whether every test
// passed; kInvalidArgument for a test file or rule file that cannot be
// read or parsed.
Result<bool> RunRuleTests(const std::string& path, std::ostream& out);

}  // namespace obs::backend
