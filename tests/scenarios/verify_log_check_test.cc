// The log verification adapters' parsers against recorded answers
// (fixtures/logs/): VictoriaLogs JSON lines and Loki streams, and errors that
// name the line. End to end through both query APIs of the reference backend:
// tests/integration/logs_embedded_test.cc.

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "verify/log_check.h"

namespace obs::scenarios {
namespace {

using ::testing::HasSubstr;

std::string Fixture(const std::string& name) {
  const char* root = std::getenv("OBS_SOURCE_DIR");
  std::ifstream in(std::string(root != nullptr ? root : ".") + "/fixtures/logs/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(VictoriaLogsParseTest, ReadsTheDocumentedJsonLines) {
  const std::string body = Fixture("victorialogs_query.jsonl");
  ASSERT_FALSE(body.empty()) << "fixture missing (OBS_SOURCE_DIR?)";
  auto lines = ParseVictoriaLogsLines(body);
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_EQ(lines->size(), 3U);  // The blank line is skipped; answer order is kept.
  EXPECT_EQ((*lines)[0].timestamp_ns, 1672579933000000002LL);
  EXPECT_EQ((*lines)[0].line, "level=info msg=\"order placed\" id=17");
  EXPECT_EQ((*lines)[1].timestamp_ns, 1672579933000000001LL);
  EXPECT_EQ((*lines)[2].timestamp_ns, 1672579934000000000LL);
  EXPECT_EQ((*lines)[2].line, "panic: boom\n\tat main.go:12");
}

TEST(VictoriaLogsParseTest, BadLinesAreNamed) {
  EXPECT_TRUE(ParseVictoriaLogsLines("").ok());
  auto not_json =
      ParseVictoriaLogsLines("{\"_msg\":\"a\",\"_time\":\"2023-01-01T00:00:00Z\"}\n[1]\n");
  ASSERT_FALSE(not_json.ok());
  EXPECT_THAT(not_json.status().message(), HasSubstr("line 2: not a JSON object"));
  auto no_time = ParseVictoriaLogsLines("{\"_msg\":\"a\"}");
  ASSERT_FALSE(no_time.ok());
  EXPECT_THAT(no_time.status().message(), HasSubstr("line 1: no string _msg and _time"));
  auto bad_time = ParseVictoriaLogsLines("{\"_msg\":\"a\",\"_time\":\"yesterday\"}");
  ASSERT_FALSE(bad_time.ok());
  EXPECT_THAT(bad_time.status().message(), HasSubstr("_time \"yesterday\" is not RFC 3339"));
}

TEST(LokiParseTest, ReadsStreamsAndRefusesOtherShapes) {
  auto lines = ParseLokiStreams(
      R"({"status":"success","data":{"resultType":"streams","result":[
          {"stream":{"app":"api"},"values":[["1672579933000000001","a"],["2","b",{"trace_id":"x"}]]}]}})");
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_EQ(lines->size(), 2U);
  EXPECT_EQ((*lines)[0].timestamp_ns, 1672579933000000001LL);
  EXPECT_EQ((*lines)[1].line, "b");
  EXPECT_FALSE(ParseLokiStreams(R"({"status":"error"})").ok());
  EXPECT_THAT(ParseLokiStreams(R"({"status":"success","data":{"result":[{"values":[["x","a"]]}]}})")
                  .status()
                  .message(),
              HasSubstr("timestamp \"x\" is not an integer"));
}

}  // namespace
}  // namespace obs::scenarios
