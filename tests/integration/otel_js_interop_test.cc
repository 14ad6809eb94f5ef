// Interoperability with a real client: the official OpenTelemetry JavaScript
// SDK (tests/interop/otel-js, npm packages installed by ci/setup.sh, Node.js
// from the machine) exports traces, metrics and logs over OTLP/HTTP, in
// protobuf and in JSON, to the embedded backend; every span and log record
// the SDK reported as exported must then be found through the Tempo and Loki
// APIs with its name, parent, kind, attributes, events, links, status, body
// and trace correlation, and every metric data point (counter, up-down
// counter, histogram, exponential histogram, gauge; cumulative over
// protobuf, delta over JSON) through PromQL under its Prometheus name.

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"
#include "obs/testing/subprocess.h"
#include "obs/wire/otlp.h"

#include "obsbench_run.h"
#include <nlohmann/json.hpp>

namespace obs::testing {
namespace {

namespace otlp = wire::otlp;
using Json = nlohmann::json;

class OtelJsInteropTest : public ::testing::TestWithParam<const char*> {};

TEST_P(OtelJsInteropTest, EverySpanMetricPointAndLogTheSdkExportedIsFound) {
  const std::string dir = SourcePath("tests/interop/otel-js");
  ASSERT_TRUE(std::filesystem::exists(dir + "/node_modules/@opentelemetry/sdk-trace-base"))
      << "the OpenTelemetry JS packages are not installed: run ci/setup.sh (npm ci in " << dir
      << ")";
  LoopbackBackend backend;
  ASSERT_OK(backend.Start());
  const std::string protocol = GetParam();
  const std::string run = std::string("interop-") + protocol;
  auto r = RunProcess({"node", dir + "/export.mjs",
                       "http://127.0.0.1:" + std::to_string(backend.port()), protocol, run},
                      std::chrono::seconds(120));
  ASSERT_OK(r);
  ASSERT_EQ(r->exit_code, 0) << r->err;
  const Json exported = Json::parse(r->out);
  ASSERT_EQ(exported["spans"].size(), 20U) << r->err;  // 5 traces x (1 + 3 children).
  ASSERT_EQ(exported["logs"].size(), 6U) << r->err;

  // Spans: each found in its trace through the Tempo API, field by field.
  std::map<std::string, otlp::TracesData> traces;
  for (const Json& want : exported["spans"]) {
    const std::string tid = want["traceId"];
    if (traces.count(tid) == 0) {
      auto got = backend.Get("/api/v2/traces/" + tid);
      ASSERT_OK(got);
      ASSERT_EQ(got->status, 200) << got->body;
      auto data = otlp::DecodeTracesJson(Json::parse(got->body)["trace"].dump());
      ASSERT_OK(data);
      traces[tid] = *data;
    }
    const otlp::Span* found = nullptr;
    const otlp::Resource* resource = nullptr;
    for (const auto& rs : traces[tid].resource_spans) {
      for (const auto& ss : rs.scope_spans) {
        for (const auto& s : ss.spans) {
          if (otlp::Hex(s.span_id) == want["spanId"]) {
            found = &s;
            resource = &rs.resource;
          }
        }
      }
    }
    ASSERT_NE(found, nullptr) << "span " << want["spanId"] << " (" << want["name"] << ") missing";
    SCOPED_TRACE(found->name);
    EXPECT_EQ(found->name, want["name"]);
    const std::string parent = want["parentSpanId"];
    EXPECT_EQ(otlp::IsZero(found->parent_span_id) ? "" : otlp::Hex(found->parent_span_id), parent);
    // The JS API numbers kinds from INTERNAL = 0; OTLP from UNSPECIFIED = 0.
    EXPECT_EQ(static_cast<int>(found->kind), want["kind"].get<int>() + 1);
    EXPECT_EQ(static_cast<int>(found->status.code), want["status"].get<int>());
    EXPECT_EQ(found->links.size(), want["links"].get<std::size_t>());
    std::vector<std::string> events;
    for (const auto& e : found->events) {
      events.push_back(e.name);
    }
    EXPECT_EQ(Json(events), want["events"]);
    std::map<std::string, otlp::AnyValue> attrs;
    for (const auto& kv : found->attributes) {
      attrs[kv.key] = kv.value;
    }
    EXPECT_EQ(attrs.size(), want["attributes"].size());
    for (auto it = want["attributes"].begin(); it != want["attributes"].end(); ++it) {
      ASSERT_EQ(attrs.count(it.key()), 1U) << it.key();
      const otlp::AnyValue& v = attrs[it.key()];
      if (it->is_string()) {
        EXPECT_EQ(v, otlp::AnyValue::String(*it)) << it.key();
      } else if (it->is_boolean()) {
        EXPECT_EQ(v, otlp::AnyValue::Bool(*it)) << it.key();
      } else if (it->is_number_integer()) {
        EXPECT_EQ(v, otlp::AnyValue::Int(*it)) << it.key();
      } else if (it->is_number()) {
        // JS numbers: integral values go out as intValue, others as doubleValue.
        EXPECT_EQ(v.type, otlp::AnyValue::Type::kDouble) << it.key();
        EXPECT_DOUBLE_EQ(v.double_value, it->get<double>()) << it.key();
      } else if (it->is_array()) {
        ASSERT_EQ(v.type, otlp::AnyValue::Type::kArray) << it.key();
        EXPECT_EQ(v.array_value.size(), it->size()) << it.key();
      }
    }
    bool service = false;
    for (const auto& kv : resource->attributes) {
      service = service ||
                (kv.key == "service.name" && kv.value == otlp::AnyValue::String("otel-js-interop"));
    }
    EXPECT_TRUE(service);
  }

  // Logs: each found through the Loki API by its body, at its timestamp,
  // with its severity and trace correlation.
  auto got = backend.Get(
      "/loki/api/v1/query_range?limit=1000&query=" +
      LoopbackBackend::UrlEncode("{service_name=\"otel-js-interop\"} |= \"" + run + "\"") +
      "&start=0");
  ASSERT_OK(got);
  ASSERT_EQ(got->status, 200) << got->body;
  const Json answer = Json::parse(got->body);
  std::map<std::string, std::pair<std::string, Json>> by_body;  // body -> (ts, stream+meta)
  for (const Json& stream : answer["data"]["result"]) {
    for (const Json& v : stream["values"]) {
      by_body[v[1]] = {v[0],
                       Json{{"stream", stream["stream"]}, {"meta", v.size() > 2 ? v[2] : Json()}}};
    }
  }
  for (const Json& want : exported["logs"]) {
    const std::string body = want["body"];
    ASSERT_EQ(by_body.count(body), 1U) << "log \"" << body << "\" missing: " << got->body;
    const auto& [ts, info] = by_body[body];
    EXPECT_EQ(ts, want["timeUnixNano"]);
    EXPECT_EQ(info["stream"]["severity_text"], want["severityText"]);
    if (!want["traceId"].get<std::string>().empty()) {
      EXPECT_EQ(info["meta"]["trace_id"], want["traceId"]) << body;
    }
  }

  // Metric points: each found through PromQL at its timestamp, under the
  // name Prometheus's OTLP translation gives it, with the value it had (delta
  // points summed per series, as the backend stores them cumulatively).
  const std::map<std::string, std::string> kNames = {
      {"http.server.requests", "http_server_requests_total"},
      {"queue.depth", "queue_depth"},
      {"http.server.request.duration", "http_server_request_duration_seconds"},
      {"rpc.latency", "rpc_latency_milliseconds"},
      {"process.memory.usage", "process_memory_usage_bytes"}};
  ASSERT_GE(exported["metrics"].size(), 14U) << r->err;  // Two collections of 7 points.
  std::map<std::string, double> totals;                  // Delta running sums per series.
  std::size_t checked = 0;
  for (const Json& want : exported["metrics"]) {
    ASSERT_EQ(kNames.count(want["name"]), 1U) << want.dump();
    const std::string name = kNames.at(want["name"]);
    std::string selector = "job=\"otel-js-interop\"";
    for (auto it = want["attributes"].begin(); it != want["attributes"].end(); ++it) {
      std::string label = it.key();
      std::replace(label.begin(), label.end(), '.', '_');
      selector += "," + label + "=\"" + it->get<std::string>() + "\"";
    }
    // The JS SDK numbers temporality DELTA = 0, CUMULATIVE = 1; point
    // types HISTOGRAM = 0, EXPONENTIAL_HISTOGRAM = 1, GAUGE = 2, SUM = 3.
    const int type = want["dataPointType"];
    const bool delta = want["temporality"] == 0 && type != 2;  // Gauges have no temporality.
    std::vector<std::pair<std::string, double>> expect;        // series -> value
    if (type >= 2) {
      expect.emplace_back(name + "{" + selector + "}", want["value"].get<double>());
    } else {
      expect.emplace_back(name + "_count{" + selector + "}", want["value"]["count"].get<double>());
      expect.emplace_back(name + "_sum{" + selector + "}", want["value"]["sum"].get<double>());
      expect.emplace_back(name + "_bucket{" + selector + ",le=\"+Inf\"}",
                          want["value"]["count"].get<double>());
    }
    const std::string ns = want["timeUnixNano"];
    const std::string at = ns.substr(0, ns.size() - 9) + "." + ns.substr(ns.size() - 9, 3);
    for (auto& [series, value] : expect) {
      if (delta) {
        value = totals[series] += value;
      }
      auto q = backend.Query(series, at);
      ASSERT_OK(q);
      const Json answer_json = Json::parse(q->body);
      const Json& result = answer_json["data"]["result"];
      ASSERT_EQ(result.size(), 1U) << series << " at " << at << ": " << q->body;
      EXPECT_DOUBLE_EQ(std::stod(result[0]["value"][1].get<std::string>()), value)
          << series << " at " << at;
      // The sample found is the one at the point's own timestamp.
      auto ts = backend.Query("timestamp(" + series + ")", at);
      ASSERT_OK(ts);
      const Json ts_json = Json::parse(ts->body);
      ASSERT_EQ(ts_json["data"]["result"].size(), 1U) << ts->body;
      EXPECT_DOUBLE_EQ(std::stod(ts_json["data"]["result"][0]["value"][1].get<std::string>()),
                       std::stod(at))
          << series;
      ++checked;
    }
  }
  EXPECT_GE(checked, 28U);
}

INSTANTIATE_TEST_SUITE_P(Protocols, OtelJsInteropTest, ::testing::Values("proto", "json"));

}  // namespace
}  // namespace obs::testing
