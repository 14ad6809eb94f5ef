#include "obs/base/loopback_port.h"

#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace obs {

Result<std::uint16_t> FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return UnavailableError("cannot open a socket to find a free loopback port");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  // NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast): POSIX API.
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  // NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)
  close(fd);
  if (port == 0) {
    return UnavailableError("no free loopback port");
  }
  return port;
}

}  // namespace obs
