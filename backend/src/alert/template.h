// Alert label and annotation templates: the subset of Go's text/template that
// Prometheus 2.42 documents for rules, executed as Prometheus does it
// (missing map keys render empty, errors become the expansion result
// `<error expanding template: ...>` at the caller).
//
// Language: text with `{{ }}` actions, `{{-`/`-}}` whitespace trimming,
// `{{/* comments */}}`; pipelines with `|`; `$var := ...` / `$var = ...`;
// `if`/`else if`/`else`, `range` (maps in key order, lists; `$k, $v :=`),
// `with`, `define`/`template`; operands `.Field` chains, `$var.Field`,
// strings ("..." and `...`), numbers, true/false/nil, parenthesised
// pipelines. Predefined: `$labels`, `$value`, `$externalLabels`,
// `$externalURL` (and `.Labels`, `.Value`, ...).
// Functions: Go's and, or, not, eq, ne, lt, le, gt, ge, len, index, print,
// printf, println, urlquery, html; Prometheus's humanize, humanize1024,
// humanizeDuration, humanizePercentage, humanizeTimestamp, title, toUpper,
// toLower, reReplaceAll, match, stripPort, stripDomain, parseDuration, toTime,
// query, first, label, value, strvalue, sortByLabel, args, safeHtml,
// externalURL; graphLink, tableLink and pathPrefix (optional, no UI here)
// render empty. Regexes use std::regex (ECMAScript), so RE2-only syntax
// differs (docs/promql-compatibility.md).
//
// Thread safety: pure function; `query` is called on the calling thread.

#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

namespace obs::backend::alert {

struct TemplateSample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct TemplateData {
  std::map<std::string, std::string> labels;
  double value = 0;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  // Runs an instant query at the evaluation time; empty = `query` fails.
  std::function<Result<std::vector<TemplateSample>>(const std::string&)> query;
};

// Expands `text`. `name` appears in errors (`template: __alert_X:1:12: ...`).
Result<std::string> ExpandTemplate(std::string_view name, std::string_view text,
                                   const TemplateData& data);

}  // namespace obs::backend::alert
