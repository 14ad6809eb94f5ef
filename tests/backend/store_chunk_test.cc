// Round trips of the Gorilla chunk codec on hand-picked and random data.

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/wire/remote_write.h"

#include "store/chunk.h"
#include "store/series.h"

namespace obs::backend::internal {
namespace {

struct Point {
  std::int64_t t;
  double v;
};

std::vector<Point> RoundTrip(const std::vector<Point>& in) {
  XorEncoder enc;
  for (const Point& p : in) {
    enc.Append(p.t, p.v);
  }
  EXPECT_EQ(enc.num_samples(), in.size());
  std::vector<Point> out;
  XorDecoder dec(enc.bytes(), enc.num_samples());
  while (dec.Next()) {
    out.push_back({dec.t(), dec.v()});
  }
  return out;
}

void ExpectBitExact(const std::vector<Point>& want, const std::vector<Point>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(want[i].t, got[i].t) << "sample " << i;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(want[i].v), std::bit_cast<std::uint64_t>(got[i].v))
        << "sample " << i << " want " << want[i].v << " got " << got[i].v;
  }
}

TEST(XorChunkTest, RoundTripsSpecialValuesBitExactly) {
  const std::vector<Point> in = {{1000, 1.0},
                                 {2000, wire::StaleNaN()},
                                 {3000, std::numeric_limits<double>::quiet_NaN()},
                                 {4000, std::numeric_limits<double>::infinity()},
                                 {5000, -std::numeric_limits<double>::infinity()},
                                 {6000, -0.0},
                                 {7000, 0.0},
                                 {7000, std::numeric_limits<double>::denorm_min()},
                                 {9000, std::numeric_limits<double>::max()}};
  const auto out = RoundTrip(in);
  ExpectBitExact(in, out);
  EXPECT_TRUE(wire::IsStaleNaN(out[1].v));
  EXPECT_FALSE(wire::IsStaleNaN(out[2].v));
}

TEST(XorChunkTest, RoundTripsExtremeTimestampJumps) {
  const std::vector<Point> in = {{std::numeric_limits<std::int64_t>::min(), 1},
                                 {-1, 2},
                                 {0, 3},
                                 {1, 4},
                                 {std::numeric_limits<std::int64_t>::max() - 1, 5},
                                 {std::numeric_limits<std::int64_t>::max(), 6}};
  ExpectBitExact(in, RoundTrip(in));
}

TEST(XorChunkTest, RegularScrapeCompressesWell) {
  std::vector<Point> in;
  for (int i = 0; i < 120; ++i) {
    in.push_back({1'700'000'000'000 + i * 15'000, 42.0});
  }
  XorEncoder enc;
  for (const Point& p : in) {
    enc.Append(p.t, p.v);
  }
  // 16 bytes for the first sample, 3 for the first delta, then 2 bits per sample.
  EXPECT_LE(enc.bytes().size(), 16u + 3u + 119u * 2u / 8u + 1u);
  ExpectBitExact(in, RoundTrip(in));
}

TEST(XorChunkTest, RandomDataRoundTrips) {
  const std::uint32_t seed = 20240611;
  SCOPED_TRACE(::testing::Message() << "seed=" << seed);
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 200; ++round) {
    std::vector<Point> in;
    std::int64_t t = static_cast<std::int64_t>(rng() % 2'000'000'000'000ULL);
    double v = 0;
    const int n = 1 + static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      switch (rng() % 4) {
        case 0:  // Jittered scrape interval.
          t += 15'000 + static_cast<std::int64_t>(rng() % 2000) - 1000;
          break;
        case 1:
          t += static_cast<std::int64_t>(rng() % (1ULL << 40));
          break;
        default:
          t += static_cast<std::int64_t>(rng() % 3);
      }
      switch (rng() % 4) {
        case 0:
          v = std::bit_cast<double>(rng());  // Any bit pattern, NaNs included.
          break;
        case 1:
          v += 1;
          break;
        case 2:
          v = static_cast<double>(rng() % 1000) / 7.0;
          break;
        default:
          break;  // Repeat.
      }
      in.push_back({t, v});
    }
    ExpectBitExact(in, RoundTrip(in));
  }
}

TEST(XorChunkTest, DecodeRangeIsInclusiveOnBothEnds) {
  XorEncoder enc;
  for (std::int64_t t = 0; t <= 100; t += 10) {
    enc.Append(t, static_cast<double>(t));
  }
  std::vector<wire::Sample> out;
  DecodeRange(enc.bytes(), enc.num_samples(), 20, 50, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out.front().timestamp_ms, 20);
  EXPECT_EQ(out.back().timestamp_ms, 50);
}

TEST(XorChunkTest, TruncatedBytesStopWithoutReadingPastTheEnd) {
  XorEncoder enc;
  for (std::int64_t t = 0; t < 50; ++t) {
    enc.Append(t * 1000, static_cast<double>(t) * 1.5);
  }
  const std::string truncated = enc.bytes().substr(0, enc.bytes().size() / 2);
  XorDecoder dec(truncated, enc.num_samples());
  std::uint32_t n = 0;
  while (dec.Next()) {
    ++n;
  }
  EXPECT_GT(n, 0u);
  EXPECT_LT(n, enc.num_samples());
}

// A series closes its head into a ClosedChunk and resets the encoder: the
// closed copy decodes as the head did, and the reset encoder starts a fresh
// chunk (first sample in full) with no buffer left over.
TEST(XorChunkTest, ClosedChunkKeepsTheHeadsSamplesAndResetStartsAfresh) {
  XorEncoder enc;
  std::vector<Point> first;
  for (std::int64_t t = 0; t < 120; ++t) {
    first.push_back({1'700'000'000'000 + t * 15'000, static_cast<double>(t * t) / 7});
    enc.Append(first.back().t, first.back().v);
  }
  const ClosedChunk::Ptr closed =
      ClosedChunk::Create(enc.bytes(), enc.num_samples(), first.front().t, first.back().t);
  const std::string head_bytes = enc.bytes();
  enc.Reset();
  EXPECT_EQ(enc.num_samples(), 0u);
  EXPECT_EQ(enc.bytes().capacity(), std::string().capacity());
  EXPECT_EQ(closed->bytes(), head_bytes);
  EXPECT_EQ(closed->num_samples(), 120u);
  EXPECT_EQ(closed->min_t(), first.front().t);
  EXPECT_EQ(closed->max_t(), first.back().t);
  std::vector<Point> got;
  for (XorDecoder dec(closed->bytes(), closed->num_samples()); dec.Next();) {
    got.push_back({dec.t(), dec.v()});
  }
  ExpectBitExact(first, got);

  // After the reset: a sample far back in time and a NaN are a valid start.
  const std::vector<Point> second = {{5, std::nan("")}, {6, -0.0}, {1'000'006, 1e300}};
  for (const Point& p : second) {
    enc.Append(p.t, p.v);
  }
  got.clear();
  for (XorDecoder dec(enc.bytes(), enc.num_samples()); dec.Next();) {
    got.push_back({dec.t(), dec.v()});
  }
  ExpectBitExact(second, got);
}

}  // namespace
}  // namespace obs::backend::internal
