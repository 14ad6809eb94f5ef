// An overhead experiment on a real third-party application: a Node.js HTTP
// server instrumented with the official OpenTelemetry JavaScript SDK
// (tests/interop/otel-js/app.mjs: one BatchSpanProcessor + OTLP/HTTP
// protobuf exporter per endpoint in OTLP_ENDPOINTS), run as three variants
// (no export, one, two). The experiment completes, both destinations of the
// dual variant receive every SERVER span the SDK made, and the overhead of
// each variant against "off" is reported.

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/scenarios/runner.h"
#include "obs/scenarios/scenario.h"
#include "obs/testing/status_matchers.h"

namespace obs::scenarios {
namespace {

std::string AppDir() {
  const char* root = std::getenv("OBS_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/tests/interop/otel-js";
}

TEST(ExperimentOtelJsTest, ThreeVariantsOfAnSdkInstrumentedApp) {
  ASSERT_TRUE(std::filesystem::exists(AppDir() + "/node_modules/@opentelemetry/sdk-trace-base"))
      << "the OpenTelemetry JS packages are not installed: run ci/setup.sh";
  const std::string variant_env =
      R"(env: {PORT: "${PORT}", OTLP_ENDPOINTS: "${OTLP_ENDPOINTS}", DOWNSTREAM_DELAY_MS: "1"})";
  const std::string yaml = R"(name: otel-js-overhead
duration: 3s
repeat: 2
experiment:
  warmup: 1s
  settle: 500ms
  ready_timeout: 20s
  variants:
    - name: "off"
      command: [node, app.mjs]
      working_dir: )" + AppDir() +
                           R"(
      )" + variant_env + R"(
      ready_url: "${APP_URL}/healthz"
    - name: single
      command: [node, app.mjs]
      working_dir: )" + AppDir() +
                           R"(
      )" + variant_env + R"(
      ready_url: "${APP_URL}/healthz"
      exports: [a]
    - name: dual
      command: [node, app.mjs]
      working_dir: )" + AppDir() +
                           R"(
      )" + variant_env + R"(
      ready_url: "${APP_URL}/healthz"
      exports: [a, b]
workloads:
  - name: api
    kind: http
    rate: 100
    concurrency: 2
    requests: [GET /api/orders/7, {method: POST, path: /api/orders, body: '{"item": 1}'}]
assertions:
  - error_rate == 0%
  - export.completeness >= 100%
)";
  ASSERT_OK_AND_ASSIGN(Scenario s, ParseScenario(yaml, "otel-js-overhead.yaml"));
  ASSERT_OK_AND_ASSIGN(reports::RunReport report, RunScenario(s, {}));
  ASSERT_EQ(report.infrastructure_error, "");
  ASSERT_TRUE(report.record.experiment.has_value());
  const ExperimentRecord& e = *report.record.experiment;
  ASSERT_EQ(e.runs.size(), 6U);
  for (const VariantRunRecord& r : e.runs) {
    SCOPED_TRACE(r.variant + " round " + std::to_string(r.round));
    EXPECT_GT(r.requests_answered, 200U);
    EXPECT_GT(r.app_cpu_seconds, 0);
    EXPECT_EQ(r.app_exit_code, 0);
    EXPECT_EQ(r.destinations.size(), r.variant == "off" ? 0U : r.variant == "single" ? 1U : 2U);
    for (const ExportDestinationRecord& d : r.destinations) {
      // One SERVER, one INTERNAL and one CLIENT span per handled request.
      EXPECT_EQ(d.server_spans, r.requests_answered + r.warmup_requests_answered) << d.name;
      EXPECT_EQ(d.spans, 3 * d.server_spans) << d.name;
    }
  }
  bool dual_cpu = false;
  for (const OverheadRecord& o : e.overhead) {
    dual_cpu = dual_cpu || (o.variant == "dual" && o.figure == "cpu_per_request" && o.pairs == 2);
  }
  EXPECT_TRUE(dual_cpu);
  for (const assertions::AssertionResult& a : report.assertions) {
    EXPECT_EQ(a.outcome, assertions::Outcome::kPassed)
        << a.spec.expression << ": " << a.explanation;
  }
}

}  // namespace
}  // namespace obs::scenarios
