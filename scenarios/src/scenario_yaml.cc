#include "scenario_yaml.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <string>
#include <utility>

#include "obs/scenarios/scenario.h"

namespace obs::scenarios::internal {
namespace {

// Shortest round-trip text of `v`, independent of the locale.
std::string FormatNumber(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool Contains(const YAML::Node& root, const YAML::Node& node) {
  if (root.is(node)) {
    return true;
  }
  if (root.IsMap()) {
    for (const auto& kv : root) {
      if (Contains(kv.second, node)) {
        return true;
      }
    }
  } else if (root.IsSequence()) {
    for (const auto& child : root) {
      if (Contains(child, node)) {
        return true;
      }
    }
  }
  return false;
}

std::string Quote(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// What a node is, for "expected X, got Y" messages.
std::string Describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) {
    return "null";
  }
  if (node.IsMap()) {
    return "a map";
  }
  if (node.IsSequence()) {
    return "a list";
  }
  return Quote(node.Scalar());
}

}  // namespace

std::string JoinPath(std::string_view path, std::string_view key) {
  if (path.empty()) {
    return std::string(key);
  }
  return std::string(path) + "." + std::string(key);
}

std::string IndexPath(std::string_view path, std::size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const std::string_view candidate : candidates) {
    const std::size_t d = EditDistance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(candidate);
    }
  }
  return best;
}

void YamlReader::AddOverride(const YAML::Node& node, std::string override_text) {
  overrides_.emplace_back(node, std::move(override_text));
}

std::string YamlReader::Location(const YAML::Node& node) const {
  // The newest override wins: a later --set may replace part of an earlier one.
  for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
    if (Contains(it->first, node)) {
      return "--set " + it->second;
    }
  }
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) {
    return file_name_ + ":1:1";  // An empty document or a node with no position: the file's start.
  }
  return file_name_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Status YamlReader::Error(const YAML::Node& node, std::string_view path,
                         std::string_view problem) const {
  std::string message = Location(node) + ": ";
  if (!path.empty()) {
    message += std::string(path) + ": ";
  }
  message += problem;
  return InvalidArgumentError(std::move(message));
}

Status YamlReader::CheckMap(const YAML::Node& node, std::string_view path,
                            const std::vector<std::string_view>& known) const {
  if (!node.IsMap()) {
    return Error(node, path, "expected a map, got " + Describe(node));
  }
  std::set<std::string> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      return Error(kv.first, path, "keys must be plain strings");
    }
    const std::string& key = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string problem = "unknown key " + Quote(key);
      const std::string guess = DidYouMean(key, known);
      if (!guess.empty()) {
        problem += " (did you mean " + Quote(guess) + "?)";
      }
      // The value carries the override's identity when a --set created the key.
      const YAML::Node& where = kv.first.Mark().is_null() ? kv.second : kv.first;
      return Error(where, path, problem);
    }
    if (!seen.insert(key).second) {
      return Error(kv.first, path, "duplicate key " + Quote(key));
    }
  }
  return Status::Ok();
}

Status YamlReader::CheckSequence(const YAML::Node& node, std::string_view path) const {
  if (!node.IsSequence()) {
    return Error(node, path, "expected a list, got " + Describe(node));
  }
  return Status::Ok();
}

Result<std::string> YamlReader::Scalar(const YAML::Node& node, std::string_view path,
                                       std::string_view expected) const {
  if (!node.IsScalar()) {
    return Error(node, path, "expected " + std::string(expected) + ", got " + Describe(node));
  }
  return node.Scalar();
}

Result<std::string> YamlReader::String(const YAML::Node& node, std::string_view path) const {
  return Scalar(node, path, "a string");
}

Result<bool> YamlReader::Bool(const YAML::Node& node, std::string_view path) const {
  OBS_ASSIGN_OR_RETURN(const std::string text, Scalar(node, path, "true or false"));
  if (text == "true") {
    return true;
  }
  if (text == "false") {
    return false;
  }
  return Error(node, path, "expected true or false, got " + Quote(text));
}

