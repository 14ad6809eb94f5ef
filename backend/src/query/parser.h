// The PromQL parser: a hand-written Pratt (precedence-climbing) parser over
// the lexer's tokens, producing the AST in ast.h and type-checking it the
// way Prometheus's parser does (argument types, scalar comparisons need
// `bool`, selectors need a non-empty matcher, ...).
//
// Errors read like Prometheus 2.42: `1:3: parse error: unexpected end of
// input` (line:column of the offending token, column 1-based in bytes).
//
// Thread safety: pure function.

#pragma once

#include <string_view>

#include "obs/base/status.h"

#include "query/ast.h"
#include "query/literals.h"  // ParseDuration, for callers

namespace obs::backend::query {

// Parses and type-checks `query`. Returns kInvalidArgument whose message is
// the complete Prometheus-style error ("1:3: parse error: ...").
Result<ExprPtr> ParseExpr(std::string_view query);

}  // namespace obs::backend::query
