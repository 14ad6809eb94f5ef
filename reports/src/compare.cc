#include "obs/reports/compare.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <random>
#include <set>

#include "obs/assertions/format.h"

#include "compare_format.h"
#include <nlohmann/json.hpp>

namespace obs::reports {
namespace {

constexpr std::array<std::pair<const char*, double>, 5> kLatencyPercentiles = {
    {{"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p99.9", 99.9}}};

double Median(std::vector<double> v) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double Change(double baseline, double current, bool absolute) {
  if (absolute) {
    return current - baseline;
  }
  if (baseline == 0) {
    return current == 0 ? 0 : (current > 0 ? 1 : -1);  // +-100%: no ratio to a zero.
  }
  return current / baseline - 1;
}

// Two-sided Mann-Whitney U p-value: exact (by counting rank arrangements)
// for small samples without ties, else the normal approximation with tie
// and continuity corrections.
double MannWhitneyP(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t n1 = a.size(), n2 = b.size();
  std::vector<std::pair<double, int>> all;
  for (double x : a)
    all.emplace_back(x, 0);
  for (double x : b)
    all.emplace_back(x, 1);
  std::sort(all.begin(), all.end());
  const std::size_t n = all.size();
  double rank_sum = 0;
  double tie_term = 0;
  bool ties = false;
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j < n && all[j].first == all[i].first)
      ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    const double t = static_cast<double>(j - i);
    if (t > 1) {
      ties = true;
      tie_term += t * t * t - t;
    }
    for (std::size_t k = i; k < j; ++k) {
      if (all[k].second == 0)
        rank_sum += rank;
    }
    i = j;
  }
  const double u = rank_sum - static_cast<double>(n1 * (n1 + 1)) / 2;
  const double mean = static_cast<double>(n1 * n2) / 2;
  if (!ties && n1 * n2 <= 400) {
    // count[k][u]: arrangements of k values of `a` among the smallest values
    // giving statistic u; built up over n2 (the classic recurrence).
    const std::size_t max_u = n1 * n2;
    // f[i][j][u] via rolling over j: use a table per (i, j).
    std::vector<std::vector<std::vector<double>>> f(
        n1 + 1, std::vector<std::vector<double>>(n2 + 1, std::vector<double>(max_u + 1, 0)));
    for (std::size_t i = 0; i <= n1; ++i) {
      for (std::size_t j = 0; j <= n2; ++j) {
        if (i == 0 || j == 0) {
          f[i][j][0] = 1;
          continue;
        }
        for (std::size_t v = 0; v <= i * j; ++v) {
          // The largest value is from `a` (it beats all j of b) or from b.
          f[i][j][v] = (v >= j ? f[i - 1][j][v - j] : 0) + f[i][j - 1][v];
        }
      }
    }
    double total = 0, tail = 0;
    const double d = std::abs(u - mean);
    for (std::size_t v = 0; v <= max_u; ++v) {
      total += f[n1][n2][v];
      if (std::abs(static_cast<double>(v) - mean) >= d - 1e-9)
        tail += f[n1][n2][v];
    }
    return std::min(1.0, tail / total);
  }
  const double nn = static_cast<double>(n);
  const double var = static_cast<double>(n1 * n2) / 12 * ((nn + 1) - tie_term / (nn * (nn - 1)));
  if (var <= 0) {
    return 1;
  }
  const double z = std::max(0.0, std::abs(u - mean) - 0.5) / std::sqrt(var);
  return std::erfc(z / std::sqrt(2.0));
}

}  // namespace

// Shared with compare_html.cc (compare_format.h).
namespace internal {
namespace {

std::string Percent(double fraction, bool sign) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), sign ? "%+.1f%%" : "%.1f%%", fraction * 100);
  return buf.data();
}

std::string Points(double diff) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%+.2f pp", diff * 100);
  return buf.data();
}

}  // namespace

