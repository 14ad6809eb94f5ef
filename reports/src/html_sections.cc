#include "html_sections.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "obs/assertions/format.h"

#include "svg_chart.h"

namespace obs::reports::internal {
namespace {

using assertions::FormatCount;
using assertions::FormatDurationNs;
using assertions::FormatNumber;
using assertions::FormatTrimmed;

constexpr std::string_view kStyle = R"css(
:root{color-scheme:light}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0 auto;max-width:1500px;padding:0 24px 48px;color:#1f2328;background:#fff}
h1{font-size:24px;margin:0}h2{font-size:19px;margin:32px 0 8px;border-bottom:1px solid #d8dee4;padding-bottom:4px}h3{font-size:16px;margin:20px 0 6px}
.verdict{margin:16px 0;padding:14px 18px;border-radius:6px;border:1px solid}
.verdict.passed,.verdict.improved,.verdict.unchanged{background:#dafbe1;border-color:#1a7f37}
.verdict.failed,.verdict.regressed{background:#ffebe9;border-color:#cf222e}
.verdict.error{background:#fff8c5;border-color:#9a6700}
.verdict p{margin:6px 0 0}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #d8dee4;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.passed td.outcome,tr.improved td.outcome{color:#1a7f37;font-weight:600}
tr.failed td.outcome,tr.regressed td.outcome{color:#cf222e;font-weight:600}
tr.no_data td.outcome{color:#9a6700;font-weight:600}
tr.unchanged td.outcome{color:#57606a;font-weight:600}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
code{background:#f6f8fa;padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
pre{background:#f6f8fa;padding:12px;border-radius:6px;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}
.meta{color:#57606a}
.charts{display:flex;flex-wrap:wrap;gap:8px 16px}
figure.chart{margin:8px 0;width:600px;max-width:100%}
figure.chart figcaption{font-weight:600;margin-bottom:2px;overflow-wrap:anywhere}
svg.chart{max-width:100%;height:auto;display:block;background:#fff;font-family:system-ui,sans-serif}
svg.chart .grid{stroke:#eaeef2;stroke-width:1}
svg.chart .axis{stroke:#8c959f;stroke-width:1}
svg.chart text{font-size:11px;fill:#424a53}
svg.chart text.axis-title{fill:#6e7781}
svg.chart text.nodata{fill:#8c959f;font-size:13px}
footer{margin-top:32px;color:#6e7781;font-size:12px}
)css";

// Interval i covers [i*w, (i+1)*w): step series start at i*w and end at n*w.
std::vector<ChartPoint> StepPoints(const WorkloadRecord& w,
                                   double (*value)(const IntervalRecord&, double)) {
  std::vector<ChartPoint> points;
  const double iw = w.interval_seconds;
  for (std::size_t i = 0; i < w.intervals.size(); ++i) {
    points.push_back({static_cast<double>(i) * iw, value(w.intervals[i], iw)});
  }
  points.push_back({static_cast<double>(w.intervals.size()) * iw, 0});
  return points;
}

// One latency figure per interval at the interval's middle; a gap where the
// interval settled no request.
std::vector<ChartPoint> LatencyPoints(const WorkloadRecord& w, bool corrected,
                                      std::int64_t LatencySummary::*field) {
  std::vector<ChartPoint> points;
  const double iw = w.interval_seconds;
  for (std::size_t i = 0; i < w.intervals.size(); ++i) {
    const LatencySummary& s =
        corrected ? w.intervals[i].latency_corrected : w.intervals[i].latency_uncorrected;
    points.push_back(
        {(static_cast<double>(i) + 0.5) * iw,
         s.count == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(s.*field)});
  }
  return points;
}

std::vector<ChartPoint> HistogramSpectrum(const Histogram& h) {
  return SpectrumPoints(h.count(), static_cast<double>(h.max()),
                        [&h](double p) { return h.ValueAtPercentile(p); });
}

std::string WorkloadCharts(const WorkloadRecord& w, std::size_t index) {
  const std::string id = "w" + std::to_string(index);
  const std::string unit(WorkloadItemUnit(w.kind));
  std::string out = "<h3>" + HtmlEscape(w.name) + " <span class=\"meta\">(" + HtmlEscape(w.kind) +
                    ")</span></h3>\n";
  const bool timed = w.interval_seconds > 0 && !w.intervals.empty();
  const double extent = timed ? w.interval_seconds * static_cast<double>(w.intervals.size()) : 0;
  if (timed) {
    out += "<p class=\"meta\">" + FormatCount(w.intervals.size()) + " intervals of " +
           FormatTrimmed(w.interval_seconds, 3) + " s from the first due send.</p>\n";
  } else {
    out += "<p class=\"meta\">No per-interval data was recorded for this workload.</p>\n";
  }
  out += "<div class=\"charts\">\n";
  if (timed) {
    LineChartSpec rate{.id = id + "-throughput",
                       .title = w.name + ": throughput vs target",
                       .y_unit = AxisUnit::kPerSecond,
                       .y_label = unit + "/s",
                       .x_max = extent};
    rate.series.push_back({"achieved (sent)", Color::kBlue, SeriesStyle::kStep,
                           StepPoints(w, [](const IntervalRecord& r, double s) {
                             return static_cast<double>(r.items_sent) / s;
                           })});
    rate.series.push_back({"target (due)", Color::kGrey, SeriesStyle::kDashedStep,
                           StepPoints(w, [](const IntervalRecord& r, double s) {
                             return static_cast<double>(r.items_due) / s;
                           })});
    out += RenderLineChart(rate);
    LineChartSpec lat{
        .id = id + "-latency",
        .title = w.name + (w.kind == "http" ? ": latency over time" : ": write latency over time"),
        .y_axis = YAxis::kLog,
        .y_unit = AxisUnit::kDurationNs,
        .y_label = "latency",
        .x_max = extent};
    lat.series = {
        {"p50", Color::kGreen, SeriesStyle::kLine, LatencyPoints(w, true, &LatencySummary::p50)},
        {"p90", Color::kBlue, SeriesStyle::kLine, LatencyPoints(w, true, &LatencySummary::p90)},
        {"p99", Color::kOrange, SeriesStyle::kLine, LatencyPoints(w, true, &LatencySummary::p99)},
        {"p99.9", Color::kRed, SeriesStyle::kLine, LatencyPoints(w, true, &LatencySummary::p999)},
        {"max", Color::kPurple, SeriesStyle::kLine, LatencyPoints(w, true, &LatencySummary::max)},
        {"p99 uncorrected", Color::kGrey, SeriesStyle::kDashed,
         LatencyPoints(w, false, &LatencySummary::p99)}};
    out += RenderLineChart(lat);
    LineChartSpec err{.id = id + "-errors",
                      .title = w.name + ": errors over time",
                      .y_unit = AxisUnit::kPerSecond,
                      .y_label = "requests/s",
                      .x_max = extent};
    err.series.push_back({"rejected or failed", Color::kRed, SeriesStyle::kStepArea,
                          StepPoints(w, [](const IntervalRecord& r, double s) {
                            return static_cast<double>(r.requests_error) / s;
                          })});
    out += RenderLineChart(err);
  }
  LineChartSpec spectrum{.id = id + "-spectrum",
                         .title = w.name + ": latency percentile spectrum",
                         .x_axis = XAxis::kPercentileSpectrum,
                         .y_axis = YAxis::kLog,
                         .y_unit = AxisUnit::kDurationNs,
                         .y_label = "latency"};
  spectrum.series = {{"corrected (from due time)", Color::kOrange, SeriesStyle::kLine,
                      HistogramSpectrum(w.latency_corrected)},
                     {"uncorrected (from send)", Color::kBlue, SeriesStyle::kDashed,
                      HistogramSpectrum(w.latency_uncorrected)}};
  out += RenderLineChart(spectrum);
  return out + "</div>\n";
}

std::string Secs(double s) {
  return FormatTrimmed(s, 2) + " s";
}

std::string AlertName(const AlertNotificationRecord& n) {
  const auto it = n.labels.find("alertname");
  return it == n.labels.end() ? "(no alertname)" : it->second;
}

TimelineMark NotificationMark(const AlertNotificationRecord& n) {
  const bool firing = n.status == "firing";
  return {n.t_seconds, firing ? Color::kRed : Color::kGreen,
          n.status + " notification (" + n.format + ") at " + Secs(n.t_seconds)};
}

std::string CheckTimeline(const AlertsRecord& a, const AlertCheckRecord& c, std::size_t index) {
  TimelineSpec spec{.id = "alert-check-" + std::to_string(index),
                    .title = c.alert + " — " + c.signal,
                    .x_max = a.listen_seconds,
                    .legend = {{"signal meets threshold", Color::kOrange},
                               {"crossing + for: may fire", Color::kPurple},
                               {"evaluator pending", Color::kPink},
                               {"evaluator firing", Color::kRed},
                               {"resolved notification", Color::kGreen}}};
  TimelineRow signal{.label = "signal " + c.signal};
  TimelineRow may_fire{.label = "crossing + " + Secs(c.for_seconds)};
  for (const auto& episode : c.episodes) {
    signal.spans.push_back({episode.first, episode.second, Color::kOrange});
    if (episode.second < 0 || episode.second - episode.first > c.for_seconds) {
      may_fire.spans.push_back({episode.first + c.for_seconds, episode.second, Color::kPurple});
    }
  }
  TimelineRow evaluator{.label = "evaluator (ALERTS)"};
  for (const AlertCheckRecord::State& st : c.evaluator_states) {
    evaluator.spans.push_back(
        {st.start_seconds, st.end_seconds, st.state == "firing" ? Color::kRed : Color::kPink});
  }
  TimelineRow notes{.label = "notifications"};
  for (const AlertNotificationRecord& n : a.notifications) {
    if (AlertName(n) == c.alert) {
      notes.marks.push_back(NotificationMark(n));
    }
  }
  spec.rows = {signal, may_fire, evaluator, notes};
  std::string out = RenderTimelineChart(spec);
  out += "<p class=\"meta\">Signal: " + HtmlEscape(c.shape) + ", sampled every " +
         HtmlEscape(Secs(c.sample_interval_seconds)) + "; rule <code>for</code> " +
         HtmlEscape(Secs(c.for_seconds)) + ", evaluated every " +
         HtmlEscape(Secs(c.evaluation_interval_seconds)) + ".</p>\n";
  if (!c.evaluator_note.empty()) {
    out += "<p class=\"meta\">The evaluator's ALERTS could not be read: " +
           HtmlEscape(c.evaluator_note) + "</p>\n";
  }
  return out;
}

std::string LagRow(const std::string& what, const VisibilityRecord& v) {
  const Histogram& h = v.lag;
  const auto ns = [](std::int64_t x) {
    return FormatDurationNs(static_cast<double>(x));
  };
  return HtmlRow({what, FormatCount(v.probes), FormatCount(v.visible), FormatCount(v.timed_out),
                  h.count() == 0 ? "–" : ns(h.ValueAtPercentile(50)),
                  h.count() == 0 ? "–" : ns(h.ValueAtPercentile(90)),
                  h.count() == 0 ? "–" : ns(h.ValueAtPercentile(99)),
                  h.count() == 0 ? "–" : ns(h.max())});
}

std::string Bytes(std::uint64_t b) {
  return FormatAxisValue(static_cast<double>(b), AxisUnit::kBytes);
}

}  // namespace

std::string HtmlPage(std::string_view title, std::string_view body) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; img-src data:\"/>\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>" +
         HtmlEscape(title) + "</title>\n<style>" + std::string(kStyle) +
         "</style>\n</head>\n<body>\n" + std::string(body) + "</body>\n</html>\n";
}

std::string HtmlRowOf(const std::vector<std::string>& cells, bool header) {
  const std::string open = header ? "<th>" : "<td>";
  const std::string close = header ? "</th>" : "</td>";
  std::string out = "<tr>";
  for (const std::string& c : cells) {
    out += open + HtmlEscape(c) + close;
  }
  return out + "</tr>\n";
}

std::string HtmlRow(std::initializer_list<std::string> cells, bool header) {
  return HtmlRowOf(std::vector<std::string>(cells), header);
}

std::string HtmlLoadCharts(const RunRecord& record) {
  if (record.workloads.empty()) {
    return "";
  }
  std::string out =
      "<section id=\"load-over-time\">\n<h2>Load over time</h2>\n<p class=\"meta\">Target = items "
      "due by the schedule in each interval; achieved = items whose request was first sent in it; "
      "errors and latencies belong to the interval in which the request settled. Latency is "
      "measured from the intended send time (corrected) unless marked uncorrected.</p>\n";
  for (std::size_t i = 0; i < record.workloads.size(); ++i) {
    out += WorkloadCharts(record.workloads[i], i);
  }
  return out + "</section>\n";
}

std::string HtmlAlerts(const AlertsRecord& a) {
  if (!a.enabled) {
    return "";
  }
  std::string out = "<section id=\"alerts\">\n<h2>Alerts</h2>\n<p>";
  if (a.time_scale != 1) {
    out += "Time scaled by " + HtmlEscape(FormatTrimmed(a.time_scale, 6)) +
           ": one scenario second took " + HtmlEscape(FormatDurationNs(a.time_scale * 1e9)) + ". ";
  }
  out += "Receiver <code>" + HtmlEscape(a.receiver_url) + "</code> listened for " +
         HtmlEscape(Secs(a.listen_seconds)) + " of scenario time; " + FormatCount(a.rejected) +
         " request(s) rejected, " + FormatCount(a.dropped) + " notification(s) dropped.</p>\n";
  std::map<std::string, TimelineRow> rows;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> counts;
  for (const AlertNotificationRecord& n : a.notifications) {
    const std::string name = AlertName(n);
    rows[name].label = name;
    rows[name].marks.push_back(NotificationMark(n));
    auto& c = counts[name];
    (n.status == "firing" ? c.first : c.second) += 1;
  }
  if (counts.empty()) {
    out += "<p>No notification arrived.</p>\n";
  } else {
    out += "<table>\n" + HtmlRow({"Alert", "Firing", "Resolved"}, true);
    for (const auto& [name, c] : counts) {
      out += HtmlRow({name, FormatCount(c.first), FormatCount(c.second)});
    }
    out += "</table>\n";
    TimelineSpec all{
        .id = "alert-notifications",
        .title = "Notifications by alert",
        .x_max = a.listen_seconds,
        .legend = {{"firing notification", Color::kRed}, {"resolved notification", Color::kGreen}}};
    for (auto& entry : rows) {
      all.rows.push_back(std::move(entry.second));
    }
    out += RenderTimelineChart(all);
  }
  for (std::size_t i = 0; i < a.checks.size(); ++i) {
    out += CheckTimeline(a, a.checks[i], i);
  }
  return out + "</section>\n";
}

std::string HtmlVisibility(const RunRecord& r) {
  struct Kind {
    const char* name;
    const VisibilityRecord* v;
  };
  std::vector<Kind> kinds;
  for (const Kind& k : {Kind{"metrics", &r.visibility}, Kind{"traces", &r.traces.visibility},
                        Kind{"logs", &r.logs.visibility}}) {
    if (k.v->checked) {
      kinds.push_back(k);
    }
  }
  if (kinds.empty()) {
    return "";
  }
  std::string out =
      "<section id=\"visibility\">\n<h2>Visibility lag</h2>\n<p class=\"meta\">Probe written and "
      "acknowledged → first query that found it.</p>\n<table>\n" +
      HtmlRow({"Probes", "Sent", "Visible", "Timed out", "p50", "p90", "p99", "max"}, true);
  LineChartSpec spec{.id = "visibility-lag",
                     .title = "Visibility lag percentile spectrum",
                     .x_axis = XAxis::kPercentileSpectrum,
                     .y_axis = YAxis::kLog,
                     .y_unit = AxisUnit::kDurationNs,
                     .y_label = "lag"};
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    out += LagRow(kinds[i].name, *kinds[i].v);
    spec.series.push_back({std::string(kinds[i].name) + " probes", PaletteColor(i),
                           SeriesStyle::kLine, HistogramSpectrum(kinds[i].v->lag)});
  }
  return out + "</table>\n" + RenderLineChart(spec) + "</section>\n";
}

std::string HtmlResources(const std::vector<ProcessResources>& resources) {
  if (resources.empty()) {
    return "";
  }
  std::string out = "<section id=\"resources\">\n<h2>Resources</h2>\n<table>\n" +
                    HtmlRow({"Process", "PID", "CPU time", "Mean cores", "Max RSS"}, true);
  LineChartSpec cpu{.id = "resources-cpu",
                    .title = "CPU use over time",
                    .y_unit = AxisUnit::kNumber,
                    .y_label = "cores"};
  LineChartSpec rss{.id = "resources-rss",
                    .title = "Resident memory over time",
                    .y_unit = AxisUnit::kBytes,
                    .y_label = "RSS"};
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const ProcessResources& p = resources[i];
    out += HtmlRow({p.name, std::to_string(p.pid), FormatNumber(p.cpu_seconds, 2) + " s",
                    FormatNumber(p.cpu_cores_mean, 2), Bytes(p.rss_max_bytes)});
    ChartSeries c{.name = p.name, .color = PaletteColor(i)};
    ChartSeries m{.name = p.name, .color = PaletteColor(i)};
    for (const ResourceSample& s : p.samples) {
      c.points.push_back({s.t_seconds, s.cpu_cores});
      m.points.push_back({s.t_seconds, static_cast<double>(s.rss_bytes)});
    }
    cpu.series.push_back(std::move(c));
    rss.series.push_back(std::move(m));
  }
  return out + "</table>\n<div class=\"charts\">\n" + RenderLineChart(cpu) + RenderLineChart(rss) +
         "</div>\n</section>\n";
}

}  // namespace obs::reports::internal
