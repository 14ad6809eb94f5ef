// Deterministic, fully populated RunReports for the writer tests (passing,
// failing, infrastructure error) and golden-file helpers: compare writer
// output with fixtures/golden/reports/<name>, or rewrite the file when
// OBS_UPDATE_GOLDEN=1. The source tree is found through OBS_SOURCE_DIR, which
// obs_test() sets. OBS_WRITER_GOLDEN_TESTS defines a writer's three golden tests.
//
// Thread safety: test-only; the functions touch no shared state.

#pragma once

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "obs/assertions/alerts.h"
#include "obs/assertions/assertions.h"
#include "obs/assertions/format.h"
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
  w.bookkeeping = {.ledger = 32'000, .histograms = 234'560, .intervals = 4'321};
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

// Paired overhead records of `e.runs` like the experiment computes them
// (docs/overhead.md), for the figures a report shows; Student's t for up
// to 3 pairs, NaN interval bounds from one pair.
inline std::vector<OverheadRecord> FixtureOverhead(const ExperimentRecord& e) {
  struct Figure {
    const char* name;
    const char* unit;
    double (*value)(const VariantRunRecord&);
  };
  static constexpr Figure kFigures[] = {
      {"cpu_per_request", "seconds",
       [](const VariantRunRecord& r) {
         return r.app_cpu_per_request_seconds;
       }},
      {"cpu_cores", "cores",
       [](const VariantRunRecord& r) {
         return r.app_cpu_seconds / r.load_seconds;
       }},
      {"rss_mean", "bytes",
       [](const VariantRunRecord& r) {
         return r.app_rss_mean_bytes;
       }},
      {"rss_max", "bytes",
       [](const VariantRunRecord& r) {
         return static_cast<double>(r.app_rss_max_bytes);
       }},
      {"p50", "seconds",
       [](const VariantRunRecord& r) {
         return r.p50;
       }},
      {"p95", "seconds",
       [](const VariantRunRecord& r) {
         return r.p95;
       }},
      {"p99", "seconds",
       [](const VariantRunRecord& r) {
         return r.p99;
       }},
      {"p99_uncorrected", "seconds",
       [](const VariantRunRecord& r) {
         return r.p99_uncorrected;
       }},
      {"throughput", "requests/s",
       [](const VariantRunRecord& r) {
         return r.achieved_rps;
       }},
      {"threads_max", "count",
       [](const VariantRunRecord& r) {
         return static_cast<double>(r.app_threads_max);
       }},
      {"ctx_switches_per_request", "count", [](const VariantRunRecord& r) {
         return static_cast<double>(r.app_voluntary_ctxt_switches +
                                    r.app_nonvoluntary_ctxt_switches) /
                static_cast<double>(r.requests_answered);
       }}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<OverheadRecord> out;
  for (const std::string& v : e.variants) {
    if (v == e.baseline)
      continue;
    for (const Figure& f : kFigures) {
      std::vector<double> d;
      double base = 0;
      double var = 0;
      for (const VariantRunRecord& r : e.runs) {
        if (r.variant != v)
          continue;
        for (const VariantRunRecord& b : e.runs) {
          if (b.variant == e.baseline && b.round == r.round) {
            d.push_back(f.value(r) - f.value(b));
            base += f.value(b);
            var += f.value(r);
          }
        }
      }
      const double n = static_cast<double>(d.size());
      double mean = 0;
      for (double x : d)
        mean += x / n;
      double half = nan;
      if (d.size() > 1) {
        double ss = 0;
        for (double x : d)
          ss += (x - mean) * (x - mean);
        half = (d.size() == 2 ? 12.706 : 4.303) * std::sqrt(ss / (n - 1) / n);
      }
      OverheadRecord o{.variant = v,
                       .figure = f.name,
                       .unit = f.unit,
                       .pairs = static_cast<int>(d.size()),
                       .baseline_mean = base / n,
                       .variant_mean = var / n,
                       .delta_mean = mean,
                       .delta_ci_low = mean - half,
                       .delta_ci_high = mean + half,
                       .relative = mean / (base / n),
                       .relative_ci_low = (mean - half) / (base / n),
                       .relative_ci_high = (mean + half) / (base / n)};
      out.push_back(o);
    }
  }
  return out;
}

// An experiment (kind: experiment): variants off (baseline, no telemetry),
// single (exports to "primary") and dual ("primary" and "secondary"), 3
// rounds interleaved; dual ran only in round 1 (its application did not
// start in rounds 2 and 3), so its intervals are NaN ("n/a (1 round)").
// Workloads are each variant's load, "<variant>/http".
inline RunReport ExperimentReport() {
  RunRecord r = MakeRecord();
  r.scenario_name = "dual-export-overhead";
  r.scenario_description = "What does exporting traces to one or two backends cost the app?";
  r.scenario_file = "scenarios/library/dual-export-overhead.yaml";
  r.target_kind = "experiment";
  r.target_write_url.clear();
  r.target_query_url.clear();
  r.duration_seconds = 312.5;
  r.workloads.clear();
  for (const char* v : {"off", "single", "dual"}) {
    WorkloadRecord w = MakeWorkload(std::string(v) + "/http", 1);
    w.kind = "http";
    w.series = 2;
    w.target_samples_per_second = w.target_requests_per_second = 1000;
    w.achieved_samples_per_second = w.achieved_requests_per_second = 998.5;
    r.workloads.push_back(std::move(w));
  }
  r.completeness = {};
  r.completeness.skipped_reason = "an experiment checks export completeness instead";
  r.visibility = {};
  r.warnings = {"dual round 2: the application did not become ready within 10 s"};
  ExperimentRecord& e = r.experiment.emplace();
  e.baseline = "off";
  e.rounds = 3;
  e.variants = {"off", "single", "dual"};
  for (int round = 1; round <= 3; ++round) {
    for (int v = 0; v < 3; ++v) {
      if (v == 2 && round > 1)
        continue;
      VariantRunRecord run;
      run.variant = e.variants[static_cast<std::size_t>(v)];
      run.round = round;
      const double noise = 0.01 * ((round * 7 + v * 3) % 5 - 2);  // -2% .. +2%
      run.load_seconds = 30;
      run.requests = 30000;
      run.requests_answered = 29990 - static_cast<std::uint64_t>(v * 5 + round);
      run.requests_ok = run.requests_answered - 2;
      run.warmup_requests_answered = 2000;
      run.target_rps = 1000;
      run.achieved_rps = static_cast<double>(run.requests_answered) / run.load_seconds;
      run.saturation_rps = 1012 - v;
      run.p50 = (0.00042 + 0.00004 * v) * (1 + noise);
      run.p95 = (0.00090 + 0.00012 * v) * (1 + noise);
      run.p99 = (0.00160 + 0.00035 * v) * (1 + 2 * noise);
      run.p50_uncorrected = run.p50 * 0.95;
      run.p95_uncorrected = run.p95 * 0.9;
      run.p99_uncorrected = run.p99 * 0.8;
      run.app_cpu_per_request_seconds = (38e-6 + 8e-6 * v) * (1 + noise);
      run.app_cpu_seconds =
          run.app_cpu_per_request_seconds * static_cast<double>(run.requests_answered);
      run.app_rss_mean_bytes = (41.5 + 16.25 * v) * (1 + noise) * 1024 * 1024;
      run.app_rss_max_bytes = static_cast<std::uint64_t>(run.app_rss_mean_bytes * 1.08);
      run.app_threads_max = 9 + 5 * v;
      run.app_processes_max = 1;
      run.app_voluntary_ctxt_switches = 31000 + 9000 * static_cast<std::uint64_t>(v);
      run.app_nonvoluntary_ctxt_switches = 1200 + 300 * static_cast<std::uint64_t>(v);
      run.app_exit_code = 0;
      run.harness_cpu_seconds = 4.25 + 0.5 * v + 0.01 * round;
      const std::uint64_t handled = run.requests_answered + run.warmup_requests_answered;
      if (v >= 1)
        run.destinations.push_back({.name = "primary",
                                    .url = "http://127.0.0.1:43181",
                                    .requests = 64,
                                    .spans = handled * 2,
                                    .server_spans = handled,
                                    .log_records = 0,
                                    .data_points = 120,
                                    .decode_errors = 0});
      if (v == 2)
        run.destinations.push_back({.name = "secondary",
                                    .url = "http://127.0.0.1:43182",
                                    .requests = 63,
                                    .spans = (handled - 800) * 2,
                                    .server_spans = handled - 800,
                                    .log_records = 0,
                                    .data_points = 118,
                                    .decode_errors = 1});
      e.runs.push_back(std::move(run));
    }
  }
  e.overhead = FixtureOverhead(e);
  for (const std::string& v : e.variants) {
    for (const char* d : {"primary", "secondary"}) {
      ExportCompletenessRecord x{.variant = v, .destination = d};
      bool any = false;
      for (const VariantRunRecord& run : e.runs) {
        for (const ExportDestinationRecord& dest : run.destinations) {
          if (run.variant == v && dest.name == d) {
            any = true;
            x.requests_answered += run.requests_answered + run.warmup_requests_answered;
            x.server_spans += dest.server_spans;
            x.spans += dest.spans;
          }
        }
      }
      if (any) {
        x.completeness =
            static_cast<double>(x.server_spans) / static_cast<double>(x.requests_answered);
        e.exports.push_back(x);
      }
    }
  }
  RunReport report = MakeReport(std::move(r), {});
  report.scenario_text = "name: dual-export-overhead\nexperiment:\n  baseline: off\n";
  // Hand-made results, so this fixture does not depend on how the
  // assertions module words its explanations.
  assertions::AssertionResult cpu;
  cpu.spec.name = cpu.spec.expression = "overhead.cpu < 30%";
  cpu.spec.figure = "overhead.cpu";
  cpu.spec.threshold = 0.3;
  cpu.outcome = assertions::Outcome::kPassed;
  cpu.expected = "< 30%";
  const OverheadRecord& single_cpu = report.record.experiment->overhead.front();
  cpu.actual = "+" + assertions::FormatPercent(single_cpu.relative);
  cpu.explanation = "variant single: overhead.cpu is " + cpu.actual;
  assertions::AssertionResult p99 = cpu;
  p99.spec.name = p99.spec.expression = "overhead.p99 < 500us";
  p99.spec.figure = "overhead.p99";
  p99.spec.workload = "dual";
  p99.spec.threshold = 0.0005;
  p99.outcome = assertions::Outcome::kFailed;
  p99.expected = "< 500 µs";
  for (const OverheadRecord& o : report.record.experiment->overhead) {
    if (o.variant == "dual" && o.figure == "p99")
      p99.actual = assertions::FormatDurationNs(o.delta_mean * 1e9);
  }
  p99.explanation = "variant dual: overhead.p99 is " + p99.actual + " (1 round, no interval)";
  report.assertions = {cpu, p99};
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
