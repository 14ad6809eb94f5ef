#include <cmath>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/reports/writer.h"
#include "obs/testing/status_matchers.h"

#include "report_fixture.h"

namespace obs::reports {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::Render;

void ExpectSameHistogram(const Histogram& a, const Histogram& b) {
  EXPECT_EQ(a.count(), b.count());
  EXPECT_EQ(a.min(), b.min());
  EXPECT_EQ(a.max(), b.max());
  EXPECT_EQ(a.sum(), b.sum());
  EXPECT_EQ(a.out_of_range(), b.out_of_range());
  EXPECT_EQ(a.ValueAtPercentile(99), b.ValueAtPercentile(99));
  ASSERT_EQ(a.NonEmptyBuckets().size(), b.NonEmptyBuckets().size());
}

TEST(ParseJsonReportTest, RoundTripReproducesTheSameJson) {
  for (const RunReport& report :
       {testing::PassingReport(), testing::FailingReport(), testing::InfraErrorReport(),
        testing::AlertingReport(), testing::TracesAndLogsReport(), testing::ExperimentReport()}) {
    const std::string json = Render(*NewJsonWriter(), report);
    ASSERT_OK_AND_ASSIGN(RunReport parsed, ParseJsonReport(json));
    EXPECT_EQ(Render(*NewJsonWriter(), parsed), json);
  }
}

RunReport ResourcesReport() {
  RunReport report = testing::PassingReport();
  report.record.resources = {
      {.name = "obsbench",
       .pid = 4242,
       .cpu_seconds = 12.34,
       .cpu_cores_mean = 1.0 / 3,
       .rss_max_bytes = 734003200,
       .samples = {{.t_seconds = 1.0001, .cpu_cores = 0.1, .rss_bytes = 524288000},
                   {.t_seconds = 2, .cpu_cores = 0, .rss_bytes = 734003200},
                   {.t_seconds = 3.5, .cpu_cores = 1.9999999999999998, .rss_bytes = 1}}},
      {.name = "victoria-metrics \"q\"",
       .pid = 7,
       .cpu_seconds = 0,
       .cpu_cores_mean = 0,
       .rss_max_bytes = 0,
       .samples = {}}};
  return report;
}

TEST(ParseJsonReportTest, ResourcesRoundTrip) {
  const RunReport report = ResourcesReport();
  const std::string json = Render(*NewJsonWriter(), report);
  EXPECT_THAT(json, HasSubstr("\"resources\": [\n"));
  EXPECT_THAT(json, HasSubstr("\"rss_bytes\": [524288000, 734003200, 1]"));
  ASSERT_OK_AND_ASSIGN(RunReport parsed, ParseJsonReport(json));
  EXPECT_EQ(Render(*NewJsonWriter(), parsed), json);
  ASSERT_EQ(parsed.record.resources.size(), 2u);
  const ProcessResources& p = parsed.record.resources[0];
  EXPECT_EQ(p.name, "obsbench");
  EXPECT_EQ(p.pid, 4242);
  EXPECT_EQ(p.cpu_seconds, 12.34);
  EXPECT_EQ(p.cpu_cores_mean, 1.0 / 3);
  EXPECT_EQ(p.rss_max_bytes, 734003200u);
  ASSERT_EQ(p.samples.size(), 3u);
  EXPECT_EQ(p.samples[0].t_seconds, 1.0001);
  EXPECT_EQ(p.samples[2].cpu_cores, 1.9999999999999998);
  EXPECT_EQ(p.samples[2].rss_bytes, 1u);
  EXPECT_EQ(parsed.record.resources[1].name, "victoria-metrics \"q\"");
  EXPECT_TRUE(parsed.record.resources[1].samples.empty());
}

TEST(ParseJsonReportTest, ResourcesAreOmittedWhenNoneWereSampled) {
  const std::string json = Render(*NewJsonWriter(), testing::PassingReport());
  EXPECT_THAT(json, Not(HasSubstr("\"resources\"")));
  ASSERT_OK_AND_ASSIGN(RunReport parsed, ParseJsonReport(json));
  EXPECT_TRUE(parsed.record.resources.empty());
}

TEST(ParseJsonReportTest, ResourceColumnsMustHaveOneLength) {
  std::string json = Render(*NewJsonWriter(), ResourcesReport());
  const std::string column = "\"rss_bytes\": [524288000, 734003200, 1]";
  json.replace(json.find(column), column.size(), "\"rss_bytes\": [1, 2]");
  EXPECT_THAT(ParseJsonReport(json),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("resources[0].samples.rss_bytes: 2 elements, expected 3")));
}

