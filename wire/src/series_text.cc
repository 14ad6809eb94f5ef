#include "obs/wire/series_text.h"

namespace obs::wire {

void AppendEscapedLabelValue(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void SeriesTextBuilder::Add(std::string_view name, std::string_view value) {
  if (name == "__name__") {
    name_ = value;
    return;
  }
  if (!body_.empty())
    body_ += ',';
  body_ += name;
  body_ += "=\"";
  AppendEscapedLabelValue(body_, value);
  body_ += '"';
}

std::string SeriesTextBuilder::Finish() const {
  if (body_.empty() && !name_.empty())
    return name_;
  return name_ + "{" + body_ + "}";
}

}  // namespace obs::wire
