// CheckCompleteness (verify/completeness.h) when the target loses or delays
// data: the embedded backend's drop_every_nth_sample fault gives an exact
// number of lost samples, and a second backend that receives the data only
// after the first counting pass stands in for a target with ingestion lag.

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/backend/server.h"
#include "obs/loadgen/remote_write.h"
#include "obs/testing/status_matchers.h"

#include "verify/completeness.h"
#include "verify/promql_text.h"
#include "verify_test_support.h"

namespace obs::scenarios {
namespace {

using ::testing::AllOf;
using testing::ClientFor;
using ::testing::Each;
using ::testing::Ge;
using ::testing::IsEmpty;
using ::testing::Le;
using ::testing::Not;
using ::testing::SizeIs;
using testing::StartBackend;
using testing::WriterFor;

constexpr char kRunId[] = "verify-faults";

loadgen::RemoteWriteResult WriteSmallLoad(const std::string& base_url) {
  return testing::WriteSmallLoad(base_url, {.instances = 2, .seed = 5, .run_id = kRunId});
}

TEST(CompletenessFaultsTest, DroppedSamplesAreCountedExactlyWithExamples) {
  auto server = StartBackend(7);
  const loadgen::RemoteWriteResult written = WriteSmallLoad(server->base_url());
  const std::uint64_t dropped = server->counters().samples_dropped_by_fault;
  ASSERT_GT(dropped, 0u);
  QueryClient client = ClientFor(server->base_url());
  CompletenessOptions options;
  options.settle_timeout_seconds = 0.3;
  options.poll_interval_seconds = 0.05;
  options.max_examples = 3;
  ASSERT_OK_AND_ASSIGN(
      CompletenessRecord r,
      CheckCompleteness(client, written.series, written.ledger, options, RealClock()));
  EXPECT_EQ(r.samples_missing, dropped);
  EXPECT_EQ(r.samples_found + r.samples_missing, r.samples_expected);
  EXPECT_GT(r.series_incomplete + r.series_missing, 0u);
  EXPECT_GE(r.seconds_to_settle, 0.3);
  ASSERT_THAT(r.examples, SizeIs(3));
  for (const MissingSeriesExample& ex : r.examples) {
    EXPECT_LT(ex.found_samples, ex.expected_samples) << ex.series;
    EXPECT_THAT(ex.series, ::testing::HasSubstr(kRunId));
    EXPECT_THAT(ex.missing_timestamps_ms, Not(IsEmpty())) << ex.series;
    EXPECT_THAT(ex.missing_timestamps_ms,
                Each(AllOf(Ge(ex.expected_first_ms), Le(ex.expected_last_ms))));
    EXPECT_LE(ex.missing_timestamps_ms.size(), ex.expected_samples - ex.found_samples);
  }
}

// Copies every sample of the run from `from` into `to` (a delayed ingest).
void CopyRun(QueryClient& from, const loadgen::SeriesSet& series, std::int64_t at_ms,
             const std::string& to_url) {
  loadgen::RemoteWriteClient writer = WriterFor(to_url + "/api/v1/write");
  for (const std::string& metric : series.MetricNames()) {
    auto answer = from.InstantMatrix(
        RawSamplesQuery({{"__name__", metric}, {"obsbench_run", kRunId}}, 3'600'000), at_ms);
    OBS_CHECK(answer.ok()) << answer.status();
    std::vector<loadgen::ProbeSeries> batch;
    for (const MatrixSeries& s : *answer) {
      loadgen::ProbeSeries out;
      for (const auto& [name, value] : s.labels) {
        out.labels.push_back({.name = name, .value = value});
      }
      for (const auto& [ts, value] : s.samples) {
        out.samples.push_back({.value = value, .timestamp_ms = ts});
      }
      batch.push_back(std::move(out));
    }
    auto code = writer.Write(batch);
    OBS_CHECK(code.ok() && *code / 100 == 2) << "copy of " << metric << " failed";
  }
}

TEST(CompletenessFaultsTest, LaggingTargetIsPolledUntilItSettles) {
  auto source = StartBackend(0);
  auto lagging = StartBackend(0);
  const loadgen::RemoteWriteResult written = WriteSmallLoad(source->base_url());
  const std::int64_t at_ms = RealClock().UnixMillisNow() + 1000;
  // Ingest into `lagging` only after the checker's first pass has queried it.
  std::thread ingest([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (lagging->counters().query_requests < written.series.MetricNames().size() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    QueryClient from = ClientFor(source->base_url());
    CopyRun(from, written.series, at_ms, lagging->base_url());
  });
  QueryClient client = ClientFor(lagging->base_url());
  CompletenessOptions options;
  options.settle_timeout_seconds = 10;
  options.poll_interval_seconds = 0.05;
  auto record = CheckCompleteness(client, written.series, written.ledger, options, RealClock());
  ingest.join();
  ASSERT_OK(record);
  EXPECT_EQ(record->samples_found, written.ledger.Totals().samples_acked);
  EXPECT_EQ(record->samples_missing, 0u);
  EXPECT_GE(record->queries, 3 * written.series.MetricNames().size());
  EXPECT_GT(record->seconds_to_settle, 0.0);
}

}  // namespace
}  // namespace obs::scenarios
