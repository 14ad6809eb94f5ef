// Alert delivery and the rule manager of the reference backend: the notifier's
// Alertmanager v2 and webhook v4 payloads, grouping, retries, failure and
// overflow counting; the manager's aligned schedule, skipped iterations and
// reloads (state kept, a broken file changes nothing); and, end to end over
// loopback, a server that evaluates a rule file and POSTs the alert to a
// webhook receiver, with /api/v1/rules, /api/v1/alerts and /-/reload.

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"
#include "obs/wire/alertmanager.h"
#include "obs/wire/remote_write.h"

#include "alert/notifier.h"
#include "alert/rule_manager.h"
#include "http/http_server.h"
#include "store/storage.h"
#include <nlohmann/json.hpp>

namespace obs::backend::alert {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

Notification Firing(const std::string& name, const std::string& instance) {
  return Notification{.labels = {{"alertname", name}, {"instance", instance}},
                      .annotations = {{"summary", "s"}},
                      .starts_at_ms = 1000,
                      .ends_at_ms = 241000,
                      .resolved = false,
                      .expr = "up == 0"};
}

NotifierOptions Options(NotifierTarget::Kind kind, const std::string& url) {
  NotifierOptions options;
  options.targets.push_back({kind, url});
  return options;
}

// Records POSTs; fails the first `failures` of them.
struct FakePost {
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> posts;
  int failures = 0;

  PostFunction Fn() {
    return [this](const std::string& url, const std::string& body, double /*timeout*/) {
      const std::lock_guard lock(mu);
      posts.emplace_back(url, body);
      if (failures > 0) {
        --failures;
        return UnavailableError("HTTP 503");
      }
      return Status::Ok();
    };
  }
};

TEST(NotifierTest, PostsAlertmanagerV2Alerts) {
  FakePost fake;
  {
    NotifierOptions options =
        Options(NotifierTarget::Kind::kAlertmanagerV2, "http://127.0.0.1:9093/");
    options.external_url = "http://obs:9201";
    Notifier n(options, fake.Fn());
    Notification resolved = Firing("A", "b");
    resolved.resolved = true;
    n.Send({Firing("A", "a"), resolved});
    ASSERT_TRUE(n.Drain(5000));
    EXPECT_EQ(n.counters().requests_sent, 1u);
  }
  ASSERT_EQ(fake.posts.size(), 1u);
  EXPECT_EQ(fake.posts[0].first, "http://127.0.0.1:9093/api/v2/alerts");
  auto alerts = wire::DecodePostableAlerts(fake.posts[0].second);
  ASSERT_OK(alerts);
  ASSERT_EQ(alerts->size(), 2u);
  EXPECT_EQ((*alerts)[0].labels.at("instance"), "a");
  EXPECT_EQ((*alerts)[0].starts_at_ms, 1000);
  EXPECT_EQ((*alerts)[0].ends_at_ms, 241000);
  EXPECT_EQ((*alerts)[0].generator_url, "http://obs:9201/graph?g0.expr=up+%3D%3D+0&g0.tab=1");
}

TEST(NotifierTest, GroupsWebhookMessagesByLabels) {
  Notification other = Firing("B", "a");
  Notification resolved = Firing("A", "b");
  resolved.resolved = true;
  std::vector<wire::AmAlert> alerts;
  for (const Notification& n : {Firing("A", "a"), other, resolved}) {
    alerts.push_back(ToAmAlert(n, "http://x"));
  }
  const auto messages = GroupForWebhook(alerts, {"alertname"}, "http://x");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].group_key, "{}:{alertname=\"A\"}");
  EXPECT_EQ(messages[0].status, "firing");  // One of its two alerts still fires.
  ASSERT_EQ(messages[0].alerts.size(), 2u);
  EXPECT_EQ(messages[0].alerts[1].status, "resolved");
  EXPECT_EQ(messages[0].common_labels, (wire::LabelMap{{"alertname", "A"}}));
  EXPECT_EQ(messages[0].alerts[0].fingerprint,
            wire::Fingerprint({{"alertname", "A"}, {"instance", "a"}}));
  EXPECT_EQ(messages[1].group_labels, (wire::LabelMap{{"alertname", "B"}}));
  EXPECT_EQ(messages[1].receiver, "obsbench");
  // Every message survives the codec the harness's receiver uses.
  auto decoded = wire::DecodeWebhook(wire::EncodeWebhook(messages[0]));
  ASSERT_OK(decoded);
  EXPECT_EQ(decoded->alerts.size(), 2u);
}

