// Deterministic, fully populated RunReports for the writer tests (passing,
// failing, infrastructure error) and golden-file helpers: compare writer
// output with fixtures/golden/reports/<name>, or rewrite the file when
// OBS_UPDATE_GOLDEN=1. The source tree is found through OBS_SOURCE_DIR, which
// obs_test() sets. OBS_WRITER_GOLDEN_TESTS defines a writer's three golden tests.
//
// Thread safety: test-only; the functions touch no shared state.

#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "obs/assertions/alerts.h"
#include "obs/assertions/assertions.h"
#include "obs/reports/report.h"
#include "obs/reports/writer.h"

namespace obs::reports::testing {

constexpr std::int64_t kMs = 1'000'000;
constexpr const char* kHostile = "<script>alert(1)</script> & \"quotes\" 'single' | *star* `tick`";

// Latencies spread deterministically over [base, base + spread) ns.
inline void Fill(Histogram& h, std::int64_t base, std::int64_t spread, std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto offset =
        static_cast<std::int64_t>((i * 2654435761u) % static_cast<std::uint64_t>(spread));
    EXPECT_TRUE(h.Record(base + offset));
  }
}

inline WorkloadRecord MakeWorkload(const std::string& name, std::int64_t base_ms) {
  WorkloadRecord w;
  w.name = name;
  w.kind = "remote_write";
  w.duration_seconds = 30.25;
  w.series = 1000;
  w.target_samples_per_second = 10000;
  w.achieved_samples_per_second = 9876.5;
  w.target_requests_per_second = 100;
  w.achieved_requests_per_second = 98.765;
  w.requests = 2963;
  w.attempts = 2990;
  w.requests_succeeded = 2950;
  w.requests_rejected = 5;
  w.requests_failed = 8;
  w.retries = 27;
  w.requests_late = 12;
  w.late_threshold_ns = 10 * kMs;
  w.requests_unsent = 0;
  w.samples_sent = 296300;
  w.samples_acked = 295000;
  w.samples_rejected = 500;
  w.samples_failed = 800;
  w.status_codes = {{0, 3}, {200, 2950}, {400, 5}, {503, 32}};
  w.answers = {
      {0, "connection refused"}, {400, "out of order sample"}, {503, "storage is read-only"}};
  Fill(w.latency_corrected, base_ms * kMs, 40 * kMs, w.requests);
  Fill(w.latency_uncorrected, base_ms * kMs / 2, 20 * kMs, w.requests);
  return w;
}

inline RunRecord MakeRecord() {
  RunRecord r;
  r.scenario_name = "smoke";
  r.scenario_description = "Two remote-write loads against the embedded backend.";
  r.scenario_file = "scenarios/library/smoke.yaml";
  r.run_id = "run-20240301-120000";
  r.seed = 42;
  r.target_kind = "embedded";
  r.target_write_url = "http://127.0.0.1:9090/api/v1/write";
  r.target_query_url = "http://127.0.0.1:9090/api/v1/query";
  r.started_unix_ms = 1'709'294'400'000;
  r.duration_seconds = 31.5;
  r.environment = {{"obsbench_version", "0.1.0"}, {"compiler", "gcc 12.2.0"}, {"cores", "2"}};
  r.workloads = {MakeWorkload("remote_write", 20), MakeWorkload("remote_write_bulk", 60)};
  r.workloads[1].stopped_early = true;
  r.workloads[1].stop_reason = "p99 over 250 ms for 3 windows";
  r.workloads[1].knee_samples_per_second = 8000;
  CompletenessRecord& c = r.completeness;
  c.checked = true;
  c.series_expected = 2000;
  c.series_found = 1999;
  c.series_missing = 1;
  c.series_incomplete = 2;
  c.samples_expected = 590000;
  c.samples_found = 589900;
  c.samples_missing = 100;
  c.samples_duplicated = 3;
  c.queries = 40;
  c.seconds_to_settle = 1.25;
  MissingSeriesExample& e = c.examples.emplace_back();
  e.series = std::string("obs_load{worker=\"3\",label=\"") + kHostile + "\"}";
  e.expected_samples = 300;
  e.found_samples = 200;
  e.expected_first_ms = 1'709'294'400'000;
  e.expected_last_ms = 1'709'294'430'000;
  e.missing_timestamps_ms = {1'709'294'410'000, 1'709'294'410'100};
  VisibilityRecord& v = r.visibility;
  v.protocol = "remote_write";
  v.checked = true;
  v.probes = 20;
  v.visible = 19;
  v.timed_out = 1;
  v.poll_interval_ns = 100 * kMs;
  Fill(v.lag, 150 * kMs, 300 * kMs, 19);
  r.warnings = {"target answered 3 writes with 503; retried",
                std::string("label value ") + kHostile};
  return r;
}

