#include "alert/rule_manager.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <system_error>
#include <thread>
#include <utility>

#include "alert/rule_file.h"
#include "alert/rules_api.h"

namespace obs::backend::alert {

std::chrono::microseconds WakeWait(std::int64_t now_ms, std::int64_t next_ms) {
  const std::int64_t remaining = next_ms - now_ms;
  if (remaining <= 0) {
    return std::chrono::microseconds(0);
  }
  if (remaining == 1) {
    return kFinalPoll;
  }
  return std::chrono::milliseconds(remaining - 1);
}

RuleManager::RuleManager(Storage& storage, RuleManagerOptions options, Notifier* notifier,
                         const Clock& clock)
    : storage_(storage), options_(std::move(options)), notifier_(notifier), clock_(clock) {}

RuleManager::~RuleManager() {
  Stop();
}

void RuleManager::SetNotifier(Notifier* notifier) {
  const std::lock_guard eval_lock(eval_mu_);
  notifier_ = notifier;
}

void RuleManager::SetOptions(RuleManagerOptions options) {
  const std::lock_guard eval_lock(eval_mu_);
  const std::lock_guard lock(mu_);
  options_ = std::move(options);
}

Status RuleManager::Load() {
  std::vector<GroupSpec> specs;
  for (const std::string& file : options_.files) {
    Result<std::vector<GroupSpec>> parsed = LoadRuleFile(file, options_.default_interval_ms);
    if (!parsed.ok()) {
      const std::lock_guard lock(mu_);
      ++counters_.failed_reloads;
      return parsed.status();
    }
    for (GroupSpec& g : *parsed) {
      specs.push_back(std::move(g));
    }
  }
  // Hold off evaluation for the swap, so no pass sees half of a reload and
  // adopted state and schedules are the latest.
  const std::lock_guard eval_lock(eval_mu_);
  {
    std::vector<Scheduled> fresh;
    const std::lock_guard lock(mu_);
    std::map<std::pair<std::string, std::string>, const Scheduled*> old;
    for (const Scheduled& s : groups_) {
      old[{s.group->spec().file, s.group->spec().name}] = &s;
    }
    for (GroupSpec& spec : specs) {
      const auto it = old.find({spec.file, spec.name});
      auto group = std::make_shared<RuleGroup>(std::move(spec), storage_, options_.group);
      std::int64_t next = 0;
      if (it != old.end()) {
        group->AdoptStateFrom(*it->second->group);
        if (it->second->group->spec().interval_ms == group->spec().interval_ms) {
          next = it->second->next_ms;
        }
      }
      fresh.push_back(Scheduled{.group = std::move(group), .next_ms = next});
    }
    groups_ = std::move(fresh);
    ++counters_.reloads;
  }
  cv_.notify_all();
  return Status::Ok();
}

void RuleManager::EvaluateDue(std::int64_t now_ms) {
  const std::lock_guard eval_lock(eval_mu_);
  std::vector<std::pair<std::shared_ptr<RuleGroup>, std::int64_t>> due;
  {
    const std::lock_guard lock(mu_);
    for (Scheduled& s : groups_) {
      const std::int64_t interval = std::max<std::int64_t>(s.group->spec().interval_ms, 1);
      if (s.next_ms == 0) {
        s.next_ms = AlignedEvaluationTime(s.group->spec(), now_ms) + interval;
      }
      if (s.next_ms > now_ms) {
        continue;
      }
      due.emplace_back(s.group, s.next_ms);
      const std::int64_t missed = (now_ms - s.next_ms) / interval;
      counters_.missed_iterations += static_cast<std::uint64_t>(missed);
      s.next_ms += (missed + 1) * interval;
      // Prometheus evaluates the latest due time, not each missed one.
      due.back().second += missed * interval;
    }
  }
  if (due.empty()) {
    return;
  }
  // The first due group runs on this thread, each other one on its own.
  std::vector<std::thread> helpers;
  for (std::size_t i = 1; i < due.size(); ++i) {
    try {
      helpers.emplace_back([this, &due, i] { EvaluateGroup(*due[i].first, due[i].second); });
    } catch (const std::system_error&) {  // No thread to be had: evaluate it here.
      EvaluateGroup(*due[i].first, due[i].second);
    }
  }
  EvaluateGroup(*due[0].first, due[0].second);
  for (std::thread& t : helpers) {
    t.join();
  }
}

void RuleManager::EvaluateGroup(RuleGroup& group, std::int64_t ts_ms) {
  if (notifier_ != nullptr) {
    group.Evaluate(ts_ms, [this](std::vector<Notification> notify) { notifier_->Send(notify); });
  } else {
    group.Evaluate(ts_ms, [](std::vector<Notification> /*notify*/) {});
  }
  const std::lock_guard lock(mu_);
  ++counters_.evaluations;
}

void RuleManager::Start() {
  const std::lock_guard lock(mu_);
  if (thread_.joinable()) {
    return;
  }
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void RuleManager::Stop() {
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void RuleManager::Run() {
  for (;;) {
    EvaluateDue(clock_.UnixMillisNow());
    std::unique_lock lock(mu_);
    for (;;) {
      if (stopping_) {
        return;
      }
      std::int64_t next = 0;
      bool unscheduled = false;
      for (const Scheduled& s : groups_) {
        unscheduled = unscheduled || s.next_ms == 0;
        if (s.next_ms != 0 && (next == 0 || s.next_ms < next)) {
          next = s.next_ms;
        }
      }
      if (unscheduled) {
        break;  // A reload added groups: EvaluateDue schedules them.
      }
      // With no groups, wake now and then (a reload notifies anyway).
      const std::chrono::microseconds wait =
          next == 0 ? std::chrono::seconds(1) : WakeWait(clock_.UnixMillisNow(), next);
      if (wait.count() <= 0) {
        break;
      }
      cv_.wait_for(lock, wait);
    }
  }
}

std::vector<std::shared_ptr<RuleGroup>> RuleManager::Groups() const {
  const std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<RuleGroup>> out;
  out.reserve(groups_.size());
  for (const Scheduled& s : groups_) {
    out.push_back(s.group);
  }
  return out;
}

std::string RuleManager::RulesJson() const {
  const std::vector<std::shared_ptr<RuleGroup>> groups = Groups();  // Keeps specs alive.
  std::vector<GroupSnapshot> snapshots;
  for (const auto& g : groups) {
    snapshots.push_back(GroupSnapshot{.spec = &g->spec(), .rules = g->State()});
  }
  return RulesData(snapshots);
}

std::string RuleManager::AlertsJson() const {
  const std::vector<std::shared_ptr<RuleGroup>> groups = Groups();
  std::vector<GroupSnapshot> snapshots;
  for (const auto& g : groups) {
    snapshots.push_back(GroupSnapshot{.spec = &g->spec(), .rules = g->State()});
  }
  return AlertsData(snapshots);
}

RuleManager::Counters RuleManager::counters() const {
  const std::lock_guard lock(mu_);
  return counters_;
}

}  // namespace obs::backend::alert
