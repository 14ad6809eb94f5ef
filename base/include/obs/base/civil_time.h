// Calendar arithmetic on the proleptic Gregorian calendar in UTC, and RFC 3339
// text, as Go's time package reads and writes it. One place for what the
// HTTP API's time parameters, PromQL's date functions and the Alertmanager
// payloads all need.
//
// Thread safety: pure functions.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace obs {

struct CivilTime {
  std::int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  int hour = 0;
  int minute = 0;
  int second = 0;
  int weekday = 4;  // 0 = Sunday (1970-01-01 was a Thursday).
  int yday = 1;     // 1..366
};

bool IsLeapYear(std::int64_t year);
int DaysInMonth(std::int64_t year, int month);

// Days since 1970-01-01 of a date (H. Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t year, int month, int day);

// The UTC calendar fields of `unix_seconds` (negative = before 1970).
CivilTime CivilFromUnixSeconds(std::int64_t unix_seconds);

// Go's time.Parse(time.RFC3339Nano, text) truncated to milliseconds since the
// epoch: "2006-01-02T15:04:05.999999999Z07:00", any fraction, "Z" or an
// offset. nullopt if `text` is not such a time.
std::optional<std::int64_t> ParseRfc3339Ms(std::string_view text);

// The same, to nanoseconds; nullopt also outside int64 nanoseconds (years
// 1678-2262).
std::optional<std::int64_t> ParseRfc3339Nanos(std::string_view text);

// RFC 3339 in UTC with nine fractional digits ("2023-01-01T13:32:13.000000001Z"),
// as VictoriaLogs writes `_time`.
std::string FormatRfc3339Nanos(std::int64_t ns);

// RFC 3339 in UTC ("Z"). `fixed_millis`: always three fractional digits
// (go-openapi's strfmt.DateTime); otherwise trailing zeros trimmed and no
// fraction for whole seconds (Go's RFC3339Nano).
std::string FormatRfc3339(std::int64_t ms, bool fixed_millis);

}  // namespace obs
