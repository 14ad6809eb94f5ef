// Rule files and rule-group evaluation of the reference backend's alerting:
// rulefmt parsing with located errors, the pending -> firing -> resolved
// state machine with `for` and `keep_firing_for`, ALERTS and
// ALERTS_FOR_STATE series with stale markers, recording rules visible to
// later rules in the same cycle, notifications with Prometheus's resend
// rules, and aligned evaluation times.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"

#include "alert/rule_file.h"
#include "alert/rule_group.h"
#include "alert/rules_api.h"
#include "query/engine.h"
#include "store/storage.h"
#include <nlohmann/json.hpp>

namespace obs::backend::alert {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

constexpr std::int64_t kMin = 60000;

TEST(RuleFileTest, ParsesGroupsAndRules) {
  const auto groups = ParseRuleFile(R"(groups:
  - name: api
    interval: 30s
    limit: 10
    rules:
      - record: job:errors:rate5m
        expr: sum by (job) (rate(errors_total[5m]))
        labels: {team: a}
      - alert: HighErrorRate
        expr: job:errors:rate5m > 0.05
        for: 2m
        keep_firing_for: 1m
        labels:
          severity: page
        annotations:
          summary: "Errors on {{ $labels.job }}"
  - name: other
    rules: []
)",
                                    "rules.yml", kMin);
  ASSERT_OK(groups);
  ASSERT_EQ(groups->size(), 2u);
  const GroupSpec& api = (*groups)[0];
  EXPECT_EQ(api.name, "api");
  EXPECT_EQ(api.file, "rules.yml");
  EXPECT_EQ(api.interval_ms, 30000);
  EXPECT_EQ(api.limit, 10);
  ASSERT_EQ(api.rules.size(), 2u);
  EXPECT_EQ(api.rules[0].kind, RuleSpec::Kind::kRecording);
  EXPECT_EQ(api.rules[0].labels.at("team"), "a");
  EXPECT_EQ(api.rules[1].kind, RuleSpec::Kind::kAlerting);
  EXPECT_EQ(api.rules[1].for_ms, 2 * kMin);
  EXPECT_EQ(api.rules[1].keep_firing_for_ms, kMin);
  EXPECT_EQ(api.rules[1].annotations.at("summary"), "Errors on {{ $labels.job }}");
  EXPECT_EQ(api.rules[1].line, 9);
  EXPECT_EQ((*groups)[1].interval_ms, kMin);
  EXPECT_THAT(ParseRuleFile("", "empty.yml", kMin),
              ::obs::testing::IsOkAndHolds(::testing::IsEmpty()));
}

TEST(RuleFileTest, ErrorsNameFileLineGroupAndRule) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(up\n",
       "f.yml:5:15: group \"g\", rule 1 (\"A\"): expr: 1:7: parse error: unclosed left "
       "parenthesis"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        fro: 5m\n",
       "f.yml:6:9: group \"g\", rule 1 (\"A\"): field fro not found in type rulefmt.Rule"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n",
       "rule 1 (\"A\"): field 'expr' must be set"},
      {"groups:\n  - name: g\n    rules:\n      - record: r\n        alert: A\n        expr: up\n",
       "only one of 'record' and 'alert' must be set"},
      {"groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n        for: 1m\n",
       "invalid field 'for' in recording rule"},
      {"groups:\n  - name: g\n    rules:\n      - record: 'bad name'\n        expr: up\n",
       "invalid recording rule name: bad name"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5x\n",
       "for: bad duration"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: {1x: "
       "a}\n",
       "invalid label name: 1x"},
      {"groups:\n  - name: g\n  - name: g\n",
       "f.yml:3:11: group \"g\", groupname: \"g\" is repeated"},
      {"groups:\n  - rules: []\n", "Groupname must not be empty"},
      {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up[5m]\n",
       "expression must be of type instant vector or scalar, got range vector"},
      {"groups: [\n", "f.yml:2:1:"},
      {"grupos: []\n", "field grupos not found in type rulefmt.RuleGroups"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseRuleFile(c.text, "f.yml", kMin),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.error)))
        << c.text;
  }
}

