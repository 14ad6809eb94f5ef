#include "obs/testing/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "obs/base/check.h"
#include "obs/base/loopback_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

extern char** environ;  // NOLINT: POSIX

namespace obs::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::vector<char*> ArgvPointers(const std::vector<std::string>& argv) {
  std::vector<char*> ptrs;
  ptrs.reserve(argv.size() + 1);
  for (const std::string& a : argv)
    ptrs.push_back(const_cast<char*>(a.c_str()));
  ptrs.push_back(nullptr);
  return ptrs;
}

std::string Tail(const std::string& path, std::size_t bytes) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

}  // namespace

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::seconds timeout) {
  std::array<int, 2> out{};
  std::array<int, 2> err{};
  if (pipe(out.data()) != 0 || pipe(err.data()) != 0)
    return UnavailableError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addclose(&actions, err[0]);
  pid_t pid = 0;
  std::vector<char*> args = ArgvPointers(argv);
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    return UnavailableError("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  ProcessResult result;
  const auto deadline = SteadyClock::now() + timeout;
  std::array<pollfd, 2> fds{{{out[0], POLLIN, 0}, {err[0], POLLIN, 0}}};
  int open_fds = 2;
  std::array<char, 4096> buf{};
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR)
      break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0)
        continue;
      const ssize_t n = read(fds[i].fd, buf.data(), buf.size());
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf.data(), static_cast<std::size_t>(n));
      }
    }
  }
  for (pollfd& p : fds) {
    if (p.fd >= 0)
      close(p.fd);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!result.timed_out && WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  return result;
}

std::uint16_t FreeLoopbackPort() {
  const Result<std::uint16_t> port = obs::FreeLoopbackPort();
  OBS_CHECK(port.ok());
  return *port;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "obsbench-test-XXXXXX").string();
  OBS_CHECK(mkdtemp(tmpl.data()) != nullptr);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int HttpGetStatus(const std::string& url) {
  // A minimal HTTP/1.0 GET over a loopback socket: enough for readiness polls.
  const std::string prefix = "http://127.0.0.1:";
  if (url.rfind(prefix, 0) != 0)
    return 0;
  const std::size_t slash = url.find('/', prefix.size());
  const int port = std::atoi(url.substr(prefix.size(), slash - prefix.size()).c_str());
  const std::string path = slash == std::string::npos ? "/" : url.substr(slash);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return 0;
  }
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return 0;
  }
  std::array<char, 64> buf{};
  const ssize_t n = read(fd, buf.data(), buf.size() - 1);
  close(fd);
  if (n < 12)
    return 0;
  return std::atoi(buf.data() + 9);  // "HTTP/1.1 200"
}

Result<PeerProcess> PeerProcess::Start(const std::vector<std::string>& argv,
                                       const std::string& ready_url, const std::string& log_path,
                                       std::chrono::seconds timeout) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  std::vector<char*> args = ArgvPointers(argv);
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return UnavailableError("cannot start " + argv[0] + ": " + std::strerror(rc) +
                            " (ci/setup.sh installs it)");
  }
  PeerProcess peer(pid, log_path);
  const auto deadline = SteadyClock::now() + timeout;
  while (SteadyClock::now() < deadline) {
    if (HttpGetStatus(ready_url) == 200)
      return peer;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      peer.pid_ = -1;
      return UnavailableError(argv[0] + " exited during start-up: " + Tail(log_path, 2000));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return DeadlineExceededError(argv[0] + " not ready at " + ready_url + ": " +
                               Tail(log_path, 2000));
}

PeerProcess::PeerProcess(PeerProcess&& other) noexcept
    : pid_(other.pid_), log_path_(std::move(other.log_path_)) {
  other.pid_ = -1;
}

std::string PeerProcess::LogTail(std::size_t bytes) const {
  return "--- " + log_path_ + " (tail) ---\n" + Tail(log_path_, bytes);
}

PeerProcess::~PeerProcess() {
  if (pid_ <= 0)
    return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
}

