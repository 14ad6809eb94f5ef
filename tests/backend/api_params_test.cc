// Unit tests of the API layer's pure parsing helpers: time and duration
// parameters, form decoding, remote write header checks and path routing.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "api/params.h"
#include "api/router.h"
#include "api/write_handler.h"
#include "http/url.h"

namespace obs::backend {
namespace {

using ::obs::testing::IsOkAndHolds;
using ::obs::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(ParamsTest, ParsesUnixFloatSecondsRoundingTheFractionToMillis) {
  EXPECT_THAT(ParseTimeMs("1700000000"), IsOkAndHolds(Eq(1700000000000)));
  EXPECT_THAT(ParseTimeMs("1700000000.5"), IsOkAndHolds(Eq(1700000000500)));
  EXPECT_THAT(ParseTimeMs("1.0006"), IsOkAndHolds(Eq(1001)));
  EXPECT_THAT(ParseTimeMs("-1.5"), IsOkAndHolds(Eq(-1500)));
  EXPECT_THAT(ParseTimeMs("+2"), IsOkAndHolds(Eq(2000)));
}

TEST(ParamsTest, ParsesRfc3339WithFractionAndOffset) {
  EXPECT_THAT(ParseTimeMs("2023-11-14T22:13:20Z"), IsOkAndHolds(Eq(1700000000000)));
  EXPECT_THAT(ParseTimeMs("2023-11-14T22:13:20.123456789Z"), IsOkAndHolds(Eq(1700000000123)));
  EXPECT_THAT(ParseTimeMs("2023-11-14T23:13:20.5+01:00"), IsOkAndHolds(Eq(1700000000500)));
  EXPECT_THAT(ParseTimeMs("1970-01-01T00:00:00-00:30"), IsOkAndHolds(Eq(1800000)));
  EXPECT_THAT(ParseTimeMs("2024-02-29T00:00:00Z"), IsOkAndHolds(Eq(1709164800000)));
}

TEST(ParamsTest, RejectsBadTimestampsWithPrometheusMessage) {
  for (const char* bad : {"", "abc", "NaN", "inf", "2023-11-14 22:13:20Z", "2023-02-29T00:00:00Z",
                          "2023-11-14T22:13:20", "2023-11-14T24:00:00Z", "2023-11-14T22:13:20.Z"}) {
    EXPECT_THAT(ParseTimeMs(bad),
                StatusIs(StatusCode::kInvalidArgument,
                         Eq("cannot parse \"" + std::string(bad) + "\" to a valid timestamp")))
        << bad;
  }
}

TEST(ParamsTest, ParsesDurationsAsFloatSecondsOrPrometheusUnits) {
  EXPECT_THAT(ParseDurationMs("15"), IsOkAndHolds(Eq(15000)));
  EXPECT_THAT(ParseDurationMs("0.5"), IsOkAndHolds(Eq(500)));
  EXPECT_THAT(ParseDurationMs("15s"), IsOkAndHolds(Eq(15000)));
  EXPECT_THAT(ParseDurationMs("1h30m"), IsOkAndHolds(Eq(5400000)));
  EXPECT_THAT(ParseDurationMs("1m500ms"), IsOkAndHolds(Eq(60500)));
  EXPECT_THAT(ParseDurationMs("2w1d"), IsOkAndHolds(Eq(15 * 86400000LL)));
  EXPECT_THAT(ParseDurationMs("1y"), IsOkAndHolds(Eq(365 * 86400000LL)));
  EXPECT_THAT(ParseDurationMs("-5"), IsOkAndHolds(Eq(-5000)));
  EXPECT_THAT(ParseDurationMs("0"), IsOkAndHolds(Eq(0)));
}

TEST(ParamsTest, RejectsDurationsOutOfOrderOrMalformed) {
  for (const char* bad : {"", "s", "1x", "30s1m", "1h1h", "1.5s", "-1s", "5 m"}) {
    EXPECT_THAT(ParseDurationMs(bad),
                StatusIs(StatusCode::kInvalidArgument,
                         Eq("cannot parse \"" + std::string(bad) + "\" to a valid duration")))
        << bad;
  }
  EXPECT_THAT(ParseDurationMs("1e300"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("overflows int64")));
}

TEST(FormValuesTest, DecodesRepeatedNamesPlusAndPercentEscapes) {
  http::FormValues form;
  ASSERT_OK(form.AddUrlEncoded("match[]=up&query=sum(rate(x%5B5m%5D))+by+(job)&&match%5B%5D=b&e"));
  EXPECT_THAT(form.GetAll("match[]"), ElementsAre("up", "b"));
  EXPECT_EQ(form.Get("query"), "sum(rate(x[5m])) by (job)");
  EXPECT_TRUE(form.Has("e"));
  EXPECT_EQ(form.Get("e"), "");
  EXPECT_FALSE(form.Has("time"));
}

TEST(FormValuesTest, RejectsMalformedEscape) {
  http::FormValues form;
  EXPECT_THAT(form.AddUrlEncoded("query=%zz"),
              StatusIs(StatusCode::kInvalidArgument, Eq("invalid URL escape \"%zz\"")));
  EXPECT_THAT(form.AddUrlEncoded("query=abc%4"),
              StatusIs(StatusCode::kInvalidArgument, Eq("invalid URL escape \"%4\"")));
}

TEST(RemoteWriteHeadersTest, AcceptsSnappyProtobufWithParameters) {
  EXPECT_THAT(CheckRemoteWriteHeaders("snappy", "application/x-protobuf"), IsEmpty());
  EXPECT_THAT(CheckRemoteWriteHeaders("Snappy", "Application/X-Protobuf; charset=utf-8"),
              IsEmpty());
  EXPECT_THAT(
      CheckRemoteWriteHeaders("snappy", "application/x-protobuf;proto=prometheus.WriteRequest"),
      IsEmpty());
}

TEST(RemoteWriteHeadersTest, NamesTheOffendingHeader) {
  EXPECT_THAT(CheckRemoteWriteHeaders("gzip", "application/x-protobuf"),
              HasSubstr("unsupported Content-Encoding \"gzip\""));
  EXPECT_THAT(CheckRemoteWriteHeaders("", "application/x-protobuf"),
              HasSubstr("missing Content-Encoding"));
  EXPECT_THAT(CheckRemoteWriteHeaders("snappy", "application/json"),
              HasSubstr("unsupported Content-Type \"application/json\""));
  EXPECT_THAT(CheckRemoteWriteHeaders(
                  "snappy", "application/x-protobuf;proto=io.prometheus.write.v2.Request"),
              HasSubstr("io.prometheus.write.v2.Request"));
}

TEST(RouterTest, ClassifiesPaths) {
  EXPECT_EQ(ClassifyPath("/api/v1/write").endpoint, Endpoint::kWrite);
  EXPECT_EQ(ClassifyPath("/api/v1/query_range").endpoint, Endpoint::kQueryRange);
  EXPECT_EQ(ClassifyPath("/-/ready").endpoint, Endpoint::kReady);
  const Route values = ClassifyPath("/api/v1/label/job/values");
  EXPECT_EQ(values.endpoint, Endpoint::kLabelValues);
  EXPECT_EQ(values.label_name, "job");
  EXPECT_EQ(ClassifyPath("/api/v1/label//values").endpoint, Endpoint::kOther);
  EXPECT_EQ(ClassifyPath("/api/v1/label/a/b/values").endpoint, Endpoint::kOther);
  EXPECT_EQ(ClassifyPath("/api/v1/query/").endpoint, Endpoint::kOther);
  EXPECT_EQ(ClassifyPath("").endpoint, Endpoint::kOther);
}

}  // namespace
}  // namespace obs::backend