class RuleGroupTest : public ::testing::Test {
 protected:
  void Write(const char* name, double v, std::int64_t t, const char* job = "api") {
    wire::WriteRequestView req;
    req.timeseries.push_back({{{"__name__", name}, {"job", job}}, {{v, t}}});
    ASSERT_OK(storage_.Append(req));
  }

  RuleGroup Group(const std::string& yaml) {
    auto groups = ParseRuleFile(yaml, "rules.yml", kMin);
    OBS_CHECK(groups.ok()) << groups.status();
    return RuleGroup((*groups)[0], storage_);
  }

  std::string Instant(const std::string& q, std::int64_t t) {
    const auto r = engine_.InstantQuery(q, t, 0);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r)
                                                  : std::get<QueryError>(r).message;
  }

  Storage storage_;
  Engine engine_{storage_, EngineOptions{}};
};

TEST_F(RuleGroupTest, PendingThenFiringThenResolved) {
  RuleGroup g = Group(R"(groups:
  - name: g
    rules:
      - alert: High
        expr: errors > 5
        for: 2m
        labels: {severity: page}
        annotations: {summary: too many}
)");
  // errors: 1 at 0, 10 from 1m to 4m, 0 from 5m.
  for (int m = 0; m <= 8; ++m) {
    Write("errors", m == 0 ? 1 : (m <= 4 ? 10 : 0), m * kMin);
  }
  EXPECT_TRUE(g.Evaluate(0).empty());
  EXPECT_TRUE(g.Evaluate(1 * kMin).empty());  // Pending since 1m.
  auto state = g.State();
  ASSERT_EQ(state[0].alerts.size(), 1u);
  EXPECT_EQ(state[0].alerts[0].state, AlertState::kPending);
  EXPECT_EQ(state[0].alerts[0].active_at_ms, kMin);
  EXPECT_THAT(Instant("ALERTS", kMin), HasSubstr(R"("alertstate":"pending")"));
  EXPECT_THAT(Instant("ALERTS_FOR_STATE", kMin), HasSubstr(R"("value":[60,"60"])"));
  EXPECT_TRUE(g.Evaluate(2 * kMin).empty());  // 1m pending: not yet.
  auto fired = g.Evaluate(3 * kMin);          // 2m pending: fires.
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].starts_at_ms, 3 * kMin);  // startsAt = FiredAt, not ActiveAt.
  EXPECT_EQ(fired[0].ends_at_ms, 3 * kMin + 4 * kMin);
  EXPECT_FALSE(fired[0].resolved);
  EXPECT_THAT(fired[0].labels, ::testing::Contains(LabelPair{"alertname", "High"}));
  EXPECT_THAT(fired[0].labels, ::testing::Contains(LabelPair{"severity", "page"}));
  EXPECT_EQ(fired[0].annotations.at("summary"), "too many");
  // The pending series ended with a stale marker the moment it fired.
  EXPECT_THAT(Instant("ALERTS", 3 * kMin), HasSubstr(R"("alertstate":"firing")"));
  EXPECT_THAT(Instant("ALERTS", 3 * kMin), ::testing::Not(HasSubstr("pending")));
  // Resend only after the resend delay (1m): at 4m, 60 s after, not yet (not Before).
  EXPECT_TRUE(g.Evaluate(4 * kMin).empty());
  auto resolved = g.Evaluate(5 * kMin);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_TRUE(resolved[0].resolved);
  EXPECT_EQ(resolved[0].ends_at_ms, 5 * kMin);
  EXPECT_EQ(resolved[0].starts_at_ms, 3 * kMin);
  EXPECT_THAT(Instant("ALERTS", 5 * kMin), HasSubstr(R"("result":[])"));
  // Resolved alerts are re-sent after the delay while retained.
  EXPECT_TRUE(g.Evaluate(6 * kMin).empty());
  EXPECT_EQ(g.Evaluate(7 * kMin).size(), 1u);
}

