#include "obs/base/process_stats.h"

#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include <sys/mman.h>

namespace obs {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

constexpr std::uint64_t kMiB = 1024 * 1024;

TEST(ReadProcessStatsTest, ReadsItself) {
  auto s = ReadProcessStats(getpid());
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->pid, getpid());
  EXPECT_EQ(s->command, "process_stats_t");  // comm is cut to 15 characters.
  EXPECT_EQ(s->state, 'R');
  EXPECT_GT(s->rss_bytes, 0u);
  EXPECT_GE(s->rss_peak_bytes, s->rss_bytes);
  EXPECT_GE(s->cpu_seconds, 0.0);
}

TEST(ReadProcessStatsTest, CpuTimeGrowsWhileBusy) {
  auto before = ReadProcessStats(getpid());
  ASSERT_TRUE(before.ok()) << before.status();
  // Burn at least 0.2 s of CPU (clock ticks are 10 ms), bounded by a count.
  volatile std::uint64_t sink = 0;
  double used = 0;
  for (int round = 0; round < 200 && used < 0.2; ++round) {
    for (std::uint64_t i = 0; i < 20'000'000; ++i) {
      sink = sink + i * 2654435761u;
    }
    auto now = ReadProcessStats(getpid());
    ASSERT_TRUE(now.ok()) << now.status();
    used = now->cpu_seconds - before->cpu_seconds;
  }
  EXPECT_GE(used, 0.2);
}

TEST(ReadProcessStatsTest, RssGrowsWhenMemoryIsTouched) {
  auto before = ReadProcessStats(getpid());
  ASSERT_TRUE(before.ok()) << before.status();
  const std::size_t size = 64 * kMiB;
  std::unique_ptr<char[]> block(new char[size]);
  volatile char* p = block.get();
  for (std::size_t i = 0; i < size; i += 4096) {
    p[i] = static_cast<char>(i);
  }
  auto after = ReadProcessStats(getpid());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_GE(after->rss_bytes, before->rss_bytes + 48 * kMiB);
  EXPECT_GE(after->rss_peak_bytes, after->rss_bytes);
}

TEST(ReadProcessStatsTest, PeakRssCanBeReset) {
  {
    // Straight from the kernel and back, so that no allocator (ASan's
    // quarantine keeps freed blocks resident) holds on to the pages.
    const std::size_t size = 64 * kMiB;
    void* block = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(block, MAP_FAILED);
    volatile char* p = static_cast<char*>(block);
    for (std::size_t i = 0; i < size; i += 4096) {
      p[i] = 1;
    }
    ASSERT_EQ(munmap(block, size), 0);
  }
  auto before = ReadProcessStats(getpid());
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_GE(before->rss_peak_bytes, before->rss_bytes + 48 * kMiB);
  const Status reset = ResetPeakRss();
  if (!reset.ok()) {
    GTEST_SKIP() << reset;  // Kernels before 4.0.
  }
  auto after = ReadProcessStats(getpid());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_LT(after->rss_peak_bytes, before->rss_peak_bytes - 32 * kMiB);
  EXPECT_GE(after->rss_peak_bytes, after->rss_bytes);
}

TEST(ReadProcessStatsTest, MissingProcessIsNotFound) {
  // pid_max is at most 2^22 on Linux, so this pid cannot exist.
  EXPECT_THAT(ReadProcessStats(std::int64_t{1} << 30),
              StatusIs(StatusCode::kNotFound, HasSubstr("no such process")));
  EXPECT_THAT(ReadProcessStats(0), StatusIs(StatusCode::kInvalidArgument, HasSubstr("pid")));
  EXPECT_THAT(ReadProcessStats(-5), StatusIs(StatusCode::kInvalidArgument, HasSubstr("pid")));
}

TEST(ParseProcessStatsTest, CommWithSpacesAndParentheses) {
  const std::string stat =
      "4242 (my (odd) ) proc) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 130 0 0 20 0 3 0 "
      "12345 1000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  const std::string status =
      "Name:\tmy (odd) ) proc\nVmPeak:\t  9000 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\n";
  auto s = ParseProcessStats(stat, status, 100);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->pid, 4242);
  EXPECT_EQ(s->command, "my (odd) ) proc");
  EXPECT_EQ(s->state, 'S');
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 3.8);  // (250 + 130) / 100.
  EXPECT_EQ(s->rss_bytes, 1024u * 1024);
  EXPECT_EQ(s->rss_peak_bytes, 2048u * 1024);
}

TEST(ParseProcessStatsTest, ZombieHasNoMemoryLines) {
  auto s =
      ParseProcessStats("7 (z) Z 1 7 7 0 -1 0 0 0 0 0 5 5 0 0\n", "Name:\tz\nState:\tZ\n", 100);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->state, 'Z');
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 0.1);
  EXPECT_EQ(s->rss_bytes, 0u);
  EXPECT_EQ(s->rss_peak_bytes, 0u);
}

TEST(ParseProcessStatsTest, MalformedTextIsDataLoss) {
  EXPECT_THAT(ParseProcessStats("", "", 100), StatusIs(StatusCode::kDataLoss, HasSubstr("comm")));
  EXPECT_THAT(ParseProcessStats("1 (x) S 1 2 3", "", 100),
              StatusIs(StatusCode::kDataLoss, HasSubstr("utime")));
  EXPECT_THAT(ParseProcessStats("1 (x) S 1 1 1 0 -1 0 0 0 0 0 ab 5 0", "", 100),
              StatusIs(StatusCode::kDataLoss, HasSubstr("utime")));
  EXPECT_THAT(ParseProcessStats("x (x) S 1 1 1 0 -1 0 0 0 0 0 5 5 0", "", 100),
              StatusIs(StatusCode::kDataLoss, HasSubstr("pid")));
}

}  // namespace
}  // namespace obs
