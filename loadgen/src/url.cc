#include "url.h"

#include <charconv>

namespace obs::loadgen::internal {

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  const auto error = [&](std::string_view what) {
    return InvalidArgumentError("url \"" + std::string(url) + "\": " + std::string(what));
  };
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return error("only http:// urls are supported");
  }
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') {
    out.target.insert(0, "/");
  }
  if (authority.find('@') != std::string_view::npos) {
    return error("userinfo is not supported (use headers or bearer_token)");
  }
  std::string_view port;
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return error("unterminated ipv6 literal");
    }
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) {
      return error("unexpected text after ipv6 literal");
    }
    port = after.empty() ? "" : after.substr(1);
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    port = colon == std::string_view::npos ? "" : authority.substr(colon + 1);
  }
  if (out.host.empty()) {
    return error("empty host");
  }
  int port_number = 80;
  if (!port.empty() || authority.ends_with(":")) {
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
    if (ec != std::errc() || ptr != port.data() + port.size() || port_number < 1 ||
        port_number > 65535) {
      return error("port must be a number in [1, 65535]");
    }
  }
  out.port = std::to_string(port_number);
  const bool ipv6 = out.host.find(':') != std::string::npos;
  out.host_header = (ipv6 ? "[" + out.host + "]" : out.host) + ":" + out.port;
  return out;
}

}  // namespace obs::loadgen::internal
