// Parsing JSON text into a nlohmann DOM without exceptions escaping. The
// library's "no exceptions" mode (allow_exceptions = false) still throws
// out_of_range for a number that overflows a double ("1e999"), which the
// fuzzers found; every untrusted JSON body goes through here instead.
//
// Thread safety: pure function.

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace obs::wire {

// The document, or nullopt with `*error` (if given) saying what is wrong and
// at which byte.
inline std::optional<nlohmann::json> ParseJson(std::string_view text,
                                               std::string* error = nullptr) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    if (error != nullptr) {
      *error = "invalid JSON at byte " + std::to_string(e.byte);
    }
  } catch (const nlohmann::json::exception& e) {
    if (error != nullptr) {
      *error = std::string("invalid JSON: ") + e.what();
    }
  }
  return std::nullopt;
}

}  // namespace obs::wire
