// The parts of report.html and compare.html: the page frame (one inline
// stylesheet, a Content-Security-Policy that allows no script and no network
// access), table helpers, and the chart sections of a run (load over time,
// alerts, visibility lag, resources), each rendered to a string (empty when
// the run has nothing for it). Every text from the run goes through
// HtmlEscape (svg_chart.h).
//
// Thread safety: stateless.

#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/run_record.h"

namespace obs::reports::internal {

// A whole document: doctype, <head> with charset, CSP, `title` (escaped
// here) and the stylesheet, then `body` (HTML, inserted as is).
std::string HtmlPage(std::string_view title, std::string_view body);

// <tr> of <td> (or <th> with `header`) cells; each cell's text is escaped here.
std::string HtmlRow(std::initializer_list<std::string> cells, bool header = false);
std::string HtmlRowOf(const std::vector<std::string>& cells, bool header = false);

// "Load over time": per workload the throughput, latency-over-time, error and
// percentile-spectrum charts. "" when there are no workloads.
std::string HtmlLoadCharts(const RunRecord& record);

// "Alerts": notifications per alert and a timeline per check; "" unless enabled.
std::string HtmlAlerts(const AlertsRecord& alerts);

// "Visibility lag": probe counts and the lag spectrum of every checked kind
// (metrics, traces, logs); "" when none was checked.
std::string HtmlVisibility(const RunRecord& record);

// "Experiment": the variants side by side, the overhead of each against
// the baseline with its confidence interval, a bar chart of CPU per
// request, every round, export completeness; "" unless an experiment
// (html_experiment.cc).
std::string HtmlExperiment(const RunRecord& record);

// "Resources": per process CPU and RSS over time; "" when not sampled.
std::string HtmlResources(const std::vector<ProcessResources>& resources);

}  // namespace obs::reports::internal
