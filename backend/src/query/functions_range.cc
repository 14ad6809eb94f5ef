// Range-vector functions of PromQL 2.42 (promql/functions.go): rate and its
// relatives with Prometheus's extrapolation, regression, Holt-Winters and
// the *_over_time aggregations.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "query/format.h"
#include "query/functions_internal.h"

namespace obs::backend::query::internal {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Kahan-Babuska compensated addition, as Prometheus's kahanSumInc.
void KahanAdd(double inc, double& sum, double& c) {
  const double t = sum + inc;
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

// Prometheus 2.42 extrapolatedRate: the change over the window, extrapolated
// to the window's edges unless the series starts or ends well inside it.
std::optional<double> ExtrapolatedRate(Points p, const RangeWindow& w, bool is_counter,
                                       bool is_rate) {
  if (p.size() < 2) {
    return std::nullopt;
  }
  double result = p.back().value - p.front().value;
  if (is_counter && w.drops_known) {
    // The same additions as the scan below, in the same order.
    const std::size_t end = w.first + p.size();
    for (auto it = std::upper_bound(w.drops.begin(), w.drops.end(), w.first);
         it != w.drops.end() && *it < end; ++it) {
      result += p[*it - w.first - 1].value;
    }
  } else if (is_counter) {
    double last = p.front().value;
    for (const auto& s : p) {
      if (s.value < last) {
        result += last;
      }
      last = s.value;
    }
  }
  double to_start = static_cast<double>(p.front().timestamp_ms - w.range_start) / 1000;
  const double to_end = static_cast<double>(w.range_end - p.back().timestamp_ms) / 1000;
  const double sampled = static_cast<double>(p.back().timestamp_ms - p.front().timestamp_ms) / 1000;
  const double avg_step = sampled / static_cast<double>(p.size() - 1);
  if (is_counter && result > 0 && p.front().value >= 0) {
    // A counter cannot go below zero: extrapolate at most to where it was 0.
    const double to_zero = sampled * (p.front().value / result);
    if (to_zero < to_start) {
      to_start = to_zero;
    }
  }
  const double threshold = avg_step * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg_step / 2;
  interval += to_end < threshold ? to_end : avg_step / 2;
  result = result * (interval / sampled);
  if (is_rate) {
    result /= static_cast<double>(w.range_ms) / 1000;
  }
  return result;
}

std::optional<double> InstantValue(Points p, bool is_rate) {
  if (p.size() < 2) {
    return std::nullopt;
  }
  const wire::Sample& last = p[p.size() - 1];
  const wire::Sample& prev = p[p.size() - 2];
  double result = is_rate && last.value < prev.value ? last.value : last.value - prev.value;
  const std::int64_t interval = last.timestamp_ms - prev.timestamp_ms;
  if (interval == 0) {
    return std::nullopt;
  }
  if (is_rate) {
    result /= static_cast<double>(interval) / 1000;
  }
  return result;
}

struct Regression {
  double slope;
  double intercept;
};

// Least squares over (t - intercept_t in seconds, v), as Prometheus's
// linearRegression, including its constant-series shortcut.
Regression LinearRegression(Points p, std::int64_t intercept_t) {
  double n = 0;
  double sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  const double init_y = p.front().value;
  bool const_y = true;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (const_y && i > 0 && p[i].value != init_y) {
      const_y = false;
    }
    n += 1;
    const double x = static_cast<double>(p[i].timestamp_ms - intercept_t) / 1e3;
    KahanAdd(x, sum_x, c_x);
    KahanAdd(p[i].value, sum_y, c_y);
    KahanAdd(x * p[i].value, sum_xy, c_xy);
    KahanAdd(x * x, sum_x2, c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      return {kNaN, kNaN};
    }
    return {0, init_y};
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  const double slope = cov_xy / var_x;
  return {slope, sum_y / n - slope * sum_x / n};
}

}  // namespace

std::optional<double> Rate(Points p, const RangeWindow& w, Scalars) {
  return ExtrapolatedRate(p, w, true, true);
}
std::optional<double> Increase(Points p, const RangeWindow& w, Scalars) {
  return ExtrapolatedRate(p, w, true, false);
}
std::optional<double> Delta(Points p, const RangeWindow& w, Scalars) {
  return ExtrapolatedRate(p, w, false, false);
}
std::optional<double> Irate(Points p, const RangeWindow&, Scalars) {
  return InstantValue(p, true);
}
std::optional<double> Idelta(Points p, const RangeWindow&, Scalars) {
  return InstantValue(p, false);
}

std::optional<double> Changes(Points p, const RangeWindow&, Scalars) {
  double changes = 0;
  double prev = p.front().value;
  for (std::size_t i = 1; i < p.size(); ++i) {
    const double cur = p[i].value;
    if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) {
      changes++;
    }
    prev = cur;
  }
  return changes;
}

