// PromQL AST helpers: type names, operator names, node types and the
// String() printer that matches Prometheus 2.42 (see ast.h).

#include "query/ast.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "query/format.h"
#include "query/functions.h"
#include "query/literals.h"

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
  static constexpr std::string_view kNames[] = {"+",   "-",  "*",      "/",    "%",  "^",
                                                "==",  "!=", ">",      "<",    ">=", "<=",
                                                "and", "or", "unless", "atan2"};
  return kNames[static_cast<int>(op)];
}

std::string_view AggOpString(AggOp op) {
  static constexpr std::string_view kNames[] = {"sum",  "avg",     "count",    "min",
                                                "max",  "group",   "stddev",   "stdvar",
                                                "topk", "bottomk", "quantile", "count_values"};
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

std::string ModifiersString(const AtModifier& at, std::int64_t offset_ms) {
  std::string out;
  switch (at.kind) {
    case AtModifier::Kind::kTimestamp: {
      // Go's %.3f of float64(ms)/1000; to_chars is exact and locale-free.
      char buf[64];
      const auto r =
          std::to_chars(buf, buf + sizeof(buf), static_cast<double>(at.timestamp_ms) / 1000.0,
                        std::chars_format::fixed, 3);
      out += " @ ";
      out.append(buf, r.ptr);
      break;
    }
    case AtModifier::Kind::kStart:
      out += " @ start()";
      break;
    case AtModifier::Kind::kEnd:
      out += " @ end()";
      break;
    case AtModifier::Kind::kNone:
      break;
  }
  if (offset_ms > 0) {
    out += " offset " + FormatModelDuration(offset_ms);
  } else if (offset_ms < 0) {
    out += " offset -" + FormatModelDuration(-offset_ms);
  }
  return out;
}

// The selector without its modifiers: `name{a="b",c=~"d"}` with sorted
// matchers; the `__name__` matcher equal to the name is left out.
std::string SelectorBody(const VectorSelector& vs) {
  std::vector<std::string> parts;
  for (const Matcher& m : vs.matchers) {
    if (m.name == "__name__" && m.type == MatchType::kEqual && m.value == vs.name) {
      continue;
    }
    parts.push_back(m.name + std::string(MatchTypeString(m.type)) + GoQuote(m.value));
  }
  std::sort(parts.begin(), parts.end());
  if (parts.empty()) {
    return vs.name;
  }
  std::string body;
  for (const std::string& p : parts) {
    body += body.empty() ? p : "," + p;
  }
  return vs.name + "{" + body + "}";
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += out.empty() ? s : ", " + s;
  }
  return out;
}

struct ToText {
  std::string operator()(const NumberLiteral& n) const {
    // Go spells positive infinity "+Inf", which would read back as a unary plus
    // (and bind looser than `^`); the bare keyword reads back as the literal.
    if (std::isinf(n.value) && n.value > 0) {
      return "Inf";
    }
    return FormatGoShortest(n.value);
  }
  std::string operator()(const StringLiteral& s) const { return GoQuote(s.value); }
  std::string operator()(const VectorSelector& vs) const {
    return SelectorBody(vs) + ModifiersString(vs.at, vs.offset_ms);
  }
  std::string operator()(const MatrixSelector& ms) const {
    return SelectorBody(ms.selector) + "[" + FormatModelDuration(ms.range_ms) + "]" +
           ModifiersString(ms.selector.at, ms.selector.offset_ms);
  }
  std::string operator()(const Subquery& sq) const {
    return ExprToString(*sq.expr) + "[" + FormatModelDuration(sq.range_ms) + ":" +
           (sq.step_ms != 0 ? FormatModelDuration(sq.step_ms) : "") + "]" +
           ModifiersString(sq.at, sq.offset_ms);
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
    if (a.without) {
      out += " without (" + Join(a.grouping) + ") ";
    } else if (!a.grouping.empty()) {
      out += " by (" + Join(a.grouping) + ") ";
    }
    out += "(";
    if (a.param != nullptr) {
      out += ExprToString(*a.param) + ", ";
    }
    return out + ExprToString(*a.expr) + ")";
  }
  std::string operator()(const Binary& b) const {
    std::string op(BinOpString(b.op));
    if (b.return_bool) {
      op += " bool";
    }
    const VectorMatching& m = b.matching;
    if (m.on || !m.matching_labels.empty()) {
      op += (m.on ? " on (" : " ignoring (") + Join(m.matching_labels) + ")";
      if (m.card == Cardinality::kManyToOne || m.card == Cardinality::kOneToMany) {
        op += m.card == Cardinality::kManyToOne ? " group_left (" : " group_right (";
        op += Join(m.include) + ")";
      }
    }
    return ExprToString(*b.lhs) + " " + op + " " + ExprToString(*b.rhs);
  }
  std::string operator()(const Unary& u) const {
    std::string out(u.negate ? "-" : "+");
    return out.append(ExprToString(*u.expr));
  }
  std::string operator()(const Paren& p) const {
    std::string out("(");
    return out.append(ExprToString(*p.expr)).append(")");
  }
};

}  // namespace

ValueType Expr::type() const {
  return std::visit(TypeOf{}, node);
}

std::string ExprToString(const Expr& expr) {
  return std::visit(ToText{}, expr.node);
}

}  // namespace obs::backend::query
