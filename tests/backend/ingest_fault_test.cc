// The drop_every_nth_sample fault mode: every request is acknowledged with
// 204, exactly every Nth sample (counted across requests) is discarded, and
// the drops are counted in Server::counters() and /metrics.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"

#include <nlohmann/json.hpp>

namespace obs::backend {
namespace {

using ::obs::testing::HttpResult;
using ::obs::testing::TestSeries;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1700000000000;

// Timestamps (ms) of the samples `query` returns as a range vector at time t.
std::vector<std::int64_t> StoredTimestamps(const testing::LoopbackBackend& backend,
                                           std::string_view query) {
  Result<HttpResult> r = backend.Query(query, "1700000100");
  OBS_CHECK(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200) << r->body;
  const nlohmann::json json = nlohmann::json::parse(r->body);
  std::vector<std::int64_t> out;
  for (const auto& series : json["data"]["result"]) {
    for (const auto& point : series["values"]) {
      out.push_back(static_cast<std::int64_t>(point[0].get<double>() * 1000 + 0.5));
    }
  }
  return out;
}

TEST(IngestFaultTest, DropsExactlyEveryNthSampleAcrossRequestsYetAnswers204) {
  testing::LoopbackBackend backend;
  ASSERT_OK(backend.Start({.faults = {.drop_every_nth_sample = 3}}));
  std::vector<std::int64_t> expected;
  int sample_number = 0;
  for (int request = 0; request < 10; ++request) {
    TestSeries series{.labels = {{"__name__", "fault_test"}}, .samples = {}};
    for (int i = 0; i < 4; ++i) {
      const std::int64_t ts = kT0 + (request * 4 + i) * 1000;
      series.samples.push_back({.value = 1, .timestamp_ms = ts});
      if (++sample_number % 3 != 0) {
        expected.push_back(ts);
      }
    }
    Result<HttpResult> r = backend.Write({series});
    ASSERT_OK(r);
    ASSERT_EQ(r->status, 204) << r->body;
  }
  EXPECT_THAT(StoredTimestamps(backend, "fault_test[5m]"), ElementsAreArray(expected));
  const Server::Counters counters = backend.server().counters();
  EXPECT_EQ(counters.samples_dropped_by_fault, 13u);  // 40 samples, every 3rd.
  EXPECT_EQ(counters.samples_appended, 27u);
  Result<HttpResult> metrics = backend.Get("/metrics");
  ASSERT_OK(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("\nobs_backend_samples_dropped_by_fault_total 13\n"));
}

TEST(IngestFaultTest, SeriesLosingEverySampleIsNotCreated) {
  testing::LoopbackBackend backend;
  ASSERT_OK(backend.Start({.faults = {.drop_every_nth_sample = 1}}));
  Result<HttpResult> r = backend.Write(
      {TestSeries{.labels = {{"__name__", "gone"}}, .samples = {{1, kT0}, {2, kT0 + 1000}}}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 204);
  Result<HttpResult> series = backend.Get("/api/v1/series?match[]=gone");
  ASSERT_OK(series);
  EXPECT_EQ(series->body, R"({"status":"success","data":[]})");
  EXPECT_EQ(backend.server().counters().samples_dropped_by_fault, 2u);
}

TEST(IngestFaultTest, FaultOffKeepsEverySample) {
  testing::LoopbackBackend backend;
  ASSERT_OK(backend.Start());
  TestSeries series{.labels = {{"__name__", "kept"}}, .samples = {}};
  std::vector<std::int64_t> expected;
  for (int i = 0; i < 20; ++i) {
    series.samples.push_back({.value = 1, .timestamp_ms = kT0 + i * 1000});
    expected.push_back(kT0 + i * 1000);
  }
  Result<HttpResult> r = backend.Write({series});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_THAT(StoredTimestamps(backend, "kept[5m]"), ElementsAreArray(expected));
  EXPECT_EQ(backend.server().counters().samples_dropped_by_fault, 0u);
}

}  // namespace
}  // namespace obs::backend
