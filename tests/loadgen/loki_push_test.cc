// RunLokiPush against a scripted loopback sink: protobuf + snappy and JSON +
// gzip bodies, every scheduled line sent once with strictly increasing
// timestamps per stream, the ledger regenerating each line exactly, and
// Loki's retry rules (429/5xx retried, other 4xx rejected).

#include "obs/loadgen/loki_push.h"

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/wire/gzip.h"
#include "obs/wire/loki.h"
#include "obs/wire/snappy.h"

#include "loopback_sink.h"

namespace obs::loadgen {
namespace {

using testing::LoopbackSink;
using testing::SinkAnswer;

LokiPushOptions Options(const LoopbackSink& sink) {
  LokiPushOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(sink.port()) + "/loki/api/v1/push";
  o.model.labels = {{"app", {"api", "web", "worker"}}};
  o.model.formats = {LogFormat::kJson, LogFormat::kAccess};
  o.run_id = "test";
  o.lines_per_second = 600;
  o.duration_seconds = 0.5;
  o.batch_lines = 50;
  o.batch_timeout_seconds = 0.05;
  o.concurrency = 2;
  o.retry.min_backoff_seconds = 0.001;
  o.retry.max_backoff_seconds = 0.005;
  return o;
}

std::vector<wire::loki::PushRequest> Pushes(const LoopbackSink& sink, bool json, bool gzip) {
  std::vector<wire::loki::PushRequest> out;
  for (const auto& r : sink.requests()) {
    if (json) {
      auto raw = gzip ? wire::Decompress(r.body, wire::ContentCoding::kGzip, 1 << 24)
                      : Result<std::string>(r.body);
      EXPECT_TRUE(raw.ok());
      auto p = wire::loki::DecodePushJson(*raw);
      EXPECT_TRUE(p.ok()) << p.status();
      out.push_back(*p);
    } else {
      auto raw = wire::SnappyUncompress(r.body, 1 << 24);
      EXPECT_TRUE(raw.ok());
      auto p = wire::loki::DecodePushProto(*raw);
      EXPECT_TRUE(p.ok()) << p.status();
      out.push_back(*p);
    }
  }
  return out;
}

TEST(LokiPushTest, EveryLineOnceInOrderAndRegenerable) {
  LoopbackSink sink([](int) { return SinkAnswer{.status = 204}; });
  const LokiPushOptions o = Options(sink);
  auto result = RunLokiPush(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  const LogLedger& ledger = result->ledger;
  EXPECT_EQ(result->record.kind, "loki_push");
  EXPECT_EQ(result->record.samples_sent, 300U);
  EXPECT_EQ(ledger.Count(LogLedger::State::kAcked), 300U);
  EXPECT_EQ(result->record.bookkeeping.ledger, ledger.size());  // One state byte per line.
  EXPECT_EQ(sink.requests()[0].headers.at("content-type"), "application/x-protobuf");
  const LogGenerator gen(o.model, o.seed, o.run_id);
  std::map<std::string, std::vector<std::int64_t>> by_stream;
  for (const auto& push : Pushes(sink, false, false)) {
    for (const auto& s : push.streams) {
      ASSERT_EQ(s.labels.back().name, "obsbench_run");
      const std::string key = wire::loki::LabelsText(s.labels);
      for (const auto& e : s.entries) {
        by_stream[key].push_back(e.timestamp_ns);
      }
    }
  }
  ASSERT_EQ(by_stream.size(), 3U);
  std::size_t total = 0;
  for (const auto& [key, ts] : by_stream) {
    total += ts.size();
    for (std::size_t i = 1; i < ts.size(); ++i) {
      EXPECT_LT(ts[i - 1], ts[i]) << key;
    }
  }
  EXPECT_EQ(total, 300U);
  // The ledger regenerates each acknowledged line exactly.
  GeneratedLine gl;
  std::size_t checked = 0;
  for (const auto& push : Pushes(sink, false, false)) {
    for (const auto& s : push.streams) {
      for (const auto& e : s.entries) {
        bool found = false;
        for (std::uint64_t n = 0; n < ledger.size() && !found; ++n) {
          if (ledger.TimestampNs(n) == e.timestamp_ns) {
            gen.Line(n, e.timestamp_ns, gl);
            found = gl.line == e.line;
          }
        }
        EXPECT_TRUE(found) << e.line;
        if (++checked == 40) {
          return;  // A sample is enough; the search is quadratic.
        }
      }
    }
  }
}

TEST(LokiPushTest, JsonGzipAndRetries) {
  LoopbackSink sink([](int i) {
    if (i == 0) {
      return SinkAnswer{.status = 429, .retry_after = "0"};
    }
    if (i == 2) {
      return SinkAnswer{.status = 400};
    }
    return SinkAnswer{.status = 204};
  });
  LokiPushOptions o = Options(sink);
  o.json = true;
  o.gzip = true;
  o.concurrency = 1;
  o.batch_lines = 30;
  o.batch_timeout_seconds = 1;
  auto result = RunLokiPush(o, RealClock());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(sink.requests()[0].headers.at("content-encoding"), "gzip");
  EXPECT_EQ(result->record.retries, 1U);
  EXPECT_EQ(result->record.requests_rejected, 1U);
  std::vector<std::size_t> per_request;
  for (const auto& push : Pushes(sink, true, true)) {
    std::size_t n = 0;
    for (const auto& s : push.streams) {
      n += s.entries.size();
    }
    per_request.push_back(n);
  }
  ASSERT_GE(per_request.size(), 3U);
  EXPECT_EQ(per_request[0], per_request[1]);    // The retried batch went twice, unchanged.
  const std::size_t rejected = per_request[2];  // The batch answered 400.
  EXPECT_GE(rejected, 29U);                     // About 30 lines (batch_lines).
  EXPECT_EQ(result->ledger.Count(LogLedger::State::kRejected), rejected);
  EXPECT_EQ(result->ledger.Count(LogLedger::State::kAcked), 300U - rejected);
  std::size_t lines = 0;
  for (std::size_t n : per_request) {
    lines += n;
  }
  EXPECT_EQ(lines, 300U + per_request[0]);
  o.json = false;
  EXPECT_EQ(RunLokiPush(o, RealClock()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace obs::loadgen