TEST(NotifierTest, RetriesThenCountsFailures) {
  FakePost fake;
  fake.failures = 2;
  NotifierOptions options = Options(NotifierTarget::Kind::kWebhook, "http://h/hook");
  options.max_attempts = 3;
  options.retry_backoff_ms = 1;
  Notifier n(options, fake.Fn());
  n.Send({Firing("A", "a")});
  ASSERT_TRUE(n.Drain(5000));
  EXPECT_EQ(n.counters().requests_sent, 1u);
  EXPECT_EQ(n.counters().retries, 2u);
  EXPECT_EQ(n.counters().requests_failed, 0u);

  fake.failures = 10;
  n.Send({Firing("A", "a")});
  ASSERT_TRUE(n.Drain(5000));
  EXPECT_EQ(n.counters().requests_failed, 1u);
  EXPECT_THAT(n.counters().last_error, HasSubstr("503"));
  EXPECT_EQ(fake.posts.size(), 6u);  // 3 attempts each.
}

TEST(NotifierTest, BoundedQueueDropsOldestAndCounts) {
  std::mutex gate;
  gate.lock();  // Holds the first delivery so the queue fills behind it.
  int calls = 0;
  NotifierOptions options = Options(NotifierTarget::Kind::kAlertmanagerV2, "http://h");
  options.queue_capacity = 2;
  Notifier n(options, [&](const std::string&, const std::string&, double) {
    const std::lock_guard lock(gate);
    ++calls;
    return Status::Ok();
  });
  n.Send({Firing("A", "0")});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // Let the sender take it.
  n.Send({Firing("A", "1"), Firing("A", "2"), Firing("A", "3")});
  gate.unlock();
  ASSERT_TRUE(n.Drain(5000));
  EXPECT_EQ(n.counters().alerts_queued, 4u);
  EXPECT_GE(n.counters().alerts_dropped, 1u);
}

TEST(NotifierTest, DeliversGroupsConcurrentlyAndKeepsEachGroupsOrder) {
  // The first group's POST blocks until released; others must get through
  // meanwhile (with one delivery thread they would wait behind it).
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::vector<std::string> posted;  // alertname/status of each alert, in POST order.
  NotifierOptions options = Options(NotifierTarget::Kind::kWebhook, "http://h/hook");
  options.delivery_threads = 4;
  Notifier n(options, [&](const std::string&, const std::string& body, double) {
    auto m = wire::DecodeWebhook(body);
    OBS_CHECK(m.ok()) << m.status();
    std::unique_lock lock(mu);
    const std::string name = m->common_labels.at("alertname");
    if (name == "Slow") {
      cv.wait(lock, [&] { return release; });
    }
    for (const wire::AmAlert& a : m->alerts) {  // A late batch may carry both.
      posted.push_back(name + "/" + a.status);
    }
    cv.notify_all();
    return Status::Ok();
  });
  std::vector<Notification> batch = {Firing("Slow", "a")};
  for (const char* name : {"B", "C", "D", "E", "F", "G", "H", "I"}) {
    batch.push_back(Firing(name, "a"));
  }
  n.Send(batch);
  {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !posted.empty(); }))
        << "nothing was delivered while one group's delivery was blocked";
    release = true;
    cv.notify_all();
  }
  for (Notification& r : batch) {
    r.resolved = true;
  }
  n.Send(batch);
  ASSERT_TRUE(n.Drain(10000));
  EXPECT_EQ(n.counters().requests_failed, 0u);
  const std::lock_guard lock(mu);
  ASSERT_EQ(posted.size(), 18u);
  for (const Notification& r : batch) {
    const std::string name = r.labels[0].value;
    const auto firing = std::find(posted.begin(), posted.end(), name + "/firing");
    const auto resolved = std::find(posted.begin(), posted.end(), name + "/resolved");
    ASSERT_NE(firing, posted.end()) << name;
    ASSERT_NE(resolved, posted.end()) << name;
    EXPECT_LT(firing - posted.begin(), resolved - posted.begin()) << name;
  }
}

