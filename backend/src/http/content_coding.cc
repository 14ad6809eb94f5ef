#include "http/content_coding.h"

#include "obs/wire/gzip.h"

namespace obs::backend::http {

Status DecodeContentEncoding(const Request& request, std::size_t max_bytes, bool allow_snappy,
                             std::string& storage, std::string_view& body) {
  body = request.body;
  const std::string_view coding = request.Header("content-encoding");
  if (coding.empty() || coding == "identity" || (allow_snappy && coding == "snappy")) {
    return Status::Ok();
  }
  if (coding != "gzip" && coding != "deflate") {
    return UnimplementedError("unsupported Content-Encoding \"" + std::string(coding) +
                              "\": want gzip, " + (allow_snappy ? "deflate, snappy" : "deflate") +
                              " or none");
  }
  OBS_ASSIGN_OR_RETURN(storage, wire::Decompress(body,
                                                 coding == "gzip" ? wire::ContentCoding::kGzip
                                                                  : wire::ContentCoding::kDeflate,
                                                 max_bytes));
  body = storage;
  return Status::Ok();
}

int ContentEncodingErrorStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kResourceExhausted:
      return 413;
    case StatusCode::kUnimplemented:
      return 415;
    default:
      return 400;
  }
}

}  // namespace obs::backend::http
