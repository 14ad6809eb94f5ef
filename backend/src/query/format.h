// Number and string formatting for query results, matching Prometheus 2.42's
// `util/jsonutil` byte for byte so answers from the reference backend can be
// compared textually with a real Prometheus.
//
// Thread safety: pure functions; locale-independent.

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace obs::backend {

// Go's strconv.FormatFloat(v, 'f', -1, 64), switching to 'e' when
// 0 < |v| < 1e-6 or |v| >= 1e21: "1", "0.5", "1e-07", "1e+21", "NaN", "+Inf",
// "-Inf"; -0 is "-0". Shortest representation that round-trips.
std::string FormatPromValue(double v);
// FormatPromValue(v) appended to `out` (no temporary string).
void AppendPromValue(std::string& out, double v);

// Go's fmt "%f" (six decimals, "+Inf", "-Inf", "NaN"), as Prometheus prints
// numbers inside some error messages.
std::string FormatGoFixed(double v);

// Go's strconv.FormatFloat(v, 'g', -1, 64), which is also fmt's %v of a
// float64: the shortest digits that read back, in exponent form when the
// exponent is < -4 or >= 6 ("1e+06", "1e-05", "123456", "0.0001").
std::string FormatGoShortest(double v);

// Unix milliseconds as seconds, exactly like Prometheus's
// jsonutil.MarshalTimestamp: no fraction when the ms part is 0, else always
// three digits: 1700000000000 -> "1700000000", 1700000000500 ->
// "1700000000.500", 1700000000005 -> "1700000000.005", -1500 -> "-1.500".
std::string FormatPromTimestamp(std::int64_t ms);
// FormatPromTimestamp(ms) appended to `out` (no temporary string).
void AppendPromTimestamp(std::string& out, std::int64_t ms);

// The contents of a JSON string literal (no surrounding quotes), escaped as
// Prometheus's jsoniter (standard-library compatible) does: `"` and `\`,
// \n \r \t, other control bytes and the HTML characters < > & as \u00XX,
// U+2028/U+2029 as \u2028/\u2029, and invalid UTF-8 bytes as \ufffd.
std::string JsonEscape(std::string_view s);

}  // namespace obs::backend
