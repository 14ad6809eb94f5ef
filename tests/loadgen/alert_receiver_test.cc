// AlertReceiver: both notification formats over real HTTP on loopback,
// arrival times from the injected clock, bad bodies answered 400 without
// losing what was recorded, and the parser's messages.

#include "obs/loadgen/alert_receiver.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "http_client.h"
#include "url.h"

namespace obs::loadgen {
namespace {

using ::testing::HasSubstr;
using testing::StatusIs;

constexpr char kWebhook[] = R"({
  "version": "4", "groupKey": "{}:{alertname=\"QueueBacklog\"}", "status": "firing",
  "receiver": "obsbench", "groupLabels": {"alertname": "QueueBacklog"},
  "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://x",
  "alerts": [
    {"status": "firing", "labels": {"alertname": "QueueBacklog", "queue": "orders"},
     "annotations": {"summary": "queue orders holds 1500 messages"},
     "startsAt": "2026-12-03T10:00:00.000Z", "endsAt": "0001-01-01T00:00:00Z",
     "generatorURL": "http://x/graph", "fingerprint": "0123456789abcdef"},
    {"status": "resolved", "labels": {"alertname": "QueueBacklog", "queue": "jobs"},
     "annotations": {}, "startsAt": "2026-12-03T09:00:00Z", "endsAt": "2026-12-03T09:30:00Z"}
  ]})";

constexpr char kApiV2[] = R"([
  {"labels": {"alertname": "ServiceDown", "instance": "a:1"}, "annotations": {"summary": "down"},
   "startsAt": "2026-12-03T10:00:00Z", "endsAt": "2026-12-03T10:04:00Z",
   "generatorURL": "http://p/graph"},
  {"labels": {"alertname": "ServiceDown", "instance": "b:1"},
   "startsAt": "2026-12-03T09:50:00Z", "endsAt": "2026-12-03T09:59:00Z"}
])";

// 2026-12-03T10:01:00Z.
constexpr std::int64_t kArrival = 1796292060000;

class FixedClock final : public Clock {
 public:
  SteadyClock::time_point SteadyNow() const override { return RealClock().SteadyNow(); }
  std::int64_t UnixMillisNow() const override { return kArrival; }
};

TEST(AlertReceiverParseTest, WebhookV4KeepsEachAlertsStatus) {
  auto n = ParseNotification(kWebhook, kArrival);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->format, "webhook");
  ASSERT_EQ(n->alerts.size(), 2U);
  EXPECT_EQ(n->alerts[0].status, "firing");
  EXPECT_EQ(n->alerts[0].labels.at("queue"), "orders");
  EXPECT_EQ(n->alerts[0].annotations.at("summary"), "queue orders holds 1500 messages");
  EXPECT_EQ(n->alerts[0].starts_at_ms, 1796292000000);
  EXPECT_EQ(n->alerts[0].ends_at_ms, 0);  // Go's zero time.
  EXPECT_EQ(n->alerts[0].generator_url, "http://x/graph");
  EXPECT_EQ(n->alerts[1].status, "resolved");
}

TEST(AlertReceiverParseTest, ApiV2StatusFollowsEndsAt) {
  auto n = ParseNotification(kApiV2, kArrival);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->format, "alertmanager");
  ASSERT_EQ(n->alerts.size(), 2U);
  EXPECT_EQ(n->alerts[0].status, "firing");  // endsAt in the future: Prometheus's resend window.
  EXPECT_EQ(n->alerts[1].status, "resolved");
  EXPECT_TRUE(n->alerts[1].annotations.empty());
}

TEST(AlertReceiverParseTest, BadBodiesNameTheProblem) {
  // The messages are obs/wire/alertmanager.h's; the receiver passes them on.
  EXPECT_THAT(ParseNotification("{", 0),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid JSON")));
  EXPECT_THAT(ParseNotification(R"({"version":"3","alerts":[]})", 0),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("version: must be \"4\"")));
  EXPECT_THAT(ParseNotification(R"({"version":"4"})", 0),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("alerts: required")));
  EXPECT_THAT(ParseNotification(R"([{"labels":{}}])", 0),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("alerts[0].labels: at least one")));
  EXPECT_THAT(ParseNotification(R"([{"labels":{"a":1}}])", 0),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("alerts[0].labels.a: must be")));
  EXPECT_THAT(ParseNotification("42", 0),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("must be a JSON object")));
  // A webhook alert without a status is judged by endsAt.
  auto n = ParseNotification(R"({"version":"4","alerts":[{"labels":{"a":"b"}}]})", 0);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->alerts[0].status, "firing");
}

internal::HttpResponse Post(const std::string& url, std::string_view body) {
  auto u = internal::ParseHttpUrl(url);
  EXPECT_TRUE(u.ok());
  internal::HttpClient client({.url = *u, .headers = {{"Content-Type", "application/json"}}});
  return client.Post(body);
}

TEST(AlertReceiverTest, RecordsNotificationsOverHttpAndRejectsBadOnes) {
  FixedClock clock;
  auto receiver = AlertReceiver::Start({.clock = &clock});
  ASSERT_TRUE(receiver.ok()) << receiver.status().ToString();
  AlertReceiver& r = **receiver;
  ASSERT_NE(r.port(), 0);
  EXPECT_EQ(Post(r.base_url() + "/hook", kWebhook).status, 200);
  const internal::HttpResponse bad = Post(r.base_url() + "/hook", "not json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("invalid JSON"));
  EXPECT_EQ(Post(r.base_url() + "/api/v2/alerts", kApiV2).status, 200);
  const std::vector<Notification> got = r.Notifications();
  ASSERT_EQ(got.size(), 2U);  // The rejected body lost nothing already recorded.
  EXPECT_EQ(got[0].path, "/hook");
  EXPECT_EQ(got[0].arrival_unix_ms, kArrival);
  EXPECT_EQ(got[1].format, "alertmanager");
  EXPECT_EQ(got[1].path, "/api/v2/alerts");
  EXPECT_EQ(r.rejected(), 1U);
  r.Stop();
  r.Stop();  // Idempotent.
}

TEST(AlertReceiverTest, KeepsTheNewestNotificationsWhenFull) {
  auto receiver = AlertReceiver::Start({.max_notifications = 2});
  ASSERT_TRUE(receiver.ok());
  for (int i = 0; i < 3; ++i) {
    const std::string body = R"([{"labels":{"alertname":"A","n":")" + std::to_string(i) + R"("}}])";
    EXPECT_EQ(Post((*receiver)->base_url(), body).status, 200);
  }
  const std::vector<Notification> got = (*receiver)->Notifications();
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].alerts[0].labels.at("n"), "1");
  EXPECT_EQ((*receiver)->dropped(), 1U);
}

TEST(AlertReceiverTest, BadAddressIsInvalidArgument) {
  EXPECT_THAT(AlertReceiver::Start({.listen_address = "not an address"}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("bad listen address")));
}

}  // namespace
}  // namespace obs::loadgen
