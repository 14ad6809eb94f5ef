// QueryClient (verify/query_client.h) against an in-test HTTP sink on
// 127.0.0.1:0 that records each request and answers with a canned response:
// request shape, error mapping (4xx, 5xx, bad JSON, connection refused,
// timeout) and Get() for flush URLs.

#include <algorithm>
#include <cctype>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "verify/query_client.h"

namespace obs::scenarios {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using ::obs::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// Answers every request with `status` and `body`, one request per connection.
class HttpSink {
 public:
  HttpSink(int status, std::string body) : status_(status), body_(std::move(body)) {
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpSink() {
    io_.stop();
    thread_.join();
  }
  HttpSink(const HttpSink&) = delete;
  HttpSink& operator=(const HttpSink&) = delete;

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (!ec) {
        Serve(socket);
        Accept();
      }
    });
  }

  // Blocking read of one request (headers + Content-Length body), then the answer.
  void Serve(tcp::socket& socket) {
    boost::system::error_code ec;
    asio::streambuf buf;
    const std::size_t header_end = asio::read_until(socket, buf, "\r\n\r\n", ec);
    if (ec) {
      return;
    }
    std::string request(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
    std::string lower = request.substr(0, header_end);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::size_t length = 0;
    if (const auto pos = lower.find("content-length:"); pos != std::string::npos) {
      length = std::stoul(lower.substr(pos + 15));
    }
    if (request.size() < header_end + length) {
      asio::read(socket, buf, asio::transfer_exactly(header_end + length - request.size()), ec);
      request.assign(asio::buffers_begin(buf.data()), asio::buffers_end(buf.data()));
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    const std::string response =
        "HTTP/1.1 " + std::to_string(status_) +
        " X\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body_.size()) +
        "\r\nConnection: close\r\n\r\n" + body_;
    asio::write(socket, asio::buffer(response), ec);
  }

  const int status_;
  const std::string body_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_, tcp::v4()};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
};

constexpr char kVectorBody[] = R"({"status":"success","data":{"resultType":"vector","result":[)"
                               R"({"metric":{"job":"a"},"value":[1700000000.5,"3"]}]}})";

QueryClient MustCreate(const std::string& url, double timeout_seconds = 5) {
  auto client = QueryClient::Create({.base_url = url,
                                     .headers = {{"X-Scope-OrgID", "tenant-1"}},
                                     .bearer_token = "secret",
                                     .timeout_seconds = timeout_seconds});
  OBS_CHECK(client.ok()) << client.status();
  return std::move(client).value();
}

TEST(QueryClientTest, InstantVectorPostsFormWithNocacheAndHeaders) {
  HttpSink sink(200, kVectorBody);
  QueryClient client = MustCreate(sink.url() + "/");
  ASSERT_OK_AND_ASSIGN(auto samples, client.InstantVector(R"(up{job="a"})", 1700000000500));
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_THAT(samples[0].labels, ElementsAre(Pair("job", "a")));
  EXPECT_EQ(samples[0].value, 3.0);
  EXPECT_EQ(client.queries(), 1u);
  ASSERT_EQ(sink.requests().size(), 1u);
  EXPECT_THAT(sink.requests()[0],
              AllOf(HasSubstr("POST /api/v1/query HTTP/1.1"), HasSubstr("X-Scope-OrgID: tenant-1"),
                    HasSubstr("Authorization: Bearer secret"),
                    HasSubstr("application/x-www-form-urlencoded"),
                    HasSubstr("query=up%7Bjob%3D%22a%22%7D&time=1700000000.500&nocache=1")));
}

TEST(QueryClientTest, BadRequestIsInvalidArgumentWithServerErrorText) {
  HttpSink sink(
      400,
      R"({"status":"error","errorType":"bad_data","error":"1:3: parse error: unexpected end of input"})");
  QueryClient client = MustCreate(sink.url());
  EXPECT_THAT(client.InstantVector("1+", 0),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("http 400"), HasSubstr("parse error: unexpected end"))));
}

TEST(QueryClientTest, ServerErrorIsUnavailable) {
  HttpSink sink(503, R"({"status":"error","errorType":"timeout","error":"query timed out"})");
  QueryClient client = MustCreate(sink.url());
  EXPECT_THAT(client.InstantMatrix("up[5m]", 0),
              StatusIs(StatusCode::kUnavailable, HasSubstr("query timed out")));
}

TEST(QueryClientTest, UnparseableAnswerIsDataLoss) {
  HttpSink sink(200, "<html>proxy</html>");
  QueryClient client = MustCreate(sink.url());
  EXPECT_THAT(client.InstantVector("up", 0), StatusIs(StatusCode::kDataLoss, HasSubstr("json")));
}

TEST(QueryClientTest, MatrixQueryGettingVectorIsInvalidArgument) {
  HttpSink sink(200, kVectorBody);
  QueryClient client = MustCreate(sink.url());
  EXPECT_THAT(client.InstantMatrix("up", 0),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("want a matrix")));
}

TEST(QueryClientTest, ConnectionRefusedIsUnavailable) {
  std::string url;
  {
    asio::io_context io;
    tcp::acceptor closed(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    url = "http://127.0.0.1:" + std::to_string(closed.local_endpoint().port());
  }
  QueryClient client = MustCreate(url);
  EXPECT_THAT(client.InstantVector("up", 0), StatusIs(StatusCode::kUnavailable, HasSubstr(url)));
  EXPECT_EQ(client.queries(), 1u);
}

TEST(QueryClientTest, SilentServerTimesOutAsUnavailable) {
  asio::io_context io;
  tcp::acceptor never_accepts(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  QueryClient client =
      MustCreate("http://127.0.0.1:" + std::to_string(never_accepts.local_endpoint().port()), 0.2);
  EXPECT_THAT(client.InstantVector("up", 0),
              StatusIs(StatusCode::kUnavailable, HasSubstr("timed out")));
}

TEST(QueryClientTest, GetJoinsRelativePathAndAcceptsAny2xx) {
  HttpSink sink(204, "");
  QueryClient client = MustCreate(sink.url());
  EXPECT_OK(client.Get("/internal/force_flush"));
  EXPECT_OK(client.Get(sink.url() + "/other"));
  ASSERT_EQ(sink.requests().size(), 2u);
  EXPECT_THAT(sink.requests()[0], HasSubstr("GET /internal/force_flush HTTP/1.1"));
  EXPECT_THAT(sink.requests()[1], HasSubstr("GET /other HTTP/1.1"));
  EXPECT_EQ(client.queries(), 0u);
}

TEST(QueryClientTest, GetNotFoundIsInvalidArgument) {
  HttpSink sink(404, "404 page not found");
  QueryClient client = MustCreate(sink.url());
  EXPECT_THAT(client.Get("flush"), StatusIs(StatusCode::kInvalidArgument,
                                            AllOf(HasSubstr("http 404"), HasSubstr("not found"))));
}

TEST(QueryClientTest, CreateRejectsBadOptions) {
  QueryClientOptions no_scheme;
  no_scheme.base_url = "127.0.0.1:9090";
  EXPECT_THAT(QueryClient::Create(no_scheme),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("127.0.0.1:9090")));
  QueryClientOptions no_timeout;
  no_timeout.base_url = "http://x";
  no_timeout.timeout_seconds = 0;
  EXPECT_THAT(QueryClient::Create(no_timeout),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("timeout")));
}

}  // namespace
}  // namespace obs::scenarios
