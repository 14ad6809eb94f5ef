// obsbench sample-app: flags, serving with 0 and 2 OTLP endpoints (every
// span, log record and metric reaches both sinks, with the right parent/child
// structure), drop-on-full counting with a tiny queue and a slow endpoint,
// the injected export CPU cost, and the real binary's start-up line, /healthz
// and SIGTERM flush.
#include "sample_app.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/testing/subprocess.h"
#include "obs/wire/otlp.h"

#include "loopback_sink.h"
#include <nlohmann/json.hpp>
#include <sys/wait.h>

namespace obs::sample_app {
namespace {

namespace otlp = wire::otlp;
using loadgen::testing::LoopbackSink;
using loadgen::testing::SinkAnswer;
using loadgen::testing::SinkRequest;
using obs::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A blocking keep-alive HTTP/1.1 client for the app under test.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }

  struct Answer {
    int status = 0;
    std::string body;
  };

  Answer Send(boost::beast::http::verb method, const std::string& target,
              const std::string& body = "",
              const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& h : headers) {
      req.set(h.first, h.second);
    }
    if (method == http::verb::post) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    http::write(socket_, req);
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return {static_cast<int>(res.result_int()), res.body()};
  }

  Answer Get(const std::string& target) { return Send(boost::beast::http::verb::get, target); }
  Answer Post(const std::string& target, const std::string& body) {
    return Send(boost::beast::http::verb::post, target, body);
  }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_{ioc_};
  boost::beast::flat_buffer buffer_;
};

LoopbackSink::Script Ok(std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
  return [delay](int) {
    SinkAnswer a;
    a.status = 200;
    a.delay = delay;
    return a;
  };
}

std::string Base(const LoopbackSink& sink) {
  return "http://127.0.0.1:" + std::to_string(sink.port());
}

// What one sink received, decoded.
struct Received {
  std::vector<otlp::Span> spans;
  std::vector<otlp::LogRecord> logs;
  std::vector<otlp::MetricsData> metrics;  // One per POST, in arrival order.
  std::size_t points = 0;
  std::vector<std::string> trace_bodies;
  int posts = 0;
  int bad = 0;  // Undecodable bodies, wrong method or content type.
};

Received Decode(const LoopbackSink& sink) {
  Received r;
  for (const SinkRequest& q : sink.requests()) {
    ++r.posts;
    const auto ct = q.headers.find("content-type");
    if (q.method != "POST" || ct == q.headers.end() || ct->second != otlp::kProtobufContentType) {
      ++r.bad;
      continue;
    }
    if (q.target == otlp::kTracesPath) {
      auto d = otlp::DecodeTraces(q.body);
      if (!d.ok()) {
        ++r.bad;
        continue;
      }
      r.trace_bodies.push_back(q.body);
      for (const auto& rs : d->resource_spans) {
        for (const auto& ss : rs.scope_spans) {
          r.spans.insert(r.spans.end(), ss.spans.begin(), ss.spans.end());
        }
      }
    } else if (q.target == otlp::kLogsPath) {
      auto d = otlp::DecodeLogs(q.body);
      if (!d.ok()) {
        ++r.bad;
        continue;
      }
      for (const auto& rl : d->resource_logs) {
        for (const auto& sl : rl.scope_logs) {
          r.logs.insert(r.logs.end(), sl.log_records.begin(), sl.log_records.end());
        }
      }
    } else if (q.target == otlp::kMetricsPath) {
      auto d = otlp::DecodeMetrics(q.body);
      if (!d.ok()) {
        ++r.bad;
        continue;
      }
      r.points += otlp::DataPointCount(*d);
      r.metrics.push_back(*d);
    } else {
      ++r.bad;
    }
  }
  return r;
}

