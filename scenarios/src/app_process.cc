#include "app_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "verify/query_client.h"
#include <sys/stat.h>
#include <sys/wait.h>

extern char** environ;  // NOLINT: POSIX.

namespace obs::scenarios {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr auto kKillWait = std::chrono::seconds(5);

std::string ErrnoText(int error) {
  return std::system_category().message(error);
}

std::string Quote(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  if (WIFSIGNALED(wait_status)) {
    return 128 + WTERMSIG(wait_status);
  }
  return -1;
}

// The child's report when it could not exec: which step failed and errno.
struct ChildFailure {
  int step = 0;  // kStepChdir, kStepIo or kStepExec.
  int error = 0;
};
constexpr int kStepChdir = 1;
constexpr int kStepIo = 2;
constexpr int kStepExec = 3;

// True while a process of group `pgid` that is not a zombie exists. kill(2)
// counts zombies, and an orphan's zombie may wait for a reaper that never
// comes (a container's PID 1), so the members are looked up in /proc.
bool GroupAlive(pid_t pgid) {
  if (kill(-pgid, 0) != 0) {
    return errno == EPERM;
  }
  DIR* dir = opendir("/proc");
  if (dir == nullptr) {
    return true;
  }
  bool alive = false;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') {
      continue;
    }
    std::ifstream in(std::string("/proc/") + e->d_name + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) {
      continue;
    }
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) {
      continue;
    }
    // After ')': state, ppid, pgrp.
    std::istringstream fields(stat.substr(close + 1));
    char state = '?';
    long ppid = 0;
    long pgrp = 0;
    if (fields >> state >> ppid >> pgrp && pgrp == pgid && state != 'Z' && state != 'X') {
      alive = true;
      break;
    }
  }
  closedir(dir);
  return alive;
}

// The inherited environment with `overrides` applied, as "K=V" strings.
std::vector<std::string> BuildEnvironment(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view kv(*e);
    const std::size_t eq = kv.find('=');
    if (eq != std::string_view::npos) {
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
  }
  for (const auto& kv : overrides) {
    env[kv.first] = kv.second;
  }
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& kv : env) {
    out.push_back(kv.first + "=" + kv.second);
  }
  return out;
}

// The paths execvp would try for `program` with `path_env` (the PATH value,
// or nullopt when PATH is unset).
std::vector<std::string> Candidates(const std::string& program,
                                    const std::optional<std::string>& path_env) {
  if (program.find('/') != std::string::npos) {
    return {program};
  }
  const std::string path = path_env.value_or("/bin:/usr/bin");
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) {
      end = path.size();
    }
    const std::string dir = path.substr(start, end - start);
    out.push_back((dir.empty() ? std::string(".") : dir) + "/" + program);
    start = end + 1;
  }
  return out;
}

void WriteFailure(int fd, int step, int error) {
  const ChildFailure f{step, error};
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): raw pipe.
  (void)!write(fd, &f, sizeof(f));
}

}  // namespace

Status SubstituteVariables(std::string& text, const std::map<std::string, std::string>& vars) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '$' || i + 1 == text.size()) {
      out.push_back(c);
      continue;
    }
    if (text[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out.push_back(c);
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string::npos) {
      return InvalidArgumentError("unterminated \"${\" at offset " + std::to_string(i) + " in " +
                                  Quote(text));
    }
    const std::string name = text.substr(i + 2, close - i - 2);
    const auto it = vars.find(name);
    if (it == vars.end()) {
      return InvalidArgumentError("unknown variable ${" + name + "} in " + Quote(text));
    }
    out += it->second;
    i = close;
  }
  text = std::move(out);
  return Status::Ok();
}

