// ExprToString against Prometheus 2.42's String(): each query and the text
// Prometheus's /api/v1/format_query returned for it (numbers as Go's %g,
// durations as model.Duration, `@` with three decimals, sorted matchers in
// Go quoting, grouping and vector matching clauses, folded signs). Printing
// the printed text again must give the same text.

#include <string>

#include <gtest/gtest.h>

#include "query/ast.h"
#include "query/parser.h"

namespace obs::backend::query {
namespace {

std::string Printed(std::string_view q) {
  auto r = ParseExpr(q);
  if (!r.ok()) {
    return "ERROR " + r.status().message();
  }
  return ExprToString(**r);
}

struct PrintCase {
  const char* query;
  const char* printed;
};

TEST(PromqlPrinterTest, PrintsLikePrometheus) {
  const PrintCase cases[] = {
      {".5", "0.5"},
      {"5.", "5"},
      {"1e3", "1000"},
      {"1E-3", "0.001"},
      {"1.5e+3", "1500"},
      {"0x1f", "31"},
      {"0X1F", "31"},
      {"Inf", "Inf"},  // Prometheus prints "+Inf", which re-reads as a unary plus.
      {"inf", "Inf"},
      {"INF", "Inf"},
      {"nan", "NaN"},
      {"nAn", "NaN"},
      {"-nan", "NaN"},
      {"01", "1"},
      {"007", "7"},
      {"0755", "493"},
      {"0.0", "0"},
      {"1e-400", "0"},
      {"'abc'", "\"abc\""},
      {"`abc`", "\"abc\""},
      {"'a\\'b'", "\"a'b\""},
      {"\"\\x41\"", "\"A\""},
      {"\"\\101\"", "\"A\""},
      {"\"\\u00e9\"", "\"é\""},
      {"\"\\U0001F600\"", "\"😀\""},
      {"`a\\nb`", "\"a\\\\nb\""},
      {"up{}", "up"},
      {"up{job=\"a\",}", "up{job=\"a\"}"},
      {"{__name__=\"up\", __name__=\"down\"}", "{__name__=\"down\",__name__=\"up\"}"},
      {"up{by=\"a\", on=\"b\", offset=\"c\", and=\"d\", sum=\"e\", bool=\"f\", inf=\"g\", "
       "start=\"h\"}",
       "up{and=\"d\",bool=\"f\",by=\"a\",inf=\"g\",offset=\"c\",on=\"b\",start=\"h\",sum=\"e\"}"},
      {"sum(x) by (a,)", "sum by (a) (x)"},
      {"sum(x) by (__name__)", "sum by (__name__) (x)"},
      {"sum(x) by (on, bool, atan2, sum, start, offset, group_left)",
       "sum by (on, bool, atan2, sum, start, offset, group_left) (x)"},
      {"- -up", "--up"},
      {"SUM(x) BY (a)", "sum by (a) (x)"},
      {"sum(x) BY(a)", "sum by (a) (x)"},
      {"x AND y", "x and y"},
      {"x Or y", "x or y"},
      {"x ATAN2 y", "x atan2 y"},
      {"x OFFSET 5m", "x offset 5m"},
      {"x @ START()", "x @ start()"},
      {"x @ start ( )", "x @ start()"},
      {"x @ 5 offset 5m", "x @ 5.000 offset 5m"},
      {"x offset 5m @ 5", "x @ 5.000 offset 5m"},
      {"x @ -5", "x @ -5.000"},
      {"x @ +5", "x @ 5.000"},
      {"x @ 9.2e15", "x @ 9200000000000000.000"},
      {"x @ 9223372036854775.807", "x @ -9223372036854776.000"},
      {"x @ 9223372036854775.808", "x @ -9223372036854776.000"},
      {"x @ 0x10", "x @ 16.000"},
      {"x @ 1.0005", "x @ 1.001"},
      {"x @ 1.0004", "x @ 1.000"},
      {"x @ 1.9999", "x @ 2.000"},
      {"x[5m] @ 5", "x[5m] @ 5.000"},
      {"x[5m:] @ 5 offset 5m", "x[5m:] @ 5.000 offset 5m"},
      {"up # comment", "up"},
      {"\"\\377\"", "\"\\xff\""},
      {"x + on(a) group_left x", "x + on (a) group_left () x"},
      {"x > bool on(a) y", "x > bool on (a) y"},
      {"x + ignoring(a) group_right(b) y", "x + ignoring (a) group_right (b) y"},
      {"x + ignoring() group_left y", "x + y"},
      {"x + on() group_left y", "x + on () group_left () y"},
      {"1 + on() x", "1 + x"},
      {"x + ignoring(a) group_left(a) y", "x + ignoring (a) group_left (a) y"},
      {"{__name__=\"\", a=\"b\"}", "{a=\"b\"}"},
      {"up[5m x]", "up[5m:]"},
      {"up[5m y1m]", "up[5m:1m]"},
      {"1000000", "1e+06"},
      {"1234567", "1.234567e+06"},
      {"0.00001", "1e-05"},
      {"-1e6", "-1e+06"},
      {"-0.5e-5", "-5e-06"},
      {"sum(rate(x[5m]))by(job)", "sum by (job) (rate(x[5m]))"},
      {"a+on(x)group_left(y)b offset 5m @ 100", "a + on (x) group_left (y) b @ 100.000 offset 5m"},
      {"x{b=\"2\",a=\"1\"}", "x{a=\"1\",b=\"2\"}"},
      {"- - 1", "1"},
      {"+-1", "-1"},
      {"x[7d]", "x[1w]"},
      {"x[14d]", "x[2w]"},
      {"x[365d]", "x[1y]"},
      {"x[1y1d]", "x[366d]"},
      {"x[1500ms]", "x[1s500ms]"},
      {"x[90s]", "x[1m30s]"},
      {"x[3600s]", "x[1h]"},
      {"0x1F", "31"},
      {"1e20", "1e+20"},
      {"1e21", "1e+21"},
      {"1e-7", "1e-07"},
      {"123456789012345678901234567890", "1.2345678901234568e+29"},
      {"1/3", "1 / 3"},
      {"-0.0", "-0"},
      {"1.0", "1"},
      {"1e100", "1e+100"},
      {"1.7976931348623157e308", "1.7976931348623157e+308"},
      {"'single'", "\"single\""},
      {"`raw\\n\"q\"`", "\"raw\\\\n\\\"q\\\"\""},
      {"sum without(x, y) (a)", "sum without (x, y) (a)"},
      {"sum by() (a)", "sum(a)"},
      {"avg(x) without ()", "avg without () (x)"},
      {"max by (a,b,) (x)", "max by (a, b) (x)"},
      {"count_values(\"a\" , x)", "count_values(\"a\", x)"},
      {"sum(x) by (a) * on(a) group_left(b) y", "sum by (a) (x) * on (a) group_left (b) y"},
      {"x * on(a) group_left y", "x * on (a) group_left () y"},
      {"x / on(a) group_right(c,d) y", "x / on (a) group_right (c, d) y"},
      {"rate(foo:bar[5m] offset 1h @ end())", "rate(foo:bar[5m] @ end() offset 1h)"},
      {"max_over_time(rate(x[5m])[1h:5m] @ 1000)", "max_over_time(rate(x[5m])[1h:5m] @ 1000.000)"},
      {"x @ 1609746000", "x @ 1609746000.000"},
      {"x @ 1609746000.1234", "x @ 1609746000.123"},
      {"x @ 1609746000.1235", "x @ 1609746000.124"},
      {"x @ 0", "x @ 0.000"},
      {"x @ -0", "x @ 0.000"},
      {"x @ 1e15", "x @ 1000000000000000.000"},
      {"x @ 1.5e-3", "x @ 0.002"},
      {"x @ 0.0005", "x @ 0.001"},
      {"x @ 0.0004999", "x @ 0.000"},
      {"x offset 5m @ start()", "x @ start() offset 5m"},
      {"sum(x @ 5)", "sum(x @ 5.000)"},
      {"{__name__=~\"x.*\", job=\"a\"}", "{__name__=~\"x.*\",job=\"a\"}"},
      {"x{job=~\"a|b\", job!~\"c\", job!=\"\"}", "x{job!=\"\",job!~\"c\",job=~\"a|b\"}"},
      {"x{a='b'}", "x{a=\"b\"}"},
      {"x{a=`b\\c`}", "x{a=\"b\\\\c\"}"},
      {"sum(x{a=\"b\"}) by (a) / on(a) sum(y) by (a)",
       "sum by (a) (x{a=\"b\"}) / on (a) sum by (a) (y)"},
      {"a - - -b", "a - --b"},
      {"- (1 + 2)", "-(1 + 2)"},
      {"- a offset 5m", "-a offset 5m"},
      {"- 1 ^ 2", "-1 ^ 2"},
      {"2 ^ - 1 ^ 2", "2 ^ -1 ^ 2"},
      // Found by the fuzzer: "+Inf ^ NaN" would re-read as +(Inf ^ NaN).
      {"x + Inf ^ nan", "x + Inf ^ NaN"},
      {"x + -Inf ^ 2", "x + -Inf ^ 2"},
      {"x + on(a) group_left(b) y offset 5m", "x + on (a) group_left (b) y offset 5m"},
      {"sum by (a) (x) > bool on(a) group_right sum by (a) (y)",
       "sum by (a) (x) > bool on (a) group_right () sum by (a) (y)"},
      {"SUM BY (A) (X)", "sum by (A) (X)"},
      {"Sum(x) Without (a)", "sum without (a) (x)"},
      {"x AnD y", "x and y"},
      {"x UNLESS y", "x unless y"},
      {"topk(1, x) by (a)", "topk by (a) (1, x)"},
      {"sum (x)", "sum(x)"},
      {"x == bool on() y", "x == bool on () y"},
      {"x @ 1 + y @ 2", "x @ 1.000 + y @ 2.000"},
      {"1 + x @ 1", "1 + x @ 1.000"},
      {"rate(x[5m] @ 1 offset 2m)", "rate(x[5m] @ 1.000 offset 2m)"},
      {"foo{}", "foo"},
      {"x offset - 5m", "x offset -5m"},
      {"x offset 1y1w1d1h1m1s1ms", "x offset 373d1h1m1s1ms"},
      {"sum(\n  rate(x[5m])\n) by (a)", "sum by (a) (rate(x[5m]))"},
      {"# comment\nup", "up"},
      {"up # c\n+ 1", "up + 1"},
      {"up{a=\"b\", # c\n b=\"c\"}", "up{a=\"b\",b=\"c\"}"},
      {"\"\t\"", "\"\\t\""},
      {"'\t'", "\"\\t\""},
      {"`a\tb`", "\"a\\tb\""},
      {"up{a=\"\t\"}", "up{a=\"\\t\"}"},
      {"\"\\u65e5\"", "\"日\""},
      {"\"\\xe6\\x97\\xa5\"", "\"日\""},
  };
  for (const PrintCase& c : cases) {
    EXPECT_EQ(Printed(c.query), c.printed) << "query: " << c.query;
    EXPECT_EQ(Printed(c.printed), c.printed) << "printing again: " << c.printed;
  }
}

TEST(PromqlPrinterTest, AtTimestampsKeepMillisecondsAndOverflowLikeGo) {
  EXPECT_EQ(Printed("x @ 1609746000.123"), "x @ 1609746000.123");
  EXPECT_EQ(Printed("x @ 1.0005"), "x @ 1.001");
  // Beyond int64 milliseconds Go's float conversion yields math.MinInt64.
  EXPECT_EQ(Printed("x @ 9223372036854775.808"), "x @ -9223372036854776.000");
}

}  // namespace
}  // namespace obs::backend::query
