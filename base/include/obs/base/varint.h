// Varints: the little-endian base-128 integers of protobuf, used for the
// wire formats and for the compact in-memory encodings (label blobs, packed
// histogram buckets). One definition for every module.
//
// The readers here are for bytes this process wrote itself (no bounds, no
// validation); decoders of untrusted input check lengths themselves
// (wire/src/proto_wire.h's reader).

#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

namespace obs {

inline constexpr std::size_t kMaxVarintBytes = 10;

// Bytes the varint encoding of `v` takes: 1 to 10.
inline std::size_t VarintSize(std::uint64_t v) {
  return (static_cast<std::size_t>(std::bit_width(v | 1U)) + 6) / 7;
}

// Writes `v` at `p` (room for VarintSize(v) bytes) and returns the end.
inline char* PutVarint(char* p, std::uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// Appends `v` to `out`.
inline void AppendVarint(std::uint64_t v, std::string& out) {
  char buf[kMaxVarintBytes];
  out.append(buf, static_cast<std::size_t>(PutVarint(buf, v) - buf));
}

// Reads a varint this process wrote at `p` and advances past it.
inline std::uint64_t GetVarint(const char*& p) {
  std::uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<unsigned char>(*p++);
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (b < 0x80) {
      return v;
    }
  }
}

}  // namespace obs
