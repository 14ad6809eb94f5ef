#include "obs/base/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

namespace obs {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

double RelativeError(std::int64_t got, std::int64_t want) {
  return std::abs(static_cast<double>(got - want)) / static_cast<double>(want);
}

TEST(HistogramTest, EmptyHistogramReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.ValueAtPercentile(99), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(HistogramTest, SmallValuesAreExact) {
  Histogram h;
  for (std::int64_t v = 0; v < 200; ++v)
    ASSERT_TRUE(h.Record(v));
  EXPECT_EQ(h.ValueAtPercentile(50), 99);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 199);
}

TEST(HistogramTest, PercentilesWithinOnePercentFromMicrosecondToHour) {
  const std::uint32_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(3.0, std::log10(3.6e12));
  std::vector<std::int64_t> values;
  Histogram h;
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<std::int64_t>(std::pow(10.0, exponent(rng)));
    values.push_back(v);
    ASSERT_TRUE(h.Record(v));
  }
  std::sort(values.begin(), values.end());
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9}) {
    const auto rank =
        static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size()))) - 1;
    EXPECT_LE(RelativeError(h.ValueAtPercentile(p), values[rank]), 0.01) << "p" << p;
  }
  EXPECT_EQ(h.ValueAtPercentile(100), values.back());
}

TEST(HistogramTest, OutOfRangeIsCountedNotRecorded) {
  Histogram h(1000);
  EXPECT_FALSE(h.Record(1001));
  EXPECT_FALSE(h.Record(-1));
  EXPECT_TRUE(h.Record(1000));
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.out_of_range(), 2u);
}

TEST(HistogramTest, MergeEqualsRecordingEverythingInOne) {
  Histogram a, b, all;
  for (std::int64_t v = 1; v < 100000; v += 37) {
    ASSERT_TRUE((v % 2 ? a : b).Record(v * 11));
    ASSERT_TRUE(all.Record(v * 11));
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double p : {50.0, 99.0, 99.99})
    EXPECT_EQ(a.ValueAtPercentile(p), all.ValueAtPercentile(p));
}

TEST(HistogramTest, MemoryDoesNotGrowWithRecordCount) {
  Histogram h;
  const std::size_t before = h.NonEmptyBuckets().capacity();
  for (int i = 0; i < 1000000; ++i)
    ASSERT_TRUE(h.Record(123456));
  EXPECT_EQ(h.NonEmptyBuckets().size(), 1u);
  EXPECT_EQ(before, 0u);
  EXPECT_EQ(h.count(), 1000000u);
}

TEST(HistogramTest, FromBucketsRoundTrips) {
  Histogram h;
  for (std::int64_t v : {5, 900, 70000, 123456789})
    ASSERT_TRUE(h.Record(v));
  ASSERT_OK_AND_ASSIGN(Histogram copy,
                       Histogram::FromBuckets(h.NonEmptyBuckets(), h.min(), h.max(), h.sum()));
  EXPECT_EQ(copy.count(), 4u);
  EXPECT_EQ(copy.ValueAtPercentile(75), h.ValueAtPercentile(75));
  EXPECT_EQ(copy.mean(), h.mean());
}

TEST(HistogramTest, FromBucketsRejectsForeignLayout) {
  EXPECT_THAT(Histogram::FromBuckets({{.lower = 301, .upper = 302, .count = 1}}, 301, 301, 301),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("layout")));
}

// Packed counts merge to exactly what merging the histograms gives, in a few
// bytes a bucket, and answer percentiles as the merged histogram does.
TEST(PackedBucketsTest, MergesExactlyAndMatchesHistogramPercentiles) {
  const std::uint32_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(0.0, std::log10(3.6e12));
  Histogram all;
  PackedBuckets merged;
  for (int part = 0; part < 5; ++part) {
    Histogram h;
    for (int i = 0; i < 300; ++i) {
      const auto v = static_cast<std::int64_t>(std::pow(10.0, exponent(rng)));
      ASSERT_TRUE(h.Record(v));
      ASSERT_TRUE(all.Record(v));
    }
    ASSERT_TRUE(h.RecordN(1000, 1ULL << 40));  // A count that needs 6 varint bytes.
    ASSERT_TRUE(all.RecordN(1000, 1ULL << 40));
    const PackedBuckets packed(h);
    EXPECT_LE(packed.size_bytes(), 6 * h.NonEmptyBuckets().size() + 6);
    merged.Merge(packed);
  }
  EXPECT_EQ(merged.count(), all.count());
  const std::vector<Histogram::Bucket> want = all.NonEmptyBuckets();
  const std::vector<Histogram::Bucket> got = merged.Buckets();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].lower, want[i].lower);
    EXPECT_EQ(got[i].upper, want[i].upper);
    EXPECT_EQ(got[i].count, want[i].count);
  }
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 99.9999}) {
    EXPECT_EQ(merged.ValueAtPercentile(p, all.max()), all.ValueAtPercentile(p)) << "p" << p;
  }
  // The exact maximum caps the bucket midpoint.
  EXPECT_EQ(merged.ValueAtPercentile(100, 7), 7);
}

TEST(PackedBucketsTest, EmptyAndOneSidedMerges) {
  PackedBuckets empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.count(), 0u);
  EXPECT_EQ(empty.ValueAtPercentile(99, 100), 0);
  Histogram h;
  ASSERT_TRUE(h.Record(0));
  ASSERT_TRUE(h.Record(3'600'000'000'000));
  PackedBuckets a(h);
  a.Merge(empty);
  EXPECT_EQ(a.count(), 2u);
  empty.Merge(a);
  EXPECT_EQ(empty.Buckets().size(), 2u);
  EXPECT_EQ(empty.ValueAtPercentile(50, h.max()), 0);
  EXPECT_EQ(empty.ValueAtPercentile(51, h.max()), h.ValueAtPercentile(51));
}

}  // namespace
}  // namespace obs
