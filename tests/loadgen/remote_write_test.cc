#include "obs/loadgen/remote_write.h"

#include <chrono>
#include <map>

#include <boost/asio/ip/tcp.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "loopback_sink.h"

namespace obs::loadgen {
namespace {

using ::obs::loadgen::testing::LoopbackSink;
using ::obs::loadgen::testing::SinkAnswer;
using ::obs::loadgen::testing::SinkKey;
using ::obs::testing::IsOkAndHolds;
using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

// 20 instances x 5 process series = 100 slots. These tests count exactly what
// arrived, so a request is sent however late its thread runs (a busy sanitizer
// build can be tens of ms behind); lateness is tested on its own below.
RemoteWriteOptions SmallLoad(const std::string& url) {
  return {.url = url,
          .series = {.models = {{.kind = "process"}}, .instances = 20, .seed = 5, .run_id = "t1"},
          .samples_per_second = 400,
          .duration_seconds = 0.5,
          .batch_size = 20,
          .concurrency = 4,
          .retry = {.max_attempts = 4, .min_backoff_seconds = 0.001, .max_backoff_seconds = 0.01},
          .request_timeout_seconds = 5,
          .late_threshold_seconds = 5};
}

TEST(RemoteWriteTest, AllSamplesAckedAndLedgerMatchesWhatArrived) {
  LoopbackSink sink;
  ASSERT_OK_AND_ASSIGN(RemoteWriteResult r, RunRemoteWrite(SmallLoad(sink.url()), RealClock()));
  const WorkloadRecord& rec = r.record;
  EXPECT_EQ(rec.samples_sent, 200u);
  EXPECT_EQ(rec.samples_acked, rec.samples_sent);
  EXPECT_EQ(rec.requests, 12u);  // Per shard: 25 slots, 50 samples -> batches of 20, 20, 10.
  EXPECT_EQ(rec.requests_succeeded, rec.requests);
  EXPECT_EQ(rec.attempts, rec.requests);
  EXPECT_EQ(rec.requests_unsent, 0u);
  EXPECT_EQ(rec.status_codes.at(204), rec.requests);
  EXPECT_EQ(rec.series, 100u);
  EXPECT_EQ(rec.latency_corrected.count(), rec.requests);
  // The ledger says exactly what the sink received, series by series.
  const auto arrived = sink.SamplesBySeries(/*only_acked=*/true);
  ASSERT_EQ(arrived.size(), 100u);
  for (std::uint32_t id = 0; id < r.series.series_capacity(); ++id) {
    const auto& got = arrived.at(SinkKey(r.series.Labels(id)));
    const LedgerEntry& e = r.ledger.entry(id);
    EXPECT_EQ(e.acked, got.size());
    EXPECT_EQ(e.first_ms, got.front());
    EXPECT_EQ(e.last_ms, got.back());
  }
  EXPECT_EQ(r.ledger.Totals().samples_acked, 200u);
  // Bookkeeping: a 32-byte ledger entry per series id, and histograms.
  EXPECT_EQ(rec.bookkeeping.ledger, 32 * r.series.series_capacity());
  EXPECT_GT(rec.bookkeeping.histograms, 0u);
  EXPECT_GT(rec.bookkeeping.intervals, 0u);
}

TEST(RemoteWriteTest, TimestampsStrictlyIncreasePerSeriesAcrossShards) {
  LoopbackSink sink;
  RemoteWriteOptions o = SmallLoad(sink.url());
  o.samples_per_second = 2000;  // 10 samples per series in 0.5 s: several per ms window.
  ASSERT_OK_AND_ASSIGN(RemoteWriteResult r, RunRemoteWrite(o, RealClock()));
  EXPECT_EQ(r.record.samples_acked, 1000u);
  for (const auto& [series, stamps] : sink.SamplesBySeries(/*only_acked=*/false)) {
    ASSERT_EQ(stamps.size(), 10u) << series;
    for (std::size_t i = 1; i < stamps.size(); ++i) {
      ASSERT_LT(stamps[i - 1], stamps[i]) << series;
    }
  }
}

TEST(RemoteWriteTest, SendsTheProtocolHeaders) {
  LoopbackSink sink;
  RemoteWriteOptions o = SmallLoad(sink.url());
  o.headers = {{"X-Scope-OrgID", "tenant-1"}};
  o.bearer_token = "s3cret";
  ASSERT_OK(RunRemoteWrite(o, RealClock()));
  const auto requests = sink.requests();
  ASSERT_FALSE(requests.empty());
  for (const auto& req : requests) {
    EXPECT_TRUE(req.decoded);
    EXPECT_EQ(req.headers.at("content-encoding"), "snappy");
    EXPECT_EQ(req.headers.at("content-type"), "application/x-protobuf");
    EXPECT_EQ(req.headers.at("x-prometheus-remote-write-version"), "0.1.0");
    EXPECT_THAT(req.headers.at("user-agent"), HasSubstr("obsbench/"));
    EXPECT_EQ(req.headers.at("authorization"), "Bearer s3cret");
    EXPECT_EQ(req.headers.at("x-scope-orgid"), "tenant-1");
  }
}

TEST(RemoteWriteTest, ServerErrorIsRetriedThenAcked) {
  LoopbackSink sink([](int i) { return SinkAnswer{.status = i == 0 ? 500 : 204}; });
  RemoteWriteOptions o = SmallLoad(sink.url());
  o.concurrency = 1;
  ASSERT_OK_AND_ASSIGN(RemoteWriteResult r, RunRemoteWrite(o, RealClock()));
  EXPECT_EQ(r.record.retries, 1u);
  EXPECT_EQ(r.record.attempts, r.record.requests + 1);
  EXPECT_EQ(r.record.requests_failed, 0u);
  EXPECT_EQ(r.record.samples_acked, r.record.samples_sent);
  EXPECT_EQ(r.record.status_codes.at(500), 1u);
  const auto requests = sink.requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].series, requests[1].series) << "the retry resends the same batch first";
  EXPECT_EQ(r.ledger.Totals().retried, 20u);
}

