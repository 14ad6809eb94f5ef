// The PromQL abstract syntax tree of Prometheus 2.42 (float samples). Node
// kinds mirror promql/parser/ast.go: an Expr is a tagged union of node
// structs, each child owned by a unique_ptr, each node carrying its source
// position for error messages.
//
// Thread safety: immutable after parsing; may be shared across threads.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/labels.h"

namespace obs::backend::query {

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };

// "scalar", "instant vector", "range vector", "string" (Prometheus's
// DocumentedType, used in type errors).
std::string_view DocumentedType(ValueType type);
// "scalar", "vector", "matrix", "string" (the API's resultType).
std::string_view ResultTypeName(ValueType type);

enum class BinOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,
  kAnd,
  kOr,
  kUnless,
  kAtan2,
};
bool IsComparison(BinOp op);
bool IsSetOperator(BinOp op);
std::string_view BinOpString(BinOp op);

enum class AggOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
};
std::string_view AggOpString(AggOp op);
// topk, bottomk, quantile and count_values take a parameter.
bool AggOpTakesParam(AggOp op);

// The `@` modifier: none, a fixed time, or the query's start()/end()
// (resolved by the evaluator from its parameters).
struct AtModifier {
  enum class Kind { kNone, kTimestamp, kStart, kEnd };
  Kind kind = Kind::kNone;
  std::int64_t timestamp_ms = 0;  // kTimestamp only.

  bool present() const { return kind != Kind::kNone; }
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral {
  double value = 0;
};

struct StringLiteral {
  std::string value;
};

struct VectorSelector {
  std::string name;  // Metric name if given outside braces (also a matcher).
  std::vector<Matcher> matchers;
  std::int64_t offset_ms = 0;  // Negative offsets look forward.
  AtModifier at;
};

// `sel[range]`; offset and @ written after the range live in `selector`.
struct MatrixSelector {
  VectorSelector selector;
  std::int64_t range_ms = 0;
};

// `expr[range:step]`; step_ms == 0 means the default evaluation interval.
struct Subquery {
  ExprPtr expr;
  std::int64_t range_ms = 0;
  std::int64_t step_ms = 0;
  std::int64_t offset_ms = 0;
  AtModifier at;
};

struct FunctionDef;  // functions.h

struct Call {
  const FunctionDef* func = nullptr;
  std::vector<ExprPtr> args;
};

struct Aggregate {
  AggOp op = AggOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk/bottomk/quantile: scalar; count_values: string; else null.
  std::vector<std::string> grouping;
  bool without = false;
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  std::vector<std::string> matching_labels;
  bool on = false;
  std::vector<std::string> include;  // group_left/group_right labels.
};

struct Binary {
  BinOp op = BinOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;
  VectorMatching matching;  // Used when both sides are vectors.
};

// Unary minus negates (and drops __name__); unary plus is the identity.
struct Unary {
  bool negate = false;
  ExprPtr expr;
};

struct Paren {
  ExprPtr expr;
};

struct Expr {
  std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, Subquery, Call,
               Aggregate, Binary, Unary, Paren>
      node;
  int pos = 0;  // Byte offset where the expression starts.

  ValueType type() const;
};

// The expression printed the way Prometheus 2.42's String() prints it
// (e.g. `sum by (job) (rate(x{a="b"}[5m] offset 1m))`); parsing the text
// again yields an equal tree.
std::string ExprToString(const Expr& expr);

}  // namespace obs::backend::query
