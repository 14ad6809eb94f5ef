// The figures of experiments (docs/overhead.md): the overhead of each variant
// against the baseline variant, and what each variant's export destinations
// received.

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "obs/assertions/format.h"

#include "figures.h"

namespace obs::assertions::internal {
namespace {

std::vector<std::string> ComparedVariants(const ExperimentRecord& e) {
  std::vector<std::string> out;
  for (const std::string& v : e.variants) {
    if (v != e.baseline)
      out.push_back(v);
  }
  return out;
}

std::vector<std::string> ExportingVariants(const ExperimentRecord& e) {
  std::vector<std::string> out;
  for (const std::string& v : e.variants) {
    const bool exports =
        std::any_of(e.exports.begin(), e.exports.end(),
                    [&](const ExportCompletenessRecord& x) { return x.variant == v; });
    if (exports)
      out.push_back(v);
  }
  return out;
}

// A signed change in `unit`: "+1.2 ms", "-3%".
std::string FormatIn(Unit unit, double value) {
  if (unit == Unit::kDuration)
    return (value > 0 ? "+" : value < 0 ? "-" : "") + FormatDurationNs(std::abs(value) * 1e9);
  return FormatValue(unit, value);
}

std::string Interval(Unit unit, double low, double high) {
  if (!std::isfinite(low) || !std::isfinite(high))
    return "no confidence interval from one round";
  return "95% CI " + FormatIn(unit, low) + " .. " + FormatIn(unit, high);
}

Measurement Overhead(const ExperimentRecord& e, const std::string& variant, std::string_view figure,
                     bool relative, Unit unit) {
  const auto it = std::find_if(e.overhead.begin(), e.overhead.end(), [&](const OverheadRecord& o) {
    return o.variant == variant && o.figure == figure;
  });
  if (it == e.overhead.end() || it->pairs == 0)
    return NoData("variant " + variant + " has no " + std::string(figure) +
                  " measurement paired with the baseline " + e.baseline);
  std::string detail = std::to_string(it->pairs) + (it->pairs == 1 ? " round" : " rounds") + ", ";
  if (relative) {
    if (!std::isfinite(it->relative))
      return NoData("the baseline " + e.baseline + "'s " + std::string(figure) + " is 0");
    detail += Interval(Unit::kChange, it->relative_ci_low, it->relative_ci_high) + "; " +
              std::string(figure) + " " + FormatNumber(it->baseline_mean * 1e6, 2) + " -> " +
              FormatNumber(it->variant_mean * 1e6, 2) + " µs";
    return Value(it->relative, detail + " (baseline " + e.baseline + ")");
  }
  const auto absolute = [unit](double v) {
    return unit == Unit::kBytes ? FormatBytes(v) : FormatDurationNs(v * 1e9);
  };
  detail += Interval(unit, it->delta_ci_low, it->delta_ci_high) + "; " + e.baseline + " " +
            absolute(it->baseline_mean) + ", " + variant + " " + absolute(it->variant_mean);
  return Value(it->delta_mean, detail);
}

}  // namespace

void AddExperimentFigures(std::vector<Figure>& out) {
  const auto variant_figure = [&out](std::string name, Unit unit, auto select, auto measure) {
    Figure f;
    f.name = std::move(name);
    f.unit = unit;
    f.scope = Scope::kVariant;
    f.select_variants = select;
    f.measure_variant = measure;
    out.push_back(std::move(f));
  };
  variant_figure("overhead.cpu", Unit::kChange, ComparedVariants,
                 [](const ExperimentRecord& e, const std::string& v) {
                   return Overhead(e, v, "cpu_per_request", true, Unit::kChange);
                 });
  variant_figure("overhead.cpu_per_request", Unit::kDuration, ComparedVariants,
                 [](const ExperimentRecord& e, const std::string& v) {
                   return Overhead(e, v, "cpu_per_request", false, Unit::kDuration);
                 });
  for (const char* p : {"p50", "p95", "p99"}) {
    const std::string figure = p;
    variant_figure("overhead." + figure, Unit::kDuration, ComparedVariants,
                   [figure](const ExperimentRecord& e, const std::string& v) {
                     return Overhead(e, v, figure, false, Unit::kDuration);
                   });
  }
  for (const char* r : {"rss_mean", "rss_max"}) {
    const std::string figure = r;
    variant_figure(std::string("overhead.") + (figure == "rss_mean" ? "rss" : "rss_max"),
                   Unit::kBytes, ComparedVariants,
                   [figure](const ExperimentRecord& e, const std::string& v) {
                     return Overhead(e, v, figure, false, Unit::kBytes);
                   });
  }
  variant_figure("export.completeness", Unit::kRatio, ExportingVariants,
                 [](const ExperimentRecord& e, const std::string& v) {
                   const ExportCompletenessRecord* worst = nullptr;
                   for (const ExportCompletenessRecord& x : e.exports) {
                     if (x.variant != v)
                       continue;
                     if (worst == nullptr || x.completeness < worst->completeness)
                       worst = &x;
                   }
                   if (worst == nullptr)
                     return NoData("variant " + v + " exports nowhere");
                   if (worst->requests_answered == 0)
                     return NoData("variant " + v + "'s application answered no requests");
                   return Value(worst->completeness,
                                "worst destination " + worst->destination + ": " +
                                    FormatCount(worst->server_spans) + " server spans for " +
                                    FormatCount(worst->requests_answered) + " answered requests");
                 });
}

}  // namespace obs::assertions::internal
