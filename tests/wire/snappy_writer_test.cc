// SnappyBlockWriter writes snappy elements directly and CompileSnappyDelta
// describes a string by copies from a reference; every block must
// decompress (with the snappy library) to exactly what was appended.
// SnappyWriteRequestEncoder must decompress to the canonical protobuf that
// WriteRequestEncoder writes for the same series.

#include "obs/wire/snappy_writer.h"

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"
#include "obs/wire/snappy.h"

#include "remote_write_oracle.h"

namespace obs::wire {
namespace {

using ::obs::testing::IsOkAndHolds;
using ::testing::Eq;

std::string Uncompressed(std::string_view block) {
  Result<std::string> raw = SnappyUncompress(block, std::size_t{1} << 30);
  EXPECT_TRUE(raw.ok()) << raw.status();
  return raw.ok() ? *raw : std::string();
}

TEST(SnappyBlockWriterTest, LiteralsOfEverySizeShareElements) {
  std::mt19937_64 rng(oracle::TestSeed());
  for (std::size_t n : {0U, 1U, 59U, 60U, 61U, 120U, 121U, 1000U, 70000U}) {
    SnappyBlockWriter w;
    std::string want;
    for (int part = 0; part < 3; ++part) {
      std::string bytes(n, '\0');
      for (char& c : bytes) {
        c = static_cast<char>(rng());
      }
      w.AppendLiteral(bytes.data(), bytes.size());
      want += bytes;
    }
    EXPECT_EQ(w.uncompressed_size(), want.size());
    const std::string_view block = w.Finish();
    EXPECT_EQ(Uncompressed(block), want) << n;
    // One tag byte per 60 literal bytes: consecutive appends do not each
    // start an element.
    const std::size_t elements = (want.size() + 59) / 60;
    EXPECT_LE(block.size(), want.size() + elements + 5) << n;
  }
}

// Each copy form: 2 bytes (length 4..11, offset < 2048), 3 bytes (length
// up to 64, offset < 65536), 5 bytes (larger offsets); long copies split;
// overlapping copies repeat a pattern.
TEST(SnappyBlockWriterTest, CopiesOfEveryFormDecodeAndCostWhatTheFormatSays) {
  struct Case {
    std::size_t offset;
    std::size_t length;
    std::size_t element_bytes;
  };
  for (const Case c : {Case{1, 1, 3}, Case{2047, 4, 2}, Case{2047, 11, 2}, Case{2047, 12, 3},
                       Case{2048, 4, 3}, Case{65535, 64, 3}, Case{65536, 64, 5}, Case{70000, 10, 5},
                       Case{100, 200, 3 * 3 + 2}, Case{1, 100, 2 * 3}}) {
    SCOPED_TRACE(std::to_string(c.offset) + " back, " + std::to_string(c.length) + " bytes");
    std::string prefix(70000, '\0');
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      prefix[i] = static_cast<char>(i * 7 + i / 251);
    }
    SnappyBlockWriter w;
    w.AppendLiteral(prefix.data(), prefix.size());
    const std::size_t before = w.Finish().size();
    w.AppendCopy(c.offset, c.length);
    std::string want = prefix;
    for (std::size_t i = 0; i < c.length; ++i) {
      want.push_back(want[want.size() - c.offset]);
    }
    const std::string_view block = w.Finish();
    EXPECT_EQ(Uncompressed(block), want);
    EXPECT_EQ(block.size() - before, c.element_bytes);
  }
}

TEST(SnappyBlockWriterTest, ACopyContinuingTheLastOneIsOneElement) {
  SnappyBlockWriter w;
  const std::string text = "abcdefghijklmnop";
  w.AppendLiteral(text.data(), text.size());
  EXPECT_EQ(w.open_copy_offset(), 0U);
  w.AppendCopy(16, 2);
  EXPECT_EQ(w.open_copy_offset(), 16U);
  w.AppendCopy(16, 3);  // Continues: free.
  w.AppendCopy(5, 4);   // Another offset: a new element.
  const std::string_view block = w.Finish();
  EXPECT_EQ(Uncompressed(block), text + "abcde" + "abcd");
  // varint(25), literal tag + 16 bytes, copy 5 at 16 (2 bytes), copy 4 at 5 (2 bytes).
  EXPECT_EQ(block.size(), 1U + 17U + 2U + 2U);
}

TEST(SnappyBlockWriterTest, ResetStartsAnEmptyBlock) {
  SnappyBlockWriter w;
  w.AppendLiteral("xyz", 3);
  w.AppendCopy(3, 6);
  w.Reset();
  EXPECT_EQ(w.uncompressed_size(), 0U);
  EXPECT_THAT(SnappyUncompress(w.Finish(), 10), IsOkAndHolds(Eq("")));
  w.AppendLiteral("ab", 2);
  EXPECT_EQ(Uncompressed(w.Finish()), "ab");
}

TEST(SnappyBlockWriterDeathTest, CopyFromBeforeTheBlockAborts) {
  SnappyBlockWriter w;
  w.AppendLiteral("abcd", 4);
  EXPECT_DEATH(w.AppendCopy(5, 1), "copy of 1 bytes from 5 back in 4");
  EXPECT_DEATH(w.AppendCopy(0, 1), "from 0 back");
}

// `reference`, then `gap` unrelated bytes, then `target` as its delta.
std::string ThroughDelta(std::string_view reference, std::string_view gap, std::string_view target,
                         SnappyDelta* out = nullptr) {
  SnappyDelta delta;
  CompileSnappyDelta(reference, target, delta);
  EXPECT_EQ(delta.target_size(), target.size());
  SnappyBlockWriter w;
  w.AppendLiteral(reference.data(), reference.size());
  w.AppendLiteral(gap.data(), gap.size());
  w.AppendDelta(delta, reference.size() + gap.size());
  if (out != nullptr) {
    *out = delta;
  }
  return Uncompressed(w.Finish());
}

TEST(SnappyDeltaTest, ALabelSetThatDiffersInOneDigitIsTwoCopiesAndALiteral) {
  const std::string a = "__name__=http_requests_total,instance=host-0013:8080,job=api,method=GET";
  std::string b = a;
  b[b.find("0013") + 3] = '4';
  SnappyDelta delta;
  EXPECT_EQ(ThroughDelta(a, "0123456789", b, &delta), a + "0123456789" + b);
  EXPECT_TRUE(delta.starts_with_reference());
  const std::vector<SnappyDeltaOp> ops = delta.Ops();
  ASSERT_EQ(ops.size(), 3U);
  EXPECT_EQ(ops[0].kind, SnappyDeltaOp::Kind::kCopyReference);
  EXPECT_EQ(ops[0].source, 0U);
  EXPECT_EQ(ops[1].kind, SnappyDeltaOp::Kind::kLiteral);
  EXPECT_EQ(ops[1].length, 1U);
  EXPECT_EQ(ops[2].kind, SnappyDeltaOp::Kind::kCopyReference);
  // The literal byte travels in the program: replaying it reads nothing else.
  EXPECT_EQ(delta.program_size(), 2 * 5U + 3U + 1U);  // Two copies, a 1-byte literal.
}

TEST(SnappyDeltaTest, RepeatsWithinTheTargetAreSelfCopies) {
  const std::string target = "abcdefgh-abcdefgh-abcdefgh-abcdefgh";
  SnappyDelta delta;
  EXPECT_EQ(ThroughDelta("", "", target, &delta), target);
  EXPECT_FALSE(delta.starts_with_reference());
  const std::vector<SnappyDeltaOp> ops = delta.Ops();
  ASSERT_GE(ops.size(), 2U);
  EXPECT_EQ(ops[1].kind, SnappyDeltaOp::Kind::kCopySelf);
  EXPECT_LE(ops.size(), 3U);
}

// Steps longer than 65535 bytes are split; reference matches that end
// beyond 64 KiB are not used (the program holds 2-byte sources).
TEST(SnappyDeltaTest, LongTargetsAndReferencesRoundTrip) {
  std::string reference(70000, 'r');
  for (std::size_t i = 0; i < reference.size(); i += 7) {
    reference[i] = static_cast<char>('a' + i % 23);
  }
  const std::string target = reference + std::string(140000, 'q') + reference.substr(100, 5000);
  EXPECT_EQ(ThroughDelta(reference, "gap", target), reference + "gap" + target);
  EXPECT_EQ(ThroughDelta("", "", target), target);
}

// Random references and targets made from each other by edits, and unrelated
// ones, of many sizes: the block always decodes to the target.
TEST(SnappyDeltaTest, RandomEditsRoundTrip) {
  const std::uint64_t seed = oracle::TestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int round = 0; round < 2000; ++round) {
    const std::size_t n = rng() % 400;
    std::string reference(n, '\0');
    const unsigned alphabet = 1 + static_cast<unsigned>(rng() % 255);
    for (char& c : reference) {
      c = static_cast<char>('a' + rng() % alphabet);
    }
    std::string target = reference;
    const int edits = static_cast<int>(rng() % 6);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = target.empty() ? 0 : rng() % target.size();
      switch (rng() % 3) {
        case 0:
          if (!target.empty()) {
            target[at] = static_cast<char>(rng());
          }
          break;
        case 1:
          target.insert(at, std::string(rng() % 20, static_cast<char>(rng())));
          break;
        default:
          target.erase(at, rng() % 20);
          break;
      }
    }
    if (rng() % 10 == 0) {
      target = std::string(rng() % 100, 'z');  // Unrelated.
    }
    const std::string gap(rng() % 70000, 'g');
    ASSERT_EQ(ThroughDelta(reference, gap, target), reference + gap + target) << "round " << round;
  }
}

