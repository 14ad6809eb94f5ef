#include "obs/loadgen/log_generator.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>

#include "obs/base/civil_time.h"
#include "obs/wire/json_text.h"

namespace obs::loadgen {
namespace {

std::uint64_t Mix(std::uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() { return Mix(state_ += 0x9E3779B97F4A7C15ULL); }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  std::size_t Below(std::size_t n) { return n <= 1 ? 0 : static_cast<std::size_t>(Next() % n); }
  template <typename T, std::size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  std::uint64_t state_;
};

constexpr const char* kPaths[] = {"/api/orders",   "/api/orders/1001",    "/api/cart",
                                  "/api/users/me", "/api/search?q=shoes", "/static/app.js",
                                  "/healthz"};
constexpr const char* kMethods[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
constexpr const char* kAgents[] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15", "okhttp/4.12.0",
    "curl/8.5.0", "Go-http-client/1.1"};
constexpr const char* kInfo[] = {"request completed", "order created",      "cache refreshed",
                                 "user signed in",    "payment authorized", "job scheduled"};
constexpr const char* kWarn[] = {"slow query", "retrying upstream call", "cache miss storm",
                                 "connection pool near capacity"};
constexpr const char* kError[] = {"upstream timeout", "database connection refused",
                                  "payment declined by provider", "null reference in handler"};
constexpr const char* kDebug[] = {"entering handler", "loaded config", "cache lookup"};
constexpr const char* kClasses[] = {"OrderService", "PaymentClient", "Repository", "Handler",
                                    "Router"};
constexpr const char* kExceptions[] = {"TimeoutError", "ConnectionRefusedError",
                                       "PaymentDeclinedException", "NullPointerException"};

std::string StackTrace(Rng& rng, const char* exception) {
  std::string out = std::string(exception) + ": " + rng.Pick(kError);
  const int frames = 3 + static_cast<int>(rng.Below(6));
  for (int i = 0; i < frames; ++i) {
    out += "\n    at com.example.shop.";
    out += rng.Pick(kClasses);
    out += ".call";
    out += std::to_string(i);
    out += "(Service.java:" + std::to_string(40 + rng.Below(400)) + ")";
  }
  return out;
}

}  // namespace

std::string_view LogFormatName(LogFormat f) {
  switch (f) {
    case LogFormat::kJson:
      return "json";
    case LogFormat::kLogfmt:
      return "logfmt";
    case LogFormat::kAccess:
      return "access";
  }
  return "json";
}

Status ValidateLogModel(const LogModel& m) {
  if (m.labels.empty()) {
    return InvalidArgumentError("labels: at least one stream label is required");
  }
  std::size_t streams = 1;
  for (const auto& [name, values] : m.labels) {
    if (name.empty() || values.empty()) {
      return InvalidArgumentError("labels: \"" + name + "\" needs at least one value");
    }
    streams *= values.size();
    if (streams > 100000) {
      return InvalidArgumentError("labels: more than 100000 streams");
    }
  }
  if (m.formats.empty()) {
    return InvalidArgumentError("formats: at least one format is required");
  }
  for (double w : {m.debug, m.info, m.warn, m.error}) {
    if (!(w >= 0)) {
      return InvalidArgumentError("levels: weights must be >= 0");
    }
  }
  if (!(m.debug + m.info + m.warn + m.error > 0)) {
    return InvalidArgumentError("levels: at least one weight must be > 0");
  }
  for (double p : {m.stack_trace_probability, m.trace_correlation}) {
    if (!(p >= 0 && p <= 1)) {
      return InvalidArgumentError("probabilities must be in [0, 1]");
    }
  }
  if (m.line_bytes < 0 || m.line_bytes > (1 << 20)) {
    return InvalidArgumentError("line_bytes must be in [0, 1048576]");
  }
  return Status::Ok();
}

LogGenerator::LogGenerator(LogModel model, std::uint64_t seed, std::string_view run_id)
    : model_(std::move(model)) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : run_id) {
    h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
  }
  key_ = Mix(seed ^ h);
  streams_.emplace_back();
  for (const auto& [name, values] : model_.labels) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& partial : streams_) {
      for (const std::string& v : values) {
        auto s = partial;
        s.emplace_back(name, v);
        next.push_back(std::move(s));
      }
    }
    streams_ = std::move(next);
  }
  for (auto& s : streams_) {
    std::sort(s.begin(), s.end());
  }
}

LogFormat LogGenerator::stream_format(std::size_t s) const {
  return model_.formats[s % model_.formats.size()];
}

namespace {

void AppendU64(std::string& out, std::uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void AppendHex(std::string& out, Rng& rng, int bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < bytes; i += 8) {
    std::uint64_t v = rng.Next();
    for (int j = 0; j < 8 && i + j < bytes; ++j, v >>= 8) {
      out += kHex[(v >> 4) & 15];
      out += kHex[v & 15];
    }
  }
}

// "2023-11-14T22:13:20.123Z" and "14/Nov/2023:22:13:20 +0000", the
// per-second part cached per thread (consecutive lines share the second).
struct TimeText {
  std::int64_t second = INT64_MIN;
  char rfc[32] = {};
  char clf[32] = {};
};

const TimeText& TimeFor(std::int64_t timestamp_ns) {
  thread_local TimeText cache;
  std::int64_t sec = timestamp_ns / 1000000000;
  if (timestamp_ns < 0 && timestamp_ns % 1000000000 != 0) {
    --sec;
  }
  if (sec != cache.second) {
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const CivilTime c = CivilFromUnixSeconds(sec);
    std::snprintf(cache.rfc, sizeof cache.rfc, "%04lld-%02d-%02dT%02d:%02d:%02d",
                  static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second);
    std::snprintf(cache.clf, sizeof cache.clf, "%02d/%s/%04lld:%02d:%02d:%02d +0000", c.day,
                  kMonths[(c.month + 11) % 12], static_cast<long long>(c.year), c.hour, c.minute,
                  c.second);
    cache.second = sec;
  }
  return cache;
}

void AppendRfc3339(std::string& out, std::int64_t timestamp_ns) {
  out += TimeFor(timestamp_ns).rfc;
  std::int64_t ms = (timestamp_ns / 1000000) % 1000;
  if (ms < 0) {
    ms += 1000;
  }
  out += '.';
  out += static_cast<char>('0' + ms / 100);
  out += static_cast<char>('0' + ms / 10 % 10);
  out += static_cast<char>('0' + ms % 10);
  out += 'Z';
}

}  // namespace

