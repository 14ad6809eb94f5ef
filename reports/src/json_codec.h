// The report.json schema (docs/report-format.md) in both directions. Kept
// in one place so the writer and ParseJsonReport cannot drift apart.
//
// Thread safety: stateless.

#pragma once

#include "obs/base/status.h"
#include "obs/reports/report.h"

#include <nlohmann/json.hpp>

namespace obs::reports::internal {

// The full document, schema_version kJsonSchemaVersion, keys in the
// documented order (docs/report-format.md).
nlohmann::ordered_json EncodeReport(const RunReport& report);

// The inverse of EncodeReport; derived fields are ignored.
// Returns kInvalidArgument naming the field for missing or mistyped fields.
Result<RunReport> DecodeReport(const nlohmann::json& doc);

}  // namespace obs::reports::internal
