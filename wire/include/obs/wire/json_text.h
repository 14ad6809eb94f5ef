// Writing JSON text directly into a string (no DOM), shared by the codecs' hot
// paths and the backend's responses, and base64 for proto3 `bytes` in JSON.
//
// Thread safety: pure functions.

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace obs::wire {

// Appends `s` as a JSON string literal (quotes included). Control characters
// are escaped as \uXXXX (\n, \t, \r, \b, \f short forms); bytes >= 0x80 are
// copied as they are, so valid UTF-8 stays valid.
void AppendJsonString(std::string_view s, std::string& out);

// Appends a double as JSON: shortest round-trip form; NaN and infinities as
// the strings "NaN", "Infinity", "-Infinity" (proto3 JSON mapping).
void AppendJsonDouble(double v, std::string& out);

// Standard base64 with padding (RFC 4648 §4).
std::string Base64Encode(std::string_view bytes);
// Accepts standard and URL-safe alphabets, padding optional (proto3 JSON
// parsers do). nullopt for anything else.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace obs::wire
