#include <bit>
#include <limits>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"

#include "remote_write_oracle.h"

namespace obs::wire {
namespace {

using oracle::Canonical;
using oracle::Fixed64;
using oracle::FromProto;
using oracle::FromView;
using oracle::Len;
using oracle::RequestData;
using oracle::Tag;
using oracle::ToProto;
using oracle::Varint;

const RequestData kRequest = {
    {.labels = {{"__name__", "up"}, {"instance", "127.0.0.1:9100"}, {"job", "node"}},
     .samples = {{1.0, 1700000000000}, {StaleNaN(), 1700000015000}}},
    {.labels = {{"__name__", "temp_celsius"}, {"room", "küche"}}, .samples = {{-3.5, -20}}},
};

// Decodes `bytes` and checks it gives what the protobuf runtime parses.
void ExpectDecodesLikeProtobuf(const std::string& bytes) {
  prometheus::WriteRequest proto;
  ASSERT_TRUE(proto.ParseFromString(bytes));
  ASSERT_OK_AND_ASSIGN(const WriteRequestView view, DecodeWriteRequest(bytes));
  EXPECT_EQ(Canonical(FromView(view)), Canonical(FromProto(proto)));
}

TEST(DecodeWriteRequestTest, EmptyInputIsAnEmptyRequest) {
  ASSERT_OK_AND_ASSIGN(const WriteRequestView view, DecodeWriteRequest(""));
  EXPECT_TRUE(view.timeseries.empty());
  EXPECT_EQ(view.sample_count, 0U);
}

TEST(DecodeWriteRequestTest, DecodesProtobufSerialization) {
  const std::string bytes = ToProto(kRequest).SerializeAsString();
  ASSERT_OK_AND_ASSIGN(const WriteRequestView view, DecodeWriteRequest(bytes));
  EXPECT_EQ(Canonical(FromView(view)), Canonical(kRequest));
  EXPECT_EQ(view.sample_count, 3U);
  EXPECT_TRUE(IsStaleNaN(view.timeseries[0].samples[1].value));
}

TEST(DecodeWriteRequestTest, LabelViewsPointIntoTheInput) {
  const std::string bytes = ToProto(kRequest).SerializeAsString();
  ASSERT_OK_AND_ASSIGN(const WriteRequestView view, DecodeWriteRequest(bytes));
  const std::string_view name = view.timeseries[1].labels[1].value;
  EXPECT_GE(name.data(), bytes.data());
  EXPECT_LE(name.data() + name.size(), bytes.data() + bytes.size());
}

TEST(DecodeWriteRequestTest, SkipsAndCountsMetadataExemplarsAndHistograms) {
  prometheus::WriteRequest proto = ToProto(kRequest);
  prometheus::MetricMetadata* meta = proto.add_metadata();
  meta->set_type(prometheus::MetricMetadata::COUNTER);
  meta->set_metric_family_name("up");
  meta->set_help("1 if the target is up");
  prometheus::TimeSeries* ts = proto.mutable_timeseries(1);
  prometheus::Exemplar* ex = ts->add_exemplars();
  ex->add_labels()->set_name("trace_id");
  ex->set_value(2.5);
  prometheus::Histogram* h = ts->add_histograms();
  h->set_count_int(7);
  h->set_schema(-2);
  h->add_positive_spans()->set_offset(-3);
  for (std::int64_t d : {1, -1, 5}) {
    h->add_positive_deltas(d);  // Packed sint64.
  }
  h->add_negative_counts(0.5);  // Packed double.
  ts->add_histograms()->set_count_float(1.5);
  const std::string bytes = proto.SerializeAsString();
  ExpectDecodesLikeProtobuf(bytes);
  ASSERT_OK_AND_ASSIGN(const WriteRequestView view, DecodeWriteRequest(bytes));
  EXPECT_EQ(view.metadata_count, 1U);
  EXPECT_EQ(view.exemplar_count, 1U);
  EXPECT_EQ(view.histogram_count, 2U);
}

TEST(DecodeWriteRequestTest, UnpackedRepeatedScalarsInHistogramsAreAccepted) {
  // Parsers must accept repeated scalars both packed and unpacked.
  const std::string histogram = Tag(12, 0) + Varint(2) + Tag(12, 0) + Varint(3) +
                                Fixed64(13, std::bit_cast<std::uint64_t>(1.5));
  const std::string bytes = Len(1, Len(1, Len(1, "__name__") + Len(2, "h")) + Len(4, histogram));
  ExpectDecodesLikeProtobuf(bytes);
  ASSERT_OK_AND_ASSIGN(const WriteRequestView view, DecodeWriteRequest(bytes));
  EXPECT_EQ(view.histogram_count, 1U);
}

// Adds one unknown field of every wire type, including a nested group.
void AddUnknownFields(google::protobuf::Message& message) {
  google::protobuf::UnknownFieldSet* unknown =
      message.GetReflection()->MutableUnknownFields(&message);
  unknown->AddVarint(100, 0xFFFFFFFFFFFFFFFFULL);
  unknown->AddFixed32(101, 7);
  unknown->AddFixed64(102, 8);
  unknown->AddLengthDelimited(103, "opaque \x01\x02 bytes");
  google::protobuf::UnknownFieldSet* group = unknown->AddGroup(104);
  group->AddVarint(1, 1);
  group->AddGroup(2)->AddLengthDelimited(3, "nested");
}

TEST(DecodeWriteRequestTest, SkipsUnknownFieldsOfEveryWireTypeAtEveryLevel) {
  prometheus::WriteRequest proto = ToProto(kRequest);
  AddUnknownFields(proto);
  AddUnknownFields(*proto.mutable_timeseries(0));
  AddUnknownFields(*proto.mutable_timeseries(0)->mutable_labels(1));
  AddUnknownFields(*proto.mutable_timeseries(1)->mutable_samples(0));
  const std::string bytes = proto.SerializeAsString();
  ASSERT_NE(bytes, ToProto(kRequest).SerializeAsString());
  ExpectDecodesLikeProtobuf(bytes);
}

TEST(DecodeWriteRequestTest, ReservedFieldTwoIsSkipped) {
  ExpectDecodesLikeProtobuf(Len(2, "old") + ToProto(kRequest).SerializeAsString());
}

TEST(DecodeWriteRequestTest, FieldsInAnyOrderDecode) {
  // Value after name, timestamp before value, samples before labels.
  const std::string sample = Tag(2, 0) + Varint(99) + Fixed64(1, std::bit_cast<std::uint64_t>(4.0));
  const std::string label = Len(2, "v") + Len(1, "n");
  const std::string bytes = Len(1, Len(2, sample) + Len(1, label));
  ExpectDecodesLikeProtobuf(bytes);
  ASSERT_OK_AND_ASSIGN(const WriteRequestView view, DecodeWriteRequest(bytes));
  EXPECT_EQ(Canonical(FromView(view)),
            Canonical({{.labels = {{"n", "v"}}, .samples = {{4.0, 99}}}}));
}

TEST(DecodeWriteRequestTest, RepeatedScalarFieldLastOneWins) {
  const std::string sample = Fixed64(1, std::bit_cast<std::uint64_t>(1.0)) + Tag(2, 0) + Varint(1) +
                             Fixed64(1, std::bit_cast<std::uint64_t>(2.0)) + Tag(2, 0) + Varint(2);
  const std::string label = Len(1, "first") + Len(1, "second") + Len(2, "x");
  ExpectDecodesLikeProtobuf(Len(1, Len(1, label) + Len(2, sample)));
}

TEST(DecodeWriteRequestTest, ExtremeTimestampsAndNonCanonicalVarintsDecode) {
  // A timestamp of -1 is a ten-byte varint; 1 written as "81 80 80 00" is a
  // valid, if overlong, encoding that parsers must accept.
  const std::string samples =
      Len(2, Tag(2, 0) + Varint(std::numeric_limits<std::uint64_t>::max())) +
      Len(2, Tag(2, 0) + std::string("\x81\x80\x80\x00", 4));
  const std::string bytes = Len(1, samples);
  ExpectDecodesLikeProtobuf(bytes);
  ASSERT_OK_AND_ASSIGN(const WriteRequestView view, DecodeWriteRequest(bytes));
  EXPECT_EQ(view.timeseries[0].samples[0].timestamp_ms, -1);
  EXPECT_EQ(view.timeseries[0].samples[1].timestamp_ms, 1);
}

TEST(DecodeWriteRequestTest, RandomProtobufSerializationsDecodeIdentically) {
  const std::uint64_t seed = oracle::TestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed) + " (set OBS_TEST_SEED to reproduce)");
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 300; ++i) {
    const RequestData request = oracle::RandomRequest(rng);
    const std::string bytes = ToProto(request).SerializeAsString();
    Result<WriteRequestView> view = DecodeWriteRequest(bytes);
    ASSERT_OK(view) << "request " << i;
    ASSERT_EQ(Canonical(FromView(*view)), Canonical(request)) << "request " << i;
  }
}

TEST(DecodeWriteRequestTest, DecodesWhatTheEncoderWrites) {
  WriteRequestEncoder encoder;
  const std::string bytes = oracle::Encode(kRequest, encoder);
  ASSERT_OK_AND_ASSIGN(const WriteRequestView view, DecodeWriteRequest(bytes));
  EXPECT_EQ(Canonical(FromView(view)), Canonical(kRequest));
}

}  // namespace
}  // namespace obs::wire
