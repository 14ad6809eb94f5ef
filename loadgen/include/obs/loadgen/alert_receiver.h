// AlertReceiver is the harness's end of alert delivery: an HTTP server on
// loopback that accepts what an alerting pipeline sends and records each
// notification with its arrival time, so alert assertions can judge when an
// alert fired, with which labels and annotations, and when it resolved.
//
// Accepted bodies, on any path, by POST:
//   - Alertmanager webhook v4 (a JSON object with "version": "4", "status"
//     and "alerts"; what Alertmanager's webhook_config and obsbench's
//     backend in webhook mode send). Each alert keeps its own "status".
//   - Alertmanager API v2 alerts (a JSON array of alerts with labels,
//     annotations, startsAt, endsAt, generatorURL: what Prometheus, vmalert
//     and obsbench's backend POST to /api/v2/alerts). An alert whose endsAt
//     is at or before its arrival is "resolved", otherwise "firing".
// Both are decoded by obs/wire/alertmanager.h, the codec the backend's
// notifier encodes with. Anything else is answered 400 with the decoder's
// reason and not recorded; a
// notification already recorded is never lost. Bodies over 8 MiB get 413.
// Recorded notifications are bounded (the oldest beyond `max_notifications`
// are dropped and counted).
//
// Thread safety: Notifications() and the counters may be called from any
// thread while the server runs on its own thread.

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/status.h"
#include "obs/wire/alertmanager.h"

namespace obs::loadgen {

struct Notification {
  std::int64_t arrival_unix_ms = 0;
  // The same instant in microseconds (arrival_unix_ms * 1000 when the
  // receiver runs on an injected Clock, which has only milliseconds).
  std::int64_t arrival_unix_us = 0;
  SteadyClock::time_point arrival{};
  std::string format;  // "webhook" | "alertmanager".
  std::string path;    // The request target, e.g. "/api/v2/alerts".
  // Decoded by obs/wire/alertmanager.h; for API v2 bodies `status` is set
  // from endsAt as described above.
  std::vector<wire::AmAlert> alerts;
};

struct AlertReceiverOptions {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = ephemeral.
  std::size_t max_notifications = 100000;
  const Clock* clock = nullptr;  // Null = RealClock().
};

class AlertReceiver {
 public:
  // Binds and starts serving. kInvalidArgument for a bad address,
  // kUnavailable when it cannot bind.
  static Result<std::unique_ptr<AlertReceiver>> Start(const AlertReceiverOptions& options);

  ~AlertReceiver();  // Stops.
  AlertReceiver(const AlertReceiver&) = delete;
  AlertReceiver& operator=(const AlertReceiver&) = delete;

  std::uint16_t port() const;
  // "http://127.0.0.1:<port>".
  std::string base_url() const;

  // A copy of what arrived so far, in arrival order.
  std::vector<Notification> Notifications() const;
  std::uint64_t rejected() const;  // Requests answered 4xx.
  std::uint64_t dropped() const;   // Notifications dropped beyond max_notifications.

  // Closes the listener and joins the server thread. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit AlertReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Parses one body as AlertReceiver does (for tests and fuzzing): kInvalidArgument
// with the reason for anything that is not one of the two formats.
// arrival_unix_us is set to arrival_unix_ms * 1000.
Result<Notification> ParseNotification(std::string_view body, std::int64_t arrival_unix_ms);

}  // namespace obs::loadgen
