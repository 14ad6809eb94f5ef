// Tests of the sender's implementation pieces: URL parsing and retry policy.

#include "retry.h"

#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "url.h"

namespace obs::loadgen::internal {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

TEST(RetryTest, ParsesHttpUrls) {
  ASSERT_OK_AND_ASSIGN(HttpUrl u, ParseHttpUrl("http://127.0.0.1:9090/api/v1/write"));
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, "9090");
  EXPECT_EQ(u.target, "/api/v1/write");
  ASSERT_OK_AND_ASSIGN(HttpUrl v6, ParseHttpUrl("http://[::1]:8428/api/v1/write?x=1"));
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.host_header, "[::1]:8428");
  EXPECT_EQ(v6.target, "/api/v1/write?x=1");
  ASSERT_OK_AND_ASSIGN(HttpUrl bare, ParseHttpUrl("http://localhost"));
  EXPECT_EQ(bare.port, "80");
  EXPECT_EQ(bare.target, "/");
}

TEST(RetryTest, RejectsUnsupportedUrls) {
  EXPECT_THAT(ParseHttpUrl("https://x/"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("only http://")));
  EXPECT_THAT(ParseHttpUrl("http://[::1/"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("ipv6")));
  EXPECT_THAT(ParseHttpUrl("http://h:99999/"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("port")));
  EXPECT_THAT(ParseHttpUrl("http://:80/"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty host")));
}

TEST(RetryTest, RetriesServerErrorsTooManyRequestsAndTransportErrorsOnly) {
  for (int s : {0, 429, 500, 502, 503, 504}) {
    EXPECT_TRUE(IsRetryable(s)) << s;
  }
  for (int s : {200, 204, 400, 401, 404, 413, 415}) {
    EXPECT_FALSE(IsRetryable(s)) << s;
  }
  EXPECT_TRUE(HonoursRetryAfter(429));
  EXPECT_TRUE(HonoursRetryAfter(503));
  EXPECT_FALSE(HonoursRetryAfter(500));
}

TEST(RetryTest, BackoffIsJitteredAndCapped) {
  const RetryOptions options{
      .max_attempts = 8, .min_backoff_seconds = 0.1, .max_backoff_seconds = 1};
  std::mt19937_64 rng(12345);
  double max_seen = 0;
  for (int i = 0; i < 1000; ++i) {
    const double first = BackoffSeconds(options, 1, rng);
    ASSERT_GE(first, 0);
    ASSERT_LE(first, 0.1);
    const double late = BackoffSeconds(options, 20, rng);
    ASSERT_LE(late, 1.0);
    max_seen = std::max(max_seen, late);
  }
  EXPECT_GT(max_seen, 0.9) << "the cap is reached: jitter spans [0, cap]";
}

TEST(RetryTest, ParsesRetryAfterSecondsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfter("2", 0), 2.0);
  EXPECT_EQ(ParseRetryAfter(" 120 ", 0), 120.0);
  // Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 s.
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1'445'412'470'000), 10.0);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", 1'445'412'490'000), 0.0);
  EXPECT_EQ(ParseRetryAfter("soon", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-1", 0), std::nullopt);
}

}  // namespace
}  // namespace obs::loadgen::internal