TEST(WakeWaitTest, SleepsTheSureMillisecondsThenPollsTheLastOne) {
  EXPECT_EQ(WakeWait(1000, 1000).count(), 0);
  EXPECT_EQ(WakeWait(1003, 1000).count(), 0);
  // 1000 read from a millisecond clock may be 1000.999: only 4 ms surely remain.
  EXPECT_EQ(WakeWait(1000, 1005), std::chrono::milliseconds(4));
  EXPECT_EQ(WakeWait(1000, 1002), std::chrono::milliseconds(1));
  EXPECT_EQ(WakeWait(1000, 1001), kFinalPoll);
  EXPECT_LT(kFinalPoll, std::chrono::milliseconds(1));
}

TEST(NotifierTest, RealTransportReportsRefusedConnection) {
  // Port 1 on loopback: nothing listens there.
  const Status s = CurlPost("http://127.0.0.1:1/api/v2/alerts", "[]", 2);
  EXPECT_THAT(s, StatusIs(StatusCode::kUnavailable, HasSubstr("127.0.0.1:1")));
}

class FixedClock : public Clock {
 public:
  SteadyClock::time_point SteadyNow() const override { return SteadyClock::now(); }
  std::int64_t UnixMillisNow() const override { return now_ms; }
  std::int64_t now_ms = 0;
};

class RuleManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("obs_rules_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    file_ = (dir_ / "rules.yml").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void WriteFile(const std::string& text) {
    std::ofstream out(file_, std::ios::trunc);
    out << text;
  }
  void Sample(double v, std::int64_t t) {
    wire::WriteRequestView req;
    req.timeseries.push_back({{{"__name__", "queue_depth"}, {"job", "q"}}, {{v, t}}});
    ASSERT_OK(storage_.Append(req));
  }
  RuleManagerOptions Files() const {
    RuleManagerOptions options;
    options.files = {file_};
    return options;
  }
  nlohmann::json Alerts(const RuleManager& m) {
    return nlohmann::json::parse(m.AlertsJson())["alerts"];
  }

  std::filesystem::path dir_;
  std::string file_;
  Storage storage_;
  FixedClock clock_;
};

constexpr char kBacklogRules[] = R"(groups:
  - name: queue
    interval: 10s
    rules:
      - alert: QueueBacklog
        expr: queue_depth > 1000
        for: 20s
        annotations:
          summary: backlog
)";

