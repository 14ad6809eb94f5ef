#include <bit>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"

#include "remote_write_oracle.h"

namespace obs::wire {
namespace {

using ::obs::testing::StatusIs;
using oracle::Canonical;
using oracle::Fixed64;
using oracle::FromProto;
using oracle::FromView;
using oracle::Len;
using oracle::RequestData;
using oracle::Tag;
using oracle::Varint;
using ::testing::HasSubstr;

constexpr auto kInvalid = StatusCode::kInvalidArgument;

std::string OneSeries() {
  return Len(1, Len(1, Len(1, "__name__") + Len(2, "up")) +
                    Len(2, Fixed64(1, std::bit_cast<std::uint64_t>(1.0)) + Tag(2, 0) + Varint(5)));
}

TEST(DecodeWriteRequestErrorsTest, EveryTruncationOfOneSeriesFails) {
  const std::string bytes = OneSeries();
  for (std::size_t n = 1; n < bytes.size(); ++n) {
    EXPECT_THAT(DecodeWriteRequest(bytes.substr(0, n)),
                StatusIs(kInvalid, HasSubstr("remote write: ")))
        << "prefix of " << n << " bytes";
  }
}

TEST(DecodeWriteRequestErrorsTest, EveryTruncationAgreesWithProtobuf) {
  // Prefixes ending between two series are valid requests; all others fail.
  prometheus::WriteRequest proto = oracle::ToProto({
      {.labels = {{"__name__", "a"}, {"k", "v"}}, .samples = {{1, 1}, {StaleNaN(), 2}}},
      {.labels = {{"__name__", std::string(300, 'b')}}, .samples = {{-2, -2}}},
  });
  proto.mutable_timeseries(0)->add_exemplars()->set_value(3);
  proto.mutable_timeseries(1)->add_histograms()->add_positive_deltas(-4);
  proto.add_metadata()->set_help("help");
  const std::string bytes = proto.SerializeAsString();
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    const std::string prefix = bytes.substr(0, n);
    prometheus::WriteRequest parsed;
    const bool protobuf_ok = parsed.ParseFromString(prefix);
    const Result<WriteRequestView> view = DecodeWriteRequest(prefix);
    ASSERT_EQ(view.ok(), protobuf_ok) << "prefix of " << n << " bytes: " << view.status();
    if (protobuf_ok) {
      EXPECT_EQ(Canonical(FromView(*view)), Canonical(FromProto(parsed)));
    }
  }
}

TEST(DecodeWriteRequestErrorsTest, TruncatedVarintNamesItsOffset) {
  EXPECT_THAT(DecodeWriteRequest("\x0a\x80"),
              StatusIs(kInvalid, HasSubstr("truncated varint at byte 1")));
}

TEST(DecodeWriteRequestErrorsTest, OverlongVarintFails) {
  // Eleven bytes, and ten bytes whose last one carries bits past bit 63.
  const std::string eleven = std::string(10, '\x80') + '\x01';
  const std::string overflow = std::string(9, '\xff') + '\x02';
  for (const std::string& varint : {eleven, overflow}) {
    EXPECT_THAT(DecodeWriteRequest(Len(1, Len(2, Tag(2, 0) + varint))),
                StatusIs(kInvalid, HasSubstr("varint overflows 64 bits at byte 5")));
  }
}

TEST(DecodeWriteRequestErrorsTest, LengthPastTheEndFails) {
  EXPECT_THAT(DecodeWriteRequest("\x0a\x05\x0a\x00"),
              StatusIs(kInvalid, HasSubstr("length 5 at byte 1 runs past the end")));
  const std::string huge = Tag(1, 2) + Varint(0xFFFFFFFFFFFFFFFFULL) + "xyz";
  EXPECT_THAT(DecodeWriteRequest(huge), StatusIs(kInvalid, HasSubstr("runs past the end")));
}

TEST(DecodeWriteRequestErrorsTest, InnerLengthCannotReachPastItsParent) {
  // The series claims 2 bytes; its label claims 10 that exist only in the
  // bytes after the series. Reading them would cross the series' boundary.
  const std::string bytes = Tag(1, 2) + Varint(2) + Tag(1, 2) + Varint(10) + std::string(10, 'x');
  EXPECT_THAT(DecodeWriteRequest(bytes),
              StatusIs(kInvalid, HasSubstr("length 10 at byte 3 runs past the end of its message "
                                           "at byte 4")));
}

TEST(DecodeWriteRequestErrorsTest, KnownFieldWithWrongWireTypeFails) {
  struct Case {
    std::string bytes;
    std::string message;
  };
  const Case cases[] = {
      {Tag(1, 0) + Varint(1), "timeseries (field 1) has wire type 0, want 2 at byte 0"},
      {Tag(3, 5) + "abcd", "metadata (field 3) has wire type 5, want 2"},
      {Len(1, Tag(1, 0) + Varint(1)), "label (field 1) has wire type 0"},
      {Len(1, Tag(2, 1) + "12345678"), "sample (field 2) has wire type 1"},
      {Len(1, Tag(4, 0) + Varint(1)), "histogram (field 4)"},
      {Len(1, Len(1, Tag(1, 0) + Varint(1))), "label name (field 1) has wire type 0"},
      {Len(1, Len(2, Tag(1, 0) + Varint(1))), "sample value (field 1) has wire type 0, want 1"},
      {Len(1, Len(2, Fixed64(2, 1))), "sample timestamp (field 2) has wire type 1, want 0"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(DecodeWriteRequest(c.bytes), StatusIs(kInvalid, HasSubstr(c.message)));
  }
}

TEST(DecodeWriteRequestErrorsTest, InvalidTagsFail) {
  EXPECT_THAT(DecodeWriteRequest(Tag(9, 6)),
              StatusIs(kInvalid, HasSubstr("invalid wire type 6 at byte 0")));
  EXPECT_THAT(DecodeWriteRequest(Len(1, Tag(9, 7))),
              StatusIs(kInvalid, HasSubstr("invalid wire type 7")));
  EXPECT_THAT(DecodeWriteRequest(Tag(0, 0) + Varint(1)),
              StatusIs(kInvalid, HasSubstr("invalid field number at byte 0")));
  EXPECT_THAT(DecodeWriteRequest(Varint(std::uint64_t{1} << 35)),
              StatusIs(kInvalid, HasSubstr("invalid field number")));
}

TEST(DecodeWriteRequestErrorsTest, TruncatedFixedWidthFieldsFail) {
  EXPECT_THAT(DecodeWriteRequest(Len(1, Len(2, Tag(1, 1) + "1234"))),
              StatusIs(kInvalid, HasSubstr("truncated sample value at byte 5")));
  EXPECT_THAT(DecodeWriteRequest(Tag(9, 1) + "1234"),
              StatusIs(kInvalid, HasSubstr("truncated fixed64")));
  EXPECT_THAT(DecodeWriteRequest(Tag(9, 5) + "12"),
              StatusIs(kInvalid, HasSubstr("truncated fixed32")));
}

TEST(DecodeWriteRequestErrorsTest, MalformedGroupsFail) {
  EXPECT_THAT(DecodeWriteRequest(Tag(9, 4)),
              StatusIs(kInvalid, HasSubstr("unexpected end-group tag")));
  EXPECT_THAT(
      DecodeWriteRequest(Tag(9, 3) + Tag(8, 4)),
      StatusIs(kInvalid, HasSubstr("end-group tag at byte 1 does not match the group at byte 0")));
  EXPECT_THAT(DecodeWriteRequest(Tag(9, 3) + Tag(1, 0) + Varint(1)),
              StatusIs(kInvalid, HasSubstr("group at byte 0 is not closed")));
  std::string deep;
  for (int i = 0; i < 70; ++i) {
    deep = Tag(9, 3) + deep + Tag(9, 4);
  }
  EXPECT_THAT(DecodeWriteRequest(deep),
              StatusIs(kInvalid, HasSubstr("groups nested deeper than 64")));
}

TEST(DecodeWriteRequestErrorsTest, GroupsWithinLimitAreSkipped) {
  std::string nested;
  for (int i = 0; i < 30; ++i) {
    nested = Tag(9, 3) + nested + Tag(9, 4);
  }
  ASSERT_OK_AND_ASSIGN(const WriteRequestView view, DecodeWriteRequest(nested + OneSeries()));
  EXPECT_EQ(view.timeseries.size(), 1U);
}

TEST(DecodeWriteRequestErrorsTest, InvalidUtf8InLabelNamesTheLabel) {
  const std::string good = Len(1, Len(1, "__name__") + Len(2, "ok"));
  for (const std::string bad :
       {"\xff", "a\xc0\x80", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80"}) {
    const std::string series = good + good + Len(1, Len(1, "n") + Len(2, bad));
    EXPECT_THAT(
        DecodeWriteRequest(OneSeries() + Len(1, series)),
        StatusIs(kInvalid, HasSubstr("remote write: label 2 of series 1 is not valid UTF-8")));
    prometheus::WriteRequest parsed;
    EXPECT_FALSE(parsed.ParseFromString(OneSeries() + Len(1, series)));
  }
}

TEST(DecodeWriteRequestErrorsTest, MalformedSkippedMessagesFail) {
  EXPECT_THAT(DecodeWriteRequest(Len(3, Tag(1, 0))),
              StatusIs(kInvalid, HasSubstr("truncated varint")));
  EXPECT_THAT(DecodeWriteRequest(Len(1, Len(3, Tag(1, 7)))),
              StatusIs(kInvalid, HasSubstr("wire type 7")));
  EXPECT_THAT(DecodeWriteRequest(Len(1, Len(4, Len(9, "x").substr(0, 2)))),
              StatusIs(kInvalid, HasSubstr("runs past the end")));
}

// Random byte changes to valid requests. Must never crash; anything we accept,
// protobuf accepts with the same content, unless the change created a skipped
// message (whose insides we check only for framing). We are stricter than
// protobuf elsewhere (wire types of known fields), so not vice versa.
TEST(DecodeWriteRequestErrorsTest, RandomCorruptionsNeverCrashAndAgreeWithProtobuf) {
  const std::uint64_t seed = oracle::TestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed) + " (set OBS_TEST_SEED to reproduce)");
  std::mt19937_64 rng(seed);
  int rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = oracle::ToProto(oracle::RandomRequest(rng)).SerializeAsString();
    if (bytes.empty()) {
      continue;
    }
    for (std::uint64_t k = rng() % 3 + 1; k > 0; --k) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    const Result<WriteRequestView> view = DecodeWriteRequest(bytes);
    if (!view.ok()) {
      ++rejected;
      ASSERT_THAT(view, StatusIs(kInvalid, HasSubstr("remote write: ")));
      continue;
    }
    prometheus::WriteRequest parsed;
    if (!parsed.ParseFromString(bytes)) {
      ASSERT_GT(view->exemplar_count + view->histogram_count + view->metadata_count, 0U)
          << "case " << i;
      continue;
    }
    ASSERT_EQ(Canonical(FromView(*view)), Canonical(FromProto(parsed))) << "case " << i;
  }
  EXPECT_GT(rejected, 100);  // The corruption does reach the error paths.
}

}  // namespace
}  // namespace obs::wire
