// ParseAssertion: "<figure> <op> <value>". Numbers are read with
// std::from_chars, never strtod, so parsing does not depend on the locale.

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "obs/assertions/assertions.h"

#include "figures.h"

namespace obs::assertions {
namespace {

using internal::Figure;
using internal::Unit;

constexpr std::string_view kSpace = " \t\r\n";

std::string_view Trim(std::string_view s) {
  const std::size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos)
    return {};
  const std::size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

bool IsFigureChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

std::string Quote(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names)
    out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string KnownList() {
  return Join(KnownFigures());
}

struct UnitSuffix {
  std::string_view suffix;
  double seconds;
};

constexpr std::array<UnitSuffix, 7> kDurationUnits = {{
    {"ns", 1e-9},
    {"us", 1e-6},
    {"µs", 1e-6},
    {"ms", 1e-3},
    {"s", 1},
    {"m", 60},
    {"h", 3600},
}};

struct ByteSuffix {
  std::string_view suffix;
  double bytes;
};

constexpr std::array<ByteSuffix, 9> kByteUnits = {{
    {"B", 1},
    {"kB", 1e3},
    {"KB", 1e3},
    {"KiB", 1024},
    {"MB", 1e6},
    {"MiB", 1024.0 * 1024},
    {"GB", 1e9},
    {"GiB", 1024.0 * 1024 * 1024},
    {"bytes", 1},
}};

// "99.9" -> 0.999 by moving the decimal point, so the ratio is the double
// nearest the written value (99.9 / 100 would give 0.9990000000000001).
double PercentToRatio(std::string_view digits, double number) {
  if (digits.find_first_of("eE") != std::string_view::npos)
    return number / 100.0;
  const std::size_t point = std::min(digits.find('.'), digits.size());
  std::string integer(digits.substr(0, point));
  integer.insert(0, integer.size() < 3 ? 3 - integer.size() : 0, '0');
  const std::string shifted = integer.substr(0, integer.size() - 2) + "." +
                              integer.substr(integer.size() - 2) +
                              std::string(digits.substr(std::min(point + 1, digits.size())));
  double ratio = 0;
  const auto [ptr, ec] = std::from_chars(shifted.data(), shifted.data() + shifted.size(), ratio);
  return ec == std::errc() && ptr == shifted.data() + shifted.size() ? ratio : number / 100.0;
}

// Converts "<number>[unit]" to the figure's canonical unit.
Result<double> ParseValue(std::string_view text, const Figure& figure) {
  const std::string subject = Quote(text) + " for " + figure.name;
  double number = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || !std::isfinite(number))
    return InvalidArgumentError(Quote(text) + " is not a number for " + figure.name);
  if (number < 0)
    return InvalidArgumentError(subject + " must not be negative");
  const std::string_view unit = Trim(text.substr(static_cast<std::size_t>(ptr - text.data())));
  switch (figure.unit) {
    case Unit::kDuration:
      if (unit.empty())
        return InvalidArgumentError(Quote(text) + " needs a duration unit for " + figure.name +
                                    " (ns, us, ms, s, m, h)");
      for (const UnitSuffix& u : kDurationUnits) {
        if (u.suffix == unit)
          return number * u.seconds;
      }
      return InvalidArgumentError(subject + " has unit " + Quote(unit) +
                                  "; use a duration unit (ns, us, ms, s, m, h)");
    case Unit::kRatio:
      if (unit == "%") {
        if (number > 100)
          return InvalidArgumentError(subject + " must be at most 100%");
        return PercentToRatio(text.substr(0, static_cast<std::size_t>(ptr - text.data())), number);
      }
      if (!unit.empty())
        return InvalidArgumentError(subject +
                                    " is not a ratio; write a percentage (99.9%) or a "
                                    "ratio between 0 and 1 (0.999)");
      if (number > 1)
        return InvalidArgumentError(subject + " is a ratio between 0 and 1; did you mean " +
                                    std::string(text) + "%?");
      return number;
    case Unit::kCount:
      if (!unit.empty())
        return InvalidArgumentError(subject + " is a count and takes no unit");
      return number;
    case Unit::kChange:
      if (unit == "%")
        return PercentToRatio(text.substr(0, static_cast<std::size_t>(ptr - text.data())), number);
      if (!unit.empty())
        return InvalidArgumentError(subject + " is a relative change; write a percentage (10%)");
      return number;
    case Unit::kBytes:
      for (const ByteSuffix& u : kByteUnits) {
        if (u.suffix == unit)
          return number * u.bytes;
      }
      return InvalidArgumentError(
          subject + (unit.empty() ? " needs a size unit" : " has unit " + Quote(unit)) +
          " (B, kB, KiB, MB, MiB, GB, GiB)");
  }
  return InvalidArgumentError(subject + " has an unknown unit kind");
}

// A window: a duration with a unit, e.g. "60s" or "5m".
Result<double> ParseWindow(std::string_view text) {
  double number = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  const std::string_view unit = Trim(text.substr(static_cast<std::size_t>(ptr - text.data())));
  if (ec == std::errc() && std::isfinite(number) && number > 0) {
    for (const UnitSuffix& u : kDurationUnits) {
      if (u.suffix == unit)
        return number * u.seconds;
    }
  }
  return InvalidArgumentError("window " + Quote(text) +
                              " must be a positive duration with a unit, e.g. [60s]");
}

// "baseline", "baseline * 1.1" or "baseline*0.95": the factor.
Result<double> ParseBaselineFactor(std::string_view value, std::string_view text) {
  std::string_view rest = Trim(value.substr(std::string_view("baseline").size()));
  if (rest.empty())
    return 1.0;
  const std::string error = "relative value " + Quote(value) + " in " + Quote(text) +
                            " must read \"baseline\" or \"baseline * <positive factor>\"";
  if (rest.front() != '*')
    return InvalidArgumentError(error);
  rest = Trim(rest.substr(1));
  double factor = 0;
  const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), factor);
  if (ec != std::errc() || ptr != rest.data() + rest.size() || !std::isfinite(factor) ||
      factor <= 0)
    return InvalidArgumentError(error);
  return factor;
}

