#include "obs/base/process_stats.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <deque>
#include <map>
#include <set>
#include <system_error>
#include <vector>

namespace obs {
namespace {

// Reads the whole file into `text`; false with `error` set to the errno.
bool ReadFile(const std::string& path, std::string& text, int& error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = errno;
    return false;
  }
  text.clear();
  std::array<char, 4096> buf{};
  while (true) {
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      error = errno;
      close(fd);
      return false;
    }
    if (n == 0)
      break;
    text.append(buf.data(), static_cast<std::size_t>(n));
  }
  close(fd);
  return true;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n';
}

std::vector<std::string_view> SplitSpaces(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && IsSpace(text[i]))
      ++i;
    const std::size_t start = i;
    while (i < text.size() && !IsSpace(text[i]))
      ++i;
    if (i > start)
      out.push_back(text.substr(start, i - start));
  }
  return out;
}

template <typename T>
bool ParseInt(std::string_view text, T& out) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

// The first number of the "Key:\t1234 ..." line of a status file; false when
// the key is absent or malformed.
bool StatusNumber(std::string_view status, std::string_view key, std::uint64_t& value) {
  std::size_t pos = 0;
  while (pos < status.size()) {
    std::size_t end = status.find('\n', pos);
    if (end == std::string_view::npos)
      end = status.size();
    const std::string_view line = status.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':') {
      continue;
    }
    const std::vector<std::string_view> parts = SplitSpaces(line.substr(key.size() + 1));
    return !parts.empty() && ParseInt(parts[0], value);
  }
  return false;
}

// The value of a "Key:   1234 kB" line of /proc/<pid>/status in bytes; false
// when the key is absent or malformed.
bool StatusKilobytes(std::string_view status, std::string_view key, std::uint64_t& bytes) {
  std::uint64_t kb = 0;
  if (!StatusNumber(status, key, kb))
    return false;
  bytes = kb * 1024;
  return true;
}

bool IsGone(int error) {
  return error == ENOENT || error == ESRCH;
}

// The all-digit entries of directory `path` (pids, tids), in no particular
// order; false with `error` set to the errno when it cannot be opened.
bool ListNumeric(const std::string& path, std::vector<std::int64_t>& out, int& error) {
  out.clear();
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) {
    error = errno;
    return false;
  }
  while (const dirent* e = readdir(dir)) {
    std::int64_t id = 0;
    if (ParseInt(std::string_view(e->d_name), id) && id > 0) {
      out.push_back(id);
    }
  }
  closedir(dir);
  return true;
}

double ClockTicksPerSecond() {
  const long ticks = sysconf(_SC_CLK_TCK);
  return ticks > 0 ? static_cast<double>(ticks) : 100.0;
}

// Parent pid -> child pids from every <proc_root>/<pid>/stat (the fallback
// when children files are unavailable). Processes that vanish are skipped.
Result<std::map<std::int64_t, std::vector<std::int64_t>>> ChildrenByParent(
    const std::string& proc_root) {
  std::vector<std::int64_t> pids;
  int error = 0;
  if (!ListNumeric(proc_root, pids, error)) {
    return UnavailableError("cannot list " + proc_root + ": " +
                            std::system_category().message(error));
  }
  std::map<std::int64_t, std::vector<std::int64_t>> children;
  std::string stat;
  for (const std::int64_t pid : pids) {
    if (!ReadFile(proc_root + "/" + std::to_string(pid) + "/stat", stat, error) || stat.empty()) {
      continue;
    }
    Result<ProcessStats> s = ParseProcessStats(stat, "", 100.0);
    if (s.ok() && s->ppid > 0) {
      children[s->ppid].push_back(pid);
    }
  }
  return children;
}

}  // namespace