TEST_F(RuleManagerTest, EvaluatesAtAlignedTimesAndKeepsStateOverReload) {
  WriteFile(kBacklogRules);
  FakePost fake;
  Notifier notifier(Options(NotifierTarget::Kind::kWebhook, "http://h/hook"), fake.Fn());
  RuleManager m(storage_, Files(), &notifier, clock_);
  ASSERT_OK(m.Load());
  const std::int64_t t0 = 1'700'000'000'000;
  for (std::int64_t t = t0 - 60000; t <= t0 + 120000; t += 1000) {
    Sample(2000, t);
  }
  m.EvaluateDue(t0);  // Schedules only: the first evaluation is at the next aligned time.
  EXPECT_EQ(m.counters().evaluations, 0u);
  GroupSpec spec;
  spec.name = "queue";
  spec.file = file_;
  spec.interval_ms = 10000;
  const std::int64_t first = AlignedEvaluationTime(spec, t0) + 10000;
  m.EvaluateDue(first);
  EXPECT_EQ(m.counters().evaluations, 1u);
  ASSERT_EQ(Alerts(m).size(), 1u);
  EXPECT_EQ(Alerts(m)[0]["state"], "pending");
  const std::string active_at = Alerts(m)[0]["activeAt"];

  // A reload with an unchanged rule keeps the pending alert and its activeAt.
  WriteFile(std::string(kBacklogRules) + "          runbook: r\n");
  ASSERT_OK(m.Load());
  // 25 s later: two aligned times are due; Prometheus evaluates the latest only.
  m.EvaluateDue(first + 25000);
  EXPECT_EQ(m.counters().evaluations, 2u);
  EXPECT_EQ(m.counters().missed_iterations, 1u);
  ASSERT_EQ(Alerts(m).size(), 1u);
  EXPECT_EQ(Alerts(m)[0]["state"], "firing");
  EXPECT_EQ(Alerts(m)[0]["activeAt"], active_at);
  ASSERT_TRUE(notifier.Drain(5000));
  ASSERT_EQ(fake.posts.size(), 1u);
  auto message = wire::DecodeWebhook(fake.posts[0].second);
  ASSERT_OK(message);
  EXPECT_EQ(message->alerts[0].labels.at("alertname"), "QueueBacklog");
  EXPECT_EQ(message->alerts[0].starts_at_ms, first + 20000);
  EXPECT_EQ(message->alerts[0].annotations.at("runbook"), "r");
}

TEST_F(RuleManagerTest, GroupsDueTogetherAreAllEvaluatedAndNotified) {
  WriteFile(R"(groups:
  - name: one
    interval: 10s
    rules:
      - alert: FromOne
        expr: vector(1)
  - name: two
    interval: 10s
    rules:
      - alert: FromTwo
        expr: vector(1)
  - name: three
    interval: 10s
    rules:
      - record: r
        expr: vector(3)
)");
  FakePost fake;
  Notifier notifier(Options(NotifierTarget::Kind::kWebhook, "http://h/hook"), fake.Fn());
  RuleManager m(storage_, Files(), &notifier, clock_);
  ASSERT_OK(m.Load());
  const std::int64_t t0 = 1'700'000'000'000;
  m.EvaluateDue(t0);
  m.EvaluateDue(t0 + 10000);  // Every group's first aligned time has passed.
  EXPECT_EQ(m.counters().evaluations, 3u);
  m.EvaluateDue(t0 + 30000);  // Each is due again, one iteration missed.
  EXPECT_EQ(m.counters().evaluations, 6u);
  std::uint64_t missed = 0;  // One each, unless a group's offset puts it on t0 itself.
  for (const char* name : {"one", "two", "three"}) {
    GroupSpec spec;
    spec.name = name;
    spec.file = file_;
    spec.interval_ms = 10000;
    const std::int64_t second = AlignedEvaluationTime(spec, t0) + 20000;
    missed += static_cast<std::uint64_t>((t0 + 30000 - second) / 10000);
  }
  EXPECT_EQ(m.counters().missed_iterations, missed);
  ASSERT_TRUE(notifier.Drain(5000));
  const std::lock_guard lock(fake.mu);
  std::vector<std::string> names;
  for (const auto& [url, body] : fake.posts) {
    auto message = wire::DecodeWebhook(body);
    ASSERT_OK(message);
    names.push_back(message->common_labels.at("alertname"));
  }
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("FromOne", "FromTwo"));
  const auto rules = nlohmann::json::parse(m.RulesJson());
  ASSERT_EQ(rules["groups"].size(), 3u);
  for (const auto& g : rules["groups"]) {
    EXPECT_EQ(g["rules"][0]["health"], "ok") << g["name"];
  }
}

TEST_F(RuleManagerTest, BrokenReloadKeepsRunningRules) {
  WriteFile(kBacklogRules);
  RuleManager m(storage_, Files(), nullptr, clock_);
  ASSERT_OK(m.Load());
  WriteFile("groups:\n  - name: queue\n    rules:\n      - alert: X\n        expr: sum(\n");
  EXPECT_THAT(m.Load(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("rules.yml:5:")));
  const auto rules = nlohmann::json::parse(m.RulesJson());
  ASSERT_EQ(rules["groups"].size(), 1u);
  EXPECT_EQ(rules["groups"][0]["rules"][0]["name"], "QueueBacklog");
  EXPECT_EQ(m.counters().failed_reloads, 1u);
  std::filesystem::remove(file_);
  EXPECT_THAT(m.Load(), StatusIs(StatusCode::kNotFound, HasSubstr("rules.yml")));
}