std::optional<double> Resets(Points p, const RangeWindow& w, Scalars) {
  double resets = 0;
  if (w.drops_known) {
    const std::size_t end = w.first + p.size();
    for (auto it = std::upper_bound(w.drops.begin(), w.drops.end(), w.first);
         it != w.drops.end() && *it < end; ++it) {
      resets++;
    }
    return resets;
  }
  double prev = p.front().value;
  for (std::size_t i = 1; i < p.size(); ++i) {
    if (p[i].value < prev) {
      resets++;
    }
    prev = p[i].value;
  }
  return resets;
}

std::optional<double> Deriv(Points p, const RangeWindow&, Scalars) {
  if (p.size() < 2) {
    return std::nullopt;
  }
  // The intercept time is the first sample's, which keeps the x values small.
  return LinearRegression(p, p.front().timestamp_ms).slope;
}

std::optional<double> PredictLinear(Points p, const RangeWindow& w, Scalars s) {
  if (p.size() < 2) {
    return std::nullopt;
  }
  const Regression r = LinearRegression(p, w.eval_t);
  return r.slope * s[0] + r.intercept;
}

std::optional<double> HoltWinters(Points p, const RangeWindow&, Scalars s) {
  const double sf = s[0];
  const double tf = s[1];
  if (sf <= 0 || sf >= 1) {
    throw EvalFailure{QueryErrorType::kExecution,
                      "invalid smoothing factor. Expected: 0 < sf < 1, got: " + FormatGoFixed(sf)};
  }
  if (tf <= 0 || tf >= 1) {
    throw EvalFailure{QueryErrorType::kExecution,
                      "invalid trend factor. Expected: 0 < tf < 1, got: " + FormatGoFixed(tf)};
  }
  if (p.size() < 2) {
    return std::nullopt;
  }
  double s0 = 0;
  double s1 = p[0].value;
  double b = p[1].value - p[0].value;
  for (std::size_t i = 1; i < p.size(); ++i) {
    const double x = sf * p[i].value;
    if (i > 1) {
      b = tf * (s1 - s0) + (1 - tf) * b;  // calcTrendValue for i-1 > 0.
    }
    const double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

std::optional<double> AvgOverTime(Points p, const RangeWindow&, Scalars) {
  double mean = 0, c = 0, count = 0;
  for (const auto& s : p) {
    count++;
    if (std::isinf(mean)) {
      if (std::isinf(s.value) && (mean > 0) == (s.value > 0)) {
        continue;  // Inf of the same sign: the mean stays.
      }
      if (!std::isinf(s.value) && !std::isnan(s.value)) {
        continue;  // A finite value cannot move an infinite mean.
      }
    }
    KahanAdd(s.value / count - mean / count, mean, c);
  }
  return std::isinf(mean) ? mean : mean + c;
}

std::optional<double> MinOverTime(Points p, const RangeWindow&, Scalars) {
  double m = p.front().value;
  for (const auto& s : p) {
    if (s.value < m || std::isnan(m)) {
      m = s.value;
    }
  }
  return m;
}

std::optional<double> MaxOverTime(Points p, const RangeWindow&, Scalars) {
  double m = p.front().value;
  for (const auto& s : p) {
    if (s.value > m || std::isnan(m)) {
      m = s.value;
    }
  }
  return m;
}

std::optional<double> SumOverTime(Points p, const RangeWindow&, Scalars) {
  double sum = 0, c = 0;
  for (const auto& s : p) {
    KahanAdd(s.value, sum, c);
  }
  return std::isinf(sum) ? sum : sum + c;
}

std::optional<double> CountOverTime(Points p, const RangeWindow&, Scalars) {
  return static_cast<double>(p.size());
}

double Quantile(double phi, std::vector<double>& values) {
  if (values.empty() || std::isnan(phi)) {
    return kNaN;
  }
  if (phi < 0) {
    return -std::numeric_limits<double>::infinity();
  }
  if (phi > 1) {
    return std::numeric_limits<double>::infinity();
  }
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) {
      return !std::isnan(b);
    }
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = phi * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<std::size_t>(lower)] * (1 - weight) +
         values[static_cast<std::size_t>(upper)] * weight;
}

std::optional<double> QuantileOverTime(Points p, const RangeWindow&, Scalars s) {
  std::vector<double> values;
  values.reserve(p.size());
  for (const auto& x : p) {
    values.push_back(x.value);
  }
  return Quantile(s[0], values);
}

std::optional<double> StdvarOverTime(Points p, const RangeWindow&, Scalars) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const auto& s : p) {
    count++;
    const double delta = s.value - (mean + c_mean);
    KahanAdd(delta / count, mean, c_mean);
    KahanAdd(delta * (s.value - (mean + c_mean)), aux, c_aux);
  }
  return (aux + c_aux) / count;
}

std::optional<double> StddevOverTime(Points p, const RangeWindow& w, Scalars s) {
  return std::sqrt(*StdvarOverTime(p, w, s));
}

std::optional<double> LastOverTime(Points p, const RangeWindow&, Scalars) {
  return p.back().value;
}

std::optional<double> PresentOverTime(Points, const RangeWindow&, Scalars) {
  return 1.0;
}

}  // namespace obs::backend::query::internal
