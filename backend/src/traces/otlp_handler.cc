#include "traces/otlp_handler.h"

#include <string>

#include "http/content_coding.h"

namespace obs::backend::traces {
namespace {

// google.rpc.Code values used in failure bodies.
constexpr int kRpcInvalidArgument = 3;
constexpr int kRpcResourceExhausted = 8;

http::Response Answer(int status, otlp::Encoding encoding, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = encoding == otlp::Encoding::kJson ? std::string(otlp::kJsonContentType)
                                                     : std::string(otlp::kProtobufContentType);
  r.body = std::move(body);
  return r;
}

http::Response Failure(int status, otlp::Encoding encoding, int rpc_code, std::string message) {
  return Answer(status, encoding, otlp::EncodeRpcStatus({rpc_code, std::move(message)}, encoding));
}

}  // namespace

OtlpHandler::OtlpHandler(SpanStore& spans, logs::LogStore& logs, OtlpMetricsIngest& metrics,
                         OtlpHandlerOptions options)
    : spans_(spans), logs_(logs), metrics_(metrics), options_(options) {}

template <typename Ingest>
http::Response OtlpHandler::Handle(const http::Request& request, Ingest ingest) {
  Result<otlp::Encoding> encoding = otlp::EncodingForContentType(request.Header("content-type"));
  if (!encoding.ok()) {
    return Failure(415, otlp::Encoding::kJson, kRpcInvalidArgument, encoding.status().message());
  }
  std::string storage;
  std::string_view body;
  const Status decoded = http::DecodeContentEncoding(request, options_.max_decompressed_bytes,
                                                     /*allow_snappy=*/false, storage, body);
  if (!decoded.ok()) {
    return Failure(http::ContentEncodingErrorStatus(decoded), *encoding,
                   decoded.code() == StatusCode::kResourceExhausted ? kRpcResourceExhausted
                                                                    : kRpcInvalidArgument,
                   decoded.message());
  }
  return ingest(body, *encoding);
}

namespace {

// The 200 answer: full success, or partial success naming the first refusal.
http::Response Accepted(otlp::Signal signal, otlp::Encoding encoding, std::size_t rejected,
                        const std::string& first_error, std::string_view what) {
  otlp::ExportResponse response;
  if (rejected != 0) {
    response.rejected = static_cast<std::int64_t>(rejected);
    response.error_message =
        std::to_string(rejected) + " " + std::string(what) + " rejected; first: " + first_error;
  }
  return Answer(200, encoding, otlp::EncodeExportResponse(signal, response, encoding));
}

}  // namespace

http::Response OtlpHandler::HandleTraces(const http::Request& request) {
  return Handle(request, [&](std::string_view body, otlp::Encoding encoding) {
    Result<otlp::TracesData> data =
        encoding == otlp::Encoding::kJson ? otlp::DecodeTracesJson(body) : otlp::DecodeTraces(body);
    if (!data.ok()) {
      return Failure(400, encoding, kRpcInvalidArgument, data.status().message());
    }
    const AppendResult r = spans_.Append(*data);
    return Accepted(otlp::Signal::kTraces, encoding, r.rejected, r.first_error, "span(s)");
  });
}

http::Response OtlpHandler::HandleLogs(const http::Request& request) {
  return Handle(request, [&](std::string_view body, otlp::Encoding encoding) {
    Result<otlp::LogsData> data =
        encoding == otlp::Encoding::kJson ? otlp::DecodeLogsJson(body) : otlp::DecodeLogs(body);
    if (!data.ok()) {
      return Failure(400, encoding, kRpcInvalidArgument, data.status().message());
    }
    const logs::LogAppendResult r = logs_.AppendOtlp(*data);
    return Accepted(otlp::Signal::kLogs, encoding, r.rejected, r.first_error, "log record(s)");
  });
}

http::Response OtlpHandler::HandleMetrics(const http::Request& request) {
  return Handle(request, [&](std::string_view body, otlp::Encoding encoding) {
    Result<otlp::MetricsData> data = encoding == otlp::Encoding::kJson
                                         ? otlp::DecodeMetricsJson(body)
                                         : otlp::DecodeMetrics(body);
    if (!data.ok()) {
      return Failure(400, encoding, kRpcInvalidArgument, data.status().message());
    }
    const OtlpMetricsAppend r = metrics_.Append(*data);
    return Accepted(otlp::Signal::kMetrics, encoding, r.rejected, r.first_error, "data point(s)");
  });
}

}  // namespace obs::backend::traces
