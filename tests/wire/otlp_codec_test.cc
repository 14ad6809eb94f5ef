// The OTLP traces/logs codecs against the protoc-generated oracle (canonical
// bytes both ways), JSON round trips and spec-shaped JSON, and errors that
// name the place.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/wire/otlp.h"

#include "otlp_test_data.h"
#include "wire/proto/otlp_loki.pb.h"

namespace obs::wire::otlp {
namespace {

using ::testing::HasSubstr;
using testing::MakeSpanId;
using testing::MakeTraceId;
using testing::RichLogs;
using testing::RichTraces;

TEST(OtlpProtoTest, TracesEncodeCanonicallyAndTheOracleReadsEveryField) {
  const TracesData data = RichTraces();
  std::string bytes;
  EncodeTraces(data, bytes);
  obs::otlp_oracle::ExportTraceServiceRequest oracle;
  ASSERT_TRUE(oracle.ParseFromString(bytes));
  EXPECT_EQ(oracle.SerializeAsString(), bytes);

  const auto& span = oracle.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(span.name(), "GET /api/orders/{id}");
  EXPECT_EQ(span.kind(), obs::otlp_oracle::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.start_time_unix_nano(), 1700000000123456789ULL);
  EXPECT_EQ(span.flags(), 0x301U);
  EXPECT_EQ(span.trace_id().size(), 16U);
  EXPECT_TRUE(span.parent_span_id().empty());
  EXPECT_EQ(span.status().code(), obs::otlp_oracle::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(span.links(0).flags(), 1U);
  EXPECT_EQ(span.attributes(2).value().int_value(), -42);
  EXPECT_EQ(
      span.attributes(12).value().array_value().values(2).array_value().values(0).bool_value(),
      true);
  EXPECT_FALSE(span.attributes(8).has_value());  // The empty AnyValue.
  const auto& child = oracle.resource_spans(0).scope_spans(0).spans(1);
  EXPECT_EQ(child.parent_span_id(), span.span_id());
  EXPECT_FALSE(oracle.resource_spans(1).has_resource());
}

TEST(OtlpProtoTest, TracesRoundTrip) {
  const TracesData data = RichTraces();
  std::string bytes;
  EncodeTraces(data, bytes);
  auto decoded = DecodeTraces(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, data);
  EXPECT_EQ(SpanCount(*decoded), 3U);
}

TEST(OtlpProtoTest, EncoderAppendsToTheBuffer) {
  std::string bytes = "prefix";
  EncodeTraces(RichTraces(), bytes);
  EXPECT_EQ(bytes.substr(0, 6), "prefix");
  auto decoded = DecodeTraces(std::string_view(bytes).substr(6));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
}

TEST(OtlpProtoTest, DecodesWhatTheOracleBuildsIncludingUnknownFields) {
  obs::otlp_oracle::ExportTraceServiceRequest oracle;
  auto* span = oracle.add_resource_spans()->add_scope_spans()->add_spans();
  const TraceId tid = MakeTraceId(3);
  const SpanId sid = MakeSpanId(4);
  span->set_trace_id(std::string(tid.begin(), tid.end()));
  span->set_span_id(std::string(sid.begin(), sid.end()));
  span->set_name("op");
  span->set_kind(obs::otlp_oracle::Span::SPAN_KIND_PRODUCER);
  auto* kv = span->add_attributes();
  kv->set_key("k");
  kv->mutable_value()->set_double_value(2.5);
  // An unknown field (number 99, varint 5) inside the span, which the
  // generated code keeps, and an unknown group (field 99) at the top level.
  std::string span_bytes = span->SerializeAsString() + std::string("\x98\x06\x05", 3);
  ASSERT_TRUE(span->ParseFromString(span_bytes));
  const std::string bytes = oracle.SerializeAsString() + std::string("\x9b\x06\x08\x01\x9c\x06", 6);
  ASSERT_NE(bytes.find(std::string("\x98\x06\x05", 3)), std::string::npos);

  auto decoded = DecodeTraces(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const Span& s = decoded->resource_spans.at(0).scope_spans.at(0).spans.at(0);
  EXPECT_EQ(s.trace_id, tid);
  EXPECT_EQ(s.span_id, sid);
  EXPECT_EQ(s.kind, SpanKind::kProducer);
  EXPECT_EQ(s.attributes.at(0).value, AnyValue::Double(2.5));
}

TEST(OtlpProtoTest, LogsEncodeCanonicallyAndRoundTrip) {
  const LogsData data = RichLogs();
  std::string bytes;
  EncodeLogs(data, bytes);
  obs::otlp_oracle::ExportLogsServiceRequest oracle;
  ASSERT_TRUE(oracle.ParseFromString(bytes));
  EXPECT_EQ(oracle.SerializeAsString(), bytes);
  const auto& rec = oracle.resource_logs(0).scope_logs(0).log_records(0);
  EXPECT_EQ(rec.severity_number(), 17);
  EXPECT_EQ(rec.event_name(), "payment.failed");
  EXPECT_EQ(rec.observed_time_unix_nano(), 1700000000123456999ULL);
  auto decoded = DecodeLogs(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, data);
  EXPECT_EQ(LogRecordCount(*decoded), 3U);
}

TEST(OtlpProtoTest, BadInputNamesThePlace) {
  obs::otlp_oracle::ExportTraceServiceRequest oracle;
  auto* scope = oracle.add_resource_spans()->add_scope_spans();
  scope->add_spans()->set_trace_id(std::string(16, '\1'));
  scope->add_spans()->set_trace_id("short");
  auto decoded = DecodeTraces(oracle.SerializeAsString());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(decoded.status().message(),
              HasSubstr("resourceSpans[0].scopeSpans[0].spans[1].traceId: id must be 16 bytes, "
                        "got 5"));

  obs::otlp_oracle::ExportLogsServiceRequest logs;
  logs.add_resource_logs()->add_scope_logs()->add_log_records()->set_severity_text("\xff");
  auto bad_utf8 = DecodeLogs(logs.SerializeAsString());
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_THAT(bad_utf8.status().message(),
              HasSubstr("resourceLogs[0].scopeLogs[0].logRecords[0].severityText: invalid UTF-8"));

  EXPECT_THAT(DecodeTraces(std::string("\x0a\x05\x01", 3)).status().message(),
              HasSubstr("overruns"));
  EXPECT_THAT(DecodeTraces(std::string("\x0f", 1)).status().message(),
              HasSubstr("invalid wire type"));
  // resource_spans with wire type varint.
  EXPECT_THAT(DecodeTraces(std::string("\x08\x01", 2)).status().message(),
              HasSubstr("resourceSpans[0]: wire type 0, want 2"));
  EXPECT_TRUE(DecodeTraces("").ok());  // An empty request is a success.
}

TEST(OtlpProtoTest, DeeplyNestedValuesAreRejectedNotRecursedInto) {
  AnyValue v = AnyValue::String("leaf");
  for (int i = 0; i < kMaxValueDepth + 5; ++i) {
    v = AnyValue::Array({v});
  }
  TracesData data = RichTraces();
  data.resource_spans[0].scope_spans[0].spans[0].attributes = {{"deep", v}};
  std::string bytes;
  EncodeTraces(data, bytes);
  auto decoded = DecodeTraces(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(), HasSubstr("nested deeper than 32"));
  std::string json;
  EncodeTracesJson(data, json);
  EXPECT_THAT(DecodeTracesJson(json).status().message(), HasSubstr("nested deeper than 32"));
}

TEST(OtlpJsonTest, TracesAndLogsRoundTrip) {
  const TracesData traces = RichTraces();
  std::string json;
  EncodeTracesJson(traces, json);
  auto decoded = DecodeTracesJson(json);
  ASSERT_TRUE(decoded.ok()) << decoded.status() << "\n" << json;
  EXPECT_EQ(*decoded, traces);

  const LogsData logs = RichLogs();
  std::string logs_json;
  EncodeLogsJson(logs, logs_json);
  auto decoded_logs = DecodeLogsJson(logs_json);
  ASSERT_TRUE(decoded_logs.ok()) << decoded_logs.status() << "\n" << logs_json;
  EXPECT_EQ(*decoded_logs, logs);
}

TEST(OtlpJsonTest, WritesTheSpecifiedShape) {
  TracesData data;
  Span s;
  s.trace_id = MakeTraceId(0xAB);
  s.span_id = MakeSpanId(0x10);
  s.name = "n";
  s.kind = SpanKind::kClient;
  s.start_time_unix_nano = 1544712660000000000ULL;
  s.attributes = {{"i", AnyValue::Int(9007199254740993)}};
  data.resource_spans.emplace_back().scope_spans.emplace_back().spans.push_back(s);
  std::string json;
  EncodeTracesJson(data, json);
  EXPECT_EQ(json,
            "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + Hex(s.trace_id) +
                "\",\"spanId\":\"" + Hex(s.span_id) +
                "\",\"name\":\"n\",\"kind\":3,\"startTimeUnixNano\":\"1544712660000000000\","
                "\"attributes\":[{\"key\":\"i\",\"value\":{\"intValue\":\"9007199254740993\"}}]}]}]"
                "}]}");
}

TEST(OtlpJsonTest, ReadsSpecExamplesWithNumbersSnakeCaseAndUnknownKeys) {
  const std::string json = R"({
    "resourceSpans": [{
      "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]},
      "scopeSpans": [{
        "scope": {"name": "my.library", "version": "1.0.0"},
        "spans": [{
          "traceId": "5B8EFFF798038103D269B633813FC60C",
          "spanId": "EEE19B7EC3C1B174",
          "parent_span_id": "EEE19B7EC3C1B173",
          "name": "I'm a server span",
          "startTimeUnixNano": 1544712660000000000,
          "end_time_unix_nano": "1544712661000000000",
          "kind": 2,
          "attributes": [
            {"key": "my.span.attr", "value": {"stringValue": "some value"}},
            {"key": "b64", "value": {"bytesValue": "AP8Q"}},
            {"key": "num", "value": {"doubleValue": "NaN"}},
            {"key": "n", "value": {"intValue": 12}}
          ],
          "status": {"code": 2, "message": "boom"},
          "futureField": {"ignored": [1, 2, 3]}
        }]
      }]
    }]
  })";
  auto decoded = DecodeTracesJson(json);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const Span& s = decoded->resource_spans.at(0).scope_spans.at(0).spans.at(0);
  EXPECT_EQ(Hex(s.trace_id), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(Hex(s.parent_span_id), "eee19b7ec3c1b173");
  EXPECT_EQ(s.start_time_unix_nano, 1544712660000000000ULL);
  EXPECT_EQ(s.end_time_unix_nano, 1544712661000000000ULL);
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_EQ(s.attributes.at(1).value, AnyValue::Bytes(std::string("\x00\xff\x10", 3)));
  EXPECT_TRUE(std::isnan(s.attributes.at(2).value.double_value));
  EXPECT_EQ(s.attributes.at(3).value, AnyValue::Int(12));
  EXPECT_EQ(s.status.code, SpanStatusCode::kError);
  EXPECT_EQ(decoded->resource_spans[0].scope_spans[0].scope.version, "1.0.0");

  // Tempo answers with base64 ids.
  auto tempo = DecodeTracesJson(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"W47/95gDgQPSabYzgT/GDA==",)"
      R"("spanId":"7uGbfsPBsXQ="}]}]}]})");
  ASSERT_TRUE(tempo.ok()) << tempo.status();
  EXPECT_EQ(Hex(tempo->resource_spans[0].scope_spans[0].spans[0].trace_id),
            "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(Hex(tempo->resource_spans[0].scope_spans[0].spans[0].span_id), "eee19b7ec3c1b174");
}

TEST(OtlpJsonTest, BadInputNamesThePlace) {
  EXPECT_THAT(DecodeTracesJson("{\"resourceSpans\": [").status().message(),
              HasSubstr("invalid JSON at byte"));
  EXPECT_THAT(DecodeTracesJson("[]").status().message(), HasSubstr("must be a JSON object"));
  EXPECT_THAT(
      DecodeTracesJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]})")
          .status()
          .message(),
      HasSubstr("resourceSpans[0].scopeSpans[0].spans[0].traceId: \"xyz\" is not 32 hex digits"));
  EXPECT_THAT(
      DecodeTracesJson(
          R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"12abc"}]}]}]})")
          .status()
          .message(),
      HasSubstr("spans[0].startTimeUnixNano: \"12abc\" is not an integer in range"));
  EXPECT_THAT(DecodeLogsJson(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":)"
                             R"(1.5}]}]}]})")
                  .status()
                  .message(),
              HasSubstr("logRecords[0].severityNumber: must be an integer in range"));
  EXPECT_THAT(DecodeTracesJson(R"({"resourceSpans":{}})").status().message(),
              HasSubstr("resourceSpans: must be an array"));
  EXPECT_TRUE(DecodeTracesJson("{}").ok());
  // A number that overflows a double (found by the fuzzer: the JSON library
  // throws out_of_range even in its non-throwing mode).
  EXPECT_THAT(DecodeTracesJson(R"({"resourceSpans":1e999})").status().message(),
              HasSubstr("invalid JSON"));
  EXPECT_FALSE(DecodeExportResponse(Signal::kTraces, "1e999", Encoding::kJson).ok());
}

