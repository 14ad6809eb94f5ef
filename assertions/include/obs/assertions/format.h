// Human-readable number formatting shared by assertion messages and reports.
// Every function is locale-independent (std::to_chars underneath, never
// iostreams or printf) and deterministic, so golden files stay stable on any
// machine and under any global locale.
//
// Thread safety: stateless; safe from any thread.

#pragma once

#include <cstdint>
#include <string>

namespace obs::assertions {

// `value` with exactly `decimals` digits after the point, e.g. "12.30".
// Non-finite values print as "nan", "inf" or "-inf".
std::string FormatFixed(double value, int decimals);

// Like FormatFixed, then trailing zeros (and a trailing point) removed: "12.3", "250".
std::string FormatTrimmed(double value, int max_decimals);

// An integer with comma thousands separators: "14,213".
std::string FormatCount(std::uint64_t value);

// A number with comma thousands separators and `decimals` digits: "9,850.0".
std::string FormatNumber(double value, int decimals);

// A duration in nanoseconds in the largest unit that keeps it >= 1, with a
// fixed number of decimals: "850 ns", "12.3 µs", "312.4 ms", "1.50 s".
std::string FormatDurationNs(double ns);

// A duration given in seconds, shortest exact form up to 3 decimals of its
// unit, for thresholds: 0.25 -> "250 ms", 1.5 -> "1.5 s".
std::string FormatDurationThreshold(double seconds);

// A ratio as a percentage with 2 decimals, "99.95%"; more decimals (up to 6)
// when 2 would round a value that is not exactly 0 or 1 to "0.00%" or "100.00%".
std::string FormatPercent(double ratio);

// A ratio threshold as a trimmed percentage: 0.999 -> "99.9%".
std::string FormatPercentThreshold(double ratio);

// Bytes in binary units with one decimal ("512 B", "3.0 KiB", "12.3 MiB",
// "1.2 GiB"); negative values keep their sign. With `sign`, positive values
// get a "+" (for differences).
std::string FormatBytes(double bytes, bool sign = false);

// Unix milliseconds as ISO 8601 UTC: "2024-03-01T12:00:00.000Z".
std::string FormatUnixMillis(std::int64_t unix_ms);

}  // namespace obs::assertions
