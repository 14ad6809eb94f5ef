// Low-level protobuf wire-format helpers shared by the remote write encoder
// and decoder: varint sizing and writing, little-endian fixed64, tag bytes.
// Writers take a raw pointer with enough room already reserved and return the
// pointer past what they wrote, so the encoder's hot path has no per-byte
// capacity checks.
//
// Thread safety: pure functions.

#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "obs/base/varint.h"

namespace obs::wire::internal {

// Protobuf wire types (encoding.md).
enum class WireType : std::uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

using obs::kMaxVarintBytes;
using obs::VarintSize;

// The tag byte of a field with a number below 16.
constexpr char TagByte(std::uint32_t field, WireType type) {
  return static_cast<char>((field << 3) | static_cast<std::uint32_t>(type));
}

inline char* WriteVarint(char* p, std::uint64_t v) {
  return obs::PutVarint(p, v);
}

inline char* WriteFixed64(char* p, std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, sizeof v);
    return p + sizeof v;
  } else {
    for (std::size_t i = 0; i < sizeof v; ++i) {
      *p++ = static_cast<char>(v >> (8 * i));
    }
    return p;
  }
}

inline std::uint64_t ReadFixed64(const unsigned char* p) {
  std::uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof v);
  } else {
    for (std::size_t i = 0; i < sizeof v; ++i) {
      v |= std::uint64_t{p[i]} << (8 * i);
    }
  }
  return v;
}

inline char* WriteBytes(char* p, const char* data, std::size_t n) {
  if (n != 0) {
    std::memcpy(p, data, n);
  }
  return p + n;
}

}  // namespace obs::wire::internal