TEST(OtlpResponseTest, PartialSuccessInBothEncodings) {
  const ExportResponse partial{3, "3 spans had an all-zero trace id"};
  for (Encoding e : {Encoding::kProtobuf, Encoding::kJson}) {
    for (Signal s : {Signal::kTraces, Signal::kMetrics, Signal::kLogs}) {
      const std::string body = EncodeExportResponse(s, partial, e);
      auto back = DecodeExportResponse(s, body, e);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(*back, partial);
      auto full = DecodeExportResponse(s, EncodeExportResponse(s, {}, e), e);
      ASSERT_TRUE(full.ok());
      EXPECT_EQ(*full, ExportResponse{});
    }
  }
  EXPECT_EQ(EncodeExportResponse(Signal::kLogs, partial, Encoding::kJson),
            "{\"partialSuccess\":{\"rejectedLogRecords\":\"3\",\"errorMessage\":\"3 spans had an "
            "all-zero trace id\"}}");
  obs::otlp_oracle::ExportTraceServiceResponse oracle;
  ASSERT_TRUE(
      oracle.ParseFromString(EncodeExportResponse(Signal::kTraces, partial, Encoding::kProtobuf)));
  EXPECT_EQ(oracle.partial_success().rejected_spans(), 3);
  EXPECT_EQ(EncodeExportResponse(Signal::kTraces, {}, Encoding::kProtobuf), "");
  EXPECT_EQ(EncodeExportResponse(Signal::kTraces, {}, Encoding::kJson), "{}");
}

