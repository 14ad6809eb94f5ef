// Response builders shared by the API handlers: the Prometheus JSON envelope
// (`{"status":"success","data":...}` and
// `{"status":"error","errorType":"bad_data","error":"..."}`) and plain-text
// answers. JSON strings are escaped as Prometheus does (query/format.h).
//
// Thread safety: pure functions.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace obs::backend {

inline constexpr std::string_view kJsonContentType = "application/json";

// 200 with `{"status":"success","data":<data_json>}`. REQUIRES: `data_json` is valid JSON.
http::Response JsonSuccess(std::string data_json);

// `status` with `{"status":"error","errorType":<type>,"error":<message>}`.
http::Response JsonError(int status, std::string_view error_type, std::string_view message);

// 400 bad_data, the answer to every invalid request parameter.
http::Response BadData(std::string_view message);

// `status` with a text/plain body of `text` plus a newline (Go's http.Error).
http::Response TextResponse(int status, std::string_view text);

// `["a","b"]`.
std::string JsonStringArray(const std::vector<std::string>& values);

}  // namespace obs::backend
