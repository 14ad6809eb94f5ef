// The PromQL parser; see parser.h.
//
// Prometheus parses in two phases and reports only the first error: the
// yacc grammar (syntax errors, plus checks done while reducing a rule:
// durations, numbers, regexes, offset/@ placement, unknown functions,
// aggregation arity), then, only if that succeeded, checkAST (types,
// arity, vector matching, selectors). This parser keeps the same split so
// that a query with several problems gets Prometheus's message: a
// recursive-descent/precedence-climbing pass that throws at the first
// syntax-phase error, then Check() walking the tree in checkAST's order.

#include "query/parser.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
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

[[noreturn]] void Fail(int pos, std::string message) {
  throw ParseFailure{pos, std::move(message)};
}

constexpr int kPowPrecedence = 6;

struct OpInfo {
  BinOp op;
  int precedence;
};

// Yacc's precedence table: or < and unless < comparisons < + - < * / % atan2 < ^.
std::optional<OpInfo> BinaryOperator(Tok kind) {
  switch (kind) {
    case Tok::kOr:
      return OpInfo{BinOp::kOr, 1};
    case Tok::kAnd:
      return OpInfo{BinOp::kAnd, 2};
    case Tok::kUnless:
      return OpInfo{BinOp::kUnless, 2};
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
    case Tok::kAtan2:
      return OpInfo{BinOp::kAtan2, 5};
    case Tok::kPow:
      return OpInfo{BinOp::kPow, kPowPrecedence};
    default:
      return std::nullopt;
  }
}

AggOp Aggregator(std::string_view name) {
  static constexpr std::pair<std::string_view, AggOp> kOps[] = {
      {"sum", AggOp::kSum},           {"avg", AggOp::kAvg},
      {"count", AggOp::kCount},       {"min", AggOp::kMin},
      {"max", AggOp::kMax},           {"group", AggOp::kGroup},
      {"stddev", AggOp::kStddev},     {"stdvar", AggOp::kStdvar},
      {"topk", AggOp::kTopk},         {"bottomk", AggOp::kBottomk},
      {"quantile", AggOp::kQuantile}, {"count_values", AggOp::kCountValues}};
  std::string lower(name);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (const auto& [n, op] : kOps) {
    if (n == lower) {
      return op;
    }
  }
  return AggOp::kSum;  // Unreachable: the lexer only tags the names above.
}

// Keywords the grammar's metric_identifier accepts as a metric name.
bool IsMetricNameKeyword(Tok k) {
  switch (k) {
    case Tok::kAggregator:
    case Tok::kBy:
    case Tok::kWithout:
    case Tok::kOffset:
    case Tok::kAnd:
    case Tok::kOr:
    case Tok::kUnless:
    case Tok::kStart:
    case Tok::kEnd:
      return true;
    default:
      return false;
  }
}

// Tokens the grammar's maybe_label accepts as a grouping label.
bool IsMaybeLabel(Tok k) {
  switch (k) {
    case Tok::kIdentifier:
    case Tok::kMetricIdentifier:
    case Tok::kAggregator:
    case Tok::kBool:
    case Tok::kBy:
    case Tok::kGroupLeft:
    case Tok::kGroupRight:
    case Tok::kIgnoring:
    case Tok::kAnd:
    case Tok::kOr:
    case Tok::kUnless:
    case Tok::kOffset:
    case Tok::kOn:
    case Tok::kStart:
    case Tok::kEnd:
    case Tok::kAtan2:
      return true;
    default:
      return false;
  }
}

// Tokens that can begin an expression (what may follow a bare group_left).
bool CanStartExpr(Tok k) {
  switch (k) {
    case Tok::kNumber:
    case Tok::kString:
    case Tok::kIdentifier:
    case Tok::kMetricIdentifier:
    case Tok::kLBrace:
    case Tok::kLParen:
    case Tok::kAdd:
    case Tok::kSub:
      return true;
    default:
      return IsMetricNameKeyword(k);
  }
}

