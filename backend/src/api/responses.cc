#include "api/responses.h"

#include "query/format.h"

namespace obs::backend {

http::Response JsonSuccess(std::string data_json) {
  // Wrapped in place: a range query's answer is tens of MB, and the engine
  // reserves room for it, so the envelope costs a move, not a copy.
  data_json.insert(0, R"({"status":"success","data":)");
  data_json.push_back('}');
  return http::Response{.status = 200,
                        .content_type = std::string(kJsonContentType),
                        .body = std::move(data_json),
                        .headers = {}};
}

http::Response JsonError(int status, std::string_view error_type, std::string_view message) {
  std::string body = R"({"status":"error","errorType":")";
  body.append(JsonEscape(error_type)).append(R"(","error":")");
  body.append(JsonEscape(message)).append("\"}");
  return http::Response{.status = status,
                        .content_type = std::string(kJsonContentType),
                        .body = std::move(body),
                        .headers = {}};
}

http::Response BadData(std::string_view message) {
  return JsonError(400, "bad_data", message);
}

http::Response TextResponse(int status, std::string_view text) {
  std::string body(text);
  body.push_back('\n');
  return http::Response{.status = status,
                        .content_type = "text/plain; charset=utf-8",
                        .body = std::move(body),
                        .headers = {}};
}

std::string JsonStringArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    out.append("\"").append(JsonEscape(values[i])).append("\"");
  }
  out.push_back(']');
  return out;
}

}  // namespace obs::backend