const otlp::AnyValue* FindAttr(const std::vector<otlp::KeyValue>& attrs, const std::string& key) {
  for (const otlp::KeyValue& kv : attrs) {
    if (kv.key == key) {
      return &kv.value;
    }
  }
  return nullptr;
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// ---- Flags ----

TEST(SampleAppFlagsTest, DefaultsAndEveryFlag) {
  ASSERT_OK_AND_ASSIGN(const SampleAppOptions d, ParseSampleAppArgs({}));
  EXPECT_EQ(d.listen_address, "127.0.0.1");
  EXPECT_EQ(d.port, 0);
  EXPECT_EQ(d.threads, 2);
  EXPECT_EQ(d.work, std::chrono::microseconds(200));
  EXPECT_EQ(d.downstream, std::chrono::milliseconds(1));
  EXPECT_TRUE(d.otlp_endpoints.empty());
  EXPECT_TRUE(d.export_traces && d.export_logs && d.export_metrics);
  EXPECT_EQ(d.queue_size, 2048u);
  EXPECT_EQ(d.batch_size, 512u);
  EXPECT_EQ(d.schedule_delay, std::chrono::milliseconds(1000));
  EXPECT_EQ(d.export_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(d.export_cost, std::chrono::microseconds(0));

  ASSERT_OK_AND_ASSIGN(const SampleAppOptions o, ParseSampleAppArgs({"--listen",
                                                                     "0.0.0.0:8080",
                                                                     "--threads=4",
                                                                     "--work-us",
                                                                     "0",
                                                                     "--downstream-ms",
                                                                     "5",
                                                                     "--otlp-endpoint",
                                                                     "http://a:4318/",
                                                                     "--otlp-endpoint",
                                                                     "http://127.0.0.1:4319/prefix",
                                                                     "--signals",
                                                                     "traces,metrics",
                                                                     "--queue-size",
                                                                     "100",
                                                                     "--batch-size",
                                                                     "10",
                                                                     "--schedule-delay",
                                                                     "50",
                                                                     "--export-timeout",
                                                                     "700",
                                                                     "--export-cost-us",
                                                                     "25",
                                                                     "--port-file",
                                                                     "/tmp/p",
                                                                     "--service-name",
                                                                     "svc"}));
  EXPECT_EQ(o.listen_address, "0.0.0.0");
  EXPECT_EQ(o.port, 8080);
  EXPECT_EQ(o.threads, 4);
  EXPECT_EQ(o.work, std::chrono::microseconds(0));
  EXPECT_EQ(o.downstream, std::chrono::milliseconds(5));
  EXPECT_EQ(o.otlp_endpoints,
            (std::vector<std::string>{"http://a:4318", "http://127.0.0.1:4319/prefix"}));
  EXPECT_TRUE(o.export_traces);
  EXPECT_FALSE(o.export_logs);
  EXPECT_TRUE(o.export_metrics);
  EXPECT_EQ(o.queue_size, 100u);
  EXPECT_EQ(o.batch_size, 10u);
  EXPECT_EQ(o.schedule_delay, std::chrono::milliseconds(50));
  EXPECT_EQ(o.export_timeout, std::chrono::milliseconds(700));
  EXPECT_EQ(o.export_cost, std::chrono::microseconds(25));
  EXPECT_EQ(o.port_file, "/tmp/p");
  EXPECT_EQ(o.service_name, "svc");
}

TEST(SampleAppFlagsTest, EnvironmentEndpointsOnlyWithoutTheFlag) {
  ASSERT_OK_AND_ASSIGN(const SampleAppOptions env,
                       ParseSampleAppArgs({}, " http://a:1 ,, http://b:2"));
  EXPECT_EQ(env.otlp_endpoints, (std::vector<std::string>{"http://a:1", "http://b:2"}));
  ASSERT_OK_AND_ASSIGN(const SampleAppOptions none, ParseSampleAppArgs({}, ""));
  EXPECT_TRUE(none.otlp_endpoints.empty());
  ASSERT_OK_AND_ASSIGN(const SampleAppOptions flag,
                       ParseSampleAppArgs({"--otlp-endpoint", "http://c:3"}, "http://a:1"));
  EXPECT_EQ(flag.otlp_endpoints, (std::vector<std::string>{"http://c:3"}));
  EXPECT_THAT(ParseSampleAppArgs({}, "ftp://x"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr(std::string(kEndpointsEnvVar))));
}

TEST(SampleAppFlagsTest, BadFlagsNameTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus", "1"}, "unknown flag --bogus"},
      {{"--threads", "0"}, "--threads"},
      {{"--threads", "two"}, "--threads"},
      {{"--work-us", "-5"}, "--work-us"},
      {{"--work-us"}, "--work-us: missing value"},
      {{"--listen", "localhost"}, "--listen"},
      {{"--listen", "127.0.0.1:99999"}, "--listen"},
      {{"--signals", "traces,spans"}, "--signals"},
      {{"--otlp-endpoint", "https://collector:4318"}, "--otlp-endpoint"},
      {{"--otlp-endpoint", "http://:4318"}, "--otlp-endpoint"},
      {{"--otlp-endpoint", "http://c:0"}, "--otlp-endpoint"},
      {{"--queue-size", "5", "--batch-size", "10"}, "--batch-size"},
      {{"--schedule-delay", "0"}, "--schedule-delay"},
      {{"--export-timeout", "1s"}, "--export-timeout"},
      {{"--export-cost-us", "x"}, "--export-cost-us"},
      {{"positional"}, "positional"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(ParseSampleAppArgs(c.first),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.second)))
        << c.first.front();
  }
}

