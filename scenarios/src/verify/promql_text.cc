#include "verify/promql_text.h"

#include "obs/base/check.h"

namespace obs::scenarios {

std::string QuoteLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  out.push_back('"');
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
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
      default:
        out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string SelectorText(const LabelPairs& labels) {
  OBS_CHECK(!labels.empty()) << "selector needs at least one label";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    out += labels[i].first;
    out.push_back('=');
    out += QuoteLabelValue(labels[i].second);
  }
  out.push_back('}');
  return out;
}

std::string DurationText(std::int64_t ms) {
  OBS_CHECK(ms > 0) << "duration must be positive, got " << ms;
  return std::to_string(ms) + "ms";
}

std::string UnixSecondsText(std::int64_t unix_ms) {
  // Floor division so that -1 ms is "-0.001" and not "0.-01".
  const bool negative = unix_ms < 0;
  const std::uint64_t magnitude = negative ? static_cast<std::uint64_t>(-(unix_ms + 1)) + 1
                                           : static_cast<std::uint64_t>(unix_ms);
  const std::uint64_t seconds = magnitude / 1000;
  const std::uint64_t millis = magnitude % 1000;
  std::string frac = std::to_string(millis);
  frac.insert(0, 3 - frac.size(), '0');
  return (negative ? "-" : "") + std::to_string(seconds) + "." + frac;
}

std::string CountOverTimeQuery(const LabelPairs& selector, std::int64_t range_ms) {
  return "count_over_time(" + RawSamplesQuery(selector, range_ms) + ")";
}

std::string RawSamplesQuery(const LabelPairs& selector, std::int64_t range_ms) {
  return SelectorText(selector) + "[" + DurationText(range_ms) + "]";
}

namespace {

void AppendPercentEncoded(std::string_view in, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : in) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                            (u >= '0' && u <= '9') || u == '-' || u == '_' || u == '.' || u == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4U]);
      out.push_back(kHex[u & 0x0FU]);
    }
  }
}

}  // namespace

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) {
      out.push_back('&');
    }
    AppendPercentEncoded(name, out);
    out.push_back('=');
    AppendPercentEncoded(value, out);
  }
  return out;
}

}  // namespace obs::scenarios
