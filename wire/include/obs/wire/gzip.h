// gzip (RFC 1952) and zlib "deflate" (RFC 1950) bodies for HTTP
// Content-Encoding, over zlib. Decompression is bounded: a body that would
// inflate past the caller's limit fails without allocating beyond it, so a
// small "zip bomb" costs nothing.
//
// Thread safety: pure functions.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "obs/base/status.h"

namespace obs::wire {

enum class ContentCoding { kGzip, kDeflate };

// `level` is zlib's 1 (fastest) .. 9 (smallest); -1 is zlib's default (6).
std::string GzipCompress(std::string_view raw, int level = -1);

// Inflates `body`. kResourceExhausted if the result would exceed
// `max_uncompressed_bytes`; kInvalidArgument for corrupt or truncated data
// ("gzip: ..."). Concatenated gzip members are read one after the other.
Result<std::string> Decompress(std::string_view body, ContentCoding coding,
                               std::size_t max_uncompressed_bytes);

}  // namespace obs::wire
