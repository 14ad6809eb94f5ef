// RunReport is everything the report writers render about one finished run:
// the measured RunRecord, the evaluated assertions, the scenario as run and
// an infrastructure error when the run could not complete. Passed() and
// ExitCode() are the single place the CI verdict is decided, so the CLI, the
// JSON "verdict" and the JUnit/Markdown outputs always agree.
//
// Thread safety: a value type; the functions are stateless.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "obs/assertions/assertions.h"
#include "obs/base/run_record.h"

namespace obs::reports {

struct RunReport {
  obs::RunRecord record;
  std::vector<assertions::AssertionResult> assertions;
  // The scenario YAML as run (after --set overrides), embedded in reports.
  std::string scenario_text;
  // When the report was generated. Injected by the caller; writers never read a clock.
  std::int64_t generated_unix_ms = 0;
  // Non-empty when the run could not complete (exit code 3).
  std::string infrastructure_error;
};

// True if there is no infrastructure error and every assertion is kPassed.
// A run with no assertions and no error passes (nothing was gated).
bool Passed(const RunReport& report);

// 0 passed, 1 an assertion not passed (failed or no data), 3 infrastructure error.
int ExitCode(const RunReport& report);

// "passed", "failed" or "error", matching ExitCode() 0, 1 and 3.
std::string_view VerdictName(const RunReport& report);

}  // namespace obs::reports
