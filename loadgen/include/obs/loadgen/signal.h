// Deterministic signal shapes for alert scenarios. A shape is a function of
// scenario time (seconds since the load started, before any time scaling)
// with a closed form, so the harness knows the exact moment a written series
// crosses an alert threshold and can judge when the alert should fire.
//
// Every shape moves between a base value `from` and a second value `to`:
//
//   constant  `from` throughout.
//   step      `from` before `at`, `to` from `at` on.
//   ramp      `from` before `at`, linear to `to` over `length`, then `to`.
//   spike     `to` during [at, at + length), `from` otherwise.
//   flap      from `at`: `to` for `high` seconds, then `from` for
//             `period - high`, repeated `cycles` times (0 = until the end).
//   sine      from `at`: from + (to - from) * (1 - cos(2 pi (t - at) / period)) / 2,
//             i.e. starts at `from`, peaks at `to` half a period later.
//
// Crossings: the harness writes samples at fixed intervals, so what the
// target can observe is the sampled signal. SampledEpisodes() returns the
// spans of sample times during which `value <op> threshold` holds: an
// episode starts at the first sample that satisfies the condition and ends
// at the first later sample that does not.
//
// Thread safety: values and pure functions.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

namespace obs::loadgen {

struct SignalShape {
  enum class Kind { kConstant, kStep, kRamp, kSpike, kFlap, kSine };
  Kind kind = Kind::kConstant;
  double from = 0;
  double to = 0;
  double at_seconds = 0;      // step, ramp, spike, flap, sine: when the change starts.
  double length_seconds = 0;  // ramp: its length; spike: how long `to` lasts.
  double period_seconds = 0;  // flap, sine.
  double high_seconds = 0;    // flap: time at `to` per period (0 = half the period).
  double cycles = 0;          // flap: number of periods; 0 = until the end.
};

// "constant", "step", "ramp", "spike", "flap", "sine".
std::string_view SignalKindName(SignalShape::Kind kind);
// The inverse of SignalKindName; kInvalidArgument listing the kinds.
Result<SignalShape::Kind> ParseSignalKind(std::string_view name);

// Returns kInvalidArgument naming the field when a value is not finite, a
// time is negative, a ramp or spike has no length, a flap or sine has no
// period, or a flap's `high` is not inside (0, period).
Status ValidateSignal(const SignalShape& shape);

// The value at scenario time `t_seconds` (>= 0). REQUIRES: ValidateSignal ok.
double SignalValue(const SignalShape& shape, double t_seconds);

// A one-line description, e.g. "step 500 -> 1500 at 1m".
std::string DescribeSignal(const SignalShape& shape);

enum class ThresholdOp { kGreater, kGreaterEqual, kLess, kLessEqual, kEqual, kNotEqual };

struct Threshold {
  ThresholdOp op = ThresholdOp::kGreater;
  double value = 0;
};

// Parses "> 1000", ">= 0.05", "< 1", "<= 2", "== 0", "!= 1" (spaces optional).
Result<Threshold> ParseThreshold(std::string_view text);
// The text ParseThreshold reads back, e.g. "> 1000".
std::string FormatThreshold(const Threshold& threshold);
bool Holds(const Threshold& threshold, double value);

struct Episode {
  double start_seconds = 0;  // First sample satisfying the condition.
  double end_seconds = -1;   // First later sample that does not; -1 = held to the end.
};

// Samples at 0, interval, 2*interval, ... while < duration. REQUIRES:
// interval > 0, ValidateSignal ok.
std::vector<Episode> SampledEpisodes(const SignalShape& shape, const Threshold& threshold,
                                     double interval_seconds, double duration_seconds);

}  // namespace obs::loadgen
