// Interoperability with a real client: the official OpenTelemetry JavaScript
// SDK (tests/interop/otel-js, npm packages installed by ci/setup.sh, Node.js
// from the machine) exports traces and logs over OTLP/HTTP, in protobuf and
// in JSON, to the embedded backend; every span and log record the SDK
// reported as exported must then be found through the Tempo and Loki APIs
// with its name, parent, kind, attributes, events, links, status, body and
// trace correlation. (OTLP metrics are not ingested yet: see the notes.)

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

TEST_P(OtelJsInteropTest, EverySpanAndLogTheSdkExportedIsFound) {
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
}

INSTANTIATE_TEST_SUITE_P(Protocols, OtelJsInteropTest, ::testing::Values("proto", "json"));

}  // namespace
}  // namespace obs::testing
