#include "traces/otlp_handler.h"

#include <string>

#include "obs/wire/gzip.h"

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

OtlpHandler::OtlpHandler(SpanStore& spans, OtlpHandlerOptions options)
    : spans_(spans), options_(options) {}

http::Response OtlpHandler::HandleTraces(const http::Request& request) {
  const std::string_view content_type = request.Header("content-type");
  Result<otlp::Encoding> encoding = otlp::EncodingForContentType(content_type);
  if (!encoding.ok()) {
    return Failure(415, otlp::Encoding::kJson, kRpcInvalidArgument, encoding.status().message());
  }
  std::string inflated;
  std::string_view body = request.body;
  const std::string_view coding = request.Header("content-encoding");
  if (coding == "gzip" || coding == "deflate") {
    Result<std::string> raw = wire::Decompress(
        body, coding == "gzip" ? wire::ContentCoding::kGzip : wire::ContentCoding::kDeflate,
        options_.max_decompressed_bytes);
    if (!raw.ok()) {
      const bool too_big = raw.status().code() == StatusCode::kResourceExhausted;
      return Failure(too_big ? 413 : 400, *encoding,
                     too_big ? kRpcResourceExhausted : kRpcInvalidArgument, raw.status().message());
    }
    inflated = std::move(*raw);
    body = inflated;
  } else if (!coding.empty() && coding != "identity") {
    return Failure(
        415, *encoding, kRpcInvalidArgument,
        "unsupported Content-Encoding \"" + std::string(coding) + "\": want gzip, deflate or none");
  }
  Result<otlp::TracesData> data =
      *encoding == otlp::Encoding::kJson ? otlp::DecodeTracesJson(body) : otlp::DecodeTraces(body);
  if (!data.ok()) {
    return Failure(400, *encoding, kRpcInvalidArgument, data.status().message());
  }
  const AppendResult appended = spans_.Append(*data);
  otlp::ExportResponse response;
  if (appended.rejected != 0) {
    response.rejected = static_cast<std::int64_t>(appended.rejected);
    response.error_message =
        std::to_string(appended.rejected) + " span(s) rejected; first: " + appended.first_error;
  }
  return Answer(200, *encoding,
                otlp::EncodeExportResponse(otlp::Signal::kTraces, response, *encoding));
}

}  // namespace obs::backend::traces
