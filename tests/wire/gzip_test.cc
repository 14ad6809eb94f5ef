// gzip/deflate bodies: round trip, concatenated members, corrupt data and
// the decompression limit.

#include "obs/wire/gzip.h"

#include <zlib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace obs::wire {
namespace {

using ::testing::HasSubstr;

TEST(GzipTest, RoundTripsAndReadsConcatenatedMembers) {
  std::string raw;
  for (int i = 0; i < 10000; ++i) {
    raw += "line " + std::to_string(i) + "\n";
  }
  const std::string gz = GzipCompress(raw);
  ASSERT_LT(gz.size(), raw.size() / 4);
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);  // gzip magic
  auto back = Decompress(gz, ContentCoding::kGzip, raw.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, raw);
  auto twice = Decompress(gz + GzipCompress("tail", 1), ContentCoding::kGzip, 1 << 20);
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_EQ(*twice, raw + "tail");
  EXPECT_EQ(*Decompress(GzipCompress(""), ContentCoding::kGzip, 0), "");
}

TEST(GzipTest, DeflateIsZlibFormat) {
  std::string out(compressBound(5), '\0');
  uLongf n = out.size();
  ASSERT_EQ(compress(reinterpret_cast<Bytef*>(out.data()), &n,
                     reinterpret_cast<const Bytef*>("hello"), 5),
            Z_OK);
  out.resize(n);
  EXPECT_EQ(*Decompress(out, ContentCoding::kDeflate, 5), "hello");
}

TEST(GzipTest, LimitsAndCorruption) {
  const std::string bomb = GzipCompress(std::string(10 << 20, 'a'));
  ASSERT_LT(bomb.size(), 64U << 10);
  auto limited = Decompress(bomb, ContentCoding::kGzip, 1 << 20);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(limited.status().message(), HasSubstr("exceeds 1048576 bytes"));

  const std::string gz = GzipCompress("some text that is long enough to truncate");
  EXPECT_THAT(
      Decompress(gz.substr(0, gz.size() / 2), ContentCoding::kGzip, 1 << 20).status().message(),
      HasSubstr("gzip: corrupt or truncated"));
  EXPECT_FALSE(Decompress("not gzip at all", ContentCoding::kGzip, 1 << 20).ok());
  EXPECT_FALSE(Decompress("", ContentCoding::kGzip, 1 << 20).ok());
}

}  // namespace
}  // namespace obs::wire
