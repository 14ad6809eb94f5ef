// The "Experiment" section of report.html: the tables of experiment_tables.h
// (as summary.md shows them) and a bar chart of the application's CPU per
// request per variant with the overhead's 95% interval as whiskers.

#include <cmath>
#include <string>

#include "experiment_tables.h"
#include "html_sections.h"
#include "svg_chart.h"

namespace obs::reports::internal {
namespace {

std::string Cell(const ExperimentCell& c) {
  return HtmlEscape(c.text) + (c.name.empty() ? "" : "<code>" + HtmlEscape(c.name) + "</code>") +
         HtmlEscape(c.suffix);
}

std::string Table(const ExperimentTable& t) {
  std::string out = "<table>\n<tr>";
  for (const ExperimentCell& c : t.header) {
    out += "<th>" + Cell(c) + "</th>";
  }
  out += "</tr>\n";
  for (const std::vector<ExperimentCell>& row : t.rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      out += (i < t.numeric_from ? "<td>" : "<td class=\"num\">") + Cell(row[i]) + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string NameList(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : ", ") + std::string("<code>") + HtmlEscape(names[i]) + "</code>";
  }
  return out;
}

// Bars: each variant's mean CPU per request (a compared variant's over the
// rounds paired with the baseline); whiskers: the baseline's mean plus the
// 95% interval of the paired difference.
std::string CpuChart(const ExperimentRecord& e) {
  BarChartSpec spec{.id = "experiment-cpu",
                    .title = "Application CPU per request by variant",
                    .unit = AxisUnit::kSeconds,
                    .y_label = "CPU per request"};
  std::size_t colour = 0;
  for (const std::string& v : e.variants) {
    Bar bar{.label = v, .value = ExperimentMeanCpuPerRequest(e, v)};
    if (v == e.baseline) {
      bar.color = Color::kGrey;
      bar.note = "baseline";
    } else {
      bar.color = PaletteColor(colour++);
      const OverheadRecord* o = FindOverhead(e, v, "cpu_per_request");
      if (o != nullptr && o->pairs > 0) {
        bar.value = o->variant_mean;
        bar.has_interval = std::isfinite(o->delta_ci_low) && std::isfinite(o->delta_ci_high);
        bar.interval_low = o->baseline_mean + o->delta_ci_low;
        bar.interval_high = o->baseline_mean + o->delta_ci_high;
        bar.note = std::to_string(o->pairs) + (o->pairs == 1 ? " round" : " rounds") +
                   (bar.has_interval ? "" : ", no interval");
      }
    }
    spec.bars.push_back(std::move(bar));
  }
  return RenderBarChart(spec);
}

}  // namespace

std::string HtmlExperiment(const RunRecord& record) {
  if (!record.experiment.has_value()) {
    return "";
  }
  const ExperimentRecord& e = *record.experiment;
  std::string out = "<section id=\"experiment\">\n<h2>Experiment</h2>\n<p>" +
                    std::to_string(e.variants.size()) + " variants (" + NameList(e.variants) +
                    "), " + std::to_string(e.rounds) + (e.rounds == 1 ? " round" : " rounds") +
                    ", interleaved under the same load; baseline <code>" + HtmlEscape(e.baseline) +
                    "</code>. Figures are means over each variant's rounds.</p>\n" +
                    Table(ExperimentVariantsTable(e));
  const ExperimentTable overhead = ExperimentOverheadTable(e);
  if (!overhead.rows.empty()) {
    out +=
        "<h3>Overhead</h3>\n<p class=\"meta\">Each variant minus the baseline in the same round, "
        "averaged over the rounds, with the 95% confidence interval of that mean (Student's t; "
        "none from one round). In the chart, whiskers are the baseline's mean plus that "
        "interval.</p>\n" +
        Table(overhead);
  }
  out += "<div class=\"charts\">\n" + CpuChart(e) + "</div>\n";
  const ExperimentTable rounds = ExperimentRoundsTable(e);
  out += "<h3>Rounds</h3>\n";
  out += rounds.rows.empty() ? "<p>No variant run completed.</p>\n" : Table(rounds);
  const ExperimentTable exports = ExperimentExportsTable(e);
  out += "<h3>Export completeness</h3>\n";
  out += exports.rows.empty()
             ? "<p>No variant exports to a destination.</p>\n"
             : "<p class=\"meta\">Server spans received against requests the application answered "
               "(warmup included), over all rounds.</p>\n" +
                   Table(exports);
  return out + "</section>\n";
}

}  // namespace obs::reports::internal
