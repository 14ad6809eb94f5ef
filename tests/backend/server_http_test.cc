// The HTTP transport and routing of obs::backend::Server over loopback: 404
// and 405, health endpoints, /metrics, keep-alive pipelining, survival of
// garbage input, start/stop behaviour, the connection cap and option errors.

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/backend/server.h"
#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"

namespace obs::backend {
namespace {

using ::obs::testing::HttpResult;
using ::obs::testing::LoopbackBackend;
using ::obs::testing::StatusIs;
using ::obs::testing::TestSeries;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class ServerHttpTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(backend_.Start()); }

  HttpResult Request(std::string_view method, std::string_view target) {
    Result<HttpResult> r = testing::HttpRequest(backend_.port(), method, target, "");
    OBS_CHECK(r.ok()) << r.status();
    return *r;
  }

  LoopbackBackend backend_;
};

TEST_F(ServerHttpTest, UnknownPathIs404Json) {
  const HttpResult r = Request("GET", "/api/v1/nope?x=1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.body,
            R"({"status":"error","errorType":"not_found","error":"path not found: /api/v1/nope"})");
}

TEST_F(ServerHttpTest, WrongMethodIs405WithAllowHeader) {
  HttpResult r = Request("GET", "/api/v1/write");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "POST");
  r = Request("DELETE", "/api/v1/query");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "GET, POST");
  EXPECT_THAT(r.body, HasSubstr("method DELETE not allowed for /api/v1/query"));
  EXPECT_EQ(Request("POST", "/api/v1/label/job/values").status, 405);
}

