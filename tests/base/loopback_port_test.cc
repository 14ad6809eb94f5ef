// FreeLoopbackPort returns a port that can then be bound on 127.0.0.1.

#include "obs/base/loopback_port.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace obs {
namespace {

TEST(LoopbackPortTest, ThePortCanBeBound) {
  ASSERT_OK_AND_ASSIGN(const std::uint16_t port, FreeLoopbackPort());
  EXPECT_NE(port, 0);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): POSIX API.
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  close(fd);
}

}  // namespace
}  // namespace obs
