// AppProcess launches the application under test of an overhead experiment
// (one variant: telemetry off, single export, dual export), waits until it
// serves, and stops it with everything it started. The process gets its own
// process group, so SIGTERM and SIGKILL reach the whole tree (a shell script
// and the server it runs, a server and its workers); its stdout and stderr go
// to a log file whose tail explains a failed start.
//
// argv[0] without a slash is looked up in PATH as execvp does, but in the
// PATH of the environment the application gets (spec.env applied); one with
// a slash is used as is, relative to working_dir when that is set. Failures
// to start (no such program, not executable, bad working directory) are
// reported by Start() itself: the child sends exec's errno back through a
// close-on-exec pipe.
//
// Limits: a descendant that leaves the process group (setsid, setpgid; a
// daemonizing server) is not signalled. Scripts run by the kernel only (no
// ENOEXEC fallback to /bin/sh): give them a #! line.
//
// Thread safety: pid(), running() and LogTail() may be called from any thread
// (a resource sampler); Start/WaitReady/Stop belong to one thread.

#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "obs/base/status.h"

#include <sys/types.h>

namespace obs::scenarios {

struct AppLaunchSpec {
  std::vector<std::string> argv{};           // argv[0] is the program; non-empty.
  std::map<std::string, std::string> env{};  // Added to / overriding the inherited environment.
  std::string working_dir{};                 // Empty = the harness's.
  std::string ready_url{};                   // http://host:port/path, polled with GET until 2xx.
  double ready_delay_seconds = 0;            // Without ready_url: ready after this long.
  double ready_timeout_seconds = 30;         // > 0.
  double stop_timeout_seconds = 10;          // SIGTERM to SIGKILL; > 0.
  std::string log_path{};                    // stdout + stderr; empty = a temporary file.
};

class AppProcess {
 public:
  // Starts spec.argv. kInvalidArgument naming the problem for a bad spec, a
  // program that cannot be executed (naming argv[0] and the reason) or a
  // working directory that cannot be entered; kUnavailable when the log file
  // cannot be created or fork fails.
  static Result<std::unique_ptr<AppProcess>> Start(const AppLaunchSpec& spec);

  // Stops the process tree if anything of it is still running, and removes
  // the log file if it was a temporary one.
  ~AppProcess();
  AppProcess(const AppProcess&) = delete;
  AppProcess& operator=(const AppProcess&) = delete;

  pid_t pid() const { return pid_; }  // Also the process group id.
  const std::string& log_path() const { return log_path_; }

  // Waits until ready_url answers 2xx (or, without one, ready_delay_seconds
  // pass). kUnavailable with the exit status and the log's tail when the
  // process exits first; kDeadlineExceeded with the last answer and the
  // log's tail after ready_timeout_seconds.
  Status WaitReady();

  // SIGTERM to the process group; waits up to stop_timeout_seconds for the
  // process to exit and the group to empty, then SIGKILLs the group. Returns
  // the exit code, or 128 + the signal that killed it (143 for SIGTERM, 137
  // for SIGKILL); after the process has already exited, its exit code.
  // kDeadlineExceeded if even SIGKILL does not end it within 5 s.
  Result<int> Stop();

  // True until the process (the group leader) has exited.
  bool running() const;
  // The exit code as Stop() reports it, once the process has exited.
  std::optional<int> exit_code() const;

  // The last `bytes` bytes of the log ("" when it cannot be read).
  std::string LogTail(std::size_t bytes = 4000) const;

 private:
  AppProcess(AppLaunchSpec spec, pid_t pid, std::string log_path, bool temporary_log);
  // Reaps the leader without blocking if it has exited; true when it has.
  bool PollExit() const;

  AppLaunchSpec spec_;
  pid_t pid_ = 0;
  std::string log_path_;
  bool temporary_log_ = false;
  bool stopped_ = false;
  mutable std::mutex mu_;
  mutable std::optional<int> exit_code_;
};

// Replaces each ${NAME} in `text` with vars[NAME] and each $$ with $; a $
// before anything else stays. kInvalidArgument naming the variable for a
// name not in `vars`, or for an unterminated "${"; `text` is then unchanged.
Status SubstituteVariables(std::string& text, const std::map<std::string, std::string>& vars);

}  // namespace obs::scenarios
