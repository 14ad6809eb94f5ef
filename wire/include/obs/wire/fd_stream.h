// FdStream: a connected socket's descriptor as a Beast SyncReadStream and
// SyncWriteStream, for HTTP/1.1 over loopback at high request rates. One
// exchange costs a sendmsg and a recv (plus a poll with a deadline): no
// io_context round and no timer re-armed per operation, which is what Asio's
// async path spent most of its time on (docs/performance.md).
//
// Two ways to bound a call, chosen at construction:
//   - a deadline (the load generator's client): the socket is used with
//     MSG_DONTWAIT and poll() waits until the deadline; past it a call fails
//     with beast::error::timeout;
//   - none (the backend's server): calls block, and the caller bounds them
//     with SO_RCVTIMEO/SO_SNDTIMEO set on the socket; a call that makes no
//     progress for that long fails with beast::error::timeout. (Asio's own
//     blocking sockets retry EAGAIN with an unbounded poll(), so they cannot
//     be used with these options.)
// Linux: EWOULDBLOCK is EAGAIN.
//
// KeepReceiveTimes() makes reads collect the kernel's receive timestamp of
// the data they return (SO_TIMESTAMPNS must be on for the socket:
// EnableReceiveTimestamps): last_receive_unix_ns() is when the bytes of the
// last read reached the host, however long they then waited for the reader.
//
// Thread safety: none; one stream per connection and thread.

#pragma once

#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <optional>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

namespace obs::wire {

class FdStream {
 public:
  using Clock = std::chrono::steady_clock;
  using error_code = boost::system::error_code;

  // Blocking calls, bounded by the socket's SO_RCVTIMEO/SO_SNDTIMEO.
  explicit FdStream(int fd) : fd_(fd) {}
  // Calls that fail with beast::error::timeout once `deadline` has passed.
  FdStream(int fd, Clock::time_point deadline) : fd_(fd), deadline_(deadline) {}

  // Turns on the kernel's receive timestamps for `fd` (a TCP or UDP
  // socket). False if the kernel refuses.
  static bool EnableReceiveTimestamps(int fd) {
    const int one = 1;
    return ::setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) == 0;
  }

  // Reads from now on keep the kernel's receive time of their data.
  void KeepReceiveTimes() { keep_receive_times_ = true; }
  // Unix ns at which the data of the last read arrived; 0 if no read has
  // returned data with a timestamp.
  std::int64_t last_receive_unix_ns() const { return last_receive_unix_ns_; }

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, error_code& ec) {
    const boost::asio::mutable_buffer b = boost::beast::buffers_front(buffers);
    ec = {};
    if (b.size() == 0) {
      return 0;
    }
    for (;;) {
      if (deadline_ && !Wait(POLLIN, ec)) {
        return 0;
      }
      const int flags = deadline_ ? MSG_DONTWAIT : 0;
      const ssize_t n =
          keep_receive_times_ ? ReceiveTimed(b, flags) : ::recv(fd_, b.data(), b.size(), flags);
      if (n > 0) {
        return static_cast<std::size_t>(n);
      }
      if (n == 0) {
        ec = boost::asio::error::eof;
        return 0;
      }
      if (!Retry(ec)) {
        return 0;
      }
    }
  }

  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, error_code& ec) {
    std::array<iovec, 64> iov{};
    std::size_t count = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && count < iov.size(); ++it) {
      const boost::asio::const_buffer b(*it);
      if (b.size() > 0) {
        iov[count++] = iovec{const_cast<void*>(b.data()), b.size()};
      }
    }
    ec = {};
    if (count == 0) {
      return 0;
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    for (;;) {
      const ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | (deadline_ ? MSG_DONTWAIT : 0));
      if (n >= 0) {
        return static_cast<std::size_t>(n);
      }
      if (!Retry(ec) || (deadline_ && errno == EAGAIN && !Wait(POLLOUT, ec))) {
        return 0;
      }
    }
  }

  // The throwing forms the Beast stream concepts also require.
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) {
      throw boost::system::system_error(ec);
    }
    return n;
  }
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) {
      throw boost::system::system_error(ec);
    }
    return n;
  }

 private:
  // recvmsg() that keeps the SCM_TIMESTAMPNS control message, if any.
  ssize_t ReceiveTimed(const boost::asio::mutable_buffer& b, int flags) {
    iovec iov{b.data(), b.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(timespec))> control{};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(fd_, &msg, flags);
    if (n > 0) {
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec t{};
          std::memcpy(&t, CMSG_DATA(c), sizeof(t));
          last_receive_unix_ns_ = std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
        }
      }
    }
    return n;
  }

  // After a failed recv/send: true to try again (EINTR, or EAGAIN with a
  // deadline: poll first); otherwise sets `ec` (EAGAIN without a deadline is
  // the socket's own timeout).
  bool Retry(error_code& ec) const {
    if (errno == EINTR || (deadline_ && errno == EAGAIN)) {
      return true;
    }
    if (errno == EAGAIN) {
      ec = boost::beast::error::timeout;
    } else {
      ec.assign(errno, boost::system::system_category());
    }
    return false;
  }

  // Waits until `events` (or an error or hang-up, which the next call
  // reports) are ready. False with ec = timeout when the deadline passes.
  bool Wait(short events, error_code& ec) const {
    for (;;) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - Clock::now());
      if (left.count() <= 0) {
        ec = boost::beast::error::timeout;
        return false;
      }
      pollfd p{fd_, events, 0};
      const int r = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30)));
      if (r > 0) {
        return true;
      }
      if (r < 0 && errno != EINTR) {
        ec.assign(errno, boost::system::system_category());
        return false;
      }
    }
  }

  int fd_;
  std::optional<Clock::time_point> deadline_;
  bool keep_receive_times_ = false;
  std::int64_t last_receive_unix_ns_ = 0;
};

}  // namespace obs::wire
