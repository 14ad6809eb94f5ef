// Logs in the embedded backend over loopback HTTP: Loki push (JSON,
// protobuf + snappy, gzip) and OTLP logs in, the Loki query API out —
// stream selectors, line filters, json/logfmt parsers, label filters,
// count_over_time/rate with aggregation, labels/values/series, limits,
// directions, and the errors each endpoint answers.

#include <algorithm>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"
#include "obs/wire/gzip.h"
#include "obs/wire/loki.h"
#include "obs/wire/otlp.h"
#include "obs/wire/snappy.h"

#include "logs/loki_api.h"
#include <nlohmann/json.hpp>

namespace obs::backend {
namespace {

namespace loki = wire::loki;
using ::obs::testing::HttpHeaders;
using ::testing::HasSubstr;
using Json = nlohmann::json;

constexpr std::int64_t kT0 = 1700000000000000000;  // ns
constexpr std::int64_t kSec = 1000000000;

loki::PushRequest Sample() {
  loki::PushRequest r;
  loki::Stream& api = r.streams.emplace_back();
  api.labels = {{"app", "api"}, {"env", "prod"}};
  api.entries = {
      {kT0 + 1 * kSec, R"({"level":"info","msg":"GET /orders","status":200,"http":{"ms":12}})", {}},
      {kT0 + 2 * kSec, R"({"level":"error","msg":"timeout talking to db","status":504})", {}},
      {kT0 + 3 * kSec, R"({"level":"info","msg":"GET /health","status":200})", {}},
      {kT0 + 4 * kSec, "not json at all", {{"trace_id", "abc"}}}};
  loki::Stream& worker = r.streams.emplace_back();
  worker.labels = {{"app", "worker"}, {"env", "prod"}};
  worker.entries = {{kT0 + 1 * kSec, "level=info msg=\"job started\" job=42", {}},
                    {kT0 + 5 * kSec, "level=warn msg=\"job slow\" job=42 duration=3.5", {}}};
  return r;
}

class LogsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(backend_.Start());
    std::string proto;
    loki::EncodePushProto(Sample(), proto);
    auto r = backend_.Post("/loki/api/v1/push", wire::SnappyCompress(proto),
                           {{"Content-Type", "application/x-protobuf"}});
    ASSERT_OK(r);
    ASSERT_EQ(r->status, 204) << r->body;
  }

  Json Get(const std::string& target, int want = 200) {
    auto r = backend_.Get(target);
    OBS_CHECK(r.ok()) << r.status();
    EXPECT_EQ(r->status, want) << target << ": " << r->body;
    if (want != 200) {
      return Json(r->body);
    }
    return Json::parse(r->body);
  }

  // query_range over the whole sample, the query URL-encoded.
  Json Range(const std::string& query, const std::string& extra = "") {
    return Get(
        "/loki/api/v1/query_range?query=" + ::obs::testing::LoopbackBackend::UrlEncode(query) +
        "&start=" + std::to_string(kT0) + "&end=" + std::to_string(kT0 + 10 * kSec) + extra);
  }

  // All lines of a streams answer, in answer order.
  static std::vector<std::string> Lines(const Json& answer) {
    std::vector<std::string> out;
    for (const Json& s : answer["data"]["result"]) {
      for (const Json& v : s["values"]) {
        out.push_back(v[1]);
      }
    }
    return out;
  }

  ::obs::testing::LoopbackBackend backend_;
};

TEST_F(LogsApiTest, SelectorsAndLineFilters) {
  Json r = Range(R"({app="api"})");
  EXPECT_EQ(r["data"]["resultType"], "streams");
  ASSERT_EQ(r["data"]["result"].size(), 1U);
  EXPECT_EQ(r["data"]["result"][0]["stream"], Json({{"app", "api"}, {"env", "prod"}}));
  // Backward (newest first) by default, timestamps as ns strings, metadata kept.
  const Json& values = r["data"]["result"][0]["values"];
  EXPECT_EQ(values[0][0], std::to_string(kT0 + 4 * kSec));
  EXPECT_EQ(values[0][2], Json({{"trace_id", "abc"}}));
  EXPECT_EQ(Lines(Range(R"({app="api"})", "&direction=forward&limit=2")),
            (std::vector<std::string>{
                R"({"level":"info","msg":"GET /orders","status":200,"http":{"ms":12}})",
                R"({"level":"error","msg":"timeout talking to db","status":504})"}));
  EXPECT_EQ(Lines(Range(R"({env="prod"} |= "GET" != "health")")).size(), 1U);
  EXPECT_EQ(Lines(Range(R"({app=~"api|worker"} |~ "job=[0-9]+")")).size(), 2U);
  EXPECT_EQ(Lines(Range(R"({env="prod"} !~ "job|GET")")).size(), 2U);
  // end is exclusive.
  EXPECT_EQ(Lines(Get("/loki/api/v1/query_range?query=%7Bapp%3D%22api%22%7D&start=" +
                      std::to_string(kT0 + kSec) + "&end=" + std::to_string(kT0 + 2 * kSec)))
                .size(),
            1U);
}

