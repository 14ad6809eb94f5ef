#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/wire/remote_write.h"
#include "obs/wire/snappy.h"

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

// Encodes `request` with EncodeLabel + AddEncodedSeries (one series per
// sample, as a sender does) and, as the reference, the same series with the
// streaming calls.
std::string EncodeWithEncodedLabels(const RequestData& request, WriteRequestEncoder& encoder) {
  encoder.Reset();
  std::string labels;
  for (const oracle::SeriesData& series : request) {
    labels.clear();
    for (const Label& l : series.labels) {
      WriteRequestEncoder::EncodeLabel(l.name, l.value, labels);
    }
    for (const Sample& s : series.samples) {
      encoder.AddEncodedSeries(labels, s.value, s.timestamp_ms);
    }
  }
  return std::string(encoder.Finish());
}

// One single-sample series per sample of `request`.
RequestData SplitSamples(const RequestData& request) {
  RequestData out;
  for (const oracle::SeriesData& series : request) {
    for (const Sample& s : series.samples) {
      out.push_back({.labels = series.labels, .samples = {s}});
    }
  }
  return out;
}

TEST(WriteRequestEncoderTest, EncodedLabelsGiveTheSameBytesAsAddLabel) {
  const std::uint64_t seed = oracle::TestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed) + " (set OBS_TEST_SEED to reproduce)");
  std::mt19937_64 rng(seed);
  WriteRequestEncoder encoder;
  WriteRequestEncoder reference;
  for (int i = 0; i < 300; ++i) {
    RequestData request = oracle::RandomRequest(rng);
    // Repeated timestamps, zero values and timestamps, -0.0, a long label.
    request.push_back({.labels = {{"__name__", "m"}, {"big", std::string(300, 'b')}, {"", "x"}},
                       .samples = {{0.0, 0}, {-0.0, 5}, {1.5, 5}, {StaleNaN(), -1}, {2, 0}}});
    const RequestData split = SplitSamples(request);
    const std::string bytes = EncodeWithEncodedLabels(request, encoder);
    ASSERT_EQ(bytes, Encode(split, reference)) << "request " << i;
    ASSERT_EQ(bytes, ToProto(split).SerializeAsString()) << "request " << i;
    EXPECT_EQ(encoder.series(), split.size());
    EXPECT_EQ(encoder.samples(), split.size());
  }
}

TEST(WriteRequestEncoderTest, SnappyOutputEqualsSnappyOfTheProtobufBytes) {
  // Empty, under one 64 KiB fragment, exactly one, many, and a series larger
  // than a fragment; both the streaming calls and AddEncodedSeries; the
  // encoder reused across requests of different sizes.
  std::vector<RequestData> requests = {{}};
  for (int n : {1, 100, 260, 263, 2000, 5000}) {
    RequestData r;
    for (int i = 0; i < n; ++i) {
      r.push_back({.labels = {{"__name__", "http_requests_total"},
                              {"instance", "host-" + std::to_string(i % 37) + ":9100"},
                              {"job", "api"},
                              {"pod", "api-7d9f8c6b5-" + std::to_string(i)}},
                   .samples = {{1234.5 + i, 1700000000000 + i / 100}}});
    }
    requests.push_back(std::move(r));
  }
  requests.push_back({{.labels = {{"big", std::string(200000, 'v')}}, .samples = {{1, 2}}},
                      {.labels = {{"after", "x"}}, .samples = {{3, 4}}}});
  // A request of exactly one fragment: one series whose encoding is 65536 bytes.
  requests.push_back({{.labels = {{"f", std::string(65536 - 28, 'f')}}, .samples = {{1, 2}}}});
  WriteRequestEncoder plain;
  WriteRequestEncoder snappy(WriteRequestEncoder::Output::kSnappy);
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < requests.size(); ++i) {
      SCOPED_TRACE("request " + std::to_string(i) + " round " + std::to_string(round));
      const std::string bytes = Encode(requests[i], plain);
      if (i + 1 == requests.size()) {
        ASSERT_EQ(bytes.size(), 65536U);
      }
      const std::string compressed = SnappyCompress(bytes);
      EXPECT_EQ(Encode(requests[i], snappy), compressed);
      EXPECT_EQ(EncodeWithEncodedLabels(requests[i], snappy), compressed);
      // Finish() may be called again and returns the same body.
      EXPECT_EQ(snappy.Finish(), compressed);
      Result<std::string> round_trip = SnappyUncompress(snappy.Finish(), 64 << 20);
      ASSERT_TRUE(round_trip.ok()) << round_trip.status();
      EXPECT_EQ(*round_trip, bytes);
    }
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
  EXPECT_DEATH(encoder.AddEncodedSeries("", 1, 1), "AddEncodedSeries inside a series");
  EXPECT_DEATH(static_cast<void>(encoder.Finish()), "Finish inside a series");
}

}  // namespace
}  // namespace obs::wire