// ---- Serving ----

SampleAppOptions FastOptions() {
  SampleAppOptions o;
  o.work = std::chrono::microseconds(50);
  o.downstream = std::chrono::milliseconds(1);
  o.schedule_delay = std::chrono::milliseconds(200);
  // Generous: on a starved CI machine the shutdown flush (and the injected
  // export CPU) can take seconds; a passed deadline would lose batches.
  o.export_timeout = std::chrono::milliseconds(60000);
  return o;
}

TEST(SampleAppTest, NoEndpointsServesAndCountsButExportsNothing) {
  ASSERT_OK_AND_ASSIGN(auto app, SampleApp::Start(FastOptions()));
  ASSERT_NE(app->port(), 0);
  {
    Client c(app->port());
    EXPECT_EQ(c.Get("/healthz").body, "ok");
    for (int i = 0; i < 5; ++i) {
      const Client::Answer a = c.Get("/api/orders/" + std::to_string(i));
      ASSERT_EQ(a.status, 200);
      const auto doc = nlohmann::json::parse(a.body);
      EXPECT_EQ(doc["id"], std::to_string(i));
      EXPECT_EQ(doc["items"].size(), 3u);
    }
    for (int i = 0; i < 2; ++i) {
      const Client::Answer a = c.Post("/api/orders", R"({"sku":"sku-1","quantity":2})");
      ASSERT_EQ(a.status, 201);
      EXPECT_EQ(nlohmann::json::parse(a.body)["request"]["quantity"], 2);
    }
    EXPECT_EQ(c.Post("/api/orders", "{not json").status, 400);
    EXPECT_EQ(c.Post("/api/orders", "[1,2]").status, 400);
    EXPECT_EQ(c.Get("/nope").status, 404);
    EXPECT_EQ(c.Get("/api/orders/a/b").status, 404);
    EXPECT_EQ(c.Send(boost::beast::http::verb::delete_, "/api/orders/1").status, 405);
    const Client::Answer stats = c.Get("/stats");
    ASSERT_EQ(stats.status, 200);
    const auto doc = nlohmann::json::parse(stats.body);
    for (const char* key : {"requests", "requests_by_status", "spans_created", "spans_dropped",
                            "logs_created", "logs_dropped", "endpoints"}) {
      EXPECT_TRUE(doc.contains(key)) << key;
    }
  }
  ASSERT_OK(app->Shutdown());
  const SampleAppStats s = app->Stats();
  // /healthz and /stats are not instrumented; 5 + 2 order requests have 4
  // spans each, the 5 others (400, 404, 405) a server span only.
  EXPECT_EQ(s.requests, 12u);
  EXPECT_EQ(s.requests_by_status,
            (std::map<int, std::uint64_t>{{200, 5}, {201, 2}, {400, 2}, {404, 2}, {405, 1}}));
  EXPECT_EQ(s.spans_created, 7u * 4 + 5);
  EXPECT_EQ(s.logs_created, 12u);
  EXPECT_EQ(s.spans_dropped, 0u);
  EXPECT_EQ(s.logs_dropped, 0u);
  EXPECT_TRUE(s.endpoints.empty());
  EXPECT_THAT(StatsJson(s), HasSubstr(R"("requests_by_status":{"200":5,"201":2,)"));
}

