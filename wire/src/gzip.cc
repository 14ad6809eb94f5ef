#include "obs/wire/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace obs::wire {

std::string GzipCompress(std::string_view raw, int level) {
  z_stream z{};
  // 15 window bits + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return {};
  }
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(raw.size())) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

Result<std::string> Decompress(std::string_view body, ContentCoding coding,
                               std::size_t max_uncompressed_bytes) {
  const char* name = coding == ContentCoding::kGzip ? "gzip" : "deflate";
  if (body.size() > UINT_MAX) {
    return InvalidArgumentError(std::string(name) + ": body too large");
  }
  z_stream z{};
  if (inflateInit2(&z, coding == ContentCoding::kGzip ? 15 + 16 : 15) != Z_OK) {
    return InternalError(std::string(name) + ": inflateInit failed");
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t produced = sizeof buf - z.avail_out;
    if (out.size() + produced > max_uncompressed_bytes) {
      inflateEnd(&z);
      return ResourceExhaustedError(std::string(name) + ": uncompressed body exceeds " +
                                    std::to_string(max_uncompressed_bytes) + " bytes");
    }
    out.append(buf, produced);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0 || coding != ContentCoding::kGzip) {
        break;
      }
      inflateReset(&z);  // Another gzip member follows.
      continue;
    }
    if (rc != Z_OK) {
      break;
    }
    if (z.avail_in == 0 && produced == 0) {
      rc = Z_BUF_ERROR;
      break;
    }
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    return InvalidArgumentError(std::string(name) + ": corrupt or truncated data");
  }
  return out;
}

}  // namespace obs::wire
