// UTF-8 validation for label names and values, which remote write (like
// proto3 `string`) requires to be well-formed: no overlong forms, no
// surrogates, nothing above U+10FFFF, no truncated sequences.
//
// Thread safety: pure function.

#pragma once

#include <string_view>

namespace obs::wire::internal {

// True iff `s` is well-formed UTF-8 (RFC 3629). The empty string is valid.
bool IsValidUtf8(std::string_view s);

}  // namespace obs::wire::internal
