// /api/v1/series, /api/v1/labels and /api/v1/label/<name>/values over
// loopback HTTP: Prometheus 2.42 shapes, match[] handling, time ranges and
// errors.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"

#include "api_test_support.h"

namespace obs::backend {
namespace {

using ::obs::testing::HttpResult;
using ::obs::testing::LoopbackBackend;
using ::obs::testing::TestSeries;
using testing::BadData;
using testing::Success;

constexpr std::int64_t kT0 = 1700000000000;

class ApiSeriesTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    StartWith({
        TestSeries{.labels = {{"__name__", "up"}, {"instance", "h1"}, {"job", "b"}},
                   .samples = {{1, kT0}}},
        TestSeries{.labels = {{"__name__", "up"}, {"job", "a"}}, .samples = {{1, kT0 + 60000}}},
        TestSeries{.labels = {{"__name__", "errors_total"}, {"code", "500"}, {"job", "a"}},
                   .samples = {{3, kT0}}},
    });
  }
};

TEST_F(ApiSeriesTest, SeriesRequiresMatch) {
  const HttpResult r = Get("/api/v1/series");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, BadData("no match[] parameter provided"));
}

TEST_F(ApiSeriesTest, SeriesReturnsSortedUnionOfMatchSets) {
  const HttpResult r =
      Get("/api/v1/series?match[]=up&match%5B%5D=%7Bjob%3D%22a%22%7D");  // up, {job="a"}
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, Success(R"([{"__name__":"errors_total","code":"500","job":"a"},)"
                            R"({"__name__":"up","instance":"h1","job":"b"},)"
                            R"({"__name__":"up","job":"a"}])"));
}

TEST_F(ApiSeriesTest, SeriesHonoursTimeRangeByPostForm) {
  Result<HttpResult> r =
      backend_.Post("/api/v1/series", "match[]=up&start=1700000030&end=1700000090",
                    {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, Success(R"([{"__name__":"up","job":"a"}])"));
}

TEST_F(ApiSeriesTest, SeriesRejectsBadOrEmptyMatchingSelectors) {
  HttpResult r = Get("/api/v1/series?match[]=up%7B");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, ::testing::HasSubstr(R"("errorType":"bad_data")"));
  r = Get("/api/v1/series?match[]=%7Bjob%3D~%22.*%22%7D");  // {job=~".*"}
  EXPECT_EQ(r.status, 400);
  // Prometheus's selector parser already refuses it, before the match[] check.
  EXPECT_EQ(r.body, BadData("1:1: parse error: vector selector must contain at least one "
                            "non-empty matcher"));
  r = Get("/api/v1/series?match[]=up&start=yesterday");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      BadData(R"(invalid parameter \"start\": cannot parse \"yesterday\" to a valid timestamp)"));
}

TEST_F(ApiSeriesTest, LabelsListsEveryNameSorted) {
  EXPECT_EQ(Get("/api/v1/labels").body, Success(R"(["__name__","code","instance","job"])"));
  EXPECT_EQ(Get("/api/v1/labels?match[]=up").body, Success(R"(["__name__","instance","job"])"));
}

TEST_F(ApiSeriesTest, LabelValuesListsValuesSorted) {
  EXPECT_EQ(Get("/api/v1/label/job/values").body, Success(R"(["a","b"])"));
  EXPECT_EQ(Get("/api/v1/label/__name__/values").body, Success(R"(["errors_total","up"])"));
  EXPECT_EQ(Get("/api/v1/label/job/values?match[]=errors_total").body, Success(R"(["a"])"));
  EXPECT_EQ(Get("/api/v1/label/missing/values").body, Success("[]"));
}

TEST_F(ApiSeriesTest, LabelValuesRejectsInvalidLabelName) {
  const HttpResult r = Get("/api/v1/label/1bad/values");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, BadData(R"(invalid label name: \"1bad\")"));
}

TEST(ApiSeriesEmptyTest, EmptyStorageGivesEmptyArrays) {
  LoopbackBackend backend;
  ASSERT_OK(backend.Start());
  Result<HttpResult> labels = backend.Get("/api/v1/labels");
  Result<HttpResult> series = backend.Get("/api/v1/series?match[]=up");
  ASSERT_OK(labels);
  ASSERT_OK(series);
  EXPECT_EQ(labels->body, Success("[]"));
  EXPECT_EQ(series->body, Success("[]"));
}

}  // namespace
}  // namespace obs::backend
