#include "query/parser.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "query/format.h"
#include "query/functions.h"
#include "query/lexer.h"
#include "query/literals.h"

namespace obs::backend::query {

namespace {

// Thrown inside the parser only; converted to a Status in ParseExpr.
struct ParseFailure {
  int pos;
  std::string message;
};

constexpr int kPowPrecedence = 6;

struct OpInfo {
  BinOp op;
  int precedence;
};

std::optional<OpInfo> BinaryOperator(const Token& t) {
  switch (t.kind) {
    case Tok::kAdd:
      return OpInfo{BinOp::kAdd, 4};
    case Tok::kSub:
      return OpInfo{BinOp::kSub, 4};
    case Tok::kMul:
      return OpInfo{BinOp::kMul, 5};
    case Tok::kDiv:
      return OpInfo{BinOp::kDiv, 5};
    case Tok::kMod:
      return OpInfo{BinOp::kMod, 5};
    case Tok::kPow:
      return OpInfo{BinOp::kPow, kPowPrecedence};
    case Tok::kEqlc:
      return OpInfo{BinOp::kEql, 3};
    case Tok::kNeq:
      return OpInfo{BinOp::kNeq, 3};
    case Tok::kGtr:
      return OpInfo{BinOp::kGtr, 3};
    case Tok::kLss:
      return OpInfo{BinOp::kLss, 3};
    case Tok::kGte:
      return OpInfo{BinOp::kGte, 3};
    case Tok::kLte:
      return OpInfo{BinOp::kLte, 3};
    case Tok::kIdentifier:
      if (t.text == "atan2")
        return OpInfo{BinOp::kAtan2, 5};
      if (t.text == "and")
        return OpInfo{BinOp::kAnd, 2};
      if (t.text == "unless")
        return OpInfo{BinOp::kUnless, 2};
      if (t.text == "or")
        return OpInfo{BinOp::kOr, 1};
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

std::optional<AggOp> Aggregator(std::string_view name) {
  static constexpr std::pair<std::string_view, AggOp> kOps[] = {
      {"sum", AggOp::kSum},           {"avg", AggOp::kAvg},
      {"count", AggOp::kCount},       {"min", AggOp::kMin},
      {"max", AggOp::kMax},           {"group", AggOp::kGroup},
      {"stddev", AggOp::kStddev},     {"stdvar", AggOp::kStdvar},
      {"topk", AggOp::kTopk},         {"bottomk", AggOp::kBottomk},
      {"quantile", AggOp::kQuantile}, {"count_values", AggOp::kCountValues}};
  for (const auto& [n, op] : kOps) {
    if (n == name) {
      return op;
    }
  }
  return std::nullopt;
}

bool IsKeyword(std::string_view s) {
  return s == "by" || s == "without" || s == "on" || s == "ignoring" || s == "group_left" ||
         s == "group_right" || s == "bool" || s == "offset" || s == "and" || s == "or" ||
         s == "unless" || s == "atan2";
}

// Go's %f, as Prometheus prints an out-of-bounds @ timestamp.

double ParseNumber(const Token& t) {
  auto v = ParseNumberLiteral(t.text);
  if (!v.ok()) {
    throw ParseFailure{t.pos, v.status().message()};
  }
  return *v;
}

std::string Unquote(const Token& t) {
  auto v = UnquoteString(t.text);
  if (!v.ok()) {
    throw ParseFailure{t.pos, v.status().message()};
  }
  return std::move(v).value();
}

ExprPtr MakeExpr(int pos, auto node) {
  auto e = std::make_unique<Expr>();
  e->node = std::move(node);
  e->pos = pos;
  return e;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  ExprPtr ParseAll() {
    ExprPtr e = ParseBinary(0);
    if (Peek().kind != Tok::kEof) {
      Unexpected(Peek());
    }
    return e;
  }

 private:
  const Token& Peek(std::size_t ahead = 0) const {
    const std::size_t i = std::min(next_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& Next() {
    const Token& t = Peek();
    if (next_ < toks_.size() - 1) {
      ++next_;
    }
    return t;
  }
  [[noreturn]] static void Unexpected(const Token& t, std::string_view context = {}) {
    if (t.kind == Tok::kError) {
      throw ParseFailure{t.pos, t.text};
    }
    throw ParseFailure{t.pos, "unexpected " + DescribeToken(t) + std::string(context)};
  }
  const Token& Expect(Tok kind, std::string_view context = {}) {
    if (Peek().kind != kind) {
      Unexpected(Peek(), context);
    }
    return Next();
  }
  bool PeekIdent(std::string_view word) const {
    return Peek().kind == Tok::kIdentifier && Peek().text == word;
  }

  ExprPtr ParseBinary(int min_prec);
  ExprPtr MakeBinary(const OpInfo& op, int op_pos, ExprPtr lhs, ExprPtr rhs, bool return_bool,
                     VectorMatching matching, bool has_matching);
  ExprPtr ParseUnary();
  ExprPtr ParsePostfix(ExprPtr e);
  static std::int64_t* OffsetSlot(Expr& e);
  static AtModifier* AtSlot(Expr& e);
  AtModifier ParseAtValue();
  ExprPtr ParsePrimary();
  ExprPtr ParseIdentifierExpr();
  ExprPtr ParseSelector(std::string name, int pos);
  std::vector<Matcher> ParseMatchers();
  ExprPtr ParseCall(const Token& name);
  ExprPtr ParseAggregate(AggOp op, const Token& name);
  std::vector<std::string> ParseLabelList(std::string_view context);
  std::int64_t ParseDurationToken(std::string_view context);
  void ParseMatchingModifiers(VectorMatching& m, bool& has_matching);

  std::vector<Token> toks_;
  std::size_t next_ = 0;
};
ExprPtr Parser::ParseBinary(int min_prec) {
  ExprPtr lhs = ParseUnary();
  while (true) {
    const Token& tok = Peek();
    const auto op = BinaryOperator(tok);
    if (!op || op->precedence < min_prec) {
      return lhs;
    }
    const int op_pos = Next().pos;
    bool return_bool = false;
    if (PeekIdent("bool")) {
      Next();
      return_bool = true;
    }
    VectorMatching matching;
    bool has_matching = false;
    ParseMatchingModifiers(matching, has_matching);
    // `^` is right-associative; everything else is left-associative.
    const int next_min = op->op == BinOp::kPow ? op->precedence : op->precedence + 1;
    ExprPtr rhs = ParseBinary(next_min);
    lhs = MakeBinary(*op, op_pos, std::move(lhs), std::move(rhs), return_bool, std::move(matching),
                     has_matching);
  }
}

void Parser::ParseMatchingModifiers(VectorMatching& m, bool& has_matching) {
  if (PeekIdent("on") || PeekIdent("ignoring")) {
    m.on = Next().text == "on";
    m.matching_labels = ParseLabelList(" in grouping opts, expected label");
    has_matching = true;
  }
  if (PeekIdent("group_left") || PeekIdent("group_right")) {
    if (!has_matching) {
      Unexpected(Peek());  // The grammar allows group_x only after on/ignoring.
    }
    m.card = Next().text == "group_left" ? Cardinality::kManyToOne : Cardinality::kOneToMany;
    if (Peek().kind == Tok::kLParen) {
      m.include = ParseLabelList(" in grouping opts, expected label");
    }
    if (m.on) {
      for (const std::string& l : m.include) {
        if (std::find(m.matching_labels.begin(), m.matching_labels.end(), l) !=
            m.matching_labels.end()) {
          throw ParseFailure{Peek().pos,
                             "label \"" + l + "\" must not occur in ON and GROUP clause at once"};
        }
      }
    }
  }
}

ExprPtr Parser::MakeBinary(const OpInfo& op, int /*op_pos*/, ExprPtr lhs, ExprPtr rhs,
                           bool return_bool, VectorMatching matching, bool has_matching) {
  const ValueType lt = lhs->type();
  const ValueType rt = rhs->type();
  const int pos = lhs->pos;
  const bool lhs_ok = lt == ValueType::kScalar || lt == ValueType::kVector;
  const bool rhs_ok = rt == ValueType::kScalar || rt == ValueType::kVector;
  if (!lhs_ok || !rhs_ok) {
    throw ParseFailure{pos, "binary expression must contain only scalar and instant vector types"};
  }
  if (return_bool && !IsComparison(op.op)) {
    throw ParseFailure{pos, "bool modifier can only be used on comparison operators"};
  }
  const bool both_scalar = lt == ValueType::kScalar && rt == ValueType::kScalar;
  if (IsComparison(op.op) && both_scalar && !return_bool) {
    throw ParseFailure{pos, "comparisons between scalars must use BOOL modifier"};
  }
  if (IsSetOperator(op.op)) {
    if (lt == ValueType::kScalar || rt == ValueType::kScalar) {
      throw ParseFailure{pos, "set operator \"" + std::string(BinOpString(op.op)) +
                                  "\" not allowed in binary scalar expression"};
    }
    if (matching.card == Cardinality::kManyToOne || matching.card == Cardinality::kOneToMany) {
      throw ParseFailure{
          pos, "no grouping allowed for \"" + std::string(BinOpString(op.op)) + "\" operation"};
    }
    matching.card = Cardinality::kManyToMany;
  }
  if (has_matching && (lt != ValueType::kVector || rt != ValueType::kVector)) {
    throw ParseFailure{pos, "vector matching only allowed between instant vectors"};
  }
  Binary b{.op = op.op,
           .lhs = std::move(lhs),
           .rhs = std::move(rhs),
           .return_bool = return_bool,
           .matching = std::move(matching)};
  return MakeExpr(pos, std::move(b));
}

ExprPtr Parser::ParseUnary() {
  if (Peek().kind == Tok::kAdd || Peek().kind == Tok::kSub) {
    const Token& op = Next();
    const bool negate = op.kind == Tok::kSub;
    ExprPtr operand = ParseBinary(kPowPrecedence);
    const ValueType t = operand->type();
    if (t != ValueType::kScalar && t != ValueType::kVector) {
      throw ParseFailure{op.pos,
                         "unary expression only allowed on expressions of type scalar or "
                         "instant vector, got \"" +
                             std::string(DocumentedType(t)) + "\""};
    }
    if (auto* num = std::get_if<NumberLiteral>(&operand->node)) {
      // Prometheus folds a sign into a number literal.
      if (negate) {
        num->value = -num->value;
      }
      operand->pos = op.pos;
      return operand;
    }
    return MakeExpr(op.pos, Unary{.negate = negate, .expr = std::move(operand)});
  }
  return ParsePostfix(ParsePrimary());
}

ExprPtr Parser::ParsePostfix(ExprPtr e) {
  while (true) {
    if (Peek().kind == Tok::kLBracket) {
      const int pos = Next().pos;
      const std::int64_t range = ParseDurationToken(" in range, expected duration");
      if (Peek().kind == Tok::kColon) {
        Next();
        std::int64_t step = 0;
        if (Peek().kind != Tok::kRBracket) {
          step = ParseDurationToken(" in subquery, expected duration");
        }
        Expect(Tok::kRBracket, " in subquery, expected \"]\"");
        if (e->type() != ValueType::kVector) {
          throw ParseFailure{e->pos, "subquery is only allowed on instant vector, got " +
                                         std::string(DocumentedType(e->type())) + " instead"};
        }
        const int start = e->pos;
        Subquery sq;
        sq.expr = std::move(e);
        sq.range_ms = range;
        sq.step_ms = step;
        e = MakeExpr(start, std::move(sq));
        continue;
      }
      Expect(Tok::kRBracket, " in range, expected \"]\"");
      auto* vs = std::get_if<VectorSelector>(&e->node);
      if (vs == nullptr) {
        throw ParseFailure{pos, "ranges only allowed for vector selectors"};
      }
      if (vs->offset_ms != 0) {
        throw ParseFailure{pos, "no offset modifiers allowed before range"};
      }
      if (vs->at.present()) {
        throw ParseFailure{pos, "no @ modifiers allowed before range"};
      }
      e = MakeExpr(e->pos, MatrixSelector{.selector = std::move(*vs), .range_ms = range});
    } else if (PeekIdent("offset")) {
      const int pos = Next().pos;
      const bool negative = Peek().kind == Tok::kSub;
      if (negative) {
        Next();
      }
      const std::int64_t off = ParseDurationToken(" in offset, expected duration");
      std::int64_t* slot = OffsetSlot(*e);
      if (slot == nullptr) {
        throw ParseFailure{pos,
                           "offset modifier must be preceded by an instant vector selector "
                           "or range vector selector or a subquery"};
      }
      if (*slot != 0) {
        throw ParseFailure{pos, "offset may not be set multiple times"};
      }
      *slot = negative ? -off : off;
    } else if (Peek().kind == Tok::kAt) {
      const int pos = Next().pos;
      AtModifier at = ParseAtValue();
      AtModifier* slot = AtSlot(*e);
      if (slot == nullptr) {
        throw ParseFailure{pos,
                           "@ modifier must be preceded by an instant vector selector or range "
                           "vector selector or a subquery"};
      }
      if (slot->present()) {
        throw ParseFailure{pos, "@ <timestamp> may not be set multiple times"};
      }
      *slot = at;
    } else {
      return e;
    }
  }
}

std::int64_t* Parser::OffsetSlot(Expr& e) {
  if (auto* vs = std::get_if<VectorSelector>(&e.node)) {
    return &vs->offset_ms;
  }
  if (auto* ms = std::get_if<MatrixSelector>(&e.node)) {
    return &ms->selector.offset_ms;
  }
  if (auto* sq = std::get_if<Subquery>(&e.node)) {
    return &sq->offset_ms;
  }
  return nullptr;
}

AtModifier* Parser::AtSlot(Expr& e) {
  if (auto* vs = std::get_if<VectorSelector>(&e.node)) {
    return &vs->at;
  }
  if (auto* ms = std::get_if<MatrixSelector>(&e.node)) {
    return &ms->selector.at;
  }
  if (auto* sq = std::get_if<Subquery>(&e.node)) {
    return &sq->at;
  }
  return nullptr;
}

AtModifier Parser::ParseAtValue() {
  if (PeekIdent("start") || PeekIdent("end")) {
    const bool start = Next().text == "start";
    Expect(Tok::kLParen, " in @, expected \"(\"");
    Expect(Tok::kRParen, " in @, expected \")\"");
    return AtModifier{.kind = start ? AtModifier::Kind::kStart : AtModifier::Kind::kEnd,
                      .timestamp_ms = 0};
  }
  bool negative = false;
  if (Peek().kind == Tok::kAdd || Peek().kind == Tok::kSub) {
    negative = Next().kind == Tok::kSub;
  }
  const Token& t = Peek();
  double seconds = 0;
  if (t.kind == Tok::kNumber) {
    seconds = ParseNumber(Next());
  } else if (t.kind == Tok::kIdentifier &&
             (t.text.size() == 3 && (std::tolower(static_cast<unsigned char>(t.text[0])) == 'i' ||
                                     std::tolower(static_cast<unsigned char>(t.text[0])) == 'n'))) {
    seconds = std::numeric_limits<double>::infinity();  // Inf/NaN: out of bounds below.
    Next();
  } else {
    Unexpected(t, " in @, expected timestamp");
  }
  if (negative) {
    seconds = -seconds;
  }
  constexpr double kLimit = 9.223372036854775807e18;
  if (!std::isfinite(seconds) || seconds * 1000 >= kLimit || seconds * 1000 <= -kLimit) {
    throw ParseFailure{t.pos, "timestamp out of bounds for @ modifier: " + FormatGoFixed(seconds)};
  }
  return AtModifier{.kind = AtModifier::Kind::kTimestamp,
                    .timestamp_ms = static_cast<std::int64_t>(std::llround(seconds * 1000))};
}

ExprPtr Parser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.kind) {
    case Tok::kNumber: {
      Next();
      return MakeExpr(t.pos, NumberLiteral{ParseNumber(t)});
    }
    case Tok::kString:
      Next();
      return MakeExpr(t.pos, StringLiteral{Unquote(t)});
    case Tok::kLParen: {
      Next();
      ExprPtr inner = ParseBinary(0);
      Expect(Tok::kRParen);
      return MakeExpr(t.pos, Paren{std::move(inner)});
    }
    case Tok::kLBrace:
      return ParseSelector("", t.pos);
    case Tok::kIdentifier:
      return ParseIdentifierExpr();
    default:
      Unexpected(t);
  }
}

ExprPtr Parser::ParseIdentifierExpr() {
  const Token& t = Next();
  std::string lower;
  for (const char c : t.text) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (lower == "inf" || lower == "nan") {
    return MakeExpr(t.pos,
                    NumberLiteral{lower == "inf" ? std::numeric_limits<double>::infinity()
                                                 : std::numeric_limits<double>::quiet_NaN()});
  }
  if (const auto agg = Aggregator(t.text)) {
    return ParseAggregate(*agg, t);
  }
  if (Peek().kind == Tok::kLParen) {
    return ParseCall(t);
  }
  if (IsKeyword(t.text)) {
    throw ParseFailure{t.pos, "unexpected <" + t.text + ">"};
  }
  return ParseSelector(t.text, t.pos);
}

ExprPtr Parser::ParseSelector(std::string name, int pos) {
  VectorSelector vs;
  if (Peek().kind == Tok::kLBrace) {
    vs.matchers = ParseMatchers();
  }
  if (!name.empty()) {
    for (const Matcher& m : vs.matchers) {
      if (m.name == "__name__") {
        throw ParseFailure{
            pos, "metric name must not be set twice: \"" + name + "\" or \"" + m.value + "\""};
      }
    }
    vs.matchers.insert(vs.matchers.begin(), *Matcher::Create(MatchType::kEqual, "__name__", name));
  }
  vs.name = std::move(name);
  const bool any_non_empty = std::any_of(vs.matchers.begin(), vs.matchers.end(),
                                         [](const Matcher& m) { return !m.Matches(""); });
  if (!any_non_empty) {
    throw ParseFailure{pos, "vector selector must contain at least one non-empty matcher"};
  }
  return MakeExpr(pos, std::move(vs));
}

std::vector<Matcher> Parser::ParseMatchers() {
  Expect(Tok::kLBrace);
  std::vector<Matcher> out;
  while (Peek().kind != Tok::kRBrace) {
    const Token& name = Peek();
    if (name.kind != Tok::kIdentifier || name.text.find(':') != std::string::npos) {
      Unexpected(name, " in label matching, expected identifier or \"}\"");
    }
    Next();
    const Token& op = Peek();
    MatchType type;
    switch (op.kind) {
      case Tok::kAssign:
        type = MatchType::kEqual;
        break;
      case Tok::kNeq:
        type = MatchType::kNotEqual;
        break;
      case Tok::kEqlRegex:
        type = MatchType::kRegexMatch;
        break;
      case Tok::kNeqRegex:
        type = MatchType::kRegexNoMatch;
        break;
      default:
        Unexpected(op, " in label matching, expected label matching operator");
    }
    Next();
    const Token& value = Expect(Tok::kString, " in label matching, expected string");
    auto m = Matcher::Create(type, name.text, Unquote(value));
    if (!m.ok()) {
      throw ParseFailure{value.pos, m.status().message()};
    }
    out.push_back(std::move(m).value());
    if (Peek().kind == Tok::kComma) {
      Next();
    } else if (Peek().kind != Tok::kRBrace) {
      Unexpected(Peek(), " in label matching, expected \",\" or \"}\"");
    }
  }
  Next();
  return out;
}

ExprPtr Parser::ParseCall(const Token& name) {
  const FunctionDef* f = FindFunction(name.text);
  if (f == nullptr) {
    throw ParseFailure{name.pos, "unknown function with name \"" + name.text + "\""};
  }
  Expect(Tok::kLParen);
  Call call{.func = f, .args = {}};
  while (Peek().kind != Tok::kRParen) {
    call.args.push_back(ParseBinary(0));
    if (Peek().kind == Tok::kComma) {
      Next();
    } else if (Peek().kind != Tok::kRParen) {
      Unexpected(Peek(), " in function call, expected \",\" or \")\"");
    }
  }
  Next();
  const std::size_t nargs = call.args.size();
  const std::size_t listed = f->arg_types.size();
  auto arity_error = [&](std::string_view bound, std::size_t n) {
    throw ParseFailure{name.pos, "expected " + std::string(bound) + std::to_string(n) +
                                     " argument(s) in call to \"" + name.text + "\", got " +
                                     std::to_string(nargs)};
  };
  if (f->variadic == 0) {
    if (nargs != listed) {
      arity_error("", listed);
    }
  } else {
    const std::size_t min_args = listed - 1;
    if (nargs < min_args) {
      arity_error("at least ", min_args);
    }
    if (f->variadic > 0 && nargs > min_args + static_cast<std::size_t>(f->variadic)) {
      arity_error("at most ", min_args + static_cast<std::size_t>(f->variadic));
    }
  }
  for (std::size_t i = 0; i < nargs; ++i) {
    const ValueType want = f->arg_types[std::min(i, listed - 1)];
    const ValueType got = call.args[i]->type();
    if (got != want) {
      throw ParseFailure{call.args[i]->pos, "expected type " + std::string(DocumentedType(want)) +
                                                " in call to function \"" + name.text + "\", got " +
                                                std::string(DocumentedType(got))};
    }
  }
  return MakeExpr(name.pos, std::move(call));
}

ExprPtr Parser::ParseAggregate(AggOp op, const Token& name) {
  Aggregate agg{.op = op, .expr = nullptr, .param = nullptr, .grouping = {}, .without = false};
  bool grouped = false;
  auto grouping = [&] {
    if (PeekIdent("by") || PeekIdent("without")) {
      if (grouped) {
        Unexpected(Peek());
      }
      agg.without = Next().text == "without";
      agg.grouping = ParseLabelList(" in grouping opts, expected label");
      grouped = true;
    }
  };
  grouping();
  Expect(Tok::kLParen, " in aggregation, expected \"(\"");
  std::vector<ExprPtr> args;
  while (Peek().kind != Tok::kRParen) {
    args.push_back(ParseBinary(0));
    if (Peek().kind == Tok::kComma) {
      Next();
    } else if (Peek().kind != Tok::kRParen) {
      Unexpected(Peek(), " in aggregation, expected \",\" or \")\"");
    }
  }
  Next();
  grouping();
  const std::size_t desired = AggOpTakesParam(op) ? 2 : 1;
  if (args.size() != desired) {
    throw ParseFailure{name.pos,
                       "wrong number of arguments for aggregate expression provided, "
                       "expected " +
                           std::to_string(desired) + ", got " + std::to_string(args.size())};
  }
  if (desired == 2) {
    agg.param = std::move(args[0]);
    args.erase(args.begin());
    const ValueType want = op == AggOp::kCountValues ? ValueType::kString : ValueType::kScalar;
    if (agg.param->type() != want) {
      throw ParseFailure{agg.param->pos, "expected type " + std::string(DocumentedType(want)) +
                                             " in aggregation parameter, got " +
                                             std::string(DocumentedType(agg.param->type()))};
    }
  }
  if (args[0]->type() != ValueType::kVector) {
    throw ParseFailure{args[0]->pos,
                       "expected type instant vector in aggregation expression, got " +
                           std::string(DocumentedType(args[0]->type()))};
  }
  agg.expr = std::move(args[0]);
  return MakeExpr(name.pos, std::move(agg));
}

std::vector<std::string> Parser::ParseLabelList(std::string_view context) {
  Expect(Tok::kLParen, context);
  std::vector<std::string> out;
  while (Peek().kind != Tok::kRParen) {
    const Token& t = Peek();
    if (t.kind != Tok::kIdentifier || !IsValidLabelName(t.text)) {
      Unexpected(t, context);
    }
    out.push_back(Next().text);
    if (Peek().kind == Tok::kComma) {
      Next();
    } else if (Peek().kind != Tok::kRParen) {
      Unexpected(Peek(), " in grouping opts, expected \",\" or \")\"");
    }
  }
  Next();
  return out;
}

std::int64_t Parser::ParseDurationToken(std::string_view context) {
  const Token& t = Peek();
  if (t.kind == Tok::kNumber) {
    throw ParseFailure{t.pos, "missing unit character in duration"};
  }
  if (t.kind != Tok::kDuration) {
    Unexpected(t, context);
  }
  Next();
  auto d = ParseDuration(t.text);
  if (!d.ok()) {
    throw ParseFailure{t.pos, d.status().message()};
  }
  if (*d == 0) {
    throw ParseFailure{t.pos, "duration must be greater than 0"};
  }
  return *d;
}

std::string Position(std::string_view query, int pos) {
  int line = 1;
  int last_break = -1;
  for (int i = 0; i < pos && i < static_cast<int>(query.size()); ++i) {
    if (query[static_cast<std::size_t>(i)] == '\n') {
      ++line;
      last_break = i;
    }
  }
  return std::to_string(line) + ":" + std::to_string(pos - last_break);
}

}  // namespace

Result<ExprPtr> ParseExpr(std::string_view query) {
  try {
    std::vector<Token> toks = Lex(query);
    return Parser(std::move(toks)).ParseAll();
  } catch (const ParseFailure& f) {
    return InvalidArgumentError(Position(query, f.pos) + ": parse error: " + f.message);
  }
}

}  // namespace obs::backend::query
