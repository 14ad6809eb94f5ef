// ParseScenario on `kind: http` workloads and `experiment` sections: every
// key mapped onto the load generator's options and the experiment spec,
// destinations declared implicitly, variables checked, assertions on
// variants. (Bad documents: fixtures/scenarios/bad/http_*.yaml and
// experiment_*.yaml.)

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/scenarios/scenario.h"
#include "obs/testing/status_matchers.h"

namespace obs::scenarios {
namespace {

using ::obs::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr const char* kHttp = R"(name: app
duration: 20s
seed: 9
workloads:
  - name: api
    kind: http
    url: http://127.0.0.1:8080/v2
    rate: 250
    concurrency: 8
    timeout: 2s
    late_threshold: 5ms
    headers: {Authorization: Bearer t, X-Tenant: a}
    requests:
      - GET /orders/1
      - /health
      - method: POST
        path: /orders
        body: '{"item": 7}'
        headers: {Content-Type: application/json, X-Tenant: b}
        weight: 3
)";

TEST(ScenarioHttpTest, EveryKeyReachesTheLoadOptions) {
  ASSERT_OK_AND_ASSIGN(Scenario s, ParseScenario(kHttp, "app.yaml"));
  ASSERT_EQ(s.workloads.size(), 1U);
  const WorkloadSpec& w = s.workloads[0];
  EXPECT_EQ(w.kind, "http");
  const loadgen::HttpLoadOptions& o = w.http;
  EXPECT_EQ(o.name, "api");
  EXPECT_EQ(o.base_url, "http://127.0.0.1:8080/v2");
  EXPECT_EQ(o.requests_per_second, 250);
  EXPECT_EQ(o.concurrency, 8);
  EXPECT_EQ(o.request_timeout_seconds, 2);
  EXPECT_DOUBLE_EQ(o.late_threshold_seconds, 0.005);
  EXPECT_EQ(o.duration_seconds, 20);
  EXPECT_EQ(o.seed, 9U);
  ASSERT_EQ(o.requests.size(), 3U);
  EXPECT_EQ(o.requests[0].method, "GET");
  EXPECT_EQ(o.requests[0].path, "/orders/1");
  EXPECT_EQ(o.requests[1].method, "GET");
  EXPECT_EQ(o.requests[1].path, "/health");
  EXPECT_EQ(o.requests[2].method, "POST");
  EXPECT_EQ(o.requests[2].body, R"({"item": 7})");
  EXPECT_EQ(o.requests[2].weight, 3);
  // Workload headers first, the request's own win on a clash.
  EXPECT_THAT(o.requests[0].headers,
              ElementsAre(Pair("Authorization", "Bearer t"), Pair("X-Tenant", "a")));
  EXPECT_THAT(o.requests[2].headers,
              ElementsAre(Pair("Authorization", "Bearer t"),
                          Pair("Content-Type", "application/json"), Pair("X-Tenant", "b")));
  EXPECT_THAT(DescribeScenario(s), HasSubstr("POST /orders (60.0%, 11-byte body)"));
}

TEST(ScenarioHttpTest, StagesSetTheDurationAndRampFromZero) {
  ASSERT_OK_AND_ASSIGN(Scenario s, ParseScenario(R"(name: ramp
workloads:
  - name: api
    kind: http
    url: http://127.0.0.1:8080
    stages: [{duration: 10s, target: 100}, {duration: 5s, target: 400}]
    requests: [/]
)",
                                                 "ramp.yaml"));
  EXPECT_EQ(s.duration_seconds, 15);
  EXPECT_EQ(s.workloads[0].http.requests_per_second, 0);
  EXPECT_EQ(s.workloads[0].http.stages.size(), 2U);
}

constexpr const char* kExperiment = R"(name: dual-export
duration: 10s
repeat: 3
experiment:
  baseline: off
  warmup: 2s
  sample_interval: 50ms
  settle: 300ms
  ready_timeout: 5s
  destinations:
    - {name: primary, response_delay: 1ms}
    - {name: remote, url: "http://127.0.0.1:4318"}
  variants:
    - name: off
      command: ["${OBSBENCH}", sample-app, --listen, "127.0.0.1:${PORT}"]
      ready_url: "${APP_URL}/healthz"
    - name: single
      command: ["${OBSBENCH}", sample-app, --listen, "127.0.0.1:${PORT}",
                --otlp-endpoint, "${OTLP_ENDPOINT_PRIMARY}"]
      exports: [primary]
    - name: dual
      command: [node, app.mjs]
      env: {OTLP_ENDPOINTS: "${OTLP_ENDPOINTS}", PORT: "${PORT}", COST: "$$5"}
      working_dir: apps
      exports: [primary, second-dest]
    - name: prod
      pid: 4242
      url: http://127.0.0.1:9000
