#include "obs/wire/snappy.h"

#include <snappy.h>

#include <string>

namespace obs::wire {

std::string SnappyCompress(std::string_view raw) {
  std::string out;
  SnappyCompressTo(raw, out);
  return out;
}

void SnappyCompressTo(std::string_view raw, std::string& out) {
  // resize() keeps capacity, so a reused `out` is not reallocated; RawCompress
  // writes at most MaxCompressedLength bytes.
  out.resize(snappy::MaxCompressedLength(raw.size()));
  std::size_t written = 0;
  snappy::RawCompress(raw.data(), raw.size(), out.data(), &written);
  out.resize(written);
}

Status SnappyUncompressTo(std::string_view compressed, std::size_t max_uncompressed_bytes,
                          std::string& out) {
  std::size_t length = 0;
  if (!snappy::GetUncompressedLength(compressed.data(), compressed.size(), &length)) {
    return InvalidArgumentError("snappy: corrupt input");
  }
  if (length > max_uncompressed_bytes) {
    return ResourceExhaustedError("snappy: uncompressed length " + std::to_string(length) +
                                  " exceeds limit " + std::to_string(max_uncompressed_bytes));
  }
  out.resize(length);
  if (!snappy::RawUncompress(compressed.data(), compressed.size(), out.data())) {
    return InvalidArgumentError("snappy: corrupt input");
  }
  return Status::Ok();
}

Result<std::string> SnappyUncompress(std::string_view compressed,
                                     std::size_t max_uncompressed_bytes) {
  std::string out;
  OBS_RETURN_IF_ERROR(SnappyUncompressTo(compressed, max_uncompressed_bytes, out));
  return out;
}

}  // namespace obs::wire
