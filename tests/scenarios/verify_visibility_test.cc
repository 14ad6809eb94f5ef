// MeasureVisibility (verify/visibility.h) against the embedded backend on
// 127.0.0.1:0: probes become visible with a small lag; probes written to a
// different backend than the one queried time out; stop, bad options and a
// rejected probe write.

#include <atomic>
#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/backend/server.h"
#include "obs/testing/status_matchers.h"

#include "verify/visibility.h"
#include "verify_test_support.h"

namespace obs::scenarios {
namespace {

using ::obs::testing::StatusIs;
using testing::ClientFor;
using ::testing::HasSubstr;
using testing::StartBackend;
using testing::WriterFor;

VisibilityOptions Options(int probes, double spread_seconds, double probe_timeout_seconds) {
  VisibilityOptions options;
  options.probes = probes;
  options.spread_seconds = spread_seconds;
  options.probe_timeout_seconds = probe_timeout_seconds;
  options.run_id = "visibility-test";
  return options;
}

TEST(VisibilityTest, ProbesOnEmbeddedBackendAreVisibleWithSmallLag) {
  auto server = StartBackend();
  loadgen::RemoteWriteClient writer = WriterFor(server->base_url() + "/api/v1/write");
  QueryClient client = ClientFor(server->base_url());
  ASSERT_OK_AND_ASSIGN(VisibilityRecord r, MeasureVisibility(writer, client, Options(5, 0.25, 5),
                                                             RealClock(), nullptr));
  EXPECT_TRUE(r.checked);
  EXPECT_EQ(r.probes, 5u);
  EXPECT_EQ(r.visible, 5u);
  EXPECT_EQ(r.timed_out, 0u);
  EXPECT_EQ(r.lag.count(), 5u);
  EXPECT_EQ(r.poll_interval_ns, 5'000'000);
  // No ingestion lag: the first query after the 204 sees it.
  EXPECT_LT(r.lag.max(), 1'000'000'000);
  EXPECT_EQ(client.queries(), 5u);
}

TEST(VisibilityTest, ProbesWrittenToAnotherBackendTimeOut) {
  auto written_to = StartBackend();
  auto queried = StartBackend();
  loadgen::RemoteWriteClient writer = WriterFor(written_to->base_url() + "/api/v1/write");
  QueryClient client = ClientFor(queried->base_url());
  ASSERT_OK_AND_ASSIGN(VisibilityRecord r,
                       MeasureVisibility(writer, client, Options(2, 0, 0.2), RealClock(), nullptr));
  EXPECT_EQ(r.probes, 2u);
  EXPECT_EQ(r.visible, 0u);
  EXPECT_EQ(r.timed_out, 2u);
  EXPECT_EQ(r.lag.count(), 0u);
  EXPECT_GT(client.queries(), 2u);
}

TEST(VisibilityTest, OlderSampleWithTheSameLabelsIsNotMistakenForTheProbe) {
  auto written_to = StartBackend();
  auto queried = StartBackend();
  // An earlier run left probe 0 behind on the queried backend.
  loadgen::RemoteWriteClient stale = WriterFor(queried->base_url() + "/api/v1/write");
  const std::int64_t old_ms = RealClock().UnixMillisNow() - 10'000;
  ASSERT_OK_AND_ASSIGN(
      int code,
      stale.Write({{.labels = {{.name = "__name__", .value = "obsbench_probe"},
                               {.name = "obsbench_run", .value = "visibility-test"},
                               {.name = "probe", .value = "0"}},
                    .samples = {{.value = static_cast<double>(old_ms), .timestamp_ms = old_ms}}}}));
  ASSERT_EQ(code / 100, 2);
  loadgen::RemoteWriteClient writer = WriterFor(written_to->base_url() + "/api/v1/write");
  QueryClient client = ClientFor(queried->base_url());
  ASSERT_OK_AND_ASSIGN(VisibilityRecord r,
                       MeasureVisibility(writer, client, Options(1, 0, 0.2), RealClock(), nullptr));
  EXPECT_EQ(r.visible, 0u);
  EXPECT_EQ(r.timed_out, 1u);
}

TEST(VisibilityTest, RaisedStopStartsNoProbe) {
  auto server = StartBackend();
  loadgen::RemoteWriteClient writer = WriterFor(server->base_url() + "/api/v1/write");
  QueryClient client = ClientFor(server->base_url());
  const std::atomic<bool> stop{true};
  ASSERT_OK_AND_ASSIGN(VisibilityRecord r,
                       MeasureVisibility(writer, client, Options(5, 10, 5), RealClock(), &stop));
  EXPECT_TRUE(r.checked);
  EXPECT_EQ(r.probes, 0u);
  EXPECT_EQ(server->counters().write_requests, 0u);
}

TEST(VisibilityTest, RejectedProbeWriteIsInvalidArgument) {
  auto server = StartBackend();
  loadgen::RemoteWriteClient writer = WriterFor(server->base_url() + "/api/v1/nowhere");
  QueryClient client = ClientFor(server->base_url());
  EXPECT_THAT(MeasureVisibility(writer, client, Options(1, 0, 1), RealClock(), nullptr),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("probe 0")));
}

TEST(VisibilityTest, BadOptionsAreInvalidArgument) {
  auto server = StartBackend();
  loadgen::RemoteWriteClient writer = WriterFor(server->base_url() + "/api/v1/write");
  QueryClient client = ClientFor(server->base_url());
  EXPECT_THAT(MeasureVisibility(writer, client, Options(1, 0, 0), RealClock(), nullptr),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("probe_timeout_seconds")));
}

}  // namespace
}  // namespace obs::scenarios
