// ParseHttpUrl splits an http:// URL into what the HTTP client needs: host
// (an IPv6 literal without brackets), port, request target and Host header.
// Only plain http is supported; https and other schemes are rejected.
//
// Thread safety: a pure function.

#pragma once

#include <string>
#include <string_view>

#include "obs/base/status.h"

namespace obs::loadgen::internal {

struct HttpUrl {
  std::string host;         // "127.0.0.1", "localhost" or "::1".
  std::string port;         // "80" when the URL names none.
  std::string target;       // "/api/v1/write" ("/" when empty), query included.
  std::string host_header;  // "127.0.0.1:9090" or "[::1]:9090".
};

// Returns kInvalidArgument ("url \"...\": ...") for a scheme other than
// http://, an empty host, an unterminated IPv6 literal, a userinfo part, or a
// port that is not a number in [1, 65535].
Result<HttpUrl> ParseHttpUrl(std::string_view url);

}  // namespace obs::loadgen::internal
