// RuleManager owns the rule groups loaded from Prometheus rule files and
// evaluates each group at its aligned times (AlignedEvaluationTime), handing
// what the groups decide to notify to a Notifier. The evaluation timestamp is
// the scheduled time, as in Prometheus; when evaluation falls behind, missed
// iterations are skipped (counted) and the next aligned time is used.
//
// Load() (re)reads every file. A file with an error changes nothing: the
// previous groups keep running and the error, naming file:line:col, group and
// rule, is returned. Groups that survive a reload (same file and name) keep
// their schedule and the alert state of unchanged rules.
//
// Groups due at the same time are evaluated concurrently (Prometheus runs
// each group in its own goroutine), and each alerting rule's notifications go
// to the notifier as soon as that rule is evaluated, so one group's (or
// rule's) evaluation does not hold back another's notifications. The
// manager's thread wakes at the scheduled millisecond itself, not up to a
// millisecond after it (see WakeWait).
//
// Thread safety: all methods may be called from any thread; evaluation runs
// on the manager's threads between Start() and Stop(), or in the caller's
// (and helper threads it joins) with EvaluateDue() (tests drive time that
// way).

#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/status.h"

#include "alert/notifier.h"
#include "alert/rule_group.h"
#include "store/storage.h"

namespace obs::backend::alert {

struct RuleManagerOptions {
  std::vector<std::string> files;
  std::int64_t default_interval_ms = 60000;  // Prometheus's evaluation_interval.
  GroupOptions group;
};

// How long the manager's thread sleeps before it reads the clock again when
// the next evaluation is due at `next_ms` and the millisecond clock reads
// `now_ms`: zero once due; otherwise the whole milliseconds that surely
// remain (now_ms is truncated, so the true time may be up to 1 ms later),
// and within the last millisecond short polls of kFinalPoll. A single wait
// of next_ms - now_ms would start evaluation up to a millisecond late.
inline constexpr std::chrono::microseconds kFinalPoll{50};
std::chrono::microseconds WakeWait(std::int64_t now_ms, std::int64_t next_ms);

class RuleManager {
 public:
  // `storage`, `clock` and `notifier` (may be null: no notifications) must
  // outlive the manager.
  RuleManager(Storage& storage, RuleManagerOptions options, Notifier* notifier, const Clock& clock);
  ~RuleManager();  // Stops.
  RuleManager(const RuleManager&) = delete;
  RuleManager& operator=(const RuleManager&) = delete;

  Status Load();

  // Sets where notifications go (before Start()).
  void SetNotifier(Notifier* notifier);
  // Replaces the options; takes effect at the next Load().
  void SetOptions(RuleManagerOptions options);

  // Evaluates every group whose next evaluation time is <= now_ms (several
  // concurrently) and returns when all are done.
  void EvaluateDue(std::int64_t now_ms);

  // Runs EvaluateDue on a background thread, waking at each group's next
  // evaluation time (groups not scheduled yet are scheduled at once).
  void Start();
  void Stop();

  // The `data` of GET /api/v1/rules and GET /api/v1/alerts.
  std::string RulesJson() const;
  std::string AlertsJson() const;

  struct Counters {
    std::uint64_t evaluations = 0;  // Group evaluations.
    std::uint64_t missed_iterations = 0;
    std::uint64_t reloads = 0;
    std::uint64_t failed_reloads = 0;
  };
  Counters counters() const;

 private:
  struct Scheduled {
    std::shared_ptr<RuleGroup> group;
    std::int64_t next_ms = 0;  // 0 = not scheduled yet (first due at the next aligned time).
  };
  std::vector<std::shared_ptr<RuleGroup>> Groups() const;
  void Run();
  // Evaluates `group` at `ts_ms`, sending its notifications rule by rule.
  void EvaluateGroup(RuleGroup& group, std::int64_t ts_ms);

  Storage& storage_;
  RuleManagerOptions options_;
  Notifier* notifier_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Scheduled> groups_;
  Counters counters_;
  bool stopping_ = false;
  std::thread thread_;
  std::mutex eval_mu_;  // One evaluation pass at a time.
};

}  // namespace obs::backend::alert