inline RunReport MakeReport(RunRecord record, const std::vector<std::string>& expressions) {
  RunReport report;
  report.record = std::move(record);
  report.scenario_text = "name: smoke\nassertions:\n  - write_latency.p99 < 250ms\n";
  report.generated_unix_ms = 1'709'294'432'000;
  std::vector<assertions::AssertionSpec> specs;
  for (const std::string& e : expressions) {
    Result<assertions::AssertionSpec> spec = assertions::ParseAssertion(e);
    EXPECT_TRUE(spec.ok()) << spec.status();
    if (spec.ok())
      specs.push_back(*spec);
  }
  report.assertions = assertions::Evaluate(report.record, specs);
  return report;
}

inline RunReport PassingReport() {
  RunReport report = MakeReport(MakeRecord(), {"write_latency.p99 < 250ms", "completeness >= 99.9%",
                                               "error_rate < 1%", "visibility_lag.p99 < 1s"});
  report.assertions[0].spec.name = "writes stay fast";
  report.assertions[0].spec.location = "smoke.yaml:3:5";
  return report;
}

inline RunReport FailingReport() {
  RunRecord record = MakeRecord();
  record.workloads[0].target_samples_per_second = 0;  // achieved_rate: no data there.
  record.visibility.lag.Reset();  // visibility_lag: no probe became visible, so no data.
  record.visibility.visible = 0;
  record.visibility.timed_out = record.visibility.probes;
  RunReport report = MakeReport(
      std::move(record), {"write_latency.p99 < 50ms", "completeness == 100%", "error_rate < 1%",
                          "achieved_rate >= 99.9%", "visibility_lag.p99 < 1s"});
  report.assertions[1].spec.name = kHostile;
  return report;
}

inline RunReport InfraErrorReport() {
  RunReport report;
  report.record.scenario_name = "smoke";
  report.record.run_id = "run-20240301-120000";
  report.record.seed = 42;
  report.record.target_kind = "prometheus";
  report.record.target_write_url = "http://127.0.0.1:1/api/v1/write";
  report.record.started_unix_ms = 1'709'294'400'000;
  report.record.completeness.skipped_reason = "the run did not complete";
  report.generated_unix_ms = 1'709'294'401'000;
  report.infrastructure_error =
      "target http://127.0.0.1:1/api/v1/write unreachable: connection refused <&>";
  return report;
}

// PassingReport plus an alerting run: one check with two episodes, firing
// and resolved notifications (one with a hostile annotation), alert results.
// A run with trace and log workloads: some spans and lines missing or
// altered, with examples and probe lags.
inline RunReport TracesAndLogsReport() {
  RunRecord record = MakeRecord();
  record.workloads[0].kind = "otlp_traces";
  record.workloads[1].kind = "loki_push";
  TraceCompletenessRecord& t = record.traces;
  t.checked = true;
  t.query_api = "tempo";
  t.traces_expected = 250;
  t.traces_found = 249;
  t.traces_missing = 1;
  t.traces_partial = 3;
  t.spans_expected = 2307;
  t.spans_intact = 2290;
  t.spans_missing = 12;
  t.spans_altered = 5;
  t.spans_extra = 1;
  t.queries = 260;
  t.seconds_to_settle = 1.5;
  t.examples = {
      {"altered", "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", "GET /orders",
       "attributes[http.route]", "\"/orders/{id}\"", "\"/orders|x\""},
      {"missing", "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b173", "SELECT", "", "", ""}};
  Fill(t.visibility.lag, 150000, 40000, 20);
  t.visibility.checked = true;
  t.visibility.probes = 20;
  t.visibility.visible = 20;
  t.visibility.poll_interval_ns = 5000000;
  LogCompletenessRecord& l = record.logs;
  l.checked = true;
  l.query_api = "loki";
  l.streams_expected = 12;
  l.streams_found = 12;
  l.lines_expected = 30000;
  l.lines_intact = 29990;
  l.lines_missing = 6;
  l.lines_altered = 2;
  l.lines_duplicated = 1;
  l.lines_unexpected = 1;
  l.lines_out_of_order = 0;
  l.queries = 14;
  l.seconds_to_settle = 0.4;
  l.examples = {{"missing", "{app=\"api\",pod=\"a\"}", 1700000000123000000,
                 "{\"level\":\"info\",\"seq\":41}", ""}};
  Fill(l.visibility.lag, 90000, 20000, 20);
  l.visibility.checked = true;
  l.visibility.probes = 20;
  l.visibility.visible = 19;
  l.visibility.timed_out = 1;
  return MakeReport(std::move(record),
                    {"trace_completeness == 100%", "trace_completeness.altered_spans == 0",
                     "log_completeness >= 99.9%", "log_visibility_lag.p99 < 1s",
                     "trace_visibility.timed_out == 0"});
}

