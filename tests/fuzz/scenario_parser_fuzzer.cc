// ParseScenario on arbitrary bytes must never crash, hang or throw: every
// input is either a Scenario or a kInvalidArgument Status. Bytes after the
// first NUL are used as `--set` overrides (one per line), so the override
// path parser and the override/location bookkeeping are fuzzed as well.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "obs/scenarios/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view yaml = input.substr(0, nul);
  std::vector<std::string> overrides;
  if (nul != std::string_view::npos) {
    std::string_view rest = input.substr(nul + 1);
    while (!rest.empty() && overrides.size() < 8) {
      const std::size_t end = rest.find('\n');
      overrides.emplace_back(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
  }
  const obs::Result<obs::scenarios::Scenario> scenario =
      obs::scenarios::ParseScenario(yaml, "fuzz.yaml", overrides);
  if (scenario.ok()) {
    const std::string text = obs::scenarios::DescribeScenario(*scenario);
    if (text.empty())
      __builtin_trap();
  } else if (scenario.status().code() != obs::StatusCode::kInvalidArgument) {
    __builtin_trap();
  }
  return 0;
}
