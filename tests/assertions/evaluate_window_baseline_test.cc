// Windowed figures ("error_rate[60s] < 5%": the worst window of the run's
// intervals) and thresholds relative to a baseline run ("write_latency.p99
// <= baseline * 1.10").

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/assertions/assertions.h"
#include "obs/testing/status_matchers.h"

namespace obs::assertions {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kMs = 1'000'000;

// 120 one-second intervals of 100 requests each (100 items due and sent);
// errors only in seconds [40, 50): 30 per second.
WorkloadRecord Bursty() {
  WorkloadRecord w;
  w.name = "rw";
  w.interval_seconds = 1;
  w.intervals.resize(120);
  for (std::size_t i = 0; i < w.intervals.size(); ++i) {
    IntervalRecord& r = w.intervals[i];
    r.items_due = 100;
    r.items_sent = i >= 90 && i < 100 ? 50 : 100;  // Fell behind in [90, 100).
    r.requests_sent = 100;
    r.requests_error = i >= 40 && i < 50 ? 30 : 0;
    r.requests_ok = 100 - r.requests_error;
    w.requests += 100;
    w.requests_failed += r.requests_error;
    w.requests_succeeded += r.requests_ok;
  }
  w.target_samples_per_second = 100;
  w.achieved_samples_per_second = 100.0 * (12000 - 500) / 12000;
  return w;
}

AssertionResult One(const RunRecord& record, const std::string& expression,
                    const RunRecord* baseline = nullptr) {
  Result<AssertionSpec> spec = ParseAssertion(expression);
  EXPECT_OK(spec);
  if (!spec.ok())
    return {};
  return Evaluate(record, {*spec}, baseline).front();
}

TEST(WindowedFigureTest, WholeRunHidesABurstThatAWindowCatches) {
  RunRecord record;
  record.workloads = {Bursty()};
  // 300 errors in 12,000 requests: 2.5% over the run.
  EXPECT_EQ(One(record, "error_rate < 5%").outcome, Outcome::kPassed);
  // The worst 60 s window holds all 300 errors in 6,000 requests: 5%.
  const AssertionResult r = One(record, "error_rate[60s] < 5%");
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_THAT(r.actual, HasSubstr("5.00%"));
  EXPECT_THAT(r.actual, HasSubstr("worst 60 s window"));
  EXPECT_THAT(r.actual, HasSubstr("300 of 6,000"));
  // The worst 10 s window is exactly the burst: 30%.
  const AssertionResult burst = One(record, "error_rate[10s] <= 30%");
  EXPECT_EQ(burst.outcome, Outcome::kPassed) << burst.explanation;
  EXPECT_THAT(burst.actual, HasSubstr("40-50 s"));
  EXPECT_EQ(One(record, "error_rate[10s] < 30%").outcome, Outcome::kFailed);
}

TEST(WindowedFigureTest, AchievedRateWindowIsTheWorstShortfall) {
  RunRecord record;
  record.workloads = {Bursty()};
  EXPECT_EQ(One(record, "achieved_rate >= 95%").outcome, Outcome::kPassed);
  const AssertionResult r = One(record, "achieved_rate[10s] >= 95%");
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_THAT(r.actual, HasSubstr("50.00%"));
  EXPECT_THAT(r.actual, HasSubstr("90-100 s"));
}

TEST(WindowedFigureTest, NoDataWithoutIntervalsOrWhenTheRunIsShorterThanTheWindow) {
  RunRecord record;
  WorkloadRecord plain;
  plain.name = "old";
  plain.requests = 10;
  plain.requests_succeeded = 10;
  record.workloads = {plain};
  AssertionResult r = One(record, "error_rate[60s] < 5%");
  EXPECT_EQ(r.outcome, Outcome::kNoData);
  EXPECT_THAT(r.explanation, HasSubstr("no per-interval figures"));
  record.workloads = {Bursty()};
  r = One(record, "error_rate[5m] < 5%");
  EXPECT_EQ(r.outcome, Outcome::kNoData);
  EXPECT_THAT(r.explanation, HasSubstr("shorter than one 300 s window"));
}

TEST(WindowedFigureTest, ParseErrorsNameTheProblem) {
  EXPECT_THAT(ParseAssertion("write_latency.p99[60s] < 1s").status().message(),
              HasSubstr("takes no window (windowed figures: error_rate, achieved_rate)"));
  EXPECT_THAT(ParseAssertion("error_rate[60] < 1%").status().message(),
              HasSubstr("must be a positive duration with a unit"));
  EXPECT_THAT(ParseAssertion("error_rate[0s] < 1%").status().message(),
              HasSubstr("must be a positive duration"));
  EXPECT_THAT(ParseAssertion("error_rate[60s < 1%").status().message(), HasSubstr("missing ']'"));
  Result<AssertionSpec> ok = ParseAssertion("error_rate[2m] < 1%");
  ASSERT_OK(ok);
  EXPECT_EQ(ok->figure, "error_rate");
  EXPECT_EQ(ok->window_seconds, 120);
  EXPECT_EQ(ok->expression, "error_rate[2m] < 1%");
}

WorkloadRecord WithLatency(const std::string& name, std::int64_t latency_ms) {
  WorkloadRecord w;
  w.name = name;
  w.requests = 1000;
  w.requests_succeeded = 1000;
  w.target_samples_per_second = 1000;
  w.achieved_samples_per_second = 1000;
  EXPECT_TRUE(w.latency_corrected.RecordN(latency_ms * kMs, 1000));
  EXPECT_TRUE(w.latency_uncorrected.RecordN(latency_ms * kMs, 1000));
  return w;
}

TEST(BaselineRelativeTest, ThresholdIsTheFactorTimesTheBaselineFigure) {
  RunRecord baseline;
  baseline.workloads = {WithLatency("rw", 100)};
  RunRecord slower;
  slower.workloads = {WithLatency("rw", 120)};
  RunRecord same;
  same.workloads = {WithLatency("rw", 105)};
  const AssertionResult failed = One(slower, "write_latency.p99 <= baseline * 1.10", &baseline);
  EXPECT_EQ(failed.outcome, Outcome::kFailed);
  EXPECT_EQ(failed.expected, "<= baseline x 1.10");
  // The explanation gives the resolved threshold and the baseline value.
  EXPECT_THAT(failed.explanation, HasSubstr("1.10 x baseline"));
  EXPECT_THAT(failed.explanation, HasSubstr("<= 110"));
  EXPECT_EQ(One(same, "write_latency.p99 <= baseline * 1.10", &baseline).outcome, Outcome::kPassed);
  EXPECT_EQ(One(same, "achieved_rate >= baseline*0.95", &baseline).outcome, Outcome::kPassed);
  EXPECT_EQ(One(same, "write_latency.p99 <= baseline", &baseline).outcome, Outcome::kFailed);
}

TEST(BaselineRelativeTest, MissingBaselineOrWorkloadIsNoData) {
  RunRecord current;
  current.workloads = {WithLatency("rw", 100)};
  AssertionResult r = One(current, "write_latency.p99 <= baseline * 1.1");
  EXPECT_EQ(r.outcome, Outcome::kNoData);
  EXPECT_THAT(r.explanation, HasSubstr("has none"));
  RunRecord other;
  other.workloads = {WithLatency("other", 100)};
  r = One(current, "write_latency.p99 <= baseline * 1.1", &other);
  EXPECT_EQ(r.outcome, Outcome::kNoData);
  EXPECT_THAT(r.explanation, HasSubstr("workload rw is not in the baseline run"));
}

TEST(BaselineRelativeTest, ParseErrors) {
  EXPECT_THAT(ParseAssertion("write_latency.p99 <= baseline + 1").status().message(),
              HasSubstr("must read \"baseline\" or \"baseline * <positive factor>\""));
  EXPECT_THAT(ParseAssertion("write_latency.p99 <= baseline * -1").status().message(),
              HasSubstr("positive factor"));
  Result<AssertionSpec> ok = ParseAssertion("write_latency.p99 <= baseline * 1.25");
  ASSERT_OK(ok);
  EXPECT_EQ(ok->baseline_factor, 1.25);
}

}  // namespace
}  // namespace obs::assertions
