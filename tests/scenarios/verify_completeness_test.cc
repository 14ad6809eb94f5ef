// CheckCompleteness (verify/completeness.h) end to end: a small remote-write
// load into the embedded backend on 127.0.0.1:0, read back and compared with
// the ledger. Complete runs, split windows, unexpected series, a lagging
// target that needs polling, and error paths.

#include <atomic>
#include <memory>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/backend/server.h"
#include "obs/loadgen/remote_write.h"
#include "obs/testing/status_matchers.h"

#include "verify/completeness.h"
#include "verify/completeness_pass.h"
#include "verify_test_support.h"

namespace obs::scenarios {
namespace {

using ::obs::testing::StatusIs;
using testing::ClientFor;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::StartBackend;

constexpr char kRunId[] = "verify-test";

CompletenessOptions FastOptions() {
  CompletenessOptions options;
  options.settle_timeout_seconds = 10;
  options.poll_interval_seconds = 0.05;
  return options;
}

class CompletenessTest : public ::testing::Test {
 protected:
  CompletenessTest()
      : server_(StartBackend()),
        written_(testing::WriteSmallLoad(server_->base_url(),
                                         {.instances = 3, .seed = 11, .run_id = kRunId})),
        client_(ClientFor(server_->base_url())) {
    OBS_CHECK(written_.ledger.Totals().samples_acked > 0) << "the load wrote nothing";
  }

  Result<CompletenessRecord> Check(const CompletenessOptions& options) {
    return CheckCompleteness(client_, written_.series, written_.ledger, options, RealClock());
  }

  std::unique_ptr<backend::Server> server_;
  loadgen::RemoteWriteResult written_;
  QueryClient client_;
};

TEST_F(CompletenessTest, CompleteRunIsFoundWithOneQueryPerMetricPerPass) {
  ASSERT_OK_AND_ASSIGN(CompletenessRecord r, Check(FastOptions()));
  const loadgen::LedgerTotals totals = written_.ledger.Totals();
  EXPECT_TRUE(r.checked);
  EXPECT_EQ(r.series_expected, totals.series_acked);
  EXPECT_EQ(r.series_found, totals.series_acked);
  EXPECT_EQ(r.samples_expected, totals.samples_acked);
  EXPECT_EQ(r.samples_found, totals.samples_acked);
  EXPECT_EQ(r.series_missing + r.series_incomplete + r.series_unexpected, 0u);
  EXPECT_EQ(r.samples_missing + r.samples_duplicated + r.samples_unexpected, 0u);
  EXPECT_THAT(r.examples, IsEmpty());
  // Two identical passes settle it.
  EXPECT_EQ(r.queries, 2 * written_.series.MetricNames().size());
}

TEST_F(CompletenessTest, SplitWindowsGiveIdenticalTotals) {
  ASSERT_OK_AND_ASSIGN(CompletenessRecord whole, Check(FastOptions()));
  CompletenessOptions options = FastOptions();
  options.max_samples_per_query = 4;
  ASSERT_OK_AND_ASSIGN(CompletenessRecord split, Check(options));
  EXPECT_TRUE(internal::SameTotals(whole, split));
  EXPECT_EQ(split.samples_found, written_.ledger.Totals().samples_acked);
  EXPECT_EQ(split.samples_duplicated, 0u);
  EXPECT_GT(split.queries, 2 * whole.queries);
}

// Replays the ledger without `skip`: the target then holds a series the
// ledger never acknowledged.
loadgen::Ledger LedgerWithout(const loadgen::Ledger& ledger, std::uint32_t skip) {
  loadgen::Ledger copy(ledger.size());
  for (std::uint32_t id = 0; id < ledger.size(); ++id) {
    const loadgen::LedgerEntry& e = ledger.entry(id);
    for (std::uint32_t i = 0; id != skip && i < e.acked; ++i) {
      OBS_CHECK(copy.RecordAcked(id, i + 1 == e.acked ? e.last_ms : e.first_ms));
    }
  }
  return copy;
}

TEST_F(CompletenessTest, KnownButUnackedSeriesIsUnexpected) {
  std::uint32_t skip = 0;
  while (written_.ledger.entry(skip).acked == 0) {
    ++skip;
  }
  const loadgen::Ledger ledger = LedgerWithout(written_.ledger, skip);
  ASSERT_OK_AND_ASSIGN(CompletenessRecord r, CheckCompleteness(client_, written_.series, ledger,
                                                               FastOptions(), RealClock()));
  EXPECT_EQ(r.series_unexpected, 1u);
  EXPECT_EQ(r.samples_unexpected, written_.ledger.entry(skip).acked);
  EXPECT_EQ(r.samples_found, ledger.Totals().samples_acked);
  EXPECT_EQ(r.samples_missing, 0u);
}

TEST_F(CompletenessTest, SeriesOutsideTheSetIsUnexpected) {
  auto writer =
      loadgen::RemoteWriteClient::Create(server_->base_url() + "/api/v1/write", {}, "", 5);
  ASSERT_OK(writer);
  const std::string metric = written_.series.MetricNames().front();
  const std::int64_t ts = written_.ledger.entry(0).first_ms;
  ASSERT_OK_AND_ASSIGN(int code,
                       writer->Write({{.labels = {{.name = "__name__", .value = metric},
                                                  {.name = "obsbench_run", .value = kRunId},
                                                  {.name = "stray", .value = "yes"}},
                                       .samples = {{.value = 1, .timestamp_ms = ts},
                                                   {.value = 2, .timestamp_ms = ts + 1}}}}));
  ASSERT_EQ(code / 100, 2);
  ASSERT_OK_AND_ASSIGN(CompletenessRecord r, Check(FastOptions()));
  EXPECT_EQ(r.series_unexpected, 1u);
  EXPECT_EQ(r.samples_unexpected, 2u);
  EXPECT_EQ(r.samples_found, r.samples_expected);
}

TEST_F(CompletenessTest, NothingAcknowledgedIsSkippedWithoutQueries) {
  const loadgen::Ledger empty(written_.ledger.size());
  ASSERT_OK_AND_ASSIGN(CompletenessRecord r, CheckCompleteness(client_, written_.series, empty,
                                                               FastOptions(), RealClock()));
  EXPECT_FALSE(r.checked);
  EXPECT_THAT(r.skipped_reason, HasSubstr("acknowledged"));
  EXPECT_EQ(client_.queries(), 0u);
}

TEST_F(CompletenessTest, FlushUrlIsCalledAndItsErrorsReported) {
  CompletenessOptions options = FastOptions();
  options.flush_url = "/-/ready";
  ASSERT_OK_AND_ASSIGN(CompletenessRecord r, Check(options));
  EXPECT_EQ(r.samples_missing, 0u);
  options.flush_url = "/internal/force_flush";  // Not served by the embedded backend: 404.
  EXPECT_THAT(Check(options),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("completeness flush")));
}

TEST_F(CompletenessTest, UnreachableTargetIsUnavailable) {
  const std::string url = server_->base_url();
  server_->Stop();
  QueryClient dead = ClientFor(url);
  EXPECT_THAT(CheckCompleteness(dead, written_.series, written_.ledger, FastOptions(), RealClock()),
              StatusIs(StatusCode::kUnavailable, HasSubstr("127.0.0.1")));
}

TEST_F(CompletenessTest, BadOptionsAreInvalidArgument) {
  CompletenessOptions options = FastOptions();
  options.poll_interval_seconds = 0;
  EXPECT_THAT(Check(options), StatusIs(StatusCode::kInvalidArgument, HasSubstr("poll_interval")));
}

}  // namespace
}  // namespace obs::scenarios
