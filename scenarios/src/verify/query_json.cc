#include "verify/query_json.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "obs/wire/json_parse.h"

#include <nlohmann/json.hpp>

namespace obs::scenarios {
namespace {

using Json = nlohmann::json;
using Labels = std::vector<std::pair<std::string, std::string>>;

Status Malformed(std::string_view what) {
  return DataLossError("query response: " + std::string(what));
}

// Parses `body`, checks the envelope and returns `data.result` after checking
// that `data.resultType` is `want_type`.
Result<Json> ResultOfType(std::string_view body, std::string_view want_type) {
  std::optional<Json> parsed = wire::ParseJson(body);
  if (!parsed || !parsed->is_object()) {
    return Malformed("body is not a json object");
  }
  Json doc = std::move(*parsed);

  const auto status = doc.find("status");
  if (status == doc.end() || !status->is_string()) {
    return Malformed("missing \"status\"");
  }
  if (*status != "success") {
    const std::string text = ParseErrorText(body);
    return InvalidArgumentError("query failed: " + (text.empty() ? std::string("unknown") : text));
  }
  const auto data = doc.find("data");
  if (data == doc.end() || !data->is_object()) {
    return Malformed("missing \"data\" object");
  }
  const auto type = data->find("resultType");
  const auto result = data->find("result");
  if (type == data->end() || !type->is_string() || result == data->end()) {
    return Malformed("missing \"resultType\" or \"result\"");
  }
  if (*type != want_type) {
    return InvalidArgumentError("query returned a " + type->get<std::string>() + ", want a " +
                                std::string(want_type));
  }
  if (!result->is_array()) {
    return Malformed("\"result\" is not an array");
  }
  return std::move(*result);
}

// `{"a":"1",...}` -> sorted pairs (nlohmann's object is an ordered std::map).
std::optional<Labels> ParseLabels(const Json& element) {
  const auto metric = element.find("metric");
  if (metric == element.end() || !metric->is_object()) {
    return std::nullopt;
  }
  Labels labels;
  labels.reserve(metric->size());
  for (const auto& [name, value] : metric->items()) {
    if (!value.is_string()) {
      return std::nullopt;
    }
    labels.emplace_back(name, value.get<std::string>());
  }
  return labels;
}

// `[<seconds>, "<value>"]`.
Result<std::pair<std::int64_t, double>> ParsePoint(const Json& point) {
  if (!point.is_array() || point.size() != 2 || !point[0].is_number() || !point[1].is_string()) {
    return Malformed("sample is not [<time>, \"<value>\"]");
  }
  const double seconds = point[0].get<double>();
  const auto ms = static_cast<std::int64_t>(std::llround(seconds * 1000.0));
  OBS_ASSIGN_OR_RETURN(const double value, ParseSampleValue(point[1].get<std::string>()));
  return std::make_pair(ms, value);
}

}  // namespace

Result<double> ParseSampleValue(std::string_view text) {
  if (text == "NaN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (text == "+Inf" || text == "Inf") {
    return std::numeric_limits<double>::infinity();
  }
  if (text == "-Inf") {
    return -std::numeric_limits<double>::infinity();
  }
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return Malformed("sample value \"" + std::string(text) + "\" is not a number");
  }
  return value;
}

std::string ParseErrorText(std::string_view body) {
  const Json doc = wire::ParseJson(body).value_or(Json::value_t::discarded);
  if (doc.is_discarded() || !doc.is_object()) {
    return "";
  }
  const auto error = doc.find("error");
  if (error == doc.end() || !error->is_string()) {
    return "";
  }
  return error->get<std::string>();
}

Result<std::vector<VectorSample>> ParseVectorResponse(std::string_view body) {
  OBS_ASSIGN_OR_RETURN(const Json result, ResultOfType(body, "vector"));
  std::vector<VectorSample> out;
  out.reserve(result.size());
  for (const Json& element : result) {
    std::optional<Labels> labels = ParseLabels(element);
    const auto value = element.find("value");
    if (!labels || value == element.end()) {
      return Malformed("vector element lacks \"metric\" or \"value\"");
    }
    OBS_ASSIGN_OR_RETURN(const auto point, ParsePoint(*value));
    out.push_back(
        {.labels = std::move(*labels), .value = point.second, .timestamp_ms = point.first});
  }
  return out;
}

Result<std::vector<MatrixSeries>> ParseMatrixResponse(std::string_view body) {
  OBS_ASSIGN_OR_RETURN(const Json result, ResultOfType(body, "matrix"));
  std::vector<MatrixSeries> out;
  out.reserve(result.size());
  for (const Json& element : result) {
    std::optional<Labels> labels = ParseLabels(element);
    const auto values = element.find("values");
    if (!labels || values == element.end() || !values->is_array()) {
      return Malformed("matrix element lacks \"metric\" or \"values\"");
    }
    MatrixSeries series{.labels = std::move(*labels), .samples = {}};
    series.samples.reserve(values->size());
    for (const Json& point : *values) {
      OBS_ASSIGN_OR_RETURN(auto sample, ParsePoint(point));
      series.samples.push_back(sample);
    }
    out.push_back(std::move(series));
  }
  return out;
}

}  // namespace obs::scenarios