// The webhook receiver side of the end-to-end test: records message bodies.
class Receiver {
 public:
  Receiver() {
    auto s = http::HttpServer::Start(http::HttpServerOptions{.listen_address = "127.0.0.1",
                                                             .port = 0,
                                                             .max_body_bytes = 1 << 20,
                                                             .on_transport_answer = {}},
                                     [this](const http::Request& r) {
                                       const std::lock_guard lock(mu_);
                                       bodies_.push_back(r.body);
                                       http::Response response;
                                       response.status = 200;
                                       return response;
                                     });
    OBS_CHECK(s.ok()) << s.status();
    server_ = std::move(*s);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/"; }
  // Waits up to `seconds` for at least `n` messages.
  std::vector<std::string> WaitFor(std::size_t n, int seconds) {
    for (int i = 0; i < seconds * 20; ++i) {
      {
        const std::lock_guard lock(mu_);
        if (bodies_.size() >= n) {
          return bodies_;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> bodies_;
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(RuleManagerTest, ServerEvaluatesRulesAndNotifiesWebhook) {
  WriteFile(R"(groups:
  - name: always
    interval: 1s
    rules:
      - alert: AlwaysOn
        expr: vector(1)
        labels: {severity: page}
)");
  Receiver receiver;
  ServerOptions options;
  options.alerting.rule_files = {file_};
  options.alerting.webhook_url = receiver.url();
  ::obs::testing::LoopbackBackend backend;
  ASSERT_OK(backend.Start(options));
  const std::vector<std::string> bodies = receiver.WaitFor(1, 10);
  ASSERT_GE(bodies.size(), 1u);
  auto message = wire::DecodeWebhook(bodies[0]);
  ASSERT_OK(message);
  EXPECT_EQ(message->status, "firing");
  EXPECT_EQ(message->common_labels.at("severity"), "page");
  EXPECT_THAT(message->alerts[0].generator_url,
              HasSubstr("127.0.0.1:" + std::to_string(backend.port()) + "/graph?g0.expr="));

  auto alerts = backend.Get("/api/v1/alerts");
  ASSERT_OK(alerts);
  EXPECT_EQ(nlohmann::json::parse(alerts->body)["data"]["alerts"][0]["state"], "firing");
  EXPECT_GE(backend.server().counters().notifications_sent, 1u);

  // Reload through the API: a new rule shows up; a broken file is a 500 naming it.
  WriteFile(R"(groups:
  - name: always
    interval: 1s
    rules:
      - record: one
        expr: vector(1)
)");
  auto reload = backend.Post("/-/reload", "");
  ASSERT_OK(reload);
  EXPECT_EQ(reload->status, 200);
  auto rules = backend.Get("/api/v1/rules");
  ASSERT_OK(rules);
  EXPECT_EQ(nlohmann::json::parse(rules->body)["data"]["groups"][0]["rules"][0]["type"],
            "recording");
  WriteFile("groups: [\n");
  reload = backend.Post("/-/reload", "");
  ASSERT_OK(reload);
  EXPECT_EQ(reload->status, 500);
  EXPECT_THAT(reload->body, HasSubstr("rules.yml:2:1"));
  auto wrong_method = backend.Get("/-/reload");
  ASSERT_OK(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
}

TEST_F(RuleManagerTest, ServerRefusesToStartWithABrokenRuleFile) {
  WriteFile("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up[5m]\n");
  ServerOptions options;
  options.alerting.rule_files = {file_};
  EXPECT_THAT(Server::Start(options),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("rules.yml:5:")));
}

}  // namespace
}  // namespace obs::backend::alert
