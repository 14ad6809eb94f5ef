// A LogQL subset over the LogStore, enough to verify log pipelines and to
// chart them (docs/traces-and-logs.md lists it):
//
//   log queries     {app="api", level=~"warn|error"} |= "timeout" != "retry"
//                     |~ "user=[0-9]+" !~ "health" | json | logfmt
//                     | status >= 500 | method="GET" | path=~"/api/.*"
//   metric queries  count_over_time(<log query>[5m]), rate(...),
//                   bytes_over_time(...), bytes_rate(...), optionally inside
//                   sum|count|min|max|avg [by|without (labels)] (...)
//
// Line filters are substring / unanchored RE2-style regex matches; label
// matchers and label filters are anchored, as in Loki. `| json` flattens
// nested objects with `_` (`{"a":{"b":1}}` -> a_b="1"); a line that is not
// JSON (or not logfmt) gets `__error__="JSONParserErr"` ("LogfmtParserErr").
// Extracted labels that collide with stream labels get an `_extracted`
// suffix. Label filters with >, >=, <, <= compare numerically.
//
// Errors are kInvalidArgument "parse error at position N: ...".
//
// Thread safety: a parsed query is immutable; evaluation reads the store.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

#include "logs/log_store.h"
#include "store/labels.h"

namespace obs::backend::logs {

struct LineFilter {
  enum class Op { kContains, kNotContains, kRegex, kNotRegex } op = Op::kContains;
  std::string text;
  Matcher regex;  // For the regex ops: `[\s\S]*(?:text)[\s\S]*`.
};

struct LabelFilter {
  std::string name;
  enum class Op {
    kMatch,
    kGreater,
    kGreaterEqual,
    kLess,
    kLessEqual,
    kNumEqual,
    kNumNotEqual
  } op = Op::kMatch;
  Matcher matcher;    // kMatch: =, !=, =~, !~.
  double number = 0;  // The numeric comparisons.
};

struct Stage {
  enum class Kind { kLineFilter, kJson, kLogfmt, kLabelFilter } kind = Kind::kLineFilter;
  LineFilter line;
  LabelFilter label;
};

struct LogSelector {
  std::vector<Matcher> matchers;
  std::vector<Stage> pipeline;
};

struct MetricQuery {
  enum class Fn { kCountOverTime, kRate, kBytesOverTime, kBytesRate } fn = Fn::kCountOverTime;
  std::int64_t range_ns = 0;
  struct Aggregation {
    enum class Op { kSum, kCount, kMin, kMax, kAvg } op = Op::kSum;
    bool without = false;
    std::vector<std::string> grouping;
  };
  std::optional<Aggregation> aggregation;
};

struct LogQuery {
  LogSelector selector;
  std::optional<MetricQuery> metric;  // Unset: a log query.
};

Result<LogQuery> ParseLogQL(std::string_view text);

// One output stream of a log query, entries in the requested direction.
struct StreamResult {
  LabelSet labels;
  std::vector<LogEntry> entries;
};

// Entries in [start_ns, end_ns), at most `limit` in total: the newest when
// `backward`, else the oldest; streams keyed by their labels after parsers.
std::vector<StreamResult> EvalLogQuery(const LogStore& store, const LogQuery& query,
                                       std::int64_t start_ns, std::int64_t end_ns,
                                       std::size_t limit, bool backward);

struct Series {
  LabelSet labels;
  std::vector<std::pair<std::int64_t, double>> points;  // (ns, value)
};

// Points at start, start+step, ..., <= end; each counts the window (t - range, t].
std::vector<Series> EvalMetricQuery(const LogStore& store, const LogQuery& query,
                                    std::int64_t start_ns, std::int64_t end_ns,
                                    std::int64_t step_ns);

}  // namespace obs::backend::logs
