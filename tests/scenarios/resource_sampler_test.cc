#include "resource_sampler.h"

#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/base/process_stats.h"

#include <sys/wait.h>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace obs::scenarios {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

// A `sleep 60` child, killed by PID and reaped when the test ends.
class SleepChild {
 public:
  SleepChild() {
    char arg0[] = "sleep";
    char arg1[] = "60";
    char* argv[] = {arg0, arg1, nullptr};
    if (posix_spawnp(&pid_, "sleep", nullptr, nullptr, argv, environ) != 0) {
      pid_ = -1;
    }
  }
  ~SleepChild() { Kill(); }
  SleepChild(const SleepChild&) = delete;
  SleepChild& operator=(const SleepChild&) = delete;

  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Spins until this process used `cpu_seconds` more CPU time, for at least
// `min_wall` and at most 10 s of wall time (a loaded machine).
void BurnCpu(double cpu_seconds, std::chrono::milliseconds min_wall) {
  const auto start = std::chrono::steady_clock::now();
  const double cpu0 = ReadProcessStats(getpid())->cpu_seconds;
  volatile std::uint64_t sink = 0;
  while (std::chrono::steady_clock::now() < start + std::chrono::seconds(10)) {
    for (int i = 0; i < 100000; ++i) {
      sink = sink + static_cast<std::uint64_t>(i);
    }
    if (std::chrono::steady_clock::now() >= start + min_wall &&
        ReadProcessStats(getpid())->cpu_seconds - cpu0 >= cpu_seconds) {
      return;
    }
  }
}

TEST(ResourceSeriesTest, CoresAreCpuOverWallTime) {
  ResourceSeries s("p", 7, 100);
  s.Add(0, 10, 1000);
  s.Add(1, 10.5, 2000);
  s.Add(2, 12.5, 1500);
  s.Add(4, 13.5, 3000);
  const ProcessResources r = s.Finish();
  EXPECT_EQ(r.name, "p");
  EXPECT_EQ(r.pid, 7);
  ASSERT_THAT(r.samples, SizeIs(3));
  EXPECT_DOUBLE_EQ(r.samples[0].t_seconds, 1);
  EXPECT_DOUBLE_EQ(r.samples[0].cpu_cores, 0.5);
  EXPECT_EQ(r.samples[0].rss_bytes, 2000u);
  EXPECT_DOUBLE_EQ(r.samples[1].cpu_cores, 2);
  EXPECT_DOUBLE_EQ(r.samples[2].cpu_cores, 0.5);
  EXPECT_DOUBLE_EQ(r.cpu_seconds, 3.5);
  EXPECT_DOUBLE_EQ(r.cpu_cores_mean, 3.5 / 4);
  EXPECT_EQ(r.rss_max_bytes, 3000u);
}

TEST(ResourceSeriesTest, PeakCountsOnlyTowardsTheMaximum) {
  ResourceSeries s("self", 1, 10);
  s.Add(0, 0, 100, 9000);
  s.Add(1, 1, 200, 9000);
  const ProcessResources r = s.Finish();
  EXPECT_EQ(r.rss_max_bytes, 9000u);
  ASSERT_THAT(r.samples, SizeIs(1));
  EXPECT_EQ(r.samples[0].rss_bytes, 200u);
}

TEST(ResourceSeriesTest, FullSeriesHalvesItsResolution) {
  ResourceSeries s("p", 1, 8);
  // 1 s readings, 1 core on even seconds and 3 on odd ones, RSS = second.
  double cpu = 0;
  s.Add(0, 0, 0);
  for (int t = 1; t <= 100; ++t) {
    cpu += t % 2 == 0 ? 1 : 3;
    s.Add(t, cpu, static_cast<std::uint64_t>(t));
  }
  const ProcessResources r = s.Finish();
  EXPECT_LE(r.samples.size(), 8u);
  EXPECT_GE(r.samples.size(), 4u);
  double prev = 0;
  for (const ResourceSample& x : r.samples) {
    EXPECT_GT(x.t_seconds, prev);
    prev = x.t_seconds;
    EXPECT_NEAR(x.cpu_cores, 2, 0.5) << x.t_seconds;                  // Pairs average out.
    EXPECT_EQ(x.rss_bytes, static_cast<std::uint64_t>(x.t_seconds));  // The pair's larger.
  }
  EXPECT_DOUBLE_EQ(r.samples.back().t_seconds, 100);
  EXPECT_DOUBLE_EQ(r.cpu_seconds, 200);
  EXPECT_DOUBLE_EQ(r.cpu_cores_mean, 2);
  EXPECT_EQ(r.rss_max_bytes, 100u);
}

TEST(ResourceSeriesTest, OneReadingHasNoSamples) {
  ResourceSeries s("p", 1, 4);
  s.Add(0, 5, 10);
  const ProcessResources r = s.Finish();
  EXPECT_TRUE(r.samples.empty());
  EXPECT_EQ(r.cpu_seconds, 0);
  EXPECT_EQ(r.cpu_cores_mean, 0);
  EXPECT_EQ(r.rss_max_bytes, 10u);
}

TEST(ResourceSamplerTest, SamplesSelfAndAChild) {
  SleepChild child;
  ASSERT_GT(child.pid(), 0);
  auto sampler = ResourceSampler::Start(
      {.processes = {{.name = "self", .pid = getpid(), .include_peak = true},
                     {.name = "sleep", .pid = child.pid(), .include_peak = false}},
       .interval_seconds = 0.01,
       .max_samples = 16});
  BurnCpu(0.2, std::chrono::milliseconds(400));
  const ResourceUsage usage = sampler->Stop();
  child.Kill();
  EXPECT_TRUE(usage.warnings.empty()) << usage.warnings.front();
  ASSERT_THAT(usage.processes, SizeIs(2));
  const ProcessResources& self = usage.processes[0];
  const ProcessResources& sleep = usage.processes[1];
  EXPECT_EQ(self.name, "self");
  EXPECT_EQ(self.pid, getpid());
  EXPECT_EQ(sleep.name, "sleep");
  for (const ProcessResources* p : {&self, &sleep}) {
    EXPECT_GE(p->samples.size(), 4u) << p->name;
    EXPECT_LE(p->samples.size(), 16u) << p->name;  // 40 readings merged down.
    EXPECT_GT(p->rss_max_bytes, 0u) << p->name;
    for (const ResourceSample& s : p->samples) {
      EXPECT_GT(s.rss_bytes, 0u) << p->name;
    }
  }
  EXPECT_GE(self.cpu_seconds, 0.2);
  EXPECT_GT(self.cpu_cores_mean, 0);
  EXPECT_LT(sleep.cpu_seconds, 0.05);
  // Stop() again returns the same result.
  EXPECT_THAT(sampler->Stop().processes, SizeIs(2));
}

TEST(ResourceSamplerTest, ProcessThatExitsKeepsItsSamples) {
  SleepChild child;
  ASSERT_GT(child.pid(), 0);
  auto sampler = ResourceSampler::Start(
      {.processes = {{.name = "sleep", .pid = child.pid()}}, .interval_seconds = 0.01});
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  child.Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const ResourceUsage usage = sampler->Stop();
  ASSERT_THAT(usage.processes, SizeIs(1));
  EXPECT_FALSE(usage.processes[0].samples.empty());
  ASSERT_THAT(usage.warnings, SizeIs(1));
  EXPECT_THAT(usage.warnings[0], HasSubstr("exited during the run"));
}

TEST(ResourceSamplerTest, MissingProcessIsAWarning) {
  auto sampler = ResourceSampler::Start(
      {.processes = {{.name = "ghost", .pid = std::int64_t{1} << 30}}, .interval_seconds = 0.01});
  const ResourceUsage usage = sampler->Stop();
  EXPECT_TRUE(usage.processes.empty());
  ASSERT_THAT(usage.warnings, SizeIs(1));
  EXPECT_THAT(usage.warnings[0], HasSubstr("watch ghost (pid 1073741824): "));
  EXPECT_THAT(usage.warnings[0], HasSubstr("not sampled"));
}

TEST(ResourceSamplerTest, StopsPromptlyWithALongInterval) {
  const auto start = std::chrono::steady_clock::now();
  {
    auto sampler = ResourceSampler::Start(
        {.processes = {{.name = "self", .pid = getpid()}}, .interval_seconds = 60});
  }  // The destructor stops it.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace obs::scenarios
