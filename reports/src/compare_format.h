// How compare.md and compare.html show a figure's values, changes and
// thresholds, so both say the same thing: "12.10 ms", "1300.0/s", "99.95%";
// changes "+20.0%" (relative) or "+1.50 pp" (absolute figures).
//
// Thread safety: stateless.

#pragma once

#include <string>

namespace obs::reports::internal {

// `v` in the figure's `unit` ("s", "/s", "ratio", "cores" or "bytes").
std::string FormatValue(double v, const std::string& unit);

// A change with its sign: a percentage, or percentage points when `absolute`.
std::string FormatChange(double change, bool absolute);

// A threshold without a sign, in the same form as FormatChange.
std::string FormatThreshold(double t, bool absolute);

}  // namespace obs::reports::internal
