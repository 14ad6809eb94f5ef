#include "obs/wire/snappy.h"

#include <snappy.h>

#include <memory>
#include <string>

namespace obs::wire {

std::string SnappyCompress(std::string_view raw) {
  std::string out;
  SnappyCompressTo(raw, out);
  return out;
}

void SnappyCompressTo(std::string_view raw, std::string& out) {
  // RawCompress needs MaxCompressedLength bytes of room; growing `out` to that
  // would zero-fill them on every call (resize() from the last, smaller
  // result). A per-thread scratch buffer is written instead, and only the
  // compressed bytes (a fraction of the input) are copied out.
  thread_local std::unique_ptr<char[]> scratch;
  thread_local std::size_t scratch_size = 0;
  const std::size_t need = snappy::MaxCompressedLength(raw.size());
  if (need > scratch_size) {
    scratch = std::make_unique_for_overwrite<char[]>(need);
    scratch_size = need;
  }
  std::size_t written = 0;
  snappy::RawCompress(raw.data(), raw.size(), scratch.get(), &written);
  out.assign(scratch.get(), written);
  if (scratch_size > (std::size_t{8} << 20)) {  // Do not keep an outsized buffer per thread.
    scratch.reset();
    scratch_size = 0;
  }
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