std::string FormatValue(double v, const std::string& unit) {
  std::array<char, 48> buf{};
  if (unit == "s") {
    if (v < 1) {
      std::snprintf(buf.data(), buf.size(), "%.2f ms", v * 1e3);
    } else {
      std::snprintf(buf.data(), buf.size(), "%.3f s", v);
    }
  } else if (unit == "/s") {
    std::snprintf(buf.data(), buf.size(), "%.1f/s", v);
  } else if (unit == "cores") {
    std::snprintf(buf.data(), buf.size(), "%.2f cores", v);
  } else if (unit == "bytes") {
    return assertions::FormatBytes(v);
  } else {
    std::snprintf(buf.data(), buf.size(), "%.2f%%", v * 100);
  }
  return buf.data();
}

std::string FormatChange(double change, bool absolute) {
  return absolute ? Points(change) : Percent(change, true);
}

std::string FormatThreshold(double t, bool absolute) {
  return absolute ? Points(t).substr(1) : Percent(t, false);
}

}  // namespace internal

namespace {

using internal::FormatChange;
using internal::FormatThreshold;
using internal::FormatValue;

// Process CPU and memory vary more from run to run than latencies of a
// steady load: resources/* figures default to at least this threshold.
constexpr double kResourceThreshold = 0.25;

// The threshold keys that name figure `name`, most specific first: the full
// name, the part after the workload ("write_latency.p99"), and for
// resources/<process>/<figure> the figure alone ("cpu_cores_mean").
std::vector<std::string> ThresholdKeys(const std::string& name) {
  std::vector<std::string> keys = {name};
  const std::size_t first = name.find('/');
  if (first != std::string::npos) {
    keys.push_back(name.substr(first + 1));
  }
  if (name.starts_with("resources/")) {
    keys.push_back(name.substr(name.rfind('/') + 1));
  }
  return keys;
}

double ThresholdFor(const std::string& name, bool absolute, const CompareOptions& o) {
  for (const std::string& key : ThresholdKeys(name)) {
    if (auto it = o.thresholds.find(key); it != o.thresholds.end()) {
      return it->second;
    }
  }
  if (name.starts_with("resources/")) {
    return std::max(kResourceThreshold, o.default_relative_threshold);
  }
  return absolute ? o.default_absolute_threshold : o.default_relative_threshold;
}

void Judge(FigureComparison& f, const CompareOptions& o, std::mt19937_64& rng) {
  f.baseline_median = Median(f.baseline);
  f.current_median = Median(f.current);
  f.change = Change(f.baseline_median, f.current_median, f.absolute);
  f.noise_measured = f.baseline.size() >= 2 && f.current.size() >= 2;
  f.interval_low = f.interval_high = f.change;
  if (f.noise_measured) {
    std::vector<double> changes;
    changes.reserve(static_cast<std::size_t>(o.bootstrap_iterations));
    std::vector<double> rb(f.baseline.size()), rc(f.current.size());
    std::uniform_int_distribution<std::size_t> pick_b(0, f.baseline.size() - 1);
    std::uniform_int_distribution<std::size_t> pick_c(0, f.current.size() - 1);
    for (int i = 0; i < o.bootstrap_iterations; ++i) {
      for (double& x : rb)
        x = f.baseline[pick_b(rng)];
      for (double& x : rc)
        x = f.current[pick_c(rng)];
      changes.push_back(Change(Median(rb), Median(rc), f.absolute));
    }
    std::sort(changes.begin(), changes.end());
    const auto at = [&](double q) {
      return changes[static_cast<std::size_t>(q * static_cast<double>(changes.size() - 1))];
    };
    f.interval_low = at(0.025);
    f.interval_high = at(0.975);
  }
  if (f.baseline.size() >= 3 && f.current.size() >= 3) {
    f.p_value = MannWhitneyP(f.baseline, f.current);
  }
  // Worse is up for lower-is-better figures.
  const double worse = f.better == Better::kLower ? f.change : -f.change;
  const double worse_low = f.better == Better::kLower ? f.interval_low : -f.interval_high;
  const double worse_high = f.better == Better::kLower ? f.interval_high : -f.interval_low;
  // The U test joins the judgement where it can reach 5% (>= 5 runs a side).
  const bool u_conclusive =
      !f.p_value.has_value() || f.baseline.size() < 5 || f.current.size() < 5 || *f.p_value < 0.05;
  const bool beyond_noise_worse = !f.noise_measured || (worse_low > 0 && u_conclusive);
  const bool beyond_noise_better = !f.noise_measured || (worse_high < 0 && u_conclusive);
  const std::string values = FormatValue(f.baseline_median, f.unit) + " -> " +
                             FormatValue(f.current_median, f.unit) + " (" +
                             FormatChange(f.change, f.absolute);
  const std::string interval =
      f.noise_measured
          ? ", 95% interval " + FormatChange(f.interval_low, f.absolute) + " .. " +
                FormatChange(f.interval_high, f.absolute) +
                (f.p_value ? ", Mann-Whitney p=" + assertions::FormatNumber(*f.p_value, 3) : "")
          : ", noise not measured: " + std::to_string(f.baseline.size()) + " vs " +
                std::to_string(f.current.size()) + " run(s), use --repeat";
  const std::string threshold = FormatThreshold(f.threshold, f.absolute);
  // A change exactly at the threshold is within it (up to rounding).
  const double tolerance = 1e-9 * std::max(1.0, f.threshold);
  if (worse > f.threshold + tolerance && beyond_noise_worse) {
    f.verdict = Verdict::kRegressed;
    f.explanation = f.name + " regressed: " + values + interval + "), beyond the " + threshold +
                    " threshold" + (f.noise_measured ? " and beyond noise" : "");
  } else if (-worse > f.threshold + tolerance && beyond_noise_better) {
    f.verdict = Verdict::kImproved;
    f.explanation = f.name + " improved: " + values + interval + ")";
  } else {
    f.verdict = Verdict::kUnchanged;
    f.explanation =
        f.name + " unchanged: " + values + interval + "), " +
        (std::abs(worse) <= f.threshold + tolerance ? "within the " + threshold + " threshold"
                                                    : "within noise");
  }
}

}  // namespace

