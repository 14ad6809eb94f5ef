// Label sets and label matchers of the reference backend. A `Labels` value is
// the identity of one series: a vector of name/value pairs sorted by name,
// with unique, non-empty names and non-empty values (the storage drops
// empty-valued labels on ingest, as Prometheus does). A `Matcher` is one
// PromQL label matcher (`=`, `!=`, `=~`, `!~`); regular expressions are fully
// anchored like Prometheus's RE2 matchers (`^(?:re)$`).
//
// Thread safety: values; a const `Matcher` may be used from many threads.

#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

namespace obs::backend {

struct LabelPair {
  std::string name;
  std::string value;

  friend bool operator==(const LabelPair&, const LabelPair&) = default;
};

// Always sorted by name; names unique.
using Labels = std::vector<LabelPair>;

// Prometheus text form: `up{job="a",x="b"}`; `{a="b"}` without `__name__`;
// `up` when `__name__` is the only label. Values escape `\`, `"` and newline.
std::string LabelsToString(const Labels& labels);

// The value of label `name`, or "" if absent.
std::string_view LabelValue(const Labels& labels, std::string_view name);

// Lexicographic order over (name, value) pairs, as Prometheus `labels.Compare`.
int CompareLabels(const Labels& a, const Labels& b);

// Prometheus name rules: metric names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label
// names `[a-zA-Z_][a-zA-Z0-9_]*`.
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// "=", "!=", "=~", "!~".
std::string_view MatchTypeString(MatchType type);

class CompiledRegex;  // matcher.cc

struct Matcher {
  MatchType type = MatchType::kEqual;
  std::string name;
  std::string value;

  // Returns kInvalidArgument naming the expression if a regex does not
  // compile (`invalid regular expression "a(": ...`).
  static Result<Matcher> Create(MatchType type, std::string name, std::string value);

  // Whether a label value `v` satisfies the matcher. An absent label is the
  // empty string. REQUIRES: built by Create() (regex types need the regex).
  bool Matches(std::string_view v) const;

  // `name="value"` style text, for error messages and debugging.
  std::string ToString() const;

  // Compiled form of a regex matcher; null for = and !=. Shared by copies.
  std::shared_ptr<const CompiledRegex> regex;
};

// kInvalidArgument for a repetition operator applied to another (`a**`,
// `a+*`), which RE2 rejects and std::regex would backtrack on exponentially.
Status CheckNestedRepetition(std::string_view pattern);

}  // namespace obs::backend
