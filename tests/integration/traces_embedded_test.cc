// Traces end to end through the obsbench binary and the embedded backend:
// every acknowledged span found intact (protobuf, JSON + gzip, Tempo and
// Jaeger read-back), and a backend that drops or alters spans after
// acknowledging them fails the run with the exact counts and names the
// first differing field.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obsbench_run.h"

namespace obs::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kScenario[] = "fixtures/scenarios/traces_embedded.yaml";

class TracesEmbeddedTest : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(TracesEmbeddedTest, EveryAcknowledgedSpanComesBackIntact) {
  TempDir out;
  const ProcessResult r = RunScenarioWith(kScenario, out, GetParam());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const nlohmann::json report = ReadReport(out.path());
  const auto& t = report["traces"];
  EXPECT_TRUE(t["checked"].get<bool>());
  const auto expected = t["spans_expected"].get<std::uint64_t>();
  EXPECT_GT(expected, 500u);  // ~180 traces of ~9 spans.
  EXPECT_EQ(t["spans_intact"].get<std::uint64_t>(), expected);
  EXPECT_EQ(t["traces_found"], t["traces_expected"]);
  const auto& w = report["workloads"][0];
  EXPECT_EQ(w["kind"], "otlp_traces");
  EXPECT_EQ(w["samples_acked"].get<std::uint64_t>(), expected);
  // Visibility probes ran beside the load through the same query API.
  EXPECT_EQ(t["visibility"]["probes"].get<std::uint64_t>(), 20u);
  EXPECT_EQ(t["visibility"]["visible"].get<std::uint64_t>(), 20u);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, TracesEmbeddedTest,
    ::testing::Values(
        std::vector<std::string>{},
        std::vector<std::string>{"workloads[0].encoding=json", "workloads[0].compression=gzip"},
        std::vector<std::string>{"target.trace_query_api=jaeger"},
        std::vector<std::string>{"workloads[0].model=../../scenarios/models/deep-wide.traces.yaml",
                                 "workloads[0].rate=5", "target.trace_query_api=jaeger"}));

TEST(TracesFaultTest, DroppedAndAlteredSpansFailWithExactCountsAndTheField) {
  TempDir out;
  const ProcessResult r =
      RunScenarioWith(kScenario, out,
                      {"target.drop_every_nth_span=25", "target.alter_every_nth_span=40",
                       // Probe spans would take part in the fault count.
                       "verify.visibility_probes=0"});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  const nlohmann::json report = ReadReport(out.path());
  const auto& t = report["traces"];
  // No retries happen on loopback, so the backend saw exactly the
  // acknowledged spans, in order: every 25th dropped, every 40th of the rest
  // altered unless it was also a 25th (multiples of 200 are dropped).
  const auto acked = report["workloads"][0]["samples_acked"].get<std::uint64_t>();
  ASSERT_EQ(t["spans_expected"].get<std::uint64_t>(), acked);
  EXPECT_EQ(t["spans_missing"].get<std::uint64_t>(), acked / 25);
  EXPECT_EQ(t["spans_altered"].get<std::uint64_t>(), acked / 40 - acked / 200);
  EXPECT_EQ(t["spans_extra"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(t["spans_intact"].get<std::uint64_t>(),
            acked - acked / 25 - (acked / 40 - acked / 200));
  bool saw_altered = false;
  for (const auto& e : t["examples"]) {
    if (e["problem"] == "altered") {
      saw_altered = true;
      EXPECT_THAT(e["field"].get<std::string>(), HasSubstr("attributes["));
      EXPECT_THAT(e["received"].get<std::string>(), HasSubstr("~altered"));
    }
  }
  EXPECT_TRUE(saw_altered);
  EXPECT_EQ(AssertionOutcome(report, "trace_completeness"), "failed");
  EXPECT_EQ(AssertionOutcome(report, "trace_completeness.missing_spans"), "failed");
  EXPECT_EQ(AssertionOutcome(report, "trace_completeness.altered_spans"), "failed");
  EXPECT_EQ(AssertionOutcome(report, "trace_completeness.extra_spans"), "passed");
  EXPECT_THAT(r.out, HasSubstr("FAILED"));
}

}  // namespace
}  // namespace obs::testing
