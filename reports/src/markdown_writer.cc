// summary.md: the verdict first (a CI job summary shows the top), then the
// assertions, then only the tables a reader needs to see why.

#include <string>

#include "obs/assertions/format.h"
#include "obs/reports/writer.h"

#include "markdown_sections.h"
#include "text.h"

namespace obs::reports::internal {
namespace {

std::string VerdictLine(const RunReport& report) {
  std::size_t passed = 0;
  for (const assertions::AssertionResult& r : report.assertions)
    passed += r.outcome == assertions::Outcome::kPassed ? 1 : 0;
  const std::string scenario = MarkdownCode(report.record.scenario_name, /*in_table=*/false);
  const std::string counts = std::to_string(passed) + " of " +
                             std::to_string(report.assertions.size()) + " assertions passed";
  switch (ExitCode(report)) {
    case 0:
      return "# ✅ PASSED — " + scenario + " (" + counts + ")\n";
    case 1:
      return "# ❌ FAILED — " + scenario + " (" + counts + ")\n";
    default:
      return "# ⚠️ ERROR — " + scenario +
             " could not complete\n\n**Infrastructure error:** " +
             MarkdownText(report.infrastructure_error) + "\n";
  }
}

std::string RunLine(const RunRecord& r) {
  std::string out = "Run " + MarkdownCode(r.run_id, false) + " · seed " + std::to_string(r.seed) +
                    " · target " + MarkdownText(r.target_kind);
  if (!r.target_write_url.empty())
    out += " " + MarkdownCode(r.target_write_url, false);
  out += " · " + assertions::FormatFixed(r.duration_seconds, 2) + " s · started " +
         assertions::FormatUnixMillis(r.started_unix_ms) + "\n";
  if (!r.scenario_description.empty())
    out += "\n" + MarkdownText(r.scenario_description) + "\n";
  return out;
}

class MarkdownWriter final : public ReportWriter {
 public:
  Status Write(const RunReport& report, std::ostream& out) const override {
    std::string md = VerdictLine(report) + "\n" + RunLine(report.record);
    for (const std::string& section :
         {MarkdownAssertions(report), MarkdownExperiment(report.record),
          MarkdownAlerts(report.record.alerts), MarkdownLoad(report.record),
          MarkdownCompleteness(report.record.completeness), MarkdownTraces(report.record.traces),
          MarkdownLogs(report.record.logs), MarkdownVisibility(report.record.visibility),
          MarkdownResources(report.record), MarkdownRepeats(report.record),
          MarkdownWarnings(report.record)}) {
      if (!section.empty())
        md += "\n" + section;
    }
    out << md;
    return StreamStatus(out, file_name());
  }
  std::string_view file_name() const override { return "summary.md"; }
};

}  // namespace
}  // namespace obs::reports::internal

namespace obs::reports {

std::unique_ptr<ReportWriter> NewMarkdownWriter() {
  return std::make_unique<internal::MarkdownWriter>();
}

}  // namespace obs::reports