TEST(SampleAppTest, TwoEndpointsReceiveEverySpanLogAndMetric) {
  LoopbackSink a(Ok());
  LoopbackSink b(Ok());
  SampleAppOptions o = FastOptions();
  o.otlp_endpoints = {Base(a), Base(b)};
  o.batch_size = 16;
  ASSERT_OK_AND_ASSIGN(auto app, SampleApp::Start(o));
  const std::string caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string caller_span = "00f067aa0ba902b7";
  constexpr int kGets = 10;
  constexpr int kPosts = 5;
  {
    Client c(app->port());
    for (int i = 0; i < kGets; ++i) {
      std::vector<std::pair<std::string, std::string>> headers;
      if (i == 0) {
        headers.emplace_back("traceparent", "00-" + caller_trace + "-" + caller_span + "-01");
      }
      ASSERT_EQ(
          c.Send(boost::beast::http::verb::get, "/api/orders/" + std::to_string(i), "", headers)
              .status,
          200);
    }
    for (int i = 0; i < kPosts; ++i) {
      ASSERT_EQ(c.Post("/api/orders", R"({"sku":"x"})").status, 201);
    }
  }
  ASSERT_OK(app->Shutdown());
  const SampleAppStats s = app->Stats();
  constexpr std::uint64_t kRequests = kGets + kPosts;
  EXPECT_EQ(s.requests, kRequests);
  EXPECT_EQ(s.spans_created, 4 * kRequests);
  EXPECT_EQ(s.logs_created, kRequests);
  EXPECT_EQ(s.spans_dropped, 0u);
  EXPECT_EQ(s.logs_dropped, 0u);
  ASSERT_EQ(s.endpoints.size(), 2u);

  const Received ra = Decode(a);
  const Received rb = Decode(b);
  // Encoded once: both endpoints got the very same trace bodies.
  EXPECT_EQ(ra.trace_bodies, rb.trace_bodies);
  int index = 0;
  for (const Received* r : {&ra, &rb}) {
    const EndpointStats& e = s.endpoints[static_cast<std::size_t>(index)];
    SCOPED_TRACE("endpoint " + std::to_string(index++));
    EXPECT_EQ(r->bad, 0);
    EXPECT_EQ(r->spans.size(), 4 * kRequests);
    EXPECT_EQ(r->logs.size(), kRequests);
    EXPECT_EQ(e.spans_exported, r->spans.size());
    EXPECT_EQ(e.logs_exported, r->logs.size());
    EXPECT_EQ(e.points_exported, r->points);
    EXPECT_EQ(e.spans_failed + e.logs_failed + e.points_failed, 0u);
    EXPECT_EQ(e.batches_ok, static_cast<std::uint64_t>(r->posts));
    EXPECT_EQ(e.batches_failed, 0u);

    // One SERVER span per request; three children naming it as parent.
    std::map<std::string, const otlp::Span*> servers;
    for (const otlp::Span& sp : r->spans) {
      if (sp.kind == otlp::SpanKind::kServer) {
        servers[otlp::Hex(sp.span_id)] = &sp;
      }
    }
    ASSERT_EQ(servers.size(), kRequests);
    std::map<std::string, std::multiset<std::string>> children;
    for (const otlp::Span& sp : r->spans) {
      EXPECT_FALSE(otlp::IsZero(sp.trace_id));
      EXPECT_FALSE(otlp::IsZero(sp.span_id));
      EXPECT_LE(sp.start_time_unix_nano, sp.end_time_unix_nano) << sp.name;
      if (sp.kind == otlp::SpanKind::kServer) {
        continue;
      }
      const auto it = servers.find(otlp::Hex(sp.parent_span_id));
      ASSERT_NE(it, servers.end()) << sp.name;
      EXPECT_EQ(sp.trace_id, it->second->trace_id);
      EXPECT_GE(sp.start_time_unix_nano, it->second->start_time_unix_nano);
      EXPECT_LE(sp.end_time_unix_nano, it->second->end_time_unix_nano);
      children[it->first].insert(sp.name + "/" + std::string(otlp::SpanKindName(sp.kind)));
    }
    int gets = 0;
    int with_caller = 0;
    for (const auto& entry : servers) {
      const otlp::Span& sp = *entry.second;
      EXPECT_EQ(children[entry.first],
                (std::multiset<std::string>{"compute/internal", "downstream GET/client",
                                            "encode json/internal"}));
      const otlp::AnyValue* route = FindAttr(sp.attributes, "http.route");
      ASSERT_NE(route, nullptr);
      const otlp::AnyValue* method = FindAttr(sp.attributes, "http.request.method");
      ASSERT_NE(method, nullptr);
      EXPECT_EQ(sp.name, method->string_value + " " + route->string_value);
      const otlp::AnyValue* status = FindAttr(sp.attributes, "http.response.status_code");
      ASSERT_NE(status, nullptr);
      EXPECT_TRUE(status->int_value == 200 || status->int_value == 201);
      ASSERT_NE(FindAttr(sp.attributes, "url.path"), nullptr);
      ASSERT_NE(FindAttr(sp.attributes, "server.address"), nullptr);
      EXPECT_EQ(sp.status.code, otlp::SpanStatusCode::kUnset);
      if (sp.name == "GET /api/orders/{id}") {
        ++gets;
      }
      if (otlp::Hex(sp.trace_id) == caller_trace) {
        ++with_caller;
        EXPECT_EQ(otlp::Hex(sp.parent_span_id), caller_span);
      } else {
        EXPECT_TRUE(otlp::IsZero(sp.parent_span_id));
      }
    }
    EXPECT_EQ(gets, kGets);
    EXPECT_EQ(with_caller, 1);

    // One INFO log per request, correlated with its server span.
    for (const otlp::LogRecord& log : r->logs) {
      EXPECT_EQ(log.severity_number, 9);
      EXPECT_EQ(log.severity_text, "INFO");
      const auto it = servers.find(otlp::Hex(log.span_id));
      ASSERT_NE(it, servers.end());
      EXPECT_EQ(log.trace_id, it->second->trace_id);
      EXPECT_THAT(log.body.string_value,
                  ::testing::MatchesRegex("(GET /api/orders/[0-9]+ 200|POST /api/orders 201) "
                                          "[0-9]+\\.[0-9]ms"));
    }

    // Cumulative metrics: the last collection covers every request.
    ASSERT_FALSE(r->metrics.empty());
    std::uint64_t counted = 0;
    std::uint64_t histogram = 0;
    for (const auto& rm : r->metrics.back().resource_metrics) {
      for (const auto& sm : rm.scope_metrics) {
        for (const otlp::Metric& m : sm.metrics) {
          if (m.name == "http.server.requests") {
            EXPECT_EQ(m.temporality, otlp::AggregationTemporality::kCumulative);
            for (const auto& p : m.number_points) {
              counted += static_cast<std::uint64_t>(p.as_int);
            }
          } else if (m.name == "http.server.request.duration") {
            EXPECT_EQ(m.unit, "s");
            for (const auto& p : m.histogram_points) {
              histogram += p.count;
              ASSERT_NE(FindAttr(p.attributes, "http.route"), nullptr);
            }
          }
        }
      }
    }
    EXPECT_EQ(counted, kRequests);
    EXPECT_EQ(histogram, kRequests);
  }
}

