// PromQL literal syntax and the bits of Go formatting its messages use:
// numbers (Prometheus's parser.number: Go ParseInt with base prefixes, then
// ParseFloat), quoted strings (escapes already validated by the lexer),
// durations (common/model ParseDuration) and Go's %q / %#U quoting.
//
// Thread safety: pure functions.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "obs/base/status.h"

namespace obs::backend::query {

// The value of a NUMBER token: `0x1f` and `0755` are integers (Go ParseInt
// base 0), everything else goes through Go's ParseFloat (`Inf`, `nan`, `.5`,
// `1e-400` == 0). Returns kInvalidArgument "error parsing number:
// strconv.ParseFloat: parsing \"0x\": invalid syntax" (or "value out of
// range") as Prometheus does.
Result<double> ParseNumberLiteral(std::string_view text);

// `quoted` includes its quotes, e.g. "\"a\\nb\"". Escapes follow Go: \x and
// octal give raw bytes, \u and \U UTF-8. Returns kInvalidArgument on a bad
// escape (the lexer rejects those first, with Prometheus's message).
Result<std::string> UnquoteString(std::string_view quoted);

// Milliseconds of a duration such as `5m`, `1h30m`, `90s`, `100ms` (units y w
// d h m s ms, each at most once, in that order). Returns kInvalidArgument
// "bad duration syntax: ..." on malformed input.
Result<std::int64_t> ParseDuration(std::string_view text);

// common/model ParseDuration as PromQL 2.42 uses it: the same grammar plus
// "0", with its messages ("not a valid duration string: \"1.5m\"", "duration
// out of range" past Go's time.Duration, "empty duration string").
Result<std::int64_t> ParseModelDuration(std::string_view text);

// model.Duration's String(): `1h30m`, `90d` (years and weeks only when
// exact), `0s`. REQUIRES: ms >= 0.
std::string FormatModelDuration(std::int64_t ms);

// `s` with A-Z lowered (keywords and number words are ASCII; the locale
// must not matter).
std::string AsciiLower(std::string_view s);

// One UTF-8 code point of `s` at `pos`: the rune and its width in bytes. An
// invalid byte decodes as U+FFFD with width 1, as in Go. REQUIRES: pos < size.
struct DecodedRune {
  char32_t rune;
  std::size_t width;
};
DecodedRune DecodeRune(std::string_view s, std::size_t pos);

// Go's strconv.Quote (fmt %q of a string): printable UTF-8 kept, control
// characters and invalid bytes escaped.
std::string GoQuote(std::string_view s);

// Go's fmt %q of a rune, e.g. `'$'`, `'\n'`; -1 (end of input) prints as '�'.
std::string GoQuoteRune(char32_t r);

// Go's fmt %#U of a rune, e.g. `U+0071 'q'`, `U+000A`.
std::string GoRuneName(char32_t r);

}  // namespace obs::backend::query