TEST_F(RuleGroupTest, SinkGetsEachRulesNotificationsBeforeLaterRulesRun) {
  RuleGroup g = Group(R"(groups:
  - name: g
    rules:
      - alert: First
        expr: vector(1)
      - record: two
        expr: vector(2)
      - alert: Second
        expr: two > 1
)");
  std::vector<std::string> names;
  std::vector<std::string> two_at_call;  // What `two` was when each call came.
  g.Evaluate(kMin, [&](std::vector<Notification> notify) {
    ASSERT_EQ(notify.size(), 1u);
    for (const LabelPair& l : notify[0].labels) {
      if (l.name == "alertname") {
        names.push_back(l.value);
      }
    }
    two_at_call.push_back(Instant("two", kMin));
  });
  EXPECT_THAT(names, ::testing::ElementsAre("First", "Second"));
  ASSERT_EQ(two_at_call.size(), 2u);
  EXPECT_THAT(two_at_call[0], HasSubstr(R"("result":[])"));  // Sent before `two` ran.
  EXPECT_THAT(two_at_call[1], HasSubstr(R"("value":[60,"2"])"));
  // The collecting form returns the same, in rule order.
  RuleGroup again = Group(R"(groups:
  - name: g
    rules:
      - alert: First
        expr: vector(1)
      - alert: Second
        expr: vector(1)
)");
  const std::vector<Notification> all = again.Evaluate(kMin);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_THAT(all[1].labels, ::testing::Contains(LabelPair{"alertname", "Second"}));
}

TEST_F(RuleGroupTest, ForShorterThanIntervalFiresAtTheNextEvaluation) {
  RuleGroup g = Group(R"(groups:
  - name: g
    rules:
      - alert: A
        expr: errors > 5
        for: 10s
)");
  Write("errors", 10, 0);
  Write("errors", 10, kMin);
  EXPECT_TRUE(g.Evaluate(0).empty());
  EXPECT_EQ(g.Evaluate(kMin).size(), 1u);
}

TEST_F(RuleGroupTest, KeepFiringForHoldsAResolvedAlert) {
  RuleGroup g = Group(R"(groups:
  - name: g
    rules:
      - alert: A
        expr: errors > 5
        keep_firing_for: 2m
)");
  Write("errors", 10, 0);
  for (int m = 1; m <= 5; ++m) {
    Write("errors", 0, m * kMin);
  }
  EXPECT_EQ(g.Evaluate(0).size(), 1u);  // No `for`: fires at once.
  g.Evaluate(kMin);
  EXPECT_EQ(g.State()[0].alerts[0].state, AlertState::kFiring);
  g.Evaluate(2 * kMin);
  EXPECT_EQ(g.State()[0].alerts[0].state, AlertState::kFiring);
  g.Evaluate(3 * kMin);  // 2m since it stopped matching: resolves.
  EXPECT_EQ(g.State()[0].alerts[0].state, AlertState::kInactive);
}

TEST_F(RuleGroupTest, RecordingResultsAreVisibleToLaterRulesInTheSameCycle) {
  RuleGroup g = Group(R"(groups:
  - name: g
    rules:
      - record: job:errors:max
        expr: max by (job) (errors)
        labels: {source: rule}
      - alert: FromRecording
        expr: job:errors:max > 5
)");
  Write("errors", 10, 0, "api");
  Write("errors", 1, 0, "db");
  const auto sent = g.Evaluate(0);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_THAT(sent[0].labels, ::testing::Contains(LabelPair{"source", "rule"}));
  EXPECT_THAT(Instant("job:errors:max", 0), HasSubstr(R"("job":"db","source":"rule")"));
  EXPECT_EQ(g.State()[0].health, "ok");
}

TEST_F(RuleGroupTest, DuplicateAlertLabelsAreAnEvaluationError) {
  RuleGroup g = Group(R"(groups:
  - name: g
    rules:
      - alert: A
        expr: errors > 0
        labels: {job: same}
)");
  Write("errors", 1, 0, "api");
  Write("errors", 1, 0, "db");
  EXPECT_TRUE(g.Evaluate(0).empty());
  const auto state = g.State();
  EXPECT_EQ(state[0].health, "err");
  EXPECT_THAT(state[0].last_error, HasSubstr("same labelset after applying alert labels"));
  EXPECT_THAT(Instant("ALERTS", 0), HasSubstr(R"("result":[])"));
}

