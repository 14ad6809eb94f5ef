// URL target and form decoding for the API handlers: splitting an
// origin-form target into path and query, percent-decoding, and parsing
// `application/x-www-form-urlencoded` text (query strings and POST bodies)
// the way Go's net/url does, so parameters mean what they mean to Prometheus.
//
// Thread safety: pure functions and plain values.

#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "obs/base/status.h"

namespace obs::backend::http {

struct Target {
  std::string_view path;   // Before '?', still percent-encoded.
  std::string_view query;  // After '?', without it; "" if none.
};

// Splits `target` at the first '?'. The views point into `target`.
Target SplitTarget(std::string_view target);

// Decodes %XX escapes, and '+' as a space when `plus_is_space`. Returns
// kInvalidArgument (`invalid URL escape "%zz"`) for a malformed escape.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Go's url.QueryEscape: unreserved characters kept, ' ' as '+', the rest %XX.
std::string QueryEscape(std::string_view text);

// Ordered name/value pairs of a form; a name may repeat (`match[]`).
class FormValues {
 public:
  // Parses `a=1&b=2&a=3` (a missing '=' gives an empty value, empty parts
  // are skipped) and appends the pairs. Returns kInvalidArgument for a bad
  // escape; pairs before it are kept.
  Status AddUrlEncoded(std::string_view text);

  // The first value of `name`, or "" if absent (Go's FormValue).
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string> GetAll(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

}  // namespace obs::backend::http
