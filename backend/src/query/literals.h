// PromQL literal syntax: numbers (Go ParseFloat: decimal, exponent, hex,
// Inf/NaN handled by the parser), quoted strings (Go strconv.Unquote rules
// for "..." and '...'; `...` is raw) and durations (`1h30m`, units y w d h m
// s ms in that order).
//
// Thread safety: pure functions.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "obs/base/status.h"

namespace obs::backend::query {

// Returns kInvalidArgument "error parsing number: ..." on malformed or
// out-of-range input.
Result<double> ParseNumberLiteral(std::string_view text);

// `quoted` includes its quotes, e.g. "\"a\\nb\"". Returns kInvalidArgument on
// a bad escape.
Result<std::string> UnquoteString(std::string_view quoted);

// Milliseconds of a duration such as `5m`, `1h30m`, `90s`, `100ms`.
// Returns kInvalidArgument "bad duration syntax: ..." on malformed input.
Result<std::int64_t> ParseDuration(std::string_view text);

}  // namespace obs::backend::query