void LogGenerator::Line(std::uint64_t n, std::int64_t timestamp_ns, GeneratedLine& out) const {
  Rng rng(Mix(key_ ^ (n * 0xD6E8FEB86659FD93ULL)));
  const std::size_t streams = streams_.size();
  out.stream = static_cast<std::size_t>(n % streams);
  out.seq = n / streams;
  std::string& o = out.line;
  o.clear();
  const LogFormat format = stream_format(out.stream);
  const bool traced = rng.Uniform() < model_.trace_correlation;

  if (format == LogFormat::kAccess) {
    // Combined log format, with the line's identity as a query parameter.
    static constexpr int kStatuses[] = {200, 200, 200, 200, 200, 201, 204,
                                        301, 304, 400, 404, 500, 503};
    const int status = kStatuses[rng.Below(std::size(kStatuses))];
    o += "10.";
    AppendU64(o, rng.Below(256));
    o += '.';
    AppendU64(o, rng.Below(256));
    o += '.';
    AppendU64(o, rng.Below(256));
    o += " - - [";
    o += TimeFor(timestamp_ns).clf;
    o += "] \"";
    o += rng.Pick(kMethods);
    o += ' ';
    const std::string_view path = rng.Pick(kPaths);
    o += path;
    o += path.find('?') == std::string_view::npos ? "?rid=" : "&rid=";
    AppendU64(o, out.seq);
    o += " HTTP/1.1\" ";
    AppendU64(o, static_cast<std::uint64_t>(status));
    o += ' ';
    AppendU64(o, 200 + rng.Below(48000));
    o += " \"https://shop.example.com/\" \"";
    o += rng.Pick(kAgents);
    o += '"';
    if (traced) {
      // Access logs carry the trace id as a trailing field (as NGINX's
      // $opentelemetry_trace_id does).
      o += " trace_id=";
      AppendHex(o, rng, 16);
    }
  } else {
    const double total = model_.debug + model_.info + model_.warn + model_.error;
    const double u = rng.Uniform() * total;
    const char* level = u < model_.debug                               ? "debug"
                        : u < model_.debug + model_.info               ? "info"
                        : u < model_.debug + model_.info + model_.warn ? "warn"
                                                                       : "error";
    const std::string_view lv(level);
    const char* msg = lv == "debug"  ? rng.Pick(kDebug)
                      : lv == "info" ? rng.Pick(kInfo)
                      : lv == "warn" ? rng.Pick(kWarn)
                                     : rng.Pick(kError);
    const std::uint64_t duration = 1 + rng.Below(2500);
    const std::uint64_t user = 1000 + rng.Below(9000);
    std::string stack;
    if (lv == "error" && rng.Uniform() < model_.stack_trace_probability) {
      stack = StackTrace(rng, rng.Pick(kExceptions));
    }
    if (format == LogFormat::kJson) {
      o += "{\"ts\":\"";
      AppendRfc3339(o, timestamp_ns);
      o += "\",\"level\":\"";
      o += level;
      o += "\",\"msg\":";
      wire::AppendJsonString(msg, o);
      o += ",\"seq\":";
      AppendU64(o, out.seq);
      o += ",\"duration_ms\":";
      AppendU64(o, duration);
      o += ",\"user\":\"u";
      AppendU64(o, user);
      o += '"';
      if (traced) {
        o += ",\"trace_id\":\"";
        AppendHex(o, rng, 16);
        o += "\",\"span_id\":\"";
        AppendHex(o, rng, 8);
        o += '"';
      }
      if (!stack.empty()) {
        o += ",\"stack\":";
        wire::AppendJsonString(stack, o);
      }
      o += '}';
    } else {
      o += "ts=";
      AppendRfc3339(o, timestamp_ns);
      o += " level=";
      o += level;
      o += " msg=\"";
      o += msg;
      o += "\" seq=";
      AppendU64(o, out.seq);
      o += " duration_ms=";
      AppendU64(o, duration);
      o += " user=u";
      AppendU64(o, user);
      if (traced) {
        o += " trace_id=";
        AppendHex(o, rng, 16);
        o += " span_id=";
        AppendHex(o, rng, 8);
      }
      if (!stack.empty()) {
        o += '\n';  // Multi-line: the trace follows the event line.
        o += stack;
      }
    }
  }
  if (model_.line_bytes > 0 && o.size() < static_cast<std::size_t>(model_.line_bytes)) {
    const std::size_t pad = static_cast<std::size_t>(model_.line_bytes) - o.size();
    if (format == LogFormat::kJson) {
      o.pop_back();
      o += ",\"detail\":\"";
      o.append(pad > 12 ? pad - 12 : 0, 'x');
      o += "\"}";
    } else {
      o += " detail=";
      o.append(pad > 8 ? pad - 8 : 0, 'x');
    }
  }
}

}  // namespace obs::loadgen