struct OperatorText {
  std::string_view text;
  Comparison comparison;
};

constexpr std::array<OperatorText, 5> kOperators = {{
    {"<=", Comparison::kLessEqual},
    {">=", Comparison::kGreaterEqual},
    {"==", Comparison::kEqual},
    {"<", Comparison::kLess},
    {">", Comparison::kGreater},
}};

}  // namespace

std::string_view ComparisonSymbol(Comparison comparison) {
  for (const OperatorText& op : kOperators) {
    if (op.comparison == comparison)
      return op.text;
  }
  return "?";
}

std::vector<std::string> WindowedFigures() {
  std::vector<std::string> out;
  for (const Figure& f : internal::Figures()) {
    if (f.measure_window)
      out.push_back(f.name);
  }
  return out;
}

std::vector<std::string> KnownFigures() {
  std::vector<std::string> out;
  for (const Figure& f : internal::Figures())
    out.push_back(f.name);
  return out;
}

Result<AssertionSpec> ParseAssertion(std::string_view expression) {
  const std::string_view text = Trim(expression);
  if (text.empty())
    return InvalidArgumentError("empty assertion expression");
  std::size_t i = 0;
  while (i < text.size() && IsFigureChar(text[i]))
    ++i;
  const std::string_view name = text.substr(0, i);
  if (name.empty())
    return InvalidArgumentError("assertion " + Quote(text) + " must start with a figure name");
  const Figure* figure = internal::FindFigure(name);
  if (figure == nullptr)
    return InvalidArgumentError("unknown figure " + Quote(name) + " (known: " + KnownList() + ")");
  double window_seconds = 0;
  if (i < text.size() && text[i] == '[') {
    const std::size_t close = text.find(']', i);
    if (close == std::string_view::npos)
      return InvalidArgumentError("missing ']' after the window in " + Quote(text));
    if (!figure->measure_window)
      return InvalidArgumentError(
          Quote(name) + " takes no window (windowed figures: " + Join(WindowedFigures()) + ")");
    OBS_ASSIGN_OR_RETURN(window_seconds, ParseWindow(Trim(text.substr(i + 1, close - i - 1))));
    i = close + 1;
  }
  const std::string_view rest = Trim(text.substr(i));
  const std::size_t op_len = rest.find_first_not_of("<>=!");
  const std::string_view op = rest.substr(0, op_len);
  if (op.empty())
    return InvalidArgumentError("missing comparison operator in " + Quote(text) +
                                " (use <, <=, >, >= or ==)");
  AssertionSpec spec;
  spec.name = std::string(text);
  spec.expression = std::string(text);
  spec.figure = std::string(name);
  spec.window_seconds = window_seconds;
  bool known = false;
  for (const OperatorText& candidate : kOperators) {
    if (candidate.text == op) {
      spec.comparison = candidate.comparison;
      known = true;
    }
  }
  if (!known)
    return InvalidArgumentError("unknown comparison operator " + Quote(op) + " in " + Quote(text) +
                                " (use <, <=, >, >= or ==)");
  const std::string_view value = Trim(rest.substr(op.size()));
  if (value.empty())
    return InvalidArgumentError("missing value after " + Quote(op) + " in " + Quote(text));
  if (value.starts_with("baseline")) {
    OBS_ASSIGN_OR_RETURN(spec.baseline_factor, ParseBaselineFactor(value, text));
    return spec;
  }
  OBS_ASSIGN_OR_RETURN(spec.threshold, ParseValue(value, *figure));
  return spec;
}

}  // namespace obs::assertions