TEST(RemoteWriteTest, BadRequestIsNeverRetriedAndCountedRejected) {
  LoopbackSink sink([](int i) { return SinkAnswer{.status = i == 0 ? 400 : 204}; });
  RemoteWriteOptions o = SmallLoad(sink.url());
  o.concurrency = 1;
  ASSERT_OK_AND_ASSIGN(RemoteWriteResult r, RunRemoteWrite(o, RealClock()));
  EXPECT_EQ(r.record.retries, 0u);
  EXPECT_EQ(r.record.requests_rejected, 1u);
  EXPECT_EQ(r.record.samples_rejected, 20u);
  EXPECT_EQ(r.record.attempts, r.record.requests);
  EXPECT_EQ(sink.requests().size(), r.record.requests);
  EXPECT_EQ(r.ledger.Totals().samples_rejected, 20u);
  EXPECT_EQ(r.ledger.Totals().samples_acked, r.record.samples_sent - 20);
}

TEST(RemoteWriteTest, ExhaustedRetriesCountAsFailed) {
  LoopbackSink sink(
      [](int) { return SinkAnswer{.status = 503, .body = "cannot write:\nstorage is read-only"}; });
  RemoteWriteOptions o = SmallLoad(sink.url());
  o.concurrency = 1;
  o.duration_seconds = 0.1;  // 40 samples: 2 requests.
  ASSERT_OK_AND_ASSIGN(RemoteWriteResult r, RunRemoteWrite(o, RealClock()));
  EXPECT_EQ(r.record.requests_failed, r.record.requests);
  // What the target said is kept once per status, on one line.
  EXPECT_EQ(r.record.answers.at(503), "cannot write: storage is read-only");
  EXPECT_EQ(r.record.answers.size(), 1u);
  EXPECT_EQ(r.record.attempts, 4 * r.record.requests);
  EXPECT_EQ(r.record.samples_failed, r.record.samples_sent);
  EXPECT_EQ(r.ledger.Totals().samples_failed, r.record.samples_sent);
}

