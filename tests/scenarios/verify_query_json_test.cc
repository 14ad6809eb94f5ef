// Parsing of Prometheus HTTP API answers (verify/query_json.h) from canned
// bodies in the exact shapes Prometheus 2.42 and VictoriaMetrics 1.79 send.

#include <cmath>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "verify/query_json.h"

namespace obs::scenarios {
namespace {

using ::obs::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(QueryJsonTest, VectorAnswerGivesSortedLabelsValueAndMilliseconds) {
  constexpr char kBody[] =
      R"({"status":"success","data":{"resultType":"vector","result":[)"
      R"({"metric":{"route":"/a","code":"200"},"value":[1700000000.123,"42"]},)"
      R"({"metric":{},"value":[1700000000,"1e-07"]}]}})";
  ASSERT_OK_AND_ASSIGN(auto samples, ParseVectorResponse(kBody));
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_THAT(samples[0].labels, ElementsAre(Pair("code", "200"), Pair("route", "/a")));
  EXPECT_EQ(samples[0].value, 42.0);
  EXPECT_EQ(samples[0].timestamp_ms, 1700000000123);
  EXPECT_THAT(samples[1].labels, IsEmpty());
  EXPECT_EQ(samples[1].value, 1e-07);
}

TEST(QueryJsonTest, EmptyVectorIsOk) {
  ASSERT_OK_AND_ASSIGN(
      auto samples,
      ParseVectorResponse(R"({"status":"success","data":{"resultType":"vector","result":[]}})"));
  EXPECT_THAT(samples, IsEmpty());
}

TEST(QueryJsonTest, MatrixAnswerKeepsEverySampleInOrder) {
  constexpr char kBody[] =
      R"({"status":"success","data":{"resultType":"matrix","result":[)"
      R"({"metric":{"__name__":"up","job":"a"},"values":[[10,"1"],[10.5,"NaN"],[11.001,"+Inf"]]}]}})";
  ASSERT_OK_AND_ASSIGN(auto series, ParseMatrixResponse(kBody));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_THAT(series[0].labels, ElementsAre(Pair("__name__", "up"), Pair("job", "a")));
  ASSERT_EQ(series[0].samples.size(), 3u);
  EXPECT_EQ(series[0].samples[0], std::make_pair(std::int64_t{10000}, 1.0));
  EXPECT_EQ(series[0].samples[1].first, 10500);
  EXPECT_TRUE(std::isnan(series[0].samples[1].second));
  EXPECT_EQ(series[0].samples[2].first, 11001);
  EXPECT_EQ(series[0].samples[2].second, std::numeric_limits<double>::infinity());
}

TEST(QueryJsonTest, ScalarAnswerToVectorQueryIsInvalidArgument) {
  EXPECT_THAT(ParseVectorResponse(
                  R"({"status":"success","data":{"resultType":"scalar","result":[1,"1"]}})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("scalar")));
}

TEST(QueryJsonTest, ErrorEnvelopeIsInvalidArgumentWithServerText) {
  constexpr char kBody[] =
      R"({"status":"error","errorType":"bad_data","error":"1:3: parse error: unexpected end of input"})";
  EXPECT_THAT(ParseVectorResponse(kBody),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unexpected end of input")));
  EXPECT_EQ(ParseErrorText(kBody), "1:3: parse error: unexpected end of input");
}

TEST(QueryJsonTest, MalformedBodiesAreDataLoss) {
  for (
      const char* body : {
          "not json",
          R"({"data":{}})",
          R"({"status":"success"})",
          R"({"status":"success","data":{"resultType":"vector","result":{}}})",
          R"({"status":"success","data":{"resultType":"vector","result":[{"value":[1,"1"]}]}})",
          R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,1]}]}})",
          R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":1},"value":[1,"1"]}]}})",
      }) {
    EXPECT_THAT(ParseVectorResponse(body), StatusIs(StatusCode::kDataLoss, HasSubstr("query")))
        << body;
  }
}

TEST(QueryJsonTest, ErrorTextOfNonEnvelopeIsEmpty) {
  EXPECT_EQ(ParseErrorText("<html>bad gateway</html>"), "");
  EXPECT_EQ(ParseErrorText(R"({"status":"success"})"), "");
}

TEST(QueryJsonTest, SampleValuesParseLocaleFree) {
  EXPECT_THAT(ParseSampleValue("-Inf"),
              ::obs::testing::IsOkAndHolds(-std::numeric_limits<double>::infinity()));
  EXPECT_THAT(ParseSampleValue("0.25"), ::obs::testing::IsOkAndHolds(0.25));
  EXPECT_THAT(ParseSampleValue("1e+21"), ::obs::testing::IsOkAndHolds(1e21));
  EXPECT_THAT(ParseSampleValue("1,5"), StatusIs(StatusCode::kDataLoss, HasSubstr("1,5")));
  EXPECT_THAT(ParseSampleValue(""), StatusIs(StatusCode::kDataLoss, HasSubstr("sample value")));
}

}  // namespace
}  // namespace obs::scenarios
