// PromQL parse errors: each query with the exact message and line:column
// Prometheus 2.42 gives (collected from its /api/v1/format_query). Covers
// the lexer (strings, escapes, numbers, durations, braces, brackets),
// grammar errors with their context ("in grouping opts", "in aggregation",
// "in @", ...), checks done while parsing (durations, regexes, offset and @
// placement, unknown functions, aggregation arity) and checkAST's type
// errors, which only show once the syntax is valid.

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

#include "query/parser.h"

namespace obs::backend::query {
namespace {

using ::obs::testing::StatusIs;
using ::testing::Eq;

struct BadQuery {
  const char* query;
  const char* error;
};

TEST(PromqlParserErrorsTest, MatchPrometheusTextAndPosition) {
  const BadQuery cases[] = {
      {"0x",
       "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"0x\": invalid "
       "syntax"},
      {"1_000", "1:1: parse error: bad number or duration syntax: \"1\""},
      {"1e",
       "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e\": invalid "
       "syntax"},
      {"1e400",
       "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e400\": value out "
       "of range"},
      {"5m", "1:1: parse error: unexpected duration \"5m\""},
      {"\"\\q\"", "1:1: parse error: unknown escape sequence U+0071 'q'"},
      {"\"\\x4\"", "1:1: parse error: illegal character U+0022 '\"' in escape sequence"},
      {"\"\\400\"", "1:1: parse error: escape sequence is an invalid Unicode code point"},
      {"'\\\"'", "1:1: parse error: unknown escape sequence U+0022 '\"'"},
      {"\"\\'\"", "1:1: parse error: unknown escape sequence U+0027 '''"},
      {"\"a", "1:1: parse error: unterminated quoted string"},
      {"'abc", "1:1: parse error: unterminated quoted string"},
      {"`abc", "1:1: parse error: unterminated raw string"},
      {"{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"{job=\"\"}",
       "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"up{job=\"a\",,}",
       "1:12: parse error: unexpected \",\" in label matching, expected identifier or \"}\""},
      {"up{,}",
       "1:4: parse error: unexpected \",\" in label matching, expected identifier or \"}\""},
      {"up{job=\"a\" instance=\"b\"}",
       "1:12: parse error: unexpected identifier \"instance\" in label matching, expected \",\" or "
       "\"}\""},
      {"up{__name__=\"up\"}",
       "1:1: parse error: metric name must not be set twice: \"up\" or \"up\""},
      {"up{__name__=~\"up\"}",
       "1:1: parse error: metric name must not be set twice: \"up\" or \"up\""},
      {"up{job=\"a\"}{x=\"b\"}", "1:12: parse error: unexpected \"{\""},
      {"up{job=a}",
       "1:8: parse error: unexpected identifier \"a\" in label matching, expected string"},
      {"up{job=\"a\"", "1:11: parse error: unexpected end of input inside braces"},
      {"up{job}",
       "1:7: parse error: unexpected \"}\" in label matching, expected label matching operator"},
      {"up{\"job\"=\"a\"}",
       "1:4: parse error: unexpected string \"\\\"job\\\"\" in label matching, expected identifier "
       "or \"}\""},
      {"up{job==\"a\"}", "1:8: parse error: unexpected \"=\" in label matching, expected string"},
      {"up{job=~\"(\"}", "1:4: parse error: error parsing regexp: missing closing ): `^(?:()$`"},
      {"up{a:b=\"c\"}", "1:5: parse error: unexpected character inside braces: ':'"},
      {"on", "1:1: parse error: unexpected <on>"},
      {"on{a=\"b\"}", "1:1: parse error: unexpected <on>"},
      {"ignoring", "1:1: parse error: unexpected <ignoring>"},
      {"group_left", "1:1: parse error: unexpected <group_left>"},
      {"bool", "1:1: parse error: unexpected <bool>"},
      {"atan2", "1:1: parse error: unexpected <op:atan2>"},
      {"inf{a=\"b\"}", "1:4: parse error: unexpected \"{\""},
      {"sum(1 +)", "1:8: parse error: unexpected \")\" in aggregation"},
      {"sum(rate(1 +))", "1:13: parse error: unexpected \")\" in aggregation"},
      {"sum x", "1:5: parse error: unexpected identifier \"x\""},
      {"sum by (a) x", "1:12: parse error: unexpected identifier \"x\" in aggregation"},
      {"sum(x) by", "1:10: parse error: unexpected end of input in grouping opts, expected \"(\""},
      {"sum(x) by (a", "1:13: parse error: unclosed left parenthesis"},
      {"sum(x) by (a,,)", "1:14: parse error: unexpected \",\" in grouping opts, expected label"},
      {"sum(x) by (a b)",
       "1:14: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\""},
      {"sum(x) by (\"a\")",
       "1:12: parse error: unexpected string \"\\\"a\\\"\" in grouping opts, expected label"},
      {"sum(x) by (1)",
       "1:12: parse error: unexpected number \"1\" in grouping opts, expected label"},
      {"sum(x) by (foo:bar)",
       "1:12: parse error: unexpected metric identifier \"foo:bar\" in grouping opts, expected "
       "label"},
      {"rate(x[5m],)", "1:11: parse error: trailing commas not allowed in function call args"},
      {"rate()", "1:1: parse error: expected 1 argument(s) in call to \"rate\", got 0"},
      {"up @@", "1:5: parse error: unexpected \"<Item 57385>\" <op:@> in @, expected timestamp"},
      {"up @ ", "1:6: parse error: unexpected end of input in @, expected timestamp"},
      {"up offset", "1:10: parse error: unexpected end of input in offset, expected duration"},
      {"up offset 5", "1:11: parse error: unexpected number \"5\" in offset, expected duration"},
      {"up offset --5m", "1:12: parse error: unexpected <op:-> in offset, expected duration"},
      {"up offset +5m", "1:11: parse error: unexpected <op:+> in offset, expected duration"},
      {"up[5m", "1:6: parse error: unclosed left bracket"},
      {"up[5m:", "1:7: parse error: unclosed left bracket"},
      {"up[5m 1m]",
       "1:7: parse error: unexpected duration \"1m\" in subquery or range, expected \":\" or "
       "\"]\""},
      {"up[5m:1m 2]",
       "1:10: parse error: unexpected number \"2\" in subquery selector, expected \"]\""},
      {"up[]", "1:4: parse error: missing unit character in duration"},
      {"up[x]", "1:4: parse error: bad duration syntax: \"\""},
      {"up[5m:x]", "1:7: parse error: unexpected colon 'x'"},
      {"up[1.5m]", "1:4: parse error: not a valid duration string: \"1.5m\""},
      {"up[5mm]", "1:4: parse error: bad duration syntax: \"5mm\""},
      {"up[5m5m]", "1:4: parse error: not a valid duration string: \"5m5m\""},
      {"up[0m]", "1:4: parse error: duration must be greater than 0"},
      {"up[-5m]", "1:4: parse error: missing unit character in duration"},
      {"up[5m:0s]", "1:7: parse error: duration must be greater than 0"},
      {"up{a=\"b\"} offset 5m [5m]", "1:21: parse error: no offset modifiers allowed before range"},
      {"(up)[5m]", "1:5: parse error: ranges only allowed for vector selectors"},
      {"sum(up)[5m]", "1:8: parse error: ranges only allowed for vector selectors"},
      {"1[5m:]",
       "1:1: parse error: subquery is only allowed on instant vector, got scalar instead"},
      {"\"a\"[5m:]",
       "1:1: parse error: subquery is only allowed on instant vector, got string instead"},
      {"up[5m][5m:]",
       "1:1: parse error: subquery is only allowed on instant vector, got matrix instead"},
      {"up[5m:][5m:]",
       "1:1: parse error: subquery is only allowed on instant vector, got matrix instead"},
      {"-up[5m]",
       "1:1: parse error: unary expression only allowed on expressions of type scalar or instant "
       "vector, got \"range vector\""},
      {"-up[5m:]",
       "1:1: parse error: unary expression only allowed on expressions of type scalar or instant "
       "vector, got \"range vector\""},
      {"1 + \"a\"",
       "1:5: parse error: binary expression must contain only scalar and instant vector types"},
      {"\"a\" + 1",
       "1:1: parse error: binary expression must contain only scalar and instant vector types"},
      {"sum(x) + ", "1:10: parse error: unexpected end of input"},
      {"x @ start", "1:10: parse error: unexpected end of input in @, expected timestamp"},
      {"x @ 5 @ 6", "1:1: parse error: @ <timestamp> may not be set multiple times"},
      {"x offset 5m offset 6m", "1:1: parse error: offset may not be set multiple times"},
      {"x @ 1e20",
       "1:1: parse error: timestamp out of bounds for @ modifier: 100000000000000000000.000000"},
      {"x @ NaN", "1:1: parse error: timestamp out of bounds for @ modifier: NaN"},
      {"x @ Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf"},
      {"x @ -Inf", "1:1: parse error: timestamp out of bounds for @ modifier: -Inf"},
      {"x @ \"a\"", "1:5: parse error: unexpected string \"\\\"a\\\"\" in @, expected timestamp"},
      {"x @ 5m", "1:5: parse error: unexpected duration \"5m\" in @, expected timestamp"},
      {"1 @ 5",
       "1:1: parse error: @ modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"\"a\" @ 5",
       "1:1: parse error: @ modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"(x) offset 5m",
       "1:1: parse error: offset modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"x @ 5 [5m]", "1:7: parse error: no @ modifiers allowed before range"},
      {"x offset 5m [5m]", "1:13: parse error: no offset modifiers allowed before range"},
      {"(1))", "1:5: parse error: unexpected right parenthesis ')'"},
      {"1)", "1:3: parse error: unexpected right parenthesis ')'"},
      {"(1]", "1:3: parse error: unexpected right bracket ']'"},
      {"up]", "1:3: parse error: unexpected right bracket ']'"},
      {"up{{}", "1:4: parse error: unexpected left brace '{'"},
      {"up{a=\"b\"}}", "1:10: parse error: unexpected character: '}'"},
      {"up{a=\"b\"", "1:9: parse error: unexpected end of input inside braces"},
      {"up{a!", "1:5: parse error: unexpected character after '!' inside braces: '�'"},
      {"up{a!\"b\"}", "1:5: parse error: unexpected character after '!' inside braces: '\"'"},
      {"up !~ x", "1:4: parse error: unexpected character after '!': '~'"},
      {"up =~ x", "1:4: parse error: unexpected character after '=': '~'"},
      {"up $", "1:4: parse error: unexpected character: '$'"},
      {"up{a=\"b\"$}", "1:9: parse error: unexpected character inside braces: '$'"},
      {"\"\\é\"", "1:1: parse error: unknown escape sequence U+00E9 'é'"},
      {"`", "1:1: parse error: unterminated raw string"},
      {"\"abc\\", "1:1: parse error: escape sequence not terminated"},
      {"\"\\xZZ\"", "1:1: parse error: illegal character U+005A 'Z' in escape sequence"},
      {"\"\\u12\"", "1:1: parse error: illegal character U+0022 '\"' in escape sequence"},
      {"\"\\uD800\"", "1:1: parse error: escape sequence is an invalid Unicode code point"},
      {"\"abcdefghijklm\" +", "1:18: parse error: unexpected end of input"},
      {"12345678901234 12", "1:16: parse error: unexpected number \"12\""},
      {"1234567890123 12", "1:15: parse error: unexpected number \"12\""},
      {"up 12345678901", "1:4: parse error: unexpected number \"1234567890\"..."},
      {"up 5m", "1:4: parse error: unexpected duration \"5m\""},
      {"up 5m5", "1:4: parse error: bad number or duration syntax: \"5m5\""},
      {"sum(x) by (inf)",
       "1:12: parse error: unexpected number \"inf\" in grouping opts, expected label"},
      {"x @@ 5", "1:4: parse error: unexpected \"<Item 57385>\" <op:@> in @, expected timestamp"},
      {"x + on", "1:7: parse error: unexpected end of input in grouping opts, expected \"(\""},
      {"x + on(", "1:8: parse error: unclosed left parenthesis"},
      {"x + on x",
       "1:8: parse error: unexpected identifier \"x\" in grouping opts, expected \"(\""},
      {"x + group_left(a) y", "1:5: parse error: unexpected <group_left>"},
      {"x + bool on(a) y",
       "1:3: parse error: bool modifier can only be used on comparison operators"},
      {"x + on(a) bool y", "1:11: parse error: unexpected <bool>"},
      {"1 == 1", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
      {"1 > 2", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
      {"x and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
      {"1 and x", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
      {"x and bool y", "1:3: parse error: bool modifier can only be used on comparison operators"},
      {"x and on(a) group_left y", "1:1: parse error: no grouping allowed for \"and\" operation"},
      {"x and ignoring() group_left y",
       "1:1: parse error: no grouping allowed for \"and\" operation"},
      {"1 + on(a) x", "1:1: parse error: vector matching only allowed between instant vectors"},
      {"1 + ignoring(a) x",
       "1:1: parse error: vector matching only allowed between instant vectors"},
      {"x + on(a) group_left(a) y",
       "1:3: parse error: label \"a\" must not occur in ON and GROUP clause at once"},
      {"x + on(a, b) group_left(c, b) y",
       "1:3: parse error: label \"b\" must not occur in ON and GROUP clause at once"},
      {"sum(1 2 $)", "1:7: parse error: unexpected number \"2\" in aggregation"},
      {"x offset 5 $", "1:10: parse error: unexpected number \"5\" in offset, expected duration"},
      {"sum by (a b $",
       "1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\""},
      {"", "1:1: parse error: no expression found in input"},
      {"   ", "1:1: parse error: no expression found in input"},
      {"x @ 1e400",
       "1:5: parse error: error parsing number: strconv.ParseFloat: parsing \"1e400\": value out "
       "of range"},
      {"up[300y]", "1:4: parse error: duration out of range"},
      {"up[5m:5]",
       "1:7: parse error: unexpected number \"5\" in subquery selector, expected duration or "
       "\"]\""},
      {"sum(x y)", "1:7: parse error: unexpected identifier \"y\" in aggregation"},
      {"rate(x y)", "1:8: parse error: unexpected identifier \"y\""},
      {"sum()", "1:1: parse error: no arguments for aggregate expression provided"},
      {"sum(x,)", "1:6: parse error: trailing commas not allowed in function call args"},
      {"topk(1,2,3)",
       "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, "
       "got 3"},
      {"count_values(\"a\")",
       "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, "
       "got 1"},
      {"1 \"abcdefghijklm\"", "1:3: parse error: unexpected string \"\\\"abcdefghi\"..."},
      {"x @ start() @ end()", "1:1: parse error: @ <timestamp> may not be set multiple times"},
      {"1 @ Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf"},
      {"sum(x) offset 5m offset 6m",
       "1:1: parse error: offset modifier must be preceded by an instant vector selector or range "
       "vector selector or a subquery"},
      {"x offset 5m @ 3 offset 1m", "1:1: parse error: offset may not be set multiple times"},
      {"mad_over_time(x[5m])", "1:1: parse error: unknown function with name \"mad_over_time\""},
      {"sort_by_label(x, \"a\")", "1:1: parse error: unknown function with name \"sort_by_label\""},
      {"round()", "1:1: parse error: expected at least 1 argument(s) in call to \"round\", got 0"},
      {"rate(x)",
       "1:6: parse error: expected type range vector in call to function \"rate\", got instant "
       "vector"},
      {"rate(x[5m], 1)", "1:1: parse error: expected 1 argument(s) in call to \"rate\", got 2"},
      {"vector(\"a\")",
       "1:8: parse error: expected type scalar in call to function \"vector\", got string"},
      {"histogram_quantile(x, y)",
       "1:20: parse error: expected type scalar in call to function \"histogram_quantile\", got "
       "instant vector"},
      {"absent(1)",
       "1:8: parse error: expected type instant vector in call to function \"absent\", got scalar"},
      {"scalar(x[5m])",
       "1:8: parse error: expected type instant vector in call to function \"scalar\", got range "
       "vector"},
      {"x offset 5m offset",
       "1:19: parse error: unexpected end of input in offset, expected duration"},
      {"max_over_time(x[5m:]) by (a)", "1:23: parse error: unexpected <by>"},
      {"sum(x) by (a) by (b)", "1:15: parse error: unexpected <by>"},
      {"sum by (a) without (b) (x)", "1:12: parse error: unexpected <without> in aggregation"},
      {"sum by (a)", "1:11: parse error: unexpected end of input in aggregation"},
      {"sum(\"a\")",
       "1:5: parse error: expected type instant vector in aggregation expression, got string"},
      {"topk(x, y)",
       "1:6: parse error: expected type scalar in aggregation parameter, got instant vector"},
      {"quantile(\"a\", x)",
       "1:10: parse error: expected type scalar in aggregation parameter, got string"},
      {"count_values(x, y)",
       "1:14: parse error: expected type string in aggregation parameter, got instant vector"},
      {"count_values(\"a\", \"b\")",
       "1:19: parse error: expected type instant vector in aggregation expression, got string"},
      {"rate(sum(x))",
       "1:6: parse error: expected type range vector in call to function \"rate\", got instant "
       "vector"},
      {"label_replace(x, 1, \"b\", \"c\", \"d\")",
       "1:18: parse error: expected type string in call to function \"label_replace\", got scalar"},
      {"round(x, \"a\")",
       "1:10: parse error: expected type scalar in call to function \"round\", got string"},
      {"foo{a=\"b\" b=\"c\"}",
       "1:11: parse error: unexpected identifier \"b\" in label matching, expected \",\" or \"}\""},
      {"sum(rate(x[5m]) by (a))", "1:17: parse error: unexpected <by> in aggregation"},
      {"x[5m:1m:1m]", "1:8: parse error: unexpected colon ':'"},
      {"x[5m]:", "1:6: parse error: unexpected metric identifier \":\""},
      {"\"abc\\z\"", "1:1: parse error: unknown escape sequence U+007A 'z'"},
      {"up{a=~\"(\"}", "1:4: parse error: error parsing regexp: missing closing ): `^(?:()$`"},
      {"up{a=~\")\"}", "1:4: parse error: error parsing regexp: unexpected ): `^(?:))$`"},
      {"up{a=~\"[a\"}", "1:4: parse error: error parsing regexp: missing closing ]: `[a)$`"},
      {"up{a=~\"a)\"}", "1:4: parse error: error parsing regexp: unexpected ): `^(?:a))$`"},
      {"up{a=~\"*\"}",
       "1:4: parse error: error parsing regexp: missing argument to repetition operator: `*`"},
      {"up{a=~\"a**\"}",
       "1:4: parse error: error parsing regexp: invalid nested repetition operator: `**`"},
      {"up{a=~\"a+*\"}",
       "1:4: parse error: error parsing regexp: invalid nested repetition operator: `+*`"},
      {"up{a=~\"+a\"}",
       "1:4: parse error: error parsing regexp: missing argument to repetition operator: `+`"},
      {"up{a=~\"[z-a]\"}",
       "1:4: parse error: error parsing regexp: invalid character class range: `z-a`"},
  };
  for (const BadQuery& c : cases) {
    EXPECT_THAT(ParseExpr(c.query), StatusIs(StatusCode::kInvalidArgument, Eq(c.error)))
        << "query: " << c.query;
  }
}

TEST(PromqlParserErrorsTest, SyntaxErrorsWinOverTypeErrors) {
  // checkAST only runs on a syntactically valid query.
  EXPECT_THAT(ParseExpr("{} + 1 +"), StatusIs(StatusCode::kInvalidArgument,
                                              Eq("1:9: parse error: unexpected end of input")));
  // The call's argument is checked before the binary expression's operand types.
  EXPECT_THAT(ParseExpr("\"a\" + rate(x)"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("1:12: parse error: expected type range vector in call to function "
                          "\"rate\", got instant vector")));
  // Children are checked before their parent.
  EXPECT_THAT(ParseExpr("sum(rate(x))"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("1:10: parse error: expected type range vector in call to function "
                          "\"rate\", got instant vector")));
}

TEST(PromqlParserErrorsTest, FunctionArityAndArgumentTypes) {
  const BadQuery cases[] = {
      {"rate(x)",
       "1:6: parse error: expected type range vector in call to function \"rate\", got instant "
       "vector"},
      {"rate(x[5m], 1)", "1:1: parse error: expected 1 argument(s) in call to \"rate\", got 2"},
      {"round()", "1:1: parse error: expected at least 1 argument(s) in call to \"round\", got 0"},
      {"round(x, 1, 2)",
       "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3"},
      {"label_join(x)",
       "1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 1"},
      {"label_join(x, \"a\", \",\", 1)",
       "1:25: parse error: expected type string in call to function \"label_join\", got scalar"},
      {"time(1)", "1:1: parse error: expected 0 argument(s) in call to \"time\", got 1"},
      {"nope(x)", "1:1: parse error: unknown function with name \"nope\""},
      {"sum(x[5m])",
       "1:5: parse error: expected type instant vector in aggregation expression, got range "
       "vector"},
      {"topk(\"a\", x)",
       "1:6: parse error: expected type scalar in aggregation parameter, got string"},
      {"count_values(1, x)",
       "1:14: parse error: expected type string in aggregation parameter, got scalar"},
  };
  for (const BadQuery& c : cases) {
    EXPECT_THAT(ParseExpr(c.query), StatusIs(StatusCode::kInvalidArgument, Eq(c.error)))
        << "query: " << c.query;
  }
}

TEST(PromqlParserErrorsTest, DeepNestingIsRejectedNotAStackOverflow) {
  // Prometheus has no limit; ours keeps hostile queries from exhausting the
  // stack of the parser, printer, checker and evaluator.
  const std::string parens = std::string(5000, '(') + "1" + std::string(5000, ')');
  EXPECT_THAT(ParseExpr(parens), StatusIs(StatusCode::kInvalidArgument,
                                          Eq("1:257: parse error: expression nested too deeply "
                                             "(more than 256 levels)")));
  std::string chain = "x";
  for (int i = 0; i < 2000; ++i) {
    chain += " + x";
  }
  EXPECT_THAT(ParseExpr(chain),
              StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("nested too deeply")));
  EXPECT_TRUE(ParseExpr(std::string(250, '(') + "1" + std::string(250, ')')).ok());
  EXPECT_TRUE(ParseExpr("-" + std::string(120, '(') + "1" + std::string(120, ')') + " * 2").ok());
}

}  // namespace
}  // namespace obs::backend::query
