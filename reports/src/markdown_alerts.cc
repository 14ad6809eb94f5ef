// The "Alerts" section of summary.md: per alert the notification counts, and
// per anchored check a timeline in scenario time (and real time when the
// run was scaled): crossing, crossing + for, notifications (runs of the same
// status collapsed into one row), recovery.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "obs/assertions/format.h"

#include "markdown_sections.h"
#include "text.h"

namespace obs::reports::internal {
namespace {

using assertions::FormatCount;
using assertions::FormatTrimmed;

std::string Secs(double s) {
  return FormatTrimmed(s, 2) + " s";
}

struct Event {
  double t = 0;
  int order = 0;  // Ties: signal events before notifications.
  std::string what;
};

std::string Timeline(const AlertsRecord& a, const AlertCheckRecord& c) {
  std::vector<Event> events;
  for (const auto& [start, end] : c.episodes) {
    events.push_back({start, 0, "signal meets " + MarkdownText(c.signal)});
    if (end < 0 || end - start > c.for_seconds) {
      events.push_back({start + c.for_seconds, 1, "crossing + for: firing may start"});
    }
    if (end >= 0) {
      events.push_back({end, 0, "signal recovers"});
    }
  }
  for (const AlertCheckRecord::State& st : c.evaluator_states) {
    events.push_back({st.start_seconds, 1, "evaluator: " + st.state + " (ALERTS)"});
  }
  // Notifications of this alert, consecutive ones of the same status merged.
  std::vector<const AlertNotificationRecord*> mine;
  for (const AlertNotificationRecord& n : a.notifications) {
    const auto it = n.labels.find("alertname");
    if (it != n.labels.end() && it->second == c.alert) {
      mine.push_back(&n);
    }
  }
  std::stable_sort(mine.begin(), mine.end(),
                   [](const auto* x, const auto* y) { return x->t_seconds < y->t_seconds; });
  for (std::size_t i = 0; i < mine.size();) {
    std::size_t j = i;
    while (j + 1 < mine.size() && mine[j + 1]->status == mine[i]->status) {
      ++j;
    }
    std::string what = mine[i]->status + " notification (" + mine[i]->format + ")";
    if (j > i) {
      what += ", then " + FormatCount(j - i) + " more until " + Secs(mine[j]->t_seconds);
    }
    events.push_back({mine[i]->t_seconds, 2, what});
    i = j + 1;
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& x, const Event& y) {
    return x.t != y.t ? x.t < y.t : x.order < y.order;
  });
  if (events.empty()) {
    return "The signal never met the threshold and no notification arrived.\n";
  }
  const bool scaled = a.time_scale != 1;
  std::string out = scaled ? "| Scenario time | Real time | Event |\n|--:|--:|---|\n"
                           : "| Time | Event |\n|--:|---|\n";
  for (const Event& e : events) {
    out += "| " + Secs(e.t) + (scaled ? " | " + Secs(e.t * a.time_scale) : "") + " | " + e.what +
           " |\n";
  }
  return out;
}

}  // namespace

std::string MarkdownAlerts(const AlertsRecord& a) {
  if (!a.enabled) {
    return "";
  }
  std::string out = "## Alerts\n\n";
  if (a.time_scale != 1) {
    out += "Time scaled by " + FormatTrimmed(a.time_scale, 6) + ": one scenario second took " +
           assertions::FormatDurationNs(a.time_scale * 1e9) +
           "; `for`, intervals, rate windows and shapes were scaled alike. ";
  }
  out += "Receiver " + MarkdownCode(a.receiver_url, false) + " listened for " +
         Secs(a.listen_seconds) + " of scenario time";
  if (a.rejected > 0) {
    out += "; " + FormatCount(a.rejected) + " request(s) rejected";
  }
  if (a.dropped > 0) {
    out += "; " + FormatCount(a.dropped) + " notification(s) dropped beyond the bound";
  }
  out += ".\n\n";
  struct Counts {
    std::uint64_t firing = 0;
    std::uint64_t resolved = 0;
    double first_firing = -1;
    double first_resolved = -1;
  };
  std::map<std::string, Counts> by_alert;
  for (const AlertNotificationRecord& n : a.notifications) {
    const auto it = n.labels.find("alertname");
    Counts& c = by_alert[it == n.labels.end() ? "(no alertname)" : it->second];
    const bool firing = n.status == "firing";
    (firing ? c.firing : c.resolved) += 1;
    double& first = firing ? c.first_firing : c.first_resolved;
    if (first < 0 || n.t_seconds < first) {
      first = n.t_seconds;
    }
  }
  if (by_alert.empty()) {
    out += "No notification arrived.\n";
  } else {
    out += "| Alert | Firing | Resolved | First firing | First resolved |\n|---|--:|--:|--:|--:|\n";
    for (const auto& [name, c] : by_alert) {
      out += "| " + MarkdownCode(name) + " | " + FormatCount(c.firing) + " | " +
             FormatCount(c.resolved) + " | " + (c.first_firing < 0 ? "—" : Secs(c.first_firing)) +
             " | " + (c.first_resolved < 0 ? "—" : Secs(c.first_resolved)) + " |\n";
    }
  }
  for (const AlertCheckRecord& c : a.checks) {
    out += "\n### " + MarkdownText(c.alert) + " — " + MarkdownText(c.signal) + "\n\n";
    out += "Signal: " + MarkdownText(c.shape) + ", sampled every " +
           Secs(c.sample_interval_seconds) + "; rule `for` " + Secs(c.for_seconds) +
           ", evaluated every " + Secs(c.evaluation_interval_seconds) + ".\n\n";
    out += Timeline(a, c);
    if (!c.evaluator_note.empty()) {
      out += "\nThe evaluator's ALERTS could not be read: " + MarkdownText(c.evaluator_note) + "\n";
    }
  }
  return out;
}

}  // namespace obs::reports::internal
