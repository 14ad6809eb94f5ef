// The `obsbench sample-app` flags, the /stats document and the blocking
// command entry point.
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <limits>

#include "http_client.h"
#include "sample_app.h"
#include <nlohmann/json.hpp>

namespace obs::sample_app {
namespace {

constexpr std::string_view kUsage = R"(usage: obsbench sample-app [flags]

A small instrumented HTTP service for overhead experiments: GET /api/orders/<id>
and POST /api/orders do CPU work, a simulated downstream call and JSON
encoding, and are traced, logged and metered by obsbench's own
instrumentation, exported as OTLP/HTTP protobuf to 0, 1 or 2 endpoints.
GET /healthz and GET /stats are not instrumented. SIGTERM or SIGINT stop it
after flushing every queue; the final counters go to stderr as one line.

Flags:
  --listen HOST:PORT        listen address (default 127.0.0.1:0, port 0 = any)
  --port-file PATH          also write the bound port to PATH
  --threads N               server threads (default 2)
  --work-us N               CPU work per request in microseconds (default 200)
  --downstream-ms N         simulated downstream latency (default 1)
  --otlp-endpoint URL       OTLP/HTTP base URL (http://host:port); repeat for
                            dual export; without it OBSBENCH_SAMPLE_APP_OTLP_ENDPOINTS
                            (comma separated) is read
  --signals LIST            what to export: traces,logs,metrics (default all)
  --queue-size N            span and log queue capacity each (default 2048)
  --batch-size N            records per export batch (default 512)
  --schedule-delay MS       export at least this often; metrics interval (default 1000)
  --export-timeout MS       per POST, and the shutdown flush bound (default 10000)
  --export-cost-us N        extra export-thread CPU per span per endpoint (default 0)
  --service-name NAME       service.name resource attribute (default obsbench-sample-app)
)";

Status FlagError(std::string_view flag, std::string_view what, std::string_view value) {
  return InvalidArgumentError(std::string(flag) + ": expected " + std::string(what) + ", got \"" +
                              std::string(value) + "\"");
}

// An integer in [min, max] or kInvalidArgument naming the flag.
Result<std::int64_t> ParseInt(std::string_view flag, std::string_view value, std::int64_t min,
                              std::int64_t max, std::string_view what) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || ptr != value.data() + value.size() || v < min ||
      v > max) {
    return FlagError(flag, what, value);
  }
  return v;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

std::vector<std::string> SplitList(std::string_view list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    std::string item = Trim(list.substr(start, comma - start));
    if (!item.empty()) {
      out.push_back(std::move(item));
    }
    start = comma + 1;
  }
  return out;
}

Status ParseListen(std::string_view value, SampleAppOptions& o) {
  const std::size_t colon = value.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return FlagError("--listen", "HOST:PORT", value);
  }
  auto port = ParseInt("--listen", value.substr(colon + 1), 0, 65535, "HOST:PORT");
  if (!port.ok()) {
    return FlagError("--listen", "HOST:PORT with a port in 0..65535", value);
  }
  std::string host(value.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  o.listen_address = host;
  o.port = static_cast<std::uint16_t>(*port);
  return Status::Ok();
}

Status ParseSignals(std::string_view value, SampleAppOptions& o) {
  o.export_traces = o.export_logs = o.export_metrics = false;
  for (const std::string& s : SplitList(value)) {
    if (s == "traces") {
      o.export_traces = true;
    } else if (s == "logs") {
      o.export_logs = true;
    } else if (s == "metrics") {
      o.export_metrics = true;
    } else {
      return FlagError("--signals", "a list of traces, logs, metrics", value);
    }
  }
  return Status::Ok();
}

Status CheckEndpoint(std::string_view flag, const std::string& url) {
  auto parsed = internal::ParseHttpUrl(url);
  if (!parsed.ok()) {
    return InvalidArgumentError(std::string(flag) + ": " + parsed.status().message());
  }
  return Status::Ok();
}

std::string NormalizeEndpoint(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

}  // namespace

std::string_view SampleAppUsage() {
  return kUsage;
}

