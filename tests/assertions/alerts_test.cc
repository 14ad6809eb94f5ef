// Alert assertions on hand-made receiver recordings: on-time, early, late
// and missing firings; resolution windows; negative controls; label and
// annotation matching; notification counts; delivery latency; episodes.

#include "obs/assertions/alerts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace obs::assertions {
namespace {

using ::testing::HasSubstr;

AlertNotificationRecord Note(double t, const char* status, std::string alert = "QueueBacklog") {
  AlertNotificationRecord n;
  n.t_seconds = t;
  n.status = status;
  n.format = "webhook";
  n.labels = {{"alertname", std::move(alert)}, {"queue", "orders"}, {"severity", "ticket"}};
  n.annotations = {{"summary", "queue orders holds 1500 messages"}};
  n.arrival_unix_ms = 1000000 + static_cast<std::int64_t>(t * 1000);
  n.starts_at_ms = n.arrival_unix_ms - 40;
  return n;
}

class AlertsTest : public ::testing::Test {
 protected:
  AlertsTest() {
    rec_.alerts.enabled = true;
    rec_.alerts.listen_seconds = 600;
    // Step at 120 s held to the end; for 5m, sampled every 15 s.
    rec_.alerts.checks.push_back({.alert = "QueueBacklog",
                                  .signal = "queue/queue_depth > 1000",
                                  .shape = "step 500 -> 1500 at 120s",
                                  .for_seconds = 300,
                                  .evaluation_interval_seconds = 15,
                                  .sample_interval_seconds = 15,
                                  .episodes = {{120, -1}}});
  }

  std::vector<AssertionResult> Run(AlertSpec spec) {
    spec.alert = spec.alert.empty() ? "QueueBacklog" : spec.alert;
    return EvaluateAlerts(rec_, {spec});
  }

  RunRecord rec_;
};

TEST_F(AlertsTest, FiringInsideTheWindowPasses) {
  rec_.alerts.notifications = {Note(430, "firing"), Note(490, "firing")};  // A resend.
  const auto r = Run({.check = 0, .fires_within_seconds = 30});
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].outcome, Outcome::kPassed) << r[0].actual;
  EXPECT_EQ(r[0].spec.figure, "alert.fires");
  EXPECT_THAT(r[0].actual, HasSubstr("fired at 430 s (window [420 s, 450 s])"));
}

TEST_F(AlertsTest, EarlyLateAndMissingFiringsFail) {
  rec_.alerts.notifications = {Note(200, "firing")};
  auto r = Run({.check = 0, .fires_within_seconds = 30});
  EXPECT_EQ(r[0].outcome, Outcome::kFailed);
  EXPECT_THAT(r[0].actual, HasSubstr("220 s before crossing + for"));
  EXPECT_THAT(r[0].actual, HasSubstr("did not wait for `for`"));
  rec_.alerts.notifications = {Note(470, "firing")};
  r = Run({.check = 0, .fires_within_seconds = 30});
  EXPECT_EQ(r[0].outcome, Outcome::kFailed);
  EXPECT_THAT(r[0].actual, HasSubstr("20 s after the window [420 s, 450 s]"));
  rec_.alerts.notifications = {Note(430, "firing", "OtherAlert")};
  r = Run({.check = 0, .fires_within_seconds = 30});
  EXPECT_EQ(r[0].outcome, Outcome::kFailed);
  EXPECT_THAT(r[0].actual, HasSubstr("no firing notification, expected in [420 s, 450 s]"));
}

TEST_F(AlertsTest, EpisodesTooShortOrCutOffAreNotJudged) {
  rec_.alerts.checks[0].episodes = {};
  auto r = Run({.check = 0, .fires_within_seconds = 30});
  EXPECT_EQ(r[0].outcome, Outcome::kNoData);
  EXPECT_THAT(r[0].actual, HasSubstr("never met"));
  rec_.alerts.listen_seconds = 400;  // The window would end after listening stopped.
  rec_.alerts.checks[0].episodes = {{120, -1}};
  r = Run({.check = 0, .fires_within_seconds = 30});
  EXPECT_EQ(r[0].outcome, Outcome::kNoData);
}