TEST(ParseJsonReportTest, ExperimentRoundTripsWithNaNAsNull) {
  const RunReport report = testing::ExperimentReport();
  const std::string json = Render(*NewJsonWriter(), report);
  EXPECT_THAT(json, HasSubstr("\"experiment\": {\n"));
  EXPECT_THAT(json, HasSubstr("\"delta_ci_low\": null"));
  EXPECT_THAT(json, Not(HasSubstr("NaN")));
  ASSERT_OK_AND_ASSIGN(RunReport parsed, ParseJsonReport(json));
  EXPECT_EQ(Render(*NewJsonWriter(), parsed), json);
  ASSERT_TRUE(parsed.record.experiment.has_value());
  const ExperimentRecord& want = *report.record.experiment;
  const ExperimentRecord& got = *parsed.record.experiment;
  EXPECT_EQ(got.baseline, "off");
  EXPECT_EQ(got.rounds, 3);
  EXPECT_EQ(got.variants, want.variants);
  ASSERT_EQ(got.runs.size(), want.runs.size());
  const VariantRunRecord& run = got.runs.back();
  EXPECT_EQ(run.variant, want.runs.back().variant);
  EXPECT_EQ(run.round, want.runs.back().round);
  EXPECT_EQ(run.p99, want.runs.back().p99);
  EXPECT_EQ(run.app_cpu_per_request_seconds, want.runs.back().app_cpu_per_request_seconds);
  EXPECT_EQ(run.app_rss_max_bytes, want.runs.back().app_rss_max_bytes);
  EXPECT_EQ(run.app_nonvoluntary_ctxt_switches, want.runs.back().app_nonvoluntary_ctxt_switches);
  EXPECT_EQ(run.harness_cpu_seconds, want.runs.back().harness_cpu_seconds);
  ASSERT_EQ(got.runs[2].destinations.size(), 2u);  // Round 1 of dual.
  EXPECT_EQ(got.runs[2].destinations[1].name, "secondary");
  EXPECT_EQ(got.runs[2].destinations[1].decode_errors, 1u);
  EXPECT_EQ(got.runs[2].destinations[1].url, "http://127.0.0.1:43182");
  ASSERT_EQ(got.overhead.size(), want.overhead.size());
  for (std::size_t i = 0; i < got.overhead.size(); ++i) {
    const OverheadRecord& a = got.overhead[i];
    const OverheadRecord& b = want.overhead[i];
    EXPECT_EQ(a.figure, b.figure);
    EXPECT_EQ(a.pairs, b.pairs);
    EXPECT_EQ(a.delta_mean, b.delta_mean);
    EXPECT_EQ(std::isnan(a.delta_ci_low), std::isnan(b.delta_ci_low)) << a.variant << a.figure;
    EXPECT_EQ(std::isnan(a.relative_ci_high), std::isnan(b.relative_ci_high));
    if (!std::isnan(b.delta_ci_high)) {
      EXPECT_EQ(a.delta_ci_high, b.delta_ci_high);
    }
  }
  const OverheadRecord& dual = got.overhead.back();
  EXPECT_EQ(dual.variant, "dual");
  EXPECT_EQ(dual.pairs, 1);
  EXPECT_TRUE(std::isnan(dual.delta_ci_low));
  EXPECT_TRUE(std::isnan(dual.relative_ci_high));
  ASSERT_EQ(got.exports.size(), 3u);
  EXPECT_EQ(got.exports[2].destination, "secondary");
  EXPECT_EQ(got.exports[2].server_spans, want.exports[2].server_spans);
  EXPECT_EQ(got.exports[2].completeness, want.exports[2].completeness);
  EXPECT_EQ(parsed.record.target_kind, "experiment");
}

