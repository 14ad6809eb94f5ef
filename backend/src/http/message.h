// Transport-neutral HTTP request and response values passed between the Beast
// I/O layer (http_server.cc) and the API handlers, so the handlers can be
// unit-tested without sockets and never see Boost types.
//
// Thread safety: plain values.

#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace obs::backend::http {

struct Request {
  std::string method;  // "GET", "POST", ... as sent.
  std::string target;  // Origin form: "/api/v1/query?query=up".
  // Header names lower-cased; values as sent (duplicates kept in order).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first value of header `lower_name` (which must be lower case), or ""
  // if absent.
  std::string_view Header(std::string_view lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type;  // Omitted when empty.
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Extra headers.
};

// Produces the response for one request. Must not throw.
using Handler = std::function<Response(const Request&)>;

}  // namespace obs::backend::http
