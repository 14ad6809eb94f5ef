#include "retry.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>

namespace obs::loadgen::internal {
namespace {

std::optional<int> ParseInt(std::string_view s) {
  int v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) {
    return std::nullopt;
  }
  return v;
}

// "Wed, 21 Oct 2015 07:28:00 GMT" -> Unix ms.
std::optional<std::int64_t> ParseImfFixdate(std::string_view s) {
  constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 29 || s[3] != ',' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  const auto day = ParseInt(s.substr(5, 2));
  const auto year = ParseInt(s.substr(12, 4));
  const auto hour = ParseInt(s.substr(17, 2));
  const auto minute = ParseInt(s.substr(20, 2));
  const auto second = ParseInt(s.substr(23, 2));
  const auto month_it = std::find(kMonths.begin(), kMonths.end(), s.substr(8, 3));
  if (!day || !year || !hour || !minute || !second || month_it == kMonths.end()) {
    return std::nullopt;
  }
  const auto month = static_cast<unsigned>(month_it - kMonths.begin() + 1);
  const std::chrono::year_month_day ymd{std::chrono::year(*year), std::chrono::month(month),
                                        std::chrono::day(static_cast<unsigned>(*day))};
  if (!ymd.ok() || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  const std::int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return ((days * 24 + *hour) * 60 + *minute) * 60'000 + std::int64_t{*second} * 1000;
}

}  // namespace

bool IsRetryable(int status) {
  return status == 0 || status == 429 || (status >= 500 && status <= 599);
}

bool HonoursRetryAfter(int status) {
  return status == 429 || status == 503;
}

double BackoffSeconds(const RetryOptions& options, int retry, std::mt19937_64& rng) {
  const double cap = std::min(options.max_backoff_seconds,
                              options.min_backoff_seconds * std::exp2(std::max(0, retry - 1)));
  return std::uniform_real_distribution<double>(0.0, std::max(0.0, cap))(rng);
}

std::optional<double> ParseRetryAfter(std::string_view value, std::int64_t now_unix_ms) {
  while (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  while (!value.empty() && value.back() == ' ') {
    value.remove_suffix(1);
  }
  if (auto seconds = ParseInt(value)) {
    return *seconds < 0 ? std::nullopt : std::optional<double>(*seconds);
  }
  if (auto at = ParseImfFixdate(value)) {
    return std::max(0.0, static_cast<double>(*at - now_unix_ms) / 1000.0);
  }
  return std::nullopt;
}

}  // namespace obs::loadgen::internal