TEST(SampleAppTest, ConcurrentKeepAliveClientsAreAllServedAndExported) {
  LoopbackSink sink(Ok());
  SampleAppOptions o = FastOptions();
  o.otlp_endpoints = {Base(sink)};
  o.batch_size = 64;
  ASSERT_OK_AND_ASSIGN(auto app, SampleApp::Start(o));
  constexpr int kClients = 4;
  constexpr int kEach = 25;
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&app, &ok, t] {
      Client c(app->port());
      for (int i = 0; i < kEach; ++i) {
        if (c.Get("/api/orders/" + std::to_string(t * 1000 + i)).status == 200) {
          ++ok;
        }
      }
    });
  }
  for (std::thread& t : clients) {
    t.join();
  }
  EXPECT_EQ(ok.load(), kClients * kEach);
  ASSERT_OK(app->Shutdown());
  const SampleAppStats s = app->Stats();
  constexpr std::uint64_t kRequests = kClients * kEach;
  EXPECT_EQ(s.requests, kRequests);
  EXPECT_EQ(s.spans_created, 4 * kRequests);
  ASSERT_EQ(s.endpoints.size(), 1u);
  EXPECT_EQ(s.endpoints[0].spans_exported, 4 * kRequests);
  EXPECT_EQ(s.endpoints[0].logs_exported, kRequests);
  const Received r = Decode(sink);
  EXPECT_EQ(r.spans.size(), 4 * kRequests);
  EXPECT_EQ(r.logs.size(), kRequests);
}

