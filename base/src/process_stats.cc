#include "obs/base/process_stats.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
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

// The value of a "Key:   1234 kB" line of /proc/<pid>/status in bytes; false
// when the key is absent or malformed.
bool StatusKilobytes(std::string_view status, std::string_view key, std::uint64_t& bytes) {
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
    std::uint64_t kb = 0;
    if (parts.empty() || !ParseInt(parts[0], kb))
      return false;
    bytes = kb * 1024;
    return true;
  }
  return false;
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
  const long ticks = sysconf(_SC_CLK_TCK);
  Result<ProcessStats> parsed =
      ParseProcessStats(stat, status, ticks > 0 ? static_cast<double>(ticks) : 100.0);
  if (!parsed.ok()) {
    return parsed.status().WithPrefix(dir);
  }
  return parsed;
}

}  // namespace obs
