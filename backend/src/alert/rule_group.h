// RuleGroup evaluates one rule group the way Prometheus 2.42's rule manager
// does (../shared/specs/wire-and-apis.md §1b), at timestamps the caller
// chooses (GroupSchedule gives Prometheus's aligned ones):
//  - rules run in file order as instant queries at the evaluation time; what
//    a rule writes (recording results, ALERTS, ALERTS_FOR_STATE) is in the
//    storage before the next rule runs, so later rules see it;
//  - alert labels are the result's labels without __name__, then the rule's
//    labels, then `alertname`; two results with the same alert labels are an
//    evaluation error and change nothing;
//  - with `for` a new alert is pending (ActiveAt = eval time) and fires at the
//    first evaluation where eval - ActiveAt >= for; without `for` it fires at
//    once; an alert missing from the result resolves (ResolvedAt = eval
//    time) unless `keep_firing_for` still holds it; pending alerts just go;
//  - ALERTS{alertstate=...} = 1 and ALERTS_FOR_STATE = ActiveAt (seconds)
//    are written for active alerts, and a stale marker ends every series the
//    group wrote in the previous evaluation and not in this one;
//  - the alerts to notify are returned (or handed to a sink after each rule,
//    as Prometheus sends them after each rule's evaluation): firing ones when they first fire and
//    again after `resend_delay`, resolved ones at once and again after the
//    delay for 15 minutes, with startsAt = FiredAt and endsAt = ResolvedAt or
//    ValidUntil = eval + 4 x max(resend delay, interval).
// Rule labels and annotations are expanded as templates (alert/template.h)
// for every result sample at every evaluation, with $labels, $value,
// $externalLabels, $externalURL and `query` at the evaluation time; an
// expansion error becomes the value `<error expanding template: ...>`.
//
// Thread safety: one thread evaluates a group; State() may be read
// concurrently (it copies under the group's mutex).

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "obs/base/status.h"

#include "alert/rule_file.h"
#include "store/labels.h"
#include "store/storage.h"

namespace obs::backend::alert {

enum class AlertState { kInactive, kPending, kFiring };
std::string_view AlertStateName(AlertState s);  // "inactive", "pending", "firing"

struct Alert {
  Labels labels;  // Sorted; includes alertname.
  std::map<std::string, std::string> annotations;
  AlertState state = AlertState::kPending;
  double value = 0;
  std::int64_t active_at_ms = 0;
  std::int64_t fired_at_ms = 0;
  std::int64_t resolved_at_ms = 0;
  std::int64_t last_sent_at_ms = 0;
  std::int64_t valid_until_ms = 0;
  std::int64_t keep_firing_since_ms = 0;  // 0 = not held by keep_firing_for.
};

// What a notifier sends for one alert (Alertmanager API v2 shape).
struct Notification {
  Labels labels;
  std::map<std::string, std::string> annotations;
  std::int64_t starts_at_ms = 0;
  std::int64_t ends_at_ms = 0;
  bool resolved = false;
  std::string expr;  // The rule's expression, for the generator URL.
};

struct RuleState {
  const RuleSpec* spec = nullptr;
  std::string health = "unknown";  // "ok", "err", "unknown"
  std::string last_error;
  std::int64_t last_evaluation_ms = 0;
  double evaluation_seconds = 0;
  std::vector<Alert> alerts;  // Alerting rules: pending, firing and recently resolved.
};

struct GroupOptions {
  std::int64_t lookback_ms = 300000;
  std::int64_t resend_delay_ms = 60000;
  std::int64_t resolved_retention_ms = 15 * 60000;
  // For templates: $externalLabels and $externalURL.
  std::map<std::string, std::string> external_labels;
  std::string external_url;
};

class RuleGroup {
 public:
  // `storage` must outlive the group.
  RuleGroup(GroupSpec spec, Storage& storage, GroupOptions options = {});

  // Evaluates every rule at `ts_ms` and returns what to notify now.
  std::vector<Notification> Evaluate(std::int64_t ts_ms);

  // Receives one alerting rule's notifications (never an empty vector).
  using NotificationSink = std::function<void(std::vector<Notification>)>;
  // As Evaluate(ts_ms), but hands each alerting rule's notifications to
  // `sink` as soon as that rule is evaluated, so they need not wait for the
  // rest of the group. `sink` runs on the calling thread while the group is
  // locked: it must not call back into this group.
  void Evaluate(std::int64_t ts_ms, const NotificationSink& sink);

  const GroupSpec& spec() const { return spec_; }
  std::vector<RuleState> State() const;

  // Carries alert state over from `old` for rules with the same name, kind,
  // expression, labels and `for` (what a reload keeps).
  void AdoptStateFrom(const RuleGroup& old);

 private:
  Status EvaluateAlerting(RuleState& rule, std::int64_t ts_ms, std::vector<Notification>& out);
  Status EvaluateRecording(RuleState& rule, std::int64_t ts_ms);
  // Appends samples for `series` at `ts_ms` (each series once per group
  // evaluation) and remembers them for the staleness pass.
  Status Write(const std::vector<std::pair<Labels, double>>& series, std::int64_t ts_ms);
  void WriteStaleMarkers(std::int64_t ts_ms);

  GroupSpec spec_;
  Storage& storage_;
  GroupOptions options_;
  mutable std::mutex mu_;
  std::vector<RuleState> rules_;
  std::map<std::string, Labels> written_now_;   // Series key -> labels, this evaluation.
  std::map<std::string, Labels> written_prev_;  // ... the previous evaluation.
};

// Prometheus's evaluation timestamps for a group: multiples of the interval
// shifted by an offset derived from the group's file and name, so groups
// spread over the interval. Returns the latest evaluation time <= now_ms.
std::int64_t AlignedEvaluationTime(const GroupSpec& group, std::int64_t now_ms);

}  // namespace obs::backend::alert
