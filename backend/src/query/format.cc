#include "query/format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

#include "obs/base/check.h"

namespace obs::backend {

std::string FormatPromValue(double v) {
  std::string out;
  AppendPromValue(out, v);
  return out;
}

void AppendPromValue(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  // std::to_chars without a precision gives the shortest round-trip digits,
  // like Go's precision -1, and never consults the locale.
  const double abs = std::fabs(v);
  const bool exponent = abs != 0 && (abs < 1e-6 || abs >= 1e21);
  char buf[400];
  const auto [end, ec] =
      std::to_chars(buf, buf + sizeof(buf), v,
                    exponent ? std::chars_format::scientific : std::chars_format::fixed);
  OBS_CHECK(ec == std::errc()) << "to_chars failed for " << v;
  out.append(buf, end);
}

// strconv.FormatFloat(v, 'g', -1, 64), how Prometheus 2.42 prints a number
// literal: the shortest digits that read back, in exponent form when the
// exponent is < -4 or >= 6 ("1e+06", "1e-05", "123456", "0.0001").
std::string FormatGoShortest(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
  const std::size_t e = sci.find('e');
  int exp = 0;
  const std::string_view exp_text = sci.substr(e + (sci[e + 1] == '+' ? 2 : 1));
  (void)std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  if (exp >= -4 && exp < 6) {
    r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
    return std::string(buf, r.ptr);
  }
  std::string out(sci.substr(0, e));
  out += exp < 0 ? "e-" : "e+";
  const int abs_exp = exp < 0 ? -exp : exp;
  if (abs_exp < 10) {
    out += '0';
  }
  return out + std::to_string(abs_exp);
}

std::string FormatGoFixed(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[400];
  std::snprintf(buf, sizeof(buf), "%f", v);
  return buf;
}

std::string FormatPromTimestamp(std::int64_t ms) {
  std::string out;
  AppendPromTimestamp(out, ms);
  return out;
}

void AppendPromTimestamp(std::string& out, std::int64_t ms) {
  // Work on the magnitude so that -1500 becomes "-1.500", as Go does.
  const bool negative = ms < 0;
  const std::uint64_t mag =
      negative ? ~static_cast<std::uint64_t>(ms) + 1 : static_cast<std::uint64_t>(ms);
  if (negative) {
    out += '-';
  }
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), mag / 1000);
  out.append(buf, end);
  const std::uint64_t frac = mag % 1000;
  if (frac != 0) {
    const char digits[4] = {'.', static_cast<char>('0' + frac / 100),
                            static_cast<char>('0' + frac / 10 % 10),
                            static_cast<char>('0' + frac % 10)};
    out.append(digits, 4);
  }
}

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is invalid.
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  std::uint32_t cp = 0;
  if (b0 < 0x80) {
    return 1;
  } else if ((b0 & 0xe0) == 0xc0) {
    len = 2;
    cp = b0 & 0x1fu;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3;
    cp = b0 & 0x0fu;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4;
    cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (b & 0x3fu);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

void AppendUnicodeEscape(std::string& out, unsigned code) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  out += kHex[(code >> 12) & 0xf];
  out += kHex[(code >> 8) & 0xf];
  out += kHex[(code >> 4) & 0xf];
  out += kHex[code & 0xf];
}

}  // namespace

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  std::size_t i = 0;
  while (i < s.size()) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x80) {
      const std::size_t len = Utf8SequenceLength(s, i);
      if (len == 0) {
        out += "\\ufffd";
        ++i;
      } else if (len == 3 && u == 0xe2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                 (static_cast<unsigned char>(s[i + 2]) & 0xfe) == 0xa8) {
        AppendUnicodeEscape(out, 0x2028u + (static_cast<unsigned char>(s[i + 2]) & 1u));
        i += 3;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (u) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
      case '>':
      case '&':
        AppendUnicodeEscape(out, u);
        break;
      default:
        if (u < 0x20) {
          AppendUnicodeEscape(out, u);
        } else {
          out += static_cast<char>(u);
        }
    }
    ++i;
  }
  return out;
}

}  // namespace obs::backend
