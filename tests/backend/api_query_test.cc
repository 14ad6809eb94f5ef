// /api/v1/query and /api/v1/query_range over loopback HTTP: Prometheus 2.42
// result and error shapes, GET and form-encoded POST, time formats, and the
// parameter errors with their exact messages.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/base/clock.h"
#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"

#include "api_test_support.h"

namespace obs::backend {
namespace {

using ::obs::testing::HttpResult;
using ::obs::testing::TestSeries;
using testing::BadData;
using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1700000000000;  // 2023-11-14T22:13:20Z
constexpr std::string_view kFormType = "application/x-www-form-urlencoded";

class ApiQueryTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    StartWith({TestSeries{.labels = {{"__name__", "up"}, {"job", "a"}},
                          .samples = {{1, kT0}, {0, kT0 + 10000}, {1, kT0 + 20000}}}});
  }

  HttpResult PostForm(std::string_view path, std::string_view form) {
    Result<HttpResult> r = backend_.Post(path, form, {{"Content-Type", std::string(kFormType)}});
    OBS_CHECK(r.ok()) << r.status();
    return *r;
  }
};

TEST_F(ApiQueryTest, InstantQueryReturnsPrometheusVector) {
  const HttpResult r = Get("/api/v1/query?query=up&time=1700000001");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.body, R"({"status":"success","data":{"resultType":"vector","result":[)"
                    R"({"metric":{"__name__":"up","job":"a"},"value":[1700000001,"1"]}]}})");
}

TEST_F(ApiQueryTest, PostFormGivesTheSameAnswerAsGet) {
  const HttpResult get = Get("/api/v1/query?query=up&time=1700000015.5");
  const HttpResult post = PostForm("/api/v1/query", "query=up&time=1700000015.5");
  EXPECT_EQ(post.status, 200);
  EXPECT_EQ(post.body, get.body);
  EXPECT_THAT(post.body, HasSubstr(R"("value":[1700000015.500,"0"])"));
}

TEST_F(ApiQueryTest, AcceptsRfc3339Time) {
  const HttpResult r = Get("/api/v1/query?query=up&time=2023-11-14T22:13:21Z");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"("value":[1700000001,"1"])"));
}

TEST_F(ApiQueryTest, ScalarAndStringResults) {
  EXPECT_EQ(Get("/api/v1/query?query=1&time=100").body,
            R"({"status":"success","data":{"resultType":"scalar","result":[100,"1"]}})");
  EXPECT_EQ(Get("/api/v1/query?query=%22a%22&time=100").body,
            R"({"status":"success","data":{"resultType":"string","result":[100,"a"]}})");
}

TEST_F(ApiQueryTest, DefaultTimeIsNow) {
  const std::int64_t now = RealClock().UnixMillisNow();
  Result<HttpResult> w = backend_.Write(
      {TestSeries{.labels = {{"__name__", "recent"}}, .samples = {{42, now - 1000}}}});
  ASSERT_OK(w);
  ASSERT_EQ(w->status, 204);
  EXPECT_THAT(Get("/api/v1/query?query=recent").body, HasSubstr(R"("42"])"));
}

TEST_F(ApiQueryTest, ParseErrorIsBadDataOnTheQueryParameter) {
  const HttpResult r = Get("/api/v1/query?query=1%2B&time=100");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            BadData(R"(invalid parameter \"query\": 1:3: parse error: unexpected end of input)"));
}

TEST_F(ApiQueryTest, BadTimeAndTimeoutParametersAreBadData) {
  HttpResult r = Get("/api/v1/query?query=up&time=abc");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            BadData(R"(invalid parameter \"time\": cannot parse \"abc\" to a valid timestamp)"));
  r = Get("/api/v1/query?query=up&time=100&timeout=soon");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            BadData(R"(invalid parameter \"timeout\": cannot parse \"soon\" to a valid duration)"));
}

TEST_F(ApiQueryTest, MalformedFormEscapeIsBadData) {
  const HttpResult r = PostForm("/api/v1/query", "query=%zz");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, BadData(R"(error parsing form values: invalid URL escape \"%zz\")"));
}

TEST_F(ApiQueryTest, RangeQueryReturnsMatrixByGetAndPost) {
  const std::string params = "query=up&start=1700000000&end=1700000020&step=10s";
  const HttpResult get = Get("/api/v1/query_range?" + params);
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, R"({"status":"success","data":{"resultType":"matrix","result":[)"
                      R"({"metric":{"__name__":"up","job":"a"},"values":[[1700000000,"1"],)"
                      R"([1700000010,"0"],[1700000020,"1"]]}]}})");
  EXPECT_EQ(PostForm("/api/v1/query_range", params).body, get.body);
}

TEST_F(ApiQueryTest, RangeQueryParameterErrorsMatchPrometheus) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"query=up&end=10&step=1",
       R"(invalid parameter \"start\": cannot parse \"\" to a valid timestamp)"},
      {"query=up&start=10&end=x&step=1",
       R"(invalid parameter \"end\": cannot parse \"x\" to a valid timestamp)"},
      {"query=up&start=10&end=5&step=1",
       R"(invalid parameter \"end\": end timestamp must not be before start time)"},
      {"query=up&start=0&end=10&step=fast",
       R"(invalid parameter \"step\": cannot parse \"fast\" to a valid duration)"},
      {"query=up&start=0&end=10&step=0",
       R"(invalid parameter \"step\": zero or negative query resolution step widths are not )"
       R"(accepted. Try a positive integer)"},
      {"query=up&start=0&end=20000&step=1",
       "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
       "resolution (?step=XX)"},
  };
  for (const auto& [params, message] : cases) {
    const HttpResult r = Get("/api/v1/query_range?" + params);
    EXPECT_EQ(r.status, 400) << params;
    EXPECT_EQ(r.body, BadData(message)) << params;
  }
}

TEST_F(ApiQueryTest, QueryRequestsAreCounted) {
  const std::uint64_t before = backend_.server().counters().query_requests;
  Get("/api/v1/query?query=up&time=100");
  Get("/api/v1/query_range?query=up&start=0&end=10&step=1");
  Get("/api/v1/query?query=up&time=abc");
  EXPECT_EQ(backend_.server().counters().query_requests, before + 3);
}

}  // namespace
}  // namespace obs::backend
