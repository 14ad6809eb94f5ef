#include "query/literals.h"

#include <charconv>
#include <cstdint>
#include <iterator>

namespace obs::backend::query {

namespace {

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

Result<double> ParseNumberLiteral(std::string_view text) {
  double v = 0;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    std::uint64_t u = 0;
    const auto [p, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), u, 16);
    if (ec != std::errc() || p != text.data() + text.size()) {
      return InvalidArgumentError("error parsing number: invalid syntax");
    }
    return static_cast<double>(u);
  }
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // Go's ParseFloat saturates to ±Inf (or 0 for underflow) and reports an
    // error; Prometheus rejects the literal.
    return InvalidArgumentError("error parsing number: value out of range");
  }
  if (ec != std::errc() || p != text.data() + text.size()) {
    return InvalidArgumentError("error parsing number: invalid syntax");
  }
  return v;
}

Result<std::string> UnquoteString(std::string_view s) {
  const char q = s.front();
  const std::string body(s.substr(1, s.size() - 2));
  if (q == '`') {
    return body;
  }
  std::string out;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      out += body[i];
      continue;
    }
    if (++i >= body.size()) {
      return InvalidArgumentError("invalid syntax in string literal");
    }
    const char c = body[i];
    static constexpr std::string_view kSimple = "abfnrtv\\'\"";
    static constexpr std::string_view kValues = "\a\b\f\n\r\t\v\\'\"";
    if (const auto k = kSimple.find(c); k != std::string_view::npos) {
      out += kValues[k];
      continue;
    }
    int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
    const int base = digits > 0 ? 16 : 8;
    std::size_t start = i + 1;
    if (digits == 0 && c >= '0' && c <= '7') {
      digits = 3;
      start = i;
    }
    if (digits == 0 || start + static_cast<std::size_t>(digits) > body.size()) {
      return InvalidArgumentError("invalid syntax in string literal");
    }
    std::uint32_t cp = 0;
    const char* b = body.data() + start;
    const auto [p, ec] = std::from_chars(b, b + digits, cp, base);
    if (ec != std::errc() || p != b + digits || cp > 0x10ffff) {
      return InvalidArgumentError("invalid syntax in string literal");
    }
    if (c == 'x' || base == 8) {
      out += static_cast<char>(cp);
    } else {
      AppendUtf8(out, cp);
    }
    i = start + static_cast<std::size_t>(digits) - 1;
  }
  return out;
}

Result<std::int64_t> ParseDuration(std::string_view text) {
  static constexpr std::string_view kUnits[] = {"y", "w", "d", "h", "m", "s", "ms"};
  static constexpr std::int64_t kMs[] = {
      365LL * 86400000, 7LL * 86400000, 86400000, 3600000, 60000, 1000, 1};
  auto bad = [&] {
    return InvalidArgumentError("bad duration syntax: \"" + std::string(text) + "\"");
  };
  std::int64_t total = 0;
  std::size_t i = 0;
  std::size_t next_unit = 0;
  if (text.empty()) {
    return bad();
  }
  while (i < text.size()) {
    std::uint64_t n = 0;
    const auto [p, ec] = std::from_chars(text.data() + i, text.data() + text.size(), n);
    if (ec != std::errc() || n > 1'000'000'000'000ULL) {
      return bad();
    }
    i = static_cast<std::size_t>(p - text.data());
    std::size_t unit = next_unit;
    while (unit < std::size(kUnits) && text.substr(i, kUnits[unit].size()) != kUnits[unit]) {
      ++unit;
    }
    // "m" must not swallow the "m" of "ms".
    if (unit == 4 && text.substr(i, 2) == "ms") {
      unit = 6;
    }
    if (unit >= std::size(kUnits) || unit < next_unit) {
      return bad();
    }
    i += kUnits[unit].size();
    total += static_cast<std::int64_t>(n) * kMs[unit];
    next_unit = unit + 1;
  }
  return total;
}

}  // namespace obs::backend::query
