// HttpClient: the split POST (StartPost, work, FinishPost) that the
// remote-write sender uses to build its next request while one is in flight,
// the kernel receive timestamp that dates its answers, and the resend on a
// keep-alive connection the peer closed.

#include "http_client.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "loopback_sink.h"
#include "url.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace obs::loadgen {
namespace {

using internal::HttpClient;
using internal::HttpResponse;
using std::chrono::steady_clock;

HttpClient ClientFor(const std::string& url) {
  auto u = internal::ParseHttpUrl(url);
  EXPECT_TRUE(u.ok()) << u.status();
  return HttpClient({.url = *u, .headers = {{"Content-Type", "text/plain"}}, .timeout_seconds = 5});
}

TEST(HttpClientTest, PostAndSplitPostGetTheAnswer) {
  testing::LoopbackSink sink(
      [](int i) { return testing::SinkAnswer{.status = i == 0 ? 204 : 503}; });
  HttpClient client = ClientFor(sink.url());
  EXPECT_EQ(client.Post("one").status, 204);
  const std::string body = "two";
  client.StartPost(body);
  const HttpResponse res = client.FinishPost();
  EXPECT_EQ(res.status, 503);
  EXPECT_TRUE(res.error.empty()) << res.error;
  ASSERT_EQ(sink.requests().size(), 2U);
  EXPECT_EQ(sink.requests()[1].body, "two");
  EXPECT_EQ(sink.requests()[1].headers.at("content-length"), "3");
}

// Work done between StartPost and FinishPost is not the server's latency:
// the answer arrived while the caller slept, and `queued` says how long it
// waited. The answer cannot have arrived before the request reached the
// server, nor after the caller woke up to read it.
TEST(HttpClientTest, SplitPostDatesTheAnswerByItsArrival) {
  testing::LoopbackSink sink;
  HttpClient client = ClientFor(sink.url());
  ASSERT_TRUE(client.Connect().ok());
  const std::string body = "payload";
  client.StartPost(body);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const steady_clock::time_point woke = steady_clock::now();
  const HttpResponse res = client.FinishPost();
  const steady_clock::time_point read = steady_clock::now();
  ASSERT_EQ(res.status, 204) << res.error;
  const steady_clock::time_point arrived = read - res.queued;
  ASSERT_EQ(sink.requests().size(), 1U);
  const steady_clock::time_point at_server = sink.requests()[0].arrival;
  // 1 ms of slack for reading the realtime and steady clocks apart.
  EXPECT_GE(arrived, at_server - std::chrono::milliseconds(1));
  EXPECT_LE(arrived, woke + std::chrono::milliseconds(1));
  EXPECT_GT(res.queued, std::chrono::milliseconds(0));
}

// A server that answers one request per connection and then closes it
// without saying so (no "Connection: close"): the client's next request
// goes out on a dead connection and must be sent once more on a new one.
class OneShotServer {
 public:
  OneShotServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): POSIX API.
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(fd_, 8), 0);
    socklen_t len = sizeof(addr);
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): POSIX API.
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (int c = 0; c < 2; ++c) {
        const int conn = accept(fd_, nullptr, nullptr);
        if (conn < 0) {
          return;
        }
        std::string in;
        char buf[4096];
        // The head and a 4-byte body.
        while (in.find("\r\n\r\n") == std::string::npos ||
               in.size() < in.find("\r\n\r\n") + 4 + 4) {
          const ssize_t n = read(conn, buf, sizeof(buf));
          if (n <= 0) {
            break;
          }
          in.append(buf, static_cast<std::size_t>(n));
        }
        const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        EXPECT_EQ(write(conn, answer.data(), answer.size()), static_cast<ssize_t>(answer.size()));
        ++answered_;
        // Let the client read the answer before the close reaches it.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        close(conn);
      }
    });
  }
  ~OneShotServer() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  OneShotServer(const OneShotServer&) = delete;
  OneShotServer& operator=(const OneShotServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  int answered() const { return answered_.load(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> answered_{0};
  std::thread thread_;
};

TEST(HttpClientTest, SplitPostResendsOnAConnectionThePeerClosed) {
  OneShotServer server;
  HttpClient client = ClientFor(server.url());
  EXPECT_EQ(client.Post("body").status, 200);
  // Wait until the server has closed the first connection.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string body = "body";
  client.StartPost(body);
  const HttpResponse res = client.FinishPost();
  EXPECT_EQ(res.status, 200) << res.error;
  EXPECT_EQ(server.answered(), 2);
}

TEST(HttpClientTest, SplitPostReportsAConnectFailureWhenFinished) {
  // A port nobody listens on: bind one, read its number, close it.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): POSIX API.
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): POSIX API.
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  close(fd);
  HttpClient client = ClientFor("http://127.0.0.1:" + std::to_string(port) + "/");
  client.StartPost("x");
  const HttpResponse res = client.FinishPost();
  EXPECT_EQ(res.status, 0);
  EXPECT_NE(res.error.find("connect: "), std::string::npos) << res.error;
  EXPECT_FALSE(client.connected());
}

}  // namespace
}  // namespace obs::loadgen
