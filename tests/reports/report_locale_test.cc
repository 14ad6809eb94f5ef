// The writers must not depend on the global locale: the same report renders
// to the same bytes under a locale with a comma decimal point and '.'
// thousands grouping (simulated with a numpunct facet, which always works),
// and under de_DE.UTF-8 when the machine has it.

#include <locale>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "obs/reports/writer.h"
#include "obs/testing/status_matchers.h"

#include "report_fixture.h"

namespace obs::reports {
namespace {

class CommaDecimal : public std::numpunct<char> {
 protected:
  char do_decimal_point() const override { return ','; }
  char do_thousands_sep() const override { return '.'; }
  std::string do_grouping() const override { return "\3"; }
};

// Installs `locale` globally for the scope and restores the previous one.
class ScopedGlobalLocale {
 public:
  explicit ScopedGlobalLocale(const std::locale& locale) : previous_(std::locale::global(locale)) {}
  ~ScopedGlobalLocale() { std::locale::global(previous_); }
  ScopedGlobalLocale(const ScopedGlobalLocale&) = delete;
  ScopedGlobalLocale& operator=(const ScopedGlobalLocale&) = delete;

 private:
  std::locale previous_;
};

void ExpectAllGoldens() {
  testing::ExpectGolden(testing::Render(*NewJsonWriter(), testing::FailingReport()),
                        "failing.json");
  testing::ExpectGolden(testing::Render(*NewJUnitWriter(), testing::FailingReport()),
                        "failing.xml");
  testing::ExpectGolden(testing::Render(*NewMarkdownWriter(), testing::FailingReport()),
                        "failing.md");
  const RunReport experiment = testing::ExperimentReport();
  testing::ExpectGolden(testing::Render(*NewJsonWriter(), experiment), "experiment.json");
  testing::ExpectGolden(testing::Render(*NewJUnitWriter(), experiment), "experiment.xml");
  testing::ExpectGolden(testing::Render(*NewMarkdownWriter(), experiment), "experiment.md");
}

TEST(ReportLocaleTest, CommaDecimalLocaleGivesTheSameBytes) {
  const ScopedGlobalLocale scoped(std::locale(std::locale("C.UTF-8"), new CommaDecimal));
  std::ostringstream probe;
  probe << 1234.5;
  ASSERT_EQ(probe.str(), "1.234,5") << "the facet did not take effect";
  ExpectAllGoldens();
}

TEST(ReportLocaleTest, ParsingIsLocaleIndependent) {
  const std::string json = testing::Render(*NewJsonWriter(), testing::FailingReport());
  const ScopedGlobalLocale scoped(std::locale(std::locale("C.UTF-8"), new CommaDecimal));
  ASSERT_OK_AND_ASSIGN(RunReport parsed, ParseJsonReport(json));
  EXPECT_EQ(parsed.record.workloads[0].achieved_requests_per_second, 98.765);
  EXPECT_EQ(testing::Render(*NewJsonWriter(), parsed), json);
}

TEST(ReportLocaleTest, GermanLocaleGivesTheSameBytes) {
  std::locale german;
  try {
    german = std::locale("de_DE.UTF-8");
  } catch (const std::runtime_error&) {
    GTEST_SKIP() << "de_DE.UTF-8 is not installed (locale -a); CommaDecimalLocaleGivesTheSameBytes "
                    "covers the same property with a custom facet";
  }
  const ScopedGlobalLocale scoped(german);
  ExpectAllGoldens();
}

}  // namespace
}  // namespace obs::reports
