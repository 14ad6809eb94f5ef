// The compatibility endpoints Grafana and other Prometheus clients probe:
// /api/v1/status/buildinfo, /api/v1/metadata and /api/v1/query_exemplars,
// in Prometheus 2.42's shapes, plus their method checks.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"

#include "api_test_support.h"
#include <nlohmann/json.hpp>

namespace obs::backend {
namespace {

using ::obs::testing::HttpResult;
using ::obs::testing::TestSeries;
using testing::Success;

class ApiStatusTest : public testing::ApiTest {
 protected:
  void SetUp() override {
    StartWith({TestSeries{.labels = {{"__name__", "up"}, {"job", "a"}}, .samples = {{1, 1000}}}});
  }
};

TEST_F(ApiStatusTest, BuildInfoNamesThePrometheusApiLevelAndObsbench) {
  const HttpResult r = Get("/api/v1/status/buildinfo");
  ASSERT_EQ(r.status, 200);
  const nlohmann::json body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["status"], "success");
  EXPECT_EQ(body["data"]["version"], "2.42.0");
  EXPECT_EQ(body["data"]["revision"], std::string("obsbench-") + OBS_VERSION);
  for (const char* key : {"branch", "buildUser", "buildDate", "goVersion"}) {
    EXPECT_TRUE(body["data"].contains(key)) << key;
  }
}

TEST_F(ApiStatusTest, MetadataIsEmptyObject) {
  const HttpResult r = Get("/api/v1/metadata");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, Success("{}"));
}

TEST_F(ApiStatusTest, QueryExemplarsAnswersEmptyListForAValidQuery) {
  const HttpResult r = Get("/api/v1/query_exemplars?query=up&start=0&end=10");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, Success("[]"));
  Result<HttpResult> post = backend_.Post("/api/v1/query_exemplars", "query=up",
                                          {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_OK(post);
  EXPECT_EQ(post->status, 200);
}

TEST_F(ApiStatusTest, QueryExemplarsRejectsBadQueryAndTimes) {
  HttpResult r = Get("/api/v1/query_exemplars?query=sum(");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, ::testing::HasSubstr(R"("errorType":"bad_data")"));
  EXPECT_THAT(r.body, ::testing::HasSubstr("parse error"));
  r = Get("/api/v1/query_exemplars?query=up&start=20&end=10");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, ::testing::HasSubstr("end timestamp must not be before start"));
  r = Get("/api/v1/query_exemplars?query=up&start=yesterday");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, ::testing::HasSubstr(R"(invalid parameter \"start\")"));
}

TEST_F(ApiStatusTest, StatusEndpointsAreGetOnly) {
  Result<HttpResult> r = backend_.Post("/api/v1/status/buildinfo", "", {});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->Header("allow"), "GET");
}

}  // namespace
}  // namespace obs::backend