TEST_F(LogsApiTest, VictoriaLogsQueryAnswersJsonLines) {
  auto query = [&](const std::string& q, const std::string& extra, int want = 200) {
    auto r = backend_.Get(
        "/select/logsql/query?query=" + ::obs::testing::LoopbackBackend::UrlEncode(q) + extra);
    OBS_CHECK(r.ok()) << r.status();
    EXPECT_EQ(r->status, want) << q << ": " << r->body;
    if (want == 200) {
      EXPECT_EQ(r->Header("content-type"), "application/stream+json");
    }
    return r->body;
  };
  const std::string body = query(R"(_stream:{app="api"})", "");
  std::vector<Json> lines;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(Json::parse(line));
  }
  ASSERT_EQ(lines.size(), 4U) << body;
  EXPECT_EQ(
      lines[0].dump(),
      R"({"_msg":"{\"level\":\"info\",\"msg\":\"GET /orders\",\"status\":200,\"http\":{\"ms\":12}}",)"
      R"("_stream":"{app=\"api\",env=\"prod\"}","_time":"2023-11-14T22:13:21.000000000Z",)"
      R"("app":"api","env":"prod"})");
  // start inclusive, end exclusive, RFC 3339 with nanoseconds; LogQL line
  // filters after the stream filter.
  const std::string t1 = "2023-11-14T22:13:21.000000000Z";
  const std::string t3 = "2023-11-14T22:13:23.000000000Z";
  EXPECT_EQ(std::count(body.begin(), body.end(), '\n'), 4);
  const std::string ranged = query(R"(_stream:{app="api"})", "&start=" + t1 + "&end=" + t3);
  EXPECT_EQ(std::count(ranged.begin(), ranged.end(), '\n'), 2);
  const std::string filtered = query(R"({env="prod"} |= "job")", "");
  EXPECT_EQ(std::count(filtered.begin(), filtered.end(), '\n'), 2);
  // limit: the newest N.
  const std::string newest = query(R"(_stream:{app="api"})", "&limit=1");
  EXPECT_THAT(newest, HasSubstr("not json at all"));
  EXPECT_EQ(std::count(newest.begin(), newest.end(), '\n'), 1);
  EXPECT_THAT(query("_stream:{app=", "", 400), HasSubstr("cannot parse query"));
  EXPECT_THAT(query(R"(_stream:{app="api"})", "&start=noon", 400), HasSubstr("invalid start"));
}

TEST_F(LogsApiTest, ParsersAndLabelFilters) {
  Json r = Range(R"({app="api"} | json | level="error")");
  ASSERT_EQ(Lines(r).size(), 1U);
  const Json& stream = r["data"]["result"][0]["stream"];
  EXPECT_EQ(stream["status"], "504");
  EXPECT_EQ(stream["msg"], "timeout talking to db");
  EXPECT_EQ(Lines(Range(R"({app="api"} | json | status >= 500)")).size(), 1U);
  EXPECT_EQ(Lines(Range(R"({app="api"} | json | http_ms > 10)")).size(), 1U);  // Nested, flattened.
  // The line that is not JSON carries the parser error label.
  Json errors = Range(R"({app="api"} | json | __error__="JSONParserErr")");
  EXPECT_EQ(Lines(errors), std::vector<std::string>{"not json at all"});
  Json logfmt = Range(R"({app="worker"} | logfmt | level="warn" | duration > 3)");
  ASSERT_EQ(Lines(logfmt).size(), 1U);
  EXPECT_EQ(logfmt["data"]["result"][0]["stream"]["msg"], "job slow");
}

