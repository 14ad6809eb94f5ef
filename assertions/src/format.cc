#include "obs/assertions/format.h"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <string_view>

namespace obs::assertions {
namespace {

std::string NonFinite(double value) {
  if (std::isnan(value))
    return "nan";
  return value < 0 ? "-inf" : "inf";
}

// Inserts commas every three digits into the integer part of a plain decimal string.
std::string GroupThousands(const std::string& plain) {
  std::size_t start = (!plain.empty() && plain[0] == '-') ? 1 : 0;
  std::size_t end = plain.find('.');
  if (end == std::string::npos)
    end = plain.size();
  std::string out = plain.substr(0, start);
  for (std::size_t i = start; i < end; ++i) {
    out += plain[i];
    const std::size_t left = end - i - 1;
    if (left > 0 && left % 3 == 0)
      out += ',';
  }
  out += plain.substr(end);
  return out;
}

struct DurationUnit {
  double ns;
  std::string_view suffix;
  int decimals;
};

constexpr std::array<DurationUnit, 4> kUnits = {{
    {1, "ns", 0},
    {1e3, "µs", 1},
    {1e6, "ms", 1},
    {1e9, "s", 2},
}};

}  // namespace

std::string FormatFixed(double value, int decimals) {
  if (!std::isfinite(value))
    return NonFinite(value);
  std::array<char, 64> buf{};
  auto [ptr, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed, decimals);
  if (ec != std::errc()) {
    // Only for absurd magnitudes (over 60 digits): scientific notation.
    auto sci =
        std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::scientific, 3);
    return std::string(buf.data(), sci.ptr);
  }
  std::string out(buf.data(), ptr);
  if (out.find_first_not_of("-0.") == std::string::npos && out[0] == '-')
    out.erase(0, 1);  // No "-0.0".
  return out;
}

std::string FormatTrimmed(double value, int max_decimals) {
  std::string out = FormatFixed(value, max_decimals);
  if (out.find('.') == std::string::npos || out.find('e') != std::string::npos ||
      !std::isfinite(value))
    return out;
  while (out.back() == '0')
    out.pop_back();
  if (out.back() == '.')
    out.pop_back();
  return out;
}

std::string FormatCount(std::uint64_t value) {
  return GroupThousands(std::to_string(value));
}

std::string FormatNumber(double value, int decimals) {
  if (!std::isfinite(value))
    return NonFinite(value);
  return GroupThousands(FormatFixed(value, decimals));
}

std::string FormatDurationNs(double ns) {
  if (!std::isfinite(ns))
    return NonFinite(ns) + " ns";
  // Pick the largest unit whose rounded value is >= 1 and < 1000 (seconds are unbounded).
  for (std::size_t i = kUnits.size(); i-- > 0;) {
    const DurationUnit& unit = kUnits[i];
    const double scaled = std::abs(ns) / unit.ns;
    const double factor = std::pow(10.0, unit.decimals);
    if (std::round(scaled * factor) / factor >= 1.0 || i == 0)
      return FormatFixed(ns / unit.ns, unit.decimals) + " " + std::string(unit.suffix);
  }
  return "";  // Unreachable: i == 0 always returns.
}

std::string FormatDurationThreshold(double seconds) {
  const double ns = seconds * 1e9;
  for (std::size_t i = kUnits.size(); i-- > 0;) {
    const DurationUnit& unit = kUnits[i];
    if (std::abs(ns) / unit.ns >= 1.0 || i == 0)
      return FormatTrimmed(ns / unit.ns, 3) + " " + std::string(unit.suffix);
  }
  return "";
}

std::string FormatPercent(double ratio) {
  if (!std::isfinite(ratio))
    return NonFinite(ratio) + "%";
  const double percent = ratio * 100.0;
  for (int decimals = 2; decimals < 6; ++decimals) {
    const std::string text = FormatFixed(percent, decimals);
    const bool hides_zero = ratio != 0 && text.find_first_not_of("0.") == std::string::npos;
    const bool hides_one =
        ratio != 1 && text == "100." + std::string(static_cast<std::size_t>(decimals), '0');
    if (!hides_zero && !hides_one)
      return text + "%";
  }
  return FormatFixed(percent, 6) + "%";
}

std::string FormatPercentThreshold(double ratio) {
  return FormatTrimmed(ratio * 100.0, 4) + "%";
}

std::string FormatUnixMillis(std::int64_t unix_ms) {
  using std::chrono::days;
  using std::chrono::milliseconds;
  const milliseconds ms{unix_ms};
  const auto day = std::chrono::floor<days>(ms);
  const std::chrono::year_month_day ymd{std::chrono::sys_days{day}};
  const std::chrono::hh_mm_ss<milliseconds> time{ms - day};
  auto put = [](std::string& out, long value, int width) {
    std::string digits = std::to_string(value);
    if (digits.size() < static_cast<std::size_t>(width))
      digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
    out += digits;
  };
  std::string out;
  put(out, static_cast<int>(ymd.year()), 4);
  out += '-';
  put(out, static_cast<long>(static_cast<unsigned>(ymd.month())), 2);
  out += '-';
  put(out, static_cast<long>(static_cast<unsigned>(ymd.day())), 2);
  out += 'T';
  put(out, time.hours().count(), 2);
  out += ':';
  put(out, time.minutes().count(), 2);
  out += ':';
  put(out, static_cast<long>(time.seconds().count()), 2);
  out += '.';
  put(out, static_cast<long>(time.subseconds().count()), 3);
  out += 'Z';
  return out;
}

std::string FormatBytes(double bytes, bool sign) {
  if (!std::isfinite(bytes))
    return NonFinite(bytes) + " B";
  const std::string prefix = bytes < 0 ? "-" : (sign && bytes > 0 ? "+" : "");
  const double b = std::abs(bytes);
  if (b < 1024)
    return prefix + FormatFixed(b, 0) + " B";
  if (b < 1024.0 * 1024)
    return prefix + FormatFixed(b / 1024, 1) + " KiB";
  if (b < 1024.0 * 1024 * 1024)
    return prefix + FormatNumber(b / (1024.0 * 1024), 1) + " MiB";
  return prefix + FormatNumber(b / (1024.0 * 1024 * 1024), 2) + " GiB";
}

}  // namespace obs::assertions
