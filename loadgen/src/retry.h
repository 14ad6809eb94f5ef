// Retry policy of the remote-write sender (spec: retry 5xx, 429 and
// transport errors with capped exponential backoff; never other 4xx).
// Backoff uses full jitter from a caller-owned seeded RNG, and a Retry-After
// header (delta seconds or an HTTP date) is honoured on 429 and 503.
//
// Thread safety: pure functions; the RNG belongs to the caller.

#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

#include "obs/loadgen/remote_write.h"

namespace obs::loadgen::internal {

// True for answers worth retrying: transport errors (status 0), 429 and 5xx.
bool IsRetryable(int status);

// True if a Retry-After on this status is honoured (429 and 503).
bool HonoursRetryAfter(int status);

// Seconds to wait before retry number `retry` (1 for the first retry): a
// uniform draw from [0, min(max_backoff, min_backoff * 2^(retry-1))].
double BackoffSeconds(const RetryOptions& options, int retry, std::mt19937_64& rng);

// Parses a Retry-After value: delta seconds ("120") or an IMF-fixdate
// ("Wed, 21 Oct 2015 07:28:00 GMT"), the latter relative to `now_unix_ms`.
// Returns the wait in seconds (>= 0), or nullopt if `value` is neither.
std::optional<double> ParseRetryAfter(std::string_view value, std::int64_t now_unix_ms);

}  // namespace obs::loadgen::internal
