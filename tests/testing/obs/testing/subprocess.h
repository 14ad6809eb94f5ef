// Subprocess runs a program for a test and collects its exit code and output,
// with a deadline; PeerProcess starts a long-running peer (Prometheus,
// VictoriaMetrics) on a free loopback port with a temporary data directory,
// waits until it is ready, and stops it by PID when destroyed. Tests never
// rely on anything started by hand.
//
// Thread safety: none; one object per test.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "obs/base/status.h"

#include <sys/types.h>

namespace obs::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 if killed by a signal or timed out.
  bool timed_out = false;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `argv` (argv[0] is a path or a name looked up in PATH) and waits at most
// `timeout`. Returns kUnavailable if it cannot be started.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::seconds timeout);

// A free TCP port on 127.0.0.1 (bound to port 0 and read back, then closed).
std::uint16_t FreeLoopbackPort();

// An empty directory under $TMPDIR, removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// HTTP GET status code of `url` (0 when it cannot connect). Used to poll readiness.
int HttpGetStatus(const std::string& url);

class PeerProcess {
 public:
  // Starts `argv` with stdout/stderr to `log_path`, then polls `ready_url`
  // until it answers 200 or `timeout` passes (kDeadlineExceeded, with the
  // log's tail in the message).
  static Result<PeerProcess> Start(const std::vector<std::string>& argv,
                                   const std::string& ready_url, const std::string& log_path,
                                   std::chrono::seconds timeout);
  PeerProcess(PeerProcess&& other) noexcept;
  PeerProcess& operator=(PeerProcess&&) = delete;
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;
  ~PeerProcess();  // SIGTERM, then SIGKILL after 10 s.

  pid_t pid() const { return pid_; }
  // The last `bytes` of the peer's output, for failure messages: a test that
  // fails against a peer shows what the peer said.
  std::string LogTail(std::size_t bytes = 3000) const;

 private:
  PeerProcess(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}
  pid_t pid_ = -1;
  std::string log_path_;
};

// Prometheus 2.42 with the remote-write receiver on a free port, data in `dir`.
struct StartedPeer {
  PeerProcess process;
  std::uint16_t port;
  std::string base_url;   // http://127.0.0.1:<port>
  std::string write_url;  // .../api/v1/write
};
Result<StartedPeer> StartPrometheus(const std::string& dir);
// VictoriaMetrics 1.79.5 with -search.latencyOffset=0s on a free port, data in `dir`.
Result<StartedPeer> StartVictoriaMetrics(const std::string& dir);

// Alerting peers for alert scenarios. Durations are Prometheus-style text
// ("750ms", "3s").
struct AlertingPeerOptions {
  std::string rule_file{};            // Prometheus / vmalert: the (scaled) rule file.
  std::string evaluation_interval{};  // Prometheus / vmalert.
  std::string resend_delay{};         // Prometheus: --rules.alert.resend-delay.
  std::string lookback_delta{};       // Prometheus: --query.lookback-delta;
                                      // vmalert: -datasource.queryStep.
  std::string notify_url{};           // Prometheus: the Alertmanager's base URL;
                                      // vmalert: the notifier (API v2) base URL.
  std::string config_file{};          // Alertmanager: its configuration file.
  std::string datasource_url{};       // vmalert: the VictoriaMetrics base URL.
};
// Prometheus 2.42 with the remote-write receiver, evaluating `rule_file` and
// sending to the Alertmanager at `notify_url`.
Result<StartedPeer> StartPrometheusWithRules(const std::string& dir,
                                             const AlertingPeerOptions& options);
// Alertmanager 0.25 (no clustering) with `config_file` (e.g. from
// `obsbench rules alertmanager-config`).
Result<StartedPeer> StartAlertmanager(const std::string& dir, const AlertingPeerOptions& options);
// vmalert 1.79.5 evaluating `rule_file` against `datasource_url`, writing
// recording rules back there and notifying `notify_url` (API v2).
Result<StartedPeer> StartVmalert(const std::string& dir, const AlertingPeerOptions& options);

}  // namespace obs::testing