std::string_view VerdictText(Verdict v) {
  switch (v) {
    case Verdict::kImproved:
      return "improved";
    case Verdict::kRegressed:
      return "regressed";
    case Verdict::kUnchanged:
      break;
  }
  return "unchanged";
}

std::vector<Figure> ExtractFigures(const RunRecord& record) {
  std::vector<Figure> out;
  for (const WorkloadRecord& w : record.workloads) {
    const std::string p = w.name + "/";
    if (w.requests == 0) {
      continue;
    }
    out.push_back({p + "throughput", "/s", w.achieved_samples_per_second, Better::kHigher, false});
    if (w.latency_corrected.count() > 0) {
      for (const auto& [label, pct] : kLatencyPercentiles) {
        out.push_back({p + "write_latency." + label, "s",
                       static_cast<double>(w.latency_corrected.ValueAtPercentile(pct)) / 1e9,
                       Better::kLower, false});
      }
    }
    if (w.latency_uncorrected.count() > 0) {
      out.push_back({p + "write_latency_uncorrected.p99", "s",
                     static_cast<double>(w.latency_uncorrected.ValueAtPercentile(99)) / 1e9,
                     Better::kLower, false});
    }
    out.push_back({p + "error_rate", "ratio",
                   static_cast<double>(w.requests_rejected + w.requests_failed) /
                       static_cast<double>(w.requests),
                   Better::kLower, true});
  }
  const CompletenessRecord& c = record.completeness;
  if (c.checked && c.samples_expected > 0) {
    out.push_back({"completeness", "ratio",
                   static_cast<double>(c.samples_found) / static_cast<double>(c.samples_expected),
                   Better::kHigher, true});
  }
  const VisibilityRecord& v = record.visibility;
  if (v.checked && v.lag.count() > 0) {
    out.push_back({"visibility_lag.p50", "s",
                   static_cast<double>(v.lag.ValueAtPercentile(50)) / 1e9, Better::kLower, false});
    out.push_back({"visibility_lag.p99", "s",
                   static_cast<double>(v.lag.ValueAtPercentile(99)) / 1e9, Better::kLower, false});
  }
  for (const ProcessResources& p : record.resources) {
    if (p.samples.empty()) {
      continue;  // Too short a run to measure.
    }
    const std::string prefix = "resources/" + p.name + "/";
    out.push_back({prefix + "cpu_cores_mean", "cores", p.cpu_cores_mean, Better::kLower, false});
    out.push_back({prefix + "rss_max_bytes", "bytes", static_cast<double>(p.rss_max_bytes),
                   Better::kLower, false});
  }
  return out;
}

