// AppProcess with /bin/sh scripts: environment, working directory and PATH
// lookup; start failures named; an exit before readiness reported with the
// log's tail; readiness polled against an in-process HTTP server that comes
// up late; SIGTERM, the SIGKILL escalation and the whole process group gone
// after Stop(); ${NAME} substitution.

#include "app_process.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace obs::scenarios {
namespace {

using obs::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "obs-app-XXXXXX").string();
    path_ = mkdtemp(templ.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Waits (bounded) for the process to exit by itself.
void WaitExit(const AppProcess& app) {
  for (int i = 0; i < 500 && app.running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Gone or a zombie: /proc/<pid>/stat's state.
bool ProcessGone(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) {
    return true;
  }
  const std::size_t close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() &&
         (stat[close + 2] == 'Z' || stat[close + 2] == 'X');
}

AppLaunchSpec Sh(const std::string& script) {
  return {.argv = {"/bin/sh", "-c", script}};
}

TEST(AppProcessTest, PassesEnvironmentAndWorkingDirectory) {
  TempDir dir;
  AppLaunchSpec spec = Sh("echo \"x=$OBS_APP_X home=${HOME:+set}\"; pwd; exit 0");
  spec.env = {{"OBS_APP_X", "hello world"}};
  spec.working_dir = dir.path();
  auto app = AppProcess::Start(spec);
  ASSERT_TRUE(app.ok()) << app.status();
  EXPECT_GT((*app)->pid(), 0);
  WaitExit(**app);
  EXPECT_EQ((*app)->exit_code(), 0);
  const std::string log = (*app)->LogTail();
  EXPECT_THAT(log, HasSubstr("x=hello world"));
  // The environment is inherited and only added to.
  EXPECT_THAT(log, HasSubstr(std::getenv("HOME") != nullptr ? "home=set" : "home="));
  EXPECT_THAT(log, HasSubstr(std::filesystem::canonical(dir.path()).string()));
  auto code = (*app)->Stop();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

TEST(AppProcessTest, LogGoesToTheGivenPathAndTailIsBounded) {
  TempDir dir;
  AppLaunchSpec spec =
      Sh("i=0; while [ $i -lt 500 ]; do echo line$i; i=$((i+1)); done; "
         "echo to-stderr >&2; exit 4");
  spec.log_path = dir.path() + "/app.log";
  auto app = AppProcess::Start(spec);
  ASSERT_TRUE(app.ok()) << app.status();
  WaitExit(**app);
  EXPECT_EQ((*app)->log_path(), spec.log_path);
  EXPECT_EQ((*app)->LogTail(10), "to-stderr\n");
  EXPECT_THAT(ReadAll(spec.log_path), AllOf(HasSubstr("line0\n"), HasSubstr("line499\n")));
  EXPECT_EQ((*app)->Stop().value(), 4);
}

TEST(AppProcessTest, TemporaryLogIsRemovedWithTheProcess) {
  std::string log;
  {
    auto app = AppProcess::Start(Sh("echo hi"));
    ASSERT_TRUE(app.ok()) << app.status();
    log = (*app)->log_path();
    WaitExit(**app);
    EXPECT_EQ((*app)->LogTail(), "hi\n");
  }
  EXPECT_FALSE(std::filesystem::exists(log));
}

TEST(AppProcessTest, LooksProgramsUpInTheApplicationsPath) {
  AppLaunchSpec spec = {.argv = {"sh", "-c", "exit 7"}, .env = {{"PATH", "/nonexistent:/bin"}}};
  auto app = AppProcess::Start(spec);
  ASSERT_TRUE(app.ok()) << app.status();
  WaitExit(**app);
  EXPECT_EQ((*app)->exit_code(), 7);

  spec.env = {{"PATH", "/nonexistent"}};
  EXPECT_THAT(AppProcess::Start(spec),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("cannot execute \"sh\""), HasSubstr("PATH=\"/nonexistent\""),
                             HasSubstr("No such file"))));
}

TEST(AppProcessTest, StartFailuresAreNamed) {
  EXPECT_THAT(AppProcess::Start({.argv = {"/no/such/program", "--flag"}}),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"/no/such/program\""), HasSubstr("No such file"))));
  TempDir dir;
  const std::string data = dir.path() + "/data.txt";
  std::ofstream(data) << "echo not a program\n";
  std::filesystem::permissions(
      data, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_THAT(AppProcess::Start({.argv = {data}}),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"" + data + "\""), HasSubstr("denied"))));
  // Executable, but no #! line: no fallback to /bin/sh.
  std::filesystem::permissions(data, std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add);
  EXPECT_THAT(AppProcess::Start({.argv = {data}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Exec format error")));
  EXPECT_THAT(
      AppProcess::Start({.argv = {"/bin/sh"}, .working_dir = "/no/such/dir"}),
      StatusIs(StatusCode::kInvalidArgument,
               AllOf(HasSubstr("working directory \"/no/such/dir\""), HasSubstr("No such file"))));
  EXPECT_THAT(AppProcess::Start({}), StatusIs(StatusCode::kInvalidArgument, HasSubstr("argv")));
  EXPECT_THAT(AppProcess::Start({.argv = {"/bin/true"}, .stop_timeout_seconds = 0}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("stop_timeout_seconds")));
  EXPECT_THAT(AppProcess::Start({.argv = {"/bin/true"}, .ready_url = "https://x"}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("ready_url")));
}

TEST(AppProcessTest, ExitBeforeReadyIsReportedWithTheLogTail) {
  AppLaunchSpec spec = Sh("echo starting; echo 'fatal: port in use' >&2; exit 3");
  spec.ready_url = "http://127.0.0.1:1/healthz";  // Nothing listens on port 1.
  auto app = AppProcess::Start(spec);
  ASSERT_TRUE(app.ok()) << app.status();
  EXPECT_THAT((*app)->WaitReady(),
              StatusIs(StatusCode::kUnavailable,
                       AllOf(HasSubstr("exited with status 3 before it was ready"),
                             HasSubstr("fatal: port in use"))));

  // Without a ready_url, the same while waiting out ready_delay_seconds.
  spec.ready_url.clear();
  spec.ready_delay_seconds = 5;
  app = AppProcess::Start(spec);
  ASSERT_TRUE(app.ok()) << app.status();
  const Clock::time_point start = Clock::now();
  EXPECT_THAT((*app)->WaitReady(), StatusIs(StatusCode::kUnavailable, HasSubstr("status 3")));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
}

TEST(AppProcessTest, ReadyDelayWithoutUrl) {
  AppLaunchSpec spec = Sh("exec sleep 30");
  spec.ready_delay_seconds = 0.2;
  auto app = AppProcess::Start(spec);
  ASSERT_TRUE(app.ok()) << app.status();
  const Clock::time_point start = Clock::now();
  EXPECT_TRUE((*app)->WaitReady().ok());
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(190));
  EXPECT_TRUE((*app)->running());
  EXPECT_EQ((*app)->Stop().value(), 128 + SIGTERM);
  EXPECT_FALSE((*app)->running());
}

// Listens on 127.0.0.1:<port> only after `delay`, then answers 503 twice and
// 200 afterwards, one request per connection.
class LateServer {
 public:
  explicit LateServer(std::chrono::milliseconds delay) {
    port_ = FreePort();
    thread_ = std::thread([this, delay] { Serve(delay); });
  }
  ~LateServer() {
    stop_ = true;
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  int requests() const { return requests_; }

 private:
  static std::uint16_t FreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): POSIX API.
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    bind(fd, sa, sizeof(addr));
    getsockname(fd, sa, &len);
    close(fd);
    return ntohs(addr.sin_port);
  }

  void Serve(std::chrono::milliseconds delay) {
    std::this_thread::sleep_for(delay);
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): POSIX API.
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 16) != 0) {
      close(fd);
      return;
    }
    while (!stop_) {
      pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
      if (poll(&p, 1, 50) <= 0) {
        continue;
      }
      const int c = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        continue;
      }
      char buf[4096];
      std::string req;
      while (req.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = recv(c, buf, sizeof(buf), 0);
        if (n <= 0) {
          break;
        }
        req.append(buf, static_cast<std::size_t>(n));
      }
      const bool ok = ++requests_ > 2;
      const std::string res =
          ok ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
             : "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
               "Connection: close\r\n\r\n";
      (void)!send(c, res.data(), res.size(), MSG_NOSIGNAL);
      close(c);
    }
    close(fd);
  }

  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

