// PromQL literals and Go-compatible quoting; see literals.h.

#include "query/literals.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <limits>

namespace obs::backend::query {

namespace {

constexpr char32_t kRuneError = 0xFFFD;
constexpr char32_t kEofRune = 0xFFFFFFFF;

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

// Go's strconv.IsPrint, close enough for query text: ASCII graphic
// characters and space, and non-ASCII code points except the C1 controls,
// the non-ASCII spaces, format characters and private use areas.
bool IsGoPrint(char32_t r) {
  if (r < 0x80) {
    return r >= 0x20 && r != 0x7f;
  }
  if (r < 0xA1 || r == 0xAD) {
    return false;
  }
  if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
      (r >= 0x205F && r <= 0x206F) || r == 0x3000 || r == 0xFEFF || (r >= 0xFFF9 && r <= 0xFFFB) ||
      (r >= 0xE000 && r <= 0xF8FF) || r >= 0xF0000 || (r >= 0xD800 && r <= 0xDFFF)) {
    return false;
  }
  return r <= 0x10FFFF;
}

void AppendEscapedRune(std::string& out, char32_t r) {
  static constexpr std::string_view kShort = "\a\b\f\n\r\t\v";
  static constexpr std::string_view kLetters = "abfnrtv";
  char buf[16];
  if (r < 0x80) {
    if (const auto k = kShort.find(static_cast<char>(r)); k != std::string_view::npos) {
      out += '\\';
      out += kLetters[k];
      return;
    }
    std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(r));
  } else if (r < 0x10000) {
    std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(r));
  } else {
    std::snprintf(buf, sizeof(buf), "\\U%08x", static_cast<unsigned>(r));
  }
  out += buf;
}

Status SyntaxError(std::string_view text) {
  return InvalidArgumentError("error parsing number: strconv.ParseFloat: parsing " + GoQuote(text) +
                              ": invalid syntax");
}

bool IsDigitIn(char c, int base) {
  if (base == 16) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  return c >= '0' && c < static_cast<char>('0' + base);
}

// Go's strconv.ParseInt(text, 0, 64) for the unsigned forms the lexer
// produces: 0x hex, leading-0 octal, decimal. False if it would fail.
bool ParseGoInt(std::string_view text, double& out) {
  int base = 10;
  std::string_view digits = text;
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    digits = text.substr(2);
  } else if (text.size() >= 2 && text[0] == '0') {
    base = 8;
    digits = text.substr(1);
  }
  if (digits.empty()) {
    return false;
  }
  for (const char c : digits) {
    if (!IsDigitIn(c, base)) {
      return false;
    }
  }
  std::int64_t v = 0;
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (ec != std::errc() || p != digits.data() + digits.size()) {
    return false;  // Out of int64 range: Prometheus falls back to ParseFloat.
  }
  out = static_cast<double>(v);
  return true;
}

// Whether a decimal literal that from_chars found out of range is too large
// (Go: ±Inf and an error) rather than too small (Go: 0, no error).
bool DecimalOverflows(std::string_view text) {
  std::int64_t exp10 = 0;
  const std::size_t e = text.find_first_of("eE");
  if (e != std::string_view::npos) {
    std::string_view ex = text.substr(e + 1);
    if (!ex.empty() && ex[0] == '+') {
      ex.remove_prefix(1);
    }
    (void)std::from_chars(ex.data(), ex.data() + ex.size(), exp10);
  }
  const std::string_view mantissa = text.substr(0, e);
  const std::size_t first = mantissa.find_first_of("123456789");
  if (first == std::string_view::npos) {
    return false;
  }
  const std::size_t dot = std::min(mantissa.find('.'), mantissa.size());
  const std::int64_t magnitude = dot > first ? static_cast<std::int64_t>(dot - first)
                                             : -static_cast<std::int64_t>(first - dot - 1);
  return magnitude + exp10 > 0;
}

}  // namespace

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

DecodedRune DecodeRune(std::string_view s, std::size_t pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) {
    return {b0, 1};
  }
  std::size_t n = 0;
  char32_t r = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, r = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, r = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, r = b0 & 0x07, min = 0x10000;
  } else {
    return {kRuneError, 1};
  }
  if (pos + n > s.size()) {
    return {kRuneError, 1};
  }
  for (std::size_t i = 1; i < n; ++i) {
    const auto b = static_cast<unsigned char>(s[pos + i]);
    if ((b & 0xC0) != 0x80) {
      return {kRuneError, 1};
    }
    r = (r << 6) | (b & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
    return {kRuneError, 1};
  }
  return {r, n};
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const DecodedRune d = DecodeRune(s, i);
    if (d.rune == kRuneError && d.width == 1) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
    } else if (d.rune == '"' || d.rune == '\\') {
      out += '\\';
      out += static_cast<char>(d.rune);
    } else if (IsGoPrint(d.rune)) {
      out.append(s.substr(i, d.width));
    } else {
      AppendEscapedRune(out, d.rune);
    }
    i += d.width;
  }
  return out + "\"";
}

