#include "obs/assertions/alerts.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "obs/assertions/format.h"

namespace obs::assertions {
namespace {

// Arrival times are measured on the same clock as the ticks; this only
// absorbs rounding of the unit conversions.
constexpr double kEpsilon = 0.01;

std::string Secs(double s) {
  return FormatTrimmed(s, 2) + " s";
}

std::string Window(double lo, double hi) {
  return "[" + Secs(lo) + ", " + Secs(hi) + "]";
}

std::vector<const AlertNotificationRecord*> Of(const AlertsRecord& a, const std::string& alert,
                                               const char* status) {
  std::vector<const AlertNotificationRecord*> out;
  for (const AlertNotificationRecord& n : a.notifications) {
    const auto it = n.labels.find("alertname");
    if (it != n.labels.end() && it->second == alert && (status == nullptr || n.status == status)) {
      out.push_back(&n);
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto* x, const auto* y) { return x->t_seconds < y->t_seconds; });
  return out;
}

AssertionResult Result(const AlertSpec& spec, const std::string& figure, const std::string& name,
                       Outcome outcome, std::string expected, std::string actual,
                       std::string explanation) {
  AssertionResult r;
  r.spec.name = name;
  r.spec.expression = name;
  r.spec.figure = figure;
  r.spec.location = spec.location;
  r.outcome = outcome;
  r.expected = std::move(expected);
  r.actual = std::move(actual);
  r.explanation = std::move(explanation);
  return r;
}

bool Matches(const std::string& want, const std::string& got) {
  if (!want.empty() && want[0] == '~') {
    try {
      return std::regex_match(got, std::regex(want.substr(1), std::regex::ECMAScript));
    } catch (const std::regex_error&) {
      return false;  // The scenario parser rejects bad patterns; be safe anyway.
    }
  }
  return want == got;
}

// Episodes that must fire: long enough for `for` plus one sample, and, when
// still held at the end, with the whole window inside the listening time.
struct Judged {
  double start = 0;
  double end = -1;
};

// The first firing notification of each episode: at or after its crossing
// and before the next episode's.
std::vector<const AlertNotificationRecord*> FirstFirings(const AlertsRecord& alerts,
                                                         const AlertCheckRecord& check,
                                                         const std::string& alert) {
  const auto firing = Of(alerts, alert, "firing");
  std::vector<const AlertNotificationRecord*> out(check.episodes.size(), nullptr);
  for (std::size_t i = 0; i < check.episodes.size(); ++i) {
    const double c = check.episodes[i].first;
    const double next = i + 1 < check.episodes.size() ? check.episodes[i + 1].first : 1e300;
    for (const auto* n : firing) {
      if (n->t_seconds >= c - kEpsilon && n->t_seconds < next - kEpsilon) {
        out[i] = n;
        break;
      }
    }
  }
  return out;
}

void CheckFires(const AlertSpec& spec, const AlertsRecord& alerts, const AlertCheckRecord& check,
                std::vector<AssertionResult>& out) {
  const double within = *spec.fires_within_seconds;
  const std::string name = "alert " + spec.alert + " fires within " + FormatTrimmed(within, 2) +
                           " s after crossing + for";
  const auto firsts = FirstFirings(alerts, check, spec.alert);
  std::vector<std::string> problems;
  std::vector<std::string> seen;
  int judged = 0;
  for (std::size_t i = 0; i < check.episodes.size(); ++i) {
    const auto [c, r] = check.episodes[i];
    const double lo = c + check.for_seconds;
    const double hi = lo + within;
    const bool held = r < 0;
    const bool long_enough = held ? alerts.listen_seconds >= hi
                                  : r - c > check.for_seconds + check.sample_interval_seconds;
    const AlertNotificationRecord* first = firsts[i];
    if (!long_enough) {
      continue;
    }
    ++judged;
    const std::string label = "episode " + std::to_string(i + 1) + " (crossing at " + Secs(c) + ")";
    if (first == nullptr) {
      problems.push_back(label + ": no firing notification, expected in " + Window(lo, hi));
    } else if (first->t_seconds < lo - kEpsilon) {
      problems.push_back(label + ": fired at " + Secs(first->t_seconds) + ", " +
                         Secs(lo - first->t_seconds) + " before crossing + for (" + Secs(lo) +
                         "): the rule did not wait for `for`");
    } else if (first->t_seconds > hi + kEpsilon) {
      problems.push_back(label + ": fired at " + Secs(first->t_seconds) + ", " +
                         Secs(first->t_seconds - hi) + " after the window " + Window(lo, hi));
    } else {
      seen.push_back("fired at " + Secs(first->t_seconds) + " (window " + Window(lo, hi) + ")");
    }
  }
  if (judged == 0) {
    out.push_back(
        Result(spec, "alert.fires", name, Outcome::kNoData, "firing in [crossing + for, + window]",
               check.episodes.empty() ? "the signal never met " + check.signal
                                      : "no episode lasted long enough to fire",
               "The driving signal (" + check.signal + ", " + check.shape +
                   ") gave no episode that must fire within the run; lengthen the run or the "
                   "episode. " +
                   std::string("a gate cannot pass on nothing")));
    return;
  }
  const bool ok = problems.empty();
  std::string actual;
  for (const std::string& s : ok ? seen : problems) {
    actual += (actual.empty() ? "" : "; ") + s;
  }
  out.push_back(Result(
      spec, "alert.fires", name, ok ? Outcome::kPassed : Outcome::kFailed,
      "firing in [crossing + " + Secs(check.for_seconds) + ", + " + Secs(within) + "]", actual,
      ok ? "Every episode of " + check.signal +
               " that outlasted `for` fired in "
               "its window."
         : "Alert " + spec.alert + " did not fire as its rule says for " + check.signal + " (" +
               check.shape + "): " + actual + "."));
}

void CheckResolves(const AlertSpec& spec, const AlertsRecord& alerts, const AlertCheckRecord& check,
                   std::vector<AssertionResult>& out) {
  const auto firsts = FirstFirings(alerts, check, spec.alert);
  const double within = *spec.resolves_within_seconds;
  const std::string name =
      "alert " + spec.alert + " resolves within " + FormatTrimmed(within, 2) + " s after recovery";
  const auto resolved = Of(alerts, spec.alert, "resolved");
  std::vector<std::string> problems;
  std::vector<std::string> seen;
  int judged = 0;
  for (std::size_t i = 0; i < check.episodes.size(); ++i) {
    const double r = check.episodes[i].second;
    if (r < 0 || firsts[i] == nullptr || alerts.listen_seconds < r + within) {
      continue;
    }
    ++judged;
    const AlertNotificationRecord* first = nullptr;
    for (const auto* n : resolved) {
      if (n->t_seconds >= firsts[i]->t_seconds - kEpsilon) {
        first = n;
        break;
      }
    }
    const std::string label = "episode " + std::to_string(i + 1) + " (recovery at " + Secs(r) + ")";
    if (first == nullptr) {
      problems.push_back(label + ": no resolved notification, expected in " +
                         Window(r, r + within));
    } else if (first->t_seconds < r - kEpsilon) {
      problems.push_back(label + ": resolved at " + Secs(first->t_seconds) +
                         " while the signal still met the threshold");
    } else if (first->t_seconds > r + within + kEpsilon) {
      problems.push_back(label + ": resolved at " + Secs(first->t_seconds) + ", " +
                         Secs(first->t_seconds - r - within) + " after the window");
    } else {
      seen.push_back("resolved at " + Secs(first->t_seconds) + " (window " + Window(r, r + within) +
                     ")");
    }
  }
  if (judged == 0) {
    out.push_back(Result(spec, "alert.resolves", name, Outcome::kNoData,
                         "resolved in [recovery, + " + Secs(within) + "]",
                         "no fired episode recovered in time to judge",
                         "The signal " + check.signal +
                             " never recovered after a firing with the window inside the run; "
                             "a gate cannot pass on nothing."));
    return;
  }
  const bool ok = problems.empty();
  std::string actual;
  for (const std::string& s : ok ? seen : problems) {
    actual += (actual.empty() ? "" : "; ") + s;
  }
  out.push_back(
      Result(spec, "alert.resolves", name, ok ? Outcome::kPassed : Outcome::kFailed,
             "resolved in [recovery, + " + Secs(within) + "]", actual,
             ok ? "Every fired episode resolved in its window."
                : "Alert " + spec.alert + " did not resolve as expected: " + actual + "."));
}

void CheckMap(const AlertSpec& spec, const AlertsRecord& alerts, bool labels,
              std::vector<AssertionResult>& out) {
  const auto& want = labels ? spec.labels : spec.annotations;
  if (want.empty()) {
    return;
  }
  const std::string what = labels ? "labels" : "annotations";
  std::string expected;
  for (const auto& [k, v] : want) {
    expected += (expected.empty() ? "" : ", ") + k + "=" + v;
  }
  const std::string name = "alert " + spec.alert + " " + what + " " + expected;
  const auto firing = Of(alerts, spec.alert, "firing");
  if (firing.empty()) {
    out.push_back(Result(spec, "alert." + what, name, Outcome::kNoData, expected,
                         "no firing notification",
                         "Nothing to compare: " + spec.alert +
                             " never fired; a gate cannot pass on "
                             "nothing."));
    return;
  }
  for (const auto* n : firing) {
    const auto& got = labels ? n->labels : n->annotations;
    for (const auto& [k, v] : want) {
      const auto it = got.find(k);
      if (it == got.end() || !Matches(v, it->second)) {
        const std::string actual = it == got.end() ? k + " missing" : k + "=\"" + it->second + "\"";
        out.push_back(Result(
            spec, "alert." + what, name, Outcome::kFailed, expected, actual,
            "The firing notification at " + Secs(n->t_seconds) + " carries " + actual +
                ", expected " + k + " " +
                (!v.empty() && v[0] == '~' ? "matching " + v.substr(1) : "= \"" + v + "\"") + "."));
        return;
      }
    }
  }
  out.push_back(Result(spec, "alert." + what, name, Outcome::kPassed, expected,
                       "all " + FormatCount(firing.size()) + " firing notifications match",
                       "Every firing notification carries the expected " + what + "."));
}

}  // namespace

std::vector<AssertionResult> EvaluateAlerts(const RunRecord& record,
                                            const std::vector<AlertSpec>& specs) {
  std::vector<AssertionResult> out;
  const AlertsRecord& alerts = record.alerts;
  for (const AlertSpec& spec : specs) {
    const AlertCheckRecord* check =
        spec.check >= 0 && static_cast<std::size_t>(spec.check) < alerts.checks.size()
            ? &alerts.checks[static_cast<std::size_t>(spec.check)]
            : nullptr;
    if (spec.never_fires) {
      const auto firing = Of(alerts, spec.alert, "firing");
      const std::string name = "alert " + spec.alert + " never fires";
      if (firing.empty()) {
        out.push_back(Result(spec, "alert.never_fires", name, Outcome::kPassed,
                             "no firing notification",
                             "none in " + Secs(alerts.listen_seconds) + " of listening",
                             "No firing notification of " + spec.alert + " arrived."));
      } else {
        out.push_back(Result(
            spec, "alert.never_fires", name, Outcome::kFailed, "no firing notification",
            FormatCount(firing.size()) + " firing, the first at " + Secs(firing[0]->t_seconds),
            "Alert " + spec.alert + " fired although it must not (negative control" +
                (check != nullptr ? ": " + check->signal + ", " + check->shape : std::string()) +
                "); first firing notification at " + Secs(firing[0]->t_seconds) + "."));
      }
    }
    if (spec.fires_within_seconds.has_value() && check != nullptr) {
      CheckFires(spec, alerts, *check, out);
    }
    if (spec.resolves_within_seconds.has_value() && check != nullptr) {
      CheckResolves(spec, alerts, *check, out);
    }
    CheckMap(spec, alerts, true, out);
    CheckMap(spec, alerts, false, out);
    if (spec.max_notifications.has_value()) {
      const auto all = Of(alerts, spec.alert, nullptr);
      const std::string name =
          "alert " + spec.alert + " notifications <= " + FormatCount(*spec.max_notifications);
      const bool ok = all.size() <= *spec.max_notifications;
      out.push_back(Result(spec, "alert.notifications", name,
                           ok ? Outcome::kPassed : Outcome::kFailed,
                           "<= " + FormatCount(*spec.max_notifications), FormatCount(all.size()),
                           ok ? "Notification count within the resend policy."
                              : FormatCount(all.size()) + " notifications carried " + spec.alert +
                                    ", more than " + FormatCount(*spec.max_notifications) +
                                    ": duplicates beyond the resend policy."));
    }
    if (spec.delivery_p95_within_seconds.has_value()) {
      // First arrival per distinct startsAt: resends keep the original
      // startsAt and would count their resend delay as latency.
      std::set<std::pair<std::string, std::int64_t>> seen;
      std::vector<double> lat;
      for (const auto* n : Of(alerts, spec.alert, "firing")) {
        std::string key;
        for (const auto& [k, v] : n->labels) {
          key += k + "=" + v + ",";
        }
        if (n->starts_at_ms > 0 && seen.insert({key, n->starts_at_ms}).second) {
          lat.push_back(static_cast<double>(n->arrival_unix_ms - n->starts_at_ms) / 1000);
        }
      }
      const double limit = *spec.delivery_p95_within_seconds;
      const std::string name =
          "alert " + spec.alert + " delivery p95 <= " + FormatDurationThreshold(limit);
      if (lat.empty()) {
        out.push_back(Result(spec, "alert.delivery_p95", name, Outcome::kNoData,
                             "<= " + FormatDurationThreshold(limit), "no firing notification",
                             "No firing notification with startsAt arrived; a gate cannot "
                             "pass on nothing."));
      } else {
        std::sort(lat.begin(), lat.end());
        const std::size_t rank =
            static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(lat.size())));
        const double p95 = lat[std::max<std::size_t>(rank, 1) - 1];
        const bool ok = p95 <= limit;
        out.push_back(
            Result(spec, "alert.delivery_p95", name, ok ? Outcome::kPassed : Outcome::kFailed,
                   "<= " + FormatDurationThreshold(limit),
                   FormatDurationNs(p95 * 1e9) + " (p95 of " + FormatCount(lat.size()) +
                       " firings, arrival - startsAt, real time)",
                   ok ? "Notifications arrived promptly after the alert fired."
                      : "Delivery from firing to the receiver took " + FormatDurationNs(p95 * 1e9) +
                            " at p95, above " + FormatDurationThreshold(limit) + "."));
      }
    }
  }
  return out;
}

}  // namespace obs::assertions
