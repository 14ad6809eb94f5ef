// Workload figures: latency, error and rejection rates, achieved rate, late
// ratio, unsent requests; boundaries and workload selection.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/assertions/assertions.h"
#include "obs/testing/status_matchers.h"

namespace obs::assertions {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::int64_t kMs = 1'000'000;

// A workload whose every request took `latency_ms` (corrected) and half that uncorrected.
WorkloadRecord MakeWorkload(const std::string& name, std::int64_t latency_ms) {
  WorkloadRecord w;
  w.name = name;
  w.kind = "remote_write";
  w.requests = 1000;
  w.requests_succeeded = 970;
  w.requests_rejected = 10;
  w.requests_failed = 20;
  w.requests_late = 50;
  w.late_threshold_ns = 10 * kMs;
  w.requests_unsent = 3;
  w.target_samples_per_second = 10000;
  w.achieved_samples_per_second = 9900;
  EXPECT_TRUE(w.latency_corrected.RecordN(latency_ms * kMs, 1000));
  EXPECT_TRUE(w.latency_uncorrected.RecordN(latency_ms * kMs / 2, 1000));
  return w;
}

RunRecord MakeRecord(std::vector<WorkloadRecord> workloads) {
  RunRecord r;
  r.scenario_name = "test";
  r.workloads = std::move(workloads);
  return r;
}

AssertionResult EvaluateOne(const RunRecord& record, const std::string& expression,
                            const std::string& workload = "") {
  Result<AssertionSpec> spec = ParseAssertion(expression);
  EXPECT_OK(spec);
  if (!spec.ok())
    return {};
  spec->workload = workload;
  return Evaluate(record, {*spec}).front();
}

TEST(EvaluateLatencyTest, FailingLatencyExplainsValueAndThreshold) {
  const RunRecord record = MakeRecord({MakeWorkload("rw", 312)});
  const AssertionResult r = EvaluateOne(record, "write_latency.p99 < 250ms");
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_EQ(r.expected, "< 250 ms");
  EXPECT_EQ(r.actual, "312.0 ms (p99 of 1,000 requests, corrected from due time)");
  EXPECT_THAT(r.explanation, HasSubstr("workload rw: write_latency.p99 is 312.0 ms"));
  EXPECT_THAT(r.explanation, HasSubstr("expected < 250 ms"));
}

TEST(EvaluateLatencyTest, BoundaryValueEqualToThreshold) {
  const RunRecord record = MakeRecord({MakeWorkload("rw", 250)});
  EXPECT_EQ(EvaluateOne(record, "write_latency.p99 < 250ms").outcome, Outcome::kFailed);
  EXPECT_EQ(EvaluateOne(record, "write_latency.p99 <= 250ms").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "write_latency.p99 == 0.25s").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "write_latency.p99 >= 250ms").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "write_latency.p99 > 250ms").outcome, Outcome::kFailed);
}

TEST(EvaluateLatencyTest, EveryLatencyStatisticIsMeasured) {
  const RunRecord record = MakeRecord({MakeWorkload("rw", 100)});
  for (const char* stat : {"p50", "p90", "p95", "p99", "p999", "max", "mean"}) {
    EXPECT_EQ(EvaluateOne(record, std::string("write_latency.") + stat + " == 100ms").outcome,
              Outcome::kPassed)
        << stat;
    EXPECT_EQ(
        EvaluateOne(record, std::string("write_latency_uncorrected.") + stat + " == 50ms").outcome,
        Outcome::kPassed)
        << stat;
  }
  EXPECT_THAT(EvaluateOne(record, "write_latency_uncorrected.p999 < 1s").actual,
              HasSubstr("p99.9 of 1,000 requests, uncorrected, from first send"));
}

TEST(EvaluateLatencyTest, PercentilesFollowTheDistribution) {
  WorkloadRecord w = MakeWorkload("rw", 10);
  ASSERT_TRUE(w.latency_corrected.RecordN(900 * kMs, 20));  // 20 of 1020 slow: p99 slow, p90 fast.
  const RunRecord record = MakeRecord({w});
  EXPECT_EQ(EvaluateOne(record, "write_latency.p90 < 20ms").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "write_latency.p99 < 20ms").outcome, Outcome::kFailed);
  EXPECT_EQ(EvaluateOne(record, "write_latency.max == 900ms").outcome, Outcome::kPassed);
}

TEST(EvaluateLatencyTest, RateFiguresUseTheirDefinitions) {
  const RunRecord record = MakeRecord({MakeWorkload("rw", 10)});
  EXPECT_EQ(EvaluateOne(record, "error_rate == 3%").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "rejection_rate == 1%").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "achieved_rate == 99%").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "late_ratio == 5%").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "unsent_requests == 3").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "error_rate < 3%").outcome, Outcome::kFailed);
  EXPECT_EQ(EvaluateOne(record, "achieved_rate > 99%").outcome, Outcome::kFailed);
}

