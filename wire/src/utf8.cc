#include "utf8.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace obs::wire::internal {
namespace {

// Validates one multi-byte sequence starting at `p[i]` (a non-ASCII lead byte)
// and returns its length, or 0 if it is malformed. Ranges follow RFC 3629 §4.
std::size_t SequenceLength(const unsigned char* p, std::size_t i, std::size_t n) {
  const unsigned lead = p[i];
  std::size_t len = 0;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3;
    lo = lead == 0xE0 ? 0xA0 : 0x80;  // No overlong 3-byte forms.
    hi = lead == 0xED ? 0x9F : 0xBF;  // No UTF-16 surrogates.
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4;
    lo = lead == 0xF0 ? 0x90 : 0x80;  // No overlong 4-byte forms.
    hi = lead == 0xF4 ? 0x8F : 0xBF;  // Nothing above U+10FFFF.
  } else {
    return 0;
  }
  if (n - i < len) {
    return 0;
  }
  if (p[i + 1] < lo || p[i + 1] > hi) {
    return 0;
  }
  for (std::size_t k = 2; k < len; ++k) {
    if ((p[i + k] & 0xC0U) != 0x80U) {
      return 0;
    }
  }
  return len;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Label text is mostly ASCII: skip eight ASCII bytes at a time.
    if (n - i >= 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, p + i, sizeof word);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = SequenceLength(p, i, n);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace obs::wire::internal
