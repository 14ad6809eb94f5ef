// A RunReport with everything report.html can draw: two workloads with
// per-interval data (a dip in throughput, an error burst, an interval with no
// settled request), alerts with a check and notifications, trace and log
// probes, two sampled processes, and hostile names (an <img onerror>, a
// </script><script> breakout, attribute breakouts) in series, labels, alert
// names, warnings and the scenario text. Shared by html_writer_test (golden
// and unit checks) and html_browser_test (headless Chromium).
//
// Thread safety: test-only; the functions touch no shared state.

#pragma once

#include <array>
#include <string>

#include "obs/reports/report.h"

#include "report_fixture.h"

namespace obs::reports::testing {

// Each payload, if executed, sets window.__obsPwned (and the first also the title).
constexpr const char* kImgPayload =
    "<img src=x onerror=\"document.title='pwned';window.__obsPwned=1\">";
constexpr const char* kScriptPayload = "</script><script>window.__obsPwned=2</script>";
constexpr const char* kAttributePayload = "\" onmouseover=\"window.__obsPwned=3\" x=\"";
constexpr const char* kSvgPayload = "'><svg onload=window.__obsPwned=4>";
inline constexpr std::array<const char*, 4> kPayloads = {kImgPayload, kScriptPayload,
                                                         kAttributePayload, kSvgPayload};

inline LatencySummary Summary(std::uint64_t count, std::int64_t p50_ms) {
  return {.count = count,
          .p50 = p50_ms * kMs,
          .p90 = p50_ms * kMs * 3 / 2,
          .p99 = p50_ms * kMs * 3,
          .p999 = p50_ms * kMs * 5,
          .max = p50_ms * kMs * 8};
}

// 30 one-second intervals at 10,000 items/s due: the target keeps its pace
// while the achieved rate dips at 12-15 s, errors burst at 20-22 s, latency
// climbs during the dip, and interval 25 settles nothing.
inline void FillIntervals(WorkloadRecord& w, std::int64_t base_ms) {
  w.interval_seconds = 1;
  w.intervals.clear();
  for (std::uint64_t i = 0; i < 30; ++i) {
    IntervalRecord r;
    const bool dip = i >= 12 && i < 16;
    r.items_due = 10000;
    r.items_sent = dip ? 6000 + 500 * (i - 12) : 10000 - (i % 3) * 40;
    r.requests_sent = r.items_sent / 100;
    r.requests_error = i >= 20 && i < 23 ? 5 + i - 20 : 0;
    r.requests_ok = r.requests_sent - r.requests_error;
    const std::int64_t p50 = base_ms + (dip ? 40 * static_cast<std::int64_t>(i - 11) : 0);
    if (i != 25) {
      r.latency_corrected = Summary(r.requests_ok + r.requests_error, p50);
      r.latency_uncorrected = Summary(r.requests_ok + r.requests_error, base_ms / 2 + 1);
    } else {
      r.requests_ok = 0;
      r.requests_error = 0;
    }
    w.intervals.push_back(r);
  }
}

inline RunReport FullHtmlReport() {
  RunReport report = AlertingReport();
  RunRecord& r = report.record;
  FillIntervals(r.workloads[0], 20);
  FillIntervals(r.workloads[1], 60);
  r.workloads[1].name = std::string("bulk ") + kImgPayload;
  r.scenario_name = std::string("smoke ") + kScriptPayload;
  r.scenario_description = std::string("Two loads. ") + kAttributePayload;
  report.scenario_text += std::string("# ") + kScriptPayload + "\n";
  r.environment["host"] = kSvgPayload;
  r.warnings.push_back(std::string("warning ") + kImgPayload);
  report.assertions[0].spec.name = kAttributePayload;
  // An alert name that is a payload, in the notifications chart and table.
  AlertNotificationRecord n = r.alerts.notifications.front();
  n.t_seconds = 400;
  n.labels["alertname"] = kSvgPayload;
  r.alerts.notifications.push_back(n);
  r.alerts.checks[0].shape = std::string("step ") + kScriptPayload;
  // Trace and log probes beside the metric ones.
  r.traces.visibility.checked = true;
  r.traces.visibility.probes = 10;
  r.traces.visibility.visible = 10;
  Fill(r.traces.visibility.lag, 40 * kMs, 30 * kMs, 10);
  r.logs.visibility.checked = true;
  r.logs.visibility.probes = 10;
  r.logs.visibility.visible = 9;
  r.logs.visibility.timed_out = 1;
  Fill(r.logs.visibility.lag, 300 * kMs, 500 * kMs, 9);
  for (int p = 0; p < 2; ++p) {
    ProcessResources& res = r.resources.emplace_back();
    res.name = p == 0 ? std::string("obsbench") : std::string("peer ") + kScriptPayload;
    res.pid = 4242 + p;
    res.cpu_seconds = 12.5 + p;
    res.cpu_cores_mean = 0.4 + 0.3 * p;
    res.rss_max_bytes = (200 + 150 * static_cast<std::uint64_t>(p)) << 20;
    for (int t = 0; t <= 30; ++t) {
      res.samples.push_back(
          {.t_seconds = static_cast<double>(t),
           .cpu_cores = 0.3 + 0.1 * p + (t >= 12 && t < 16 ? 0.5 : 0),
           .rss_bytes = static_cast<std::uint64_t>((150 + 3 * t + 150 * p)) << 20});
    }
  }
  return report;
}

// The id of every chart FullHtmlReport() must have.
inline const std::array<const char*, 13> kFullReportCharts = {
    "w0-throughput", "w0-latency",    "w0-errors",    "w0-spectrum",    "w1-throughput",
    "w1-latency",    "w1-errors",     "w1-spectrum",  "visibility-lag", "alert-notifications",
    "alert-check-0", "resources-cpu", "resources-rss"};

}  // namespace obs::reports::testing
