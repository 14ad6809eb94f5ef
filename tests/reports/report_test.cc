#include "obs/reports/report.h"

#include <filesystem>
#include <fstream>
#include <sstream>
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

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::filesystem::path TempDir(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::filesystem::temp_directory_path() /
         ("obs_report_test_" + std::string(info->name()) + "_" + name);
}

TEST(ReportTest, VerdictAndExitCode) {
  EXPECT_TRUE(Passed(testing::PassingReport()));
  EXPECT_EQ(ExitCode(testing::PassingReport()), 0);
  EXPECT_EQ(VerdictName(testing::PassingReport()), "passed");
  EXPECT_FALSE(Passed(testing::FailingReport()));
  EXPECT_EQ(ExitCode(testing::FailingReport()), 1);
  EXPECT_EQ(VerdictName(testing::FailingReport()), "failed");
  EXPECT_EQ(ExitCode(testing::InfraErrorReport()), 3);
  EXPECT_EQ(VerdictName(testing::InfraErrorReport()), "error");
}

TEST(ReportTest, NoDataAloneFailsTheGate) {
  RunReport report = testing::PassingReport();
  report.assertions[0].outcome = assertions::Outcome::kNoData;
  EXPECT_FALSE(Passed(report));
  EXPECT_EQ(ExitCode(report), 1);
}

TEST(ReportTest, InfrastructureErrorWinsOverPassingAssertions) {
  RunReport report = testing::PassingReport();
  report.infrastructure_error = "backend crashed";
  EXPECT_FALSE(Passed(report));
  EXPECT_EQ(ExitCode(report), 3);
}

TEST(ReportTest, NoAssertionsAndNoErrorPasses) {
  RunReport report = testing::PassingReport();
  report.assertions.clear();
  EXPECT_TRUE(Passed(report));
}

TEST(ReportTest, WriteReportsCreatesTheDirectoryAndAllThreeFiles) {
  const std::filesystem::path dir = TempDir("out") / "nested";
  std::filesystem::remove_all(dir.parent_path());
  const RunReport report = testing::FailingReport();
  ASSERT_OK(WriteReports(report, dir.string()));
  EXPECT_EQ(ReadFile(dir / "report.json"), testing::Render(*NewJsonWriter(), report));
  EXPECT_EQ(ReadFile(dir / "junit.xml"), testing::Render(*NewJUnitWriter(), report));
  EXPECT_EQ(ReadFile(dir / "summary.md"), testing::Render(*NewMarkdownWriter(), report));
  std::filesystem::remove_all(dir.parent_path());
}

TEST(ReportTest, WriteReportsNamesTheUnwritablePath) {
  const std::filesystem::path file = TempDir("file");
  std::ofstream(file) << "not a directory";
  const std::string dir = (file / "sub").string();
  EXPECT_THAT(WriteReports(testing::PassingReport(), dir),
              StatusIs(StatusCode::kUnavailable, HasSubstr(dir)));
  std::filesystem::remove(file);
}

TEST(ReportTest, WriteReportsNamesTheFileItCannotWrite) {
  const std::filesystem::path dir = TempDir("dir");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "junit.xml");  // A directory where the file goes.
  EXPECT_THAT(WriteReports(testing::PassingReport(), dir.string()),
              StatusIs(StatusCode::kUnavailable, HasSubstr((dir / "junit.xml").string())));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace obs::reports
