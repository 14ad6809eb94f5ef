// Parsing of Prometheus HTTP API JSON answers (`{"status":..,"data":..}`) into
// the QueryClient result types. Kept apart from the transport so it can be
// tested with canned answers from Prometheus and VictoriaMetrics.
//
// Number formats follow Prometheus' jsonutil: timestamps are JSON numbers in
// seconds with millisecond decimals; values are strings ("1.5", "NaN",
// "+Inf", "-Inf", "1e-07"). Parsing is locale-independent.
//
// Thread safety: stateless functions.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

#include "verify/query_client.h"

namespace obs::scenarios {

// Parses the body of a successful `/api/v1/query` whose resultType must be
// "vector". kDataLoss if the body is not the documented shape;
// kInvalidArgument if it is an error envelope or another result type.
Result<std::vector<VectorSample>> ParseVectorResponse(std::string_view body);

// As ParseVectorResponse for resultType "matrix".
Result<std::vector<MatrixSeries>> ParseMatrixResponse(std::string_view body);

// The "error" text of an error envelope, or an empty string if `body` is not
// one (then callers report the HTTP status and a body excerpt instead).
std::string ParseErrorText(std::string_view body);

// A sample value string as the API writes it. kDataLoss if it is not a number.
Result<double> ParseSampleValue(std::string_view text);

}  // namespace obs::scenarios
