#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/assertions/assertions.h"
#include "obs/testing/status_matchers.h"

namespace obs::assertions {
namespace {

using ::obs::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::DoubleEq;
using ::testing::HasSubstr;

TEST(ParseAssertionTest, ParsesDurationInMilliseconds) {
  ASSERT_OK_AND_ASSIGN(AssertionSpec spec, ParseAssertion("  write_latency.p99 < 250ms "));
  EXPECT_EQ(spec.figure, "write_latency.p99");
  EXPECT_EQ(spec.comparison, Comparison::kLess);
  EXPECT_THAT(spec.threshold, DoubleEq(0.25));
  EXPECT_EQ(spec.expression, "write_latency.p99 < 250ms");
  EXPECT_EQ(spec.name, spec.expression);
  EXPECT_TRUE(spec.workload.empty());
}

TEST(ParseAssertionTest, ParsesEveryDurationUnit) {
  const std::pair<const char*, double> cases[] = {
      {"500ns", 500e-9}, {"20us", 20e-6}, {"20µs", 20e-6}, {"1.5s", 1.5},
      {"2m", 120},       {"1h", 3600},    {"250 ms", 0.25}};
  for (const auto& [text, seconds] : cases) {
    ASSERT_OK_AND_ASSIGN(AssertionSpec spec,
                         ParseAssertion(std::string("visibility_lag.max <= ") + text));
    EXPECT_THAT(spec.threshold, DoubleEq(seconds)) << text;
  }
}

TEST(ParseAssertionTest, ParsesEveryOperatorWithOrWithoutSpaces) {
  const std::pair<const char*, Comparison> cases[] = {
      {"error_rate<0.01", Comparison::kLess},
      {"error_rate <= 0.01", Comparison::kLessEqual},
      {"error_rate>0.01", Comparison::kGreater},
      {"error_rate >=0.01", Comparison::kGreaterEqual},
      {"error_rate== 0.01", Comparison::kEqual}};
  for (const auto& [text, comparison] : cases) {
    ASSERT_OK_AND_ASSIGN(AssertionSpec spec, ParseAssertion(text));
    EXPECT_EQ(spec.comparison, comparison) << text;
    EXPECT_THAT(spec.threshold, DoubleEq(0.01)) << text;
  }
}

TEST(ParseAssertionTest, ParsesPercentAndPlainRatio) {
  ASSERT_OK_AND_ASSIGN(AssertionSpec percent, ParseAssertion("completeness >= 99.9%"));
  EXPECT_EQ(percent.threshold, 0.999);  // Exactly the double nearest 0.999, not 99.9 / 100.
  ASSERT_OK_AND_ASSIGN(AssertionSpec small, ParseAssertion("error_rate < 0.5%"));
  EXPECT_EQ(small.threshold, 0.005);
  ASSERT_OK_AND_ASSIGN(AssertionSpec whole, ParseAssertion("completeness == 100%"));
  EXPECT_EQ(whole.threshold, 1.0);
  ASSERT_OK_AND_ASSIGN(AssertionSpec plain, ParseAssertion("completeness >= 0.999"));
  EXPECT_THAT(plain.threshold, DoubleEq(0.999));
}

TEST(ParseAssertionTest, ParsesPlainCount) {
  ASSERT_OK_AND_ASSIGN(AssertionSpec spec,
                       ParseAssertion("completeness.missing_samples == 100000"));
  EXPECT_THAT(spec.threshold, DoubleEq(100000));
}

TEST(ParseAssertionTest, UnknownFigureListsKnownFigures) {
  EXPECT_THAT(ParseAssertion("latency.p77 < 250ms"),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("unknown figure \"latency.p77\""),
                             HasSubstr("known: completeness, "), HasSubstr("write_latency.p999"))));
}

TEST(ParseAssertionTest, DurationWithoutUnitIsRejected) {
  EXPECT_THAT(ParseAssertion("write_latency.p99 < 250"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("\"250\" needs a duration unit for write_latency.p99")));
}

TEST(ParseAssertionTest, MissingOperatorIsRejected) {
  EXPECT_THAT(ParseAssertion("write_latency.p99 250ms"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("missing comparison operator")));
}