Result<std::uint64_t> YamlReader::Unsigned(const YAML::Node& node, std::string_view path) const {
  constexpr std::string_view kExpected = "an unsigned integer";
  OBS_ASSIGN_OR_RETURN(const std::string text, Scalar(node, path, kExpected));
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Error(node, path, "expected " + std::string(kExpected) + ", got " + Quote(text));
  }
  return value;
}

Result<int> YamlReader::Int(const YAML::Node& node, std::string_view path, Bounds bounds) const {
  OBS_ASSIGN_OR_RETURN(const std::string text, Scalar(node, path, "an integer"));
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Error(node, path, "expected an integer, got " + Quote(text));
  }
  const double as_double = static_cast<double>(value);
  OBS_RETURN_IF_ERROR(CheckBounds(node, path, as_double, bounds));
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
    return Error(node, path, "integer " + text + " is too large");
  }
  return static_cast<int>(value);
}

Result<double> YamlReader::Number(const YAML::Node& node, std::string_view path,
                                  Bounds bounds) const {
  OBS_ASSIGN_OR_RETURN(const std::string text, Scalar(node, path, "a number"));
  double value = 0;
  const char* begin = text.data();
  if (!text.empty() && text[0] == '+') {
    ++begin;
  }
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return Error(node, path, "expected a number, got " + Quote(text));
  }
  OBS_RETURN_IF_ERROR(CheckBounds(node, path, value, bounds));
  return value;
}

Result<double> YamlReader::Duration(const YAML::Node& node, std::string_view path,
                                    Bounds bounds) const {
  OBS_ASSIGN_OR_RETURN(const std::string text, Scalar(node, path, "a duration"));
  const Result<double> seconds = ParseDuration(text);
  if (!seconds.ok()) {
    return Error(node, path, seconds.status().message());
  }
  if (!(bounds.min_exclusive ? *seconds > bounds.min : *seconds >= bounds.min) ||
      *seconds > bounds.max) {
    std::string problem = std::string("must be ") + (bounds.min_exclusive ? "> " : ">= ") +
                          FormatDuration(bounds.min);
    if (std::isfinite(bounds.max)) {
      problem += " and <= " + FormatDuration(bounds.max);
    }
    return Error(node, path, problem);
  }
  return *seconds;
}

Result<std::map<std::string, std::string>> YamlReader::StringMap(const YAML::Node& node,
                                                                 std::string_view path) const {
  if (!node.IsMap()) {
    return Error(node, path, "expected a map, got " + Describe(node));
  }
  std::map<std::string, std::string> out;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      return Error(kv.first, path, "keys must be plain strings");
    }
    const std::string& key = kv.first.Scalar();
    const std::string child_path = JoinPath(path, key);
    if (key.empty()) {
      return Error(kv.first, path, "keys must not be empty");
    }
    OBS_ASSIGN_OR_RETURN(std::string value, String(kv.second, child_path));
    if (!out.emplace(key, std::move(value)).second) {
      return Error(kv.first, path, "duplicate key " + Quote(key));
    }
  }
  return out;
}

Status YamlReader::CheckBounds(const YAML::Node& node, std::string_view path, double value,
                               Bounds bounds) const {
  const bool low_ok = bounds.min_exclusive ? value > bounds.min : value >= bounds.min;
  if (low_ok && value <= bounds.max) {
    return Status::Ok();
  }
  std::string problem = "must be ";
  if (std::isfinite(bounds.min)) {
    problem += std::string(bounds.min_exclusive ? "> " : ">= ") + FormatNumber(bounds.min);
    if (std::isfinite(bounds.max)) {
      problem += " and ";
    }
  }
  if (std::isfinite(bounds.max)) {
    problem += "<= " + FormatNumber(bounds.max);
  }
  return Error(node, path, problem);
}

}  // namespace obs::scenarios::internal
