// The PromQL parser: a hand-written precedence-climbing parser over the
// lexer's tokens that accepts the language of Prometheus 2.42 (float
// samples) and builds the AST in ast.h, then type-checks it the way
// Prometheus's checkAST does (argument types and arity, scalar comparisons
// need `bool`, set operators need vectors, selectors need a non-empty
// matcher, ...).
//
// Errors are Prometheus's, text and position: `1:3: parse error: unexpected
// end of input` (line:column of the offending token, column 1-based in
// bytes), syntax errors before type errors as in Prometheus. One deliberate
// difference: expressions nested more than 256 levels deep are rejected
// ("expression nested too deeply"), where Prometheus's growable Go stacks
// have no limit.
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
