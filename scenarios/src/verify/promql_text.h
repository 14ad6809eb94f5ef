// PromQL and query-API text for read-back verification: label matchers with
// correctly escaped values, millisecond durations and query times. Every
// function is pure and locale-independent (integer formatting only), so the
// same input always gives the same query string.
//
// Thread safety: stateless functions.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace obs::scenarios {

// Sorted (name, value) pairs; `__name__` is an ordinary entry.
using LabelPairs = std::vector<std::pair<std::string, std::string>>;

// `value` as a double-quoted PromQL string literal: backslash, double quote,
// newline, carriage return and tab are escaped.
std::string QuoteLabelValue(std::string_view value);

// `{a="1",b="2"}` with every pair as an equality matcher (including
// `__name__`). REQUIRES: `labels` is not empty.
std::string SelectorText(const LabelPairs& labels);

// A PromQL duration of `ms` milliseconds, e.g. `1500ms`. REQUIRES: ms > 0.
std::string DurationText(std::int64_t ms);

// Unix milliseconds as the query API's decimal seconds, e.g. `1700000000.123`
// (also correct for negative values).
std::string UnixSecondsText(std::int64_t unix_ms);

// `count_over_time(<selector>[<range_ms>ms])`.
std::string CountOverTimeQuery(const LabelPairs& selector, std::int64_t range_ms);

// `<selector>[<range_ms>ms]`: the raw samples of the matching series.
std::string RawSamplesQuery(const LabelPairs& selector, std::int64_t range_ms);

// `form_name=value` pairs joined with `&`, each part percent-encoded
// (application/x-www-form-urlencoded with `%20` for spaces).
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace obs::scenarios
