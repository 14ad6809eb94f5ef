// Helpers shared by the evaluator's files (evaluator.cc: step by step;
// evaluator_steps.cc: every step of a range query at once). Internal to the
// query module.

#pragma once

#include <span>
#include <vector>

#include "obs/wire/remote_write.h"

#include "query/ast.h"

namespace obs::backend::query::internal {

// `e` without enclosing parentheses.
const Expr& Unparen(const Expr& e);

// `points` without stale markers: `points` itself when it has none, else
// `scratch` filled with the others.
std::span<const wire::Sample> WithoutStale(std::span<const wire::Sample> points,
                                           std::vector<wire::Sample>& scratch);

}  // namespace obs::backend::query::internal