std::vector<std::map<std::string, double>> RunFigures(const RunReport& report) {
  std::vector<std::map<std::string, double>> runs;
  for (const RepeatRecord& r : report.record.repeats) {
    runs.push_back(r.figures);
  }
  if (runs.empty()) {
    std::map<std::string, double>& one = runs.emplace_back();
    for (const Figure& f : ExtractFigures(report.record)) {
      one[f.name] = f.value;
    }
  }
  return runs;
}

Result<Comparison> Compare(const RunReport& baseline, const RunReport& current,
                           const CompareOptions& options) {
  Comparison out;
  out.baseline_run_id = baseline.record.run_id;
  out.current_run_id = current.record.run_id;
  out.scenario_name = current.record.scenario_name;
  const auto base_runs = RunFigures(baseline);
  const auto cur_runs = RunFigures(current);
  out.baseline_runs = base_runs.size();
  out.current_runs = cur_runs.size();
  // Kinds (direction, unit) come from the summary figures of either side.
  std::map<std::string, Figure> kinds;
  for (const RunReport* r : {&baseline, &current}) {
    for (Figure& f : ExtractFigures(r->record)) {
      kinds.emplace(f.name, f);
    }
  }
  for (const auto& threshold : options.thresholds) {
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    const std::string& key = threshold.first;
    const double value = threshold.second;
    if (value < 0) {
      return InvalidArgumentError("threshold " + key + " must be >= 0");
    }
    const bool known = std::any_of(kinds.begin(), kinds.end(), [&](const auto& kv) {
      const std::vector<std::string> keys = ThresholdKeys(kv.first);
      return std::find(keys.begin(), keys.end(), key) != keys.end();
    });
    if (!known) {
      std::string names;
      for (const auto& [name, f] : kinds) {
        names += (names.empty() ? "" : ", ") + name;
      }
      return InvalidArgumentError("threshold " + key + " names no figure of either report (" +
                                  names + ")");
    }
  }
  std::mt19937_64 rng(options.seed);
  for (const auto& [name, kind] : kinds) {
    FigureComparison f;
    f.name = name;
    f.unit = kind.unit;
    f.better = kind.better;
    f.absolute = kind.absolute;
    for (const auto& run : base_runs) {
      if (auto it = run.find(name); it != run.end())
        f.baseline.push_back(it->second);
    }
    for (const auto& run : cur_runs) {
      if (auto it = run.find(name); it != run.end())
        f.current.push_back(it->second);
    }
    if (f.baseline.empty() || f.current.empty()) {
      (f.baseline.empty() ? out.only_in_current : out.only_in_baseline).push_back(name);
      continue;
    }
    f.threshold = ThresholdFor(name, f.absolute, options);
    Judge(f, options, rng);
    out.regressed = out.regressed || f.verdict == Verdict::kRegressed;
    out.figures.push_back(std::move(f));
  }
  // Regressions first, then improvements, then the rest; by name within.
  std::stable_sort(out.figures.begin(), out.figures.end(),
                   [](const FigureComparison& a, const FigureComparison& b) {
                     const auto rank = [](Verdict v) {
                       return v == Verdict::kRegressed ? 0 : v == Verdict::kImproved ? 1 : 2;
                     };
                     return rank(a.verdict) < rank(b.verdict);
                   });
  return out;
}

int CompareExitCode(const Comparison& c) {
  return c.regressed ? 1 : 0;
}

