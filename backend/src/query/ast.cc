#include "query/ast.h"

#include "query/format.h"
#include "query/functions.h"

namespace obs::backend::query {

std::string_view DocumentedType(ValueType type) {
  switch (type) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      break;
  }
  return "none";
}

std::string_view ResultTypeName(ValueType type) {
  switch (type) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kString:
      return "string";
    case ValueType::kNone:
      break;
  }
  return "none";
}

bool IsComparison(BinOp op) {
  return op == BinOp::kEql || op == BinOp::kNeq || op == BinOp::kGtr || op == BinOp::kLss ||
         op == BinOp::kGte || op == BinOp::kLte;
}

bool IsSetOperator(BinOp op) {
  return op == BinOp::kAnd || op == BinOp::kOr || op == BinOp::kUnless;
}

std::string_view BinOpString(BinOp op) {
  static constexpr std::string_view kNames[] = {
      "+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless"};
  return kNames[static_cast<int>(op)];
}

std::string_view AggOpString(AggOp op) {
  static constexpr std::string_view kNames[] = {
      "sum",    "avg",  "count", "min",     "max",      "group",
      "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values"};
  return kNames[static_cast<int>(op)];
}

bool AggOpTakesParam(AggOp op) {
  return op == AggOp::kTopk || op == AggOp::kBottomk || op == AggOp::kQuantile ||
         op == AggOp::kCountValues;
}

namespace {

struct TypeOf {
  ValueType operator()(const NumberLiteral&) const { return ValueType::kScalar; }
  ValueType operator()(const StringLiteral&) const { return ValueType::kString; }
  ValueType operator()(const VectorSelector&) const { return ValueType::kVector; }
  ValueType operator()(const MatrixSelector&) const { return ValueType::kMatrix; }
  ValueType operator()(const Subquery&) const { return ValueType::kMatrix; }
  ValueType operator()(const Call& c) const { return c.func->return_type; }
  ValueType operator()(const Aggregate&) const { return ValueType::kVector; }
  ValueType operator()(const Binary& b) const {
    return b.lhs->type() == ValueType::kScalar && b.rhs->type() == ValueType::kScalar
               ? ValueType::kScalar
               : ValueType::kVector;
  }
  ValueType operator()(const Unary& u) const { return u.expr->type(); }
  ValueType operator()(const Paren& p) const { return p.expr->type(); }
};

std::string SelectorString(const VectorSelector& vs) {
  std::string out = vs.name;
  std::string body;
  for (const Matcher& m : vs.matchers) {
    if (!vs.name.empty() && m.name == "__name__" && m.type == MatchType::kEqual) {
      continue;
    }
    body += body.empty() ? "" : ",";
    body += m.ToString();
  }
  if (!body.empty() || out.empty()) {
    out += "{" + body + "}";
  }
  if (vs.offset_ms != 0) {
    out += " offset " + std::to_string(vs.offset_ms) + "ms";
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += out.empty() ? s : ", " + s;
  }
  return out;
}

struct ToText {
  std::string operator()(const NumberLiteral& n) const { return FormatPromValue(n.value); }
  std::string operator()(const StringLiteral& s) const { return "\"" + s.value + "\""; }
  std::string operator()(const VectorSelector& vs) const { return SelectorString(vs); }
  std::string operator()(const MatrixSelector& ms) const {
    VectorSelector copy = ms.selector;
    copy.offset_ms = 0;
    std::string out = SelectorString(copy) + "[" + std::to_string(ms.range_ms) + "ms]";
    if (ms.selector.offset_ms != 0) {
      out += " offset " + std::to_string(ms.selector.offset_ms) + "ms";
    }
    return out;
  }
  std::string operator()(const Subquery& sq) const {
    return ExprToString(*sq.expr) + "[" + std::to_string(sq.range_ms) + "ms:" +
           (sq.step_ms != 0 ? std::to_string(sq.step_ms) + "ms" : "") + "]";
  }
  std::string operator()(const Call& c) const {
    std::vector<std::string> args;
    for (const auto& a : c.args) {
      args.push_back(ExprToString(*a));
    }
    return std::string(c.func->name) + "(" + Join(args) + ")";
  }
  std::string operator()(const Aggregate& a) const {
    std::string out(AggOpString(a.op));
    if (a.without || !a.grouping.empty()) {
      out += a.without ? " without (" : " by (";
      out += Join(a.grouping) + ")";
    }
    return out + " (" + ExprToString(*a.expr) + ")";
  }
  std::string operator()(const Binary& b) const {
    std::string op(BinOpString(b.op));
    if (b.return_bool) {
      op += " bool";
    }
    if (b.matching.on || !b.matching.matching_labels.empty()) {
      op += (b.matching.on ? " on (" : " ignoring (") + Join(b.matching.matching_labels) + ")";
    }
    return ExprToString(*b.lhs) + " " + op + " " + ExprToString(*b.rhs);
  }
  std::string operator()(const Unary& u) const { return "-" + ExprToString(*u.expr); }
  std::string operator()(const Paren& p) const { return "(" + ExprToString(*p.expr) + ")"; }
};

}  // namespace

ValueType Expr::type() const {
  return std::visit(TypeOf{}, node);
}

std::string ExprToString(const Expr& expr) {
  return std::visit(ToText{}, expr.node);
}

}  // namespace obs::backend::query
