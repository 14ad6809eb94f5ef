#include <cmath>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "obs/loadgen/series_set.h"
#include "obs/testing/status_matchers.h"

namespace obs::loadgen {
namespace {

constexpr std::int64_t kT0 = 1'700'000'000'000;  // Unix ms.
constexpr std::int64_t kHourMs = 3'600'000;

std::map<std::string, std::string> LabelMap(const SeriesSet& set, std::uint32_t id) {
  std::map<std::string, std::string> m;
  for (const Label& l : set.Labels(id)) {
    m[l.name] = l.value;
  }
  return m;
}

bool IsCounter(const std::string& name) {
  return name.ends_with("_total") || name.ends_with("_bucket") || name.ends_with("_count") ||
         name.ends_with("_sum");
}

SeriesSetOptions Options() {
  return {.models = {{.kind = "http_red", .routes = 4, .requests_per_second = 200},
                     {.kind = "node", .cpus = 2},
                     {.kind = "process"}},
          .instances = 3,
          .seed = 7,
          .start_ms = kT0};
}

TEST(SeriesValuesTest, CountersNeverDecreaseOverThreeDays) {
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(Options()));
  int counters = 0;
  for (std::uint32_t id = 0; id < set.series_capacity(); ++id) {
    if (!IsCounter(LabelMap(set, id)["__name__"])) {
      continue;
    }
    ++counters;
    double previous = -1;
    // Odd steps (7 min 13 s 17 ms) so every phase of the daily curve is hit.
    for (std::int64_t t = kT0; t < kT0 + 72 * kHourMs; t += 433'017) {
      const double v = set.Value(id, t);
      ASSERT_GE(v, previous) << set.SeriesText(id) << " at " << t;
      previous = v;
    }
    EXPECT_GT(previous, 0) << set.SeriesText(id);
  }
  EXPECT_GT(counters, 100);
}

TEST(SeriesValuesTest, HistogramsAreCumulativeAndInfEqualsCount) {
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(Options()));
  // Per histogram (instance, method, route): bucket values in le order, and _count.
  std::map<std::string, std::vector<std::uint32_t>> buckets;
  std::map<std::string, std::uint32_t> counts;
  for (std::uint32_t id = 0; id < set.series_capacity(); ++id) {
    auto m = LabelMap(set, id);
    const std::string key = m["instance"] + m["method"] + m["route"];
    if (m["__name__"] == "http_request_duration_seconds_bucket") {
      buckets[key].push_back(id);  // Ids follow the le order.
    } else if (m["__name__"] == "http_request_duration_seconds_count") {
      counts[key] = id;
    }
  }
  ASSERT_EQ(buckets.size(), 3u * 4 * 2);
  for (const auto& [key, ids] : buckets) {
    ASSERT_EQ(ids.size(), 12u);
    EXPECT_EQ(LabelMap(set, ids.back())["le"], "+Inf");
    for (std::int64_t t = kT0; t < kT0 + 48 * kHourMs; t += 3 * kHourMs + 17) {
      for (std::size_t i = 1; i < ids.size(); ++i) {
        ASSERT_LE(set.Value(ids[i - 1], t), set.Value(ids[i], t)) << set.SeriesText(ids[i]);
      }
      ASSERT_EQ(set.Value(ids.back(), t), set.Value(counts[key], t)) << key;
      EXPECT_EQ(set.Value(ids.back(), t), std::floor(set.Value(ids.back(), t)));
    }
  }
}

TEST(SeriesValuesTest, CpuModesOfOneCpuAddUpToElapsedTime) {
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(Options()));
  double before = 0;
  double after = 0;
  int modes = 0;
  for (std::uint32_t id = 0; id < set.series_capacity(); ++id) {
    auto m = LabelMap(set, id);
    if (m["__name__"] == "node_cpu_seconds_total" && m["cpu"] == "1" &&
        m["instance"] == "host-0000:9100") {
      ++modes;
      before += set.Value(id, kT0 + kHourMs);
      after += set.Value(id, kT0 + 2 * kHourMs);
    }
  }
  EXPECT_EQ(modes, 8);
  EXPECT_NEAR(after - before, 3600.0, 1e-6);
}

TEST(SeriesValuesTest, ModeledResetsRestartCountersAtTheProcessStartTime) {
  SeriesSetOptions o{.models = {{.kind = "process"}},
                     .instances = 1,
                     .seed = 3,
                     .counter_reset_hours = 1,
                     .start_ms = kT0};
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(o));
  std::uint32_t cpu = 0;
  std::uint32_t start_time = 0;
  for (std::uint32_t id = 0; id < set.series_capacity(); ++id) {
    const std::string name = LabelMap(set, id)["__name__"];
    cpu = name == "process_cpu_seconds_total" ? id : cpu;
    start_time = name == "process_start_time_seconds" ? id : start_time;
  }
  int resets = 0;
  double previous_cpu = 0;
  double previous_start = 0;
  for (std::int64_t t = kT0; t < kT0 + 5 * kHourMs; t += 60'000) {
    const double v = set.Value(cpu, t);
    const double started = set.Value(start_time, t);
    if (v < previous_cpu) {
      ++resets;
      EXPECT_GT(started, previous_start) << "a reset is a new process start";
    }
    EXPECT_LE(started * 1000, static_cast<double>(t));
    EXPECT_GT(started * 1000, static_cast<double>(t - kHourMs));
    previous_cpu = v;
    previous_start = started;
  }
  EXPECT_GE(resets, 4);
  EXPECT_LE(resets, 5);
}

TEST(SeriesValuesTest, GaugesStayWithinTheirPhysicalBounds) {
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(Options()));
  std::map<std::string, std::uint32_t> by_text;
  for (std::uint32_t id = 0; id < set.series_capacity(); ++id) {
    by_text[set.SeriesText(id)] = id;
  }
  const std::uint32_t total =
      by_text.at("node_memory_MemTotal_bytes{instance=\"host-0001:9100\",job=\"node\"}");
  const std::uint32_t avail =
      by_text.at("node_memory_MemAvailable_bytes{instance=\"host-0001:9100\",job=\"node\"}");
  for (std::int64_t t = kT0; t < kT0 + 24 * kHourMs; t += kHourMs + 1) {
    EXPECT_GT(set.Value(avail, t), 0);
    EXPECT_LT(set.Value(avail, t), set.Value(total, t));
  }
}

}  // namespace
}  // namespace obs::loadgen