Result<ProcessStats> ParseProcessStats(std::string_view stat, std::string_view status,
                                       double clock_ticks_per_second) {
  const std::size_t open = stat.find('(');
  const std::size_t close = stat.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return DataLossError("stat: no (comm) field");
  }
  ProcessStats s;
  std::int64_t pid = 0;
  const std::vector<std::string_view> head = SplitSpaces(stat.substr(0, open));
  if (head.size() != 1 || !ParseInt(head[0], pid)) {
    return DataLossError("stat: malformed pid");
  }
  s.pid = pid;
  s.command = std::string(stat.substr(open + 1, close - open - 1));
  // After ')': field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  const std::vector<std::string_view> fields = SplitSpaces(stat.substr(close + 1));
  std::uint64_t utime = 0;
  std::uint64_t stime = 0;
  if (fields.size() < 13 || fields[0].size() != 1 || !ParseInt(fields[11], utime) ||
      !ParseInt(fields[12], stime)) {
    return DataLossError("stat: malformed utime/stime fields");
  }
  if (!(clock_ticks_per_second > 0)) {
    return DataLossError("clock ticks per second must be > 0");
  }
  s.state = fields[0][0];
  s.cpu_seconds = static_cast<double>(utime + stime) / clock_ticks_per_second;
  s.user_seconds = static_cast<double>(utime) / clock_ticks_per_second;
  s.system_seconds = static_cast<double>(stime) / clock_ticks_per_second;
  if (!ParseInt(fields[1], s.ppid)) {
    return DataLossError("stat: malformed ppid field");
  }
  // Fields 16 (cutime), 17 (cstime) and 20 (num_threads) are optional here:
  // every kernel writes them, but short fixtures need not.
  std::int64_t cutime = 0;
  std::int64_t cstime = 0;
  if (fields.size() > 14 && (!ParseInt(fields[13], cutime) || !ParseInt(fields[14], cstime) ||
                             cutime < 0 || cstime < 0)) {
    return DataLossError("stat: malformed cutime/cstime fields");
  }
  s.reaped_children_cpu_seconds = static_cast<double>(cutime + cstime) / clock_ticks_per_second;
  if (fields.size() > 17 && (!ParseInt(fields[17], s.threads) || s.threads < 0)) {
    return DataLossError("stat: malformed num_threads field");
  }
  (void)StatusKilobytes(status, "VmRSS", s.rss_bytes);
  (void)StatusKilobytes(status, "VmHWM", s.rss_peak_bytes);
  return s;
}

Status ResetPeakRss() {
  const int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return UnavailableError("cannot open /proc/self/clear_refs: " +
                            std::system_category().message(errno));
  }
  const bool ok = write(fd, "5", 1) == 1;
  const int error = errno;
  close(fd);
  if (!ok) {
    return UnavailableError("cannot reset the peak RSS: " + std::system_category().message(error));
  }
  return Status::Ok();
}

Result<ProcessStats> ReadProcessStats(std::int64_t pid) {
  if (pid <= 0) {
    return InvalidArgumentError("process " + std::to_string(pid) + ": pid must be > 0");
  }
  const std::string dir = "/proc/" + std::to_string(pid);
  std::string stat;
  std::string status;
  int error = 0;
  if (!ReadFile(dir + "/stat", stat, error) || !ReadFile(dir + "/status", status, error)) {
    if (error == ENOENT || error == ESRCH) {
      return NotFoundError("process " + std::to_string(pid) + ": no such process");
    }
    return UnavailableError("process " + std::to_string(pid) + ": cannot read " + dir + ": " +
                            std::system_category().message(error));
  }
  if (stat.empty()) {  // The process exited while the file was open.
    return NotFoundError("process " + std::to_string(pid) + ": no such process");
  }
  Result<ProcessStats> parsed = ParseProcessStats(stat, status, ClockTicksPerSecond());
  if (!parsed.ok()) {
    return parsed.status().WithPrefix(dir);
  }
  return parsed;
}

Result<ContextSwitches> ParseContextSwitches(std::string_view status) {
  ContextSwitches c;
  if (!StatusNumber(status, "voluntary_ctxt_switches", c.voluntary)) {
    return DataLossError("status: no voluntary_ctxt_switches line");
  }
  if (!StatusNumber(status, "nonvoluntary_ctxt_switches", c.nonvoluntary)) {
    return DataLossError("status: no nonvoluntary_ctxt_switches line");
  }
  return c;
}

