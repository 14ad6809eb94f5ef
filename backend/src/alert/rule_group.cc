#include "alert/rule_group.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <memory>

#include "obs/base/clock.h"
#include "obs/wire/remote_write.h"

#include "alert/template.h"
#include "query/evaluator.h"
#include "query/parser.h"

namespace obs::backend::alert {

namespace {

using query::EvalFailure;

std::string Key(const Labels& labels) {
  return query::LabelsKeyOf(labels);
}

Labels Sorted(Labels labels) {
  std::sort(labels.begin(), labels.end(),
            [](const LabelPair& a, const LabelPair& b) { return a.name < b.name; });
  return labels;
}

// Sets (or, for an empty value, removes) label `name`.
void SetLabel(Labels& labels, const std::string& name, const std::string& value) {
  std::erase_if(labels, [&](const LabelPair& l) { return l.name == name; });
  if (!value.empty()) {
    labels.push_back({name, value});
  }
}

// The expression's instant vector at `ts` (a scalar becomes one label-less sample).
Result<query::Vector> Query(const Storage& storage, const query::Expr& expr, std::int64_t ts,
                            std::int64_t lookback_ms) {
  const Clock& clock = RealClock();
  const query::EvalParams params{.start_ms = ts,
                                 .end_ms = ts,
                                 .lookback_ms = lookback_ms,
                                 .clock = &clock,
                                 .deadline = clock.SteadyNow() + std::chrono::minutes(2)};
  try {
    query::Evaluator ev(storage, params);
    ev.Prepare(expr);
    ev.BeginStep(0);
    query::Value v = ev.EvalAt(expr, ts);
    if (auto* s = std::get_if<query::Scalar>(&v)) {
      return query::Vector{{std::make_shared<const Labels>(), s->value, ts}};
    }
    return std::get<query::Vector>(std::move(v));
  } catch (const EvalFailure& f) {
    return InvalidArgumentError(f.message);
  }
}

std::map<std::string, std::string> ToMap(const Labels& labels) {
  std::map<std::string, std::string> m;
  for (const LabelPair& l : labels) {
    m[l.name] = l.value;
  }
  return m;
}

}  // namespace

std::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kPending:
      return "pending";
    case AlertState::kFiring:
      return "firing";
    case AlertState::kInactive:
      break;
  }
  return "inactive";
}

RuleGroup::RuleGroup(GroupSpec spec, Storage& storage, GroupOptions options)
    : spec_(std::move(spec)), storage_(storage), options_(options) {
  for (const RuleSpec& r : spec_.rules) {
    RuleState state;
    state.spec = &r;
    rules_.push_back(std::move(state));
  }
}

std::vector<Notification> RuleGroup::Evaluate(std::int64_t ts_ms) {
  std::vector<Notification> out;
  Evaluate(ts_ms, [&out](std::vector<Notification> notify) {
    out.insert(out.end(), std::make_move_iterator(notify.begin()),
               std::make_move_iterator(notify.end()));
  });
  return out;
}

void RuleGroup::Evaluate(std::int64_t ts_ms, const NotificationSink& sink) {
  std::lock_guard lock(mu_);
  written_now_.clear();
  for (RuleState& rule : rules_) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<Notification> notify;
    const Status s = rule.spec->kind == RuleSpec::Kind::kAlerting
                         ? EvaluateAlerting(rule, ts_ms, notify)
                         : EvaluateRecording(rule, ts_ms);
    rule.health = s.ok() ? "ok" : "err";
    rule.last_error = s.ok() ? "" : s.message();
    rule.last_evaluation_ms = ts_ms;
    rule.evaluation_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!notify.empty()) {
      sink(std::move(notify));
    }
  }
  WriteStaleMarkers(ts_ms);
  written_prev_ = std::move(written_now_);
  written_now_.clear();
}

