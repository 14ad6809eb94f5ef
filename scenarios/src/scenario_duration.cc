// Prometheus-style durations (model.ParseDuration's grammar), extended with
// fractional components ("1.5s") and "us" so that sub-millisecond probe
// intervals can be written.

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "obs/scenarios/scenario.h"

namespace obs::scenarios {
namespace {

struct Unit {
  std::string_view name;
  double seconds;
};

// Largest first; "ms" and "us" are listed before "m" and "s" would match them
// by prefix, so matching tries the two-letter names first (see MatchUnit).
constexpr std::array<Unit, 8> kUnits = {{{"y", 365.0 * 86400},
                                         {"w", 7.0 * 86400},
                                         {"d", 86400},
                                         {"h", 3600},
                                         {"m", 60},
                                         {"s", 1},
                                         {"ms", 1e-3},
                                         {"us", 1e-6}}};

// Index into kUnits of the unit at the start of `rest`, or kUnits.size().
std::size_t MatchUnit(std::string_view rest) {
  for (std::size_t i = 0; i < kUnits.size(); ++i) {
    const std::string_view name = kUnits[i].name;
    if (name.size() == 2 && rest.substr(0, 2) == name) {
      return i;
    }
  }
  for (std::size_t i = 0; i < kUnits.size(); ++i) {
    const std::string_view name = kUnits[i].name;
    if (name.size() == 1 && !rest.empty() && rest[0] == name[0]) {
      return i;
    }
  }
  return kUnits.size();
}

Status Invalid(std::string_view text) {
  return InvalidArgumentError("invalid duration \"" + std::string(text) +
                              "\" (expected e.g. 500ms, 30s, 5m, 1h30m)");
}

}  // namespace

Result<double> ParseDuration(std::string_view text) {
  if (text == "0") {
    return 0.0;
  }
  if (text.empty()) {
    return Invalid(text);
  }
  double total = 0;
  std::size_t next_unit = 0;  // Units must appear largest first, each once.
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t digits = 0;
    while (digits < rest.size() &&
           ((rest[digits] >= '0' && rest[digits] <= '9') || rest[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) {
      return Invalid(text);
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + digits, value);
    if (ec != std::errc() || end != rest.data() + digits) {
      return Invalid(text);
    }
    rest.remove_prefix(digits);
    if (rest.empty()) {
      return InvalidArgumentError("\"" + std::string(text) + "\" needs a unit (e.g. " +
                                  std::string(text) + "s)");
    }
    const std::size_t unit = MatchUnit(rest);
    if (unit == kUnits.size() || unit < next_unit) {
      return Invalid(text);
    }
    next_unit = unit + 1;
    rest.remove_prefix(kUnits[unit].name.size());
    total += value * kUnits[unit].seconds;
  }
  if (!std::isfinite(total)) {
    return Invalid(text);
  }
  return total;
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) {
    return std::to_string(seconds) + "s";
  }
  // Whole microseconds are the finest unit ParseDuration reads.
  auto us = static_cast<std::uint64_t>(std::llround(seconds * 1e6));
  if (us == 0) {
    return "0s";
  }
  struct Part {
    std::uint64_t us;
    std::string_view name;
  };
  constexpr std::array<Part, 5> kParts = {
      {{3600000000ULL, "h"}, {60000000ULL, "m"}, {1000000ULL, "s"}, {1000ULL, "ms"}, {1ULL, "us"}}};
  std::string out;
  for (const Part& part : kParts) {
    if (us >= part.us) {
      out += std::to_string(us / part.us) + std::string(part.name);
      us %= part.us;
    }
  }
  return out;
}

}  // namespace obs::scenarios