Result<SampleAppOptions> ParseSampleAppArgs(const std::vector<std::string>& args,
                                            std::optional<std::string_view> env_endpoints) {
  SampleAppOptions o;
  bool endpoint_flag = false;
  constexpr std::int64_t kMaxMillis = 24LL * 3600 * 1000;
  constexpr std::int64_t kMaxMicros = 60LL * 1000 * 1000;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> inline_value;
    if (const std::size_t eq = flag.find('=');
        flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    if (flag.rfind("--", 0) != 0) {
      return InvalidArgumentError("sample-app takes no positional arguments, got \"" + flag + "\"");
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return InvalidArgumentError(flag + ": missing value");
    }
    if (flag == "--listen") {
      OBS_RETURN_IF_ERROR(ParseListen(value, o));
    } else if (flag == "--port-file") {
      if (value.empty()) {
        return FlagError(flag, "a path", value);
      }
      o.port_file = value;
    } else if (flag == "--threads") {
      OBS_ASSIGN_OR_RETURN(const std::int64_t v,
                           ParseInt(flag, value, 1, 256, "an integer in 1..256"));
      o.threads = static_cast<int>(v);
    } else if (flag == "--work-us") {
      OBS_ASSIGN_OR_RETURN(const std::int64_t v,
                           ParseInt(flag, value, 0, kMaxMicros, "microseconds >= 0"));
      o.work = std::chrono::microseconds(v);
    } else if (flag == "--downstream-ms") {
      OBS_ASSIGN_OR_RETURN(const std::int64_t v,
                           ParseInt(flag, value, 0, kMaxMillis, "milliseconds >= 0"));
      o.downstream = std::chrono::milliseconds(v);
    } else if (flag == "--otlp-endpoint") {
      OBS_RETURN_IF_ERROR(CheckEndpoint(flag, value));
      if (!endpoint_flag) {
        o.otlp_endpoints.clear();
      }
      endpoint_flag = true;
      o.otlp_endpoints.push_back(NormalizeEndpoint(value));
    } else if (flag == "--signals") {
      OBS_RETURN_IF_ERROR(ParseSignals(value, o));
    } else if (flag == "--queue-size") {
      OBS_ASSIGN_OR_RETURN(const std::int64_t v,
                           ParseInt(flag, value, 1, 1 << 24, "an integer >= 1"));
      o.queue_size = static_cast<std::size_t>(v);
    } else if (flag == "--batch-size") {
      OBS_ASSIGN_OR_RETURN(const std::int64_t v,
                           ParseInt(flag, value, 1, 1 << 24, "an integer >= 1"));
      o.batch_size = static_cast<std::size_t>(v);
    } else if (flag == "--schedule-delay") {
      OBS_ASSIGN_OR_RETURN(const std::int64_t v,
                           ParseInt(flag, value, 1, kMaxMillis, "milliseconds >= 1"));
      o.schedule_delay = std::chrono::milliseconds(v);
    } else if (flag == "--export-timeout") {
      OBS_ASSIGN_OR_RETURN(const std::int64_t v,
                           ParseInt(flag, value, 1, kMaxMillis, "milliseconds >= 1"));
      o.export_timeout = std::chrono::milliseconds(v);
    } else if (flag == "--export-cost-us") {
      OBS_ASSIGN_OR_RETURN(const std::int64_t v,
                           ParseInt(flag, value, 0, kMaxMicros, "microseconds >= 0"));
      o.export_cost = std::chrono::microseconds(v);
    } else if (flag == "--service-name") {
      if (value.empty()) {
        return FlagError(flag, "a name", value);
      }
      o.service_name = value;
    } else {
      return InvalidArgumentError("unknown flag " + flag);
    }
  }
  if (o.batch_size > o.queue_size) {
    return InvalidArgumentError("--batch-size: " + std::to_string(o.batch_size) +
                                " must not exceed --queue-size " + std::to_string(o.queue_size));
  }
  if (!endpoint_flag && env_endpoints) {
    for (const std::string& url : SplitList(*env_endpoints)) {
      OBS_RETURN_IF_ERROR(CheckEndpoint(kEndpointsEnvVar, url));
      o.otlp_endpoints.push_back(NormalizeEndpoint(url));
    }
  }
  return o;
}

std::string StatsJson(const SampleAppStats& stats) {
  nlohmann::json by_status = nlohmann::json::object();
  for (const auto& entry : stats.requests_by_status) {
    by_status[std::to_string(entry.first)] = entry.second;
  }
  nlohmann::json endpoints = nlohmann::json::array();
  for (const EndpointStats& e : stats.endpoints) {
    endpoints.push_back({{"url", e.url},
                         {"spans_exported", e.spans_exported},
                         {"spans_failed", e.spans_failed},
                         {"logs_exported", e.logs_exported},
                         {"logs_failed", e.logs_failed},
                         {"points_exported", e.points_exported},
                         {"points_failed", e.points_failed},
                         {"batches_ok", e.batches_ok},
                         {"batches_failed", e.batches_failed}});
  }
  const nlohmann::json doc = {{"requests", stats.requests},
                              {"requests_by_status", by_status},
                              {"spans_created", stats.spans_created},
                              {"spans_dropped", stats.spans_dropped},
                              {"logs_created", stats.logs_created},
                              {"logs_dropped", stats.logs_dropped},
                              {"endpoints", endpoints}};
  return doc.dump();
}

int RunSampleApp(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    }
  }
  const char* env = std::getenv(std::string(kEndpointsEnvVar).c_str());
  auto options = ParseSampleAppArgs(
      args, env != nullptr ? std::optional<std::string_view>(env) : std::nullopt);
  if (!options.ok()) {
    std::cerr << "obsbench sample-app: " << options.status().message() << "\n\n" << kUsage;
    return 2;
  }
  // Block the signals before any thread starts (threads inherit the mask);
  // this thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto app = SampleApp::Start(*options);
  if (!app.ok()) {
    std::cerr << "obsbench sample-app: " << app.status().ToString() << "\n";
    return 3;
  }
  std::cout << "sample-app listening on " << options->listen_address << ":" << (*app)->port()
            << std::endl;
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  const Status s = (*app)->Shutdown();
  if (!s.ok()) {
    std::cerr << "obsbench sample-app: shutdown: " << s.ToString() << "\n";
  }
  std::cerr << "sample-app stats " << StatsJson((*app)->Stats()) << std::endl;
  return 0;
}

}  // namespace obs::sample_app
