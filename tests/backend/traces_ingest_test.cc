// OTLP/HTTP trace ingest and the Jaeger/Tempo query APIs of the embedded
// backend, over loopback HTTP: both encodings, gzip, partial success, 400/413/
// 415 with google.rpc.Status bodies, lossless Tempo read-back, Jaeger's shape,
// search, services and operations.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"
#include "obs/wire/gzip.h"
#include "obs/wire/otlp.h"

#include <nlohmann/json.hpp>

namespace obs::backend {
namespace {

namespace otlp = wire::otlp;
using ::obs::testing::HttpHeaders;
using ::testing::HasSubstr;
using Json = nlohmann::json;

otlp::TraceId Tid(std::uint8_t n) {
  otlp::TraceId id{};
  id.fill(n);
  return id;
}
otlp::SpanId Sid(std::uint8_t n) {
  otlp::SpanId id{};
  id.fill(n);
  return id;
}

// checkout (server) -> postgres query (client) with an event, a link, an
// error status, every attribute type.
otlp::TracesData TwoSpans(std::uint8_t trace) {
  otlp::TracesData data;
  otlp::ResourceSpans& rs = data.resource_spans.emplace_back();
  rs.resource.attributes = {{"service.name", otlp::AnyValue::String("checkout")},
                            {"host.name", otlp::AnyValue::String("h1")}};
  otlp::ScopeSpans& ss = rs.scope_spans.emplace_back();
  ss.scope.name = "obsbench";
  otlp::Span root;
  root.trace_id = Tid(trace);
  root.span_id = Sid(1);
  root.name = "POST /orders";
  root.kind = otlp::SpanKind::kServer;
  root.start_time_unix_nano = 1700000000000001234ULL;
  root.end_time_unix_nano = 1700000000250001234ULL;
  root.attributes = {
      {"http.request.method", otlp::AnyValue::String("POST")},
      {"http.response.status_code", otlp::AnyValue::Int(500)},
      {"retry", otlp::AnyValue::Bool(true)},
      {"ratio", otlp::AnyValue::Double(0.5)},
      {"ids", otlp::AnyValue::Array({otlp::AnyValue::Int(1), otlp::AnyValue::Int(2)})}};
  root.events = {{1700000000100000000ULL,
                  "exception",
                  {{"exception.type", otlp::AnyValue::String("Timeout")}},
                  0}};
  root.links = {{Tid(99), Sid(98), "", {}, 0, 0}};
  root.status = {"db timeout", otlp::SpanStatusCode::kError};
  otlp::Span child;
  child.trace_id = root.trace_id;
  child.span_id = Sid(2);
  child.parent_span_id = root.span_id;
  child.name = "SELECT orders";
  child.kind = otlp::SpanKind::kClient;
  child.start_time_unix_nano = root.start_time_unix_nano + 1000000;
  child.end_time_unix_nano = root.start_time_unix_nano + 201000000;
  child.attributes = {{"db.system", otlp::AnyValue::String("postgresql")}};
  ss.spans = {root, child};
  return data;
}

HttpHeaders Proto() {
  return {{"Content-Type", "application/x-protobuf"}};
}
HttpHeaders JsonHeaders() {
  return {{"Content-Type", "application/json"}};
}

class TracesIngestTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(backend_.Start(options_)); }

  ::obs::testing::HttpResult Post(std::string_view body, const HttpHeaders& headers) {
    auto r = backend_.Post("/v1/traces", body, headers);
    OBS_CHECK(r.ok()) << r.status();
    return *r;
  }
  ::obs::testing::HttpResult Get(std::string_view target) {
    auto r = backend_.Get(target);
    OBS_CHECK(r.ok()) << r.status();
    return *r;
  }
  otlp::TracesData TempoTrace(const otlp::TraceId& id) {
    auto r = Get("/api/v2/traces/" + otlp::Hex(id));
    EXPECT_EQ(r.status, 200) << r.body;
    const Json j = Json::parse(r.body);
    auto data = otlp::DecodeTracesJson(j.at("trace").dump());
    OBS_CHECK(data.ok()) << data.status();
    return *data;
  }

  ServerOptions options_;
  ::obs::testing::LoopbackBackend backend_;
};

TEST_F(TracesIngestTest, ProtobufJsonAndGzipAllStoreLosslessly) {
  std::string proto;
  otlp::EncodeTraces(TwoSpans(1), proto);
  auto r = Post(proto, Proto());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/x-protobuf");
  EXPECT_EQ(r.body, "");  // Full success: partial_success unset.

  std::string json;
  otlp::EncodeTracesJson(TwoSpans(2), json);
  r = Post(json, JsonHeaders());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");

  std::string gz_source;
  otlp::EncodeTraces(TwoSpans(3), gz_source);
  HttpHeaders gz = Proto();
  gz.emplace_back("Content-Encoding", "gzip");
  r = Post(wire::GzipCompress(gz_source), gz);
  EXPECT_EQ(r.status, 200) << r.body;

  for (int t = 1; t <= 3; ++t) {
    const auto u = static_cast<std::uint8_t>(t);
    EXPECT_EQ(TempoTrace(Tid(u)), TwoSpans(u)) << "trace " << t;
  }
  EXPECT_EQ(backend_.server().counters().spans_stored, 6U);
  EXPECT_EQ(backend_.server().counters().otlp_trace_requests, 3U);
}

