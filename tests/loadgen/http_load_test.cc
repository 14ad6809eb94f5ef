// RunHttpLoad against a scripted loopback sink: the open-loop rate held and
// every scheduled request sent once, the weighted mix (deterministic from the
// seed), methods, targets, headers and bodies as specified, status codes
// classified without retries, a stalled server showing as corrected latency
// and late requests, a stop counting what was due but unsent, and bad
// options refused with the option named.

#include "obs/loadgen/http_load.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "loopback_sink.h"

namespace obs::loadgen {
namespace {

using obs::testing::StatusIs;
using ::testing::HasSubstr;
using testing::LoopbackSink;
using testing::SinkAnswer;
using ::testing::StartsWith;

std::string BaseUrl(const LoopbackSink& sink) {
  return "http://127.0.0.1:" + std::to_string(sink.port());
}

HttpLoadOptions Options(const LoopbackSink& sink) {
  HttpLoadOptions o;
  o.base_url = BaseUrl(sink);
  o.requests = {{.method = "GET", .path = "/"}};
  o.requests_per_second = 200;
  o.duration_seconds = 0.25;
  o.concurrency = 2;
  o.request_timeout_seconds = 5;
  return o;
}

// Requests the per-sender schedules offer for the whole run.
std::uint64_t Scheduled(const HttpLoadOptions& o) {
  ScheduleOptions s{.rate = o.requests_per_second / o.concurrency,
                    .stages = {},
                    .duration_seconds = o.duration_seconds};
  auto schedule = OpenLoopSchedule::Create(s, SteadyClock::time_point{});
  EXPECT_TRUE(schedule.ok()) << schedule.status();
  return schedule->total() * static_cast<std::uint64_t>(o.concurrency);
}

TEST(HttpLoadTest, HoldsTheRateAndSendsEveryScheduledRequestOnce) {
  LoopbackSink sink([](int) { return SinkAnswer{.status = 200}; });
  HttpLoadOptions o = Options(sink);
  o.requests_per_second = 400;
  o.duration_seconds = 1;
  auto result = RunHttpLoad(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  const WorkloadRecord& rec = result->record;
  const std::uint64_t scheduled = Scheduled(o);
  EXPECT_EQ(rec.kind, "http");
  EXPECT_EQ(rec.name, "http");
  EXPECT_EQ(rec.requests, scheduled);
  EXPECT_EQ(rec.requests_unsent, 0U);
  EXPECT_EQ(rec.samples_sent, rec.requests);
  EXPECT_EQ(rec.attempts, rec.requests);
  EXPECT_EQ(rec.retries, 0U);
  EXPECT_EQ(rec.requests_succeeded, scheduled);
  EXPECT_EQ(rec.samples_acked, scheduled);
  EXPECT_EQ(rec.status_codes.at(200), scheduled);
  EXPECT_EQ(sink.requests().size(), scheduled);
  EXPECT_EQ(result->requests_by_spec, std::vector<std::uint64_t>{scheduled});
  EXPECT_EQ(rec.latency_corrected.count(), scheduled);
  EXPECT_EQ(rec.latency_uncorrected.count(), scheduled);
  EXPECT_NEAR(rec.target_requests_per_second, 400, 20);
  EXPECT_NEAR(rec.target_samples_per_second, rec.target_requests_per_second, 1e-9);
  EXPECT_GT(rec.achieved_requests_per_second, 0.9 * rec.target_requests_per_second);
  EXPECT_LE(rec.achieved_requests_per_second, rec.target_requests_per_second + 1e-9);
  EXPECT_FALSE(rec.intervals.empty());
}

TEST(HttpLoadTest, SplitsByWeightDeterministicallyFromTheSeed) {
  LoopbackSink sink;
  HttpLoadOptions o = Options(sink);
  o.requests = {{.method = "GET", .path = "/heavy", .weight = 3},
                {.method = "GET", .path = "/light", .weight = 1}};
  o.requests_per_second = 3000;
  o.duration_seconds = 0.5;
  o.late_threshold_seconds = 1;
  auto result = RunHttpLoad(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  const std::vector<std::uint64_t>& by_spec = result->requests_by_spec;
  ASSERT_EQ(by_spec.size(), 2U);
  const std::uint64_t total = by_spec[0] + by_spec[1];
  EXPECT_EQ(total, Scheduled(o));
  const double heavy = static_cast<double>(by_spec[0]) / static_cast<double>(total);
  EXPECT_NEAR(heavy, 0.75, 0.04);  // Binomial sd at n = 1500: 0.011.
  std::map<std::string, std::uint64_t> by_target;
  for (const auto& r : sink.requests()) {
    ++by_target[r.target];
  }
  EXPECT_EQ(by_target["/heavy"], by_spec[0]);
  EXPECT_EQ(by_target["/light"], by_spec[1]);

  // The choice depends on the seed and the request number only.
  LoopbackSink again;
  o.base_url = BaseUrl(again);
  auto repeat = RunHttpLoad(o, RealClock());
  ASSERT_TRUE(repeat.ok()) << repeat.status();
  EXPECT_EQ(repeat->requests_by_spec, by_spec);
}

TEST(HttpLoadTest, SendsMethodsTargetsHeadersAndBodiesAsSpecified) {
  LoopbackSink sink;
  HttpLoadOptions o = Options(sink);
  o.base_url = BaseUrl(sink) + "/v2/";
  o.requests = {
      {.method = "GET",
       .path = "/items?id=7",
       .headers = {{"X-Tenant", "acme"}, {"User-Agent", "custom-agent"}}},
      {.method = "POST",
       .path = "/items",
       .headers = {{"Content-Type", "application/json"}},
       .body = R"({"name":"widget"})"},
      {.method = "PATCH", .path = "/items/7", .body = "x"},
  };
  auto result = RunHttpLoad(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  const auto requests = sink.requests();
  ASSERT_EQ(requests.size(), result->record.requests);
  std::map<std::string, int> seen;
  for (const auto& r : requests) {
    ++seen[r.method];
    if (r.method == "GET") {
      EXPECT_EQ(r.target, "/v2/items?id=7");
      EXPECT_EQ(r.headers.at("x-tenant"), "acme");
      EXPECT_EQ(r.headers.at("user-agent"), "custom-agent");
      EXPECT_EQ(r.body, "");
      EXPECT_EQ(r.headers.count("content-length"), 0U);
    } else if (r.method == "POST") {
      EXPECT_EQ(r.target, "/v2/items");
      EXPECT_EQ(r.headers.at("content-type"), "application/json");
      EXPECT_EQ(r.headers.at("content-length"), "17");
      EXPECT_THAT(r.headers.at("user-agent"), StartsWith("obsbench-loadgen/"));
      EXPECT_EQ(r.body, R"({"name":"widget"})");
    } else {
      EXPECT_EQ(r.method, "PATCH");
      EXPECT_EQ(r.target, "/v2/items/7");
      EXPECT_EQ(r.body, "x");
    }
    EXPECT_EQ(r.headers.at("host"), "127.0.0.1:" + std::to_string(sink.port()));
  }
  EXPECT_EQ(seen.size(), 3U);
  EXPECT_EQ(static_cast<std::uint64_t>(seen["GET"]), result->requests_by_spec[0]);
  EXPECT_EQ(static_cast<std::uint64_t>(seen["POST"]), result->requests_by_spec[1]);
  EXPECT_EQ(static_cast<std::uint64_t>(seen["PATCH"]), result->requests_by_spec[2]);
}

TEST(HttpLoadTest, CountsStatusCodesWithoutRetrying) {
  LoopbackSink sink([](int i) {
    constexpr int kStatus[] = {200, 503, 404, 302, 500};
    return SinkAnswer{.status = kStatus[i % 5], .body = "said " + std::to_string(kStatus[i % 5])};
  });
  HttpLoadOptions o = Options(sink);
  o.requests_per_second = 400;
  auto result = RunHttpLoad(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  const WorkloadRecord& rec = result->record;
  std::map<int, std::uint64_t> answered;
  for (const auto& r : sink.requests()) {
    ++answered[r.answered];
  }
  ASSERT_EQ(sink.requests().size(), rec.requests);  // Each request once: no retry.
  EXPECT_EQ(rec.attempts, rec.requests);
  EXPECT_EQ(rec.status_codes, answered);
  EXPECT_EQ(rec.requests_succeeded, answered[200] + answered[302]);
  EXPECT_EQ(rec.requests_rejected, answered[404]);
  EXPECT_EQ(rec.requests_failed, answered[503] + answered[500]);
  EXPECT_EQ(rec.samples_rejected, rec.requests_rejected);
  EXPECT_EQ(rec.samples_failed, rec.requests_failed);
  EXPECT_GT(rec.requests_rejected, 0U);
  EXPECT_GT(rec.requests_failed, 0U);
  EXPECT_EQ(rec.answers.at(503), "said 503");
  EXPECT_EQ(rec.answers.at(404), "said 404");
}

TEST(HttpLoadTest, TransportErrorsCountAsFailed) {
  LoopbackSink sink([](int i) {
    return SinkAnswer{.status = 200, .delay = std::chrono::milliseconds(i == 0 ? 600 : 0)};
  });
  HttpLoadOptions o = Options(sink);
  o.concurrency = 1;
  o.requests_per_second = 20;
  o.duration_seconds = 0.2;
  o.request_timeout_seconds = 0.2;
  auto result = RunHttpLoad(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  const WorkloadRecord& rec = result->record;
  EXPECT_GE(rec.status_codes.at(0), 1U);
  EXPECT_GE(rec.requests_failed, 1U);
  EXPECT_EQ(rec.requests_failed + rec.requests_succeeded, rec.requests);
}

TEST(HttpLoadTest, StalledServerShowsAsCorrectedLatencyAndLateRequests) {
  LoopbackSink sink([](int i) {
    return SinkAnswer{.status = 200, .delay = std::chrono::milliseconds(i == 10 ? 500 : 0)};
  });
  HttpLoadOptions o = Options(sink);
  o.concurrency = 1;
  o.requests_per_second = 100;
  o.duration_seconds = 1;
  auto result = RunHttpLoad(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  const WorkloadRecord& rec = result->record;
  EXPECT_EQ(rec.requests, Scheduled(o));  // Late, never skipped.
  EXPECT_EQ(rec.requests_unsent, 0U);
  // About 50 requests fell due during the stall and left after it.
  EXPECT_GE(rec.requests_late, 30U);
  const std::int64_t corrected_p75 = rec.latency_corrected.ValueAtPercentile(75);
  const std::int64_t uncorrected_p75 = rec.latency_uncorrected.ValueAtPercentile(75);
  EXPECT_GT(corrected_p75, 50'000'000);  // 50 ms.
  EXPECT_GT(corrected_p75, 5 * uncorrected_p75);
  EXPECT_GE(rec.latency_uncorrected.max(), 450'000'000);
}

TEST(HttpLoadTest, StopEndsEarlyAndCountsUnsentRequests) {
  LoopbackSink sink([](int i) {
    return SinkAnswer{.status = 200, .delay = std::chrono::milliseconds(i == 5 ? 500 : 0)};
  });
  HttpLoadOptions o = Options(sink);
  o.concurrency = 1;
  o.requests_per_second = 200;
  o.duration_seconds = 10;
  std::atomic<bool> stop{false};
  std::jthread stopper([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto result = RunHttpLoad(o, RealClock(), &stop);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(result.ok()) << result.status();
  const WorkloadRecord& rec = result->record;
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  // Stopped while behind: the requests due during the stall were never sent.
  EXPECT_LE(rec.requests, 10U);
  EXPECT_GE(rec.requests_unsent, 50U);
  EXPECT_NEAR(rec.target_requests_per_second, 200, 20);
  EXPECT_LT(rec.achieved_requests_per_second, rec.target_requests_per_second);
}

TEST(HttpLoadTest, RefusesBadOptionsNamingTheOption) {
  LoopbackSink sink;
  const HttpLoadOptions good = Options(sink);
  ASSERT_TRUE(ValidateHttpLoadOptions(good).ok());
  struct Case {
    std::function<void(HttpLoadOptions&)> change;
    std::string says;
  };
  const std::vector<Case> cases = {
      {[](HttpLoadOptions& o) { o.base_url = "https://127.0.0.1:1"; }, "base_url"},
      {[](HttpLoadOptions& o) { o.base_url += "/x?y=1"; }, "base_url"},
      {[](HttpLoadOptions& o) { o.requests.clear(); }, "requests must hold"},
      {[](HttpLoadOptions& o) { o.requests[0].method = "GE T"; }, "requests[0].method"},
      {[](HttpLoadOptions& o) { o.requests[0].path = "items"; }, "requests[0].path"},
      {[](HttpLoadOptions& o) {
         o.requests[0].headers = {{"X-A", "a\r\nX-B: b"}};
       },
       "requests[0].headers"},
      {[](HttpLoadOptions& o) {
         o.requests[0].headers = {{"Bad Name", "a"}};
       },
       "requests[0].headers"},
      {[](HttpLoadOptions& o) { o.requests.push_back({.weight = 0}); }, "requests[1].weight"},
      {[](HttpLoadOptions& o) { o.concurrency = 0; }, "concurrency"},
      {[](HttpLoadOptions& o) { o.requests_per_second = 0; }, "requests_per_second"},
      {[](HttpLoadOptions& o) { o.duration_seconds = -1; }, "duration_seconds"},
      {[](HttpLoadOptions& o) { o.request_timeout_seconds = 0; }, "request_timeout_seconds"},
      {[](HttpLoadOptions& o) { o.late_threshold_seconds = -1; }, "late_threshold_seconds"},
      {[](HttpLoadOptions& o) { o.stages = {{.duration_seconds = -1}}; }, "stages"},
      {[](HttpLoadOptions& o) {
         o.requests_per_second = 1e9;
         o.duration_seconds = 1e4;
       },
       "requests_per_second"},
  };
  for (const Case& c : cases) {
    HttpLoadOptions o = good;
    c.change(o);
    EXPECT_THAT(ValidateHttpLoadOptions(o),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.says)))
        << c.says;
    EXPECT_THAT(RunHttpLoad(o, RealClock()).status(),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.says)));
  }
  EXPECT_TRUE(sink.requests().empty());
}

TEST(HttpLoadTest, UnreachableTargetIsUnavailable) {
  int port = 0;
  {
    const LoopbackSink gone;
    port = gone.port();
  }
  HttpLoadOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port);
  o.requests = {{}};
  o.request_timeout_seconds = 1;
  EXPECT_THAT(RunHttpLoad(o, RealClock()).status(),
              StatusIs(StatusCode::kUnavailable, HasSubstr("http load")));
}

}  // namespace
}  // namespace obs::loadgen