inline RunReport AlertingReport() {
  RunReport report = PassingReport();
  AlertsRecord& a = report.record.alerts;
  a.enabled = true;
  a.time_scale = 0.01;
  a.receiver_url = "http://127.0.0.1:40000";
  a.rule_files = {"fixtures/rules/classic.yml"};
  a.listen_seconds = 1500;
  a.rejected = 1;
  AlertCheckRecord c;
  c.alert = "ServiceDown";
  c.signal = "worker/up == 0";
  c.shape = std::string("flap 1 -> 0 from 120s, 120s high every 240s, 2 cycles ") + kHostile;
  c.for_seconds = 60;
  c.evaluation_interval_seconds = 15;
  c.sample_interval_seconds = 15;
  c.episodes = {{120, 240}, {360, 480}};
  c.evaluator_states = {{"pending", 125, 180}, {"firing", 185, 240}, {"pending", 365, 420}};
  a.checks.push_back(c);
  const auto note = [](double t, const char* status, const char* summary) {
    AlertNotificationRecord n;
    n.t_seconds = t;
    n.arrival_unix_ms = 1'709'294'400'000 + static_cast<std::int64_t>(t * 10);
    n.format = "webhook";
    n.status = status;
    n.labels = {{"alertname", "ServiceDown"}, {"instance", "w1:9100"}, {"severity", "page"}};
    n.annotations = {{"summary", summary}};
    n.starts_at_ms = n.arrival_unix_ms - 2;
    return n;
  };
  a.notifications = {note(185.5, "firing", "w1:9100 is down"), note(245, "resolved", kHostile),
                     note(305, "resolved", kHostile)};
  std::vector<assertions::AlertSpec> specs = {{.alert = "ServiceDown",
                                               .check = 0,
                                               .fires_within_seconds = 60,
                                               .resolves_within_seconds = 60,
                                               .labels = {{"severity", "page"}},
                                               .location = "alerts.yaml:20:5"}};
  for (auto& r : assertions::EvaluateAlerts(report.record, specs)) {
    report.assertions.push_back(std::move(r));
  }
  return report;
}

inline std::string Render(const ReportWriter& writer, const RunReport& report) {
  std::ostringstream out;
  const Status s = writer.Write(report, out);
  EXPECT_TRUE(s.ok()) << s;
  return out.str();
}

inline std::string GoldenPath(const std::string& name) {
  const char* dir = std::getenv("OBS_SOURCE_DIR");
  return std::string(dir == nullptr ? "." : dir) + "/fixtures/golden/reports/" + name;
}

// Compares `actual` with the golden file, or rewrites it under OBS_UPDATE_GOLDEN=1.
inline void ExpectGolden(const std::string& actual, const std::string& name) {
  const std::string path = GoldenPath(name);
  const char* update = std::getenv("OBS_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path << " (run with OBS_UPDATE_GOLDEN=1)";
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(actual, golden.str()) << "differs from " << path
                                  << " (review, then run with OBS_UPDATE_GOLDEN=1)";
}

}  // namespace obs::reports::testing

// Defines the golden tests every writer has: <suite>.PassingReportMatchesGolden,
// FailingReportMatchesGolden and InfrastructureErrorReportMatchesGolden compare
// the output of `*new_writer()` for PassingReport(), FailingReport() and
// InfraErrorReport() with passing.<ext>, failing.<ext> and infra_error.<ext>.
#define OBS_WRITER_GOLDEN_TESTS(suite, new_writer, ext)                                           \
  TEST(suite, PassingReportMatchesGolden) {                                                       \
    ::obs::reports::testing::ExpectGolden(                                                        \
        ::obs::reports::testing::Render(*new_writer(), ::obs::reports::testing::PassingReport()), \
        "passing." ext);                                                                          \
  }                                                                                               \
  TEST(suite, FailingReportMatchesGolden) {                                                       \
    ::obs::reports::testing::ExpectGolden(                                                        \
        ::obs::reports::testing::Render(*new_writer(), ::obs::reports::testing::FailingReport()), \
        "failing." ext);                                                                          \
  }                                                                                               \
  TEST(suite, InfrastructureErrorReportMatchesGolden) {                                           \
    ::obs::reports::testing::ExpectGolden(                                                        \
        ::obs::reports::testing::Render(*new_writer(),                                            \
                                        ::obs::reports::testing::InfraErrorReport()),             \
        "infra_error." ext);                                                                      \
  }