TEST_F(TracesIngestTest, InvalidSpansArePartialSuccessAndValidOnesAreKept) {
  otlp::TracesData data = TwoSpans(4);
  otlp::Span bad = data.resource_spans[0].scope_spans[0].spans[1];
  bad.span_id = {};
  data.resource_spans[0].scope_spans[0].spans.push_back(bad);
  otlp::Span backwards = data.resource_spans[0].scope_spans[0].spans[1];
  backwards.span_id = Sid(7);
  backwards.end_time_unix_nano = backwards.start_time_unix_nano - 1;
  data.resource_spans[0].scope_spans[0].spans.push_back(backwards);
  std::string json;
  otlp::EncodeTracesJson(data, json);
  auto r = Post(json, JsonHeaders());
  ASSERT_EQ(r.status, 200) << r.body;
  auto response = otlp::DecodeExportResponse(otlp::Signal::kTraces, r.body, otlp::Encoding::kJson);
  ASSERT_OK(response);
  EXPECT_EQ(response->rejected, 2);
  EXPECT_THAT(response->error_message,
              HasSubstr("2 span(s) rejected; first: resourceSpans[0].scopeSpans[0].spans[2]: "
                        "span id is missing or all zero"));
  EXPECT_EQ(TempoTrace(Tid(4)), TwoSpans(4));
}

TEST_F(TracesIngestTest, BadRequestsAreAnsweredPerTheProtocol) {
  auto r = Post("{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"zz\"}]}]}]}",
                JsonHeaders());
  EXPECT_EQ(r.status, 400);
  auto st = otlp::DecodeRpcStatus(r.body, otlp::Encoding::kJson);
  ASSERT_OK(st);
  EXPECT_EQ(st->code, 3);
  EXPECT_THAT(st->message, HasSubstr("spans[0].traceId"));

  r = Post(std::string("\x0a\x09\x01", 3), Proto());
  EXPECT_EQ(r.status, 400);
  auto pst = otlp::DecodeRpcStatus(r.body, otlp::Encoding::kProtobuf);
  ASSERT_OK(pst);
  EXPECT_THAT(pst->message, HasSubstr("overruns"));

  EXPECT_EQ(Post("x", {{"Content-Type", "text/plain"}}).status, 415);
  HttpHeaders br = Proto();
  br.emplace_back("Content-Encoding", "br");
  EXPECT_EQ(Post("x", br).status, 415);
  HttpHeaders gz = Proto();
  gz.emplace_back("Content-Encoding", "gzip");
  EXPECT_EQ(Post("not gzip", gz).status, 400);
  EXPECT_EQ(Post("", Proto()).status, 200);  // An empty request is a success.
  EXPECT_EQ(backend_.server().counters().spans_stored, 0U);
}

