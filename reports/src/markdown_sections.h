// The sections of summary.md, each rendered to a string (empty when the
// section has nothing to say). Split from the writer to keep files small.
//
// Thread safety: stateless.

#pragma once

#include <string>

#include "obs/base/run_record.h"
#include "obs/reports/report.h"

namespace obs::reports::internal {

std::string MarkdownAssertions(const RunReport& report);
std::string MarkdownLoad(const RunRecord& record);
std::string MarkdownCompleteness(const CompletenessRecord& completeness);
std::string MarkdownTraces(const TraceCompletenessRecord& traces);  // "" when not checked.
std::string MarkdownLogs(const LogCompletenessRecord& logs);        // "" when not checked.
std::string MarkdownVisibility(const VisibilityRecord& visibility);
std::string MarkdownWarnings(const RunRecord& record);
std::string MarkdownRepeats(const RunRecord& record);    // "" for a single run.
std::string MarkdownResources(const RunRecord& record);  // "" when no process was sampled.
// Empty unless the run was an experiment (markdown_experiment.cc).
std::string MarkdownExperiment(const RunRecord& record);
// Empty unless the run had alerting (markdown_alerts.cc).
std::string MarkdownAlerts(const AlertsRecord& alerts);

}  // namespace obs::reports::internal
