// The "Experiment" section of summary.md: the tables of experiment_tables.h
// as GitHub-flavoured Markdown, names as code spans.

#include <string>

#include "experiment_tables.h"
#include "markdown_sections.h"
#include "text.h"

namespace obs::reports::internal {
namespace {

std::string Cell(const ExperimentCell& c) {
  return c.text + (c.name.empty() ? "" : MarkdownCode(c.name, /*in_table=*/true)) + c.suffix;
}

std::string Table(const ExperimentTable& t) {
  std::string out = "|";
  for (const ExperimentCell& c : t.header) {
    out += " " + Cell(c) + " |";
  }
  out += "\n|";
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    out += i < t.numeric_from ? "---|" : "--:|";
  }
  out += "\n";
  for (const std::vector<ExperimentCell>& row : t.rows) {
    out += "|";
    for (const ExperimentCell& c : row) {
      out += " " + Cell(c) + " |";
    }
    out += "\n";
  }
  return out;
}

std::string NameList(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : ", ") + MarkdownCode(names[i], /*in_table=*/false);
  }
  return out;
}

}  // namespace

std::string MarkdownExperiment(const RunRecord& record) {
  if (!record.experiment.has_value()) {
    return "";
  }
  const ExperimentRecord& e = *record.experiment;
  std::string out =
      "## Experiment\n\n" + std::to_string(e.variants.size()) + " variants (" +
      NameList(e.variants) + "), " + std::to_string(e.rounds) +
      (e.rounds == 1 ? " round" : " rounds") + ", interleaved under the same load; baseline " +
      MarkdownCode(e.baseline, /*in_table=*/false) +
      ". Figures are means over each variant's rounds.\n\n" + Table(ExperimentVariantsTable(e));
  const ExperimentTable overhead = ExperimentOverheadTable(e);
  if (!overhead.rows.empty()) {
    out +=
        "\n### Overhead\n\nEach variant minus the baseline in the same round, averaged over the "
        "rounds, with the 95% confidence interval of that mean (Student's t; none from one "
        "round).\n\n" +
        Table(overhead);
  }
  const ExperimentTable rounds = ExperimentRoundsTable(e);
  out += "\n### Rounds\n\n";
  out += rounds.rows.empty() ? "No variant run completed.\n" : Table(rounds);
  const ExperimentTable exports = ExperimentExportsTable(e);
  out += "\n### Export completeness\n\n";
  out += exports.rows.empty()
             ? "No variant exports to a destination.\n"
             : "Server spans received against requests the application answered (warmup "
               "included), over all rounds.\n\n" +
                   Table(exports);
  return out;
}

}  // namespace obs::reports::internal