TEST(TracesLimitsTest, CapacityAndDecompressionLimits) {
  ::obs::testing::LoopbackBackend backend;
  ServerOptions options;
  options.max_spans = 2;
  options.max_decompressed_bytes = 1 << 20;
  options.max_attribute_value_bytes = 16;
  ASSERT_OK(backend.Start(options));
  otlp::TracesData data = TwoSpans(5);
  data.resource_spans[0].scope_spans[0].spans[1].attributes.push_back(
      {"db.statement", otlp::AnyValue::String(std::string(17, 'x'))});
  std::string body;
  otlp::EncodeTraces(data, body);
  auto r = backend.Post("/v1/traces", body, Proto());
  ASSERT_OK(r);
  auto response =
      otlp::DecodeExportResponse(otlp::Signal::kTraces, r->body, otlp::Encoding::kProtobuf);
  ASSERT_OK(response);
  EXPECT_EQ(response->rejected, 1);
  EXPECT_THAT(response->error_message, HasSubstr("longer than 16 bytes"));

  body.clear();
  otlp::EncodeTraces(TwoSpans(6), body);
  r = backend.Post("/v1/traces", body, Proto());
  ASSERT_OK(r);
  response = otlp::DecodeExportResponse(otlp::Signal::kTraces, r->body, otlp::Encoding::kProtobuf);
  ASSERT_OK(response);
  EXPECT_EQ(response->rejected, 1);
  EXPECT_THAT(response->error_message, HasSubstr("span store full (2 spans)"));
  EXPECT_EQ(backend.server().counters().spans_stored, 2U);

  HttpHeaders gz = Proto();
  gz.emplace_back("Content-Encoding", "gzip");
  r = backend.Post("/v1/traces", wire::GzipCompress(std::string(2 << 20, '\0')), gz);
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(TracesIngestTest, JaegerShape) {
  std::string body;
  otlp::EncodeTraces(TwoSpans(7), body);
  ASSERT_EQ(Post(body, Proto()).status, 200);
  auto r = Get("/api/traces/" + otlp::Hex(Tid(7)));
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = Json::parse(r.body);
  const Json& trace = j.at("data").at(0);
  EXPECT_EQ(trace.at("traceID"), otlp::Hex(Tid(7)));
  ASSERT_EQ(trace.at("spans").size(), 2U);
  const Json& root = trace.at("spans").at(0);
  EXPECT_EQ(root.at("operationName"), "POST /orders");
  EXPECT_EQ(root.at("startTime"), 1700000000000001);  // Microseconds.
  EXPECT_EQ(root.at("duration"), 250000);
  EXPECT_EQ(root.at("references").at(0).at("refType"), "FOLLOWS_FROM");
  EXPECT_EQ(root.at("logs").at(0).at("fields").at(0),
            Json({{"key", "event"}, {"type", "string"}, {"value", "exception"}}));
  std::map<std::string, Json> tags;
  for (const Json& t : root.at("tags")) {
    tags[t.at("key")] = t;
  }
  EXPECT_EQ(tags.at("http.response.status_code").at("type"), "int64");
  EXPECT_EQ(tags.at("http.response.status_code").at("value"), 500);
  EXPECT_EQ(tags.at("retry").at("type"), "bool");
  EXPECT_EQ(tags.at("ratio").at("type"), "float64");
  EXPECT_EQ(tags.at("ids").at("value"), "[1,2]");
  EXPECT_EQ(tags.at("span.kind").at("value"), "server");
  EXPECT_EQ(tags.at("otel.status_code").at("value"), "ERROR");
  EXPECT_EQ(tags.at("otel.status_description").at("value"), "db timeout");
  EXPECT_EQ(tags.at("error").at("value"), true);
  const Json& child = trace.at("spans").at(1);
  EXPECT_EQ(child.at("references").at(0), Json({{"refType", "CHILD_OF"},
                                                {"traceID", otlp::Hex(Tid(7))},
                                                {"spanID", otlp::Hex(Sid(1))}}));
  const Json& process = trace.at("processes").at(root.at("processID").get<std::string>());
  EXPECT_EQ(process.at("serviceName"), "checkout");
  EXPECT_EQ(process.at("tags").at(0).at("key"), "host.name");

  auto missing = Get("/api/traces/" + otlp::Hex(Tid(8)));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Json::parse(missing.body).at("errors").at(0).at("msg"), "trace not found");
  EXPECT_EQ(Get("/api/traces/nothex").status, 400);
  EXPECT_EQ(Get("/api/v2/traces/" + otlp::Hex(Tid(8))).status, 404);
}

TEST_F(TracesIngestTest, JaegerSearchServicesAndOperations) {
  for (std::uint8_t t = 10; t < 14; ++t) {
    otlp::TracesData data = TwoSpans(t);
    auto& spans = data.resource_spans[0].scope_spans[0].spans;
    for (auto& s : spans) {
      s.start_time_unix_nano += std::uint64_t{t} * 1000000000ULL;
      s.end_time_unix_nano += std::uint64_t{t} * 1000000000ULL + (t == 13 ? 2000000000ULL : 0);
    }
    std::string body;
    otlp::EncodeTraces(data, body);
    ASSERT_EQ(Post(body, Proto()).status, 200);
  }
  const Json services = Json::parse(Get("/api/services").body);
  EXPECT_EQ(services.at("data"), Json({"checkout"}));
  EXPECT_EQ(Json::parse(Get("/api/services/checkout/operations").body).at("data"),
            Json({"POST /orders", "SELECT orders"}));
  EXPECT_EQ(Json::parse(Get("/api/operations?service=checkout&spanKind=client").body).at("data"),
            Json::parse(R"([{"name":"SELECT orders","spanKind":"client"}])"));

  auto search = [&](const std::string& q) {
    auto r = Get("/api/traces?" + q);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> ids;
    const Json j = Json::parse(r.body);
    for (const Json& t : j.at("data")) {
      ids.push_back(t.at("traceID"));
    }
    return ids;
  };
  EXPECT_EQ(search("service=checkout").size(), 4U);
  EXPECT_EQ(search("service=checkout&limit=2"),
            (std::vector<std::string>{otlp::Hex(Tid(13)), otlp::Hex(Tid(12))}));  // Newest first.
  EXPECT_EQ(search("service=checkout&minDuration=1.5s"),
            std::vector<std::string>{otlp::Hex(Tid(13))});
  EXPECT_EQ(search("service=checkout&operation=SELECT%20orders&maxDuration=300ms").size(), 3U);
  EXPECT_EQ(search("service=checkout&tags=%7B%22db.system%22%3A%22postgresql%22%7D").size(), 4U);
  EXPECT_EQ(search("service=checkout&tag=host.name:h2").size(), 0U);
  const std::uint64_t t12_us = (1700000000000001234ULL + 12000000000ULL) / 1000;
  EXPECT_EQ(search("service=checkout&start=" + std::to_string(t12_us)).size(), 2U);
  EXPECT_EQ(Get("/api/traces").status, 400);
  EXPECT_EQ(Get("/api/traces?service=x&minDuration=abc").status, 400);
}

}  // namespace
}  // namespace obs::backend
