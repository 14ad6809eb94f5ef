// report.html: one self-contained page per run (no script, no external
// reference; opens offline): the verdict first, then the assertions, an
// experiment's variants and overhead, alerts, the load with its charts over
// time, completeness, visibility lag, resources, warnings, and the scenario
// that produced it. The tables mirror summary.md; the charts are inline SVG
// from svg_chart.h.

#include <string>

#include "obs/assertions/format.h"
#include "obs/reports/writer.h"

#include "html_sections.h"
#include "svg_chart.h"
#include "text.h"

namespace obs::reports::internal {
namespace {

using assertions::FormatCount;
using assertions::FormatDurationNs;
using assertions::FormatNumber;
using assertions::FormatPercent;

std::string Ns(std::int64_t ns) {
  return FormatDurationNs(static_cast<double>(ns));
}

std::string Code(const std::string& text) {
  return "<code>" + HtmlEscape(text) + "</code>";
}

std::string VerdictBanner(const RunReport& report) {
  std::size_t passed = 0;
  for (const assertions::AssertionResult& r : report.assertions) {
    passed += r.outcome == assertions::Outcome::kPassed ? 1 : 0;
  }
  const std::string verdict(VerdictName(report));
  const std::string scenario = Code(report.record.scenario_name);
  std::string out = "<header class=\"verdict " + verdict + "\" id=\"verdict\">\n<h1>";
  switch (ExitCode(report)) {
    case 0:
      out += "✅ PASSED — " + scenario + "</h1>\n";
      break;
    case 1:
      out += "❌ FAILED — " + scenario + "</h1>\n";
      break;
    default:
      out += "⚠️ ERROR — " + scenario +
             " could not complete</h1>\n<p><strong>Infrastructure "
             "error:</strong> " +
             HtmlEscape(report.infrastructure_error) + "</p>\n";
  }
  out += "<p>" + std::to_string(passed) + " of " + std::to_string(report.assertions.size()) +
         " assertions passed.</p>\n</header>\n";
  const RunRecord& r = report.record;
  out += "<p class=\"meta\">Run " + Code(r.run_id) + " · seed " + std::to_string(r.seed) +
         " · target " + HtmlEscape(r.target_kind);
  if (!r.target_write_url.empty()) {
    out += " " + Code(r.target_write_url);
  }
  out += " · " + HtmlEscape(assertions::FormatFixed(r.duration_seconds, 2)) + " s · started " +
         HtmlEscape(assertions::FormatUnixMillis(r.started_unix_ms)) + "</p>\n";
  if (!r.scenario_description.empty()) {
    out += "<p>" + HtmlEscape(r.scenario_description) + "</p>\n";
  }
  return out;
}

std::string OutcomeClass(assertions::Outcome o) {
  switch (o) {
    case assertions::Outcome::kPassed:
      return "passed";
    case assertions::Outcome::kFailed:
      return "failed";
    case assertions::Outcome::kNoData:
      return "no_data";
  }
  return "no_data";
}

std::string Assertions(const RunReport& report) {
  std::string out = "<section id=\"assertions\">\n<h2>Assertions</h2>\n";
  if (report.assertions.empty()) {
    return out + "<p>No assertions were evaluated.</p>\n</section>\n";
  }
  out += "<table>\n" + HtmlRow({"Result", "Assertion", "Expected", "Actual", "Explanation"}, true);
  for (const assertions::AssertionResult& r : report.assertions) {
    const std::string cls = OutcomeClass(r.outcome);
    std::string label = r.spec.name == r.spec.expression || r.spec.name.empty()
                            ? Code(r.spec.expression)
                            : HtmlEscape(r.spec.name) + " " + Code(r.spec.expression);
    if (!r.spec.workload.empty()) {
      label += " on " + Code(r.spec.workload);
    }
    if (!r.spec.location.empty()) {
      label += " <span class=\"meta\">(" + HtmlEscape(r.spec.location) + ")</span>";
    }
    out += "<tr class=\"" + cls + "\"><td class=\"outcome\">" +
           (cls == "no_data" ? std::string("no data") : cls) + "</td><td>" + label + "</td><td>" +
           HtmlEscape(r.expected) + "</td><td>" + HtmlEscape(r.actual) + "</td><td>" +
           (r.outcome == assertions::Outcome::kPassed ? "" : HtmlEscape(r.explanation)) +
           "</td></tr>\n";
  }
  return out + "</table>\n</section>\n";
}

std::string LatencyCells(const std::string& label, const Histogram& h) {
  if (h.count() == 0) {
    return HtmlRow({label, "–", "–", "–", "–", "–"});
  }
  return HtmlRow({label, Ns(h.ValueAtPercentile(50)), Ns(h.ValueAtPercentile(90)),
                  Ns(h.ValueAtPercentile(99)), Ns(h.ValueAtPercentile(99.9)), Ns(h.max())});
}

std::string LoadTables(const RunRecord& record) {
  if (record.workloads.empty()) {
    return "";
  }
  std::string load = "<table>\n" + HtmlRow({"Workload", "Items/s target → achieved",
                                            "Req/s target → achieved", "Requests", "Retries",
                                            "Rejected", "Failed", "Late", "Unsent", "Bookkeeping"},
                                           true);
  std::string latency =
      "<table>\n" + HtmlRow({"Latency", "p50", "p90", "p99", "p99.9", "max"}, true);
  std::string notes;
  for (const WorkloadRecord& w : record.workloads) {
    load += HtmlRow({w.name,
                     FormatNumber(w.target_samples_per_second, 1) + " → " +
                         FormatNumber(w.achieved_samples_per_second, 1),
                     FormatNumber(w.target_requests_per_second, 1) + " → " +
                         FormatNumber(w.achieved_requests_per_second, 1),
                     FormatCount(w.requests), FormatCount(w.retries),
                     FormatCount(w.requests_rejected), FormatCount(w.requests_failed),
                     FormatCount(w.requests_late), FormatCount(w.requests_unsent),
                     assertions::FormatBytes(static_cast<double>(w.bookkeeping.total()))});
    latency += LatencyCells(w.name + " corrected", w.latency_corrected);
    latency += LatencyCells(w.name + " uncorrected", w.latency_uncorrected);
    if (w.stopped_early) {
      notes += "<li>" + Code(w.name) + " stopped early: " + HtmlEscape(w.stop_reason) + " (knee " +
               FormatNumber(w.knee_samples_per_second, 1) + " items/s)</li>\n";
    }
  }
  return "<section id=\"load\">\n<h2>Load</h2>\n" + load + "</table>\n" + latency + "</table>\n" +
         (notes.empty() ? "" : "<ul>\n" + notes + "</ul>\n") + "</section>\n";
}

std::string Completeness(const RunRecord& r) {
  const CompletenessRecord& c = r.completeness;
  std::string out = "<section id=\"completeness\">\n<h2>Completeness</h2>\n";
  if (!c.checked) {
    return out + "<p>Not checked" +
           (c.skipped_reason.empty() ? std::string(".") : ": " + HtmlEscape(c.skipped_reason)) +
           "</p>\n</section>\n";
  }
  out += "<table>\n" +
         HtmlRow({"", "Expected", "Found", "Missing", "Duplicated", "Unexpected"}, true) +
         HtmlRow({"Samples", FormatCount(c.samples_expected), FormatCount(c.samples_found),
                  FormatCount(c.samples_missing), FormatCount(c.samples_duplicated),
                  FormatCount(c.samples_unexpected)}) +
         HtmlRow({"Series", FormatCount(c.series_expected), FormatCount(c.series_found),
                  FormatCount(c.series_missing) + " (+" + FormatCount(c.series_incomplete) +
                      " incomplete)",
                  "–", FormatCount(c.series_unexpected)}) +
         "</table>\n";
  if (c.samples_expected > 0) {
    out += "<p>" +
           HtmlEscape(FormatPercent(static_cast<double>(c.samples_found) /
                                    static_cast<double>(c.samples_expected))) +
           " of acknowledged samples found.</p>\n";
  }
  for (const MissingSeriesExample& e : c.examples) {
    out += "<p>Missing series " + Code(e.series) + ": expected " + FormatCount(e.expected_samples) +
           " samples, found " + FormatCount(e.found_samples) + ".</p>\n";
  }
  return out + "</section>\n";
}

std::string TracesAndLogs(const RunRecord& r) {
  std::string out;
  const TraceCompletenessRecord& t = r.traces;
  if (t.checked) {
    out += "<section id=\"traces\">\n<h2>Trace completeness</h2>\n<p>Read back by id through the " +
           HtmlEscape(t.query_api) + " API.</p>\n<table>\n" +
           HtmlRow({"", "Expected", "Found", "Intact", "Missing", "Altered", "Extra"}, true) +
           HtmlRow({"Traces", FormatCount(t.traces_expected), FormatCount(t.traces_found), "–",
                    FormatCount(t.traces_missing), "–", "–"}) +
           HtmlRow({"Spans", FormatCount(t.spans_expected),
                    FormatCount(t.spans_expected - t.spans_missing), FormatCount(t.spans_intact),
                    FormatCount(t.spans_missing), FormatCount(t.spans_altered),
                    FormatCount(t.spans_extra)}) +
           "</table>\n";
    if (!t.examples.empty()) {
      out += "<table>\n" +
             HtmlRow({"Problem", "Trace", "Span", "Name", "Field", "Sent", "Received"}, true);
      for (const SpanDifference& d : t.examples) {
        out +=
            HtmlRow({d.problem, d.trace_id, d.span_id, d.span_name, d.field, d.sent, d.received});
      }
      out += "</table>\n";
    }
    out += "</section>\n";
  }
  const LogCompletenessRecord& l = r.logs;
  if (l.checked) {
    out +=
        "<section id=\"logs\">\n<h2>Log completeness</h2>\n<p>Read back stream by stream "
        "through the " +
        HtmlEscape(l.query_api) + " API: " + FormatCount(l.streams_found) + " of " +
        FormatCount(l.streams_expected) + " streams found.</p>\n<table>\n" +
        HtmlRow({"Expected", "Intact", "Missing", "Altered", "Duplicated", "Unexpected",
                 "Out of order"},
                true) +
        HtmlRow({FormatCount(l.lines_expected), FormatCount(l.lines_intact),
                 FormatCount(l.lines_missing), FormatCount(l.lines_altered),
                 FormatCount(l.lines_duplicated), FormatCount(l.lines_unexpected),
                 FormatCount(l.lines_out_of_order)}) +
        "</table>\n";
    if (!l.examples.empty()) {
      out +=
          "<table>\n" + HtmlRow({"Problem", "Stream", "Timestamp (ns)", "Sent", "Received"}, true);
      for (const LogDifference& d : l.examples) {
        out += HtmlRow({d.problem, d.stream, std::to_string(d.timestamp_ns), d.sent, d.received});
      }
      out += "</table>\n";
    }
    out += "</section>\n";
  }
  return out;
}

std::string Warnings(const RunRecord& r) {
  if (r.warnings.empty()) {
    return "";
  }
  std::string out = "<section id=\"warnings\">\n<h2>Warnings</h2>\n<ul>\n";
  for (const std::string& w : r.warnings) {
    out += "<li>" + HtmlEscape(w) + "</li>\n";
  }
  return out + "</ul>\n</section>\n";
}

std::string Repeats(const RunRecord& r) {
  if (r.repeats.empty()) {
    return "";
  }
  std::string out = "<section id=\"repeats\">\n<h2>Repeats</h2>\n<table>\n" +
                    HtmlRow({"Run", "Id", "Verdict", "Duration"}, true);
  for (std::size_t i = 0; i < r.repeats.size(); ++i) {
    const RepeatRecord& rep = r.repeats[i];
    out += HtmlRow({std::to_string(i + 1), rep.run_id, rep.passed ? "passed" : "failed",
                    assertions::FormatFixed(rep.duration_seconds, 2) + " s"});
  }
  return out + "</table>\n</section>\n";
}

std::string Scenario(const RunReport& report) {
  const RunRecord& r = report.record;
  std::string out = "<section id=\"scenario\">\n<h2>Scenario</h2>\n<p>" + Code(r.scenario_name);
  if (!r.scenario_file.empty()) {
    out += " from " + Code(r.scenario_file);
  }
  out += ", as run (after <code>--set</code> overrides):</p>\n";
  out += report.scenario_text.empty() ? "<p>Not recorded.</p>\n"
                                      : "<pre>" + HtmlEscape(report.scenario_text) + "</pre>\n";
  if (!r.environment.empty()) {
    out += "<h3>Environment</h3>\n<table>\n";
    for (const auto& [key, value] : r.environment) {
      out += HtmlRow({key, value});
    }
    out += "</table>\n";
  }
  return out + "</section>\n";
}

class HtmlWriter final : public ReportWriter {
 public:
  Status Write(const RunReport& report, std::ostream& out) const override {
    std::string body = VerdictBanner(report);
    for (const std::string& section :
         {Assertions(report), HtmlExperiment(report.record), HtmlAlerts(report.record.alerts),
          LoadTables(report.record), HtmlLoadCharts(report.record), Completeness(report.record),
          TracesAndLogs(report.record), HtmlVisibility(report.record),
          HtmlResources(report.record.resources), Repeats(report.record), Warnings(report.record),
          Scenario(report)}) {
      body += section;
    }
    body += "<footer>Generated by obsbench at " +
            HtmlEscape(assertions::FormatUnixMillis(report.generated_unix_ms)) +
            ". This file is self-contained: no script, no external resource.</footer>\n";
    const std::string verdict(VerdictName(report));
    out << HtmlPage(report.record.scenario_name + " — " + verdict + " — obsbench", body);
    return StreamStatus(out, file_name());
  }
  std::string_view file_name() const override { return "report.html"; }
};

}  // namespace
}  // namespace obs::reports::internal

namespace obs::reports {

std::unique_ptr<ReportWriter> NewHtmlWriter() {
  return std::make_unique<internal::HtmlWriter>();
}

}  // namespace obs::reports
