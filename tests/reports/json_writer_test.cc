#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/reports/writer.h"
#include "obs/testing/status_matchers.h"

#include "report_fixture.h"

namespace obs::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Render;

OBS_WRITER_GOLDEN_TESTS(JsonWriterTest, NewJsonWriter, "json")

TEST(JsonWriterTest, IsVersionedAndCarriesTheVerdict) {
  const std::string json = Render(*NewJsonWriter(), testing::FailingReport());
  EXPECT_THAT(json, HasSubstr("\"schema_version\": 1,"));
  EXPECT_THAT(json, HasSubstr("\"verdict\": \"failed\""));
  EXPECT_THAT(json, HasSubstr("\"exit_code\": 1"));
}

TEST(JsonWriterTest, HistogramsHavePercentileTablesAndBuckets) {
  const std::string json = Render(*NewJsonWriter(), testing::PassingReport());
  EXPECT_THAT(json, HasSubstr("\"p99.9\": {"));
  EXPECT_THAT(json, HasSubstr("\"human\": \""));
  EXPECT_THAT(json, HasSubstr("\"buckets\": ["));
  EXPECT_THAT(json, HasSubstr("\"max_value_ns\": 3600000000000"));
}

TEST(JsonWriterTest, EscapesQuotesAndControlCharacters) {
  RunReport report = testing::PassingReport();
  report.record.warnings = {"a \"quoted\"\n\tline \x01 <script>"};
  const std::string json = Render(*NewJsonWriter(), report);
  EXPECT_THAT(json, HasSubstr(R"("a \"quoted\"\n\tline \u0001 <script>")"));
  ASSERT_OK_AND_ASSIGN(RunReport parsed, ParseJsonReport(json));
  EXPECT_EQ(parsed.record.warnings, report.record.warnings);
}

TEST(JsonWriterTest, InvalidUtf8IsReplacedNotFatal) {
  RunReport report = testing::PassingReport();
  report.record.warnings = {"bad \xff byte"};
  const std::string json = Render(*NewJsonWriter(), report);
  EXPECT_THAT(json, HasSubstr("bad \xEF\xBF\xBD byte"));
  EXPECT_THAT(json, Not(HasSubstr("\xff")));
}

TEST(JsonWriterTest, FailedStreamIsUnavailable) {
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  EXPECT_THAT(NewJsonWriter()->Write(testing::PassingReport(), out),
              obs::testing::StatusIs(StatusCode::kUnavailable, HasSubstr("report.json")));
}

TEST(JsonWriterTest, ExperimentMatchesGolden) {
  testing::ExpectGolden(Render(*NewJsonWriter(), testing::ExperimentReport()), "experiment.json");
}

TEST(JsonWriterTest, FileName) {
  EXPECT_EQ(NewJsonWriter()->file_name(), "report.json");
}

}  // namespace
}  // namespace obs::reports
