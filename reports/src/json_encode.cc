// report.json writer. Objects are nlohmann::ordered_json, so keys come out in
// the fixed order written here (the documented order); doubles are printed by nlohmann's shortest
// round-trip formatter (locale-independent), integers exactly.

#include <algorithm>
#include <array>
#include <string>

#include "obs/assertions/format.h"
#include "obs/reports/writer.h"

#include "json_codec.h"
#include "text.h"

namespace obs::reports::internal {
namespace {

using json = nlohmann::ordered_json;

struct Percentile {
  const char* key;
  double p;
};
constexpr std::array<Percentile, 5> kPercentiles = {
    {{"p50", 50}, {"p90", 90}, {"p95", 95}, {"p99", 99}, {"p99.9", 99.9}}};

json Stat(double ns) {
  return {{"ns", ns}, {"human", assertions::FormatDurationNs(ns)}};
}
json Stat(std::int64_t ns) {
  return {{"ns", ns}, {"human", assertions::FormatDurationNs(static_cast<double>(ns))}};
}

json EncodeHistogram(const Histogram& h) {
  json percentiles = json::object();
  for (const Percentile& p : kPercentiles)
    percentiles[p.key] = Stat(h.ValueAtPercentile(p.p));
  json buckets = json::array();
  for (const Histogram::Bucket& b : h.NonEmptyBuckets())
    buckets.push_back(json::array({b.lower, b.upper, b.count}));
  return {{"count", h.count()},
          {"min", Stat(h.min())},
          {"max", Stat(h.max())},
          {"mean", Stat(h.mean())},
          {"percentiles", percentiles},
          {"buckets", buckets},
          {"sum_ns", h.sum()},
          {"out_of_range", h.out_of_range()},
          {"max_value_ns", h.max_value()}};
}

// Column per figure, one element per interval: compact, and each column is
// one line of report.json.
json EncodeLatencyColumns(const std::vector<IntervalRecord>& in, bool corrected) {
  json count = json::array(), p50 = json::array(), p90 = json::array(), p99 = json::array(),
       p999 = json::array(), max = json::array();
  for (const IntervalRecord& r : in) {
    const LatencySummary& l = corrected ? r.latency_corrected : r.latency_uncorrected;
    count.push_back(l.count);
    p50.push_back(l.p50);
    p90.push_back(l.p90);
    p99.push_back(l.p99);
    p999.push_back(l.p999);
    max.push_back(l.max);
  }
  return {{"count", count}, {"p50", p50}, {"p90", p90}, {"p99", p99}, {"p999", p999}, {"max", max}};
}

json EncodeIntervals(const WorkloadRecord& w) {
  json due = json::array(), sent = json::array(), requests = json::array(), ok = json::array(),
       error = json::array();
  for (const IntervalRecord& r : w.intervals) {
    due.push_back(r.items_due);
    sent.push_back(r.items_sent);
    requests.push_back(r.requests_sent);
    ok.push_back(r.requests_ok);
    error.push_back(r.requests_error);
  }
  return {{"seconds", w.interval_seconds},
          {"items_due", due},
          {"items_sent", sent},
          {"requests_sent", requests},
          {"requests_ok", ok},
          {"requests_error", error},
          {"latency_corrected_ns", EncodeLatencyColumns(w.intervals, true)},
          {"latency_uncorrected_ns", EncodeLatencyColumns(w.intervals, false)}};
}

json EncodeWorkload(const WorkloadRecord& w) {
  json codes = json::object();
  for (const auto& [code, count] : w.status_codes)
    codes[std::to_string(code)] = count;
  json answers = json::object();
  for (const auto& [code, text] : w.answers)
    answers[std::to_string(code)] = text;
  json out = {{"name", w.name},
              {"kind", w.kind},
              {"duration_seconds", w.duration_seconds},
              {"series", w.series},
              {"target_samples_per_second", w.target_samples_per_second},
              {"achieved_samples_per_second", w.achieved_samples_per_second},
              {"target_requests_per_second", w.target_requests_per_second},
              {"achieved_requests_per_second", w.achieved_requests_per_second},
              {"requests", w.requests},
              {"attempts", w.attempts},
              {"requests_succeeded", w.requests_succeeded},
              {"requests_rejected", w.requests_rejected},
              {"requests_failed", w.requests_failed},
              {"retries", w.retries},
              {"requests_late", w.requests_late},
              {"late_threshold_ns", w.late_threshold_ns},
              {"requests_unsent", w.requests_unsent},
              {"samples_sent", w.samples_sent},
              {"samples_acked", w.samples_acked},
              {"samples_rejected", w.samples_rejected},
              {"samples_failed", w.samples_failed},
              {"stopped_early", w.stopped_early},
              {"stop_reason", w.stop_reason},
              {"knee_samples_per_second", w.knee_samples_per_second},
              {"status_codes", codes},
              {"answers", answers},
              {"latency_corrected", EncodeHistogram(w.latency_corrected)},
              {"latency_uncorrected", EncodeHistogram(w.latency_uncorrected)},
              {"bookkeeping_bytes",
               {{"ledger", w.bookkeeping.ledger},
                {"histograms", w.bookkeeping.histograms},
                {"intervals", w.bookkeeping.intervals}}}};
  if (!w.intervals.empty()) {  // Optional: reports before 2026-12 have none.
    out["intervals"] = EncodeIntervals(w);
  }
  return out;
}

json EncodeCompleteness(const CompletenessRecord& c) {
  json examples = json::array();
  for (const MissingSeriesExample& e : c.examples) {
    examples.push_back({{"series", e.series},
                        {"expected_samples", e.expected_samples},
                        {"found_samples", e.found_samples},
                        {"expected_first_ms", e.expected_first_ms},
                        {"expected_last_ms", e.expected_last_ms},
                        {"missing_timestamps_ms", e.missing_timestamps_ms}});
  }
  return {{"checked", c.checked},
          {"skipped_reason", c.skipped_reason},
          {"series_expected", c.series_expected},
          {"series_found", c.series_found},
          {"series_missing", c.series_missing},
          {"series_incomplete", c.series_incomplete},
          {"series_unexpected", c.series_unexpected},
          {"samples_expected", c.samples_expected},
          {"samples_found", c.samples_found},
          {"samples_missing", c.samples_missing},
          {"samples_duplicated", c.samples_duplicated},
          {"samples_unexpected", c.samples_unexpected},
          {"queries", c.queries},
          {"seconds_to_settle", c.seconds_to_settle},
          {"examples", examples}};
}

json EncodeVisibility(const VisibilityRecord& v) {
  return {{"checked", v.checked},
          {"probes", v.probes},
          {"visible", v.visible},
          {"timed_out", v.timed_out},
          {"poll_interval_ns", v.poll_interval_ns},
          {"protocol", v.protocol},
          {"lag", EncodeHistogram(v.lag)}};
}

json EncodeTraceCompleteness(const TraceCompletenessRecord& t) {
  json examples = json::array();
  for (const SpanDifference& d : t.examples) {
    examples.push_back({{"problem", d.problem},
                        {"trace_id", d.trace_id},
                        {"span_id", d.span_id},
                        {"span_name", d.span_name},
                        {"field", d.field},
                        {"sent", d.sent},
                        {"received", d.received}});
  }
  return {{"checked", t.checked},
          {"skipped_reason", t.skipped_reason},
          {"query_api", t.query_api},
          {"traces_expected", t.traces_expected},
          {"traces_found", t.traces_found},
          {"traces_missing", t.traces_missing},
          {"traces_partial", t.traces_partial},
          {"spans_expected", t.spans_expected},
          {"spans_intact", t.spans_intact},
          {"spans_missing", t.spans_missing},
          {"spans_altered", t.spans_altered},
          {"spans_extra", t.spans_extra},
          {"queries", t.queries},
          {"seconds_to_settle", t.seconds_to_settle},
          {"examples", examples},
          {"visibility", EncodeVisibility(t.visibility)}};
}

json EncodeLogCompleteness(const LogCompletenessRecord& l) {
  json examples = json::array();
  for (const LogDifference& d : l.examples) {
    examples.push_back({{"problem", d.problem},
                        {"stream", d.stream},
                        {"timestamp_ns", d.timestamp_ns},
                        {"sent", d.sent},
                        {"received", d.received}});
  }
  return {{"checked", l.checked},
          {"skipped_reason", l.skipped_reason},
          {"query_api", l.query_api},
          {"streams_expected", l.streams_expected},
          {"streams_found", l.streams_found},
          {"lines_expected", l.lines_expected},
          {"lines_intact", l.lines_intact},
          {"lines_missing", l.lines_missing},
          {"lines_altered", l.lines_altered},
          {"lines_duplicated", l.lines_duplicated},
          {"lines_unexpected", l.lines_unexpected},
          {"lines_out_of_order", l.lines_out_of_order},
          {"queries", l.queries},
          {"seconds_to_settle", l.seconds_to_settle},
          {"examples", examples},
          {"visibility", EncodeVisibility(l.visibility)}};
}

// Present only in alerting runs, so other reports keep their exact shape.
json EncodeAlerts(const AlertsRecord& a) {
  json notifications = json::array();
  for (const AlertNotificationRecord& n : a.notifications) {
    notifications.push_back({{"t_seconds", n.t_seconds},
                             {"arrival_unix_ms", n.arrival_unix_ms},
                             {"format", n.format},
                             {"status", n.status},
                             {"labels", n.labels},
                             {"annotations", n.annotations},
                             {"starts_at_unix_ms", n.starts_at_ms},
                             {"ends_at_unix_ms", n.ends_at_ms}});
  }
  json checks = json::array();
  for (const AlertCheckRecord& c : a.checks) {
    json episodes = json::array();
    for (const auto& [start, end] : c.episodes) {
      episodes.push_back({{"start_seconds", start}, {"end_seconds", end}});
    }
    json states = json::array();
    for (const AlertCheckRecord::State& st : c.evaluator_states) {
      states.push_back({{"state", st.state},
                        {"start_seconds", st.start_seconds},
                        {"end_seconds", st.end_seconds}});
    }
    checks.push_back({{"alert", c.alert},
                      {"signal", c.signal},
                      {"shape", c.shape},
                      {"for_seconds", c.for_seconds},
                      {"evaluation_interval_seconds", c.evaluation_interval_seconds},
                      {"sample_interval_seconds", c.sample_interval_seconds},
                      {"episodes", episodes},
                      {"evaluator_states", states},
                      {"evaluator_note", c.evaluator_note}});
  }
  return {{"time_scale", a.time_scale}, {"receiver_url", a.receiver_url},
          {"rule_files", a.rule_files}, {"listen_seconds", a.listen_seconds},
          {"rejected", a.rejected},     {"dropped", a.dropped},
          {"checks", checks},           {"notifications", notifications}};
}

// Samples as columns, like workload intervals: one line of report.json each.
json EncodeResources(const std::vector<ProcessResources>& processes) {
  json out = json::array();
  for (const ProcessResources& p : processes) {
    json t = json::array(), cores = json::array(), rss = json::array();
    for (const ResourceSample& s : p.samples) {
      t.push_back(s.t_seconds);
      cores.push_back(s.cpu_cores);
      rss.push_back(s.rss_bytes);
    }
    out.push_back({{"name", p.name},
                   {"pid", p.pid},
                   {"cpu_seconds", p.cpu_seconds},
                   {"cpu_cores_mean", p.cpu_cores_mean},
                   {"rss_max_bytes", p.rss_max_bytes},
                   {"samples", {{"t_seconds", t}, {"cpu_cores", cores}, {"rss_bytes", rss}}}});
  }
  return out;
}

// Doubles that may be NaN (a CI with one round, a relative change against
// a zero baseline) are written as null by nlohmann; DecodeExperiment reads
// null back as NaN.
json EncodeVariantRun(const VariantRunRecord& r) {
  json destinations = json::array();
  for (const ExportDestinationRecord& d : r.destinations) {
    destinations.push_back({{"name", d.name},
                            {"url", d.url},
                            {"requests", d.requests},
                            {"spans", d.spans},
                            {"server_spans", d.server_spans},
                            {"log_records", d.log_records},
                            {"data_points", d.data_points},
                            {"decode_errors", d.decode_errors}});
  }
  return {{"variant", r.variant},
          {"round", r.round},
          {"load_seconds", r.load_seconds},
          {"requests", r.requests},
          {"requests_answered", r.requests_answered},
          {"requests_ok", r.requests_ok},
          {"warmup_requests_answered", r.warmup_requests_answered},
          {"target_rps", r.target_rps},
          {"achieved_rps", r.achieved_rps},
          {"saturation_rps", r.saturation_rps},
          {"p50", r.p50},
          {"p95", r.p95},
          {"p99", r.p99},
          {"p50_uncorrected", r.p50_uncorrected},
          {"p95_uncorrected", r.p95_uncorrected},
          {"p99_uncorrected", r.p99_uncorrected},
          {"app_cpu_seconds", r.app_cpu_seconds},
          {"app_cpu_per_request_seconds", r.app_cpu_per_request_seconds},
          {"app_rss_mean_bytes", r.app_rss_mean_bytes},
          {"app_rss_max_bytes", r.app_rss_max_bytes},
          {"app_threads_max", r.app_threads_max},
          {"app_processes_max", r.app_processes_max},
          {"app_voluntary_ctxt_switches", r.app_voluntary_ctxt_switches},
          {"app_nonvoluntary_ctxt_switches", r.app_nonvoluntary_ctxt_switches},
          {"app_exit_code", r.app_exit_code},
          {"harness_cpu_seconds", r.harness_cpu_seconds},
          {"destinations", destinations}};
}

// Present only for experiments (kind: experiment), so other reports keep their shape.
json EncodeExperiment(const ExperimentRecord& e) {
  json runs = json::array();
  for (const VariantRunRecord& r : e.runs) {
    runs.push_back(EncodeVariantRun(r));
  }
  json overhead = json::array();
  for (const OverheadRecord& o : e.overhead) {
    overhead.push_back({{"variant", o.variant},
                        {"figure", o.figure},
                        {"unit", o.unit},
                        {"pairs", o.pairs},
                        {"baseline_mean", o.baseline_mean},
                        {"variant_mean", o.variant_mean},
                        {"delta_mean", o.delta_mean},
                        {"delta_ci_low", o.delta_ci_low},
                        {"delta_ci_high", o.delta_ci_high},
                        {"relative", o.relative},
                        {"relative_ci_low", o.relative_ci_low},
                        {"relative_ci_high", o.relative_ci_high}});
  }
  json exports = json::array();
  for (const ExportCompletenessRecord& x : e.exports) {
    exports.push_back({{"variant", x.variant},
                       {"destination", x.destination},
                       {"requests_answered", x.requests_answered},
                       {"server_spans", x.server_spans},
                       {"spans", x.spans},
                       {"completeness", x.completeness}});
  }
  return {{"baseline", e.baseline}, {"rounds", e.rounds},   {"variants", e.variants},
          {"runs", runs},           {"overhead", overhead}, {"exports", exports}};
}

json EncodeAssertions(const std::vector<assertions::AssertionResult>& results) {
  json out = json::array();
  for (const assertions::AssertionResult& r : results) {
    out.push_back({{"name", r.spec.name},
                   {"expression", r.spec.expression},
                   {"figure", r.spec.figure},
                   {"workload", r.spec.workload},
                   {"comparison", assertions::ComparisonSymbol(r.spec.comparison)},
                   {"threshold", r.spec.threshold},
                   {"location", r.spec.location},
                   {"outcome", assertions::OutcomeName(r.outcome)},
                   {"expected", r.expected},
                   {"actual", r.actual},
                   {"explanation", r.explanation}});
  }
  return out;
}

json AssertionCounts(const std::vector<assertions::AssertionResult>& results) {
  std::uint64_t passed = 0;
  std::uint64_t failed = 0;
  for (const assertions::AssertionResult& r : results) {
    passed += r.outcome == assertions::Outcome::kPassed ? 1 : 0;
    failed += r.outcome == assertions::Outcome::kFailed ? 1 : 0;
  }
  return {{"total", results.size()},
          {"passed", passed},
          {"failed", failed},
          {"no_data", results.size() - passed - failed}};
}

std::string Scalar(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Pretty-prints like dump(2), except that arrays of scalars (histogram
// buckets, timestamps) stay on one line, which keeps report.json readable.
void Pretty(const json& value, int depth, std::string& out) {
  const std::string pad(static_cast<std::size_t>(depth + 1) * 2, ' ');
  const std::string close_pad(static_cast<std::size_t>(depth) * 2, ' ');
  if (value.is_object() && !value.empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, item] : value.items()) {
      out += (first ? "" : ",\n") + pad + Scalar(json(key)) + ": ";
      Pretty(item, depth + 1, out);
      first = false;
    }
    out += "\n" + close_pad + "}";
  } else if (value.is_array() && !value.empty()) {
    const bool flat =
        std::none_of(value.begin(), value.end(), [](const json& v) { return v.is_structured(); });
    out += flat ? "[" : "[\n";
    bool first = true;
    for (const json& item : value) {
      out += first ? (flat ? "" : pad) : (flat ? ", " : ",\n" + pad);
      Pretty(item, depth + 1, out);
      first = false;
    }
    out += flat ? "]" : "\n" + close_pad + "]";
  } else {
    out += Scalar(value);
  }
}

class JsonWriter final : public ReportWriter {
 public:
  Status Write(const RunReport& report, std::ostream& out) const override {
    std::string text;
    Pretty(EncodeReport(report), 0, text);
    out << text << "\n";
    return StreamStatus(out, file_name());
  }
  std::string_view file_name() const override { return "report.json"; }
};

}  // namespace

json EncodeReport(const RunReport& report) {
  const RunRecord& r = report.record;
  json workloads = json::array();
  for (const WorkloadRecord& w : r.workloads)
    workloads.push_back(EncodeWorkload(w));
  json doc = {
      {"schema_version", kJsonSchemaVersion},
      {"generated_unix_ms", report.generated_unix_ms},
      {"generated", assertions::FormatUnixMillis(report.generated_unix_ms)},
      {"verdict", VerdictName(report)},
      {"exit_code", ExitCode(report)},
      {"infrastructure_error", report.infrastructure_error},
      {"scenario",
       {{"name", r.scenario_name},
        {"description", r.scenario_description},
        {"file", r.scenario_file},
        {"text", report.scenario_text}}},
      {"run",
       {{"id", r.run_id},
        {"seed", r.seed},
        {"started_unix_ms", r.started_unix_ms},
        {"started", assertions::FormatUnixMillis(r.started_unix_ms)},
        {"duration_seconds", r.duration_seconds},
        {"target",
         {{"kind", r.target_kind},
          {"write_url", r.target_write_url},
          {"query_url", r.target_query_url}}}}},
      {"environment", r.environment},
      {"workloads", workloads},
      {"completeness", EncodeCompleteness(r.completeness)},
      {"visibility", EncodeVisibility(r.visibility)},
      {"assertions", EncodeAssertions(report.assertions)},
      {"assertion_counts", AssertionCounts(report.assertions)},
      {"warnings", r.warnings},
  };
  if (r.alerts.enabled) {
    doc["alerts"] = EncodeAlerts(r.alerts);
  }
  if (r.traces.checked) {
    doc["traces"] = EncodeTraceCompleteness(r.traces);
  }
  if (r.logs.checked) {
    doc["logs"] = EncodeLogCompleteness(r.logs);
  }
  if (!r.repeats.empty()) {  // --repeat only, so single runs keep their shape.
    json repeats = json::array();
    for (const RepeatRecord& rep : r.repeats) {
      repeats.push_back({{"run_id", rep.run_id},
                         {"passed", rep.passed},
                         {"duration_seconds", rep.duration_seconds},
                         {"figures", rep.figures}});
    }
    doc["repeats"] = repeats;
  }
  if (!r.resources.empty()) {  // Optional: runs that sampled no process keep their shape.
    doc["resources"] = EncodeResources(r.resources);
  }
  if (r.experiment.has_value()) {  // Optional: only experiments have one.
    doc["experiment"] = EncodeExperiment(*r.experiment);
  }
  return doc;
}

}  // namespace obs::reports::internal

namespace obs::reports {

std::unique_ptr<ReportWriter> NewJsonWriter() {
  return std::make_unique<internal::JsonWriter>();
}

}  // namespace obs::reports