std::string GoQuoteRune(char32_t r) {
  if (r == kEofRune || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
    r = kRuneError;
  }
  std::string out = "'";
  if (r == '\'' || r == '\\') {
    out += '\\';
    out += static_cast<char>(r);
  } else if (IsGoPrint(r)) {
    AppendUtf8(out, r);
  } else {
    AppendEscapedRune(out, r);
  }
  return out + "'";
}

std::string GoRuneName(char32_t r) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "U+%04X", static_cast<unsigned>(r));
  std::string out = buf;
  if (IsGoPrint(r)) {
    out += " '";
    AppendUtf8(out, r);
    out += "'";
  }
  return out;
}

Result<double> ParseNumberLiteral(std::string_view text) {
  double v = 0;
  if (ParseGoInt(text, v)) {
    return v;
  }
  const std::string lower = AsciiLower(text);
  if (lower == "inf" || lower == "+inf" || lower == "infinity" || lower == "+infinity") {
    return std::numeric_limits<double>::infinity();
  }
  if (lower == "-inf" || lower == "-infinity") {
    return -std::numeric_limits<double>::infinity();
  }
  if (lower == "nan") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Go's ParseFloat reads hex only with a 'p' exponent, which PromQL's lexer
  // never lets through; from_chars must not read "0x" as 0 either.
  if (lower.find_first_not_of("0123456789.e+-") != std::string::npos || text.empty()) {
    return SyntaxError(text);
  }
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (p != text.data() + text.size()) {
    return SyntaxError(text);
  }
  if (ec == std::errc::result_out_of_range) {
    if (DecimalOverflows(text)) {
      return InvalidArgumentError("error parsing number: strconv.ParseFloat: parsing " +
                                  GoQuote(text) + ": value out of range");
    }
    return 0.0;
  }
  if (ec != std::errc()) {
    return SyntaxError(text);
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
    if (ec != std::errc() || p != b + digits || cp > 0x10ffff || (base == 8 && cp > 0xff)) {
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

Result<std::int64_t> ParseModelDuration(std::string_view text) {
  if (text == "0") {
    return 0;
  }
  if (text.empty()) {
    return InvalidArgumentError("empty duration string");
  }
  static constexpr std::string_view kUnits[] = {"y", "w", "d", "h", "m", "s", "ms"};
  static constexpr std::int64_t kMs[] = {
      365LL * 86400000, 7LL * 86400000, 86400000, 3600000, 60000, 1000, 1};
  constexpr std::int64_t kNsPerMs = 1'000'000;
  constexpr std::int64_t kMaxNs = std::numeric_limits<std::int64_t>::max();
  std::size_t i = 0;
  std::size_t next_unit = 0;
  std::int64_t total_ns = 0;
  bool overflow = false;
  while (i < text.size()) {
    const std::size_t digits_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      ++i;
    }
    std::size_t unit = 0;
    if (text.substr(i, 2) == "ms") {
      unit = 6;
    } else {
      while (unit < 6 && text.substr(i, 1) != kUnits[unit]) {
        ++unit;
      }
    }
    if (i == digits_start || unit >= std::size(kUnits) || unit < next_unit) {
      return InvalidArgumentError("not a valid duration string: " + GoQuote(text));
    }
    // Go's Atoi saturates; the range check below then reports the overflow.
    std::int64_t n = 0;
    const auto [p, ec] = std::from_chars(text.data() + digits_start, text.data() + i, n);
    if (ec == std::errc::result_out_of_range) {
      n = kMaxNs;
    }
    const std::int64_t mult_ns = kMs[unit] * kNsPerMs;
    if (n > kMaxNs / mult_ns || total_ns > kMaxNs - n * mult_ns) {
      overflow = true;
    } else {
      total_ns += n * mult_ns;
    }
    i += kUnits[unit].size();
    next_unit = unit + 1;
  }
  if (overflow) {
    return InvalidArgumentError("duration out of range");
  }
  return total_ns / kNsPerMs;
}

std::string FormatModelDuration(std::int64_t ms) {
  if (ms == 0) {
    return "0s";
  }
  struct Unit {
    std::string_view name;
    std::int64_t ms;
    bool exact;
  };
  static constexpr Unit kUnits[] = {{"y", 365LL * 86400000, true},
                                    {"w", 7LL * 86400000, true},
                                    {"d", 86400000, false},
                                    {"h", 3600000, false},
                                    {"m", 60000, false},
                                    {"s", 1000, false},
                                    {"ms", 1, false}};
  std::string out;
  for (const Unit& u : kUnits) {
    if (u.exact && ms % u.ms != 0) {
      continue;
    }
    if (const std::int64_t v = ms / u.ms; v > 0) {
      out += std::to_string(v);
      out += u.name;
      ms -= v * u.ms;
    }
  }
  return out;
}

}  // namespace obs::backend::query
