#include "obs/base/process_stats.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include <sys/mman.h>
#include <sys/wait.h>

namespace obs {
namespace {

using ::obs::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

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

TEST(ParseProcessStatsTest, ParentThreadsAndCpuSplit) {
  const std::string stat =
      "4242 (app) S 77 4242 4242 0 -1 4194560 100 0 0 0 250 130 40 60 20 0 12 0 "
      "12345 1000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto s = ParseProcessStats(stat, "", 100);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->ppid, 77);
  EXPECT_EQ(s->threads, 12);
  EXPECT_DOUBLE_EQ(s->user_seconds, 2.5);
  EXPECT_DOUBLE_EQ(s->system_seconds, 1.3);
  EXPECT_DOUBLE_EQ(s->cpu_seconds, 3.8);
  EXPECT_DOUBLE_EQ(s->reaped_children_cpu_seconds, 1.0);
  EXPECT_THAT(ParseProcessStats("1 (x) S 1 1 1 0 -1 0 0 0 0 0 5 5 0 0 20 0 many 0", "", 100),
              StatusIs(StatusCode::kDataLoss, HasSubstr("num_threads")));
  EXPECT_THAT(ParseProcessStats("1 (x) S p 1 1 0 -1 0 0 0 0 0 5 5 0 0", "", 100),
              StatusIs(StatusCode::kDataLoss, HasSubstr("ppid")));
}

TEST(ParseContextSwitchesTest, ReadsBothLines) {
  const std::string status =
      "Name:\tapp\nThreads:\t1\nvoluntary_ctxt_switches:\t150\n"
      "nonvoluntary_ctxt_switches:\t7\n";
  auto c = ParseContextSwitches(status);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->voluntary, 150U);
  EXPECT_EQ(c->nonvoluntary, 7U);
  EXPECT_THAT(ParseContextSwitches("Name:\tapp\nnonvoluntary_ctxt_switches:\t7\n"),
              StatusIs(StatusCode::kDataLoss, HasSubstr("voluntary_ctxt_switches")));
  EXPECT_THAT(ParseContextSwitches("voluntary_ctxt_switches:\t1\n"),
              StatusIs(StatusCode::kDataLoss, HasSubstr("nonvoluntary")));
}

TEST(ParseChildPidsTest, SpaceSeparatedPids) {
  auto pids = ParseChildPids("123 456 \n");
  ASSERT_TRUE(pids.ok()) << pids.status();
  EXPECT_THAT(*pids, ElementsAre(123, 456));
  auto none = ParseChildPids("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_THAT(ParseChildPids("12 x"), StatusIs(StatusCode::kDataLoss, HasSubstr("\"x\"")));
}

// A fake procfs: root 10 (threads 10 and 11; 11 forked 20), 20 forked 30,
// 40 is unrelated, 50 is a child of 30 whose files vanished.
class FakeProc {
 public:
  FakeProc() {
    std::string templ = (std::filesystem::temp_directory_path() / "obs-proc-XXXXXX").string();
    root_ = mkdtemp(templ.data());
    Process(10, 1, {10, 11}, {{11, "20"}}, 300, 100, 2048);
    Process(20, 10, {20}, {{20, "30 "}}, 50, 50, 1024);
    Process(30, 20, {30}, {}, 0, 10, 512);
    Process(40, 1, {40}, {}, 999, 999, 4096);
    std::filesystem::create_directories(root_ + "/50");  // Exited: no files.
    Write("30/task/30/children", "50\n");
  }
  ~FakeProc() { std::filesystem::remove_all(root_); }
  const std::string& path() const { return root_; }

  void Write(const std::string& rel, const std::string& text) {
    const std::filesystem::path p = root_ + "/" + rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }

 private:
  // `children` maps a tid to its children file; every task has 3 voluntary
  // and 1 nonvoluntary switch.
  void Process(int pid, int ppid, const std::vector<int>& tids,
               const std::vector<std::pair<int, std::string>>& children, int utime, int stime,
               int rss_kb) {
    const std::string p = std::to_string(pid);
    Write(p + "/stat", p + " (p" + p + ") S " + std::to_string(ppid) + " 1 1 0 -1 0 0 0 0 0 " +
                           std::to_string(utime) + " " + std::to_string(stime) + " 5 5 20 0 " +
                           std::to_string(tids.size()) + " 0 1 1 1\n");
    Write(p + "/status", "Name:\tp" + p + "\nVmRSS:\t" + std::to_string(rss_kb) +
                             " kB\nvoluntary_ctxt_switches:\t1000\n"
                             "nonvoluntary_ctxt_switches:\t1000\n");
    for (const int tid : tids) {
      const std::string t = p + "/task/" + std::to_string(tid);
      Write(t + "/status",
            "Name:\tp\nvoluntary_ctxt_switches:\t3\nnonvoluntary_ctxt_switches:\t1\n");
      Write(t + "/children", "");
    }
    for (const auto& c : children) {
      Write(p + "/task/" + std::to_string(c.first) + "/children", c.second);
    }
  }

  std::string root_;
};

