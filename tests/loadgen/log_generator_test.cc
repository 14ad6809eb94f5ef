// LogGenerator: reproducible lines, the stream product, every format carrying
// the line's identity, level proportions, multi-line stack traces, trace
// correlation and padding; and LogModel validation.

#include "obs/loadgen/log_generator.h"

#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace obs::loadgen {
namespace {

using ::testing::HasSubstr;

LogModel Mixed() {
  LogModel m;
  m.labels = {{"app", {"api", "web"}}, {"pod", {"a", "b", "c"}}};
  m.formats = {LogFormat::kJson, LogFormat::kLogfmt, LogFormat::kAccess};
  m.stack_trace_probability = 1.0;
  return m;
}

TEST(LogGeneratorTest, StreamsAreTheLabelProductAndLinesAreReproducible) {
  ASSERT_TRUE(ValidateLogModel(Mixed()).ok());
  const LogGenerator a(Mixed(), 3, "run");
  const LogGenerator b(Mixed(), 3, "run");
  const LogGenerator other(Mixed(), 3, "other-run");
  ASSERT_EQ(a.stream_count(), 6U);
  std::set<std::vector<std::pair<std::string, std::string>>> distinct;
  for (std::size_t s = 0; s < a.stream_count(); ++s) {
    distinct.insert(a.stream_labels(s));
  }
  EXPECT_EQ(distinct.size(), 6U);
  GeneratedLine la, lb, lo;
  int differ = 0;
  for (std::uint64_t n = 0; n < 200; ++n) {
    a.Line(n, 1700000000000000000 + static_cast<std::int64_t>(n), la);
    b.Line(n, 1700000000000000000 + static_cast<std::int64_t>(n), lb);
    other.Line(n, 1700000000000000000 + static_cast<std::int64_t>(n), lo);
    EXPECT_EQ(la.line, lb.line);
    EXPECT_EQ(la.stream, n % 6);
    EXPECT_EQ(la.seq, n / 6);
    differ += la.line != lo.line ? 1 : 0;
  }
  EXPECT_GT(differ, 150);  // Another run draws other values.
}

TEST(LogGeneratorTest, EveryFormatCarriesItsIdentity) {
  const LogGenerator gen(Mixed(), 1, "run");
  GeneratedLine l;
  int json = 0, logfmt = 0, access = 0;
  for (std::uint64_t n = 0; n < 600; ++n) {
    gen.Line(n, 1700000000123000000, l);
    const std::string seq = std::to_string(l.seq);
    switch (gen.stream_format(l.stream)) {
      case LogFormat::kJson: {
        ++json;
        const auto j = nlohmann::json::parse(l.line);
        EXPECT_EQ(j["seq"], l.seq);
        EXPECT_EQ(j["ts"], "2023-11-14T22:13:20.123Z");
        if (j["level"] == "error") {
          EXPECT_THAT(j["stack"].get<std::string>(), HasSubstr("\n    at "));
        }
        break;
      }
      case LogFormat::kLogfmt:
        ++logfmt;
        EXPECT_THAT(l.line, HasSubstr(" seq=" + seq + " "));
        EXPECT_EQ(l.line.rfind("ts=", 0), 0U);
        if (l.line.find("level=error") != std::string::npos) {
          EXPECT_THAT(l.line, HasSubstr("\n    at "));  // The stack follows on new lines.
        }
        break;
      case LogFormat::kAccess:
        ++access;
        EXPECT_THAT(l.line, HasSubstr("rid=" + seq + " HTTP/1.1\" "));
        EXPECT_THAT(l.line, HasSubstr("[14/Nov/2023:22:13:20 +0000]"));
        break;
    }
  }
  EXPECT_EQ(json, 200);
  EXPECT_EQ(logfmt, 200);
  EXPECT_EQ(access, 200);
}

TEST(LogGeneratorTest, LevelProportionsTraceIdsAndPadding) {
  LogModel m;
  m.labels = {{"app", {"api"}}};
  m.trace_correlation = 0.5;
  m.line_bytes = 400;
  const LogGenerator gen(m, 9, "run");
  std::map<std::string, int> levels;
  int traced = 0;
  GeneratedLine l;
  for (std::uint64_t n = 0; n < 5000; ++n) {
    gen.Line(n, 1700000000000000000, l);
    const auto j = nlohmann::json::parse(l.line);
    ++levels[j["level"]];
    traced += j.contains("trace_id") ? 1 : 0;
    if (j.contains("trace_id")) {
      EXPECT_EQ(j["trace_id"].get<std::string>().size(), 32U);
    }
    EXPECT_GE(l.line.size(), 390U) << l.line;
  }
  EXPECT_NEAR(levels["info"] / 5000.0, 0.80, 0.03);
  EXPECT_NEAR(levels["warn"] / 5000.0, 0.12, 0.02);
  EXPECT_NEAR(levels["error"] / 5000.0, 0.03, 0.01);
  EXPECT_NEAR(traced / 5000.0, 0.5, 0.03);
}

TEST(LogModelTest, Validation) {
  LogModel m;
  m.labels = {{"app", {}}};
  EXPECT_THAT(ValidateLogModel(m).message(), HasSubstr("\"app\" needs at least one value"));
  m = LogModel();
  m.formats.clear();
  EXPECT_THAT(ValidateLogModel(m).message(), HasSubstr("formats"));
  m = LogModel();
  m.info = m.debug = m.warn = m.error = 0;
  EXPECT_THAT(ValidateLogModel(m).message(), HasSubstr("at least one weight"));
  m = LogModel();
  m.labels = {{"a", std::vector<std::string>(1000, "x")},
              {"b", std::vector<std::string>(1000, "y")}};
  EXPECT_THAT(ValidateLogModel(m).message(), HasSubstr("more than 100000 streams"));
}

}  // namespace
}  // namespace obs::loadgen