TEST(SampleAppTest, TinyQueueWithSlowEndpointDropsAndCountsTheDrops) {
  LoopbackSink slow(Ok(std::chrono::milliseconds(100)));
  SampleAppOptions o = FastOptions();
  o.work = std::chrono::microseconds(0);
  o.downstream = std::chrono::milliseconds(0);
  o.otlp_endpoints = {Base(slow)};
  o.export_traces = true;
  o.export_logs = false;
  o.export_metrics = false;
  o.queue_size = 4;
  o.batch_size = 2;
  o.schedule_delay = std::chrono::milliseconds(10);
  ASSERT_OK_AND_ASSIGN(auto app, SampleApp::Start(o));
  constexpr int kRequests = 30;
  {
    Client c(app->port());
    for (int i = 0; i < kRequests; ++i) {
      ASSERT_EQ(c.Get("/api/orders/" + std::to_string(i)).status, 200);
    }
  }
  ASSERT_OK(app->Shutdown());
  const SampleAppStats s = app->Stats();
  ASSERT_EQ(s.endpoints.size(), 1u);
  const EndpointStats& e = s.endpoints[0];
  EXPECT_EQ(s.spans_created, 4u * kRequests);
  EXPECT_GT(s.spans_dropped, 0u);
  EXPECT_EQ(e.spans_failed, 0u);
  EXPECT_EQ(s.spans_created, e.spans_exported + e.spans_failed + s.spans_dropped);
  // Logs are created but, not selected, never queued (so never dropped).
  EXPECT_EQ(s.logs_created, static_cast<std::uint64_t>(kRequests));
  EXPECT_EQ(s.logs_dropped, 0u);
  EXPECT_EQ(e.logs_exported, 0u);
  const Received r = Decode(slow);
  EXPECT_EQ(r.spans.size(), e.spans_exported);
  EXPECT_TRUE(r.logs.empty());
  EXPECT_TRUE(r.metrics.empty());
  EXPECT_EQ(s.requests, static_cast<std::uint64_t>(kRequests));
}

// Process CPU used by one app run of `requests` requests (sinks included).
double RunCpuSeconds(const SampleAppOptions& o, int requests, SampleAppStats& stats) {
  const double before = ProcessCpuSeconds();
  auto app = SampleApp::Start(o);
  EXPECT_TRUE(app.ok()) << app.status();
  if (!app.ok()) {
    return 0;
  }
  {
    Client c((*app)->port());
    for (int i = 0; i < requests; ++i) {
      EXPECT_EQ(c.Get("/api/orders/" + std::to_string(i)).status, 200);
    }
  }
  EXPECT_OK((*app)->Shutdown());
  stats = (*app)->Stats();
  return ProcessCpuSeconds() - before;
}

TEST(SampleAppTest, ExportCostBurnsKnownCpuPerSpanPerEndpoint) {
  LoopbackSink a(Ok());
  LoopbackSink b(Ok());
  SampleAppOptions o = FastOptions();
  o.otlp_endpoints = {Base(a), Base(b)};
  o.export_logs = false;
  o.export_metrics = false;
  constexpr int kRequests = 10;
  constexpr std::int64_t kCostUs = 2000;
  SampleAppStats base_stats;
  const double base = RunCpuSeconds(o, kRequests, base_stats);
  o.export_cost = std::chrono::microseconds(kCostUs);
  SampleAppStats cost_stats;
  const double cost = RunCpuSeconds(o, kRequests, cost_stats);
  ASSERT_EQ(cost_stats.endpoints.size(), 2u);
  const std::uint64_t spans = cost_stats.endpoints[0].spans_exported;
  EXPECT_EQ(spans, 4u * kRequests);
  EXPECT_EQ(cost_stats.endpoints[1].spans_exported, spans);
  // N µs x spans x endpoints: 2000 x 40 x 2 = 160 ms of export-thread CPU.
  const double expected = static_cast<double>(kCostUs) * 1e-6 * static_cast<double>(spans) * 2;
  EXPECT_GE(cost - base, 0.7 * expected) << "base " << base << " s, with cost " << cost << " s";
}

