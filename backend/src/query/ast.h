// The PromQL abstract syntax tree. Node kinds mirror Prometheus's
// promql/parser/ast.go so the rest of PromQL (subqueries, `@`, group_left,
// more functions) can be added without reshaping: an Expr is a tagged union
// of node structs, each child owned by a unique_ptr, each node carrying its
// source position for error messages.
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
};
bool IsComparison(BinOp op);
bool IsSetOperator(BinOp op);
std::string_view BinOpString(BinOp op);

enum class AggOp { kSum, kCount, kMin, kMax, kAvg };
std::string_view AggOpString(AggOp op);

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
  std::int64_t offset_ms = 0;
};

struct MatrixSelector {
  VectorSelector selector;
  std::int64_t range_ms = 0;
};

struct FunctionDef;  // functions.h

struct Call {
  const FunctionDef* func = nullptr;
  std::vector<ExprPtr> args;
};

struct Aggregate {
  AggOp op = AggOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // For topk/quantile/count_values later; null today.
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

struct Unary {
  bool negate = false;
  ExprPtr expr;
};

struct Paren {
  ExprPtr expr;
};

struct Expr {
  std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, Call, Aggregate,
               Binary, Unary, Paren>
      node;
  int pos = 0;  // Byte offset where the expression starts.

  ValueType type() const;
};

// Source-like text of an expression, for debugging and tests.
std::string ExprToString(const Expr& expr);

}  // namespace obs::backend::query
