// compare.html: the compare table of compare.md as one self-contained page,
// verdicts coloured, with a small chart per figure: every run's value on each
// side, both medians, and the 95% interval of the change drawn around the
// baseline median so it reads in the figure's own units.

#include <string>

#include "obs/assertions/format.h"
#include "obs/reports/compare.h"

#include "compare_format.h"
#include "html_sections.h"
#include "svg_chart.h"

namespace obs::reports {
namespace {

using internal::HtmlEscape;

std::string Code(const std::string& text) {
  return "<code>" + HtmlEscape(text) + "</code>";
}

std::string Runs(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " run" : " runs");
}

internal::AxisUnit UnitOf(const std::string& unit) {
  return unit == "s"    ? internal::AxisUnit::kSeconds
         : unit == "/s" ? internal::AxisUnit::kPerSecond
                        : internal::AxisUnit::kRatio;
}

// The change interval as values: baseline median x (1 + change), or
// + change for absolute figures.
double AtChange(const FigureComparison& f, double change) {
  return f.absolute ? f.baseline_median + change : f.baseline_median * (1 + change);
}

std::string FigureRow(const FigureComparison& f, std::size_t index) {
  const std::string verdict(VerdictText(f.verdict));
  const internal::Color color = f.verdict == Verdict::kRegressed  ? internal::Color::kRed
                                : f.verdict == Verdict::kImproved ? internal::Color::kGreen
                                                                  : internal::Color::kBlue;
  const std::string chart =
      internal::RenderRangeChart({.id = "figure-" + std::to_string(index),
                                  .title = f.name + ": baseline vs current",
                                  .unit = UnitOf(f.unit),
                                  .baseline = f.baseline,
                                  .current = f.current,
                                  .baseline_median = f.baseline_median,
                                  .current_median = f.current_median,
                                  .has_interval = f.noise_measured,
                                  .interval_low = AtChange(f, f.interval_low),
                                  .interval_high = AtChange(f, f.interval_high),
                                  .current_color = color});
  const std::string interval = f.noise_measured
                                   ? internal::FormatChange(f.interval_low, f.absolute) + " … " +
                                         internal::FormatChange(f.interval_high, f.absolute)
                                   : "not measured";
  return "<tr class=\"" + verdict + "\"><td class=\"outcome\">" + verdict + "</td><td>" +
         Code(f.name) + "</td><td class=\"num\">" +
         HtmlEscape(internal::FormatValue(f.baseline_median, f.unit)) + "</td><td class=\"num\">" +
         HtmlEscape(internal::FormatValue(f.current_median, f.unit)) + "</td><td class=\"num\">" +
         HtmlEscape(internal::FormatChange(f.change, f.absolute)) + "</td><td class=\"num\">" +
         HtmlEscape(interval) + "</td><td class=\"num\">" +
         (f.p_value ? HtmlEscape(assertions::FormatNumber(*f.p_value, 3)) : std::string("–")) +
         "</td><td class=\"num\">" +
         HtmlEscape(internal::FormatThreshold(f.threshold, f.absolute)) + "</td><td>" + chart +
         "</td></tr>\n";
}

}  // namespace

void WriteCompareHtml(const Comparison& c, std::ostream& out) {
  const std::string verdict = c.regressed ? "regressed" : "unchanged";
  std::string body = "<header class=\"verdict " + verdict + "\" id=\"verdict\">\n<h1>" +
                     (c.regressed ? "❌ REGRESSED" : "✅ NO REGRESSION") + " — " +
                     Code(c.scenario_name) + "</h1>\n<p>Baseline " + Code(c.baseline_run_id) +
                     " (" + Runs(c.baseline_runs) + ") → current " + Code(c.current_run_id) + " (" +
                     Runs(c.current_runs) + ")</p>\n</header>\n";
  body +=
      "<section id=\"figures\">\n<h2>Figures</h2>\n<p class=\"meta\">Grey: baseline runs "
      "and median; coloured: current runs and median (red regressed, green improved, blue "
      "unchanged); the band is the 95% interval of the change.</p>\n<table>\n" +
      internal::HtmlRow({"Verdict", "Figure", "Baseline", "Current", "Change", "95% interval", "p",
                         "Threshold", "Runs"},
                        true);
  for (std::size_t i = 0; i < c.figures.size(); ++i) {
    body += FigureRow(c.figures[i], i);
  }
  body += "</table>\n</section>\n";
  std::string why;
  for (const FigureComparison& f : c.figures) {
    if (f.verdict == Verdict::kRegressed) {
      why += "<li>" + HtmlEscape(f.explanation) + "</li>\n";
    }
  }
  if (!why.empty()) {
    body += "<section id=\"why\">\n<h2>Why it regressed</h2>\n<ul>\n" + why + "</ul>\n</section>\n";
  }
  if (!c.only_in_baseline.empty() || !c.only_in_current.empty()) {
    body += "<section id=\"unmatched\">\n<h2>Figures on one side only</h2>\n<ul>\n";
    for (const std::string& n : c.only_in_baseline) {
      body += "<li>" + Code(n) + ": only in the baseline</li>\n";
    }
    for (const std::string& n : c.only_in_current) {
      body += "<li>" + Code(n) + ": only in the current run</li>\n";
    }
    body += "</ul>\n</section>\n";
  }
  out << internal::HtmlPage(c.scenario_name + " — compare — obsbench", body);
}

}  // namespace obs::reports
