// LoopbackSink is a tiny remote-write receiver for loadgen tests: a blocking
// Beast HTTP/1.1 server on 127.0.0.1:0 (a thread per connection) that decodes
// each body (snappy + obs::wire's decoder), remembers every series' samples
// in arrival order, and answers from a script (status, Retry-After, delay).
// It is deliberately not the backend module: loadgen tests must not link it.
// The server lives in loopback_sink.cc, compiled once for every test that
// uses it (Beast instantiations are the slowest code in the test build).
//
// Thread safety: the accessors lock; the script runs on connection threads.

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "obs/wire/remote_write.h"

namespace obs::loadgen::testing {

struct SinkAnswer {
  int status = 204;
  std::string retry_after{};
  std::chrono::milliseconds delay{0};
  std::string body{};          // Sent as is (OTLP partial success, errors).
  std::string content_type{};  // Omitted when empty.
};

struct SinkRequest {
  std::chrono::steady_clock::time_point arrival;
  int answered = 0;
  std::string method;  // "POST", "GET", ...
  std::string target;  // The request target: "/api/v1/write", "/items?id=7".
  std::map<std::string, std::string> headers;  // Lower-case names.
  // Per series (Prometheus text of the label set), its samples' timestamps.
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> series;
  std::size_t samples = 0;
  bool decoded = false;
  std::string body;  // The raw request body (for protocols other than remote write).
};

class LoopbackSink {
 public:
  using Script = std::function<SinkAnswer(int request_index)>;

  explicit LoopbackSink(Script script = [](int) { return SinkAnswer{}; });
  ~LoopbackSink();

  LoopbackSink(const LoopbackSink&) = delete;
  LoopbackSink& operator=(const LoopbackSink&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/api/v1/write"; }
  int port() const;

  std::vector<SinkRequest> requests() const;

  // Timestamps of every sample each series received, in arrival order
  // (acknowledged or not).
  std::map<std::string, std::vector<std::int64_t>> SamplesBySeries(bool only_acked) const;

 private:
  class Server;
  std::unique_ptr<Server> server_;
};

// The key LoopbackSink uses for a label set: "name=value," per sorted label.
inline std::string SinkKey(const std::vector<wire::Label>& labels) {
  std::string key;
  for (const wire::Label& l : labels) {
    key += l.name + "=" + l.value + ",";
  }
  return key;
}

}  // namespace obs::loadgen::testing
