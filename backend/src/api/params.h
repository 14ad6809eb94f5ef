// Parsing of the Prometheus HTTP API's time and duration parameters, with
// Prometheus 2.42's rules and messages (web/api/v1/api.go `parseTime`,
// `parseDuration`; common/model `ParseDuration`):
//   times:     unix seconds as a float ("1700000000.5") or RFC3339 with an
//              optional fraction ("2023-11-14T22:13:20.5Z", "...+01:00");
//   durations: float seconds ("15", "0.5") or a Prometheus duration
//              ("1h30m", "15s", "100ms", units y w d h m s ms in that order).
// All results are milliseconds.
//
// Thread safety: pure functions.

#pragma once

#include <cstdint>
#include <string_view>

#include "obs/base/status.h"

namespace obs::backend {

// Prometheus's MinTime / MaxTime (the defaults of `start` and `end` on
// /api/v1/series and /api/v1/labels), in unix milliseconds.
inline constexpr std::int64_t kMinTimeMs = -9223309901257974000;
inline constexpr std::int64_t kMaxTimeMs = 9223309901257974999;

// Returns unix milliseconds, or kInvalidArgument
// `cannot parse "x" to a valid timestamp`.
Result<std::int64_t> ParseTimeMs(std::string_view text);

// Returns milliseconds (may be <= 0 for float input; callers check), or
// kInvalidArgument `cannot parse "x" to a valid duration`.
Result<std::int64_t> ParseDurationMs(std::string_view text);

// Only the Prometheus duration syntax ("1h30m"; no floats, no sign).
// kInvalidArgument if `text` does not match it.
Result<std::int64_t> ParsePromDurationMs(std::string_view text);

}  // namespace obs::backend