// ---- The obsbench binary ----

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(SampleAppBinaryTest, HelpAndBadFlag) {
  auto help = testing::RunProcess({OBS_BINARY, "sample-app", "--help"}, std::chrono::seconds(30));
  ASSERT_OK(help.status());
  EXPECT_EQ(help->exit_code, 0);
  EXPECT_THAT(help->out, StartsWith("usage: obsbench sample-app"));
  auto bad =
      testing::RunProcess({OBS_BINARY, "sample-app", "--bogus", "1"}, std::chrono::seconds(30));
  ASSERT_OK(bad.status());
  EXPECT_EQ(bad->exit_code, 2);
  EXPECT_THAT(bad->err, HasSubstr("unknown flag --bogus"));
  auto top = testing::RunProcess({OBS_BINARY, "--help"}, std::chrono::seconds(30));
  ASSERT_OK(top.status());
  EXPECT_THAT(top->out, HasSubstr("sample-app"));
}

TEST(SampleAppBinaryTest, ServesAndFlushesOnSigterm) {
  LoopbackSink sink(Ok());
  testing::TempDir dir;
  const std::string out_path = dir.path() + "/out";
  const std::string err_path = dir.path() + "/err";
  const std::string port_path = dir.path() + "/port";
  const std::vector<std::string> args = {
      OBS_BINARY,        "sample-app", "--listen",         "127.0.0.1:0", "--port-file", port_path,
      "--otlp-endpoint", Base(sink),   "--schedule-delay", "60000",       "--work-us",   "10"};
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::FILE* out = std::freopen(out_path.c_str(), "w", stdout);
    std::FILE* err = std::freopen(err_path.c_str(), "w", stderr);
    if (out == nullptr || err == nullptr) {
      _exit(127);
    }
    std::vector<char*> argv;
    for (const std::string& a : args) {
      argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // Kills the child if an assertion below returns early.
  struct Reaper {
    pid_t pid;
    bool reaped = false;
    ~Reaper() {
      if (!reaped) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
  } reaper{pid};

  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    line = ReadFile(out_path);
    if (line.find('\n') != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_THAT(line, ::testing::MatchesRegex("sample-app listening on 127\\.0\\.0\\.1:[0-9]+\n"))
      << ReadFile(err_path);
  const std::string port = line.substr(line.rfind(':') + 1, line.size() - line.rfind(':') - 2);
  EXPECT_EQ(ReadFile(port_path), port + "\n");
  const std::string base = "http://127.0.0.1:" + port;
  EXPECT_EQ(testing::HttpGetStatus(base + "/healthz"), 200);
  EXPECT_EQ(testing::HttpGetStatus(base + "/api/orders/7"), 200);
  EXPECT_EQ(testing::HttpGetStatus(base + "/api/orders/8"), 200);

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = -1;
  while (std::chrono::steady_clock::now() < deadline + std::chrono::seconds(15)) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      reaper.reaped = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(reaper.reaped) << "no exit after SIGTERM";
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  const std::string err = ReadFile(err_path);
  const std::size_t at = err.find("sample-app stats {");
  ASSERT_NE(at, std::string::npos) << err;
  const std::string json = err.substr(at + std::string("sample-app stats ").size());
  const auto doc = nlohmann::json::parse(json.substr(0, json.find('\n')));
  EXPECT_EQ(doc["requests"], 2);
  EXPECT_EQ(doc["spans_created"], 8);
  ASSERT_EQ(doc["endpoints"].size(), 1u);
  // Only the shutdown flush exported (the schedule delay is a minute).
  EXPECT_EQ(doc["endpoints"][0]["spans_exported"], 8);
  EXPECT_EQ(doc["endpoints"][0]["logs_exported"], 2);
  EXPECT_EQ(doc["endpoints"][0]["points_exported"], 2);
  const Received r = Decode(sink);
  EXPECT_EQ(r.spans.size(), 8u);
  EXPECT_EQ(r.logs.size(), 2u);
  EXPECT_EQ(r.points, 2u);
}

}  // namespace
}  // namespace obs::sample_app
