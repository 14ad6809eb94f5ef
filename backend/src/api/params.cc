#include "api/params.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string>

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

// Parses exactly `n` decimal digits at `pos`.
std::optional<int> Digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) {
    return std::nullopt;
  }
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return std::nullopt;
    }
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Parses an optional ".fraction" at `pos` (advancing it) as milliseconds,
// truncating digits beyond the third. nullopt for a '.' without digits.
std::optional<std::int64_t> FractionMs(std::string_view s, std::size_t& pos) {
  std::int64_t millis = 0;
  if (pos >= s.size() || s[pos] != '.') {
    return millis;
  }
  std::size_t digits = 0;
  for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++digits) {
    if (digits < 3) {
      millis = millis * 10 + (s[pos] - '0');
    }
  }
  for (std::size_t d = digits; d < 3; ++d) {
    millis *= 10;
  }
  return digits == 0 ? std::nullopt : std::optional<std::int64_t>(millis);
}

// The zone suffix at `pos` ("Z" or "+hh:mm" / "-hh:mm", ending the string)
// as seconds east of UTC.
std::optional<std::int64_t> ZoneOffsetSeconds(std::string_view s, std::size_t pos) {
  if (pos + 1 == s.size() && s[pos] == 'Z') {
    return 0;
  }
  if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-') || s[pos + 3] != ':') {
    return std::nullopt;
  }
  const auto oh = Digits(s, pos + 1, 2);
  const auto om = Digits(s, pos + 4, 2);
  if (!oh || !om || *oh > 23 || *om > 59) {
    return std::nullopt;
  }
  const std::int64_t offset = std::int64_t{*oh} * 3600 + std::int64_t{*om} * 60;
  return s[pos] == '-' ? -offset : offset;
}

// Go's time.Parse(time.RFC3339Nano, s), truncated to milliseconds.
std::optional<std::int64_t> ParseRfc3339Ms(std::string_view s) {
  const auto year = Digits(s, 0, 4);
  const auto month = Digits(s, 5, 2);
  const auto day = Digits(s, 8, 2);
  const auto hour = Digits(s, 11, 2);
  const auto minute = Digits(s, 14, 2);
  const auto second = Digits(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || s[4] != '-' || s[7] != '-' ||
      s[10] != 'T' || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  if (*month < 1 || *month > 12 || *day < 1 || *day > DaysInMonth(*year, *month) || *hour > 23 ||
      *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  const std::optional<std::int64_t> millis = FractionMs(s, pos);
  const std::optional<std::int64_t> offset_s = millis ? ZoneOffsetSeconds(s, pos) : std::nullopt;
  if (!offset_s) {
    return std::nullopt;
  }
  const std::int64_t days = DaysFromCivil(*year, *month, *day);
  const std::int64_t secs =
      days * 86400 + std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second - *offset_s;
  return secs * 1000 + *millis;
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
  if (const std::optional<std::int64_t> ms = ParseRfc3339Ms(text)) {
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
