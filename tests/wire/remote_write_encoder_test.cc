#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/wire/remote_write.h"

#include "remote_write_oracle.h"

namespace obs::wire {
namespace {

using oracle::Canonical;
using oracle::Encode;
using oracle::FromProto;
using oracle::RequestData;
using oracle::ToProto;

// Encodes `request`, parses it with the protobuf runtime and checks both the
// content and that the bytes equal the runtime's own serialization.
void ExpectMatchesOracle(const RequestData& request) {
  WriteRequestEncoder encoder;
  const std::string bytes = Encode(request, encoder);
  prometheus::WriteRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  EXPECT_EQ(Canonical(FromProto(parsed)), Canonical(request));
  EXPECT_EQ(bytes, ToProto(request).SerializeAsString());
}

TEST(WriteRequestEncoderTest, EmptyRequestEncodesToNoBytes) {
  WriteRequestEncoder encoder;
  encoder.Reset();
  EXPECT_EQ(encoder.Finish(), "");
  EXPECT_EQ(encoder.series(), 0U);
  EXPECT_EQ(encoder.samples(), 0U);
}

TEST(WriteRequestEncoderTest, ScrapeLikeRequestMatchesProtobufBytes) {
  ExpectMatchesOracle({
      {.labels = {{"__name__", "up"}, {"instance", "127.0.0.1:9100"}, {"job", "node"}},
       .samples = {{1.0, 1700000000000}}},
      {.labels = {{"__name__", "http_requests_total"}, {"code", "200"}},
       .samples = {{42.5, 1700000000000}, {43.5, 1700000015000}}},
  });
}

TEST(WriteRequestEncoderTest, DefaultValuedFieldsAreOmittedLikeProtobuf) {
  // Zero value, zero timestamp, empty label name and value, empty series:
  // proto3 writes none of them; -0.0 has non-zero bits and is written.
  ExpectMatchesOracle({
      {.labels = {{"", ""}, {"a", ""}, {"", "b"}}, .samples = {{0.0, 0}, {-0.0, 0}, {0.0, 5}}},
      {},
  });
}

TEST(WriteRequestEncoderTest, SeriesLengthPrefixOfEverySizeMatchesProtobuf) {
  // Series bodies under 128 bytes (1-byte prefix), typical (2 bytes) and over
  // 16 KiB (3 bytes) exercise every branch of the in-place length fix-up.
  for (std::size_t value_size : {1U, 100U, 200U, 16000U, 20000U, 3000000U}) {
    SCOPED_TRACE(value_size);
    ExpectMatchesOracle({
        {.labels = {{"__name__", "m"}, {"big", std::string(value_size, 'v')}}, .samples = {{1, 2}}},
        {.labels = {{"__name__", "after"}}, .samples = {{3, 4}}},
    });
  }
}

TEST(WriteRequestEncoderTest, SpecialValuesAndExtremeTimestampsArePreservedBitForBit) {
  const double nan_with_payload = std::bit_cast<double>(0x7ff8000000012345ULL);
  const RequestData request = {
      {.labels = {{"__name__", "special"}},
       .samples = {{StaleNaN(), std::numeric_limits<std::int64_t>::min()},
                   {nan_with_payload, -1},
                   {std::numeric_limits<double>::infinity(),
                    std::numeric_limits<std::int64_t>::max()},
                   {-std::numeric_limits<double>::infinity(), 1},
                   {std::numeric_limits<double>::denorm_min(), 0}}},
  };
  ExpectMatchesOracle(request);
  WriteRequestEncoder encoder;
  prometheus::WriteRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(Encode(request, encoder)));
  EXPECT_TRUE(IsStaleNaN(parsed.timeseries(0).samples(0).value()));
  EXPECT_FALSE(IsStaleNaN(parsed.timeseries(0).samples(1).value()));
}

TEST(WriteRequestEncoderTest, CountsSeriesAndSamplesUntilReset) {
  WriteRequestEncoder encoder;
  const std::string first = Encode({{.labels = {{"a", "1"}}, .samples = {{1, 1}, {2, 2}}},
                                    {.labels = {{"a", "2"}}, .samples = {{3, 3}}}},
                                   encoder);
  EXPECT_EQ(encoder.series(), 2U);
  EXPECT_EQ(encoder.samples(), 3U);
  encoder.Reset();
  EXPECT_EQ(encoder.series(), 0U);
  EXPECT_EQ(encoder.samples(), 0U);
  EXPECT_FALSE(first.empty());
}

TEST(WriteRequestEncoderTest, ReusedEncoderGivesSameBytesAsFreshOne) {
  const RequestData big = {{.labels = {{"x", std::string(50000, 'x')}}, .samples = {{1, 1}}}};
  const RequestData small = {{.labels = {{"__name__", "small"}}, .samples = {{2, 2}}}};
  WriteRequestEncoder reused;
  WriteRequestEncoder fresh;
  Encode(big, reused);
  EXPECT_EQ(Encode(small, reused), Encode(small, fresh));
}

TEST(WriteRequestEncoderTest, RandomRequestsMatchProtobuf) {
  const std::uint64_t seed = oracle::TestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed) + " (set OBS_TEST_SEED to reproduce)");
  std::mt19937_64 rng(seed);
  WriteRequestEncoder encoder;  // Reused on purpose: reuse must not leak state.
  for (int i = 0; i < 300; ++i) {
    const RequestData request = oracle::RandomRequest(rng);
    const std::string bytes = Encode(request, encoder);
    prometheus::WriteRequest parsed;
    ASSERT_TRUE(parsed.ParseFromString(bytes)) << "request " << i;
    ASSERT_EQ(Canonical(FromProto(parsed)), Canonical(request)) << "request " << i;
    ASSERT_EQ(bytes, ToProto(request).SerializeAsString()) << "request " << i;
  }
}

TEST(WriteRequestEncoderTest, StaleNaNHasTheSpecifiedBits) {
  EXPECT_EQ(std::bit_cast<std::uint64_t>(StaleNaN()), kStaleNaNBits);
  EXPECT_TRUE(std::isnan(StaleNaN()));
  EXPECT_TRUE(IsStaleNaN(StaleNaN()));
  EXPECT_FALSE(IsStaleNaN(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(IsStaleNaN(0.0));
}

TEST(WriteRequestEncoderDeathTest, CallsOutOfOrderAbort) {
  WriteRequestEncoder encoder;
  EXPECT_DEATH(encoder.AddLabel("a", "b"), "AddLabel outside a series");
  EXPECT_DEATH(encoder.AddSample(1, 1), "AddSample outside a series");
  EXPECT_DEATH(encoder.EndSeries(), "EndSeries outside a series");
  encoder.BeginSeries();
  EXPECT_DEATH(encoder.BeginSeries(), "BeginSeries inside a series");
  EXPECT_DEATH(static_cast<void>(encoder.Finish()), "Finish inside a series");
}

}  // namespace
}  // namespace obs::wire
