#include "obs/base/varint.h"

#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace obs {
namespace {

TEST(VarintTest, EncodesAsProtobufDoes) {
  std::string out;
  AppendVarint(1, out);
  AppendVarint(300, out);  // The protobuf documentation's example: ac 02.
  AppendVarint(0, out);
  EXPECT_EQ(out, std::string("\x01\xac\x02\x00", 4));
}

TEST(VarintTest, RoundTripsAtEverySizeBoundary) {
  for (int bits = 0; bits <= 64; ++bits) {
    for (const std::int64_t delta : {-1, 0, 1}) {
      const std::uint64_t base = bits == 64 ? 0 : std::uint64_t{1} << bits;
      const std::uint64_t v = base + static_cast<std::uint64_t>(delta);
      std::string out = "x";
      AppendVarint(v, out);
      ASSERT_EQ(out.size(), 1 + VarintSize(v)) << v;
      ASSERT_LE(VarintSize(v), kMaxVarintBytes);
      const char* p = out.data() + 1;
      EXPECT_EQ(GetVarint(p), v);
      EXPECT_EQ(p, out.data() + out.size()) << v;
    }
  }
  EXPECT_EQ(VarintSize(0), 1U);
  EXPECT_EQ(VarintSize(127), 1U);
  EXPECT_EQ(VarintSize(128), 2U);
  EXPECT_EQ(VarintSize(std::numeric_limits<std::uint64_t>::max()), 10U);
}

TEST(VarintTest, PutVarintReturnsTheEnd) {
  char buf[kMaxVarintBytes * 2];
  char* p = PutVarint(buf, 16384);  // 3 bytes.
  p = PutVarint(p, 5);
  EXPECT_EQ(p - buf, 4);
  const char* q = buf;
  EXPECT_EQ(GetVarint(q), 16384U);
  EXPECT_EQ(GetVarint(q), 5U);
}

}  // namespace
}  // namespace obs