TEST_F(LogsApiTest, MetricQueries) {
  Json r = Range(R"(count_over_time({env="prod"}[10s]))", "&step=5s");
  EXPECT_EQ(r["data"]["resultType"], "matrix");
  ASSERT_EQ(r["data"]["result"].size(), 2U);
  // Empty windows are omitted (the point at t0 has nothing before it). At
  // t0+5s: api has 4 lines in (t0-5s, t0+5s], worker 2.
  std::map<std::string, Json> by_app;
  for (const Json& s : r["data"]["result"]) {
    by_app[s["metric"]["app"]] = s["values"];
  }
  EXPECT_EQ(by_app["api"][0], Json::parse("[1700000005, \"4\"]"));
  EXPECT_EQ(by_app["worker"][0], Json::parse("[1700000005, \"2\"]"));
  Json sum = Range(R"(sum by (env) (count_over_time({env="prod"}[10s])))", "&step=5s");
  ASSERT_EQ(sum["data"]["result"].size(), 1U);
  EXPECT_EQ(sum["data"]["result"][0]["metric"], Json({{"env", "prod"}}));
  EXPECT_EQ(sum["data"]["result"][0]["values"][0][1], "6");
  Json rate = Range(R"(sum(rate({app="api"} |= "GET" [10s])))", "&step=10s");
  EXPECT_EQ(rate["data"]["result"][0]["values"][0][1], "0.2");  // 2 lines / 10 s at t0+10s.
  Json instant =
      Get("/loki/api/v1/query?query=" +
          ::obs::testing::LoopbackBackend::UrlEncode(R"(count_over_time({app="worker"}[1m]))") +
          "&time=" + std::to_string(kT0 + 30 * kSec));
  EXPECT_EQ(instant["data"]["resultType"], "vector");
  EXPECT_EQ(instant["data"]["result"][0]["value"][1], "2");
}

TEST_F(LogsApiTest, LabelsValuesSeries) {
  EXPECT_EQ(Get("/loki/api/v1/labels")["data"], Json({"app", "env"}));
  EXPECT_EQ(Get("/loki/api/v1/label/app/values")["data"], Json({"api", "worker"}));
  EXPECT_EQ(Get("/loki/api/v1/series?match[]=%7Bapp%3D%22worker%22%7D")["data"],
            Json::parse(R"([{"app":"worker","env":"prod"}])"));
}