Result<std::unique_ptr<AppProcess>> AppProcess::Start(const AppLaunchSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return InvalidArgumentError("app: argv must name a program");
  }
  const std::string& program = spec.argv[0];
  if (!(spec.ready_timeout_seconds > 0) || !(spec.stop_timeout_seconds > 0) ||
      !(spec.ready_delay_seconds >= 0) || !std::isfinite(spec.ready_delay_seconds)) {
    return InvalidArgumentError(
        "app " + Quote(program) +
        ": ready_timeout_seconds and stop_timeout_seconds must be > 0, ready_delay_seconds >= 0");
  }
  if (!spec.ready_url.empty() && spec.ready_url.rfind("http://", 0) != 0) {
    return InvalidArgumentError("app " + Quote(program) + ": ready_url " + Quote(spec.ready_url) +
                                " is not an http:// url");
  }

  // Everything the child needs is prepared here: after fork it only makes
  // async-signal-safe calls.
  std::string log_path = spec.log_path;
  bool temporary = false;
  int log_fd = -1;
  if (log_path.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/obsbench-app-XXXXXX.log";
    log_fd = mkostemps(templ.data(), 4, O_CLOEXEC);
    log_path = templ;
    temporary = true;
  } else {
    log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  }
  if (log_fd < 0) {
    return UnavailableError("app " + Quote(program) + ": cannot create log file " +
                            Quote(log_path) + ": " + ErrnoText(errno));
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::vector<std::string> env = BuildEnvironment(spec.env);
  std::optional<std::string> path_env;
  for (const std::string& kv : env) {
    if (kv.rfind("PATH=", 0) == 0) {
      path_env = kv.substr(5);
    }
  }
  const std::vector<std::string> candidates = Candidates(program, path_env);
  std::vector<char*> argv;
  for (const std::string& a : spec.argv) {
    argv.push_back(const_cast<char*>(a.c_str()));  // NOLINT: execve's signature.
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& kv : env) {
    envp.push_back(kv.data());
  }
  envp.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    const int error = errno;
    close(log_fd);
    if (null_fd >= 0) {
      close(null_fd);
    }
    return UnavailableError("app " + Quote(program) + ": pipe: " + ErrnoText(error));
  }
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    setpgid(0, 0);
    // Signals the harness ignores or blocks (SIGPIPE, say) would otherwise
    // stay so in the application.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
      if (sig != SIGKILL && sig != SIGSTOP) {
        sigaction(sig, &dfl, nullptr);
      }
    }
    if (!spec.working_dir.empty() && chdir(spec.working_dir.c_str()) != 0) {
      WriteFailure(fds[1], kStepChdir, errno);
      _exit(127);
    }
    if ((null_fd >= 0 && dup2(null_fd, STDIN_FILENO) < 0) || dup2(log_fd, STDOUT_FILENO) < 0 ||
        dup2(log_fd, STDERR_FILENO) < 0) {
      WriteFailure(fds[1], kStepIo, errno);
      _exit(127);
    }
    // execvp's rules: skip candidates that do not exist, remember EACCES,
    // stop at any other error.
    int error = ENOENT;
    bool denied = false;
    for (const std::string& candidate : candidates) {
      execve(candidate.c_str(), argv.data(), envp.data());
      error = errno;
      if (error == EACCES) {
        denied = true;
      } else if (error != ENOENT && error != ENOTDIR && error != ESTALE && error != ENODEV &&
                 error != ETIMEDOUT) {
        break;
      }
    }
    WriteFailure(fds[1], kStepExec, denied && error == ENOENT ? EACCES : error);
    _exit(127);
  }
  const int fork_error = errno;
  close(fds[1]);
  close(log_fd);
  if (null_fd >= 0) {
    close(null_fd);
  }
  if (pid < 0) {
    close(fds[0]);
    return UnavailableError("app " + Quote(program) + ": fork: " + ErrnoText(fork_error));
  }
  setpgid(pid, pid);  // Also here, so that the group exists before any signal.
  ChildFailure failure;
  ssize_t n = 0;
  do {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): raw pipe.
    n = read(fds[0], &failure, sizeof(failure));
  } while (n < 0 && errno == EINTR);
  close(fds[0]);
  if (n == static_cast<ssize_t>(sizeof(failure))) {
    int ignored = 0;
    waitpid(pid, &ignored, 0);
    if (temporary) {
      unlink(log_path.c_str());
    }
    switch (failure.step) {
      case kStepChdir:
        return InvalidArgumentError("app " + Quote(program) + ": cannot enter working directory " +
                                    Quote(spec.working_dir) + ": " + ErrnoText(failure.error));
      case kStepIo:
        return UnavailableError("app " + Quote(program) +
                                ": cannot redirect output: " + ErrnoText(failure.error));
      default:
        return InvalidArgumentError(
            "app: cannot execute " + Quote(program) +
            (program.find('/') == std::string::npos
                 ? " (looked up in PATH=" + Quote(path_env.value_or("/bin:/usr/bin")) + ")"
                 : std::string()) +
            ": " + ErrnoText(failure.error));
    }
  }
  return std::unique_ptr<AppProcess>(new AppProcess(spec, pid, std::move(log_path), temporary));
}

AppProcess::AppProcess(AppLaunchSpec spec, pid_t pid, std::string log_path, bool temporary_log)
    : spec_(std::move(spec)),
      pid_(pid),
      log_path_(std::move(log_path)),
      temporary_log_(temporary_log) {}