ExprPtr MakeExpr(int pos, auto node) {
  auto e = std::make_unique<Expr>();
  e->node = std::move(node);
  e->pos = pos;
  return e;
}

// Go's regexp error for a pattern std::regex (or the nested-repetition
// check) rejected, as far as it can be told apart: Prometheus compiles
// "^(?:<pattern>)$" and quotes the offending part of that.
std::string RegexError(const std::string& pattern, const std::string& detail) {
  const std::string full = "^(?:" + pattern + ")$";
  if (const auto k = detail.find("invalid nested repetition operator"); k != std::string::npos) {
    return "error parsing regexp: " + detail.substr(k);
  }
  int depth = 0;
  bool in_class = false;
  std::size_t class_start = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      if (++i == pattern.size()) {
        ++depth;  // The trailing backslash escapes the wrapper's ')'.
      }
    } else if (in_class) {
      if (c == '-' && i > class_start + 1 && i + 1 < pattern.size() && pattern[i + 1] != ']' &&
          pattern[i + 1] < pattern[i - 1]) {
        return "error parsing regexp: invalid character class range: `" + pattern.substr(i - 1, 3) +
               "`";
      }
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
      class_start = i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth < 0) {
      return "error parsing regexp: unexpected ): `" + full + "`";
    }
  }
  if (in_class) {
    return "error parsing regexp: missing closing ]: `" + pattern.substr(class_start) + ")$`";
  }
  if (depth > 0) {
    return "error parsing regexp: missing closing ): `" + full + "`";
  }
  if (!pattern.empty() && (pattern[0] == '*' || pattern[0] == '+' || pattern[0] == '?')) {
    return "error parsing regexp: missing argument to repetition operator: `" +
           pattern.substr(0, 1) + "`";
  }
  return "error parsing regexp: invalid regular expression: `" + pattern + "`";
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}

  ExprPtr ParseAll() {
    if (Peek().kind == Tok::kEof) {
      Fail(0, "no expression found in input");
    }
    ExprPtr e = ParseBinary(0);
    if (Peek().kind != Tok::kEof) {
      UnexpectedInExpr();
    }
    Check(*e);
    return e;
  }

 private:
  const Token& Peek(std::size_t ahead = 0) const {
    return toks_[std::min(next_ + ahead, toks_.size() - 1)];
  }
  const Token& Next() {
    const Token& t = Peek();
    if (next_ < toks_.size() - 1) {
      ++next_;
    }
    return t;
  }

  // Prometheus's unexpected(): the offending token, the grammar rule that
  // caught the error and what it expected. A lexer error wins.
  [[noreturn]] void Unexpected(const Token& t, std::string_view context) const {
    if (t.kind == Tok::kError) {
      Fail(t.pos, t.text);
    }
    if (t.kind == Tok::kRParen && &t == &Peek() && Peek(1).kind == Tok::kError) {
      Fail(Peek(1).pos, Peek(1).text);  // An unbalanced ')' fails in the lexer first.
    }
    Fail(t.pos, "unexpected " + DescribeToken(t) + std::string(context));
  }
  // In expression position the nearest rule with error recovery is the
  // enclosing aggregation, if any.
  [[noreturn]] void UnexpectedInExpr() const {
    Unexpected(Peek(), agg_depth_ > 0 ? " in aggregation" : "");
  }

  ExprPtr ParseBinary(int min_prec);
  VectorMatching ParseBinModifiers(bool& return_bool);
  ExprPtr ParseBinaryNested(int min_prec);
  ExprPtr ParseUnary();
  ExprPtr ParsePrimary();
  ExprPtr ParsePostfix(ExprPtr e);
  void ParseRangeOrSubquery(ExprPtr& e);
  void ParseOffset(Expr& e);
  void ParseAt(Expr& e);
  ExprPtr ParseNumber(const Token& t);
  ExprPtr ParseSelector(const Token& name);
  std::vector<Matcher> ParseMatchers();
  std::vector<ExprPtr> ParseCallBody();
  ExprPtr ParseCall();
  ExprPtr ParseAggregate();
  std::vector<std::string> ParseGroupingLabels();
  std::int64_t ParseDurationToken();

  // checkAST.
  ValueType Check(Expr& e);
  void ExpectType(Expr& e, ValueType want, std::string_view context);
  void CheckBinary(Expr& e, Binary& b);
  void CheckCall(const Expr& e, Call& c);
  static void CheckSelector(const Expr& e, const VectorSelector& vs);

  // Composite nodes go through Nest(), which bounds the tree's depth: the
  // printer, the checker, the evaluator and the destructors all recurse.
  template <typename Node>
  ExprPtr Nest(int pos, Node node, std::initializer_list<const Expr*> children);

  std::vector<Token> toks_;
  std::size_t next_ = 0;
  int agg_depth_ = 0;
  int recursion_ = 0;  // Active ParseBinary calls.
  std::unordered_map<const Expr*, int> depth_;
  // Operator positions of binary expressions, for checkAST's messages.
  std::unordered_map<const Expr*, int> op_pos_;
};

