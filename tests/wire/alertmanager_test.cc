// Alertmanager API v2 and webhook v4 payloads: round trips, the exact time
// formats Prometheus and Alertmanager write, validation errors that name the
// element and field, fingerprints and common labels.

#include "obs/wire/alertmanager.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include <nlohmann/json.hpp>

namespace obs::wire {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

constexpr std::int64_t kT = 1700000000123;  // 2023-11-14T22:13:20.123Z

TEST(AlertmanagerTest, FormatsTimesLikeGo) {
  EXPECT_EQ(FormatRfc3339(kT, true), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatRfc3339(1700000000000, true), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(FormatRfc3339(1700000000000, false), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatRfc3339(1700000000100, false), "2023-11-14T22:13:20.1Z");
  EXPECT_EQ(FormatRfc3339(-1, true), "1969-12-31T23:59:59.999Z");
  EXPECT_THAT(ParseRfc3339("2023-11-14T23:13:20.123456+01:00"), ::obs::testing::IsOkAndHolds(kT));
  EXPECT_THAT(ParseRfc3339("0001-01-01T00:00:00Z"), ::obs::testing::IsOkAndHolds(0));
  EXPECT_THAT(ParseRfc3339("2023-02-30T00:00:00Z"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("cannot parse")));
  EXPECT_THAT(ParseRfc3339("yesterday"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("cannot parse")));
}

TEST(AlertmanagerTest, PostableAlertsRoundTrip) {
  const std::vector<AmAlert> alerts = {{.labels = {{"alertname", "High"}, {"job", "api"}},
                                        .annotations = {{"summary", "5xx \"too\" high"}},
                                        .starts_at_ms = kT,
                                        .ends_at_ms = kT + 240000,
                                        .generator_url = "http://127.0.0.1:9090/graph?g0.expr=x",
                                        .status = "",
                                        .fingerprint = ""},
                                       {.labels = {{"alertname", "Down"}},
                                        .annotations = {},
                                        .starts_at_ms = 0,
                                        .ends_at_ms = 0,
                                        .generator_url = "",
                                        .status = "",
                                        .fingerprint = ""}};
  const std::string body = EncodePostableAlerts(alerts);
  const auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j[0]["startsAt"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j[0]["endsAt"], "2023-11-14T22:17:20.123Z");
  EXPECT_FALSE(j[1].contains("startsAt"));
  EXPECT_FALSE(j[1].contains("generatorURL"));
  auto back = DecodePostableAlerts(body);
  ASSERT_OK(back);
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].labels, alerts[0].labels);
  EXPECT_EQ((*back)[0].annotations, alerts[0].annotations);
  EXPECT_EQ((*back)[0].starts_at_ms, kT);
  EXPECT_EQ((*back)[0].generator_url, alerts[0].generator_url);
}

TEST(AlertmanagerTest, PostableAlertsValidation) {
  struct Case {
    const char* body;
    const char* error;
  };
  const Case cases[] = {
      {"{", "invalid JSON"},
      {"{}", "must be a JSON array"},
      {"[1]", "alerts[0]: must be an object"},
      {R"([{"annotations":{}}])", "alerts[0].labels: required"},
      {R"([{"labels":{}}])", "alerts[0].labels: at least one label pair required"},
      {R"([{"labels":{"a":"b"}},{"labels":{"1x":"b"}}])", "alerts[1].labels: invalid label name"},
      {R"([{"labels":{"a":1}}])", "alerts[0].labels.a: must be a string"},
      {R"([{"labels":{"a":"b"},"startsAt":"now"}])", "alerts[0].startsAt: cannot parse"},
      {R"([{"labels":{"a":"b"},"startsAt":"2023-01-02T00:00:00Z","endsAt":"2023-01-01T00:00:00Z"}])",
       "alerts[0]: start time must be before end time"},
      {"[{\"labels\":{\"a\":\"\xff\"}}]", "not valid UTF-8"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(DecodePostableAlerts(c.body),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.error)))
        << c.body;
  }
}

TEST(AlertmanagerTest, WebhookRoundTripAndShape) {
  WebhookMessage m;
  m.group_key = "{}:{alertname=\"High\"}";
  m.status = "firing";
  m.receiver = "obsbench";
  m.group_labels = {{"alertname", "High"}};
  m.external_url = "http://am:9093";
  m.alerts.push_back({.labels = {{"alertname", "High"}, {"job", "api"}},
                      .annotations = {{"summary", "s"}},
                      .starts_at_ms = kT,
                      .ends_at_ms = 0,
                      .generator_url = "g",
                      .status = "firing",
                      .fingerprint = ""});
  m.common_labels = CommonLabels(m.alerts);
  const std::string body = EncodeWebhook(m);
  const auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["version"], "4");
  EXPECT_EQ(j["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z");  // Go's zero time.
  EXPECT_EQ(j["alerts"][0]["startsAt"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["alerts"][0]["fingerprint"], Fingerprint(m.alerts[0].labels));
  auto back = DecodeWebhook(body);
  ASSERT_OK(back);
  EXPECT_EQ(back->group_key, m.group_key);
  EXPECT_EQ(back->alerts[0].ends_at_ms, 0);
  EXPECT_EQ(back->alerts[0].status, "firing");
  EXPECT_EQ(back->common_labels, m.common_labels);
  EXPECT_THAT(DecodeWebhook(R"({"version":"3","alerts":[]})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("version: must be \"4\"")));
  EXPECT_THAT(DecodeWebhook(R"({"version":"4"})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("alerts: required array")));
  EXPECT_THAT(DecodeWebhook(R"({"version":"4","alerts":[{"labels":{"a":"b"},"status":"maybe"}]})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("alerts[0].status")));
}

TEST(AlertmanagerTest, FingerprintIsFnv1aOverSortedPairs) {
  // FNV-1a 64 of "" is the offset basis: Alertmanager's empty-label fingerprint.
  EXPECT_EQ(Fingerprint({}), "cbf29ce484222325");
  // Hand check: "a" 0xff "b" 0xff.
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : std::string("a\xff"
                                  "b\xff")) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  char want[32];
  std::snprintf(want, sizeof(want), "%016llx", static_cast<unsigned long long>(h));
  EXPECT_EQ(Fingerprint({{"a", "b"}}), want);
  EXPECT_NE(Fingerprint({{"a", "b"}}), Fingerprint({{"a", "c"}}));
}

TEST(AlertmanagerTest, CommonLabelsAndAnnotations) {
  std::vector<AmAlert> alerts(2);
  alerts[0].labels = {{"alertname", "A"}, {"job", "x"}, {"zone", "1"}};
  alerts[1].labels = {{"alertname", "A"}, {"job", "y"}, {"zone", "1"}};
  alerts[0].annotations = {{"s", "same"}};
  alerts[1].annotations = {{"s", "same"}, {"t", "only"}};
  EXPECT_EQ(CommonLabels(alerts), (LabelMap{{"alertname", "A"}, {"zone", "1"}}));
  EXPECT_EQ(CommonAnnotations(alerts), (LabelMap{{"s", "same"}}));
  EXPECT_TRUE(CommonLabels({}).empty());
}

}  // namespace
}  // namespace obs::wire