Status RuleGroup::EvaluateRecording(RuleState& rule, std::int64_t ts_ms) {
  OBS_ASSIGN_OR_RETURN(query::Vector v,
                       Query(storage_, *rule.spec->expr, ts_ms, options_.lookback_ms));
  std::vector<std::pair<Labels, double>> series;
  std::map<std::string, int> seen;
  for (const query::InstantSample& s : v) {
    Labels labels = *s.labels;
    SetLabel(labels, "__name__", rule.spec->name);
    for (const auto& [name, value] : rule.spec->labels) {
      SetLabel(labels, name, value);
    }
    labels = Sorted(std::move(labels));
    if (!seen.emplace(Key(labels), 0).second) {
      return InvalidArgumentError(
          "vector contains metrics with the same labelset after applying rule labels");
    }
    series.emplace_back(std::move(labels), s.value);
  }
  if (spec_.limit > 0 && static_cast<int>(series.size()) > spec_.limit) {
    return InvalidArgumentError("exceeded limit of " + std::to_string(spec_.limit) + " with " +
                                std::to_string(series.size()) + " series");
  }
  return Write(series, ts_ms);
}

Status RuleGroup::EvaluateAlerting(RuleState& rule, std::int64_t ts_ms,
                                   std::vector<Notification>& out) {
  const RuleSpec& spec = *rule.spec;
  OBS_ASSIGN_OR_RETURN(query::Vector v, Query(storage_, *spec.expr, ts_ms, options_.lookback_ms));
  // The result's alerts, by alert labels.
  std::map<std::string, Alert> current;
  TemplateData data{.labels = {},
                    .value = 0,
                    .external_labels = options_.external_labels,
                    .external_url = options_.external_url,
                    .query = [&](const std::string& q) -> Result<std::vector<TemplateSample>> {
                      OBS_ASSIGN_OR_RETURN(query::ExprPtr e, query::ParseExpr(q));
                      OBS_ASSIGN_OR_RETURN(query::Vector r,
                                           Query(storage_, *e, ts_ms, options_.lookback_ms));
                      std::vector<TemplateSample> samples;
                      for (const query::InstantSample& s : r) {
                        samples.push_back({ToMap(*s.labels), s.value});
                      }
                      return samples;
                    }};
  const std::string template_name = "__alert_" + spec.name;
  const auto expand = [&](const std::string& text) {
    Result<std::string> r = ExpandTemplate(template_name, text, data);
    return r.ok() ? *r : "<error expanding template: " + r.status().message() + ">";
  };
  for (const query::InstantSample& s : v) {
    data.labels = ToMap(*s.labels);
    data.value = s.value;
    Labels labels = *s.labels;
    SetLabel(labels, "__name__", "");
    for (const auto& [name, value] : spec.labels) {
      SetLabel(labels, name, expand(value));
    }
    SetLabel(labels, "alertname", spec.name);
    labels = Sorted(std::move(labels));
    std::string key = Key(labels);
    std::map<std::string, std::string> annotations;
    for (const auto& [name, text] : spec.annotations) {
      annotations[name] = expand(text);
    }
    Alert a{.labels = std::move(labels),
            .annotations = std::move(annotations),
            .state = AlertState::kPending,
            .value = s.value,
            .active_at_ms = ts_ms};
    if (!current.emplace(std::move(key), std::move(a)).second) {
      return InvalidArgumentError(
          "vector contains metrics with the same labelset after applying alert labels");
    }
  }
  std::map<std::string, Alert> active;
  for (Alert& a : rule.alerts) {
    active.emplace(Key(a.labels), std::move(a));
  }
  for (auto& [key, a] : current) {
    auto it = active.find(key);
    if (it != active.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = a.annotations;
      continue;
    }
    active[key] = std::move(a);  // New, or back after resolving: a new alert.
  }
  std::vector<std::pair<Labels, double>> series;
  int active_count = 0;
  for (auto it = active.begin(); it != active.end();) {
    Alert& a = it->second;
    if (current.count(it->first) == 0) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && spec.keep_firing_for_ms > 0) {
        if (a.keep_firing_since_ms == 0) {
          a.keep_firing_since_ms = ts_ms;
        }
        keep_firing = ts_ms - a.keep_firing_since_ms < spec.keep_firing_for_ms;
      }
      if (a.state == AlertState::kPending ||
          (a.resolved_at_ms != 0 && ts_ms - a.resolved_at_ms > options_.resolved_retention_ms)) {
        it = active.erase(it);
        continue;
      }
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at_ms = ts_ms;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since_ms = 0;
    }
    ++active_count;
    if (a.state == AlertState::kPending && ts_ms - a.active_at_ms >= spec.for_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = ts_ms;
    }
    Labels alerts_labels = a.labels;
    SetLabel(alerts_labels, "__name__", "ALERTS");
    SetLabel(alerts_labels, "alertstate", std::string(AlertStateName(a.state)));
    series.emplace_back(Sorted(std::move(alerts_labels)), 1.0);
    Labels for_state = a.labels;
    SetLabel(for_state, "__name__", "ALERTS_FOR_STATE");
    series.emplace_back(Sorted(std::move(for_state)), static_cast<double>(a.active_at_ms / 1000));
    ++it;
  }
  if (spec_.limit > 0 && active_count > spec_.limit) {
    rule.alerts.clear();
    return InvalidArgumentError("exceeded limit of " + std::to_string(spec_.limit) + " with " +
                                std::to_string(active_count) + " alerts");
  }
  // Notifications (Prometheus's needsSending / sendAlerts).
  const std::int64_t delta = std::max(options_.resend_delay_ms, spec_.interval_ms);
  rule.alerts.clear();
  for (auto& [key, a] : active) {
    const bool needs_sending =
        a.state != AlertState::kPending &&
        (a.resolved_at_ms > a.last_sent_at_ms ||
         a.last_sent_at_ms + options_.resend_delay_ms < ts_ms || a.last_sent_at_ms == 0);
    if (needs_sending) {
      a.last_sent_at_ms = ts_ms;
      a.valid_until_ms = ts_ms + 4 * delta;
      out.push_back(
          Notification{.labels = a.labels,
                       .annotations = a.annotations,
                       .starts_at_ms = a.fired_at_ms,
                       .ends_at_ms = a.resolved_at_ms != 0 ? a.resolved_at_ms : a.valid_until_ms,
                       .resolved = a.state == AlertState::kInactive,
                       .expr = rule.spec->expr_text});
    }
    rule.alerts.push_back(std::move(a));
  }
  return Write(series, ts_ms);
}

