// report.html and compare.html in a real browser: headless Chromium (Debian's
// `chromium`, installed by ci/setup.sh; the test fails, never skips, without
// it) opens the files offline with a fresh profile and
//   - takes a screenshot of report.html (a PNG of more than a few KB);
//   - logs no console message for either page (a blocked script, a failed
//     load or a CSP violation would be one);
//   - in a test copy of each page (its CSP removed so a test script can run,
//     which also lets any injected markup run), every <svg> chart has a
//     non-zero rendered size, no error was raised, no hostile name executed
//     (none set window.__obsPwned, changed the title or created an element)
//     and each hostile name is visible as text.
// Every Chromium run has its own process group and a deadline; on timeout
// the group is killed by its id.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/base/check.h"
#include "obs/reports/compare.h"
#include "obs/reports/writer.h"
#include "obs/testing/status_matchers.h"
#include "obs/testing/subprocess.h"

#include "html_report_fixture.h"
#include "report_fixture.h"
#include <sys/wait.h>

extern char** environ;  // NOLINT: POSIX

namespace obs::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr std::chrono::seconds kChromiumTimeout{90};

std::string ChromiumPath() {
  const char* env = std::getenv("OBS_CHROMIUM");
  return env != nullptr && *env != '\0' ? env : "/usr/bin/chromium";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

struct BrowserRun {
  bool timed_out = false;
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs Chromium on `page` with `extra` flags and a fresh profile under
// `work`; stdout and stderr go to files there. Its own process group is
// killed by id when the deadline passes (and after it exits, for helpers
// left behind).
BrowserRun RunChromium(const std::filesystem::path& work, const std::string& page,
                       const std::vector<std::string>& extra, const std::string& tag) {
  std::string profile = (work / ("profile-" + tag + "-XXXXXX")).string();
  OBS_CHECK(mkdtemp(profile.data()) != nullptr);
  std::vector<std::string> argv = {ChromiumPath(),
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--disable-sync",
                                   "--user-data-dir=" + profile,
                                   "--enable-logging=stderr",
                                   "--v=0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("file://" + page);
  const std::string out_path = (work / (tag + ".out")).string();
  const std::string err_path = (work / (tag + ".err")).string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::vector<char*> args;
  for (std::string& a : argv) {
    args.push_back(a.data());
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  BrowserRun run;
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(rc);
    return run;
  }
  const auto deadline = std::chrono::steady_clock::now() + kChromiumTimeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      run.timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(-pid, SIGKILL);  // Helpers of this run only: the group is the one we created.
  if (!run.timed_out && WIFEXITED(status)) {
    run.exit_code = WEXITSTATUS(status);
  }
  run.out = ReadFile(out_path);
  run.err = ReadFile(err_path);
  return run;
}

// Console messages (and errors naming the page) in Chromium's log.
std::vector<std::string> ConsoleMessages(const std::string& log, const std::string& page) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  const std::string file = std::filesystem::path(page).filename().string();
  for (std::string line; std::getline(in, line);) {
    const bool console = line.find(":CONSOLE") != std::string::npos;
    const bool page_error =
        line.find(":ERROR:") != std::string::npos && line.find(file) != std::string::npos;
    if (console || page_error) {
      lines.push_back(line);
    }
  }
  return lines;
}

// The test copy: the page without its CSP, with a first script that records
// errors and a last one that measures every <svg> and checks the hostile
// names, writing "key value" lines into <pre id="obs-test-result">.
std::string TestCopy(std::string html, const std::vector<std::string>& payloads) {
  const std::string csp_start = "<meta http-equiv=\"Content-Security-Policy\"";
  const std::size_t csp = html.find(csp_start);
  OBS_CHECK(csp != std::string::npos);
  html.erase(csp, html.find("/>", csp) + 2 - csp);
  const std::string early =
      "<script>window.__obsErrors=[];window.__obsTitle=document.title;"
      "window.addEventListener('error',function(e){window.__obsErrors.push(String(e.message));},"
      "true);</script>";
  html.insert(html.find("</title>") + 8, early);  // After the title it remembers.
  std::string late =
      "<pre id=\"obs-test-result\"></pre><script>window.addEventListener('load',function(){"
      "var o=[];var s=document.querySelectorAll('svg');o.push('svgs '+s.length);"
      "for(var i=0;i<s.length;i++){var b=s[i].getBoundingClientRect();"
      "o.push('svg '+(s[i].id||'-')+' '+Math.round(b.width)+' '+Math.round(b.height));}"
      "o.push('errors '+window.__obsErrors.length);"
      "o.push('pwned '+(window.__obsPwned===undefined?0:window.__obsPwned));"
      "o.push('title_changed '+(document.title===window.__obsTitle?0:1));"
      "o.push('elements '+document.querySelectorAll('img,iframe,object,embed').length);"
      "o.push('scripts '+document.querySelectorAll('script').length);"
      "var t=document.body.textContent;var p=[";
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    // The payload as a JS string of \u escapes: no quote or '<' reaches the script.
    late += i == 0 ? "'" : ",'";
    for (const char ch : payloads[i]) {
      const auto c = static_cast<unsigned char>(ch);
      static const char* kHex = "0123456789abcdef";
      late += "\\u00";
      late += kHex[c >> 4];
      late += kHex[c & 15];
    }
    late += "'";
  }
  late +=
      "];for(var j=0;j<p.length;j++){o.push('payload_text '+j+' '+(t.indexOf(p[j])>=0?1:0));}"
      "document.getElementById('obs-test-result').textContent='\\n'+o.join('\\n')+'\\n';"
      "});</script>";
  html.insert(html.rfind("</body>"), late);
  return html;
}

// "key value..." lines of the result element in a dumped DOM.
std::multimap<std::string, std::string> ParseResult(const std::string& dom) {
  std::multimap<std::string, std::string> result;
  const std::string open = "<pre id=\"obs-test-result\">";
  const std::size_t start = dom.find(open);
  if (start == std::string::npos) {
    return result;
  }
  const std::size_t end = dom.find("</pre>", start);
  std::istringstream in(dom.substr(start + open.size(), end - start - open.size()));
  for (std::string line; std::getline(in, line);) {
    const std::size_t sp = line.find(' ');
    if (sp != std::string::npos) {
      result.emplace(line.substr(0, sp), line.substr(sp + 1));
    }
  }
  return result;
}

std::string Value(const std::multimap<std::string, std::string>& m, const std::string& key) {
  const auto it = m.find(key);
  return it == m.end() ? "(missing)" : it->second;
}

// Loads the test copy of `page` and checks charts, errors and payloads.
void CheckInBrowser(const std::filesystem::path& work, const std::filesystem::path& page,
                    std::size_t expected_charts, const std::vector<std::string>& payloads) {
  const std::string html = ReadFile(page);
  ASSERT_FALSE(html.empty()) << page;
  EXPECT_THAT(html, Not(HasSubstr("<script"))) << "the report itself must hold no script";
  const std::filesystem::path copy = work / ("test-copy-" + page.filename().string());
  WriteFile(copy, TestCopy(html, payloads));
  const std::string tag = "dom-" + page.stem().string();
  const BrowserRun run = RunChromium(work, copy.string(), {"--dump-dom"}, tag);
  ASSERT_FALSE(run.timed_out) << "chromium did not finish in " << kChromiumTimeout.count() << " s";
  EXPECT_EQ(run.exit_code, 0) << run.err.substr(0, 3000);
  EXPECT_THAT(ConsoleMessages(run.err, copy.string()), IsEmpty());
  const auto result = ParseResult(run.out);
  ASSERT_FALSE(result.empty()) << "no test result in the DOM:\n" << run.out.substr(0, 2000);
  EXPECT_EQ(Value(result, "svgs"), std::to_string(expected_charts));
  const auto [first, last] = result.equal_range("svg");
  EXPECT_EQ(static_cast<std::size_t>(std::distance(first, last)), expected_charts);
  for (auto it = first; it != last; ++it) {
    std::istringstream fields(it->second);
    std::string id;
    int width = 0;
    int height = 0;
    fields >> id >> width >> height;
    EXPECT_GT(width, 0) << "chart " << id << " has no width";
    EXPECT_GT(height, 0) << "chart " << id << " has no height";
  }
  EXPECT_EQ(Value(result, "errors"), "0");
  EXPECT_EQ(Value(result, "pwned"), "0") << "a hostile name ran as script";
  EXPECT_EQ(Value(result, "title_changed"), "0");
  EXPECT_EQ(Value(result, "elements"), "0") << "a hostile name became an element";
  EXPECT_EQ(Value(result, "scripts"), "2");  // The test's own two.
  const auto [p_first, p_last] = result.equal_range("payload_text");
  EXPECT_EQ(static_cast<std::size_t>(std::distance(p_first, p_last)), payloads.size());
  for (auto it = p_first; it != p_last; ++it) {
    EXPECT_THAT(it->second, ::testing::EndsWith(" 1"))
        << "payload not shown as text: " << payloads[std::stoul(it->second)];
  }
}

class HtmlBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(ChromiumPath()))
        << ChromiumPath() << " is missing: install Debian's chromium (ci/setup.sh does)";
  }
  obs::testing::TempDir dir_;
};

