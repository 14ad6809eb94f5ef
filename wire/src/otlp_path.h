// Where in a decoded document a problem is, rendered only when one is found:
// "resourceSpans[0].scopeSpans[1].spans[3].traceId". A Path lives on the
// decoder's stack and points at its parent, so building one costs nothing.
//
// Thread safety: plain value.

#pragma once

#include <string>

namespace obs::wire::internal {

class Path {
 public:
  // `name` may be null (an element of the parent list); `index` < 0: none.
  Path(const Path* parent, const char* name, long index = -1)
      : parent_(parent), name_(name), index_(index) {}

  std::string Render() const {
    std::string out = Inner();
    return out.empty() ? std::string("(request)") : out;
  }

 private:
  std::string Inner() const {
    std::string out = parent_ != nullptr ? parent_->Inner() : std::string();
    if (name_ != nullptr) {
      if (!out.empty()) {
        out += '.';
      }
      out += name_;
    }
    if (index_ >= 0) {
      out += '[';
      out += std::to_string(index_);
      out += ']';
    }
    return out;
  }

  const Path* parent_;
  const char* name_;
  long index_;
};

}  // namespace obs::wire::internal