// Prometheus has no limit (Go stacks grow); ours keeps a hostile query
// from exhausting the thread's stack. 256 levels is far beyond any real
// query and leaves room for sanitizer builds, whose frames are several
// times larger (1000 levels overflowed an 8 MiB stack under ASan).
constexpr int kMaxDepth = 256;

template <typename Node>
ExprPtr Parser::Nest(int pos, Node node, std::initializer_list<const Expr*> children) {
  int depth = 1;
  for (const Expr* c : children) {
    const auto it = depth_.find(c);
    depth = std::max(depth, 1 + (it == depth_.end() ? 1 : it->second));
  }
  if (depth > kMaxDepth) {
    Fail(pos, "expression nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
  }
  ExprPtr e = MakeExpr(pos, std::move(node));
  depth_[e.get()] = depth;
  return e;
}

ExprPtr Parser::ParseBinary(int min_prec) {
  // Every nesting (parentheses, arguments, signs, right operands) passes
  // through here.
  if (recursion_ >= kMaxDepth) {
    Fail(Peek().pos,
         "expression nested too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
  }
  ++recursion_;
  ExprPtr e = ParseBinaryNested(min_prec);
  --recursion_;
  return e;
}

ExprPtr Parser::ParseBinaryNested(int min_prec) {
  ExprPtr lhs = ParseUnary();
  while (true) {
    const auto op = BinaryOperator(Peek().kind);
    if (!op || op->precedence < min_prec) {
      return lhs;
    }
    const int op_pos = Next().pos;
    bool return_bool = false;
    VectorMatching matching = ParseBinModifiers(return_bool);
    // `^` is right-associative; everything else is left-associative.
    const int next_min = op->op == BinOp::kPow ? op->precedence : op->precedence + 1;
    ExprPtr rhs = ParseBinary(next_min);
    const int pos = lhs->pos;
    const Expr* children[] = {lhs.get(), rhs.get()};
    lhs = Nest(pos,
               Binary{.op = op->op,
                      .lhs = std::move(lhs),
                      .rhs = std::move(rhs),
                      .return_bool = return_bool,
                      .matching = std::move(matching)},
               {children[0], children[1]});
    op_pos_[lhs.get()] = op_pos;
  }
}

VectorMatching Parser::ParseBinModifiers(bool& return_bool) {
  VectorMatching m;
  if (Peek().kind == Tok::kBool) {
    Next();
    return_bool = true;
  }
  if (Peek().kind != Tok::kOn && Peek().kind != Tok::kIgnoring) {
    return m;
  }
  m.on = Next().kind == Tok::kOn;
  m.matching_labels = ParseGroupingLabels();
  if (Peek().kind == Tok::kGroupLeft || Peek().kind == Tok::kGroupRight) {
    m.card = Next().kind == Tok::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
    // The label list is optional; without one an expression must follow.
    if (Peek().kind == Tok::kLParen || !CanStartExpr(Peek().kind)) {
      m.include = ParseGroupingLabels();
    }
  }
  return m;
}

ExprPtr Parser::ParseUnary() {
  if (Peek().kind != Tok::kAdd && Peek().kind != Tok::kSub) {
    return ParsePostfix(ParsePrimary());
  }
  const Token& op = Next();
  const bool negate = op.kind == Tok::kSub;
  // The unary rule has MUL's precedence: it takes a `^` but not a `*`.
  ExprPtr operand = ParseBinary(kPowPrecedence);
  if (auto* num = std::get_if<NumberLiteral>(&operand->node)) {
    // Prometheus folds a sign into a number literal.
    if (negate) {
      num->value = -num->value;
    }
    operand->pos = op.pos;
    return operand;
  }
  const Expr* child = operand.get();
  return Nest(op.pos, Unary{.negate = negate, .expr = std::move(operand)}, {child});
}

ExprPtr Parser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.kind) {
    case Tok::kNumber:
      return ParseNumber(Next());
    case Tok::kString: {
      Next();
      auto v = UnquoteString(t.text);
      if (!v.ok()) {
        Fail(t.pos, v.status().message());
      }
      return MakeExpr(t.pos, StringLiteral{std::move(v).value()});
    }
    case Tok::kLParen: {
      Next();
      ExprPtr inner = ParseBinary(0);
      if (Peek().kind != Tok::kRParen) {
        UnexpectedInExpr();
      }
      Next();
      const Expr* child = inner.get();
      return Nest(t.pos, Paren{std::move(inner)}, {child});
    }
    case Tok::kLBrace:
      return ParseSelector(t);
    case Tok::kIdentifier:
      if (Peek(1).kind == Tok::kLParen) {
        return ParseCall();
      }
      return ParseSelector(Next());
    case Tok::kAggregator:
      if (Peek(1).kind == Tok::kLParen || Peek(1).kind == Tok::kBy ||
          Peek(1).kind == Tok::kWithout) {
        return ParseAggregate();
      }
      return ParseSelector(Next());
    default:
      if (t.kind == Tok::kMetricIdentifier || IsMetricNameKeyword(t.kind)) {
        return ParseSelector(Next());
      }
      UnexpectedInExpr();
  }
}