Result<std::vector<std::int64_t>> ParseChildPids(std::string_view children) {
  std::vector<std::int64_t> pids;
  for (const std::string_view token : SplitSpaces(children)) {
    std::int64_t pid = 0;
    if (!ParseInt(token, pid) || pid <= 0) {
      return DataLossError("children: malformed pid \"" + std::string(token) + "\"");
    }
    pids.push_back(pid);
  }
  return pids;
}

Result<ProcessTreeStats> ReadProcessTreeStats(std::int64_t root_pid,
                                              const ProcessTreeOptions& options) {
  if (root_pid <= 0) {
    return InvalidArgumentError("process " + std::to_string(root_pid) + ": pid must be > 0");
  }
  const std::string& proc = options.proc_root;
  const std::string root_dir = proc + "/" + std::to_string(root_pid);
  const double ticks = ClockTicksPerSecond();
  const bool use_children_files =
      options.use_children_files &&
      access((root_dir + "/task/" + std::to_string(root_pid) + "/children").c_str(), R_OK) == 0;
  std::map<std::int64_t, std::vector<std::int64_t>> by_parent;
  if (!use_children_files) {
    OBS_ASSIGN_OR_RETURN(by_parent, ChildrenByParent(proc));
  }

  ProcessTreeStats tree;
  tree.root_pid = root_pid;
  std::deque<std::int64_t> queue = {root_pid};
  std::set<std::int64_t> seen = {root_pid};
  std::string stat;
  std::string status;
  std::string text;
  std::vector<std::int64_t> tids;
  while (!queue.empty()) {
    const std::int64_t pid = queue.front();
    queue.pop_front();
    const bool is_root = pid == root_pid;
    const std::string dir = proc + "/" + std::to_string(pid);
    int error = 0;
    const bool read =
        ReadFile(dir + "/stat", stat, error) && ReadFile(dir + "/status", status, error);
    if (!read || stat.empty()) {
      if (read || IsGone(error)) {
        if (is_root) {
          return NotFoundError("process " + std::to_string(pid) + ": no such process");
        }
        continue;  // Exited during the walk.
      }
      return UnavailableError("process " + std::to_string(pid) + ": cannot read " + dir + ": " +
                              std::system_category().message(error));
    }
    Result<ProcessStats> s = ParseProcessStats(stat, status, ticks);
    if (!s.ok()) {
      return s.status().WithPrefix(dir);
    }
    tree.pids.push_back(pid);
    tree.threads += s->threads;
    tree.user_seconds += s->user_seconds;
    tree.system_seconds += s->system_seconds;
    tree.reaped_children_cpu_seconds += s->reaped_children_cpu_seconds;
    tree.rss_bytes += s->rss_bytes;

    auto enqueue = [&](std::int64_t child) {
      if (seen.insert(child).second) {
        queue.push_back(child);
      }
    };
    if (ListNumeric(dir + "/task", tids, error)) {
      for (const std::int64_t tid : tids) {
        const std::string task = dir + "/task/" + std::to_string(tid);
        if (ReadFile(task + "/status", text, error)) {
          if (Result<ContextSwitches> c = ParseContextSwitches(text); c.ok()) {
            tree.voluntary_ctxt_switches += c->voluntary;
            tree.nonvoluntary_ctxt_switches += c->nonvoluntary;
          }
        }
        if (use_children_files && ReadFile(task + "/children", text, error)) {
          Result<std::vector<std::int64_t>> children = ParseChildPids(text);
          if (!children.ok()) {
            return children.status().WithPrefix(task);
          }
          for (const std::int64_t child : *children) {
            enqueue(child);
          }
        }
      }
    }
    if (!use_children_files) {
      if (auto it = by_parent.find(pid); it != by_parent.end()) {
        for (const std::int64_t child : it->second) {
          enqueue(child);
        }
      }
    }
  }
  tree.processes = static_cast<int>(tree.pids.size());
  tree.cpu_seconds = tree.user_seconds + tree.system_seconds;
  return tree;
}

}  // namespace obs
