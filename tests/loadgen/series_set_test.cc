#include "obs/loadgen/series_set.h"

#include <algorithm>
#include <regex>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

namespace obs::loadgen {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1'700'000'000'000;  // Unix ms.

SeriesSetOptions AllModels() {
  return {.models = {{.kind = "http_red", .routes = 3},
                     {.kind = "node", .cpus = 2, .filesystems = 2, .network_devices = 1},
                     {.kind = "process"}},
          .instances = 4,
          .seed = 42,
          .run_id = "run-1",
          .extra_labels = {{"env", "test"}},
          .start_ms = kT0};
}

TEST(SeriesSetTest, SizesFollowTheModelKnobs) {
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(AllModels()));
  // http_red: routes x 2 methods x (4 statuses + 12 buckets + _sum + _count);
  // node: 8 modes x cpus + 2 memory + 2 x filesystems + 2 x devices + load1;
  // process: 5.
  const std::size_t per_instance = 3 * 2 * 18 + (8 * 2 + 2 + 2 * 2 + 2 * 1 + 1) + 5;
  EXPECT_EQ(set.slots(), 4 * per_instance);
  EXPECT_EQ(set.series_capacity(), set.slots());
  EXPECT_EQ(set.generations(), 1u);
}

TEST(SeriesSetTest, SameSeedGivesSameSeriesAndValues) {
  ASSERT_OK_AND_ASSIGN(SeriesSet a, SeriesSet::Create(AllModels()));
  ASSERT_OK_AND_ASSIGN(SeriesSet b, SeriesSet::Create(AllModels()));
  SeriesSetOptions other = AllModels();
  other.seed = 43;
  ASSERT_OK_AND_ASSIGN(SeriesSet c, SeriesSet::Create(other));
  bool any_value_differs = false;
  for (std::uint32_t id = 0; id < a.series_capacity(); ++id) {
    ASSERT_EQ(a.SeriesText(id), b.SeriesText(id));
    ASSERT_EQ(a.Value(id, kT0 + 12345), b.Value(id, kT0 + 12345));
    any_value_differs |= a.Value(id, kT0 + 12345) != c.Value(id, kT0 + 12345);
  }
  EXPECT_TRUE(any_value_differs) << "the seed must matter";
}

TEST(SeriesSetTest, LabelSetsAreSortedValidAndUnique) {
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(AllModels()));
  const std::regex name_re("[a-zA-Z_][a-zA-Z0-9_]*");
  std::set<std::string> texts;
  for (std::uint32_t id = 0; id < set.series_capacity(); ++id) {
    const std::vector<Label> labels = set.Labels(id);
    ASSERT_FALSE(labels.empty());
    for (std::size_t i = 0; i < labels.size(); ++i) {
      ASSERT_TRUE(std::regex_match(labels[i].name, name_re)) << labels[i].name;
      ASSERT_FALSE(labels[i].value.empty()) << set.SeriesText(id);
      if (i > 0) {
        ASSERT_LT(labels[i - 1].name, labels[i].name) << set.SeriesText(id);
      }
    }
    EXPECT_EQ(labels[0].name, "__name__");
    EXPECT_TRUE(texts.insert(set.SeriesText(id)).second) << "duplicate " << set.SeriesText(id);
  }
}

TEST(SeriesSetTest, SeriesCarryRunInstanceJobAndExtraLabels) {
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(AllModels()));
  const std::string text = set.SeriesText(set.SeriesId(set.slots() - 1, kT0));
  EXPECT_EQ(text,
            "go_goroutines{env=\"test\",instance=\"host-0003:8080\",job=\"api\","
            "obsbench_run=\"run-1\"}");
  EXPECT_THAT(set.SeriesText(0), HasSubstr("obsbench_run=\"run-1\""));
}

TEST(SeriesSetTest, MetricNamesListEveryFamilyOnce) {
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(AllModels()));
  const std::vector<std::string> names = set.MetricNames();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_THAT(
      names, ::testing::IsSupersetOf({"http_requests_total", "http_request_duration_seconds_bucket",
                                      "node_cpu_seconds_total", "node_load1",
                                      "process_start_time_seconds", "go_goroutines"}));
  EXPECT_EQ(names.size(), 17u);  // 4 http_red + 8 node + 5 process families.
}

TEST(SeriesSetTest, ChurnReplacesGenerationsStaggeredByInstance) {
  SeriesSetOptions o{.models = {{.kind = "process"}},
                     .instances = 4,
                     .churn_interval_seconds = 60,
                     .duration_seconds = 180,
                     .start_ms = kT0};
  ASSERT_OK_AND_ASSIGN(SeriesSet set, SeriesSet::Create(o));
  EXPECT_EQ(set.slots(), 20u);
  EXPECT_EQ(set.generations(), 5u);  // 180/60 + 2: staggering needs one more.
  // Instance 2 (slots 10..14) is offset by half an interval.
  EXPECT_EQ(set.Generation(0, kT0 + 29'000), 0u);
  EXPECT_EQ(set.Generation(10, kT0 + 29'000), 0u);
  EXPECT_EQ(set.Generation(10, kT0 + 31'000), 1u);
  EXPECT_EQ(set.Generation(0, kT0 + 61'000), 1u);
  const std::uint32_t id = set.SeriesId(10, kT0 + 31'000);
  EXPECT_EQ(id, 20u + 10u);
  EXPECT_EQ(set.SlotOf(id), 10u);
  EXPECT_THAT(set.SeriesText(id), HasSubstr("instance=\"host-0002-g1:8080\""));
  EXPECT_NE(set.SeriesText(id), set.SeriesText(10));
  EXPECT_EQ(set.Generation(0, kT0 + 10'000'000), 4u);  // Clamped to the last generation.
}

TEST(SeriesSetTest, RejectsBadOptions) {
  EXPECT_THAT(SeriesSet::Create({.models = {{.kind = "nope"}}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown kind \"nope\"")));
  EXPECT_THAT(SeriesSet::Create({.models = {{.kind = "node"}}, .instances = 0}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("instances")));
  EXPECT_THAT(SeriesSet::Create({.models = {{.kind = "http_red", .error_ratio = 0.9}}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("error_ratio")));
  EXPECT_THAT(SeriesSet::Create({.models = {{.kind = "process"}}, .extra_labels = {{"job", "x"}}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("\"job\" is set twice")));
  EXPECT_THAT(SeriesSet::Create({.models = {{.kind = "process"}}, .extra_labels = {{"__x", "y"}}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("extra label name")));
  EXPECT_THAT(SeriesSet::Create({.models = {{.kind = "process"}}, .churn_interval_seconds = 10}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("churn needs duration")));
  EXPECT_THAT(SeriesSet::Create({.models = {{.kind = "process"}, {.kind = "process"}}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("listed twice")));
}

}  // namespace
}  // namespace obs::loadgen