AppProcess::~AppProcess() {
  if (!stopped_) {
    (void)Stop();
  }
  if (temporary_log_) {
    unlink(log_path_.c_str());
  }
}

bool AppProcess::PollExit() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (exit_code_.has_value()) {
    return true;
  }
  int status = 0;
  pid_t r = 0;
  do {
    r = waitpid(pid_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    exit_code_ = ExitCodeOf(status);
    return true;
  }
  if (r < 0) {  // ECHILD: reaped elsewhere (SIGCHLD ignored); the code is lost.
    exit_code_ = -1;
    return true;
  }
  return false;
}

bool AppProcess::running() const {
  return !PollExit();
}

std::optional<int> AppProcess::exit_code() const {
  PollExit();
  std::lock_guard<std::mutex> lock(mu_);
  return exit_code_;
}

std::string AppProcess::LogTail(std::size_t bytes) const {
  const int fd = open(log_path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return {};
  }
  struct stat st {};
  std::string out;
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    const auto size = static_cast<std::size_t>(st.st_size);
    const std::size_t len = std::min(size, bytes);
    out.resize(len);
    std::size_t got = 0;
    while (got < len) {
      const ssize_t n =
          pread(fd, out.data() + got, len - got, static_cast<off_t>(size - len + got));
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      got += static_cast<std::size_t>(n);
    }
    out.resize(got);
  }
  close(fd);
  return out;
}

Status AppProcess::WaitReady() {
  const std::string& program = spec_.argv[0];
  const Clock::time_point start = Clock::now();
  const auto exited = [&]() -> Status {
    return UnavailableError("app " + Quote(program) + " (pid " + std::to_string(pid_) +
                            ") exited with status " + std::to_string(exit_code().value_or(-1)) +
                            " before it was ready; log " + Quote(log_path_) + " ends:\n" +
                            LogTail());
  };
  if (spec_.ready_url.empty()) {
    const Clock::time_point ready = start + Seconds(spec_.ready_delay_seconds);
    while (Clock::now() < ready) {
      if (PollExit()) {
        return exited();
      }
      std::this_thread::sleep_for(std::min<Clock::duration>(kPollInterval, ready - Clock::now()));
    }
    return PollExit() ? exited() : Status::Ok();
  }
  const Clock::time_point deadline = start + Seconds(spec_.ready_timeout_seconds);
  QueryClientOptions options;
  options.base_url = spec_.ready_url;
  options.timeout_seconds = std::min(1.0, spec_.ready_timeout_seconds);
  OBS_ASSIGN_OR_RETURN(QueryClient client, QueryClient::Create(std::move(options)));
  std::string last = "no answer yet";
  while (true) {
    if (PollExit()) {
      return exited();
    }
    Result<FetchResult> r = client.Fetch(spec_.ready_url);
    if (r.ok() && r->status >= 200 && r->status < 300) {
      return Status::Ok();
    }
    last = r.ok() ? "HTTP " + std::to_string(r->status) : r.status().message();
    if (Clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (PollExit()) {
    return exited();
  }
  return DeadlineExceededError("app " + Quote(program) + " (pid " + std::to_string(pid_) +
                               ") not ready after " + std::to_string(spec_.ready_timeout_seconds) +
                               " s: GET " + spec_.ready_url + ": " + last + "; log " +
                               Quote(log_path_) + " ends:\n" + LogTail());
}

Result<int> AppProcess::Stop() {
  stopped_ = true;
  const auto done = [&] {
    return PollExit() && !GroupAlive(pid_);
  };
  if (!done()) {
    kill(-pid_, SIGTERM);
    if (!PollExit()) {
      kill(pid_, SIGTERM);  // In case it left the group.
    }
    const Clock::time_point deadline = Clock::now() + Seconds(spec_.stop_timeout_seconds);
    while (!done() && Clock::now() < deadline) {
      std::this_thread::sleep_for(kPollInterval);
    }
  }
  if (!done()) {
    kill(-pid_, SIGKILL);
    if (!PollExit()) {
      kill(pid_, SIGKILL);
    }
    const Clock::time_point deadline = Clock::now() + kKillWait;
    while (!done() && Clock::now() < deadline) {
      std::this_thread::sleep_for(kPollInterval);
    }
  }
  if (!PollExit()) {
    return DeadlineExceededError("app " + Quote(spec_.argv[0]) + " (pid " + std::to_string(pid_) +
                                 ") still running after SIGKILL");
  }
  std::lock_guard<std::mutex> lock(mu_);
  return *exit_code_;
}

}  // namespace obs::scenarios
