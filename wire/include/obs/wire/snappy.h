// Snappy block compression as remote write uses it: the body of every request
// is one snappy *block* (varint uncompressed length, then elements), never the
// framed stream format, which the spec forbids. A thin wrapper over the
// snappy library that keeps its types out of our headers, reuses the caller's
// buffers on the sender's hot path, and bounds memory on the receiver's side.
//
// Thread safety: pure functions; safe from any thread.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "obs/base/status.h"

namespace obs::wire {

// Returns `raw` compressed as one snappy block.
std::string SnappyCompress(std::string_view raw);

// Replaces the contents of `out` with `raw` compressed as one snappy block,
// reusing `out`'s capacity (no allocation once it is large enough). `raw` must
// not alias `out`.
void SnappyCompressTo(std::string_view raw, std::string& out);

// Decompresses one snappy block.
//
// Returns kResourceExhausted ("snappy: uncompressed length N exceeds limit M")
// if the length the block declares exceeds `max_uncompressed_bytes`; this is
// checked before anything is allocated, so a 20-byte "length bomb" costs
// nothing. Returns kInvalidArgument ("snappy: corrupt input") for anything
// that is not a valid block, including empty input and framed-format data.
Result<std::string> SnappyUncompress(std::string_view compressed,
                                     std::size_t max_uncompressed_bytes);

// The same, replacing the contents of `out` and reusing its capacity (no
// allocation, and no zero-filling of bytes `out` already held, once it is
// large enough). On error `out` is unspecified. `compressed` must not alias `out`.
Status SnappyUncompressTo(std::string_view compressed, std::size_t max_uncompressed_bytes,
                          std::string& out);

}  // namespace obs::wire
