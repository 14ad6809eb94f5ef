// Remote write ingest over real HTTP on loopback: acceptance and immediate
// visibility, the 400/413/415 rejections, all-or-nothing requests and
// concurrent writers.

#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"
#include "obs/wire/snappy.h"

namespace obs::backend {
namespace {

using ::obs::testing::HttpResult;
using ::obs::testing::RemoteWriteHeaders;
using ::obs::testing::TestSeries;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::int64_t kT0 = 1700000000000;  // 2023-11-14T22:13:20Z

TestSeries Up(std::string job, std::vector<wire::Sample> samples) {
  return TestSeries{.labels = {{"__name__", "up"}, {"job", std::move(job)}},
                    .samples = std::move(samples)};
}

class IngestWriteTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(backend_.Start()); }

  // POSTs `body` (already compressed) with the remote write headers.
  HttpResult PostRaw(std::string_view body) {
    Result<HttpResult> r = backend_.Post("/api/v1/write", body, RemoteWriteHeaders());
    OBS_CHECK(r.ok()) << r.status();
    return *r;
  }

  HttpResult Write(const std::vector<TestSeries>& series) {
    Result<HttpResult> r = backend_.Write(series);
    OBS_CHECK(r.ok()) << r.status();
    return *r;
  }

  std::string QueryBody(std::string_view query) {
    Result<HttpResult> r = backend_.Query(query, "1700000060");
    OBS_CHECK(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200) << r->body;
    return r->body;
  }

  testing::LoopbackBackend backend_;
};

TEST_F(IngestWriteTest, AcceptedWriteAnswers204AndIsQueryableAtOnce) {
  const HttpResult r = Write({Up("a", {{1, kT0}, {1, kT0 + 10000}, {0, kT0 + 20000}})});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Header("content-length"), "");
  EXPECT_THAT(QueryBody("count_over_time(up[1m])"),
              HasSubstr(R"({"metric":{"job":"a"},"value":[1700000060,"3"]})"));
  EXPECT_EQ(backend_.server().counters().samples_appended, 3u);
}

TEST_F(IngestWriteTest, CorruptSnappyIs400) {
  const HttpResult r = PostRaw("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, StartsWith("snappy: corrupt input"));
}

TEST_F(IngestWriteTest, MalformedProtobufIs400WithDecoderMessage) {
  // Field 1 (timeseries), length 100, but only 2 bytes follow.
  const HttpResult r = PostRaw(wire::SnappyCompress(std::string("\x0a\x64\x0a\x00", 4)));
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, StartsWith("remote write: "));
}

TEST_F(IngestWriteTest, MissingMetricNameIs400) {
  const HttpResult r = Write({TestSeries{.labels = {{"job", "a"}}, .samples = {{1, kT0}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("missing metric name"));
}

TEST_F(IngestWriteTest, DuplicateLabelNameIs400) {
  const HttpResult r = Write({TestSeries{.labels = {{"__name__", "up"}, {"job", "a"}, {"job", "b"}},
                                         .samples = {{1, kT0}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("\"job\" is not unique"));
}

TEST_F(IngestWriteTest, OutOfOrderSampleIs400AndNamesTheSeries) {
  ASSERT_EQ(Write({Up("a", {{1, kT0 + 2000}})}).status, 204);
  const HttpResult r = Write({Up("a", {{1, kT0 + 1000}})});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("out of order sample for series up{job=\"a\"}"));
  EXPECT_EQ(backend_.server().counters().rejected_requests, 1u);
}

TEST_F(IngestWriteTest, GzipEncodingIs415) {
  const std::string body = testing::RemoteWriteBody({Up("a", {{1, kT0}})});
  Result<HttpResult> r =
      backend_.Post("/api/v1/write", body,
                    {{"Content-Encoding", "gzip"}, {"Content-Type", "application/x-protobuf"}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 415);
  EXPECT_THAT(r->body, HasSubstr("Content-Encoding \"gzip\""));
}

TEST_F(IngestWriteTest, JsonContentTypeIs415) {
  const std::string body = testing::RemoteWriteBody({Up("a", {{1, kT0}})});
  Result<HttpResult> r =
      backend_.Post("/api/v1/write", body,
                    {{"Content-Encoding", "snappy"}, {"Content-Type", "application/json"}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 415);
  EXPECT_THAT(r->body, HasSubstr("Content-Type \"application/json\""));
}

TEST_F(IngestWriteTest, RequestWithOneBadSeriesStoresNothing) {
  const HttpResult r = Write({Up("good", {{1, kT0}, {2, kT0 + 1000}}),
                              TestSeries{.labels = {{"job", "nameless"}}, .samples = {{1, kT0}}}});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(QueryBody("count_over_time(up[1m])"), HasSubstr(R"("result":[])"));
  EXPECT_EQ(backend_.server().counters().samples_appended, 0u);
}

TEST_F(IngestWriteTest, ConcurrentWritersFromTwoThreadsAllLand) {
  constexpr int kRequestsPerThread = 40;
  auto writer = [this](const std::string& job) {
    for (int i = 0; i < kRequestsPerThread; ++i) {
      const HttpResult r = Write({Up(job, {{static_cast<double>(i), kT0 + i * 1000}})});
      EXPECT_EQ(r.status, 204) << r.body;
    }
  };
  std::thread a(writer, "a");
  std::thread b(writer, "b");
  a.join();
  b.join();
  const std::string body = QueryBody("count_over_time(up[5m])");
  EXPECT_THAT(body, HasSubstr(R"({"metric":{"job":"a"},"value":[1700000060,"40"]})"));
  EXPECT_THAT(body, HasSubstr(R"({"metric":{"job":"b"},"value":[1700000060,"40"]})"));
  EXPECT_EQ(backend_.server().counters().write_requests, 2u * kRequestsPerThread);
}

TEST(IngestLimitsTest, BodyOverLimitIs413AndServerKeepsServing) {
  testing::LoopbackBackend backend;
  ASSERT_OK(backend.Start({.max_body_bytes = 1024}));
  Result<HttpResult> r =
      backend.Post("/api/v1/write", std::string(8192, 'x'), RemoteWriteHeaders());
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_THAT(r->body, HasSubstr("request body too large"));
  EXPECT_EQ(backend.server().counters().rejected_requests, 1u);
  Result<HttpResult> ok = backend.Write({Up("a", {{1, kT0}})});
  ASSERT_OK(ok);
  EXPECT_EQ(ok->status, 204);
}

TEST(IngestLimitsTest, DecompressedSizeOverLimitIs413) {
  testing::LoopbackBackend backend;
  ASSERT_OK(backend.Start({.max_decompressed_bytes = 64}));
  std::vector<TestSeries> series;
  for (int i = 0; i < 10; ++i) {
    series.push_back(Up("job" + std::to_string(i), {{1, kT0}}));
  }
  Result<HttpResult> r = backend.Write(series);
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_THAT(r->body, HasSubstr("exceeds limit 64"));
}

}  // namespace
}  // namespace obs::backend
