// Loki push codecs: protobuf against the generated oracle, JSON in the
// documented shape, label-set text, and errors that name the place.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/wire/loki.h"
#include "obs/wire/snappy.h"

#include "wire/proto/otlp_loki.pb.h"

namespace obs::wire::loki {
namespace {

using ::testing::HasSubstr;

PushRequest Sample() {
  PushRequest r;
  Stream& s = r.streams.emplace_back();
  s.labels = {{"app", "checkout"}, {"level", "error"}, {"quote", "a\"b\\c\nd"}};
  s.entries.push_back({1700000000123456789, "first line", {}});
  s.entries.push_back({1700000001000000000,
                       "caf\xc3\xa9 {\"k\":1}\n\tat x",
                       {{"trace_id", "5b8efff798038103d269b633813fc60c"}, {"user", "u1"}}});
  Stream& empty = r.streams.emplace_back();
  empty.labels = {{"job", "x"}};
  return r;
}

TEST(LokiCodecTest, ProtobufMatchesTheOracleAndRoundTrips) {
  const PushRequest r = Sample();
  std::string bytes;
  EncodePushProto(r, bytes);
  obs::otlp_oracle::LokiPushRequest oracle;
  ASSERT_TRUE(oracle.ParseFromString(bytes));
  EXPECT_EQ(oracle.streams(0).labels(),
            "{app=\"checkout\", level=\"error\", quote=\"a\\\"b\\\\c\\nd\"}");
  EXPECT_EQ(oracle.streams(0).entries(0).timestamp().seconds(), 1700000000);
  EXPECT_EQ(oracle.streams(0).entries(0).timestamp().nanos(), 123456789);
  EXPECT_EQ(oracle.streams(0).entries(1).structured_metadata(1).value(), "u1");
  auto back = DecodePushProto(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, r);
  // Snappy is the transport's business; the codec round-trips through it.
  auto unsnapped = SnappyUncompress(SnappyCompress(bytes), 1 << 20);
  ASSERT_TRUE(unsnapped.ok());
  EXPECT_EQ(*unsnapped, bytes);
}

TEST(LokiCodecTest, JsonHasTheDocumentedShapeAndRoundTrips) {
  PushRequest r;
  Stream& s = r.streams.emplace_back();
  s.labels = {{"app", "a"}};
  s.entries.push_back({5, "x", {}});
  s.entries.push_back({6, "y", {{"m", "v"}}});
  std::string json;
  EncodePushJson(r, json);
  EXPECT_EQ(json,
            R"({"streams":[{"stream":{"app":"a"},"values":[["5","x"],["6","y",{"m":"v"}]]}]})");
  auto back = DecodePushJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, r);

  const PushRequest sample = Sample();
  std::string sample_json;
  EncodePushJson(sample, sample_json);
  auto sample_back = DecodePushJson(sample_json);
  ASSERT_TRUE(sample_back.ok()) << sample_back.status();
  EXPECT_EQ(*sample_back, sample);  // Labels were given sorted, as JSON objects read back.
}

TEST(LokiCodecTest, JsonErrorsNameThePlace) {
  EXPECT_THAT(
      DecodePushJson(R"({"streams":[{"stream":{"a":"b"},"values":[[5,"x"]]}]})").status().message(),
      HasSubstr("streams[0].values[0][0]: timestamp must be a string of Unix nanoseconds"));
  EXPECT_THAT(
      DecodePushJson(R"({"streams":[{"stream":{"a":"b"},"values":[["5"]]}]})").status().message(),
      HasSubstr("streams[0].values[0]: must be"));
  EXPECT_THAT(DecodePushJson(R"({"streams":[{"values":[]}]})").status().message(),
              HasSubstr("streams[0].stream: must be an object of labels"));
  EXPECT_THAT(DecodePushJson("{").status().message(), HasSubstr("invalid JSON"));
  EXPECT_THAT(DecodePushJson("[1e999]").status().message(), HasSubstr("invalid JSON"));
  EXPECT_TRUE(DecodePushJson(R"({"streams":[]})").ok());
}

TEST(LokiCodecTest, LabelText) {
  auto labels = ParseLabelsText(" { a = \"1\" , b_2=\"x\\\"y\\\\z\\n\", } ");
  ASSERT_TRUE(labels.ok()) << labels.status();
  ASSERT_EQ(labels->size(), 2U);
  EXPECT_EQ((*labels)[1].value, "x\"y\\z\n");
  EXPECT_TRUE(ParseLabelsText("{}").ok());
  EXPECT_THAT(ParseLabelsText("{a=1}").status().message(), HasSubstr("expected a quoted value"));
  EXPECT_THAT(ParseLabelsText("{a=\"1\"").status().message(), HasSubstr("expected ',' or '}'"));
  EXPECT_THAT(ParseLabelsText("{1a=\"x\"}").status().message(),
              HasSubstr("expected a label name at offset 1"));
  EXPECT_THAT(ParseLabelsText("{a=\"x\"} tail").status().message(), HasSubstr("trailing"));

  obs::otlp_oracle::LokiPushRequest oracle;
  oracle.add_streams()->set_labels("{a=");
  auto bad = DecodePushProto(oracle.SerializeAsString());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("streams[0].labels: label set:"));
}

}  // namespace
}  // namespace obs::wire::loki