void ExpectFakeTree(const ProcessTreeStats& t) {
  EXPECT_EQ(t.root_pid, 10);
  EXPECT_THAT(t.pids, UnorderedElementsAre(10, 20, 30));
  EXPECT_EQ(t.pids[0], 10);
  EXPECT_EQ(t.processes, 3);
  EXPECT_EQ(t.threads, 4);
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  EXPECT_DOUBLE_EQ(t.user_seconds, 350 / hz);
  EXPECT_DOUBLE_EQ(t.system_seconds, 160 / hz);
  EXPECT_DOUBLE_EQ(t.cpu_seconds, 510 / hz);
  EXPECT_DOUBLE_EQ(t.reaped_children_cpu_seconds, 30 / hz);
  EXPECT_EQ(t.rss_bytes, (2048U + 1024 + 512) * 1024);
  // Per thread, not the process-level lines (1000 each).
  EXPECT_EQ(t.voluntary_ctxt_switches, 12U);
  EXPECT_EQ(t.nonvoluntary_ctxt_switches, 4U);
}

TEST(ReadProcessTreeStatsTest, WalksChildrenFilesOfEveryThread) {
  FakeProc proc;
  auto t = ReadProcessTreeStats(10, {.proc_root = proc.path()});
  ASSERT_TRUE(t.ok()) << t.status();
  ExpectFakeTree(*t);
}

TEST(ReadProcessTreeStatsTest, FallsBackToParentPids) {
  FakeProc proc;
  auto t = ReadProcessTreeStats(10, {.proc_root = proc.path(), .use_children_files = false});
  ASSERT_TRUE(t.ok()) << t.status();
  ExpectFakeTree(*t);
  // Without children files on the root, the scan is used whatever the option.
  std::filesystem::remove(proc.path() + "/10/task/10/children");
  t = ReadProcessTreeStats(10, {.proc_root = proc.path()});
  ASSERT_TRUE(t.ok()) << t.status();
  ExpectFakeTree(*t);
}

TEST(ReadProcessTreeStatsTest, MissingRootIsNotFound) {
  FakeProc proc;
  EXPECT_THAT(ReadProcessTreeStats(77, {.proc_root = proc.path()}),
              StatusIs(StatusCode::kNotFound, HasSubstr("77")));
  EXPECT_THAT(ReadProcessTreeStats(std::int64_t{1} << 30),
              StatusIs(StatusCode::kNotFound, HasSubstr("no such process")));
  EXPECT_THAT(ReadProcessTreeStats(0), StatusIs(StatusCode::kInvalidArgument, HasSubstr("pid")));
  proc.Write("10/stat", "garbage");
  EXPECT_THAT(ReadProcessTreeStats(10, {.proc_root = proc.path()}),
              StatusIs(StatusCode::kDataLoss, HasSubstr("comm")));
}

// The test process has no other threads when it forks, so the forked root
// may start threads of its own. The tree never returns: the test kills its
// process group.
[[noreturn]] void BurnForever() {
  volatile std::uint64_t sink = 0;
  for (std::uint64_t i = 0;; ++i) {
    sink = sink + i;
  }
}

[[noreturn]] void SleepForever() {
  for (;;) {
    usleep(1000);  // Voluntary context switches.
  }
}

// Root (3 extra sleeping threads) -> child (burns CPU) -> grandchild (sleeps).
pid_t StartTree(int ready_fd) {
  const pid_t root = fork();
  if (root != 0) {
    return root;
  }
  setpgid(0, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([] { SleepForever(); });
  }
  const pid_t child = fork();
  if (child == 0) {
    if (fork() == 0) {
      SleepForever();
    }
    BurnForever();
  }
  const char byte = 1;
  (void)!write(ready_fd, &byte, 1);
  SleepForever();
}

TEST(ReadProcessTreeStatsTest, FindsARealTreeOfProcessesAndThreads) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t root = StartTree(fds[1]);
  ASSERT_GT(root, 0);
  close(fds[1]);
  char byte = 0;
  ASSERT_EQ(read(fds[0], &byte, 1), 1);
  close(fds[0]);
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reaper{root};

  // The grandchild is forked after the ready byte: poll briefly for it.
  Result<ProcessTreeStats> first = NotFoundError("not read");
  for (int i = 0; i < 200; ++i) {
    first = ReadProcessTreeStats(root);
    ASSERT_TRUE(first.ok()) << first.status();
    if (first->processes >= 3) {
      break;
    }
    usleep(10'000);
  }
  EXPECT_EQ(first->processes, 3);
  EXPECT_EQ(first->pids[0], root);
  EXPECT_GE(first->threads, 6);  // 4 in the root, 1 each below.
  EXPECT_GT(first->rss_bytes, 0U);

  Result<ProcessTreeStats> later = first;
  for (int i = 0; i < 300 && later->cpu_seconds - first->cpu_seconds < 0.2; ++i) {
    usleep(10'000);
    later = ReadProcessTreeStats(root);
    ASSERT_TRUE(later.ok()) << later.status();
  }
  EXPECT_GE(later->cpu_seconds - first->cpu_seconds, 0.2);
  EXPECT_GT(later->voluntary_ctxt_switches, first->voluntary_ctxt_switches);
  EXPECT_GT(later->voluntary_ctxt_switches + later->nonvoluntary_ctxt_switches, 0U);

  // The same tree through the /proc/*/stat scan.
  auto scanned = ReadProcessTreeStats(root, {.use_children_files = false});
  ASSERT_TRUE(scanned.ok()) << scanned.status();
  EXPECT_THAT(scanned->pids, UnorderedElementsAre(later->pids[0], later->pids[1], later->pids[2]));

  kill(-root, SIGKILL);
  waitpid(root, nullptr, 0);
  EXPECT_THAT(ReadProcessTreeStats(root),
              StatusIs(StatusCode::kNotFound, HasSubstr("no such process")));
}

}  // namespace
}  // namespace obs
