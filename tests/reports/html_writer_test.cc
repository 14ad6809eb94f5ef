// report.html and compare.html: golden files, hostile names shown as text
// (never as markup), every chart present, no script and no external
// reference, well-formed markup (every element closed, attributes quoted,
// only known elements), deterministic and locale-independent output; and the
// chart library's escaping and axis labels.

#include <filesystem>
#include <fstream>
#include <limits>
#include <locale>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/reports/compare.h"
#include "obs/reports/repeat.h"
#include "obs/reports/writer.h"
#include "obs/testing/status_matchers.h"

#include "html_report_fixture.h"
#include "report_fixture.h"
#include "svg_chart.h"

namespace obs::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string FullHtml() {
  return testing::Render(*NewHtmlWriter(), testing::FullHtmlReport());
}

// Every tag of `html`, "<...>" as written (text never holds a raw '<').
std::vector<std::string> Tags(const std::string& html) {
  std::vector<std::string> tags;
  for (std::size_t i = html.find('<'); i != std::string::npos; i = html.find('<', i + 1)) {
    const std::size_t end = html.find('>', i);
    if (end == std::string::npos) {
      tags.push_back(html.substr(i));
      break;
    }
    tags.push_back(html.substr(i, end - i + 1));
  }
  return tags;
}

std::string TagName(const std::string& tag) {
  std::size_t i = tag[1] == '/' ? 2 : 1;
  std::size_t j = i;
  while (j < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[j])) != 0)) {
    ++j;
  }
  return tag.substr(i, j - i);
}

// Problems with `html` as a document: unknown elements, unquoted or event
// attributes, unbalanced elements, bare '&'. Empty when well-formed.
std::vector<std::string> MarkupProblems(const std::string& html) {
  static const std::set<std::string> kAllowed = {
      "html", "head", "meta",    "title", "style",  "body",       "header", "h1",   "h2",
      "h3",   "p",    "section", "table", "tr",     "th",         "td",     "code", "span",
      "ul",   "li",   "strong",  "pre",   "figure", "figcaption", "svg",    "g",    "path",
      "line", "rect", "circle",  "text",  "div",    "footer"};
  static const std::set<std::string> kVoid = {"meta"};
  static const std::regex kTag(
      R"re(^</?[a-z][a-z0-9]*(\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<>]*")*\s*/?>$)re");
  std::vector<std::string> problems;
  std::vector<std::string> open;
  for (const std::string& tag : Tags(html)) {
    if (tag.rfind("<!DOCTYPE html>", 0) == 0) {
      continue;
    }
    const std::string name = TagName(tag);
    if (kAllowed.count(name) == 0) {
      problems.push_back("unexpected element " + tag);
    }
    if (!std::regex_match(tag, kTag)) {
      problems.push_back("malformed tag " + tag);
    }
    static const std::regex kEventAttribute(R"re(\s[oO][nN][a-zA-Z]*="[^"]*")re");
    if (std::regex_search(tag, kEventAttribute)) {
      problems.push_back("event handler attribute " + tag);
    }
    if (tag[1] == '/') {
      if (open.empty() || open.back() != name) {
        problems.push_back("unbalanced " + tag);
      } else {
        open.pop_back();
      }
    } else if (!tag.ends_with("/>") && kVoid.count(name) == 0) {
      open.push_back(name);
    }
  }
  for (const std::string& name : open) {
    problems.push_back("never closed <" + name + ">");
  }
  const std::regex entity(R"(^&(amp|lt|gt|quot|#39|#[0-9]+);)");
  for (std::size_t i = html.find('&'); i != std::string::npos; i = html.find('&', i + 1)) {
    if (!std::regex_search(html.substr(i, 8), entity)) {
      problems.push_back("bare & at " + html.substr(i, 20));
    }
  }
  return problems;
}