TEST_F(AlertsTest, EachEpisodeOfASlowFlapMustFireAndResolve) {
  rec_.alerts.listen_seconds = 2000;
  rec_.alerts.checks[0].episodes = {{100, 700}, {1000, 1600}};
  rec_.alerts.notifications = {Note(410, "firing"), Note(720, "resolved"), Note(1310, "firing"),
                               Note(1700, "resolved")};
  const auto r = Run({.check = 0, .fires_within_seconds = 30, .resolves_within_seconds = 60});
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].outcome, Outcome::kPassed) << r[0].actual;
  EXPECT_EQ(r[1].outcome, Outcome::kFailed);
  EXPECT_EQ(r[1].spec.figure, "alert.resolves");
  EXPECT_THAT(r[1].actual, HasSubstr("episode 2 (recovery at 1600 s): resolved at 1700 s, 40 s "
                                     "after the window"));
}

TEST_F(AlertsTest, ResolvingWhileTheSignalStillHoldsFails) {
  rec_.alerts.checks[0].episodes = {{120, 500}};
  rec_.alerts.notifications = {Note(430, "firing"), Note(460, "resolved")};
  const auto r = Run({.check = 0, .resolves_within_seconds = 60});
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].outcome, Outcome::kFailed);
  EXPECT_THAT(r[0].actual, HasSubstr("while the signal still met the threshold"));
}

TEST_F(AlertsTest, NeverFiresIsANegativeControl) {
  EXPECT_EQ(Run({.check = 0, .never_fires = true})[0].outcome, Outcome::kPassed);
  rec_.alerts.notifications = {Note(20, "resolved"), Note(430, "firing")};
  const auto r = Run({.check = 0, .never_fires = true});
  EXPECT_EQ(r[0].outcome, Outcome::kFailed);
  EXPECT_THAT(r[0].explanation, HasSubstr("negative control: queue/queue_depth > 1000"));
  EXPECT_THAT(r[0].actual, HasSubstr("first at 430 s"));
}

TEST_F(AlertsTest, LabelsAndAnnotationsMatchExactlyOrByPattern) {
  rec_.alerts.notifications = {Note(430, "firing")};
  auto r = Run({.labels = {{"severity", "ticket"}, {"queue", "~ord.*"}},
                .annotations = {{"summary", "~queue orders holds [0-9]+ messages"}}});
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].outcome, Outcome::kPassed);
  EXPECT_EQ(r[1].outcome, Outcome::kPassed);
  r = Run({.labels = {{"severity", "page"}}, .annotations = {{"runbook", "x"}}});
  EXPECT_EQ(r[0].outcome, Outcome::kFailed);
  EXPECT_EQ(r[0].actual, "severity=\"ticket\"");
  EXPECT_EQ(r[1].outcome, Outcome::kFailed);
  EXPECT_EQ(r[1].actual, "runbook missing");
  rec_.alerts.notifications.clear();
  EXPECT_EQ(Run({.labels = {{"severity", "page"}}})[0].outcome, Outcome::kNoData);
}

TEST_F(AlertsTest, NotificationCountAndDeliveryLatency) {
  rec_.alerts.notifications = {Note(430, "firing"), Note(490, "firing"), Note(550, "resolved")};
  rec_.alerts.notifications[1].starts_at_ms = rec_.alerts.notifications[0].starts_at_ms;  // Resend.
  auto r = Run({.max_notifications = 3, .delivery_p95_within_seconds = 0.1});
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0].outcome, Outcome::kPassed);
  EXPECT_EQ(r[1].outcome, Outcome::kPassed) << r[1].actual;
  EXPECT_THAT(r[1].actual, HasSubstr("p95 of 1 firings"));  // The resend is not a delivery.
  r = Run({.max_notifications = 2, .delivery_p95_within_seconds = 0.01});
  EXPECT_EQ(r[0].outcome, Outcome::kFailed);
  EXPECT_THAT(r[0].explanation, HasSubstr("duplicates beyond the resend policy"));
  EXPECT_EQ(r[1].outcome, Outcome::kFailed);
  EXPECT_THAT(r[1].actual, HasSubstr("40.0 ms"));
}

}  // namespace
}  // namespace obs::assertions
