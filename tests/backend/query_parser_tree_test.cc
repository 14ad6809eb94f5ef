// PromQL tree shapes: operator precedence and associativity as in
// Prometheus 2.42's grammar, modifiers binding to the nearest operand, and
// the round trip parse(ExprToString(e)) == e over every node field for a
// large table of queries whose printed form Prometheus leaves unchanged.

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "obs/base/check.h"

#include "query/ast.h"
#include "query/functions.h"
#include "query/parser.h"

namespace obs::backend::query {
namespace {

ExprPtr MustParse(std::string_view q) {
  auto r = ParseExpr(q);
  OBS_CHECK(r.ok()) << q << ": " << r.status();
  return std::move(r).value();
}

std::string Number(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// Concatenation without `"literal" + std::string&&`, which trips gcc 12's
// -Wrestrict false positive at -O3.
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const std::string_view p : parts) {
    out.append(p);
  }
  return out;
}

// Operators and operands only: `(+ a (* b c))`, `(neg x)`, `[paren]`.
std::string Tree(const Expr& e) {
  if (const auto* b = std::get_if<Binary>(&e.node)) {
    return Cat({"(", BinOpString(b->op), " ", Tree(*b->lhs), " ", Tree(*b->rhs), ")"});
  }
  if (const auto* u = std::get_if<Unary>(&e.node)) {
    return Cat({u->negate ? "(neg " : "(pos ", Tree(*u->expr), ")"});
  }
  if (const auto* p = std::get_if<Paren>(&e.node)) {
    return Cat({"[", Tree(*p->expr), "]"});
  }
  return ExprToString(e);
}

std::string TreeOf(std::string_view q) {
  return Tree(*MustParse(q));
}

std::string AtText(const AtModifier& at) {
  return Cat({std::to_string(static_cast<int>(at.kind)), ":", std::to_string(at.timestamp_ms)});
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) {
    out.append(s).append(";");
  }
  return out;
}

std::string SelectorDump(const VectorSelector& vs) {
  std::vector<std::string> m;
  for (const Matcher& x : vs.matchers) {
    m.push_back(Cat({x.name, std::to_string(static_cast<int>(x.type)), x.value}));
  }
  std::sort(m.begin(), m.end());
  return Cat(
      {"sel(", vs.name, "|", Join(m), "|", std::to_string(vs.offset_ms), "|", AtText(vs.at), ")"});
}

// Every field of every node (positions aside).
std::string Dump(const Expr& e) {
  struct Visitor {
    std::string operator()(const NumberLiteral& n) const {
      return Cat({"num(", Number(n.value), ")"});
    }
    std::string operator()(const StringLiteral& s) const { return Cat({"str(", s.value, ")"}); }
    std::string operator()(const VectorSelector& vs) const { return SelectorDump(vs); }
    std::string operator()(const MatrixSelector& ms) const {
      return Cat({"matrix(", SelectorDump(ms.selector), std::to_string(ms.range_ms), ")"});
    }
    std::string operator()(const Subquery& s) const {
      return Cat({"subq(", Dump(*s.expr), "|", std::to_string(s.range_ms), "|",
                  std::to_string(s.step_ms), "|", std::to_string(s.offset_ms), "|", AtText(s.at),
                  ")"});
    }
    std::string operator()(const Call& c) const {
      std::string out = Cat({"call(", c.func->name});
      for (const auto& a : c.args) {
        out.append(",").append(Dump(*a));
      }
      return out.append(")");
    }
    std::string operator()(const Aggregate& a) const {
      return Cat({"agg(", AggOpString(a.op), "|", a.without ? "w" : "b", Join(a.grouping), "|",
                  a.param ? Dump(*a.param) : "-", "|", Dump(*a.expr), ")"});
    }
    std::string operator()(const Binary& b) const {
      const VectorMatching& m = b.matching;
      return Cat({"bin(", BinOpString(b.op), b.return_bool ? " bool" : "", "|",
                  std::to_string(static_cast<int>(m.card)), m.on ? "on" : "ig",
                  Join(m.matching_labels), "|", Join(m.include), "|", Dump(*b.lhs), "|",
                  Dump(*b.rhs), ")"});
    }
    std::string operator()(const Unary& u) const {
      return Cat({u.negate ? "neg(" : "pos(", Dump(*u.expr), ")"});
    }
    std::string operator()(const Paren& p) const { return Cat({"paren(", Dump(*p.expr), ")"}); }
  };
  return std::visit(Visitor{}, e.node);
}

