// ReadProcessStats reads what a process has used so far from Linux procfs:
// its CPU time (user + system, from /proc/<pid>/stat) and its resident set
// size now and at its peak (VmRSS and VmHWM from /proc/<pid>/status). The
// resource sampler (scenarios) turns successive readings into CPU cores and
// RSS over a run.
//
// ReadProcessTreeStats sums the same over a process and all its live
// descendants (an application with its workers, a JVM launched by a shell
// script), adding thread counts and context switches; see its comment for
// which procfs files it uses and why.
//
// Thread safety: stateless; every call reads procfs afresh.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

namespace obs {

struct ProcessStats {
  std::int64_t pid = 0;
  std::string command;               // The comm field of /proc/<pid>/stat, e.g. "obsbench".
  char state = '?';                  // R, S, D, Z, ...
  double cpu_seconds = 0;            // utime + stime since the process started.
  std::uint64_t rss_bytes = 0;       // VmRSS; 0 when absent (zombies, kernel threads).
  std::uint64_t rss_peak_bytes = 0;  // VmHWM ("high water mark"); 0 when absent.
  std::int64_t ppid = 0;             // Parent pid (stat field 4).
  int threads = 0;                   // num_threads (stat field 20); 0 when absent.
  double user_seconds = 0;           // utime: all threads, live and exited.
  double system_seconds = 0;         // stime: all threads, live and exited.
  // cutime + cstime: CPU of children this process has waited for (and, in
  // turn, of their waited-for children); 0 when absent.
  double reaped_children_cpu_seconds = 0;
};

// Reads /proc/<pid>/stat and /proc/<pid>/status. Returns kNotFound naming the
// pid when there is no such process (or it exited between the two reads),
// kInvalidArgument for pid <= 0, and kDataLoss when a file cannot be parsed.
Result<ProcessStats> ReadProcessStats(std::int64_t pid);

// Resets this process's peak RSS (VmHWM) to its current RSS, so that a later
// reading's peak covers only what follows (writes "5" to /proc/self/clear_refs,
// Linux >= 4.0). Returns kUnavailable when the kernel refuses.
Status ResetPeakRss();

// The parsing half of ReadProcessStats, for tests: `stat` and `status` are
// the files' contents, `clock_ticks_per_second` is sysconf(_SC_CLK_TCK).
// The comm field may hold spaces and parentheses; the fields are read after
// the last ')'. Returns kDataLoss naming the problem for malformed text.
Result<ProcessStats> ParseProcessStats(std::string_view stat, std::string_view status,
                                       double clock_ticks_per_second);

// A process and its live descendants, summed.
struct ProcessTreeStats {
  std::int64_t root_pid = 0;
  std::vector<std::int64_t> pids;  // The root first, then descendants breadth-first.
  int processes = 0;               // pids.size().
  int threads = 0;                 // Sum of num_threads.
  double cpu_seconds = 0;          // user_seconds + system_seconds.
  double user_seconds = 0;         // utime summed over the live processes.
  double system_seconds = 0;       // stime summed over the live processes.
  // cutime + cstime summed over the live processes: CPU of descendants that
  // exited and were reaped inside the tree. cpu_seconds drops when a
  // descendant exits; cpu_seconds + reaped_children_cpu_seconds does not
  // (unless an orphan is reaped outside the tree, by init or a subreaper).
  double reaped_children_cpu_seconds = 0;
  // VmRSS summed: pages shared between processes (fork's copy-on-write,
  // shared libraries, shared memory) are counted once per process.
  std::uint64_t rss_bytes = 0;
  // Summed over every live thread (/proc/<pid>/task/<tid>/status): the
  // process-level /proc/<pid>/status lines are the main thread's alone.
  // Switches of threads that already exited are not included.
  std::uint64_t voluntary_ctxt_switches = 0;
  std::uint64_t nonvoluntary_ctxt_switches = 0;
};

struct ProcessTreeOptions {
  // Where procfs is mounted; tests point it at a directory of fake files.
  std::string proc_root = "/proc";
  // Find children through /proc/<pid>/task/<tid>/children (Linux >= 3.5 with
  // CONFIG_PROC_CHILDREN). False, or when the root has no such file: scan
  // every /proc/<pid>/stat for its parent pid once per call.
  bool use_children_files = true;
};

// Reads `root_pid` and every live descendant. Descendants are those reachable
// through parent links at the time of the call; a process that exits during
// the walk is left out (as are threads that exit). Returns kInvalidArgument
// for root_pid <= 0, kNotFound naming the pid when the root does not exist,
// kUnavailable when procfs cannot be read, kDataLoss for malformed files.
Result<ProcessTreeStats> ReadProcessTreeStats(std::int64_t root_pid,
                                              const ProcessTreeOptions& options = {});

struct ContextSwitches {
  std::uint64_t voluntary = 0;
  std::uint64_t nonvoluntary = 0;
};

// The voluntary_ctxt_switches and nonvoluntary_ctxt_switches lines of a
// status file (Linux >= 2.6.23). kDataLoss when either is absent or malformed.
Result<ContextSwitches> ParseContextSwitches(std::string_view status);

// The pids of a /proc/<pid>/task/<tid>/children file ("123 456 \n"; empty
// for none). kDataLoss for anything that is not a pid.
Result<std::vector<std::int64_t>> ParseChildPids(std::string_view children);

}  // namespace obs
