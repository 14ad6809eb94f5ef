// SeriesTextBuilder writes a series' labels in the Prometheus text form used
// in messages and reports: `metric{a="b",c="d"}`, with `\`, `"` and newlines
// in label values escaped. The metric name (label `__name__`) goes in front;
// a series with no other labels prints as just its name. The load generator
// and the backend both name series this way, so a series printed by one can
// be searched for in the other's output.
//
// Thread safety: none; one builder per series.

#pragma once

#include <string>
#include <string_view>

namespace obs::wire {

// Appends `value` with `\`, `"` and newline escaped, as inside `"..."` of the
// Prometheus text form and of PromQL label matchers.
void AppendEscapedLabelValue(std::string& out, std::string_view value);

class SeriesTextBuilder {
 public:
  // Adds one label; call in the order the labels should print (sorted by name).
  void Add(std::string_view name, std::string_view value);
  // The text form of everything added.
  std::string Finish() const;

 private:
  std::string name_;
  std::string body_;
};

}  // namespace obs::wire