ExprPtr Parser::ParseNumber(const Token& t) {
  auto v = ParseNumberLiteral(t.text);
  if (!v.ok()) {
    Fail(t.pos, v.status().message());
  }
  return MakeExpr(t.pos, NumberLiteral{*v});
}

ExprPtr Parser::ParsePostfix(ExprPtr e) {
  while (true) {
    switch (Peek().kind) {
      case Tok::kLBracket:
        ParseRangeOrSubquery(e);
        break;
      case Tok::kOffset:
        ParseOffset(*e);
        break;
      case Tok::kAt:
        ParseAt(*e);
        break;
      default:
        return e;
    }
  }
}

void Parser::ParseRangeOrSubquery(ExprPtr& e) {
  const int bracket = Next().pos;
  if (Peek().kind != Tok::kDuration) {
    Unexpected(Peek(), " in subquery selector, expected duration");
  }
  const std::int64_t range = ParseDurationToken();
  if (Peek().kind == Tok::kColon) {
    Next();
    std::int64_t step = 0;
    if (Peek().kind == Tok::kDuration) {
      step = ParseDurationToken();
      if (Peek().kind != Tok::kRBracket) {
        Unexpected(Peek(), " in subquery selector, expected \"]\"");
      }
    } else if (Peek().kind != Tok::kRBracket) {
      Unexpected(Peek(), " in subquery selector, expected duration or \"]\"");
    }
    Next();
    const int start = e->pos;
    const Expr* child = e.get();
    e = Nest(
        start,
        Subquery{
            .expr = std::move(e), .range_ms = range, .step_ms = step, .offset_ms = 0, .at = {}},
        {child});
    return;
  }
  if (Peek().kind != Tok::kRBracket) {
    Unexpected(Peek(), " in subquery or range, expected \":\" or \"]\"");
  }
  Next();
  auto* vs = std::get_if<VectorSelector>(&e->node);
  if (vs == nullptr) {
    Fail(bracket, "ranges only allowed for vector selectors");
  }
  if (vs->offset_ms != 0) {
    Fail(bracket, "no offset modifiers allowed before range");
  }
  if (vs->at.present()) {
    Fail(bracket, "no @ modifiers allowed before range");
  }
  e = MakeExpr(e->pos, MatrixSelector{.selector = std::move(*vs), .range_ms = range});
}

