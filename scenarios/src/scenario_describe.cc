// DescribeScenario: the text `obsbench validate` prints. Numbers are
// formatted with std::to_chars so the output does not depend on the locale.

#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "obs/scenarios/scenario.h"

#include "scenario_parse.h"

namespace obs::scenarios {
namespace {

std::string Fixed(double v, int decimals) {
  char buf[64];
  const auto [end, ec] =
      std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, decimals);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

// Whole numbers without an exponent (400000, not 4e+05); others shortest.
std::string Shortest(double v) {
  if (v == std::floor(v) && std::abs(v) < 1e15) {
    return Fixed(v, 0);
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

std::string DescribeModel(const loadgen::ModelOptions& m) {
  if (m.kind == "http_red") {
    return "http_red(routes=" + std::to_string(m.routes) +
           ", requests_per_second=" + Shortest(m.requests_per_second) +
           ", error_ratio=" + Shortest(m.error_ratio) + ")";
  }
  if (m.kind == "node") {
    return "node(cpus=" + std::to_string(m.cpus) +
           ", filesystems=" + std::to_string(m.filesystems) +
           ", network_devices=" + std::to_string(m.network_devices) + ")";
  }
  return m.kind;
}

std::string DescribeMode(const loadgen::RemoteWriteOptions& rw) {
  if (!rw.stages.empty()) {
    std::string out = "stages";
    for (const loadgen::Stage& stage : rw.stages) {
      out += " [" + FormatDuration(stage.duration_seconds) + " -> " +
             Shortest(stage.target_samples_per_second) + "/s]";
    }
    return out;
  }
  if (rw.samples_per_second > 0) {
    return "constant rate " + Shortest(rw.samples_per_second) + "/s";
  }
  return "topology: every series every " + FormatDuration(rw.scrape_interval_seconds);
}

std::string DescribeSignalWorkload(const WorkloadSpec& w) {
  const loadgen::SignalWorkloadOptions& o = w.signal;
  std::string out = "workload " + w.name + " (signal, a sample every " +
                    FormatDuration(o.interval_seconds) + ")\n";
  for (const loadgen::SignalSeriesSpec& s : o.series) {
    out += "  " + s.metric + (s.counter ? " (counter, rate)" : " (gauge)") + ": " +
           loadgen::DescribeSignal(s.shape) + "\n";
  }
  if (o.red.has_value()) {
    out += "  red: requests/s " + loadgen::DescribeSignal(o.red->requests_per_second) +
           "; error ratio " + loadgen::DescribeSignal(o.red->error_ratio) + "; latency " +
           loadgen::DescribeSignal(o.red->latency_seconds) + "\n";
  }
  loadgen::SignalWorkloadOptions check = o;
  check.url = "http://127.0.0.1:9/api/v1/write";
  const auto series = loadgen::ExpandSignalSeries(check);
  if (series.ok()) {
    const double real_interval = o.interval_seconds * o.time_scale;
    out += "  series " + std::to_string(series->size()) + ", " +
           Fixed(static_cast<double>(series->size()) / real_interval, 1) + " samples/s, " +
           Fixed(1 / real_interval, 1) + " requests/s (real time)\n";
  }
  return out;
}

std::string DescribeAlerting(const Scenario& s) {
  if (s.alerting.rule_files.empty() && s.alerts.empty()) {
    return "";
  }
  std::string out = "alerting: evaluation interval " +
                    FormatDuration(s.alerting.evaluation_interval_seconds) + ", settle " +
                    FormatDuration(s.alerting.settle_seconds);
  if (s.time_scale != 1) {
    out += ", time scale " + Shortest(s.time_scale) + " (load runs " +
           FormatDuration(s.duration_seconds * s.time_scale) + " in real time)";
  }
  out += "\n";
  for (const std::string& f : s.alerting.rule_files) {
    out += "  rules " + f + "\n";
  }
  out += "alerts (" + std::to_string(s.alerts.size()) + "):\n";
  for (const AlertExpectation& e : s.alerts) {
    out += "  " + e.spec.alert;
    if (!e.signal_workload.empty()) {
      out += " on " + e.signal_workload + "/" + e.signal_series + " " +
             loadgen::FormatThreshold(e.threshold);
    }
    if (e.spec.never_fires) {
      out += ": never fires";
    }
    if (e.spec.fires_within_seconds.has_value()) {
      out += ": fires within " + FormatDuration(*e.spec.fires_within_seconds);
    }
    if (e.spec.resolves_within_seconds.has_value()) {
      out += ", resolves within " + FormatDuration(*e.spec.resolves_within_seconds);
    }
    out += "\n";
  }
  return out;
}

std::string DescribeTracesWorkload(const WorkloadSpec& w) {
  const loadgen::OtlpTracesOptions& o = w.traces;
  const double spans = loadgen::MeanSpansPerTrace(o.model);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%.6g traces/s x %.1f spans (mean) = %.6g spans/s",
                o.traces_per_second, spans, o.traces_per_second * spans);
  std::string out =
      "workload " + w.name + " (otlp_traces, " +
      (o.stages.empty() ? std::string(buf) : std::to_string(o.stages.size()) + " stages") + ")\n";
  out += "  model: " + (o.model.name.empty() ? std::string("(unnamed)") : o.model.name) + ", " +
         std::to_string(o.model.services.size()) + " services\n";
  out += std::string("  encoding: ") +
         (o.encoding == wire::otlp::Encoding::kJson ? "json" : "protobuf") +
         (o.gzip ? " + gzip" : "") + ", batch up to " + std::to_string(o.batch_traces) +
         " traces, concurrency " + std::to_string(o.concurrency) + "\n";
  return out;
}

std::string DescribeHttpWorkload(const WorkloadSpec& w) {
  const loadgen::HttpLoadOptions& o = w.http;
  char buf[128];
  std::snprintf(buf, sizeof buf, "%.6g requests/s", o.requests_per_second);
  std::string out =
      "workload " + w.name + " (http, " +
      (o.stages.empty() ? std::string(buf) : std::to_string(o.stages.size()) + " stages") + ", " +
      std::to_string(o.concurrency) + " connections)\n  url: " +
      (o.base_url.empty() ? std::string("each variant's application") : o.base_url) + "\n";
  double total = 0;
  for (const loadgen::HttpRequestSpec& r : o.requests) {
    total += r.weight;
  }
  for (const loadgen::HttpRequestSpec& r : o.requests) {
    out += "  " + r.method + " " + r.path + " (" + Fixed(100 * r.weight / total, 1) + "%" +
           (r.body.empty() ? "" : ", " + std::to_string(r.body.size()) + "-byte body") + ")\n";
  }
  return out;
}

std::string DescribeExperiment(const ExperimentSpec& e, int rounds) {
  std::string out = "experiment: " + std::to_string(e.variants.size()) + " variants x " +
                    std::to_string(rounds) + " rounds, interleaved; baseline " + e.baseline + "\n";
  for (const VariantSpec& v : e.variants) {
    out += "  variant " + v.name + ": ";
    if (v.pid > 0) {
      out += "pid " + std::to_string(v.pid) + " at " + v.url;
    } else {
      for (std::size_t i = 0; i < v.command.size(); ++i) {
        out += (i == 0 ? "" : " ") + v.command[i];
      }
    }
    out += "\n    exports to: ";
    for (std::size_t i = 0; i < v.exports.size(); ++i) {
      out += (i == 0 ? "" : ", ") + v.exports[i];
    }
    out += v.exports.empty() ? "nothing\n" : "\n";
  }
  for (const DestinationSpec& d : e.destinations) {
    out += "  destination " + d.name + ": " +
           (d.url.empty() ? "embedded OTLP receiver (counts what arrives)" : d.url) + "\n";
  }
  if (e.warmup_seconds > 0) {
    out += "  warmup " + FormatDuration(e.warmup_seconds) + " per variant run\n";
  }
  return out;
}

std::string DescribeWorkload(const WorkloadSpec& w) {
  if (w.kind == "http") {
    return DescribeHttpWorkload(w);
  }
  if (w.kind == "signal") {
    return DescribeSignalWorkload(w);
  }
  if (w.kind == "otlp_traces") {
    return DescribeTracesWorkload(w);
  }
  if (w.kind == "loki_push") {
    const loadgen::LokiPushOptions& o = w.logs;
    std::size_t streams = 1;
    for (const auto& [name, values] : o.model.labels) {
      streams *= values.size();
    }
    std::string formats;
    for (loadgen::LogFormat f : o.model.formats) {
      formats += (formats.empty() ? "" : ", ") + std::string(loadgen::LogFormatName(f));
    }
    char buf[128];
    std::snprintf(buf, sizeof buf, "%.6g lines/s", o.lines_per_second);
    return "workload " + w.name + " (loki_push, " +
           (o.stages.empty() ? std::string(buf) : std::to_string(o.stages.size()) + " stages") +
           ")\n  " + std::to_string(streams) + " streams, formats: " + formats + "\n  encoding: " +
           (o.json ? std::string("json") + (o.gzip ? " + gzip" : "")
                   : std::string("protobuf + snappy")) +
           ", batch up to " + std::to_string(o.batch_lines) + " lines, concurrency " +
           std::to_string(o.concurrency) + "\n";
  }
  const loadgen::RemoteWriteOptions& rw = w.remote_write;
  std::string out = "workload " + w.name + " (" + w.kind + ", " + DescribeMode(rw) + ")\n";
  out += "  models:";
  for (const loadgen::ModelOptions& m : rw.series.models) {
    out += " " + DescribeModel(m);
  }
  if (w.kind == "otlp_metrics") {
    const loadgen::OtlpMetricsOptions& o = w.otlp_metrics;
    out += "\n  instances " + std::to_string(rw.series.instances) + " (one export each per " +
           FormatDuration(rw.scrape_interval_seconds) + ", " +
           Fixed(rw.series.instances / rw.scrape_interval_seconds, 1) + " requests/s), " +
           (o.encoding == wire::otlp::Encoding::kJson ? "json" : "protobuf") +
           (o.gzip ? " + gzip" : "") + ", " +
           (o.temporality == wire::otlp::AggregationTemporality::kDelta ? "delta" : "cumulative") +
           ", " + (o.exponential_histograms ? "exponential" : "explicit") +
           " histograms, concurrency " + std::to_string(rw.concurrency);
  } else {
    out += "\n  instances " + std::to_string(rw.series.instances) + ", batch_size " +
           std::to_string(rw.batch_size) + ", concurrency " + std::to_string(rw.concurrency);
  }
  if (rw.series.churn_interval_seconds > 0) {
    out += ", churn every " + FormatDuration(rw.series.churn_interval_seconds);
  }
  out += "\n";
  if (rw.stop_when.latency_p99_seconds > 0 || rw.stop_when.error_ratio > 0) {
    out += "  stop when a " + FormatDuration(rw.stop_when.window_seconds) + " window has";
    if (rw.stop_when.latency_p99_seconds > 0) {
      out += " p99 > " + FormatDuration(rw.stop_when.latency_p99_seconds);
    }
    if (rw.stop_when.error_ratio > 0) {
      if (rw.stop_when.latency_p99_seconds > 0) {
        out += " or";
      }
      out += " error ratio > " + Shortest(rw.stop_when.error_ratio);
    }
    out += "\n";
  }
  const Result<loadgen::LoadDescription> load =
      loadgen::DescribeLoad(internal::OptionsForDescription(rw));
  if (!load.ok()) {
    return out + "  load: " + load.status().message() + "\n";
  }
  // An OTLP export is one request per instance collection (said above).
  const std::string requests = w.kind == "otlp_metrics"
                                   ? std::string()
                                   : Fixed(load->requests_per_second, 1) + " requests/s, ";
  out += "  series " + std::to_string(load->series) + ", " + Fixed(load->samples_per_second, 1) +
         " samples/s, " + requests + FormatDuration(load->duration_seconds) + ", " +
         std::to_string(load->total_samples) + " samples in total\n";
  return out;
}

std::string DescribeTarget(const TargetSpec& t) {
  if (t.kind != "prometheus") {
    std::string out = "target: embedded reference backend";
    if (t.drop_every_nth_sample > 0) {
      out += " (fault: drops every " + std::to_string(t.drop_every_nth_sample) + "th sample)";
    }
    return out + "\n";
  }
  std::string out = "target: prometheus, write " + t.write_url + ", query " + t.query_url;
  if (!t.flush_url.empty()) {
    out += ", flush " + t.flush_url;
  }
  if (!t.headers.empty()) {
    out += ", " + std::to_string(t.headers.size()) + " header(s)";
  }
  if (!t.bearer_token.empty()) {
    out += ", bearer token from " + t.bearer_token_file;
  }
  return out + "\n";
}

std::string DescribeVerify(const VerifySpec& v) {
  std::string out = "verify: ";
  out += v.completeness
             ? "completeness (settle timeout " + FormatDuration(v.settle_timeout_seconds) +
                   ", poll every " + FormatDuration(v.poll_interval_seconds) + ")"
             : "no completeness check";
  out += ", " + std::to_string(v.visibility_probes) + " visibility probes";
  if (v.visibility_probes > 0) {
    out += " (timeout " + FormatDuration(v.probe_timeout_seconds) + ")";
  }
  return out + "\n";
}

}  // namespace

std::string DescribeScenario(const Scenario& scenario) {
  std::string out = "scenario " + scenario.name;
  if (!scenario.file.empty()) {
    out += " (" + scenario.file + ")";
  }
  out += "\n";
  if (!scenario.description.empty()) {
    out += "  " + scenario.description + "\n";
  }
  out += "  seed " + std::to_string(scenario.seed) + ", load " +
         FormatDuration(scenario.duration_seconds) + ", cooldown " +
         FormatDuration(scenario.cooldown_seconds) + "\n";
  if (scenario.experiment.has_value()) {
    out += DescribeExperiment(*scenario.experiment, scenario.repeat);
  } else {
    out += DescribeTarget(scenario.target);
  }
  for (const WorkloadSpec& w : scenario.workloads) {
    out += DescribeWorkload(w);
  }
  if (!scenario.experiment.has_value()) {
    out += DescribeVerify(scenario.verify);
  }
  out += DescribeAlerting(scenario);
  out += "assertions (" + std::to_string(scenario.assertions.size()) + "):\n";
  if (!scenario.baseline.empty()) {
    out += "  relative ones compare with the baseline " + scenario.baseline + "\n";
  }
  for (const assertions::AssertionSpec& a : scenario.assertions) {
    out += "  " + (a.name == a.expression ? a.expression : a.name + ": " + a.expression);
    if (!a.workload.empty()) {
      out += " [workload " + a.workload + "]";
    }
    out += "\n";
  }
  return out;
}

}  // namespace obs::scenarios
