// `--set path=value` overrides, applied to the YAML tree before validation so
// that an override is checked exactly like the file (same keys, types and
// ranges). Paths are dotted keys with list indices: `workloads[0].rate`.
// An index equal to the list's length appends an entry.

#include <charconv>
#include <string>
#include <variant>
#include <vector>

#include "scenario_parse.h"

namespace obs::scenarios::internal {
namespace {

using Segment = std::variant<std::string, std::size_t>;

// Reads one segment at `i` ("key" or "[index]") and moves `i` past it and
// past a following '.'. Returns false on a malformed segment.
bool ReadSegment(std::string_view path, std::size_t& i, std::vector<Segment>& segments) {
  if (path[i] == '[') {
    const std::size_t close = path.find(']', i);
    if (close == std::string_view::npos || close == i + 1) {
      return false;
    }
    std::size_t index = 0;
    const char* last = path.data() + close;
    const auto [end, ec] = std::from_chars(path.data() + i + 1, last, index);
    if (ec != std::errc() || end != last) {
      return false;
    }
    segments.emplace_back(index);
    i = close + 1;
  } else {
    const std::size_t stop = path.find_first_of(".[", i);
    const std::size_t end = stop == std::string_view::npos ? path.size() : stop;
    if (end == i) {
      return false;
    }
    segments.emplace_back(std::string(path.substr(i, end - i)));
    i = end;
  }
  if (i < path.size() && path[i] == '.') {
    ++i;
    return i < path.size();  // A trailing '.' is malformed.
  }
  return true;
}

Result<std::vector<Segment>> ParsePath(std::string_view path) {
  std::vector<Segment> segments;
  std::size_t i = 0;
  while (i < path.size()) {
    if (!ReadSegment(path, i, segments)) {
      return InvalidArgumentError("invalid path \"" + std::string(path) + "\"");
    }
  }
  if (segments.empty()) {
    return InvalidArgumentError("invalid path \"" + std::string(path) + "\"");
  }
  return segments;
}

std::string Render(const std::vector<Segment>& segments, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (const auto* key = std::get_if<std::string>(&segments[i])) {
      out = JoinPath(out, *key);
    } else {
      out = IndexPath(out, std::get<std::size_t>(segments[i]));
    }
  }
  return out;
}

// Moves `node` to its child `segment`, creating map entries (and appending
// list entries) as needed. `created` receives the first node created (a
// created map stays undefined in yaml-cpp until a value lands in it, so a
// flag, not IsDefined(), says whether `created` is set).
Status Step(YAML::Node& node, const Segment& segment, const std::string& where, YAML::Node& created,
            bool& have_created) {
  if (const auto* key = std::get_if<std::string>(&segment)) {
    if (node.IsDefined() && !node.IsMap() && !node.IsNull()) {
      return InvalidArgumentError(where + " is not a map");
    }
    const YAML::Node& lookup = node;  // The const operator[] does not insert.
    const bool existed = node.IsMap() && lookup[*key].IsDefined();
    YAML::Node child = node[*key];
    if (!existed && !have_created) {
      created.reset(child);
      have_created = true;
    }
    node.reset(child);
    return Status::Ok();
  }
  const std::size_t index = std::get<std::size_t>(segment);
  if (!node.IsSequence()) {
    return InvalidArgumentError(where + " is not a list");
  }
  if (index > node.size()) {
    return InvalidArgumentError("index " + std::to_string(index) + " is out of range (" + where +
                                " has " + std::to_string(node.size()) + " entries)");
  }
  if (index == node.size()) {
    node.push_back(YAML::Node(YAML::NodeType::Map));
    if (!have_created) {
      created.reset(node[index]);
      have_created = true;
    }
  }
  YAML::Node child = node[index];
  node.reset(child);
  return Status::Ok();
}

Status ApplyOne(YAML::Node& root, const std::string& text, YamlReader& reader) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return InvalidArgumentError("expected <path>=<value>");
  }
  OBS_ASSIGN_OR_RETURN(const std::vector<Segment> segments, ParsePath(text.substr(0, eq)));
  YAML::Node value;
  try {
    value = YAML::Load(text.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("invalid value: " + e.msg);
  }
  YAML::Node node;
  node.reset(root);
  YAML::Node created;
  bool have_created = false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string where = i == 0 ? std::string("the document") : Render(segments, i);
    OBS_RETURN_IF_ERROR(Step(node, segments[i], where, created, have_created));
  }
  node = value;
  reader.AddOverride(node, text);
  if (have_created) {
    reader.AddOverride(created, text);
  }
  return Status::Ok();
}

}  // namespace

Status ApplyOverrides(YAML::Node& root, const std::vector<std::string>& overrides,
                      YamlReader& reader) {
  for (const std::string& text : overrides) {
    Status status = ApplyOne(root, text, reader);
    if (!status.ok()) {
      return InvalidArgumentError("--set " + text + ": " + status.message());
    }
  }
  return Status::Ok();
}

}  // namespace obs::scenarios::internal