TEST(EvaluateLatencyTest, RateActualsNameTheirParts) {
  const RunRecord record = MakeRecord({MakeWorkload("rw", 10)});
  EXPECT_EQ(EvaluateOne(record, "error_rate < 1%").actual,
            "3.00% (30 of 1,000 requests not accepted: 10 rejected, 20 failed after retries)");
  EXPECT_EQ(EvaluateOne(record, "achieved_rate >= 99%").actual,
            "99.00% (9,900.0 of 10,000.0 samples/s)");
  EXPECT_EQ(EvaluateOne(record, "late_ratio < 1%").actual,
            "5.00% (50 of 1,000 requests left more than 10.0 ms after their due time)");
  EXPECT_EQ(EvaluateOne(record, "unsent_requests == 0").actual, "3 (of 1,003 scheduled requests)");
  // The rate is in the workload's own items: requests for plain HTTP load.
  RunRecord http = record;
  http.workloads[0].kind = "http";
  EXPECT_EQ(EvaluateOne(http, "achieved_rate >= 99%").actual,
            "99.00% (9,900.0 of 10,000.0 requests/s)");
}

TEST(EvaluateLatencyTest, EmptyWorkloadMeansEveryWorkloadAndNamesTheFailingOne) {
  const RunRecord record = MakeRecord({MakeWorkload("fast", 10), MakeWorkload("slow", 400)});
  const AssertionResult r = EvaluateOne(record, "write_latency.p99 < 250ms");
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_THAT(r.explanation, HasSubstr("workload slow:"));
  EXPECT_THAT(r.explanation, Not(HasSubstr("workload fast")));
  EXPECT_THAT(r.actual, HasSubstr("400.0 ms in slow"));
}

TEST(EvaluateLatencyTest, PassingAcrossWorkloadsReportsTheWorst) {
  const RunRecord record = MakeRecord({MakeWorkload("a", 10), MakeWorkload("b", 40)});
  const AssertionResult r = EvaluateOne(record, "write_latency.p99 < 250ms");
  EXPECT_EQ(r.outcome, Outcome::kPassed);
  EXPECT_THAT(r.actual, HasSubstr("40.0 ms in b"));
  EXPECT_THAT(r.explanation, HasSubstr("held in all 2 workloads"));
}

TEST(EvaluateLatencyTest, NamedWorkloadIsTheOnlyOneEvaluated) {
  const RunRecord record = MakeRecord({MakeWorkload("fast", 10), MakeWorkload("slow", 400)});
  EXPECT_EQ(EvaluateOne(record, "write_latency.p99 < 250ms", "fast").outcome, Outcome::kPassed);
  EXPECT_EQ(EvaluateOne(record, "write_latency.p99 < 250ms", "slow").outcome, Outcome::kFailed);
}

TEST(EvaluateLatencyTest, UnknownWorkloadIsNoData) {
  const RunRecord record = MakeRecord({MakeWorkload("fast", 10)});
  const AssertionResult r = EvaluateOne(record, "write_latency.p99 < 250ms", "nope");
  EXPECT_EQ(r.outcome, Outcome::kNoData);
  EXPECT_THAT(r.explanation, HasSubstr("workload \"nope\" is not in this run (workloads: fast)"));
}

TEST(EvaluateLatencyTest, NoWorkloadsIsNoData) {
  const AssertionResult r = EvaluateOne(MakeRecord({}), "error_rate < 1%");
  EXPECT_EQ(r.outcome, Outcome::kNoData);
  EXPECT_THAT(r.explanation, HasSubstr("the run has no workloads"));
  EXPECT_THAT(r.explanation, HasSubstr("cannot pass on nothing"));
}

TEST(EvaluateLatencyTest, WorkloadWithoutRequestsIsNoData) {
  WorkloadRecord idle;
  idle.name = "idle";
  const RunRecord record = MakeRecord({MakeWorkload("busy", 10), idle});
  const AssertionResult latency = EvaluateOne(record, "write_latency.p99 < 250ms");
  EXPECT_EQ(latency.outcome, Outcome::kNoData);
  EXPECT_THAT(latency.explanation, HasSubstr("workload idle recorded no request latencies"));
  EXPECT_EQ(EvaluateOne(record, "error_rate < 50%").outcome, Outcome::kNoData);
  EXPECT_EQ(EvaluateOne(record, "achieved_rate > 50%").outcome, Outcome::kNoData);
  EXPECT_EQ(EvaluateOne(record, "unsent_requests == 0", "idle").outcome, Outcome::kNoData);
}

TEST(EvaluateLatencyTest, FailureWinsOverNoDataAndMentionsIt) {
  WorkloadRecord idle;
  idle.name = "idle";
  const RunRecord record = MakeRecord({MakeWorkload("slow", 400), idle});
  const AssertionResult r = EvaluateOne(record, "write_latency.p99 < 250ms");
  EXPECT_EQ(r.outcome, Outcome::kFailed);
  EXPECT_THAT(r.explanation, HasSubstr("also no data: workload idle"));
}

TEST(EvaluateLatencyTest, HandMadeSpecWithUnknownFigureIsNoData) {
  AssertionSpec spec;
  spec.expression = "bogus < 1";
  spec.figure = "bogus";
  spec.threshold = 1;
  const AssertionResult r = Evaluate(MakeRecord({MakeWorkload("rw", 1)}), {spec}).front();
  EXPECT_EQ(r.outcome, Outcome::kNoData);
  EXPECT_EQ(r.spec.name, "bogus < 1");
  EXPECT_THAT(r.explanation, HasSubstr("unknown figure \"bogus\""));
}

TEST(EvaluateLatencyTest, OutcomeNames) {
  EXPECT_EQ(OutcomeName(Outcome::kPassed), "passed");
  EXPECT_EQ(OutcomeName(Outcome::kFailed), "failed");
  EXPECT_EQ(OutcomeName(Outcome::kNoData), "no_data");
}

}  // namespace
}  // namespace obs::assertions
