// Alert assertions judge alert delivery from what the harness's receiver
// recorded (RunRecord::alerts) against the moment the driving signal crossed
// the rule's threshold. All times are scenario seconds (unscaled).
//
// For an alert X with rule `for` F, sample interval S and each episode
// [C, R) of the signal meeting the threshold:
//
//   fires     every episode long enough to fire (R - C > F + S, or still
//             held at the end) has a firing notification of X arriving in
//             [C + F, C + F + fires_within]. Earlier is a failure too: the
//             alert did not wait for `for`. Only the first firing per
//             episode counts (later ones are resends).
//   resolves  after each episode that fired and ended, a resolved
//             notification of X arrives in [R, R + resolves_within].
//   never_fires  no firing notification of X at all (negative controls: the
//             signal stays under the threshold, or flaps faster than `for`).
//   labels / annotations  every firing alert of X carries each given
//             label/annotation equal to the value, or fully matching the
//             regular expression after a leading "~" ("~queue .* holds .*").
//   max_notifications  notifications carrying X (firing and resolved) are at
//             most N: no duplicates beyond the resend policy.
//   delivery_p95_within  p95 over firing notifications of (arrival -
//             startsAt) is at most the value (scaled back to scenario time).
//
// Each checked property is one AssertionResult (figure "alert.fires",
// "alert.resolves", "alert.never_fires", "alert.labels", "alert.annotations",
// "alert.notifications", "alert.delivery_p95"), so reports, JUnit and the exit
// code treat them like every other gate.
//
// Thread safety: pure functions.

#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "obs/assertions/assertions.h"
#include "obs/base/run_record.h"

namespace obs::assertions {

struct AlertSpec {
  std::string alert{};
  int check = -1;  // Index into RunRecord::alerts.checks (the resolved signal); -1 = none.
  std::optional<double> fires_within_seconds{};
  std::optional<double> resolves_within_seconds{};
  bool never_fires = false;
  std::map<std::string, std::string> labels{};       // "~" prefix: regular expression.
  std::map<std::string, std::string> annotations{};  // Ditto.
  std::optional<std::uint64_t> max_notifications{};
  std::optional<double> delivery_p95_within_seconds{};
  std::string location{};  // "file.yaml:12:5".
};

std::vector<AssertionResult> EvaluateAlerts(const RunRecord& record,
                                            const std::vector<AlertSpec>& specs);

}  // namespace obs::assertions