workloads:
  - name: api
    kind: http
    rate: 100
    requests: [GET /api/orders/1]
assertions:
  - overhead.cpu < 10%
  - {expect: "overhead.p99 < 2ms", workload: dual}
  - {expect: "error_rate < 1%", workload: single/api}
  - export.completeness >= 99.9%
)";

TEST(ScenarioExperimentTest, VariantsDestinationsAndTimings) {
  ASSERT_OK_AND_ASSIGN(Scenario s, ParseScenario(kExperiment, "dir/dual.yaml"));
  ASSERT_TRUE(s.experiment.has_value());
  const ExperimentSpec& e = *s.experiment;
  EXPECT_EQ(s.repeat, 3);
  EXPECT_EQ(e.baseline, "off");
  EXPECT_EQ(e.warmup_seconds, 2);
  EXPECT_DOUBLE_EQ(e.sample_interval_seconds, 0.05);
  EXPECT_DOUBLE_EQ(e.settle_seconds, 0.3);
  EXPECT_EQ(e.ready_timeout_seconds, 5);
  ASSERT_EQ(e.variants.size(), 4U);
  EXPECT_EQ(e.variants[0].command.size(), 4U);
  EXPECT_EQ(e.variants[0].ready_url, "${APP_URL}/healthz");
  EXPECT_EQ(e.variants[0].url, "${APP_URL}");
  EXPECT_EQ(e.variants[0].working_dir, "dir");
  EXPECT_EQ(e.variants[2].working_dir, "dir/apps");
  EXPECT_THAT(e.variants[2].exports, ElementsAre("primary", "second-dest"));
  EXPECT_EQ(e.variants[2].env.at("COST"), "$$5");
  EXPECT_EQ(e.variants[3].pid, 4242);
  EXPECT_EQ(e.variants[3].url, "http://127.0.0.1:9000");
  // Declared destinations keep their settings; second-dest is embedded implicitly.
  ASSERT_EQ(e.destinations.size(), 3U);
  EXPECT_EQ(e.destinations[0].name, "primary");
  EXPECT_DOUBLE_EQ(e.destinations[0].response_delay_seconds, 0.001);
  EXPECT_EQ(e.destinations[1].url, "http://127.0.0.1:4318");
  EXPECT_EQ(e.destinations[2].name, "second-dest");
  EXPECT_TRUE(e.destinations[2].url.empty());
  // The http workload's URL is each variant's.
  EXPECT_TRUE(s.workloads[0].http.base_url.empty());
  ASSERT_EQ(s.assertions.size(), 4U);
  EXPECT_EQ(s.assertions[1].workload, "dual");
  EXPECT_EQ(s.assertions[2].workload, "single/api");
  const std::string text = DescribeScenario(s);
  EXPECT_THAT(text, HasSubstr("experiment: 4 variants x 3 rounds, interleaved; baseline off"));
  EXPECT_THAT(text, HasSubstr("destination second-dest: embedded OTLP receiver"));
  EXPECT_THAT(text, HasSubstr("url: each variant's application"));
}

TEST(ScenarioExperimentTest, BaselineDefaultsToTheFirstVariant) {
  ASSERT_OK_AND_ASSIGN(Scenario s, ParseScenario(R"(name: x
experiment:
  variants:
    - {name: a, command: [app]}
    - {name: b, command: [app]}
workloads:
  - {name: api, kind: http, requests: [/]}
)",
                                                 "x.yaml"));
  EXPECT_EQ(s.experiment->baseline, "a");
  EXPECT_TRUE(s.experiment->destinations.empty());
}

TEST(ScenarioExperimentTest, AlertingIsRefused) {
  EXPECT_THAT(ParseScenario(R"(name: x
experiment:
  variants:
    - {name: a, command: [app]}
    - {name: b, command: [app]}
workloads:
  - {name: api, kind: http, requests: [/]}
alerting: {rule_files: []}
)",
                            "x.yaml"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("alerting belongs in a scenario")));
}

TEST(ScenarioExperimentTest, ExperimentFiguresOutsideAnExperimentParseButHaveNoData) {
  // The figure is known to the parser; the evaluator says why it has no data.
  ASSERT_OK(ParseScenario(R"(name: x
workloads:
  - {name: api, kind: http, url: "http://127.0.0.1:1", requests: [/]}
assertions: [overhead.cpu < 10%]
)",
                          "x.yaml"));
}

}  // namespace
}  // namespace obs::scenarios
