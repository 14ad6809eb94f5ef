// The experiment application tests/interop/otel-js/app.mjs (a node:http
// server instrumented with the OpenTelemetry JavaScript SDK): with two OTLP
// endpoints, played by two loopback sinks, every instrumented request shows
// up at both as one SERVER span with an INTERNAL and a CLIENT child of the
// same trace, all flushed by the SIGTERM shutdown; the health check makes no
// span; and with no endpoint it serves the same answers and sends nothing,
// even when the SDK's own OTEL_EXPORTER_OTLP_* variables name one.
// Skips (fails with the fix named) when Node.js packages are not installed.

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/testing/subprocess.h"
#include "obs/wire/otlp.h"

#include "loopback_sink.h"
#include <sys/types.h>

namespace obs::testing {
namespace {

namespace otlp = wire::otlp;
using loadgen::testing::LoopbackSink;
using loadgen::testing::SinkAnswer;

constexpr int kGets = 12;
constexpr int kPosts = 8;
constexpr int kRequests = kGets + kPosts;

std::string AppDir() {
  const char* root = std::getenv("OBS_SOURCE_DIR");
  return std::string(root != nullptr ? root : ".") + "/tests/interop/otel-js";
}

bool PackagesInstalled() {
  return std::filesystem::exists(AppDir() + "/node_modules/@opentelemetry/sdk-trace-base");
}

// A sink answering like an OTLP/HTTP receiver: 200 with an empty
// ExportTraceServiceResponse.
SinkAnswer OtlpOk(int) {
  return SinkAnswer{.status = 200, .content_type = "application/x-protobuf"};
}

// Starts the app on a free port with `endpoints` (comma-separated) and the
// `extra_env` ("NAME=value"), sends kGets GETs and kPosts POSTs plus health
// checks, and stops it by SIGTERM (the PeerProcess destructor). Returns the
// app's output.
std::string RunApp(const std::string& endpoints, const std::vector<std::string>& extra_env = {}) {
  TempDir dir;
  const std::uint16_t port = FreeLoopbackPort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  const std::string log = dir.path() + "/app.log";
  {
    std::vector<std::string> argv = {"env", "OTLP_ENDPOINTS=" + endpoints, "DOWNSTREAM_DELAY_MS=1"};
    argv.insert(argv.end(), extra_env.begin(), extra_env.end());
    argv.insert(argv.end(), {"node", AppDir() + "/app.mjs", "--port", std::to_string(port)});
    auto app = PeerProcess::Start(argv, base + "/healthz", log, std::chrono::seconds(60));
    EXPECT_OK(app);
    if (!app.ok()) {
      return "";
    }
    for (int i = 0; i < kGets; ++i) {
      auto r = RunProcess({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                           base + "/api/orders/" + std::to_string(i)},
                          std::chrono::seconds(30));
      EXPECT_OK(r);
      EXPECT_EQ(r->out, "200") << r->err << app->LogTail();
    }
    for (int i = 0; i < kPosts; ++i) {
      auto r =
          RunProcess({"curl", "-sS", "-X", "POST", "-H", "Content-Type: application/json", "--data",
                      "{\"id\":\"p" + std::to_string(i) + "\",\"items\":2}", base + "/api/orders"},
                     std::chrono::seconds(30));
      EXPECT_OK(r);
      EXPECT_THAT(r->out, ::testing::HasSubstr("\"status\":\"accepted\"")) << r->err;
    }
    EXPECT_EQ(HttpGetStatus(base + "/healthz"), 200);
    EXPECT_EQ(HttpGetStatus(base + "/nope"), 404);
  }  // SIGTERM: the app flushes its batch processors, then exits.
  std::ifstream in(log);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Received {
  std::map<otlp::SpanKind, int> kinds;
  std::map<std::string, int> server_names;
  int traces_whole = 0;  // Traces holding one SERVER span and both its children.
};

Received SpansAt(const LoopbackSink& sink) {
  Received got;
  std::map<std::string, std::vector<otlp::Span>> by_trace;
  for (const auto& req : sink.requests()) {
    EXPECT_EQ(req.target, "/v1/traces");
    EXPECT_EQ(req.headers.count("content-encoding"), 0U) << "compressed export";
    auto data = otlp::DecodeTraces(req.body);
    EXPECT_OK(data);
    if (!data.ok()) {
      continue;
    }
    for (const auto& rs : data->resource_spans) {
      for (const auto& ss : rs.scope_spans) {
        for (const auto& s : ss.spans) {
          ++got.kinds[s.kind];
          if (s.kind == otlp::SpanKind::kServer) {
            ++got.server_names[s.name];
          }
          by_trace[otlp::Hex(s.trace_id)].push_back(s);
        }
      }
    }
  }
  for (const auto& [trace, spans] : by_trace) {
    if (spans.size() != 3) {
      continue;
    }
    const otlp::Span* server = nullptr;
    for (const auto& s : spans) {
      if (s.kind == otlp::SpanKind::kServer && otlp::IsZero(s.parent_span_id)) {
        server = &s;
      }
    }
    if (server == nullptr) {
      continue;
    }
    std::set<otlp::SpanKind> children;
    for (const auto& s : spans) {
      if (&s != server && s.parent_span_id == server->span_id) {
        children.insert(s.kind);
      }
    }
    if (children == std::set<otlp::SpanKind>{otlp::SpanKind::kInternal, otlp::SpanKind::kClient}) {
      ++got.traces_whole;
    }
  }
  return got;
}

TEST(OtelJsAppTest, DualExportSendsEveryRequestsSpansToBothEndpoints) {
  if (!PackagesInstalled()) {
    GTEST_SKIP() << "the OpenTelemetry JS packages are not installed: run ci/setup.sh";
  }
  LoopbackSink a(OtlpOk);
  LoopbackSink b(OtlpOk);
  const std::string out = RunApp("http://127.0.0.1:" + std::to_string(a.port()) +
                                 ",http://127.0.0.1:" + std::to_string(b.port()) + "/");
  EXPECT_THAT(out, ::testing::HasSubstr("listening on 127.0.0.1:"));
  EXPECT_THAT(out, ::testing::HasSubstr("shutdown complete")) << out;
  for (const LoopbackSink* sink : {&a, &b}) {
    SCOPED_TRACE(sink == &a ? "endpoint 1" : "endpoint 2");
    Received got = SpansAt(*sink);
    EXPECT_EQ(got.kinds[otlp::SpanKind::kServer], kRequests);
    EXPECT_EQ(got.kinds[otlp::SpanKind::kInternal], kRequests);
    EXPECT_EQ(got.kinds[otlp::SpanKind::kClient], kRequests);
    EXPECT_EQ(got.kinds.size(), 3U);
    EXPECT_EQ(got.server_names["GET /api/orders/:id"], kGets);
    EXPECT_EQ(got.server_names["POST /api/orders"], kPosts);
    EXPECT_EQ(got.traces_whole, kRequests);
  }
}

TEST(OtelJsAppTest, WithoutEndpointsItServesAndSendsNothing) {
  if (!PackagesInstalled()) {
    GTEST_SKIP() << "the OpenTelemetry JS packages are not installed: run ci/setup.sh";
  }
  // The SDK's own endpoint variables point at a sink: the app must not fall
  // back on them when OTLP_ENDPOINTS names no endpoint.
  LoopbackSink sink(OtlpOk);
  const std::string at = "http://127.0.0.1:" + std::to_string(sink.port());
  const std::string out = RunApp("", {"OTEL_EXPORTER_OTLP_ENDPOINT=" + at,
                                      "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=" + at + "/v1/traces"});
  EXPECT_THAT(out, ::testing::HasSubstr("shutdown complete")) << out;
  EXPECT_TRUE(sink.requests().empty());
}

}  // namespace
}  // namespace obs::testing
