// ReadProcessStats reads what a process has used so far from Linux procfs:
// its CPU time (user + system, from /proc/<pid>/stat) and its resident set
// size now and at its peak (VmRSS and VmHWM from /proc/<pid>/status). The
// resource sampler (scenarios) turns successive readings into CPU cores and
// RSS over a run.
//
// Thread safety: stateless; every call reads procfs afresh.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "obs/base/status.h"

namespace obs {

struct ProcessStats {
  std::int64_t pid = 0;
  std::string command;               // The comm field of /proc/<pid>/stat, e.g. "obsbench".
  char state = '?';                  // R, S, D, Z, ...
  double cpu_seconds = 0;            // utime + stime since the process started.
  std::uint64_t rss_bytes = 0;       // VmRSS; 0 when absent (zombies, kernel threads).
  std::uint64_t rss_peak_bytes = 0;  // VmHWM ("high water mark"); 0 when absent.
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

}  // namespace obs
