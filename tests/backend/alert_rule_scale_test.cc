// Time-scaled rule files: every duration scaled (interval, for,
// keep_firing_for, ranges, offsets, subqueries), everything else kept, and
// the output loads again; LoadAlertRules lists the alerting rules.

#include <cstdlib>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/backend/rules.h"
#include "obs/testing/status_matchers.h"

#include "alert/rule_file.h"

namespace obs::backend {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

constexpr char kRules[] = R"(groups:
  - name: api
    interval: 30s
    limit: 10
    rules:
      - record: job:errors:rate5m
        expr: sum by (job) (rate(errors_total[5m] offset 1m))
      - alert: Burn
        expr: max_over_time(job:errors:rate5m[10m:1m]) > 0.5 and on() vector(1) > 0
        for: 5m
        keep_firing_for: 2m
        labels: {severity: page}
        annotations: {summary: "{{ $labels.job }} burns: {{ $value }}"}
  - name: defaults
    rules:
      - alert: Down
        expr: up == 0
)";

TEST(RuleScaleTest, ScalesEveryDurationAndKeepsTheRest) {
  auto scaled = ScaleRuleFile(kRules, "r.yml", 0.1, 60000);
  ASSERT_TRUE(scaled.ok()) << scaled.status().ToString();
  auto groups = alert::ParseRuleFile(*scaled, "scaled.yml", 60000);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString() << "\n" << *scaled;
  ASSERT_EQ(groups->size(), 2U);
  const alert::GroupSpec& api = (*groups)[0];
  EXPECT_EQ(api.name, "api");
  EXPECT_EQ(api.interval_ms, 3000);
  EXPECT_EQ(api.limit, 10);
  ASSERT_EQ(api.rules.size(), 2U);
  EXPECT_EQ(api.rules[0].name, "job:errors:rate5m");
  EXPECT_EQ(api.rules[0].expr_text, "sum by (job) (rate(errors_total[30s] offset 6s))");
  const alert::RuleSpec& burn = api.rules[1];
  EXPECT_EQ(burn.expr_text,
            "max_over_time(job:errors:rate5m[1m:6s]) > 0.5 and on () vector(1) > 0");
  EXPECT_EQ(burn.for_ms, 30000);
  EXPECT_EQ(burn.keep_firing_for_ms, 12000);
  EXPECT_EQ(burn.labels.at("severity"), "page");
  EXPECT_EQ(burn.annotations.at("summary"), "{{ $labels.job }} burns: {{ $value }}");
  // A group without `interval` gets the scaled default, written out.
  EXPECT_EQ((*groups)[1].interval_ms, 6000);
  EXPECT_EQ((*groups)[1].rules[0].for_ms, 0);
}

TEST(RuleScaleTest, ScaleOneIsTheSameRules) {
  auto scaled = ScaleRuleFile(kRules, "r.yml", 1, 60000);
  ASSERT_TRUE(scaled.ok());
  auto a = alert::ParseRuleFile(kRules, "a", 60000);
  auto b = alert::ParseRuleFile(*scaled, "b", 60000);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*b)[0].rules[1].for_ms, (*a)[0].rules[1].for_ms);
  EXPECT_EQ((*b)[0].rules[0].expr_text, "sum by (job) (rate(errors_total[5m] offset 1m))");
}

TEST(RuleScaleTest, TinyDurationsStayPositive) {
  auto scaled = ScaleRuleFile(
      "groups: [{name: g, interval: 1s, rules: [{alert: A, expr: "
      "'rate(x[2ms]) > 0', for: 1ms}]}]",
      "r.yml", 0.01, 60000);
  ASSERT_TRUE(scaled.ok()) << scaled.status().ToString();
  auto g = alert::ParseRuleFile(*scaled, "s", 60000);
  ASSERT_TRUE(g.ok()) << g.status().ToString() << "\n" << *scaled;
  EXPECT_EQ((*g)[0].interval_ms, 10);
  EXPECT_EQ((*g)[0].rules[0].for_ms, 1);
  EXPECT_EQ((*g)[0].rules[0].expr_text, "rate(x[1ms]) > 0");
}

TEST(RuleScaleTest, ErrorsNameTheFileAndTheScale) {
  EXPECT_THAT(ScaleRuleFile(kRules, "r.yml", 0, 60000),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("time scale must be in (0, 1]")));
  EXPECT_THAT(
      ScaleRuleFile("groups: [{name: g, rules: [{alert: A, expr: 'up =='}]}]", "r.yml", 0.5, 60000),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("r.yml:1:")));
}

TEST(RuleScaleTest, LoadAlertRulesListsTheClassicRules) {
  const char* root = std::getenv("OBS_SOURCE_DIR");
  ASSERT_NE(root, nullptr);
  auto rules = LoadAlertRules(std::string(root) + "/fixtures/rules/classic.yml", 15000);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 4U);
  EXPECT_EQ((*rules)[0].name, "HighErrorRate");
  EXPECT_EQ((*rules)[0].for_ms, 120000);
  EXPECT_EQ((*rules)[0].interval_ms, 15000);
  EXPECT_EQ((*rules)[3].name, "QueueBacklog");
  EXPECT_EQ((*rules)[3].labels.at("severity"), "ticket");
  EXPECT_THAT(LoadAlertRules("/nonexistent/rules.yml", 15000),
              StatusIs(StatusCode::kNotFound, HasSubstr("/nonexistent/rules.yml")));
  // Endless files fail instead of exhausting memory.
  EXPECT_THAT(LoadAlertRules("/dev/zero", 15000),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("larger than 16 MiB")));
}

}  // namespace
}  // namespace obs::backend
