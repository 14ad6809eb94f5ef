// Undoing a request's Content-Encoding for the ingest handlers (OTLP, Loki
// push): gzip and deflate are inflated under a size limit; none/identity
// pass through; `snappy` passes through only where the caller allows it
// (Loki's protobuf bodies are snappy whatever the header says).
//
// Thread safety: pure function.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "obs/base/status.h"

#include "http/message.h"

namespace obs::backend::http {

// Sets `body` to the decoded request body (pointing into `request.body` or
// into `storage`). Errors: kResourceExhausted past `max_bytes` (answer 413),
// kInvalidArgument for corrupt data (400), kUnimplemented for an encoding
// other than gzip, deflate, identity (and snappy if `allow_snappy`) (415).
Status DecodeContentEncoding(const Request& request, std::size_t max_bytes, bool allow_snappy,
                             std::string& storage, std::string_view& body);

// The HTTP status for a DecodeContentEncoding error: 413, 415 or 400.
int ContentEncodingErrorStatus(const Status& status);

}  // namespace obs::backend::http
