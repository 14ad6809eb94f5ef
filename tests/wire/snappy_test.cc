#include "obs/wire/snappy.h"

#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "remote_write_oracle.h"

namespace obs::wire {
namespace {

using ::obs::testing::IsOkAndHolds;
using ::obs::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;

constexpr std::size_t kMiB = 1 << 20;

std::string RandomBytes(std::mt19937_64& rng, std::size_t n, bool repetitive) {
  std::string s(n, '\0');
  for (char& c : s) {
    c = static_cast<char>(repetitive ? 'a' + rng() % 4 : rng());
  }
  return s;
}

TEST(SnappyTest, RoundTripsEverySize) {
  const std::uint64_t seed = oracle::TestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (std::size_t n : {0U, 1U, 59U, 60U, 61U, 255U, 256U, 65535U, 65536U, 65537U, 300000U}) {
    for (bool repetitive : {false, true}) {
      const std::string raw = RandomBytes(rng, n, repetitive);
      EXPECT_THAT(SnappyUncompress(SnappyCompress(raw), n), IsOkAndHolds(Eq(raw))) << n;
    }
  }
}

TEST(SnappyTest, CompressesRepetitiveInput) {
  const std::string raw(100000, 'x');
  EXPECT_LT(SnappyCompress(raw).size(), raw.size() / 10);
}

TEST(SnappyTest, CompressToReusesTheOutputBuffer) {
  std::string out;
  SnappyCompressTo(std::string(100000, 'y'), out);
  const char* const data = out.data();
  SnappyCompressTo("small", out);
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out, SnappyCompress("small"));
}

TEST(SnappyTest, DecodesAnAllLiteralBlock) {
  // varint(5), then a literal tag ((5-1) << 2 | 0) and its bytes: what a
  // minimal sender may emit.
  EXPECT_THAT(SnappyUncompress(std::string("\x05\x10hello", 7), kMiB), IsOkAndHolds(Eq("hello")));
}

TEST(SnappyTest, EmptyInputIsCorrupt) {
  EXPECT_THAT(SnappyUncompress("", kMiB),
              StatusIs(StatusCode::kInvalidArgument, Eq("snappy: corrupt input")));
}

TEST(SnappyTest, EveryTruncationIsCorrupt) {
  const std::string compressed = SnappyCompress("a remote write body, a remote write body, more");
  for (std::size_t n = 0; n < compressed.size(); ++n) {
    EXPECT_THAT(SnappyUncompress(compressed.substr(0, n), kMiB),
                StatusIs(StatusCode::kInvalidArgument, Eq("snappy: corrupt input")))
        << n;
  }
}

TEST(SnappyTest, CorruptInputsAreRejected) {
  const std::string cases[] = {
      std::string("\x0a\x10hello", 7),             // Declares 10 bytes, produces 5.
      std::string("\x05\x05\x00", 3),              // Copy before any output.
      std::string("\xff\xff\xff\xff\xff\xff", 6),  // Length varint too long.
      // The framed-format stream identifier is not a block.
      std::string("\xff\x06\x00\x00sNaPpY", 10),
  };
  for (const std::string& bad : cases) {
    EXPECT_THAT(SnappyUncompress(bad, 1U << 30),
                StatusIs(StatusCode::kInvalidArgument, Eq("snappy: corrupt input")));
  }
}

TEST(SnappyTest, LengthBombIsRejectedBeforeAllocating) {
  // Five bytes declaring 4 GiB - 1 of output.
  EXPECT_THAT(SnappyUncompress(std::string("\xff\xff\xff\xff\x0f", 5), kMiB),
              StatusIs(StatusCode::kResourceExhausted,
                       Eq("snappy: uncompressed length 4294967295 exceeds limit 1048576")));
}

TEST(SnappyTest, LimitIsInclusive) {
  const std::string raw(1000, 'z');
  EXPECT_OK(SnappyUncompress(SnappyCompress(raw), 1000));
  EXPECT_THAT(SnappyUncompress(SnappyCompress(raw), 999),
              StatusIs(StatusCode::kResourceExhausted, HasSubstr("1000")));
}

}  // namespace
}  // namespace obs::wire