TEST(OtlpResponseTest, RpcStatusAndClassification) {
  const RpcStatus st{3, "bad span"};
  for (Encoding e : {Encoding::kProtobuf, Encoding::kJson}) {
    auto back = DecodeRpcStatus(EncodeRpcStatus(st, e), e);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, st);
  }
  obs::otlp_oracle::RpcStatus oracle;
  ASSERT_TRUE(oracle.ParseFromString(EncodeRpcStatus(st, Encoding::kProtobuf)));
  EXPECT_EQ(oracle.code(), 3);
  EXPECT_EQ(oracle.message(), "bad span");

  EXPECT_EQ(ClassifyStatus(200), ResponseClass::kSuccess);
  EXPECT_EQ(ClassifyStatus(204), ResponseClass::kSuccess);
  for (int code : {429, 502, 503, 504}) {
    EXPECT_EQ(ClassifyStatus(code), ResponseClass::kRetryable) << code;
  }
  for (int code : {400, 401, 404, 413, 500, 501}) {
    EXPECT_EQ(ClassifyStatus(code), ResponseClass::kPermanent) << code;
  }
  EXPECT_EQ(*EncodingForContentType("application/x-protobuf"), Encoding::kProtobuf);
  EXPECT_EQ(*EncodingForContentType("Application/JSON; charset=utf-8"), Encoding::kJson);
  EXPECT_THAT(EncodingForContentType("text/plain").status().message(),
              HasSubstr("unsupported Content-Type \"text/plain\""));
}

TEST(OtlpIdsTest, HexRoundTripAndRejects) {
  TraceId t{};
  EXPECT_TRUE(ParseHex("5B8EFFF798038103D269B633813FC60C", t));
  EXPECT_EQ(Hex(t), "5b8efff798038103d269b633813fc60c");
  EXPECT_FALSE(ParseHex("5b8efff798038103d269b633813fc60", t));
  EXPECT_FALSE(ParseHex("5b8efff798038103d269b633813fc60g", t));
  SpanId s{};
  EXPECT_TRUE(IsZero(s));
  EXPECT_TRUE(ParseHex("00f067aa0ba902b7", s));
  EXPECT_FALSE(IsZero(s));
  EXPECT_EQ(ToString(AnyValue::KvList({{"a", AnyValue::Array({AnyValue::Int(1)})}})), "{a=[1]}");
}

}  // namespace
}  // namespace obs::wire::otlp
