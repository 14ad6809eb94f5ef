#include "alert/series_notation.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include "query/parser.h"

namespace obs::backend::alert {

namespace {

// A signed number as promtool accepts it (Go's strconv.ParseFloat).
std::optional<double> Number(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) {
    return std::nullopt;
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return negative ? -v : v;
}

// A repetition count `n` (non-negative integer).
std::optional<long> Count(std::string_view s) {
  long n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || n < 0) {
    return std::nullopt;
  }
  return n;
}

Status TokenError(std::size_t pos, std::string_view token, std::string_view why) {
  return InvalidArgumentError("position " + std::to_string(pos) + ": \"" + std::string(token) +
                              "\": " + std::string(why));
}

}  // namespace

Result<std::vector<SeriesValue>> ParseSeriesValues(std::string_view values) {
  std::vector<SeriesValue> out;
  std::size_t i = 0;
  constexpr long kMaxExpansion = 1'000'000;
  while (i < values.size()) {
    while (i < values.size() && (values[i] == ' ' || values[i] == '\t')) {
      ++i;
    }
    if (i >= values.size()) {
      break;
    }
    const std::size_t start = i;
    while (i < values.size() && values[i] != ' ' && values[i] != '\t') {
      ++i;
    }
    const std::string_view token = values.substr(start, i - start);
    const std::size_t pos = start + 1;
    if (token == "stale") {
      out.push_back({SeriesValue::Kind::kStale, 0});
      continue;
    }
    if (token == "_") {
      out.push_back({SeriesValue::Kind::kMissing, 0});
      continue;
    }
    const std::size_t x = token.find('x');
    if (token.starts_with("_x")) {
      const auto n = Count(token.substr(2));
      if (!n || *n > kMaxExpansion) {
        return TokenError(pos, token, "expected _xN with a count N");
      }
      out.insert(out.end(), static_cast<std::size_t>(*n), {SeriesValue::Kind::kMissing, 0});
      continue;
    }
    if (x == std::string_view::npos) {
      const auto v = Number(token);
      if (!v) {
        return TokenError(pos, token, "not a number, _, stale or an expansion a+bxn");
      }
      out.push_back({SeriesValue::Kind::kValue, *v});
      continue;
    }
    // a+bxn, a-bxn or axn: the step's sign is the first '+' or '-' after a's own sign.
    const std::string_view head = token.substr(0, x);
    const auto n = Count(token.substr(x + 1));
    if (!n || *n > kMaxExpansion) {
      return TokenError(pos, token, "expected a count after 'x'");
    }
    std::size_t op = std::string_view::npos;
    for (std::size_t k = 1; k < head.size(); ++k) {
      if ((head[k] == '+' || head[k] == '-') && head[k - 1] != 'e' && head[k - 1] != 'E') {
        op = k;
        break;
      }
    }
    const auto a = Number(op == std::string_view::npos ? head : head.substr(0, op));
    const auto b =
        op == std::string_view::npos ? std::optional<double>(0) : Number(head.substr(op + 1));
    if (!a || !b) {
      return TokenError(pos, token, "expected a+bxn, a-bxn or axn");
    }
    const double step = op != std::string_view::npos && head[op] == '-' ? -*b : *b;
    for (long k = 0; k <= *n; ++k) {
      out.push_back({SeriesValue::Kind::kValue, *a + static_cast<double>(k) * step});
    }
  }
  return out;
}

Result<Labels> ParseSeriesLabels(std::string_view series) {
  OBS_ASSIGN_OR_RETURN(query::ExprPtr expr, query::ParseExpr(series));
  const auto* vs = std::get_if<query::VectorSelector>(&expr->node);
  if (vs == nullptr || vs->offset_ms != 0 || vs->at.present()) {
    return InvalidArgumentError("series \"" + std::string(series) +
                                "\": expected a metric name with {label=\"value\"} pairs");
  }
  Labels out;
  for (const Matcher& m : vs->matchers) {
    if (m.type != MatchType::kEqual) {
      return InvalidArgumentError("series \"" + std::string(series) +
                                  "\": only = matchers describe a series");
    }
    if (!m.value.empty()) {
      out.push_back({m.name, m.value});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const LabelPair& a, const LabelPair& b) { return a.name < b.name; });
  return out;
}

}  // namespace obs::backend::alert