TEST_F(HtmlBrowserTest, ReportRendersWithoutErrorsAndHostileNamesStayText) {
  const std::filesystem::path work = dir_.path();
  ASSERT_OK(WriteReports(testing::FullHtmlReport(), (work / "out").string()));
  const std::filesystem::path page = work / "out" / "report.html";

  // The report as written (CSP in force): a screenshot and a clean console.
  const std::filesystem::path shot = work / "report.png";
  const BrowserRun run = RunChromium(
      work, page.string(), {"--screenshot=" + shot.string(), "--window-size=1280,2000"}, "shot");
  ASSERT_FALSE(run.timed_out) << "chromium did not finish in " << kChromiumTimeout.count() << " s";
  EXPECT_EQ(run.exit_code, 0) << run.err.substr(0, 3000);
  EXPECT_THAT(ConsoleMessages(run.err, page.string()), IsEmpty());
  ASSERT_TRUE(std::filesystem::exists(shot)) << run.err.substr(0, 3000);
  EXPECT_GT(std::filesystem::file_size(shot), 20000U);
  EXPECT_EQ(ReadFile(shot).substr(0, 8), "\x89PNG\r\n\x1a\n");

  std::vector<std::string> payloads(testing::kPayloads.begin(), testing::kPayloads.end());
  CheckInBrowser(work, page, testing::kFullReportCharts.size(), payloads);
}

TEST_F(HtmlBrowserTest, CompareRendersEveryFigureChart) {
  const std::filesystem::path work = dir_.path();
  RunReport base = testing::PassingReport();
  RunReport current = testing::PassingReport();
  current.record.run_id = testing::kImgPayload;
  for (WorkloadRecord& w : current.record.workloads) {
    w.achieved_samples_per_second *= 0.5;
  }
  ASSERT_OK_AND_ASSIGN(Comparison c, Compare(base, current, {}));
  ASSERT_FALSE(c.figures.empty());
  std::ostringstream html;
  WriteCompareHtml(c, html);
  const std::filesystem::path page = work / "compare.html";
  WriteFile(page, html.str());
  const BrowserRun run = RunChromium(work, page.string(), {"--dump-dom"}, "compare");
  ASSERT_FALSE(run.timed_out);
  EXPECT_THAT(ConsoleMessages(run.err, page.string()), IsEmpty());
  CheckInBrowser(work, page, c.figures.size(), {testing::kImgPayload});
}

}  // namespace
}  // namespace obs::reports