TEST(AppProcessTest, PollsTheReadyUrlUntil2xx) {
  LateServer server(std::chrono::milliseconds(300));
  AppLaunchSpec spec = Sh("exec sleep 30");
  spec.ready_url = "http://127.0.0.1:" + std::to_string(server.port()) + "/healthz";
  spec.ready_timeout_seconds = 10;
  auto app = AppProcess::Start(spec);
  ASSERT_TRUE(app.ok()) << app.status();
  const Clock::time_point start = Clock::now();
  const Status ready = (*app)->WaitReady();
  EXPECT_TRUE(ready.ok()) << ready;
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(290));
  EXPECT_EQ(server.requests(), 3);  // Two 503s were not ready.
  EXPECT_EQ((*app)->Stop().value(), 128 + SIGTERM);
}

TEST(AppProcessTest, ReadyTimeoutNamesTheLastAnswer) {
  AppLaunchSpec spec = Sh("echo still-booting; exec sleep 30");
  spec.ready_url = "http://127.0.0.1:1/healthz";
  spec.ready_timeout_seconds = 0.3;
  auto app = AppProcess::Start(spec);
  ASSERT_TRUE(app.ok()) << app.status();
  EXPECT_THAT((*app)->WaitReady(),
              StatusIs(StatusCode::kDeadlineExceeded,
                       AllOf(HasSubstr("not ready after"), HasSubstr("127.0.0.1:1/healthz"),
                             HasSubstr("still-booting"))));
}

