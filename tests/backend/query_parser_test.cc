// The PromQL parser: accepted queries (via their AST text and types) and
// rejected queries with Prometheus-style messages and positions.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "query/ast.h"
#include "query/parser.h"

namespace obs::backend::query {
namespace {

using ::obs::testing::StatusIs;
using ::testing::HasSubstr;

std::string Parsed(std::string_view q) {
  auto r = ParseExpr(q);
  if (!r.ok()) {
    return "ERROR " + r.status().message();
  }
  return ExprToString(**r);
}

ValueType TypeOf(std::string_view q) {
  auto r = ParseExpr(q);
  OBS_CHECK(r.ok()) << r.status();
  return (*r)->type();
}

TEST(PromqlParserTest, ParsesLiteralsAndSelectors) {
  EXPECT_EQ(Parsed("1"), "1");
  EXPECT_EQ(Parsed("-1.5e3"), "-1500");
  EXPECT_EQ(Parsed("0x10"), "16");
  EXPECT_EQ(Parsed("Inf"), "+Inf");
  EXPECT_EQ(Parsed("\"a\\nb\""), "\"a\\nb\"");
  EXPECT_EQ(Parsed("`raw\\n`"), "\"raw\\\\n\"");
  EXPECT_EQ(Parsed("up"), "up");
  EXPECT_EQ(Parsed("up{job=\"a\",x!~'b.*',}"), "up{job=\"a\",x!~\"b.*\"}");
  EXPECT_EQ(Parsed("{__name__=~\"u.\"}"), "{__name__=~\"u.\"}");
  EXPECT_EQ(Parsed("foo:bar_total"), "foo:bar_total");
  EXPECT_EQ(Parsed("up[5m]"), "up[5m]");
  EXPECT_EQ(Parsed("up[1h30m] offset 1m"), "up[1h30m] offset 1m");
  EXPECT_EQ(Parsed("up offset -10s"), "up offset -10s");
}

TEST(PromqlParserTest, ParsesDurations) {
  EXPECT_THAT(ParseDuration("1y2w3d4h5m6s7ms"),
              ::obs::testing::IsOkAndHolds(365LL * 86400000 + 14LL * 86400000 + 3LL * 86400000 +
                                           4 * 3600000 + 5 * 60000 + 6000 + 7));
  EXPECT_THAT(ParseDuration("100ms"), ::obs::testing::IsOkAndHolds(100));
  EXPECT_THAT(ParseDuration("5m1h"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("bad duration syntax: \"5m1h\"")));
  EXPECT_THAT(ParseDuration("5x"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("bad")));
}

TEST(PromqlParserTest, RespectsPrecedenceAndAssociativity) {
  EXPECT_EQ(Parsed("1 + 2 * 3"), "1 + 2 * 3");
  EXPECT_EQ(Parsed("(1 + 2) * 3"), "(1 + 2) * 3");
  EXPECT_EQ(Parsed("-2 ^ 2"), "-2 ^ 2");
  EXPECT_EQ(Parsed("-up ^ 2"), "-up ^ 2");
  EXPECT_EQ(Parsed("a or b and c"), "a or b and c");
  EXPECT_EQ(Parsed("a > bool on (x) b"), "a > bool on (x) b");
  EXPECT_EQ(TypeOf("1 + 2"), ValueType::kScalar);
  EXPECT_EQ(TypeOf("1 + up"), ValueType::kVector);
  EXPECT_EQ(TypeOf("up[5m]"), ValueType::kMatrix);
  EXPECT_EQ(TypeOf("\"s\""), ValueType::kString);
}

TEST(PromqlParserTest, ParsesCallsAndAggregations) {
  EXPECT_EQ(Parsed("rate(http_total[5m])"), "rate(http_total[5m])");
  EXPECT_EQ(Parsed("sum by (job) (up)"), "sum by (job) (up)");
  EXPECT_EQ(Parsed("sum(up) by (job, instance)"), "sum by (job, instance) (up)");
  EXPECT_EQ(Parsed("count without (x) (up)"), "count without (x) (up)");
  EXPECT_EQ(Parsed("avg(rate(x[1m]))"), "avg(rate(x[1m]))");
  EXPECT_EQ(Parsed("time()"), "time()");
  EXPECT_EQ(Parsed("max(sum by (a) (up))"), "max(sum by (a) (up))");
}

TEST(PromqlParserTest, PrintsLikePrometheusAndRoundTrips) {
  // Expected texts are Prometheus 2.42's String() output (checked against
  // its /api/v1/format_query for these short expressions).
  const std::pair<const char*, const char*> cases[] = {
      {"sum(rate(x[5m]))by(job)", "sum by (job) (rate(x[5m]))"},
      {"a+on(x)group_left(y)b offset 5m @ 100", "a + on (x) group_left (y) b @ 100.000 offset 5m"},
      {"x[1h30m:]", "x[1h30m:]"},
      {"rate(x[5m])[30m:1m] offset -1m", "rate(x[5m])[30m:1m] offset -1m"},
      {"x @ start()", "x @ start()"},
      {"x[5m] @ end() offset 1m", "x[5m] @ end() offset 1m"},
      {"topk(3, x)", "topk(3, x)"},
      {"count_values without (a) (\"v\", x)", "count_values without (a) (\"v\", x)"},
      {"quantile by (a) (0.9, x)", "quantile by (a) (0.9, x)"},
      {"a atan2 b", "a atan2 b"},
      {"a / ignoring (x) group_right () b", "a / ignoring (x) group_right () b"},
      {"a unless on () b", "a unless on () b"},
      {"x{b=\"2\",a=\"1\"}", "x{a=\"1\",b=\"2\"}"},
      {"+x", "+x"},
      {"- - 1", "1"},
      {"2 ^ 3 ^ 2", "2 ^ 3 ^ 2"},
      {"hour()", "hour()"},
      {"label_join(x, \"d\", \",\", \"a\", \"b\")", "label_join(x, \"d\", \",\", \"a\", \"b\")"},
      {"x[1w]", "x[1w]"},
      {"x[100ms]", "x[100ms]"},
      {"x offset 1d", "x offset 1d"},
      {"0x1F", "31"},
      {"NaN", "NaN"},
      {"-Inf", "-Inf"},
      {".5", "0.5"},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(Parsed(in), want) << in;
    EXPECT_EQ(Parsed(want), want) << "round trip of " << want;
  }
}

TEST(PromqlParserTest, AcceptsLazyRepetitionAndClasses) {
  for (const char* q : {"up{a=~\"b*?\"}", "up{a=~\"[*+]+\"}", "up{a=~\"\\\\*+\"}",
                        "up{a=~\"(?:b*)+\"}", "up{a=~\"b{2,3}?\"}"}) {
    EXPECT_TRUE(ParseExpr(q).ok()) << q << ": " << ParseExpr(q).status();
  }
}

TEST(PromqlParserTest, BuildsSubqueryAndAtNodes) {
  auto r = ParseExpr("max_over_time(rate(x[5m] @ 1609746000.123)[1h:1m] offset 5m)");
  ASSERT_OK(r);
  const auto& call = std::get<Call>((*r)->node);
  const auto& sq = std::get<Subquery>(call.args[0]->node);
  EXPECT_EQ(sq.range_ms, 3600000);
  EXPECT_EQ(sq.step_ms, 60000);
  EXPECT_EQ(sq.offset_ms, 300000);
  const auto& inner = std::get<Call>(sq.expr->node);
  const auto& ms = std::get<MatrixSelector>(inner.args[0]->node);
  EXPECT_EQ(ms.selector.at.kind, AtModifier::Kind::kTimestamp);
  EXPECT_EQ(ms.selector.at.timestamp_ms, 1609746000123);
}

TEST(PromqlParserTest, PrecedenceMatchesPrometheus) {
  auto op_of = [](std::string_view q) {
    auto r = ParseExpr(q);
    OBS_CHECK(r.ok()) << r.status();
    return std::string(BinOpString(std::get<Binary>((*r)->node).op));
  };
  EXPECT_EQ(op_of("a or b and c"), "or");
  EXPECT_EQ(op_of("a and b unless c"), "unless");  // Same level: left-assoc.
  EXPECT_EQ(op_of("a == b + c"), "==");
  EXPECT_EQ(op_of("a + b * c"), "+");
  EXPECT_EQ(op_of("a * b atan2 c"), "atan2");  // Same level as *: left-assoc.
  EXPECT_EQ(op_of("a * b ^ c"), "*");
  EXPECT_EQ(op_of("a ^ b ^ c"), "^");
  auto r = ParseExpr("a ^ b ^ c");
  ASSERT_OK(r);
  // Right-associative: a ^ (b ^ c).
  EXPECT_TRUE(std::holds_alternative<Binary>(std::get<Binary>((*r)->node).rhs->node));
  // Unary minus binds looser than ^: -2 ^ 2 == -(2 ^ 2).
  auto u = ParseExpr("-x ^ 2");
  ASSERT_OK(u);
  EXPECT_TRUE(std::holds_alternative<Unary>((*u)->node));
}

struct BadQuery {
  const char* query;
  const char* error;
};

TEST(PromqlParserTest, RejectsBadQueriesWithPositions) {
  const BadQuery cases[] = {
      {"1+", "1:3: parse error: unexpected end of input"},
      {"", "1:1: parse error: unexpected end of input"},
      {"up{", "1:4: parse error: unexpected end of input inside braces"},
      {"(1))", "1:4: parse error: unexpected right parenthesis ')'"},
      {"sum(up", "1:7: parse error: unclosed left parenthesis"},
      {"up}", "1:3: parse error: unexpected character: '}'"},
      {"1 2", "1:3: parse error: unexpected number \"2\""},
      {"up up", "1:4: parse error: unexpected identifier \"up\""},
      {"*1", "1:1: parse error: unexpected <op:*>"},
      {"{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"{a=\"\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"{a=~\".*\"}", "1:1: parse error: vector selector must contain at least one non-empty"},
      {"up{a=b}",
       "1:6: parse error: unexpected identifier \"b\" in label matching, expected string"},
      {"up{a}", "1:5: parse error: unexpected \"}\" in label matching, expected label matching"},
      {"up{a=~\"(\"}", "1:7: parse error: invalid regular expression"},
      {"up{a=~\"b**\"}", "invalid nested repetition operator: `**`"},
      {"up{a=~\"b+*\"}", "invalid nested repetition operator"},
      {"up{a=~\"b{2}*\"}", "invalid nested repetition operator"},
      {"foo{__name__=\"bar\"}", "1:1: parse error: metric name must not be set twice"},
      {"nope(up)", "1:1: parse error: unknown function with name \"nope\""},
      {"rate(up)",
       "1:6: parse error: expected type range vector in call to function \"rate\", "
       "got instant vector"},
      {"rate(up[5m], 1)", "1:1: parse error: expected 1 argument(s) in call to \"rate\", got 2"},
      {"sum(up[5m])",
       "1:5: parse error: expected type instant vector in aggregation expression, "
       "got range vector"},
      {"sum(1)",
       "1:5: parse error: expected type instant vector in aggregation expression, got "
       "scalar"},
      {"1 == 1", "1:1: parse error: comparisons between scalars must use BOOL modifier"},
      {"1 and up", "1:1: parse error: set operator \"and\" not allowed in binary scalar"},
      {"up + bool up", "1:1: parse error: bool modifier can only be used on comparison"},
      {"up[5m] + 1", "1:1: parse error: binary expression must contain only scalar and instant"},
      {"up[5]", "1:4: parse error: missing unit character in duration"},
      {"up[0s]", "1:4: parse error: duration must be greater than 0"},
      {"up[5mm]", "1:4: parse error: bad duration syntax: \"5mm\""},
      {"(up)[5m]", "1:5: parse error: ranges only allowed for vector selectors"},
      {"up[5m:1m][1m]", "1:10: parse error: ranges only allowed for vector selectors"},
      {"up[5m][1m:]", "1:1: parse error: subquery is only allowed on instant vector, got range"},
      {"up offset 1m [5m]", "1:14: parse error: no offset modifiers allowed before range"},
      {"up @ 10 [5m]", "1:9: parse error: no @ modifiers allowed before range"},
      {"up @ 1 @ 2", "1:8: parse error: @ <timestamp> may not be set multiple times"},
      {"sum(up) @ 1", "1:9: parse error: @ modifier must be preceded by an instant vector"},
      {"up @ Inf", "1:6: parse error: timestamp out of bounds for @ modifier: +Inf"},
      {"up @ foo", "1:6: parse error: unexpected identifier \"foo\" in @, expected timestamp"},
      {"topk(up)",
       "1:1: parse error: wrong number of arguments for aggregate expression "
       "provided, expected 2, got 1"},
      {"topk(\"a\", up)",
       "1:6: parse error: expected type scalar in aggregation parameter, "
       "got string"},
      {"count_values(1, up)",
       "1:14: parse error: expected type string in aggregation "
       "parameter, got scalar"},
      {"round()", "1:1: parse error: expected at least 1 argument(s) in call to \"round\", got 0"},
      {"round(up, 1, 2)",
       "1:1: parse error: expected at most 2 argument(s) in call to "
       "\"round\", got 3"},
      {"label_join(up)",
       "1:1: parse error: expected at least 3 argument(s) in call to "
       "\"label_join\", got 1"},
      {"up + group_left up", "1:6: parse error: unexpected"},
      {"up + on (a) group_left (a) up", "parse error: label \"a\" must not occur in ON and GROUP"},
      {"1 offset 5m", "1:3: parse error: offset modifier must be preceded by an instant vector"},
      {"up offset 1m offset 2m", "1:14: parse error: offset may not be set multiple times"},
      {"\"abc", "1:1: parse error: unterminated quoted string"},
      {"up $", "1:4: parse error: unexpected character: '$'"},
      {"sum by (job) (up) by (x)", "1:19: parse error: unexpected identifier \"by\""},
      {"-\"a\"", "1:1: parse error: unary expression only allowed on expressions of type scalar"},
      {"up\n  +", "2:4: parse error: unexpected end of input"},
  };
  for (const BadQuery& c : cases) {
    EXPECT_THAT(ParseExpr(c.query), StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.error)))
        << "query: " << c.query;
  }
}

}  // namespace
}  // namespace obs::backend::query
