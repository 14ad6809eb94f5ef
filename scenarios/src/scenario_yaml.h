// YamlReader reads typed, range-checked values out of a yaml-cpp tree and
// turns every problem into a kInvalidArgument Status located at the node:
// "<file>:<line>:<col>: <key.path>: <problem>". Nodes that came from a
// `--set` override are located as "--set <override>" instead, because their
// marks point into the override text, not the file.
//
// Thread safety: none; one reader per parse.

#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "obs/base/status.h"

namespace obs::scenarios::internal {

// Inclusive or exclusive bounds for a number; the defaults accept anything.
struct Bounds {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;  // `value > min` instead of `value >= min`.
};
inline constexpr Bounds kPositive{.min = 0, .min_exclusive = true};
inline constexpr Bounds kNonNegative{.min = 0};
inline constexpr Bounds kRatio{.min = 0, .max = 1};

// True if map `node` has `key` (yaml-cpp's operator[] on a const node never inserts).
inline bool Has(const YAML::Node& node, const char* key) {
  return node[key].IsDefined();
}

// "a.b" for ("a", "b"); "b" when `path` is empty.
std::string JoinPath(std::string_view path, std::string_view key);
// "a[3]".
std::string IndexPath(std::string_view path, std::size_t index);

// The closest of `candidates` to `word` if it is a plausible typo, else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates);

class YamlReader {
 public:
  explicit YamlReader(std::string file_name) : file_name_(std::move(file_name)) {}

  const std::string& file_name() const { return file_name_; }

  // Marks `node` (and everything under it) as set by `override_text`.
  void AddOverride(const YAML::Node& node, std::string override_text);

  // "file:line:col" (1-based) or "--set <override>".
  std::string Location(const YAML::Node& node) const;

  // kInvalidArgument "<location>: <path>: <problem>" (no path part if empty).
  Status Error(const YAML::Node& node, std::string_view path, std::string_view problem) const;

  // OK if `node` is a map whose keys are unique scalars from `known`;
  // otherwise the first unknown (with a did-you-mean) or duplicate key.
  Status CheckMap(const YAML::Node& node, std::string_view path,
                  const std::vector<std::string_view>& known) const;
  Status CheckSequence(const YAML::Node& node, std::string_view path) const;

  // Typed scalars. `path` names the value in messages.
  Result<std::string> String(const YAML::Node& node, std::string_view path) const;
  Result<bool> Bool(const YAML::Node& node, std::string_view path) const;
  Result<std::uint64_t> Unsigned(const YAML::Node& node, std::string_view path) const;
  Result<int> Int(const YAML::Node& node, std::string_view path, Bounds bounds) const;
  Result<double> Number(const YAML::Node& node, std::string_view path, Bounds bounds) const;
  // A duration such as "30s", returned in seconds.
  Result<double> Duration(const YAML::Node& node, std::string_view path, Bounds bounds) const;
  // A map of string to string (headers, labels).
  Result<std::map<std::string, std::string>> StringMap(const YAML::Node& node,
                                                       std::string_view path) const;

  // Range check with messages like "must be > 0" or "must be >= 0 and <= 1".
  Status CheckBounds(const YAML::Node& node, std::string_view path, double value,
                     Bounds bounds) const;

 private:
  Result<std::string> Scalar(const YAML::Node& node, std::string_view path,
                             std::string_view expected) const;

  std::string file_name_;
  std::vector<std::pair<YAML::Node, std::string>> overrides_;
};

}  // namespace obs::scenarios::internal