TEST(ParseJsonReportTest, ExperimentIsOmittedWhenAbsent) {
  const std::string json = Render(*NewJsonWriter(), testing::PassingReport());
  EXPECT_THAT(json, Not(HasSubstr("\"experiment\"")));
  ASSERT_OK_AND_ASSIGN(RunReport parsed, ParseJsonReport(json));
  EXPECT_FALSE(parsed.record.experiment.has_value());
}

TEST(ParseJsonReportTest, ExperimentFieldsAreChecked) {
  std::string json = Render(*NewJsonWriter(), testing::ExperimentReport());
  const std::string field = "\"app_threads_max\": 9";
  json.replace(json.find(field), field.size(), "\"app_threads_max\": \"9\"");
  EXPECT_THAT(ParseJsonReport(json),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("experiment.runs[0].app_threads_max must be an integer")));
}

TEST(ParseJsonReportTest, RebuildsHistogramsAndFields) {
  RunReport report = testing::FailingReport();
  ASSERT_TRUE(report.record.workloads[0].latency_corrected.RecordN(-5, 2) == false);
  ASSERT_OK_AND_ASSIGN(RunReport parsed, ParseJsonReport(Render(*NewJsonWriter(), report)));
  ASSERT_EQ(parsed.record.workloads.size(), 2u);
  ExpectSameHistogram(parsed.record.workloads[0].latency_corrected,
                      report.record.workloads[0].latency_corrected);
  ExpectSameHistogram(parsed.record.visibility.lag, report.record.visibility.lag);
  EXPECT_EQ(parsed.record.workloads[0].status_codes, report.record.workloads[0].status_codes);
  EXPECT_EQ(parsed.record.completeness.examples[0].series,
            report.record.completeness.examples[0].series);
  EXPECT_EQ(parsed.assertions[1].spec.name, testing::kHostile);
  EXPECT_EQ(parsed.assertions[0].outcome, assertions::Outcome::kFailed);
  EXPECT_EQ(parsed.scenario_text, report.scenario_text);
  EXPECT_EQ(parsed.record.environment, report.record.environment);
  EXPECT_EQ(ExitCode(parsed), 1);
}

TEST(ParseJsonReportTest, RejectsMalformedJson) {
  EXPECT_THAT(ParseJsonReport("{not json"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not valid JSON")));
}

TEST(ParseJsonReportTest, RejectsOtherSchemaVersions) {
  std::string json = Render(*NewJsonWriter(), testing::PassingReport());
  json.replace(json.find("\"schema_version\": 1"), 19, "\"schema_version\": 2");
  EXPECT_THAT(ParseJsonReport(json),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("schema_version 2 is not supported (this build reads 1)")));
}

TEST(ParseJsonReportTest, NamesAMissingField) {
  std::string json = Render(*NewJsonWriter(), testing::PassingReport());
  json.replace(json.find("\"requests_late\""), 15, "\"requests_lateX\"");
  EXPECT_THAT(ParseJsonReport(json), StatusIs(StatusCode::kInvalidArgument,
                                              HasSubstr("workloads[0].requests_late is missing")));
}

TEST(ParseJsonReportTest, NamesAMistypedField) {
  std::string json = Render(*NewJsonWriter(), testing::PassingReport());
  json.replace(json.find("\"seed\": 42"), 10, "\"seed\": \"42\"");
  EXPECT_THAT(
      ParseJsonReport(json),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("run.seed must be a non-negative integer")));
}

TEST(ParseJsonReportTest, RejectsBucketsOffTheHistogramLayout) {
  std::string json = Render(*NewJsonWriter(), testing::PassingReport());
  const std::size_t at = json.find("\"buckets\": [");
  ASSERT_NE(at, std::string::npos);
  const std::size_t first = json.find('[', json.find('[', at) + 1);
  json.replace(first, 1, "[1000001, 1000002, 1],[");
  EXPECT_THAT(ParseJsonReport(json),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("does not match the layout")));
}

TEST(ParseJsonReportTest, RejectsNonObjectDocument) {
  EXPECT_THAT(ParseJsonReport("[1, 2]"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("must be an object")));
}

}  // namespace
}  // namespace obs::reports