Result<StartedPeer> StartPrometheus(const std::string& dir) {
  const std::uint16_t port = FreeLoopbackPort();
  const std::string config = dir + "/prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1h\n";
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  OBS_ASSIGN_OR_RETURN(
      PeerProcess p,
      PeerProcess::Start(
          {"prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir + "/data",
           "--web.listen-address=127.0.0.1:" + std::to_string(port),
           "--web.enable-remote-write-receiver", "--log.level=warn"},
          base + "/-/ready", dir + "/prometheus.log", std::chrono::seconds(60)));
  return StartedPeer{std::move(p), port, base, base + "/api/v1/write"};
}

Result<StartedPeer> StartVictoriaMetrics(const std::string& dir) {
  const std::uint16_t port = FreeLoopbackPort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  OBS_ASSIGN_OR_RETURN(PeerProcess p,
                       PeerProcess::Start({"victoria-metrics", "-storageDataPath=" + dir + "/data",
                                           "-httpListenAddr=127.0.0.1:" + std::to_string(port),
                                           "-search.latencyOffset=0s", "-loggerLevel=WARN",
                                           // Keep accepting writes on a nearly full disk (the
                                           // default 10 MB floor turns storage read-only and
                                           // every write into a 503).
                                           "-storage.minFreeDiskSpaceBytes=0"},
                                          base + "/health", dir + "/victoria-metrics.log",
                                          std::chrono::seconds(60)));
  return StartedPeer{std::move(p), port, base, base + "/api/v1/write"};
}

Result<StartedPeer> StartPrometheusWithRules(const std::string& dir, const AlertingPeerOptions& o) {
  const std::uint16_t port = FreeLoopbackPort();
  const std::string config = dir + "/prometheus-rules.yml";
  const std::string am = o.notify_url.substr(o.notify_url.find("://") + 3);
  std::ofstream(config) << "global:\n  scrape_interval: 1h\n  evaluation_interval: "
                        << o.evaluation_interval << "\nrule_files: [\"" << o.rule_file
                        << "\"]\nalerting:\n  alertmanagers:\n    - static_configs:\n"
                        << "        - targets: [\"" << am << "\"]\n";
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  OBS_ASSIGN_OR_RETURN(
      PeerProcess p,
      PeerProcess::Start(
          {"prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir + "/prom-data",
           "--web.listen-address=127.0.0.1:" + std::to_string(port),
           "--web.enable-remote-write-receiver", "--rules.alert.resend-delay=" + o.resend_delay,
           "--query.lookback-delta=" + o.lookback_delta, "--log.level=warn"},
          base + "/-/ready", dir + "/prometheus.log", std::chrono::seconds(60)));
  return StartedPeer{std::move(p), port, base, base + "/api/v1/write"};
}

Result<StartedPeer> StartAlertmanager(const std::string& dir, const AlertingPeerOptions& o) {
  const std::uint16_t port = FreeLoopbackPort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  OBS_ASSIGN_OR_RETURN(
      PeerProcess p,
      PeerProcess::Start({"prometheus-alertmanager", "--config.file=" + o.config_file,
                          "--storage.path=" + dir + "/am-data",
                          "--web.listen-address=127.0.0.1:" + std::to_string(port),
                          "--cluster.listen-address=", "--log.level=warn"},
                         base + "/-/ready", dir + "/alertmanager.log", std::chrono::seconds(60)));
  return StartedPeer{std::move(p), port, base, ""};
}

Result<StartedPeer> StartVmalert(const std::string& dir, const AlertingPeerOptions& o) {
  const std::uint16_t port = FreeLoopbackPort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  OBS_ASSIGN_OR_RETURN(
      PeerProcess p,
      PeerProcess::Start({"vmalert", "-rule=" + o.rule_file, "-datasource.url=" + o.datasource_url,
                          "-remoteWrite.url=" + o.datasource_url, "-notifier.url=" + o.notify_url,
                          "-evaluationInterval=" + o.evaluation_interval,
                          // The scaled analog of Prometheus's lookback delta.
                          "-datasource.queryStep=" + o.lookback_delta,
                          "-httpListenAddr=127.0.0.1:" + std::to_string(port), "-loggerLevel=WARN"},
                         base + "/health", dir + "/vmalert.log", std::chrono::seconds(60)));
  return StartedPeer{std::move(p), port, base, ""};
}

}  // namespace obs::testing
