// The PromQL parser's literals and nodes: every number, duration and string
// form with the value Prometheus 2.42 gives it, selectors with their
// matchers (keywords as metric and label names), offset/@ and range/subquery
// fields, and the duration helpers in literals.h.

#include <cmath>
#include <limits>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "query/ast.h"
#include "query/literals.h"
#include "query/parser.h"

namespace obs::backend::query {
namespace {

using ::obs::testing::IsOkAndHolds;
using ::obs::testing::StatusIs;
using ::testing::Eq;

double NumberOf(std::string_view q) {
  auto r = ParseExpr(q);
  OBS_CHECK(r.ok()) << q << ": " << r.status();
  return std::get<NumberLiteral>((*r)->node).value;
}

std::string StringOf(std::string_view q) {
  auto r = ParseExpr(q);
  OBS_CHECK(r.ok()) << q << ": " << r.status();
  return std::get<StringLiteral>((*r)->node).value;
}

ValueType TypeOf(std::string_view q) {
  auto r = ParseExpr(q);
  OBS_CHECK(r.ok()) << q << ": " << r.status();
  return (*r)->type();
}

TEST(PromqlParserTest, ParsesEveryNumberForm) {
  EXPECT_EQ(NumberOf("1"), 1);
  EXPECT_EQ(NumberOf("1.5"), 1.5);
  EXPECT_EQ(NumberOf(".5"), 0.5);
  EXPECT_EQ(NumberOf("5."), 5);
  EXPECT_EQ(NumberOf("1e3"), 1000);
  EXPECT_EQ(NumberOf("1E-3"), 0.001);
  EXPECT_EQ(NumberOf("1.5e+3"), 1500);
  EXPECT_EQ(NumberOf("0x1f"), 31);
  EXPECT_EQ(NumberOf("0X1F"), 31);
  EXPECT_EQ(NumberOf("0755"), 493);  // Go's ParseInt base 0: octal.
  EXPECT_EQ(NumberOf("089"), 89);    // Not octal: ParseFloat.
  EXPECT_EQ(NumberOf("1e-400"), 0);  // Underflow is not an error in Go.
  EXPECT_EQ(NumberOf("-2"), -2);     // The sign folds into the literal.
  EXPECT_EQ(NumberOf("Inf"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(NumberOf("-inf"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(NumberOf("+INF"), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(NumberOf("NaN")));
  EXPECT_TRUE(std::isnan(NumberOf("nAn")));
  EXPECT_TRUE(std::signbit(NumberOf("-0")));
}

TEST(PromqlParserTest, NumberLiteralErrorsQuoteGo) {
  EXPECT_THAT(ParseNumberLiteral("0x"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("error parsing number: strconv.ParseFloat: parsing \"0x\": invalid "
                          "syntax")));
  EXPECT_THAT(ParseNumberLiteral("1e400"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("error parsing number: strconv.ParseFloat: parsing \"1e400\": value out "
                          "of range")));
  // Beyond int64 hex needs ParseFloat, which wants a 'p' exponent.
  EXPECT_THAT(ParseNumberLiteral("0x10000000000000000"),
              StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("invalid syntax")));
}

TEST(PromqlParserTest, ParsesEveryStringForm) {
  EXPECT_EQ(StringOf("\"a\\nb\""), "a\nb");
  EXPECT_EQ(StringOf("'it\\'s'"), "it's");
  EXPECT_EQ(StringOf("\"say \\\"hi\\\"\""), "say \"hi\"");
  EXPECT_EQ(StringOf("`raw\\n`"), "raw\\n");
  EXPECT_EQ(StringOf("\"\\a\\b\\f\\r\\t\\v\\\\\""), "\a\b\f\r\t\v\\");
  EXPECT_EQ(StringOf("\"\\x41\\101\""), "AA");
  EXPECT_EQ(StringOf("\"\\377\""), "\xff");  // Octal and \x give raw bytes.
  EXPECT_EQ(StringOf("\"\\u00e9\""), "\xc3\xa9");
  EXPECT_EQ(StringOf("\"\\U0001F600\""), "\xf0\x9f\x98\x80");
  EXPECT_EQ(StringOf("\"\xe6\x97\xa5\""), "\xe6\x97\xa5");
  EXPECT_EQ(TypeOf("\"s\""), ValueType::kString);
}

TEST(PromqlParserTest, ParsesDurations) {
  EXPECT_THAT(ParseModelDuration("1y2w3d4h5m6s7ms"),
              IsOkAndHolds(365LL * 86400000 + 14LL * 86400000 + 3LL * 86400000 + 4 * 3600000 +
                           5 * 60000 + 6000 + 7));
  EXPECT_THAT(ParseModelDuration("100ms"), IsOkAndHolds(100));
  EXPECT_THAT(ParseModelDuration("1m5ms"), IsOkAndHolds(60005));
  EXPECT_THAT(ParseModelDuration("0"), IsOkAndHolds(0));
  EXPECT_THAT(ParseModelDuration("292y"), IsOkAndHolds(292LL * 365 * 86400000));
  EXPECT_THAT(ParseModelDuration("300y"),
              StatusIs(StatusCode::kInvalidArgument, Eq("duration out of range")));
  EXPECT_THAT(ParseModelDuration("5m1h"),
              StatusIs(StatusCode::kInvalidArgument, Eq("not a valid duration string: \"5m1h\"")));
  EXPECT_THAT(ParseModelDuration("1.5m"),
              StatusIs(StatusCode::kInvalidArgument, Eq("not a valid duration string: \"1.5m\"")));
  EXPECT_THAT(ParseDuration("5x"),
              StatusIs(StatusCode::kInvalidArgument, Eq("bad duration syntax: \"5x\"")));
  EXPECT_EQ(FormatModelDuration(90 * 60000), "1h30m");
  EXPECT_EQ(FormatModelDuration(379LL * 86400000), "379d");  // 1y2w: y and w only when exact.
  EXPECT_EQ(FormatModelDuration(14LL * 86400000), "2w");
  EXPECT_EQ(FormatModelDuration(0), "0s");
}

TEST(PromqlParserTest, SelectorsCarryMatchersAndModifiers) {
  auto r = ParseExpr("up{job=\"a\",x!~'b.*',} offset -5m @ 1609746000.123");
  ASSERT_OK(r);
  const auto& vs = std::get<VectorSelector>((*r)->node);
  EXPECT_EQ(vs.name, "up");
  ASSERT_EQ(vs.matchers.size(), 3U);
  EXPECT_EQ(vs.matchers[0].name, "__name__");
  EXPECT_EQ(vs.matchers[2].type, MatchType::kRegexNoMatch);
  EXPECT_EQ(vs.offset_ms, -300000);
  EXPECT_EQ(vs.at.kind, AtModifier::Kind::kTimestamp);
  EXPECT_EQ(vs.at.timestamp_ms, 1609746000123);
}

TEST(PromqlParserTest, KeywordsServeAsNamesWherePrometheusAllowsThem) {
  for (const char* q : {"sum", "by", "without", "offset", "and", "or", "unless", "start", "end",
                        "rate", "SUM{a=\"b\"}", "x and and", "x + offset",
                        "up{by=\"a\",on=\"b\",offset=\"c\",sum=\"d\",bool=\"e\",inf=\"f\"}",
                        "sum by (on, bool, atan2, sum, start, offset, group_left) (x)"}) {
    EXPECT_OK(ParseExpr(q)) << q;
  }
  EXPECT_EQ(std::get<VectorSelector>((*ParseExpr("SUM"))->node).name, "SUM");
  EXPECT_EQ(std::get<Aggregate>((*ParseExpr("SUM(x) BY (a)"))->node).grouping,
            std::vector<std::string>{"a"});
}

TEST(PromqlParserTest, BuildsRangeSubqueryAndAtNodes) {
  auto r = ParseExpr("max_over_time(rate(x[5m] @ end())[1h:1m] offset 5m @ start())");
  ASSERT_OK(r);
  const auto& call = std::get<Call>((*r)->node);
  const auto& sq = std::get<Subquery>(call.args[0]->node);
  EXPECT_EQ(sq.range_ms, 3600000);
  EXPECT_EQ(sq.step_ms, 60000);
  EXPECT_EQ(sq.offset_ms, 300000);
  EXPECT_EQ(sq.at.kind, AtModifier::Kind::kStart);
  const auto& ms = std::get<MatrixSelector>(std::get<Call>(sq.expr->node).args[0]->node);
  EXPECT_EQ(ms.range_ms, 300000);
  EXPECT_EQ(ms.selector.at.kind, AtModifier::Kind::kEnd);
  EXPECT_EQ(std::get<Subquery>((*ParseExpr("x[5m:]"))->node).step_ms, 0);
  EXPECT_EQ(TypeOf("x[5m]"), ValueType::kMatrix);
  EXPECT_EQ(TypeOf("x[5m:]"), ValueType::kMatrix);
}

TEST(PromqlParserTest, AggregationsTakeParameterAndGrouping) {
  auto r = ParseExpr("count_values without (a) (\"v\", x)");
  ASSERT_OK(r);
  const auto& agg = std::get<Aggregate>((*r)->node);
  EXPECT_EQ(agg.op, AggOp::kCountValues);
  EXPECT_TRUE(agg.without);
  EXPECT_EQ(std::get<StringLiteral>(agg.param->node).value, "v");
  EXPECT_TRUE(std::get<Aggregate>((*ParseExpr("sum without () (x)"))->node).without);
  EXPECT_EQ(std::get<Aggregate>((*ParseExpr("topk(3, x)"))->node).op, AggOp::kTopk);
}

TEST(PromqlParserTest, TypesFollowPrometheus) {
  EXPECT_EQ(TypeOf("1 + 2"), ValueType::kScalar);
  EXPECT_EQ(TypeOf("1 + up"), ValueType::kVector);
  EXPECT_EQ(TypeOf("1 < bool 2"), ValueType::kScalar);
  EXPECT_EQ(TypeOf("time()"), ValueType::kScalar);
  EXPECT_EQ(TypeOf("-(1)"), ValueType::kScalar);
  // Scalar operations drop their vector matching, as Prometheus does.
  EXPECT_FALSE(std::get<Binary>((*ParseExpr("1 + on () x"))->node).matching.on);
}

}  // namespace
}  // namespace obs::backend::query
