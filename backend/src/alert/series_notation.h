// The input-series notation of promtool's rule unit tests (Prometheus 2.42,
// docs/configuration/unit_testing_rules.md): a series written as a selector
// with equality matchers (`up{job="api"}`) and its values in the expanding
// notation, space separated:
//   a+bxn  a, a+b, ..., a+n*b   (n+1 values; a-bxn counts down)
//   axn    a repeated n+1 times
//   _      one missing sample; _xn n missing samples
//   stale  a staleness marker
// Numbers may be signed, decimal, exponent, Inf or NaN.
// Example: `-2+4x3` -> -2 2 6 10; `1 _x3 stale` -> 1 _ _ _ stale.
//
// Thread safety: pure functions.

#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

#include "store/labels.h"

namespace obs::backend::alert {

struct SeriesValue {
  enum class Kind { kValue, kMissing, kStale };
  Kind kind = Kind::kValue;
  double value = 0;
};

// Parses `values`; errors name the 1-based position of the bad token.
Result<std::vector<SeriesValue>> ParseSeriesValues(std::string_view values);

// Parses `metric{l="v",...}` (equality matchers only) into sorted labels.
Result<Labels> ParseSeriesLabels(std::string_view series);

}  // namespace obs::backend::alert
