// The assertion engine turns gate expressions such as "write_latency.p99 <
// 250ms" into outcomes over a finished run. It is pure: no I/O, no clocks; the
// same RunRecord and specs always give the same results, text included.
//
// A failed assertion is data (Outcome::kFailed with expected, actual and an
// explanation), not an error; Status is only for a malformed expression. An
// assertion whose figure has no data (nothing was measured) is kNoData, which
// counts as not passed: a gate cannot pass on nothing. Figures, units and
// examples are documented in docs/assertions.md.
//
// Thread safety: every function is stateless and safe from any thread.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "obs/base/run_record.h"
#include "obs/base/status.h"

namespace obs::assertions {

enum class Comparison { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual };

// The operator as written: "<", "<=", ">", ">=", "==".
std::string_view ComparisonSymbol(Comparison comparison);

struct AssertionSpec {
  std::string name;        // Display name; ParseAssertion sets it to `expression`.
  std::string expression;  // As written, e.g. "write_latency.p99 < 250ms".
  std::string figure;      // E.g. "write_latency.p99"; one of KnownFigures().
  std::string workload;    // Empty: every workload must hold it.
  Comparison comparison = Comparison::kLess;
  // Canonical unit: seconds for durations, a ratio 0..1 for percentages, a
  // plain count otherwise.
  double threshold = 0;
  // > 0: the threshold is this factor times the same figure measured in a
  // baseline run ("write_latency.p99 <= baseline * 1.10"); `threshold` is
  // then unused.
  double baseline_factor = 0;
  // > 0: the figure over its worst window of this many seconds
  // ("error_rate[60s] < 5%"), from the run's per-interval figures. Only
  // figures WindowedFigures() names accept a window.
  double window_seconds = 0;
  std::string location;  // "file.yaml:12:5", prefixed to messages by callers.
};

// Parses "<figure>[window] <op> <value>" with op one of < <= > >= == and a
// value such as 250ms, 1.5s, 2m, 99.9%, 0.999, 100000 or "baseline * 1.10"
// (a factor of the baseline run's figure; "baseline" alone is factor 1). Duration figures need a
// unit (ns, us, µs, ms, s, m, h); ratio figures take a percentage or a plain ratio in 0..1; count
// figures take a plain non-negative number. Returns the spec with `name` = `expression` = the
// trimmed input and an empty `workload` and `location` (the caller fills those), or
// kInvalidArgument naming the problem, e.g. `unknown figure "latency.p77"
// (known: ...)`, `"250" needs a duration unit for write_latency.p99 ...` or
// `missing comparison operator in "..."`.
Result<AssertionSpec> ParseAssertion(std::string_view expression);

// Every figure name ParseAssertion accepts, in documentation order.
std::vector<std::string> KnownFigures();

// The figures that accept a window, "<figure>[<duration>]".
std::vector<std::string> WindowedFigures();

enum class Outcome { kPassed, kFailed, kNoData };

// "passed", "failed", "no_data".
std::string_view OutcomeName(Outcome outcome);

struct AssertionResult {
  AssertionSpec spec;
  Outcome outcome = Outcome::kNoData;
  std::string expected;     // E.g. "< 250 ms".
  std::string actual;       // E.g. "312.4 ms (p99 of 14,213 requests, corrected from due time)".
  std::string explanation;  // One paragraph a person reads in a CI log.
};

// Evaluates every spec against `record`, in order; one result per spec.
// A workload figure with an empty `spec.workload` is evaluated for every
// workload and fails if any fails (the explanation names the workloads);
// run-level figures (completeness, visibility) ignore `spec.workload`.
// An unknown figure or workload gives kNoData saying so.
//
// `baseline` is the run that relative specs (baseline_factor > 0) compare
// with: the same figure of the same-named workload. Without one, a relative
// spec is kNoData saying so.
std::vector<AssertionResult> Evaluate(const RunRecord& record,
                                      const std::vector<AssertionSpec>& specs,
                                      const RunRecord* baseline = nullptr);

}  // namespace obs::assertions
