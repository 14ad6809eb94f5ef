#include "markdown_sections.h"

#include <algorithm>
#include <string>
#include <vector>

#include "obs/assertions/format.h"

#include "text.h"

namespace obs::reports::internal {
namespace {

using assertions::FormatCount;
using assertions::FormatNumber;
using assertions::FormatPercent;

std::string Ns(std::int64_t ns) {
  return assertions::FormatDurationNs(static_cast<double>(ns));
}

template <typename Cells>
std::string RowOf(const Cells& cells) {
  std::string out = "|";
  for (const std::string& c : cells)
    out += " " + c + " |";
  return out + "\n";
}

std::string Row(std::initializer_list<std::string> cells) {
  return RowOf(cells);
}

std::string ResultIcon(assertions::Outcome outcome) {
  switch (outcome) {
    case assertions::Outcome::kPassed:
      return "✅ passed";
    case assertions::Outcome::kFailed:
      return "❌ failed";
    case assertions::Outcome::kNoData:
      return "⚠️ no data";
  }
  return "?";
}

std::string AssertionLabel(const assertions::AssertionSpec& spec) {
  std::string out = spec.name == spec.expression || spec.name.empty()
                        ? MarkdownCode(spec.expression)
                        : MarkdownText(spec.name) + " " + MarkdownCode(spec.expression);
  if (!spec.workload.empty())
    out += " on " + MarkdownCode(spec.workload);
  return out;
}

std::string LatencyRow(const std::string& label, const Histogram& h) {
  if (h.count() == 0)
    return Row({label, "–", "–", "–", "–", "–"});
  return Row({label, Ns(h.ValueAtPercentile(50)), Ns(h.ValueAtPercentile(90)),
              Ns(h.ValueAtPercentile(99)), Ns(h.ValueAtPercentile(99.9)), Ns(h.max())});
}

}  // namespace

std::string MarkdownAssertions(const RunReport& report) {
  if (report.assertions.empty())
    return "## Assertions\n\nNo assertions were evaluated.\n";
  std::string out = "## Assertions\n\n" + Row({"Result", "Assertion", "Expected", "Actual"}) +
                    "|---|---|---|---|\n";
  std::string why;
  for (const assertions::AssertionResult& r : report.assertions) {
    out += Row({ResultIcon(r.outcome), AssertionLabel(r.spec), MarkdownCode(r.expected),
                MarkdownText(r.actual)});
    if (r.outcome != assertions::Outcome::kPassed) {
      why += "- " + MarkdownCode(r.spec.expression) +
             (r.spec.location.empty() ? "" : " (" + MarkdownText(r.spec.location) + ")") + ": " +
             MarkdownText(r.explanation) + "\n";
    }
  }
  return why.empty() ? out : out + "\n**Why it did not pass**\n\n" + why;
}

std::string MarkdownLoad(const RunRecord& record) {
  if (record.workloads.empty())
    return "";
  std::string load =
      Row({"Workload", "Items/s target → achieved", "Req/s target → achieved", "Requests",
           "Retries", "Rejected", "Failed", "Late", "Unsent", "Bookkeeping"}) +
      "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  std::string latency =
      Row({"Latency", "p50", "p90", "p99", "p99.9", "max"}) + "|---|--:|--:|--:|--:|--:|\n";
  std::string notes;
  for (const WorkloadRecord& w : record.workloads) {
    const std::string name = MarkdownCode(w.name);
    const std::string unit = " " + std::string(WorkloadItemUnit(w.kind));
    load += Row({name,
                 FormatNumber(w.target_samples_per_second, 1) + " → " +
                     FormatNumber(w.achieved_samples_per_second, 1) + unit,
                 FormatNumber(w.target_requests_per_second, 1) + " → " +
                     FormatNumber(w.achieved_requests_per_second, 1),
                 FormatCount(w.requests), FormatCount(w.retries), FormatCount(w.requests_rejected),
                 FormatCount(w.requests_failed), FormatCount(w.requests_late),
                 FormatCount(w.requests_unsent),
                 assertions::FormatBytes(static_cast<double>(w.bookkeeping.total()))});
    latency += LatencyRow(name + " corrected", w.latency_corrected);
    latency += LatencyRow(name + " uncorrected", w.latency_uncorrected);
    if (w.stopped_early) {
      notes += "- " + name + " stopped early: " + MarkdownText(w.stop_reason) + " (knee " +
               FormatNumber(w.knee_samples_per_second, 1) + " samples/s)\n";
    }
  }
  return "## Load\n\n" + load + "\n" + latency + (notes.empty() ? "" : "\n" + notes);
}

std::string MarkdownCompleteness(const CompletenessRecord& c) {
  if (!c.checked) {
    return "## Completeness\n\nNot checked" +
           (c.skipped_reason.empty() ? std::string(".") : ": " + MarkdownText(c.skipped_reason)) +
           "\n";
  }
  std::string out = "## Completeness\n\n" +
                    Row({"", "Expected", "Found", "Missing", "Duplicated", "Unexpected"}) +
                    "|---|--:|--:|--:|--:|--:|\n" +
                    Row({"Samples", FormatCount(c.samples_expected), FormatCount(c.samples_found),
                         FormatCount(c.samples_missing), FormatCount(c.samples_duplicated),
                         FormatCount(c.samples_unexpected)}) +
                    Row({"Series", FormatCount(c.series_expected), FormatCount(c.series_found),
                         FormatCount(c.series_missing) + " (+" + FormatCount(c.series_incomplete) +
                             " incomplete)",
                         "–", FormatCount(c.series_unexpected)});
  if (!c.examples.empty()) {
    const MissingSeriesExample& e = c.examples.front();
    out += "\nFirst missing series: " + MarkdownCode(e.series, /*in_table=*/false) + ": expected " +
           FormatCount(e.expected_samples) + " samples, found " + FormatCount(e.found_samples);
    if (!e.missing_timestamps_ms.empty())
      out += ", first missing at " + assertions::FormatUnixMillis(e.missing_timestamps_ms.front());
    out += ".\n";
  }
  return out;
}

// A value in a table cell as code, or "–" when there is none.
std::string CodeOrDash(const std::string& s) {
  return s.empty() ? "–" : MarkdownCode(s, true);
}

// "Visibility lag: p50 .., p99 .., max .. (N probes, K timed out)." or "".
std::string LagLine(const VisibilityRecord& v) {
  if (!v.checked || v.probes == 0) {
    return "";
  }
  std::string out = "\nVisibility lag (write acknowledged → queryable, " + FormatCount(v.probes) +
                    " probes, " + FormatCount(v.timed_out) + " timed out)";
  if (v.lag.count() != 0) {
    out += ": p50 " + Ns(v.lag.ValueAtPercentile(50)) + ", p99 " + Ns(v.lag.ValueAtPercentile(99)) +
           ", max " + Ns(v.lag.max());
  }
  return out + ".\n";
}

std::string MarkdownTraces(const TraceCompletenessRecord& t) {
  if (!t.checked) {
    return "";
  }
  std::string out =
      "## Trace completeness\n\nRead back by id through the " + MarkdownText(t.query_api) +
      " API (" + FormatCount(t.queries) + " queries, " + FormatNumber(t.seconds_to_settle, 1) +
      " s).\n\n" + Row({"", "Expected", "Found", "Intact", "Missing", "Altered", "Extra"}) +
      "|---|--:|--:|--:|--:|--:|--:|\n" +
      Row({"Traces", FormatCount(t.traces_expected), FormatCount(t.traces_found), "–",
           FormatCount(t.traces_missing), "–", "–"}) +
      Row({"Spans", FormatCount(t.spans_expected), FormatCount(t.spans_expected - t.spans_missing),
           FormatCount(t.spans_intact), FormatCount(t.spans_missing), FormatCount(t.spans_altered),
           FormatCount(t.spans_extra)});
  out += LagLine(t.visibility);
  if (t.traces_partial != 0) {
    out += "\n" + FormatCount(t.traces_partial) +
           " traces were in partially rejected requests and are not judged.\n";
  }
  if (!t.examples.empty()) {
    out += "\n| Problem | Trace | Span | Field | Sent | Received |\n|---|---|---|---|---|---|\n";
    for (const SpanDifference& d : t.examples) {
      out += Row({d.problem, MarkdownCode(d.trace_id, true),
                  (d.span_id.empty() ? std::string() : MarkdownCode(d.span_id, true) + " ") +
                      MarkdownText(d.span_name),
                  d.field.empty() ? "–" : MarkdownText(d.field), CodeOrDash(d.sent),
                  CodeOrDash(d.received)});
    }
  }
  return out;
}

std::string MarkdownLogs(const LogCompletenessRecord& l) {
  if (!l.checked) {
    return "";
  }
  std::string out =
      "## Log completeness\n\nRead back stream by stream through the " + MarkdownText(l.query_api) +
      " API (" + FormatCount(l.queries) + " queries, " + FormatNumber(l.seconds_to_settle, 1) +
      " s): " + FormatCount(l.streams_found) + " of " + FormatCount(l.streams_expected) +
      " streams found.\n\n" +
      Row({"Expected", "Intact", "Missing", "Altered", "Duplicated", "Unexpected",
           "Out of order"}) +
      "|--:|--:|--:|--:|--:|--:|--:|\n" +
      Row({FormatCount(l.lines_expected), FormatCount(l.lines_intact), FormatCount(l.lines_missing),
           FormatCount(l.lines_altered), FormatCount(l.lines_duplicated),
           FormatCount(l.lines_unexpected), FormatCount(l.lines_out_of_order)});
  out += LagLine(l.visibility);
  if (!l.examples.empty()) {
    out += "\n| Problem | Stream | Timestamp (ns) | Sent | Received |\n|---|---|--:|---|---|\n";
    for (const LogDifference& d : l.examples) {
      const auto cut = [](const std::string& s) {
        return s.size() > 80 ? s.substr(0, 77) + "..." : s;
      };
      out += Row({d.problem, MarkdownCode(d.stream, true), std::to_string(d.timestamp_ns),
                  CodeOrDash(cut(d.sent)), CodeOrDash(cut(d.received))});
    }
  }
  return out;
}

std::string MarkdownVisibility(const VisibilityRecord& v) {
  if (!v.checked)
    return "";
  const std::string via = v.protocol == "otlp"           ? " written over OTLP"
                          : v.protocol == "remote_write" ? " written with remote write"
                                                         : "";
  std::string out = "## Visibility lag\n\n" + FormatCount(v.probes) + " probes" + via + ": " +
                    FormatCount(v.visible) + " visible, " + FormatCount(v.timed_out) +
                    " timed out (polled every " + Ns(v.poll_interval_ns) + ").\n";
  if (v.lag.count() == 0)
    return out;
  return out + "\n" + Row({"p50", "p90", "p99", "max"}) + "|--:|--:|--:|--:|\n" +
         Row({Ns(v.lag.ValueAtPercentile(50)), Ns(v.lag.ValueAtPercentile(90)),
              Ns(v.lag.ValueAtPercentile(99)), Ns(v.lag.max())});
}

std::string MarkdownWarnings(const RunRecord& record) {
  if (record.warnings.empty())
    return "";
  std::string out = "## Warnings\n\n";
  for (const std::string& w : record.warnings)
    out += "- " + MarkdownText(w) + "\n";
  return out;
}

std::string MarkdownResources(const RunRecord& record) {
  if (record.resources.empty())
    return "";
  std::string out =
      "## Resources\n\nCPU and resident memory during the load (`obsbench` hosts the "
      "embedded backend).\n\n" +
      Row({"Process", "PID", "CPU seconds", "Mean cores", "Max RSS"}) + "|---|--:|--:|--:|--:|\n";
  for (const ProcessResources& p : record.resources) {
    out += Row({MarkdownCode(p.name), std::to_string(p.pid), FormatNumber(p.cpu_seconds, 1),
                FormatNumber(p.cpu_cores_mean, 2),
                assertions::FormatBytes(static_cast<double>(p.rss_max_bytes))});
  }
  return out;
}

// Per-run figures of a --repeat report with their median and spread
// ((max - min) / median): the noise to choose compare thresholds from.
std::string MarkdownRepeats(const RunRecord& record) {
  if (record.repeats.empty())
    return "";
  std::string out = "## Repeats\n\n";
  std::vector<std::string> header = {"Figure"};
  for (std::size_t i = 0; i < record.repeats.size(); ++i)
    header.push_back("Run " + std::to_string(i + 1) +
                     (record.repeats[i].passed ? "" : " (failed)"));
  header.push_back("Median");
  header.push_back("Spread");
  out += RowOf(header) + "|---|";
  for (std::size_t i = 0; i + 1 < header.size(); ++i)
    out += "--:|";
  out += "\n";
  std::vector<std::string> names;
  for (const auto& rep : record.repeats)
    for (const auto& [name, value] : rep.figures)
      if (std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(name);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const bool seconds = name.find("latency") != std::string::npos;
    const bool rate = name.ends_with("/throughput");
    const bool cores = name.ends_with("/cpu_cores_mean");
    const bool bytes = name.ends_with("/rss_max_bytes");
    const auto show = [&](double v) {
      return seconds ? Ns(static_cast<std::int64_t>(v * 1e9))
             : rate  ? FormatNumber(v, 1) + "/s"
             : cores ? FormatNumber(v, 2) + " cores"
             : bytes ? assertions::FormatBytes(v)
                     : FormatPercent(v);
    };
    std::vector<std::string> row = {MarkdownCode(name)};
    std::vector<double> values;
    for (const auto& rep : record.repeats) {
      const auto it = rep.figures.find(name);
      row.push_back(it == rep.figures.end() ? "–" : show(it->second));
      if (it != rep.figures.end())
        values.push_back(it->second);
    }
    std::sort(values.begin(), values.end());
    const double median = values.empty() ? 0
                          : values.size() % 2 == 1
                              ? values[values.size() / 2]
                              : (values[values.size() / 2 - 1] + values[values.size() / 2]) / 2;
    row.push_back(values.empty() ? "–" : show(median));
    row.push_back(values.empty() || median == 0
                      ? "–"
                      : FormatPercent((values.back() - values.front()) / median));
    out += RowOf(row);
  }
  return out;
}

}  // namespace obs::reports::internal