TEST(AppProcessTest, IgnoredSigtermEscalatesToSigkill) {
  AppLaunchSpec spec = Sh("trap '' TERM; echo armed; while :; do sleep 0.05; done");
  spec.stop_timeout_seconds = 0.5;
  auto app = AppProcess::Start(spec);
  ASSERT_TRUE(app.ok()) << app.status();
  // The trap must be set before the signal: wait for the shell to say so.
  for (int i = 0; i < 300 && (*app)->LogTail().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const Clock::time_point start = Clock::now();
  auto code = (*app)->Stop();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 128 + SIGKILL);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(490));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(4));
}

TEST(AppProcessTest, StopEndsTheWholeTree) {
  TempDir dir;
  const std::string pid_file = dir.path() + "/grandchild.pid";
  // The grandchild ignores SIGTERM; the shell does not.
  AppLaunchSpec spec =
      Sh("(trap '' TERM; exec sleep 30) & echo $! > " + pid_file + "; echo started; wait");
  spec.stop_timeout_seconds = 0.5;
  auto app = AppProcess::Start(spec);
  ASSERT_TRUE(app.ok()) << app.status();
  for (int i = 0; i < 300 && (*app)->LogTail().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const pid_t grandchild = std::stoi(ReadAll(pid_file));
  ASSERT_FALSE(ProcessGone(grandchild));
  const pid_t pid = (*app)->pid();
  auto code = (*app)->Stop();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 128 + SIGTERM);
  EXPECT_TRUE(ProcessGone(pid));
  EXPECT_TRUE(ProcessGone(grandchild));
  EXPECT_EQ((*app)->Stop().value(), 128 + SIGTERM);  // Again: the same answer.
}

TEST(AppProcessTest, DestructorStopsTheProcess) {
  pid_t pid = 0;
  {
    auto app = AppProcess::Start(Sh("exec sleep 30"));
    ASSERT_TRUE(app.ok()) << app.status();
    pid = (*app)->pid();
    EXPECT_TRUE((*app)->running());
  }
  EXPECT_TRUE(ProcessGone(pid));
}

TEST(SubstituteVariablesTest, ReplacesNamesAndEscapes) {
  std::string text = "--port=${PORT} --endpoint=http://127.0.0.1:${OTLP_PORT}/v1 cost=$$5 $HOME";
  ASSERT_TRUE(SubstituteVariables(text, {{"PORT", "8080"}, {"OTLP_PORT", "4318"}}).ok());
  EXPECT_EQ(text, "--port=8080 --endpoint=http://127.0.0.1:4318/v1 cost=$5 $HOME");

  std::string unknown = "a ${PORT} ${NOPE}";
  EXPECT_THAT(SubstituteVariables(unknown, {{"PORT", "1"}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown variable ${NOPE}")));
  EXPECT_EQ(unknown, "a ${PORT} ${NOPE}");  // Unchanged.
  std::string open = "x ${PORT";
  EXPECT_THAT(SubstituteVariables(open, {{"PORT", "1"}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unterminated")));
  std::string tail = "ends with $";
  ASSERT_TRUE(SubstituteVariables(tail, {}).ok());
  EXPECT_EQ(tail, "ends with $");
}

}  // namespace
}  // namespace obs::scenarios