TEST_F(LogsApiTest, PushEncodingsAndErrors) {
  loki::PushRequest more;
  loki::Stream& s = more.streams.emplace_back();
  s.labels = {{"app", "json-pushed"}};
  s.entries = {{kT0 + 6 * kSec, "hello", {}}};
  std::string json;
  loki::EncodePushJson(more, json);
  auto r = backend_.Post("/loki/api/v1/push", json, {{"Content-Type", "application/json"}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 204);
  s.labels = {{"app", "gzip-pushed"}};
  json.clear();
  loki::EncodePushJson(more, json);
  r = backend_.Post("/loki/api/v1/push", wire::GzipCompress(json),
                    {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(Lines(Range(R"({app=~".*-pushed"})")).size(), 2U);
  // The same entry again is acknowledged and kept once.
  r = backend_.Post("/loki/api/v1/push", json, {{"Content-Type", "application/json"}});
  ASSERT_OK(r);
  EXPECT_EQ(Lines(Range(R"({app="gzip-pushed"})")).size(), 1U);

  // Bad bodies: 400 with the decoder's reason; nothing stored.
  r = backend_.Post("/loki/api/v1/push", R"({"streams":[{"stream":{"a":"b"},"values":[[1,"x"]]}]})",
                    {{"Content-Type", "application/json"}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_THAT(r->body, HasSubstr("timestamp must be a string"));
  r = backend_.Post("/loki/api/v1/push", "not snappy",
                    {{"Content-Type", "application/x-protobuf"}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 400);
  // A stream without labels is rejected; the valid stream beside it is kept.
  loki::PushRequest mixed;
  mixed.streams.push_back({{}, {{kT0, "orphan", {}}}});
  mixed.streams.push_back({{{"app", "kept"}}, {{kT0, "kept line", {}}}});
  json.clear();
  loki::EncodePushJson(mixed, json);
  r = backend_.Post("/loki/api/v1/push", json, {{"Content-Type", "application/json"}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_THAT(r->body, HasSubstr("streams[0]: a stream needs at least one label"));
  EXPECT_EQ(Lines(Range(R"({app="kept"})")).size(), 1U);
}

TEST_F(LogsApiTest, QueryErrors) {
  EXPECT_THAT(Get("/loki/api/v1/query_range?query=%7Bapp%3D", 400).get<std::string>(),
              HasSubstr("parse error at position"));
  EXPECT_THAT(Get("/loki/api/v1/query_range?query=%7Bapp%3D~%22.*%22%7D", 400).get<std::string>(),
              HasSubstr("at least one matcher that does not match the empty string"));
  EXPECT_THAT(Get("/loki/api/v1/query?query=%7Bapp%3D%22api%22%7D", 400).get<std::string>(),
              HasSubstr("log queries are not supported as an instant query"));
  EXPECT_THAT(
      Get("/loki/api/v1/query_range?query=foo(%7Ba%3D%22b%22%7D%5B1m%5D)", 400).get<std::string>(),
      HasSubstr("unknown function \"foo\""));
  EXPECT_THAT(Get("/loki/api/v1/series", 400).get<std::string>(), HasSubstr("match[]"));
}

TEST_F(LogsApiTest, OtlpLogsLandInTheSameStore) {
  namespace otlp = wire::otlp;
  otlp::LogsData data;
  auto& rl = data.resource_logs.emplace_back();
  rl.resource.attributes = {{"service.name", otlp::AnyValue::String("checkout")}};
  auto& rec = rl.scope_logs.emplace_back().log_records.emplace_back();
  rec.time_unix_nano = static_cast<std::uint64_t>(kT0 + 7 * kSec);
  rec.severity_text = "ERROR";
  rec.body = otlp::AnyValue::String("card declined");
  rec.attributes = {{"user.id", otlp::AnyValue::Int(7)}};
  std::string body;
  otlp::EncodeLogs(data, body);
  auto r = backend_.Post("/v1/logs", body, {{"Content-Type", "application/x-protobuf"}});
  ASSERT_OK(r);
  EXPECT_EQ(r->status, 200);
  Json got = Range(R"({service_name="checkout"})");
  ASSERT_EQ(Lines(got), std::vector<std::string>{"card declined"});
  EXPECT_EQ(got["data"]["result"][0]["stream"]["severity_text"], "ERROR");
  EXPECT_EQ(got["data"]["result"][0]["values"][0][2]["user.id"], "7");
  EXPECT_EQ(backend_.server().counters().log_entries_stored, 6U + 1U);
}

TEST(LokiTimeTest, ParsesLokisFormats) {
  EXPECT_EQ(*logs::ParseLokiTimeNs("1700000000"), kT0);
  EXPECT_EQ(*logs::ParseLokiTimeNs("1700000000000000000"), kT0);
  EXPECT_EQ(*logs::ParseLokiTimeNs("1700000000.5"), kT0 + kSec / 2);
  EXPECT_EQ(*logs::ParseLokiTimeNs("2023-11-14T22:13:20Z"), kT0);
  EXPECT_FALSE(logs::ParseLokiTimeNs("yesterday").ok());
  // Out of int64 nanoseconds: an error, not an overflow.
  EXPECT_FALSE(logs::ParseLokiTimeNs("9999999999").ok());
  EXPECT_FALSE(logs::ParseLokiTimeNs("1e300.5").ok());
  EXPECT_FALSE(logs::ParseLokiTimeNs("99999999999.5").ok());
}

TEST_F(LogsApiTest, ExtremeTimeRangesNeitherOverflowNorSpin) {
  // The whole int64 range with a 1 s step is refused as too many points...
  Get("/loki/api/v1/query_range?query=" +
          ::obs::testing::LoopbackBackend::UrlEncode(R"(count_over_time({app="api"}[1m]))") +
          "&start=-9223372036854775807&end=9223372036854775807&step=1",
      400);
  // ...and a range ending at the top of int64 with a huge step answers.
  Json r = Get("/loki/api/v1/query_range?query=" +
               ::obs::testing::LoopbackBackend::UrlEncode(R"(count_over_time({app="api"}[1m]))") +
               "&start=9223372036854775000&end=9223372036854775807&step=1000000000");
  EXPECT_EQ(r["data"]["result"].size(), 0U);
}

}  // namespace
}  // namespace obs::backend
