#include "api/params.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string>

#include "obs/base/civil_time.h"

namespace obs::backend {
namespace {

Status TimeError(std::string_view text) {
  return InvalidArgumentError("cannot parse \"" + std::string(text) + "\" to a valid timestamp");
}

Status DurationError(std::string_view text) {
  return InvalidArgumentError("cannot parse \"" + std::string(text) + "\" to a valid duration");
}

// Go's strconv.ParseFloat for the decimal forms Prometheus clients send.
std::optional<double> ParseFloat(std::string_view text) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

Result<std::int64_t> ParseTimeMs(std::string_view text) {
  if (const std::optional<double> f = ParseFloat(text)) {
    // Prometheus: whole seconds, plus the fraction rounded to milliseconds.
    if (!std::isfinite(*f) || std::fabs(*f) > 9.2e15) {
      return TimeError(text);
    }
    double whole = 0;
    const double frac = std::modf(*f, &whole);
    return static_cast<std::int64_t>(whole) * 1000 +
           static_cast<std::int64_t>(std::round(frac * 1000));
  }
  if (const std::optional<std::int64_t> ms = obs::ParseRfc3339Ms(text)) {
    return *ms;
  }
  return TimeError(text);
}

Result<std::int64_t> ParsePromDurationMs(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    std::int64_t ms;
  };
  // In the order the syntax requires; "ms" before "m" so it wins the match.
  static constexpr Unit kUnits[] = {{"y", 365LL * 86400000},
                                    {"w", 7LL * 86400000},
                                    {"d", 86400000},
                                    {"h", 3600000},
                                    {"m", 60000},
                                    {"s", 1000},
                                    {"ms", 1}};
  if (text == "0") {
    return 0;
  }
  if (text.empty()) {
    return DurationError(text);
  }
  std::int64_t total = 0;
  std::size_t next_unit = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t n = 0;
    std::int64_t value = 0;
    for (; n < rest.size() && rest[n] >= '0' && rest[n] <= '9'; ++n) {
      if (value > (std::int64_t{1} << 50)) {
        return DurationError(text);
      }
      value = value * 10 + (rest[n] - '0');
    }
    if (n == 0) {
      return DurationError(text);
    }
    rest.remove_prefix(n);
    const bool is_ms = rest.starts_with("ms");
    std::size_t u = next_unit;
    while (u < std::size(kUnits) &&
           !(is_ms ? kUnits[u].suffix == "ms" : rest.starts_with(kUnits[u].suffix))) {
      ++u;
    }
    if (u == std::size(kUnits) || value > INT64_MAX / kUnits[u].ms ||
        total > INT64_MAX - value * kUnits[u].ms) {
      return DurationError(text);
    }
    total += value * kUnits[u].ms;
    rest.remove_prefix(kUnits[u].suffix.size());
    next_unit = u + 1;
  }
  return total;
}

Result<std::int64_t> ParseDurationMs(std::string_view text) {
  if (const std::optional<double> f = ParseFloat(text)) {
    const double ms = *f * 1000.0;
    if (!std::isfinite(ms) || std::fabs(ms) >= 9.2e15) {
      return InvalidArgumentError("cannot parse \"" + std::string(text) +
                                  "\" to a valid duration. It overflows int64");
    }
    return static_cast<std::int64_t>(ms);
  }
  Result<std::int64_t> prom = ParsePromDurationMs(text);
  if (!prom.ok()) {
    return DurationError(text);
  }
  return prom;
}

}  // namespace obs::backend