// The offset / @ fields of a selector or subquery; null for other nodes.
std::int64_t* OffsetSlot(Expr& e) {
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

AtModifier* AtSlot(Expr& e) {
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

void Parser::ParseOffset(Expr& e) {
  Next();
  const bool negative = Peek().kind == Tok::kSub;
  if (negative) {
    Next();
  }
  if (Peek().kind != Tok::kDuration) {
    Unexpected(Peek(), " in offset, expected duration");
  }
  const std::int64_t off = ParseDurationToken();
  std::int64_t* slot = OffsetSlot(e);
  if (slot == nullptr) {
    Fail(e.pos,
         "offset modifier must be preceded by an instant vector selector or range vector "
         "selector or a subquery");
  }
  if (*slot != 0) {
    Fail(e.pos, "offset may not be set multiple times");
  }
  *slot = negative ? -off : off;
}

void Parser::ParseAt(Expr& e) {
  Next();
  AtModifier at;
  if (Peek().kind == Tok::kStart || Peek().kind == Tok::kEnd) {
    at.kind = Next().kind == Tok::kStart ? AtModifier::Kind::kStart : AtModifier::Kind::kEnd;
    for (const Tok want : {Tok::kLParen, Tok::kRParen}) {
      if (Peek().kind != want) {
        Unexpected(Peek(), " in @, expected timestamp");
      }
      Next();
    }
  } else {
    bool negative = false;
    if (Peek().kind == Tok::kAdd || Peek().kind == Tok::kSub) {
      negative = Next().kind == Tok::kSub;
    }
    if (Peek().kind != Tok::kNumber) {
      Unexpected(Peek(), " in @, expected timestamp");
    }
    double seconds = std::get<NumberLiteral>(ParseNumber(Next())->node).value;
    if (negative) {
      seconds = -seconds;
    }
    constexpr double kLimit = 9223372036854775807.0;  // float64(math.MaxInt64) == 2^63.
    if (!std::isfinite(seconds) || seconds >= kLimit || seconds <= -kLimit) {
      Fail(e.pos, "timestamp out of bounds for @ modifier: " + FormatGoFixed(seconds));
    }
    // timestamp.FromFloatSeconds: int64(math.Round(s * 1000)); Go's
    // conversion of an out-of-range float yields math.MinInt64 on amd64.
    const double ms = std::round(seconds * 1000);
    at.kind = AtModifier::Kind::kTimestamp;
    at.timestamp_ms = std::abs(ms) < kLimit ? static_cast<std::int64_t>(ms)
                                            : std::numeric_limits<std::int64_t>::min();
  }
  AtModifier* slot = AtSlot(e);
  if (slot == nullptr) {
    Fail(e.pos,
         "@ modifier must be preceded by an instant vector selector or range vector selector "
         "or a subquery");
  }
  if (slot->present()) {
    Fail(e.pos, "@ <timestamp> may not be set multiple times");
  }
  *slot = at;
}

ExprPtr Parser::ParseSelector(const Token& name) {
  VectorSelector vs;
  if (name.kind != Tok::kLBrace) {
    vs.name = name.text;
  }
  if (Peek().kind == Tok::kLBrace) {
    vs.matchers = ParseMatchers();
  }
  if (!vs.name.empty()) {
    vs.matchers.insert(vs.matchers.begin(),
                       *Matcher::Create(MatchType::kEqual, "__name__", vs.name));
  }
  return MakeExpr(name.pos, std::move(vs));
}

std::vector<Matcher> Parser::ParseMatchers() {
  Next();  // `{`
  std::vector<Matcher> out;
  while (Peek().kind != Tok::kRBrace) {
    const Token& label = Peek();
    if (label.kind != Tok::kIdentifier) {
      Unexpected(label, " in label matching, expected identifier or \"}\"");
    }
    Next();
    MatchType type = MatchType::kEqual;
    switch (Peek().kind) {
      case Tok::kAssign:
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
        Unexpected(Peek(), " in label matching, expected label matching operator");
    }
    Next();
    if (Peek().kind != Tok::kString) {
      Unexpected(Peek(), " in label matching, expected string");
    }
    auto value = UnquoteString(Next().text);
    if (!value.ok()) {
      Fail(label.pos, value.status().message());
    }
    auto m = Matcher::Create(type, label.text, *value);
    if (!m.ok()) {
      Fail(label.pos, RegexError(*value, m.status().message()));
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

// `(args)` of a call or an aggregation.
std::vector<ExprPtr> Parser::ParseCallBody() {
  Next();  // `(`
  std::vector<ExprPtr> args;
  if (Peek().kind == Tok::kRParen) {
    Next();
    return args;
  }
  while (true) {
    args.push_back(ParseBinary(0));
    if (Peek().kind == Tok::kRParen) {
      Next();
      return args;
    }
    if (Peek().kind != Tok::kComma) {
      UnexpectedInExpr();
    }
    const int comma = Next().pos;
    if (Peek().kind == Tok::kRParen) {
      Fail(comma, "trailing commas not allowed in function call args");
    }
  }
}

ExprPtr Parser::ParseCall() {
  const Token& name = Next();
  std::vector<ExprPtr> args = ParseCallBody();
  const FunctionDef* f = FindFunction(name.text);
  if (f == nullptr) {
    Fail(name.pos, "unknown function with name " + GoQuote(name.text));
  }
  const Expr* widest = nullptr;
  int deepest = 0;
  for (const ExprPtr& a : args) {
    const auto it = depth_.find(a.get());
    if (const int d = it == depth_.end() ? 1 : it->second; d > deepest) {
      deepest = d;
      widest = a.get();
    }
  }
  return Nest(name.pos, Call{.func = f, .args = std::move(args)}, {widest});
}

ExprPtr Parser::ParseAggregate() {
  const Token& name = Next();
  Aggregate agg{.op = Aggregator(name.text),
                .expr = nullptr,
                .param = nullptr,
                .grouping = {},
                .without = false};
  ++agg_depth_;
  bool modifier = false;
  auto parse_modifier = [&] {
    agg.without = Next().kind == Tok::kWithout;
    agg.grouping = ParseGroupingLabels();
    modifier = true;
  };
  if (Peek().kind == Tok::kBy || Peek().kind == Tok::kWithout) {
    parse_modifier();
  }
  if (Peek().kind != Tok::kLParen) {
    UnexpectedInExpr();
  }
  std::vector<ExprPtr> args = ParseCallBody();
  if (!modifier && (Peek().kind == Tok::kBy || Peek().kind == Tok::kWithout)) {
    parse_modifier();
  }
  --agg_depth_;
  if (args.empty()) {
    Fail(name.pos, "no arguments for aggregate expression provided");
  }
  const std::size_t desired = AggOpTakesParam(agg.op) ? 2 : 1;
  if (args.size() != desired) {
    Fail(name.pos, "wrong number of arguments for aggregate expression provided, expected " +
                       std::to_string(desired) + ", got " + std::to_string(args.size()));
  }
  if (desired == 2) {
    agg.param = std::move(args[0]);
  }
  agg.expr = std::move(args.back());
  const Expr* children[] = {agg.expr.get(), agg.param.get()};
  return Nest(name.pos, std::move(agg), {children[0], children[1]});
}

std::vector<std::string> Parser::ParseGroupingLabels() {
  if (Peek().kind != Tok::kLParen) {
    Unexpected(Peek(), " in grouping opts, expected \"(\"");
  }
  Next();
  std::vector<std::string> out;
  if (Peek().kind == Tok::kRParen) {
    Next();
    return out;
  }
  while (true) {
    const Token& t = Peek();
    if (!IsMaybeLabel(t.kind) || !IsValidLabelName(t.text)) {
      Unexpected(t, " in grouping opts, expected label");
    }
    out.push_back(Next().text);
    if (Peek().kind == Tok::kComma) {
      Next();
      if (Peek().kind == Tok::kRParen) {
        Next();
        return out;
      }
    } else if (Peek().kind == Tok::kRParen) {
      Next();
      return out;
    } else {
      Unexpected(Peek(), " in grouping opts, expected \",\" or \")\"");
    }
  }
}

std::int64_t Parser::ParseDurationToken() {
  const Token& t = Next();
  auto d = ParseModelDuration(t.text);
  if (!d.ok()) {
    Fail(t.pos, d.status().message());
  }
  if (*d == 0) {
    Fail(t.pos, "duration must be greater than 0");
  }
  return *d;
}

// ---- checkAST ----

ValueType Parser::Check(Expr& e) {
  if (auto* b = std::get_if<Binary>(&e.node)) {
    CheckBinary(e, *b);
  } else if (auto* c = std::get_if<Call>(&e.node)) {
    CheckCall(e, *c);
  } else if (auto* a = std::get_if<Aggregate>(&e.node)) {
    ExpectType(*a->expr, ValueType::kVector, "aggregation expression");
    if (a->op == AggOp::kTopk || a->op == AggOp::kBottomk || a->op == AggOp::kQuantile) {
      ExpectType(*a->param, ValueType::kScalar, "aggregation parameter");
    } else if (a->op == AggOp::kCountValues) {
      ExpectType(*a->param, ValueType::kString, "aggregation parameter");
    }
  } else if (auto* p = std::get_if<Paren>(&e.node)) {
    Check(*p->expr);
  } else if (auto* u = std::get_if<Unary>(&e.node)) {
    const ValueType t = Check(*u->expr);
    if (t != ValueType::kScalar && t != ValueType::kVector) {
      Fail(e.pos,
           "unary expression only allowed on expressions of type scalar or instant vector, got "
           "\"" +
               std::string(DocumentedType(t)) + "\"");
    }
  } else if (auto* s = std::get_if<Subquery>(&e.node)) {
    const ValueType t = Check(*s->expr);
    if (t != ValueType::kVector) {
      Fail(e.pos, "subquery is only allowed on instant vector, got " +
                      std::string(ResultTypeName(t)) + " instead");
    }
  } else if (auto* m = std::get_if<MatrixSelector>(&e.node)) {
    CheckSelector(e, m->selector);
  } else if (auto* v = std::get_if<VectorSelector>(&e.node)) {
    CheckSelector(e, *v);
  }
  return e.type();
}

void Parser::ExpectType(Expr& e, ValueType want, std::string_view context) {
  const ValueType got = Check(e);
  if (got != want) {
    Fail(e.pos, "expected type " + std::string(DocumentedType(want)) + " in " +
                    std::string(context) + ", got " + std::string(DocumentedType(got)));
  }
}

void Parser::CheckBinary(Expr& e, Binary& b) {
  const ValueType lt = Check(*b.lhs);
  const ValueType rt = Check(*b.rhs);
  const int op_pos = op_pos_.at(&e);
  if (b.return_bool && !IsComparison(b.op)) {
    Fail(op_pos, "bool modifier can only be used on comparison operators");
  }
  if (IsComparison(b.op) && !b.return_bool && lt == ValueType::kScalar &&
      rt == ValueType::kScalar) {
    Fail(op_pos, "comparisons between scalars must use BOOL modifier");
  }
  VectorMatching& m = b.matching;
  if (IsSetOperator(b.op) && m.card == Cardinality::kOneToOne) {
    m.card = Cardinality::kManyToMany;
  }
  if (m.on) {
    for (const std::string& l : m.matching_labels) {
      if (std::find(m.include.begin(), m.include.end(), l) != m.include.end()) {
        Fail(op_pos, "label " + GoQuote(l) + " must not occur in ON and GROUP clause at once");
      }
    }
  }
  auto operand_ok = [](ValueType t) {
    return t == ValueType::kScalar || t == ValueType::kVector;
  };
  if (!operand_ok(lt)) {
    Fail(b.lhs->pos, "binary expression must contain only scalar and instant vector types");
  }
  if (!operand_ok(rt)) {
    Fail(b.rhs->pos, "binary expression must contain only scalar and instant vector types");
  }
  const std::string op_name = GoQuote(BinOpString(b.op));
  if (lt != ValueType::kVector || rt != ValueType::kVector) {
    if (!m.matching_labels.empty()) {
      Fail(e.pos, "vector matching only allowed between instant vectors");
    }
    m = VectorMatching{};  // Prometheus drops the matching of scalar operations.
  } else if (IsSetOperator(b.op) &&
             (m.card == Cardinality::kOneToMany || m.card == Cardinality::kManyToOne)) {
    Fail(e.pos, "no grouping allowed for " + op_name + " operation");
  }
  if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOperator(b.op)) {
    Fail(e.pos, "set operator " + op_name + " not allowed in binary scalar expression");
  }
}

void Parser::CheckCall(const Expr& e, Call& c) {
  const FunctionDef& f = *c.func;
  const std::size_t listed = f.arg_types.size();
  const std::size_t nargs = c.args.size();
  const std::string name = GoQuote(f.name);
  auto arity_error = [&](std::string_view bound, std::size_t n) {
    Fail(e.pos, "expected " + std::string(bound) + std::to_string(n) + " argument(s) in call to " +
                    name + ", got " + std::to_string(nargs));
  };
  if (f.variadic == 0) {
    if (nargs != listed) {
      arity_error("", listed);
    }
  } else if (nargs + 1 < listed) {
    arity_error("at least ", listed - 1);
  } else if (f.variadic > 0 && nargs > listed - 1 + static_cast<std::size_t>(f.variadic)) {
    arity_error("at most ", listed - 1 + static_cast<std::size_t>(f.variadic));
  }
  for (std::size_t i = 0; i < nargs; ++i) {
    ExpectType(*c.args[i], f.arg_types[std::min(i, listed - 1)], "call to function " + name);
  }
}

void Parser::CheckSelector(const Expr& e, const VectorSelector& vs) {
  if (!vs.name.empty()) {
    // The first matcher is the name given outside the braces.
    for (std::size_t i = 1; i < vs.matchers.size(); ++i) {
      if (vs.matchers[i].name == "__name__") {
        Fail(e.pos, "metric name must not be set twice: " + GoQuote(vs.name) + " or " +
                        GoQuote(vs.matchers[i].value));
      }
    }
    return;  // The name is a non-empty matcher.
  }
  const bool any_non_empty = std::any_of(vs.matchers.begin(), vs.matchers.end(),
                                         [](const Matcher& m) { return !m.Matches(""); });
  if (!any_non_empty) {
    Fail(e.pos, "vector selector must contain at least one non-empty matcher");
  }
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
    return Parser(Lex(query)).ParseAll();
  } catch (const ParseFailure& f) {
    return InvalidArgumentError(Position(query, f.pos) + ": parse error: " + f.message);
  }
}

}  // namespace obs::backend::query
