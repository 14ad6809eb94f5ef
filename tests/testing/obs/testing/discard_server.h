// DiscardServer: the cheapest HTTP/1.1 server the benchmarks can put on the
// other end of a load, so that the server is never what limits the tool
// being measured. A thread per connection reads requests (pipelined or not,
// bodies of any Content-Length skipped unread-into-memory) and answers each
// with a fixed 200 "ok". It counts requests and the CPU its connection
// threads used (RUSAGE_THREAD, added when a connection closes), so a
// benchmark can subtract the server's CPU from its own process's.
//
// Loopback only; port 0 (ephemeral), read back with port(). Not a general
// server: no chunked bodies, no validation.
//
// Thread safety: every public method may be called from any thread.

#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

namespace obs::testing {

inline double RusageCpuSeconds(int who) {
  rusage u{};
  getrusage(who, &u);
  const auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

class DiscardServer {
 public:
  DiscardServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): POSIX API.
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listen_fd_, 1024) != 0) {
      std::perror("DiscardServer: bind/listen");
      std::exit(3);
    }
    socklen_t len = sizeof(addr);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): POSIX API.
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~DiscardServer() {
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);  // Wakes the blocking accept().
    accept_thread_.join();
    close(listen_fd_);
    WaitIdle(std::chrono::seconds(5));
  }

  DiscardServer(const DiscardServer&) = delete;
  DiscardServer& operator=(const DiscardServer&) = delete;

  int port() const { return port_; }
  std::uint64_t requests() const { return requests_.load(); }

  // Waits until every connection has closed (its thread's CPU is counted).
  bool WaitIdle(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return idle_.wait_for(lock, timeout, [&] { return open_ == 0; });
  }

  // CPU seconds of the connection threads that have ended, and resets it.
  double TakeCpu() {
    const std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(cpu_, 0.0);
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) {
        if (stopping_) {
          return;
        }
        continue;
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      {
        const std::lock_guard<std::mutex> lock(mu_);
        ++open_;
      }
      std::thread([this, fd] { Serve(fd); }).detach();
    }
  }

  // Header bytes are scanned for the end of the head and a Content-Length
  // line; that many body bytes are then skipped.
  void Serve(int fd) {
    static constexpr std::string_view kAnswer =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";
    std::vector<char> buf(256 * 1024);
    std::string head;  // The current request's head so far.
    std::uint64_t body_left = 0;
    std::string out;
    while (true) {
      const ssize_t n = read(fd, buf.data(), buf.size());
      if (n <= 0) {
        break;
      }
      std::size_t answers = 0;
      std::string_view data(buf.data(), static_cast<std::size_t>(n));
      while (!data.empty()) {
        if (body_left > 0) {
          const std::size_t skip =
              static_cast<std::size_t>(std::min<std::uint64_t>(body_left, data.size()));
          data.remove_prefix(skip);
          body_left -= skip;
          if (body_left == 0) {
            ++answers;
          }
          continue;
        }
        const std::size_t before = head.size();
        head.append(data);
        const std::size_t end = head.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
        if (end == std::string::npos) {
          data = {};
          continue;
        }
        data.remove_prefix(end + 4 - before);
        head.resize(end + 2);
        body_left = ContentLength(head);
        head.clear();
        if (body_left == 0) {
          ++answers;
        }
      }
      if (answers == 0) {
        continue;
      }
      requests_ += answers;
      out.clear();
      for (std::size_t i = 0; i < answers; ++i) {
        out.append(kAnswer);
      }
      if (!WriteAll(fd, out)) {
        break;
      }
    }
    close(fd);
    const double cpu = RusageCpuSeconds(RUSAGE_THREAD);
    const std::lock_guard<std::mutex> lock(mu_);
    cpu_ += cpu;
    if (--open_ == 0) {
      idle_.notify_all();
    }
  }

  static std::uint64_t ContentLength(std::string_view head) {
    for (std::size_t at = head.find("\r\n"); at != std::string_view::npos;
         at = head.find("\r\n", at + 2)) {
      std::string_view line = head.substr(at + 2);
      line = line.substr(0, line.find("\r\n"));
      static constexpr std::string_view kName = "content-length:";
      if (line.size() <= kName.size()) {
        continue;
      }
      bool match = true;
      for (std::size_t i = 0; i < kName.size() && match; ++i) {
        const char c = line[i];
        match = (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) == kName[i];
      }
      if (match) {
        return std::strtoull(std::string(line.substr(kName.size())).c_str(), nullptr, 10);
      }
    }
    return 0;
  }

  static bool WriteAll(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = write(fd, data.data(), data.size());
      if (n <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> requests_{0};
  std::thread accept_thread_;
  std::mutex mu_;
  std::condition_variable idle_;
  int open_ = 0;
  double cpu_ = 0;
};

}  // namespace obs::testing