TEST_F(RuleGroupTest, ReloadKeepsStateOfUnchangedRules) {
  const std::string yaml = R"(groups:
  - name: g
    rules:
      - alert: A
        expr: errors > 5
        for: 5m
)";
  RuleGroup first = Group(yaml);
  Write("errors", 10, 0);
  Write("errors", 10, kMin);
  first.Evaluate(0);
  RuleGroup second = Group(yaml);
  second.AdoptStateFrom(first);
  second.Evaluate(kMin);
  ASSERT_EQ(second.State()[0].alerts.size(), 1u);
  EXPECT_EQ(second.State()[0].alerts[0].active_at_ms, 0);  // Still pending since 0.
}

TEST(RuleScheduleTest, EvaluationTimesAreAlignedWithAStableOffset) {
  GroupSpec g{.name = "g", .file = "f.yml", .interval_ms = kMin, .limit = 0, .rules = {}};
  const std::int64_t t1 = AlignedEvaluationTime(g, 10 * kMin + 1234);
  const std::int64_t t2 = AlignedEvaluationTime(g, 11 * kMin + 1234);
  EXPECT_LE(t1, 10 * kMin + 1234);
  EXPECT_GT(t1, 10 * kMin + 1234 - kMin);
  EXPECT_EQ(t2 - t1, kMin);
  EXPECT_EQ(AlignedEvaluationTime(g, t1), t1);
}

}  // namespace
}  // namespace obs::backend::alert

namespace obs::backend::alert {
namespace {

TEST_F(RuleGroupTest, RulesAndAlertsApiShapes) {
  RuleGroup g = Group(R"(groups:
  - name: g
    interval: 30s
    rules:
      - record: job:errors:max
        expr: max by(job)(errors)
      - alert: High
        expr: errors>5
        for: 1m
        labels: {severity: page}
        annotations: {summary: "{{ $value }}"}
)");
  Write("errors", 11, 1700000000000);
  g.Evaluate(1700000000000);
  const std::vector<GroupSnapshot> snap = {{&g.spec(), g.State()}};
  const auto rules = nlohmann::json::parse(RulesData(snap));
  const auto& group = rules["groups"][0];
  EXPECT_EQ(group["name"], "g");
  EXPECT_EQ(group["file"], "rules.yml");
  EXPECT_EQ(group["interval"], 30.0);
  EXPECT_EQ(group["lastEvaluation"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(group["rules"][0]["type"], "recording");
  EXPECT_EQ(group["rules"][0]["query"], "max by (job) (errors)");
  EXPECT_EQ(group["rules"][0]["health"], "ok");
  const auto& alerting = group["rules"][1];
  EXPECT_EQ(alerting["type"], "alerting");
  EXPECT_EQ(alerting["state"], "pending");
  EXPECT_EQ(alerting["duration"], 60.0);
  EXPECT_EQ(alerting["query"], "errors > 5");
  EXPECT_EQ(alerting["annotations"]["summary"], "{{ $value }}");
  EXPECT_EQ(alerting["alerts"][0]["value"], "1.1e+01");
  EXPECT_EQ(alerting["alerts"][0]["activeAt"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(alerting["alerts"][0]["labels"]["alertname"], "High");
  const auto alerts = nlohmann::json::parse(AlertsData(snap));
  ASSERT_EQ(alerts["alerts"].size(), 1u);
  EXPECT_EQ(alerts["alerts"][0]["state"], "pending");
  EXPECT_EQ(FormatGoExponent(1), "1e+00");
  EXPECT_EQ(FormatGoExponent(0.5), "5e-01");
  EXPECT_EQ(FormatGoExponent(-1234.5), "-1.2345e+03");
}

}  // namespace
}  // namespace obs::backend::alert