TEST(PromqlTreeTest, BinaryOperatorPrecedence) {
  EXPECT_EQ(TreeOf("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(TreeOf("a * b + c"), "(+ (* a b) c)");
  EXPECT_EQ(TreeOf("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(TreeOf("a / b % c atan2 d"), "(atan2 (% (/ a b) c) d)");
  EXPECT_EQ(TreeOf("a * b ^ c"), "(* a (^ b c))");
  EXPECT_EQ(TreeOf("a ^ b ^ c"), "(^ a (^ b c))");
  EXPECT_EQ(TreeOf("a == b + c"), "(== a (+ b c))");
  EXPECT_EQ(TreeOf("a > b < c"), "(< (> a b) c)");
  EXPECT_EQ(TreeOf("a and b == c"), "(and a (== b c))");
  EXPECT_EQ(TreeOf("a or b and c"), "(or a (and b c))");
  EXPECT_EQ(TreeOf("a and b or c"), "(or (and a b) c)");
  EXPECT_EQ(TreeOf("a and b unless c"), "(unless (and a b) c)");
  EXPECT_EQ(TreeOf("a unless b and c"), "(and (unless a b) c)");
  EXPECT_EQ(TreeOf("a or b or c"), "(or (or a b) c)");
  EXPECT_EQ(TreeOf("(a + b) * c"), "(* [(+ a b)] c)");
}

TEST(PromqlTreeTest, UnaryBindsLikeMultiplication) {
  // Unary minus has MUL's precedence: `-2 ^ 2` is -(2 ^ 2), `-a * b` is (-a) * b.
  EXPECT_EQ(TreeOf("-a ^ 2"), "(neg (^ a 2))");
  EXPECT_EQ(TreeOf("-2 ^ 2"), "(neg (^ 2 2))");
  EXPECT_EQ(TreeOf("-a * b"), "(* (neg a) b)");
  EXPECT_EQ(TreeOf("-a + b"), "(+ (neg a) b)");
  EXPECT_EQ(TreeOf("2 ^ -1"), "(^ 2 -1)");
  EXPECT_EQ(TreeOf("a - -b"), "(- a (neg b))");
  EXPECT_EQ(TreeOf("+a"), "(pos a)");
  EXPECT_EQ(TreeOf("- -a"), "(neg (neg a))");
  // A sign folds into a number literal.
  EXPECT_EQ(TreeOf("- -1"), "1");
  EXPECT_EQ(TreeOf("-(1)"), "(neg [1])");
}

TEST(PromqlTreeTest, ModifiersBindToTheNearestOperand) {
  EXPECT_EQ(TreeOf("a + b offset 5m"), "(+ a b offset 5m)");
  EXPECT_EQ(TreeOf("-a offset 5m"), "(neg a offset 5m)");
  EXPECT_EQ(TreeOf("a * b @ 5 offset 1m"), "(* a b @ 5.000 offset 1m)");
  EXPECT_EQ(TreeOf("-a @ 5"), "(neg a @ 5.000)");
  auto e = MustParse("a + on (x) group_left (y) b");
  const auto& m = std::get<Binary>(e->node).matching;
  EXPECT_TRUE(m.on);
  EXPECT_EQ(m.card, Cardinality::kManyToOne);
  EXPECT_EQ(m.matching_labels, std::vector<std::string>{"x"});
  EXPECT_EQ(m.include, std::vector<std::string>{"y"});
  EXPECT_EQ(std::get<Binary>(MustParse("a and b")->node).matching.card, Cardinality::kManyToMany);
}

TEST(PromqlTreeTest, PrintedQueriesParseToTheSameTree) {
  const char* const queries[] = {
      "1",
      "1.5",
      "-Inf",
      "NaN",
      "Inf",
      "-0",
      "\"abc\"",
      "\"a\\nb\"",
      "\"a\\\"b\"",
      "\"é\"",
      "up",
      "{job=\"a\"}",
      "{job=~\".+\"}",
      "{job!=\"\"}",
      "{job!~\"\"}",
      "{__name__=\"up\"}",
      "{__name__=~\"u.*\",job=\"a\"}",
      "up{job=~\"a{1,2}\"}",
      "foo:bar",
      ":foo",
      "foo:bar{a=\"b\"}",
      "sum",
      "sum{a=\"b\"}",
      "by",
      "by{a=\"b\"}",
      "offset",
      "offset{a=\"b\"}",
      "and",
      "or",
      "unless",
      "start",
      "end",
      "start{a=\"b\"}",
      "avg_over_time",
      "rate",
      "rate{a=\"b\"}",
      "min",
      "count_values",
      "topk",
      "without",
      "up offset -5m",
      "up[1h5m]",
      "up[1ms]",
      "sum(up)[5m:]",
      "x @ end()",
      "x[5m] offset 5m",
      "rate(x[5m])[5m:] @ end()",
      "x == bool 1",
      "1 == bool 1",
      "{a!=\"\"}",
      "{a!~\"\"}",
      "{a=~\"x+\"}",
      "up[292y]",
      "x and and",
      "x or by",
      "x + offset",
      "sum by (a) (by)",
      "up{a=\"\\xff\"}",
      "\"\\xff\"",
      "123456",
      "123456.7",
      "0.0001",
      "0.000123",
      "1e-320",
      "x[1h30m:]",
      "rate(x[5m])[30m:1m] offset -1m",
      "topk(3, x)",
      "count_values without (a) (\"v\", x)",
      "quantile by (a) (0.9, x)",
      "a atan2 b",
      "a / ignoring (x) group_right () b",
      "a unless on () b",
      "+x",
      "-(1)",
      "-(-1)",
      "2 ^ 3 ^ 2",
      "-2 ^ 2",
      "-2 * 3",
      "-x ^ 2",
      "-x * 2",
      "(-x) ^ 2",
      "hour()",
      "label_join(x, \"d\", \",\", \"a\", \"b\")",
      "x[1w]",
      "x[8d]",
      "x[1y]",
      "x[366d]",
      "x[100ms]",
      "x offset 1d",
      "0.1",
      "100",
      "5e-324",
      "\"a\\tb\"",
      "\"\\u00a0\"",
      "\"\\x01\"",
      "\"\\x7f\"",
      "\"\\\\\"",
      "1 + 2 * 3 - 4 / 5 % 6 ^ 7",
      "a or b and c unless d",
      "a and b or c",
      "a == b + c",
      "a == bool b",
      "a > b < c",
      "a + b > bool c * d",
      "(a + b) * (c - d)",
      "a + b offset 5m",
      "sum(a) + sum(b)",
      "sum(a + b)",
      "group(x)",
      "stddev(x)",
      "stdvar(x)",
      "bottomk(2, x)",
      "min(x)",
      "count(x)",
      "avg(x)",
      "topk(-1, x)",
      "quantile(0.5 + 0.1, x)",
      "topk(scalar(x), y)",
      "abs(x)",
      "absent(x)",
      "absent_over_time(x[5m])",
      "ceil(x)",
      "changes(x[5m])",
      "clamp(x, 0, 1)",
      "clamp_max(x, 1)",
      "clamp_min(x, 1)",
      "day_of_month()",
      "day_of_week(x)",
      "day_of_year()",
      "days_in_month()",
      "delta(x[5m])",
      "deriv(x[5m])",
      "exp(x)",
      "floor(x)",
      "histogram_quantile(0.9, rate(x_bucket[5m]))",
      "holt_winters(x[5m], 0.5, 0.5)",
      "hour(x)",
      "idelta(x[5m])",
      "increase(x[5m])",
      "irate(x[5m])",
      "label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")",
      "ln(x)",
      "log2(x)",
      "log10(x)",
      "minute()",
      "month()",
      "predict_linear(x[5m], 60)",
      "rate(x[5m])",
      "resets(x[5m])",
      "round(x)",
      "round(x, 5)",
      "scalar(x)",
      "sgn(x)",
      "sort(x)",
      "sort_desc(x)",
      "sqrt(x)",
      "time()",
      "timestamp(x)",
      "vector(1)",
      "year()",
      "avg_over_time(x[5m])",
      "min_over_time(x[5m])",
      "max_over_time(x[5m])",
      "sum_over_time(x[5m])",
      "count_over_time(x[5m])",
      "quantile_over_time(0.5, x[5m])",
      "stddev_over_time(x[5m])",
      "stdvar_over_time(x[5m])",
      "last_over_time(x[5m])",
      "present_over_time(x[5m])",
      "acos(x)",
      "acosh(x)",
      "asin(x)",
      "asinh(x)",
      "atan(x)",
      "atanh(x)",
      "cos(x)",
      "cosh(x)",
      "sin(x)",
      "sinh(x)",
      "tan(x)",
      "tanh(x)",
      "deg(x)",
      "rad(x)",
      "pi()",
      "vector(time())",
      "time() + 1",
      "scalar(x) > bool 1",
      "x > 1",
      "1 < x",
      "x == x",
      "x + 1",
      "1 - x",
      "\"a\"",
      "label_join(x, \"d\", \",\")",
      "foo:bar:baz{a=\"b\"}[5m]",
      "max_over_time((rate(x[5m]) > 0)[1h:])",
      "sum_over_time(x[5m:1m] offset -5m)",
      "x offset -1h30m",
      "x @ 1609746000.123",
      "x @ end() offset 5m",
      "{__name__=\"x\"} offset 5m",
      "{job=\"a\"}[5m]",
      "x{a=\"\\n\"}",
      "x{a=\"\\\\\"}",
      "x{a=\"\\\"\"}",
      "x{a=\"é\\x01\"}",
      "a - -b",
      "a + +b",
      "1 - -1",
      "-(a)",
      "2 ^ -1",
      "a ^ b * c",
      "a * b ^ c",
      "a % b atan2 c",
      "a atan2 b * c",
      "a == bool b == bool c",
      "a or b or c",
      "a unless b and c",
      "(a)",
      "((a))",
      "(((1)))",
      "sum((a))",
      "rate((x[5m]))",
      "count_values by (a) (\"v\", x)",
      "topk by (a) (1, x)",
      "quantile without (a) (0.1, x)",
      "{a=\"b\"}",
      "{a=\"b\"} offset 1m",
      "{a=\"b\"}[1m]",
      "{a=\"b\"}[1m:]",
      "sum({a=\"b\"})",
      "rate({a=\"b\"}[1m])",
      "rate(x[5m]) + 1",
      "1 + sum(x)",
      "time() == bool time()",
      "-time()",
      "x[5m] @ start() offset -5m",
      "x:",
      "x offset 5m5s",
      "\"日本語\"",
      "\"\\xe6\"",
      "up{a=\"\\xe6\"}",
      "\"\\a\\b\\f\\v\\r\"",
      "\"\\x00\"",
      "up{a=~\"\\\\d\"}",
      "up{a=~\"[[:alpha:]]\"}",
      "x + on (a) group_left () y",
      "sum by (a) (x) > bool on (a) group_right (b, c) sum by (a) (y)",
      "max_over_time((rate(x[5m]) > 0)[1h:] @ end() offset -5m)",
  };
  for (const char* q : queries) {
    const ExprPtr first = MustParse(q);
    const std::string printed = ExprToString(*first);
    EXPECT_EQ(printed, q);
    auto again = ParseExpr(printed);
    ASSERT_TRUE(again.ok()) << printed << ": " << again.status();
    EXPECT_EQ(Dump(**again), Dump(*first)) << "query: " << q;
  }
}

}  // namespace
}  // namespace obs::backend::query