// The remote-write encoder: any mix of references and plain series, values
// with and without zero low bytes, zero, NaN and the stale marker,
// timestamps equal, different and zero.
TEST(SnappyWriteRequestEncoderTest, DecompressesToTheCanonicalEncoding) {
  const std::uint64_t seed = oracle::TestSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const std::vector<double> values = {0.0,
                                      -0.0,
                                      1.0,
                                      42.0,
                                      1e6 + 1,
                                      0.25,
                                      3.141592653589793,
                                      -7.5,
                                      std::numeric_limits<double>::quiet_NaN(),
                                      StaleNaN(),
                                      std::numeric_limits<double>::infinity()};
  SnappyWriteRequestEncoder encoder;
  WriteRequestEncoder canonical;
  for (int request = 0; request < 200; ++request) {
    encoder.Reset();
    canonical.Reset();
    std::vector<std::string> labels;
    std::vector<SnappyWriteRequestEncoder::SeriesMark> marks;
    const int series = 1 + static_cast<int>(rng() % 60);
    std::int64_t ts =
        rng() % 5 == 0 ? 0 : 1'700'000'000'000 + static_cast<std::int64_t>(rng() % 100);
    for (int s = 0; s < series; ++s) {
      std::string encoded;
      WriteRequestEncoder::EncodeLabel("__name__", "metric_" + std::to_string(rng() % 3), encoded);
      WriteRequestEncoder::EncodeLabel("instance", "host-" + std::to_string(rng() % 12), encoded);
      if (rng() % 2 == 0) {
        WriteRequestEncoder::EncodeLabel("le", std::to_string(rng() % 1000), encoded);
      }
      const double value =
          rng() % 3 == 0 ? values[rng() % values.size()] : static_cast<double>(rng() % 100000);
      if (rng() % 4 == 0) {
        ts = rng() % 10 == 0 ? 0 : ts + static_cast<std::int64_t>(rng() % 3);
      }
      SnappyWriteRequestEncoder::SeriesMark mark;
      if (!labels.empty() && rng() % 5 != 0) {
        const std::size_t r = rng() % labels.size();
        SnappyDelta delta;
        CompileSnappyDelta(labels[r], encoded, delta);
        encoder.AddEncodedSeries(encoded, &delta, &marks[r], value, ts, mark);
      } else {
        encoder.AddEncodedSeries(encoded, nullptr, nullptr, value, ts, mark);
      }
      canonical.AddEncodedSeries(encoded, value, ts);
      labels.push_back(encoded);
      marks.push_back(mark);
    }
    const std::string_view want = canonical.Finish();
    EXPECT_EQ(encoder.uncompressed_bytes(), want.size());
    EXPECT_EQ(encoder.series(), static_cast<std::size_t>(series));
    ASSERT_EQ(Uncompressed(encoder.Finish()), want) << "request " << request;
  }
}

}  // namespace
}  // namespace obs::wire
