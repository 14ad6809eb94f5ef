// A ReportWriter turns one finished run into one output format: report.json
// (the versioned, machine-readable record; docs/report-format.md), junit.xml
// (one test case per assertion, for CI test tabs) and summary.md (a verdict
// and a few tight tables for terminals and CI job summaries) and report.html
// (one self-contained page with inline SVG charts, no script, no external
// reference; docs/report-format.md). Writers never
// open files and never read clocks or the locale: they write to the stream
// they are given, so output is byte-for-byte deterministic and golden tests
// compare it with fixtures/golden/reports/.
//
// Thread safety: writers are immutable; one writer may be used from several
// threads at once, each with its own stream.

#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "obs/base/status.h"
#include "obs/reports/report.h"

namespace obs::reports {

// The version written as "schema_version" and the only one ParseJsonReport reads.
inline constexpr int kJsonSchemaVersion = 1;

class ReportWriter {
 public:
  virtual ~ReportWriter() = default;

  // Writes `report` to `out`. A failed assertion is data in `report`, not an
  // error here. Returns kUnavailable only if `out` is in a failed state afterwards.
  virtual Status Write(const RunReport& report, std::ostream& out) const = 0;

  // The conventional file name: "report.json", "junit.xml", "summary.md" or "report.html".
  virtual std::string_view file_name() const = 0;
};

std::unique_ptr<ReportWriter> NewJsonWriter();      // report.json
std::unique_ptr<ReportWriter> NewJUnitWriter();     // junit.xml
std::unique_ptr<ReportWriter> NewMarkdownWriter();  // summary.md
// report.html: every text from the run HTML-escaped; charts need
// WorkloadRecord::intervals (a workload without them gets its latency
// spectrum only).
std::unique_ptr<ReportWriter> NewHtmlWriter();

// Writes report.json, junit.xml, summary.md and report.html into `dir`, creating it (and
// its parents) if missing. Returns kUnavailable naming the path on any I/O
// error; files already written are left in place.
Status WriteReports(const RunReport& report, const std::string& dir);

// Parses report.json text back into a RunReport; histograms are rebuilt from
// their buckets with obs::Histogram::FromBuckets, derived fields (verdict,
// percentile tables, human-readable strings) are ignored.
// Writing the result with NewJsonWriter() reproduces the input byte for byte
// when the input was written by NewJsonWriter().
// Returns kInvalidArgument for malformed JSON, a missing or mistyped field,
// or a "schema_version" other than kJsonSchemaVersion.
Result<RunReport> ParseJsonReport(std::string_view json);

// Reads and parses a report.json file, or the report.json inside `path` when
// it is a directory (a run's --out directory or a saved baseline). Returns
// kNotFound naming the file if it cannot be read, kInvalidArgument naming it
// if it does not parse.
Result<RunReport> ReadJsonReport(const std::string& path);

}  // namespace obs::reports