TEST(ParseAssertionTest, MalformedExpressionsNameTheProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty assertion expression"},
      {"   ", "empty assertion expression"},
      {"< 5", "must start with a figure name"},
      {"error_rate = 0.1", "unknown comparison operator \"=\""},
      {"error_rate != 0.1", "unknown comparison operator \"!=\""},
      {"error_rate <", "missing value after \"<\""},
      {"error_rate < abc", "\"abc\" is not a number for error_rate"},
      {"error_rate < 5", "is a ratio between 0 and 1; did you mean 5%?"},
      {"error_rate < 101%", "must be at most 100%"},
      {"error_rate < 5ms", "is not a ratio"},
      {"write_latency.p99 < 5%", "has unit \"%\"; use a duration unit"},
      {"write_latency.p99 < 5kb", "has unit \"kb\""},
      {"write_latency.p99 < -5ms", "must not be negative"},
      {"unsent_requests == 3s", "is a count and takes no unit"},
      {"unsent_requests == inf", "is not a number"},
  };
  for (const auto& [text, message] : cases) {
    EXPECT_THAT(ParseAssertion(text), StatusIs(StatusCode::kInvalidArgument, HasSubstr(message)))
        << text;
  }
}

TEST(ParseAssertionTest, KnownFiguresCoverTheDocumentedSet) {
  const std::vector<std::string> figures = KnownFigures();
  for (const char* name : {"completeness",
                           "completeness.missing_samples",
                           "completeness.missing_series",
                           "write_latency.p50",
                           "write_latency.p90",
                           "write_latency.p95",
                           "write_latency.p99",
                           "write_latency.p999",
                           "write_latency.max",
                           "write_latency.mean",
                           "write_latency_uncorrected.p999",
                           "write_latency_uncorrected.mean",
                           "error_rate",
                           "rejection_rate",
                           "achieved_rate",
                           "late_ratio",
                           "unsent_requests",
                           "visibility_lag.p50",
                           "visibility_lag.p90",
                           "visibility_lag.p95",
                           "visibility_lag.p99",
                           "visibility_lag.max",
                           "visibility.timed_out",
                           "trace_completeness",
                           "trace_completeness.missing_spans",
                           "trace_completeness.altered_spans",
                           "trace_completeness.extra_spans",
                           "trace_completeness.missing_traces",
                           "log_completeness",
                           "log_completeness.missing_lines",
                           "log_completeness.altered_lines",
                           "log_completeness.duplicated_lines",
                           "log_completeness.unexpected_lines",
                           "log_completeness.out_of_order_lines",
                           "trace_visibility_lag.p50",
                           "trace_visibility_lag.p99",
                           "trace_visibility.timed_out",
                           "log_visibility_lag.p95",
                           "log_visibility_lag.max",
                           "log_visibility.timed_out",
                           "overhead.cpu",
                           "overhead.cpu_per_request",
                           "overhead.p50",
                           "overhead.p95",
                           "overhead.p99",
                           "overhead.rss",
                           "overhead.rss_max",
                           "export.completeness",
                           "obsbench.rss_max",
                           "obsbench.rss_growth"}) {
    EXPECT_THAT(figures, Contains(name));
  }
  EXPECT_EQ(figures.size(), 61u);
}

TEST(ParseAssertionTest, EveryKnownFigureParses) {
  for (const std::string& figure : KnownFigures()) {
    const bool duration = figure.find("latency") != std::string::npos ||
                          figure.find("lag") != std::string::npos ||
                          figure.starts_with("overhead.p") || figure.ends_with("cpu_per_request");
    const bool size = figure.starts_with("overhead.rss") || figure == "obsbench.rss_max";
    EXPECT_OK(ParseAssertion(figure + " <= " + (duration ? "1s" : size ? "1MiB" : "0")));
  }
}

TEST(ParseAssertionTest, ComparisonSymbolsRoundTrip) {
  EXPECT_EQ(ComparisonSymbol(Comparison::kLess), "<");
  EXPECT_EQ(ComparisonSymbol(Comparison::kLessEqual), "<=");
  EXPECT_EQ(ComparisonSymbol(Comparison::kGreater), ">");
  EXPECT_EQ(ComparisonSymbol(Comparison::kGreaterEqual), ">=");
  EXPECT_EQ(ComparisonSymbol(Comparison::kEqual), "==");
}

}  // namespace
}  // namespace obs::assertions