TEST_F(ServerHttpTest, HealthAndReadinessAnswer200) {
  EXPECT_EQ(Request("GET", "/-/healthy").status, 200);
  EXPECT_EQ(Request("GET", "/-/ready").body, "obsbench backend is Ready.\n");
  const HttpResult head = Request("HEAD", "/-/healthy");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST_F(ServerHttpTest, MetricsExposeWritesQueriesAndStorage) {
  ASSERT_OK(backend_.Write(
      {TestSeries{.labels = {{"__name__", "m"}}, .samples = {{1, 1000}, {2, 2000}}}}));
  Request("GET", "/api/v1/query?query=m&time=3");
  Request("GET", "/api/v1/query?query=m&time=nope");
  const HttpResult r = Request("GET", "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.Header("content-type"), StartsWith("text/plain; version=0.0.4"));
  for (const char* line : {
           "# TYPE obs_backend_write_requests_total counter\n",
           "obs_backend_write_requests_total{code=\"204\"} 1\n",
           "obs_backend_query_requests_total{code=\"200\",endpoint=\"/api/v1/query\"} 1\n",
           "obs_backend_query_requests_total{code=\"400\",endpoint=\"/api/v1/query\"} 1\n",
           "obs_backend_http_requests_total{code=\"204\",handler=\"/api/v1/write\"} 1\n",
           "obs_backend_http_request_duration_seconds_count{handler=\"/api/v1/write\"} 1\n",
           "obs_backend_http_request_duration_seconds_bucket{handler=\"/api/v1/"
           "query\",le=\"+Inf\"} "
           "2\n",
           "\nobs_backend_samples_appended_total 2\n",
           "\nobs_backend_samples_dropped_by_fault_total 0\n",
           "\nobs_backend_series 1\n",
           "\nobs_backend_samples 2\n",
       }) {
    EXPECT_THAT(r.body, HasSubstr(line));
  }
}

TEST_F(ServerHttpTest, KeepAliveServesPipelinedRequestsInOrder) {
  Result<std::string> raw =
      testing::SendRaw(backend_.port(),
                       "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /api/v1/nope HTTP/1.1\r\nHost: x\r\n\r\n"
                       "GET /-/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_OK(raw);
  const std::size_t first = raw->find("HTTP/1.1 200 OK");
  const std::size_t second = raw->find("HTTP/1.1 404 Not Found");
  const std::size_t third = raw->find("HTTP/1.1 200 OK", first + 1);
  EXPECT_EQ(first, 0u) << *raw;
  EXPECT_NE(second, std::string::npos) << *raw;
  EXPECT_NE(third, std::string::npos) << *raw;
  EXPECT_LT(second, third);
  EXPECT_THAT(*raw, HasSubstr("obsbench backend is Ready."));
}

TEST_F(ServerHttpTest, MalformedHttpGets400AndServerKeepsAnswering) {
  Result<std::string> raw = testing::SendRaw(backend_.port(), "BLAH\x01 / HTTP/1.1\r\n\r\n");
  ASSERT_OK(raw);
  EXPECT_THAT(*raw, StartsWith("HTTP/1.1 400 Bad Request"));
  EXPECT_EQ(Request("GET", "/-/healthy").status, 200);
}

TEST_F(ServerHttpTest, SurvivesRandomGarbage) {
  const std::uint32_t seed = 20240601;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(1, 4096);
  for (int i = 0; i < 30; ++i) {
    std::string garbage(static_cast<std::size_t>(length(rng)), '\0');
    for (char& c : garbage) {
      c = static_cast<char>(byte(rng));
    }
    if (i % 3 == 0) {
      garbage = "POST /api/v1/write HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + garbage;
    }
    (void)testing::SendRaw(backend_.port(), garbage);  // Any answer or a close is fine.
  }
  EXPECT_EQ(Request("GET", "/-/healthy").status, 200) << "seed " << seed;
}

TEST_F(ServerHttpTest, BaseUrlNamesTheBoundPort) {
  EXPECT_NE(backend_.port(), 0);
  EXPECT_EQ(backend_.server().base_url(), "http://127.0.0.1:" + std::to_string(backend_.port()));
}

TEST_F(ServerHttpTest, PortInUseIsUnavailable) {
  EXPECT_THAT(Server::Start({.listen_address = "127.0.0.1", .port = backend_.port()}),
              StatusIs(StatusCode::kUnavailable, HasSubstr("listen 127.0.0.1:")));
}

TEST(ServerLifecycleTest, InvalidOptionsAreRejected) {
  EXPECT_THAT(Server::Start({.max_connections = 0}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("max_connections")));
  EXPECT_THAT(Server::Start({.listen_address = "not-an-ip"}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not-an-ip")));
}

TEST(ServerLifecycleTest, StopIsIdempotentReleasesWaitAndClosesThePort) {
  LoopbackBackend backend;
  ASSERT_OK(backend.Start());
  const std::uint16_t port = backend.port();
  std::thread waiter([&backend] { backend.server().Wait(); });
  backend.server().Stop();
  backend.server().Stop();
  waiter.join();
  EXPECT_THAT(testing::Get(port, "/-/healthy"),
              StatusIs(StatusCode::kUnavailable, HasSubstr("connect")));
}

// One keep-alive GET /-/healthy on `fd`: true if it was answered.
bool HealthyExchange(int fd) {
  const std::string request = "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return false;
  }
  std::string received;
  char buf[4096];
  while (received.find("Healthy.\n") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      return false;
    }
    received.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

// Whether the peer closed `fd` (end of stream or reset) rather than answering.
bool ClosedByPeer(int fd) {
  char buf[1];
  const ssize_t n = ::recv(fd, buf, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

TEST(ServerLifecycleTest, StopClosesIdleKeepAliveConnections) {
  LoopbackBackend backend;
  ASSERT_OK(backend.Start());
  Result<std::unique_ptr<testing::internal::Fd>> conn =
      testing::internal::ConnectLoopback(backend.port());
  ASSERT_OK(conn);
  // One keep-alive exchange, so the server has accepted the connection.
  ASSERT_TRUE(HealthyExchange((*conn)->get()));
  backend.server().Stop();  // Must not wait for the idle connection.
  EXPECT_TRUE(ClosedByPeer((*conn)->get())) << std::strerror(errno);
}

// Each connection has a thread; beyond max_connections one is closed on
// accept without an answer, and a slot freed by a closed connection serves
// the next one.
TEST(ServerLifecycleTest, ConnectionsBeyondTheCapAreClosedAndFreedSlotsReused) {
  LoopbackBackend backend;
  ASSERT_OK(backend.Start({.max_connections = 2}));
  auto connect = [&] {
    Result<std::unique_ptr<testing::internal::Fd>> c =
        testing::internal::ConnectLoopback(backend.port());
    OBS_CHECK(c.ok()) << c.status();
    return std::move(c).value();
  };
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(HealthyExchange(a->get()));
  ASSERT_TRUE(HealthyExchange(b->get()));
  auto over = connect();
  EXPECT_FALSE(HealthyExchange(over->get()));
  // Both served connections still work.
  EXPECT_TRUE(HealthyExchange(a->get()));
  EXPECT_TRUE(HealthyExchange(b->get()));
  a.reset();  // Frees a slot once the server sees the close.
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    auto next = connect();
    served = HealthyExchange(next->get());
    if (!served) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace obs::backend