// Anything that would make the page load something or run code: attributes
// that load (src, href, ...), URLs or url() in any attribute but the text of
// aria-label, <script>, <link>, <img>, @import.
std::vector<std::string> ExternalReferences(const std::string& html) {
  static const std::regex kAttribute(R"re(\s([a-zA-Z][a-zA-Z0-9:-]*)="([^"]*)")re");
  static const std::set<std::string> kLoading = {"src",    "href",   "xlink:href",
                                                 "srcset", "action", "formaction",
                                                 "data",   "poster", "background"};
  std::vector<std::string> found;
  for (const std::string& tag : Tags(html)) {
    for (std::sregex_iterator it(tag.begin(), tag.end(), kAttribute), end; it != end; ++it) {
      const std::string name = (*it)[1];
      const std::string value = (*it)[2];
      const bool url = value.find("http://") != std::string::npos ||
                       value.find("https://") != std::string::npos ||
                       value.find("url(") != std::string::npos;
      if (kLoading.count(name) != 0 || (url && name != "aria-label")) {
        found.push_back(tag);
      }
    }
  }
  for (const char* bad : {"url(", "@import", "<script", "<SCRIPT", "<link", "<img", "<iframe"}) {
    if (html.find(bad) != std::string::npos) {
      found.push_back(bad);
    }
  }
  return found;
}

TEST(HtmlWriterTest, FullReportMatchesGolden) {
  testing::ExpectGolden(FullHtml(), "report.html");
}

TEST(HtmlWriterTest, CompareMatchesGolden) {
  std::vector<RunReport> base_runs;
  std::vector<RunReport> cur_runs;
  for (int i = 0; i < 3; ++i) {
    RunReport b = testing::PassingReport();
    b.record.run_id = "base-" + std::to_string(i);
    RunReport c = testing::PassingReport();
    c.record.run_id = "cur-" + std::to_string(i);
    for (WorkloadRecord& w : c.record.workloads) {
      w.latency_corrected.Reset();
      testing::Fill(w.latency_corrected, (30 + i) * testing::kMs, 40 * testing::kMs, 3000);
      w.achieved_samples_per_second *= 1.3;
    }
    base_runs.push_back(std::move(b));
    cur_runs.push_back(std::move(c));
  }
  cur_runs[0].record.scenario_name = testing::kImgPayload;
  ASSERT_OK_AND_ASSIGN(Comparison c,
                       Compare(MergeRepeats(base_runs, {}), MergeRepeats(cur_runs, {}), {}));
  c.scenario_name = testing::kScriptPayload;
  std::ostringstream html;
  WriteCompareHtml(c, html);
  EXPECT_THAT(MarkupProblems(html.str()), IsEmpty());
  EXPECT_THAT(ExternalReferences(html.str()), IsEmpty());
  EXPECT_THAT(html.str(), HasSubstr("class=\"regressed\""));
  EXPECT_THAT(html.str(), HasSubstr("id=\"figure-0\""));
  EXPECT_THAT(html.str(), Not(HasSubstr(testing::kScriptPayload)));
  testing::ExpectGolden(html.str(), "compare.html");
}

TEST(HtmlWriterTest, FileNameAndWriteReports) {
  EXPECT_EQ(NewHtmlWriter()->file_name(), "report.html");
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "obs_html_writer_test_write_reports";
  std::filesystem::remove_all(dir);
  const RunReport report = testing::PassingReport();
  ASSERT_OK(WriteReports(report, dir.string()));
  std::ifstream in(dir / "report.html", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), testing::Render(*NewHtmlWriter(), report));
  std::filesystem::remove_all(dir);
}

TEST(HtmlWriterTest, HostileNamesAreTextNotMarkup) {
  const std::string html = FullHtml();
  for (const char* payload : testing::kPayloads) {
    EXPECT_THAT(html, Not(HasSubstr(payload))) << payload;
    EXPECT_THAT(html, HasSubstr(internal::HtmlEscape(payload))) << payload;
  }
  // The fixture's older hostile text too.
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"));
  EXPECT_THAT(ExternalReferences(html), IsEmpty());
}

TEST(HtmlWriterTest, EveryChartIsPresent) {
  const std::string html = FullHtml();
  for (const char* id : testing::kFullReportCharts) {
    EXPECT_THAT(html, HasSubstr("<svg class=\"chart\" id=\"" + std::string(id) + "\"")) << id;
  }
  std::size_t charts = 0;
  for (std::size_t i = html.find("<svg "); i != std::string::npos; i = html.find("<svg ", i + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, testing::kFullReportCharts.size());
  // Legends name the series; axes have readable units.
  EXPECT_THAT(html, HasSubstr(">target (due)</text>"));
  EXPECT_THAT(html, HasSubstr(">p99 uncorrected</text>"));
  EXPECT_THAT(html, HasSubstr(">corrected (from due time)</text>"));
  EXPECT_THAT(html, HasSubstr(">99.9%</text>"));
  EXPECT_THAT(html, HasSubstr(" ms</text>"));
  EXPECT_THAT(html, HasSubstr(" MiB</text>"));
  EXPECT_THAT(html, HasSubstr(">10 s</text>"));
}

TEST(HtmlWriterTest, SectionsFollowTheSummary) {
  const std::string html = FullHtml();
  const auto at = [&](const std::string& s) {
    return html.find(s);
  };
  ASSERT_NE(at("id=\"verdict\""), std::string::npos);
  EXPECT_LT(at("id=\"verdict\""), at("id=\"assertions\""));
  EXPECT_LT(at("id=\"assertions\""), at("id=\"alerts\""));
  EXPECT_LT(at("id=\"alerts\""), at("id=\"load\""));
  EXPECT_LT(at("id=\"load\""), at("id=\"load-over-time\""));
  EXPECT_LT(at("id=\"load-over-time\""), at("id=\"completeness\""));
  EXPECT_LT(at("id=\"completeness\""), at("id=\"visibility\""));
  EXPECT_LT(at("id=\"visibility\""), at("id=\"resources\""));
  EXPECT_LT(at("id=\"resources\""), at("id=\"warnings\""));
  EXPECT_LT(at("id=\"warnings\""), at("id=\"scenario\""));
  EXPECT_THAT(html, HasSubstr("<pre>name: smoke\nassertions:\n  - write_latency.p99 &lt; 250ms\n"));
  EXPECT_THAT(html, HasSubstr("❌ FAILED — <code>smoke "));  // An alert assertion fails.
}

TEST(HtmlWriterTest, WellFormedWithoutScriptOrExternalReference) {
  for (const RunReport& report :
       {testing::FullHtmlReport(), testing::PassingReport(), testing::FailingReport(),
        testing::InfraErrorReport(), testing::TracesAndLogsReport()}) {
    const std::string html = testing::Render(*NewHtmlWriter(), report);
    EXPECT_THAT(MarkupProblems(html), IsEmpty()) << report.record.scenario_name;
    EXPECT_THAT(ExternalReferences(html), IsEmpty());
    EXPECT_THAT(html, HasSubstr("Content-Security-Policy\" content=\"default-src 'none'"));
  }
}

TEST(HtmlWriterTest, InfrastructureErrorAndFailedVerdicts) {
  const std::string error = testing::Render(*NewHtmlWriter(), testing::InfraErrorReport());
  EXPECT_THAT(error, HasSubstr("<header class=\"verdict error\""));
  EXPECT_THAT(error, HasSubstr("unreachable: connection refused &lt;&amp;&gt;"));
  EXPECT_THAT(error, Not(HasSubstr("<svg")));  // Nothing was measured.
  const std::string failed = testing::Render(*NewHtmlWriter(), testing::FailingReport());
  EXPECT_THAT(failed, HasSubstr("<header class=\"verdict failed\""));
  EXPECT_THAT(failed, HasSubstr("<tr class=\"no_data\"><td class=\"outcome\">no data</td>"));
}

TEST(HtmlWriterTest, WorkloadWithoutIntervalsGetsItsSpectrumOnly) {
  const std::string html = testing::Render(*NewHtmlWriter(), testing::PassingReport());
  EXPECT_THAT(html, HasSubstr("No per-interval data was recorded for this workload."));
  EXPECT_THAT(html, HasSubstr("id=\"w0-spectrum\""));
  EXPECT_THAT(html, Not(HasSubstr("id=\"w0-throughput\"")));
  EXPECT_THAT(html, Not(HasSubstr("id=\"resources\"")));  // Not sampled.
  EXPECT_THAT(html, Not(HasSubstr("id=\"alerts\"")));
}

TEST(HtmlWriterTest, EmptyIntervalIsAGapNotAZero) {
  RunReport report = testing::FullHtmlReport();
  const std::string html = testing::Render(*NewHtmlWriter(), report);
  const std::size_t start = html.find("id=\"w0-latency\"");
  const std::size_t end = html.find("</svg>", start);
  const std::string chart = html.substr(start, end - start);
  // p50 is one path of two runs (intervals 0-24 and 26-29): two "M" commands.
  const std::size_t p50 = chart.find("<path d=\"");
  const std::string d = chart.substr(p50, chart.find('"', p50 + 9) - p50);
  EXPECT_EQ(std::count(d.begin(), d.end(), 'M'), 2) << d;
}

TEST(HtmlWriterTest, ExperimentMatchesGolden) {
  const std::string html = testing::Render(*NewHtmlWriter(), testing::ExperimentReport());
  EXPECT_THAT(MarkupProblems(html), IsEmpty());
  EXPECT_THAT(ExternalReferences(html), IsEmpty());
  testing::ExpectGolden(html, "experiment.html");
}

TEST(HtmlWriterTest, ExperimentSectionHasTablesAndCpuChart) {
  const std::string html = testing::Render(*NewHtmlWriter(), testing::ExperimentReport());
  const auto at = [&](const std::string& s) {
    return html.find(s);
  };
  ASSERT_NE(at("<section id=\"experiment\">"), std::string::npos);
  EXPECT_LT(at("id=\"assertions\""), at("id=\"experiment\""));
  EXPECT_LT(at("id=\"experiment\""), at("id=\"load\""));
  EXPECT_THAT(html, HasSubstr("<tr><th></th><th><code>off</code> (baseline)</th><th><code>single"
                              "</code></th><th><code>dual</code></th></tr>"));
  EXPECT_THAT(html, HasSubstr("<h3>Overhead</h3>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\">n/a (1 round)</td>"));
  EXPECT_THAT(html, HasSubstr("<h3>Rounds</h3>"));
  EXPECT_THAT(html, HasSubstr("<h3>Export completeness</h3>"));
  // One bar per variant; whiskers only where there is an interval (single).
  const std::size_t chart = at("<svg class=\"chart\" id=\"experiment-cpu\"");
  ASSERT_NE(chart, std::string::npos);
  const std::string svg = html.substr(chart, html.find("</svg>", chart) - chart);
  std::size_t bars = 0;
  for (std::size_t i = svg.find("<rect "); i != std::string::npos; i = svg.find("<rect ", i + 1)) {
    ++bars;
  }
  EXPECT_EQ(bars, 3u);
  EXPECT_THAT(svg, HasSubstr("<title>single: "));
  EXPECT_THAT(svg, HasSubstr("; 95% CI "));
  EXPECT_THAT(svg, HasSubstr("<title>dual: "));
  EXPECT_THAT(svg, HasSubstr("1 round, no interval"));
  EXPECT_THAT(svg, HasSubstr(" µs</text>"));
  EXPECT_THAT(testing::Render(*NewHtmlWriter(), testing::PassingReport()),
              Not(HasSubstr("id=\"experiment\"")));
}

TEST(HtmlWriterTest, ExperimentNamesAreEscaped) {
  RunReport report = testing::ExperimentReport();
  ExperimentRecord& e = *report.record.experiment;
  for (std::string* name : {&e.variants[1], &e.runs[1].variant, &e.exports[0].variant}) {
    *name = testing::kImgPayload;
  }
  for (OverheadRecord& o : e.overhead) {
    if (o.variant == "single") {
      o.variant = testing::kImgPayload;
    }
  }
  e.baseline = testing::kScriptPayload;
  e.exports[0].destination = testing::kAttributePayload;
  const std::string html = testing::Render(*NewHtmlWriter(), report);
  for (const char* payload :
       {testing::kImgPayload, testing::kScriptPayload, testing::kAttributePayload}) {
    EXPECT_THAT(html, Not(HasSubstr(payload))) << payload;
    EXPECT_THAT(html, HasSubstr(internal::HtmlEscape(payload))) << payload;
  }
  EXPECT_THAT(MarkupProblems(html), IsEmpty());
  EXPECT_THAT(ExternalReferences(html), IsEmpty());
}

TEST(SvgChartTest, BarChartWithoutBarsSaysNoData) {
  const std::string svg = internal::RenderBarChart({.id = "bars", .title = "t"});
  EXPECT_THAT(svg, HasSubstr(">no data</text>"));
  EXPECT_THAT(MarkupProblems(svg), IsEmpty());
  const std::string nan = internal::RenderBarChart(
      {.id = "bars",
       .title = "t",
       .bars = {{.label = "a", .value = std::numeric_limits<double>::quiet_NaN()}}});
  EXPECT_THAT(nan, HasSubstr(">no data</text>"));
  EXPECT_THAT(nan, Not(HasSubstr("<rect ")));
}

class CommaDecimal : public std::numpunct<char> {
 protected:
  char do_decimal_point() const override { return ','; }
  char do_thousands_sep() const override { return '.'; }
  std::string do_grouping() const override { return "\3"; }
};

TEST(HtmlWriterTest, DeterministicAndLocaleIndependent) {
  const std::string first = FullHtml();
  EXPECT_EQ(first, FullHtml());
  const std::locale previous =
      std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
  const std::string under_comma = FullHtml();
  std::locale::global(previous);
  EXPECT_EQ(first, under_comma);
}

TEST(SvgChartTest, HtmlEscapeCoversQuotesControlsAndInvalidUtf8) {
  EXPECT_EQ(internal::HtmlEscape("<a href='x'>\"&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
  EXPECT_EQ(internal::HtmlEscape("tab\tnl\n\x01"), "tab\tnl\n\xEF\xBF\xBD");
  EXPECT_EQ(internal::HtmlEscape("µs → ✅"), "µs → ✅");
  EXPECT_EQ(internal::HtmlEscape("bad \xC3( \xED\xA0\x80 \xF5"),
            "bad \xEF\xBF\xBD( \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD");
}

TEST(SvgChartTest, AxisLabelsAreReadable) {
  using internal::AxisUnit;
  using internal::FormatAxisValue;
  EXPECT_EQ(FormatAxisValue(500, AxisUnit::kDurationNs), "500 ns");
  EXPECT_EQ(FormatAxisValue(200e3, AxisUnit::kDurationNs), "200 µs");
  EXPECT_EQ(FormatAxisValue(2e6, AxisUnit::kDurationNs), "2 ms");
  EXPECT_EQ(FormatAxisValue(1.5e9, AxisUnit::kDurationNs), "1.5 s");
  EXPECT_EQ(FormatAxisValue(0.25, AxisUnit::kSeconds), "250 ms");
  EXPECT_EQ(FormatAxisValue(1500, AxisUnit::kPerSecond), "1.5k/s");
  EXPECT_EQ(FormatAxisValue(3 << 20, AxisUnit::kBytes), "3 MiB");
  EXPECT_EQ(FormatAxisValue(0.995, AxisUnit::kRatio), "99.5%");
}

TEST(SvgChartTest, ChartWithoutDataSaysSo) {
  const std::string svg = internal::RenderLineChart(
      {.id = "empty", .title = "t", .series = {{.name = "a", .points = {}}}});
  EXPECT_THAT(svg, HasSubstr(">no data</text>"));
  EXPECT_THAT(MarkupProblems(svg), IsEmpty());
}

}  // namespace
}  // namespace obs::reports