TEST(RemoteWriteTest, TooManyRequestsWaitsForRetryAfter) {
  LoopbackSink sink(
      [](int i) { return i == 0 ? SinkAnswer{.status = 429, .retry_after = "1"} : SinkAnswer{}; });
  RemoteWriteOptions o = SmallLoad(sink.url());
  o.concurrency = 1;
  o.duration_seconds = 0.05;  // One request.
  // Sent however late the sender thread starts (sanitizer builds are slow):
  // a request due before the end is only skipped when later than this.
  o.late_threshold_seconds = 10;
  ASSERT_OK_AND_ASSIGN(RemoteWriteResult r, RunRemoteWrite(o, RealClock()));
  const auto requests = sink.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(requests[1].arrival - requests[0].arrival, std::chrono::milliseconds(990));
  EXPECT_EQ(r.record.requests_succeeded, 1u);
  EXPECT_EQ(r.record.status_codes.at(429), 1u);
  EXPECT_GE(r.record.latency_corrected.min(), 990'000'000);
}

TEST(RemoteWriteTest, ConnectionRefusedIsUnavailable) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const int port = a.local_endpoint().port();
  a.close();  // Nothing listens on `port` now.
  EXPECT_THAT(
      RunRemoteWrite(SmallLoad("http://127.0.0.1:" + std::to_string(port) + "/w"), RealClock()),
      StatusIs(StatusCode::kUnavailable, HasSubstr("unreachable")));
}

TEST(RemoteWriteTest, RejectsBadOptions) {
  RemoteWriteOptions o = SmallLoad("http://127.0.0.1:1/w");
  o.headers = {{"content-encoding", "gzip"}};
  EXPECT_THAT(RunRemoteWrite(o, RealClock()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("cannot be overridden")));
  EXPECT_THAT(RunRemoteWrite(SmallLoad("https://x/"), RealClock()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("only http://")));
  o = SmallLoad("http://127.0.0.1:1/w");
  o.batch_size = 0;
  EXPECT_THAT(DescribeLoad(o), StatusIs(StatusCode::kInvalidArgument, HasSubstr("batch_size")));
}

TEST(RemoteWriteTest, DescribesTopologyLoadWithoutRunning) {
  RemoteWriteOptions o{.url = "http://127.0.0.1:1/w",
                       .series = {.models = {{.kind = "process"}}, .instances = 20},
                       .scrape_interval_seconds = 10,
                       .duration_seconds = 60,
                       .batch_size = 10,
                       .concurrency = 2};
  ASSERT_OK_AND_ASSIGN(LoadDescription d, DescribeLoad(o));
  EXPECT_EQ(d.series, 100u);
  EXPECT_DOUBLE_EQ(d.samples_per_second, 10);
  EXPECT_EQ(d.total_samples, 600u);
  EXPECT_DOUBLE_EQ(d.requests_per_second, 1);
}

TEST(RemoteWriteTest, ProbeClientReturnsTheStatusAndSortsLabels) {
  LoopbackSink sink([](int i) { return SinkAnswer{.status = i == 0 ? 204 : 400}; });
  ASSERT_OK_AND_ASSIGN(RemoteWriteClient client, RemoteWriteClient::Create(sink.url(), {}, "", 2));
  const std::vector<ProbeSeries> probe = {
      {.labels = {{"z", "1"}, {"__name__", "probe"}}, .samples = {{1.5, 1000}}}};
  EXPECT_THAT(client.Write(probe), IsOkAndHolds(204));
  EXPECT_THAT(client.Write(probe), IsOkAndHolds(400));
  const auto requests = sink.requests();
  ASSERT_EQ(requests.size(), 2u);
  ASSERT_EQ(requests[0].series.size(), 1u);
  EXPECT_EQ(requests[0].series[0].first, "__name__=probe,z=1,");
}

}  // namespace
}  // namespace obs::loadgen