void WriteCompareMarkdown(const Comparison& c, std::ostream& out) {
  out << "# " << (c.regressed ? "❌ REGRESSED" : "✅ NO REGRESSION") << " — `" << c.scenario_name
      << "`\n\n";
  out << "Baseline `" << c.baseline_run_id << "` (" << c.baseline_runs << " run"
      << (c.baseline_runs == 1 ? "" : "s") << ") → current `" << c.current_run_id << "` ("
      << c.current_runs << " run" << (c.current_runs == 1 ? "" : "s") << ")\n\n";
  out << "| Verdict | Figure | Baseline | Current | Change | 95% interval | p | Threshold |\n"
      << "|---|---|--:|--:|--:|---|--:|--:|\n";
  for (const FigureComparison& f : c.figures) {
    const char* icon = f.verdict == Verdict::kRegressed  ? "❌ regressed"
                       : f.verdict == Verdict::kImproved ? "✅ improved"
                                                         : "➖ unchanged";
    out << "| " << icon << " | `" << f.name << "` | " << FormatValue(f.baseline_median, f.unit)
        << " | " << FormatValue(f.current_median, f.unit) << " | "
        << FormatChange(f.change, f.absolute) << " | "
        << (f.noise_measured ? FormatChange(f.interval_low, f.absolute) + " … " +
                                   FormatChange(f.interval_high, f.absolute)
                             : std::string("not measured"))
        << " | " << (f.p_value ? assertions::FormatNumber(*f.p_value, 3) : std::string("–"))
        << " | " << FormatThreshold(f.threshold, f.absolute) << " |\n";
  }
  bool any = false;
  for (const FigureComparison& f : c.figures) {
    if (f.verdict != Verdict::kRegressed)
      continue;
    if (!any)
      out << "\n**Why it regressed**\n\n";
    any = true;
    out << "- " << f.explanation << "\n";
  }
  if (!c.only_in_baseline.empty() || !c.only_in_current.empty()) {
    out << "\n";
    for (const std::string& n : c.only_in_baseline)
      out << "- `" << n << "`: only in the baseline\n";
    for (const std::string& n : c.only_in_current)
      out << "- `" << n << "`: only in the current run\n";
  }
}

void WriteCompareJson(const Comparison& c, std::ostream& out) {
  nlohmann::ordered_json figures = nlohmann::ordered_json::array();
  for (const FigureComparison& f : c.figures) {
    nlohmann::ordered_json j = {{"name", f.name},
                                {"unit", f.unit},
                                {"better", f.better == Better::kLower ? "lower" : "higher"},
                                {"absolute", f.absolute},
                                {"verdict", VerdictText(f.verdict)},
                                {"baseline", f.baseline},
                                {"current", f.current},
                                {"baseline_median", f.baseline_median},
                                {"current_median", f.current_median},
                                {"change", f.change},
                                {"interval", {f.interval_low, f.interval_high}},
                                {"noise_measured", f.noise_measured},
                                {"p_value", nullptr},
                                {"threshold", f.threshold},
                                {"explanation", f.explanation}};
    if (f.p_value)
      j["p_value"] = *f.p_value;
    figures.push_back(std::move(j));
  }
  const nlohmann::ordered_json doc = {{"scenario", c.scenario_name},
                                      {"baseline_run_id", c.baseline_run_id},
                                      {"current_run_id", c.current_run_id},
                                      {"baseline_runs", c.baseline_runs},
                                      {"current_runs", c.current_runs},
                                      {"regressed", c.regressed},
                                      {"exit_code", CompareExitCode(c)},
                                      {"figures", figures},
                                      {"only_in_baseline", c.only_in_baseline},
                                      {"only_in_current", c.only_in_current}};
  out << doc.dump(2) << "\n";
}

Result<double> ParseThreshold(std::string_view text) {
  std::string_view num = text;
  double scale = 1;
  if (num.ends_with("pp")) {
    num.remove_suffix(2);
    scale = 0.01;
  } else if (num.ends_with("%")) {
    num.remove_suffix(1);
    scale = 0.01;
  }
  double v = 0;
  const auto r = std::from_chars(num.data(), num.data() + num.size(), v);
  if (num.empty() || r.ec != std::errc() || r.ptr != num.data() + num.size() || !(v >= 0)) {
    return InvalidArgumentError("threshold \"" + std::string(text) +
                                "\" is not a non-negative number, percentage (10%) or "
                                "percentage points (1pp)");
  }
  return v * scale;
}

}  // namespace obs::reports
