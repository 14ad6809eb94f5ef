#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/reports/writer.h"

#include "report_fixture.h"

namespace obs::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::Render;

OBS_WRITER_GOLDEN_TESTS(JUnitWriterTest, NewJUnitWriter, "xml")

TEST(JUnitWriterTest, CountsFailuresIncludingNoData) {
  const std::string xml = Render(*NewJUnitWriter(), testing::FailingReport());
  EXPECT_THAT(xml, HasSubstr("<testsuite name=\"smoke\" tests=\"5\" failures=\"4\" errors=\"0\""));
  EXPECT_THAT(xml, HasSubstr("type=\"no_data\""));
  EXPECT_THAT(xml, HasSubstr("classname=\"obsbench.smoke\""));
}

TEST(JUnitWriterTest, InfrastructureErrorIsAnErrorElement) {
  const std::string xml = Render(*NewJUnitWriter(), testing::InfraErrorReport());
  EXPECT_THAT(xml, HasSubstr("tests=\"1\" failures=\"0\" errors=\"1\""));
  EXPECT_THAT(xml, HasSubstr("<error message=\"target http://127.0.0.1:1/api/v1/write "
                             "unreachable: connection refused &lt;&amp;&gt;\""));
}

TEST(JUnitWriterTest, EscapesMarkupQuotesAndControls) {
  RunReport report = testing::FailingReport();
  report.record.warnings.push_back("bell \x07 here");
  const std::string xml = Render(*NewJUnitWriter(), report);
  EXPECT_THAT(xml, Not(HasSubstr("<script>")));
  EXPECT_THAT(xml, Not(HasSubstr("\x07")));
  EXPECT_THAT(xml,
              HasSubstr("name=\"&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; "
                        "&apos;single&apos;"));
  EXPECT_THAT(xml, HasSubstr("bell \xEF\xBF\xBD here"));
}

TEST(JUnitWriterTest, ExperimentOverheadIsInProperties) {
  const std::string xml = Render(*NewJUnitWriter(), testing::ExperimentReport());
  EXPECT_THAT(xml, HasSubstr("<property name=\"overhead.single.cpu_per_request\" value=\""));
  EXPECT_THAT(xml, HasSubstr("<property name=\"overhead.dual.rss_mean\" value=\""));
  EXPECT_THAT(xml, HasSubstr("<property name=\"target\" value=\"experiment\"/>"));
  EXPECT_THAT(Render(*NewJUnitWriter(), testing::PassingReport()), Not(HasSubstr("overhead.")));
  testing::ExpectGolden(xml, "experiment.xml");
}

TEST(JUnitWriterTest, FileName) {
  EXPECT_EQ(NewJUnitWriter()->file_name(), "junit.xml");
}

}  // namespace
}  // namespace obs::reports
