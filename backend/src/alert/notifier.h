// Notifier delivers the alerts a rule group decided to send, off the
// evaluation thread:
//  - to Alertmanager API v2: the alerts as a `postableAlerts` array POSTed
//    to `<url>/api/v2/alerts`, as Prometheus 2.42's notifier does;
//  - or, for setups without Alertmanager, straight to a webhook receiver as
//    Alertmanager webhook v4 messages, one per group of alerts with the same
//    values of `webhook_group_by` (default: alertname), receiver "obsbench".
// Delivery runs on `delivery_threads` threads, each with its own connection;
// alerts are spread over them by their `webhook_group_by` values, so the
// messages of one group (an alert's firing, then its resolution) keep their
// order while different groups are posted concurrently.
// A batch that fails (transport error or non-2xx) is retried up to
// `max_attempts` times with doubling backoff, then counted as failed and
// dropped; the queue is bounded and drops its oldest alerts (counted) when
// full. Evaluation never blocks on or fails because of delivery.
//
// Thread safety: Send() and counters() may be called from any thread.

#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "obs/base/status.h"
#include "obs/wire/alertmanager.h"

#include "alert/rule_group.h"

namespace obs::backend::alert {

struct NotifierTarget {
  enum class Kind { kAlertmanagerV2, kWebhook };
  Kind kind = Kind::kAlertmanagerV2;
  std::string url;  // Alertmanager: its base URL; webhook: the full receiver URL.
};

struct NotifierOptions {
  std::vector<NotifierTarget> targets;
  std::vector<std::string> webhook_group_by = {"alertname"};
  std::string external_url;  // generatorURL prefix and the webhook's externalURL.
  int max_attempts = 3;
  std::int64_t retry_backoff_ms = 100;  // Before the 2nd attempt; doubles after.
  double timeout_seconds = 10;
  std::size_t queue_capacity = 10000;  // Alerts.
  int delivery_threads = 4;            // At least 1.
};

// POSTs `body` (JSON) to `url`; OK only for a 2xx answer.
using PostFunction =
    std::function<Status(const std::string& url, const std::string& body, double timeout_seconds)>;

// The libcurl implementation of PostFunction. It sends no
// `Expect: 100-continue` (which costs a round trip, or a wait for servers
// that do not answer it, on bodies over 1 KiB) and keeps one keep-alive
// connection per calling thread.
Status CurlPost(const std::string& url, const std::string& body, double timeout_seconds);

// Prometheus's generator URL: `<external>/graph?g0.expr=<expr>&g0.tab=1`.
std::string GeneratorUrl(const std::string& external_url, const std::string& expr);

// The wire form of a notification (status "firing"/"resolved", fingerprint,
// generatorURL from `external_url`).
wire::AmAlert ToAmAlert(const Notification& n, const std::string& external_url);

// Webhook v4 messages for `alerts`, one per distinct group-by label values,
// in the order their groups first appear.
std::vector<wire::WebhookMessage> GroupForWebhook(const std::vector<wire::AmAlert>& alerts,
                                                  const std::vector<std::string>& group_by,
                                                  const std::string& external_url);

class Notifier {
 public:
  explicit Notifier(NotifierOptions options, PostFunction post = CurlPost);
  ~Notifier();  // Delivers what is queued (one attempt each), then stops.
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void Send(const std::vector<Notification>& notifications);

  // Blocks until the queue is empty and no delivery is in flight, or
  // `timeout_ms` passes; true if drained.
  bool Drain(std::int64_t timeout_ms);

  struct Counters {
    std::uint64_t alerts_queued = 0;
    std::uint64_t alerts_dropped = 0;   // Queue overflow.
    std::uint64_t requests_sent = 0;    // Successful POSTs.
    std::uint64_t requests_failed = 0;  // POSTs that failed every attempt.
    std::uint64_t retries = 0;
    std::string last_error;
  };
  Counters counters() const;

 private:
  // One delivery thread's queue. Guarded by mu_.
  struct Shard {
    std::deque<std::pair<std::uint64_t, wire::AmAlert>> queue;  // (sequence, alert)
    std::condition_variable cv;                                 // Work or stopping.
    bool busy = false;
  };
  void Run(Shard& shard);
  std::size_t ShardOf(const wire::AmAlert& alert) const;
  void DropOldest();  // Requires mu_ held and queued_ > 0.
  void Deliver(const std::vector<wire::AmAlert>& batch);
  Status PostWithRetries(const std::string& url, const std::string& body);

  NotifierOptions options_;
  PostFunction post_;
  mutable std::mutex mu_;
  std::condition_variable idle_cv_;  // A delivery finished, or stopping.
  std::vector<std::unique_ptr<Shard>> shards_;
  std::size_t queued_ = 0;  // Alerts in all shards' queues.
  std::uint64_t next_sequence_ = 0;
  bool stopping_ = false;
  Counters counters_;
  std::vector<std::thread> threads_;
};

}  // namespace obs::backend::alert