Status RuleGroup::Write(const std::vector<std::pair<Labels, double>>& series, std::int64_t ts_ms) {
  if (series.empty()) {
    return Status::Ok();
  }
  wire::WriteRequestView req;
  for (const auto& [labels, value] : series) {
    wire::TimeSeriesView ts;
    for (const LabelPair& l : labels) {
      ts.labels.push_back({l.name, l.value});
    }
    ts.samples.push_back({value, ts_ms});
    req.timeseries.push_back(std::move(ts));
    written_now_[Key(labels)] = labels;
  }
  return storage_.Append(req).status();
}

void RuleGroup::WriteStaleMarkers(std::int64_t ts_ms) {
  wire::WriteRequestView req;
  for (const auto& [key, labels] : written_prev_) {
    if (written_now_.count(key) > 0) {
      continue;
    }
    wire::TimeSeriesView ts;
    for (const LabelPair& l : labels) {
      ts.labels.push_back({l.name, l.value});
    }
    ts.samples.push_back({wire::StaleNaN(), ts_ms});
    req.timeseries.push_back(std::move(ts));
  }
  if (!req.timeseries.empty()) {
    (void)storage_.Append(req);  // A series already ended at ts_ms is not an error worth reporting.
  }
}

std::vector<RuleState> RuleGroup::State() const {
  std::lock_guard lock(mu_);
  return rules_;
}

void RuleGroup::AdoptStateFrom(const RuleGroup& old) {
  std::lock_guard lock(mu_);
  std::lock_guard old_lock(old.mu_);
  for (RuleState& rule : rules_) {
    for (const RuleState& prev : old.rules_) {
      const RuleSpec& a = *rule.spec;
      const RuleSpec& b = *prev.spec;
      if (a.kind == b.kind && a.name == b.name && a.expr_text == b.expr_text &&
          a.labels == b.labels && a.for_ms == b.for_ms) {
        rule.alerts = prev.alerts;
        break;
      }
    }
  }
  written_prev_ = old.written_prev_;
}

std::int64_t AlignedEvaluationTime(const GroupSpec& group, std::int64_t now_ms) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a of "file;name".
  for (const char c : group.file + ";" + group.name) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  const std::int64_t interval = std::max<std::int64_t>(group.interval_ms, 1);
  const auto offset = static_cast<std::int64_t>(h % static_cast<std::uint64_t>(interval));
  const std::int64_t start = now_ms - offset;
  std::int64_t base = start - (start % interval);
  if (start % interval < 0) {
    base -= interval;
  }
  return base + offset;
}

}  // namespace obs::backend::alert
