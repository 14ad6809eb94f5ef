#include "obs/base/civil_time.h"

#include <cstdint>
#include <cstdio>
#include <utility>

namespace obs {

namespace {

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

// Parses an optional ".fraction" at `pos` (advancing it) as milliseconds,
// truncating digits beyond the third. nullopt for a '.' without digits.
// The fraction at `pos` (".123456789", any length) in units of 10^-`places`
// seconds, truncated; 0 without a fraction, nullopt for a dot without digits.
std::optional<std::int64_t> Fraction(std::string_view s, std::size_t& pos, std::size_t places) {
  std::int64_t value = 0;
  if (pos >= s.size() || s[pos] != '.') {
    return value;
  }
  std::size_t digits = 0;
  for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++digits) {
    if (digits < places) {
      value = value * 10 + (s[pos] - '0');
    }
  }
  for (std::size_t d = digits; d < places; ++d) {
    value *= 10;
  }
  return digits == 0 ? std::nullopt : std::optional<std::int64_t>(value);
}

// The zone suffix at `pos` ("Z" or "+hh:mm" / "-hh:mm", ending the string)
// as seconds east of UTC.
std::optional<std::int64_t> ZoneOffsetSeconds(std::string_view s, std::size_t pos) {
  if (pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
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

}  // namespace

bool IsLeapYear(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int DaysInMonth(std::int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

std::int64_t DaysFromCivil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilTime CivilFromUnixSeconds(std::int64_t unix_seconds) {
  std::int64_t days = unix_seconds / 86400;
  std::int64_t rem = unix_seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  CivilTime c;
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem % 3600 / 60);
  c.second = static_cast<int>(rem % 60);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);
  // H. Hinnant's civil_from_days.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2 ? 1 : 0);
  c.yday = static_cast<int>(days - DaysFromCivil(c.year, 1, 1)) + 1;
  return c;
}

namespace {

// Seconds since the epoch and the fraction in 10^-`places` s, or nullopt.
std::optional<std::pair<std::int64_t, std::int64_t>> ParseRfc3339(std::string_view s,
                                                                  std::size_t places) {
  const auto year = Digits(s, 0, 4);
  const auto month = Digits(s, 5, 2);
  const auto day = Digits(s, 8, 2);
  const auto hour = Digits(s, 11, 2);
  const auto minute = Digits(s, 14, 2);
  const auto second = Digits(s, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  if (*month < 1 || *month > 12 || *day < 1 || *day > DaysInMonth(*year, *month) || *hour > 23 ||
      *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  const std::optional<std::int64_t> fraction = Fraction(s, pos, places);
  const std::optional<std::int64_t> offset_s = fraction ? ZoneOffsetSeconds(s, pos) : std::nullopt;
  if (!offset_s) {
    return std::nullopt;
  }
  const std::int64_t days = DaysFromCivil(*year, *month, *day);
  const std::int64_t secs =
      days * 86400 + std::int64_t{*hour} * 3600 + std::int64_t{*minute} * 60 + *second - *offset_s;
  return std::pair{secs, *fraction};
}

}  // namespace

std::optional<std::int64_t> ParseRfc3339Ms(std::string_view s) {
  const auto parsed = ParseRfc3339(s, 3);
  if (!parsed) {
    return std::nullopt;
  }
  return parsed->first * 1000 + parsed->second;
}

std::optional<std::int64_t> ParseRfc3339Nanos(std::string_view s) {
  const auto parsed = ParseRfc3339(s, 9);
  constexpr std::int64_t kMaxSeconds = INT64_MAX / 1'000'000'000 - 1;
  if (!parsed || parsed->first > kMaxSeconds || parsed->first < -kMaxSeconds) {
    return std::nullopt;
  }
  return parsed->first * 1'000'000'000 + parsed->second;
}

std::string FormatRfc3339Nanos(std::int64_t ns) {
  std::int64_t secs = ns / 1'000'000'000;
  std::int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    secs -= 1;
  }
  const CivilTime c = CivilFromUnixSeconds(secs);
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02d.%09lldZ",
                static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second,
                static_cast<long long>(frac));
  return buf;
}

std::string FormatRfc3339(std::int64_t ms, bool fixed_millis) {
  std::int64_t secs = ms / 1000;
  std::int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  const CivilTime c = CivilFromUnixSeconds(secs);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(c.year),
                c.month, c.day, c.hour, c.minute, c.second);
  std::string out = buf;
  if (fixed_millis || frac != 0) {
    std::snprintf(buf, sizeof(buf), ".%03lld", static_cast<long long>(frac));
    std::string f = buf;
    if (!fixed_millis) {
      while (f.back() == '0') {
        f.pop_back();
      }
    }
    out += f;
  }
  return out + "Z";
}

}  // namespace obs
