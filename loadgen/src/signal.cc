#include "obs/loadgen/signal.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

namespace obs::loadgen {
namespace {

constexpr std::array<std::string_view, 6> kKindNames = {"constant", "step", "ramp",
                                                        "spike",    "flap", "sine"};

std::string Num(double v) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%g", v);
  return buf.data();
}

std::string Secs(double v) {
  return Num(v) + "s";
}

double FlapHigh(const SignalShape& s) {
  return s.high_seconds > 0 ? s.high_seconds : s.period_seconds / 2;
}

}  // namespace

std::string_view SignalKindName(SignalShape::Kind kind) {
  return kKindNames[static_cast<std::size_t>(kind)];
}

Result<SignalShape::Kind> ParseSignalKind(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) {
      return static_cast<SignalShape::Kind>(i);
    }
  }
  return InvalidArgumentError("unknown signal kind \"" + std::string(name) +
                              "\" (known: constant, step, ramp, spike, flap, sine)");
}

Status ValidateSignal(const SignalShape& s) {
  using K = SignalShape::Kind;
  const std::array<std::pair<const char*, double>, 7> fields = {{{"from", s.from},
                                                                 {"to", s.to},
                                                                 {"at", s.at_seconds},
                                                                 {"length", s.length_seconds},
                                                                 {"period", s.period_seconds},
                                                                 {"high", s.high_seconds},
                                                                 {"cycles", s.cycles}}};
  for (const auto& [name, v] : fields) {
    if (!std::isfinite(v)) {
      return InvalidArgumentError(std::string(name) + ": must be finite");
    }
  }
  if (s.at_seconds < 0 || s.length_seconds < 0 || s.period_seconds < 0 || s.high_seconds < 0 ||
      s.cycles < 0) {
    return InvalidArgumentError("at, length, period, high and cycles must be >= 0");
  }
  if ((s.kind == K::kRamp || s.kind == K::kSpike) && s.length_seconds <= 0) {
    return InvalidArgumentError(std::string("length: a ") + std::string(SignalKindName(s.kind)) +
                                " needs a length > 0");
  }
  if ((s.kind == K::kFlap || s.kind == K::kSine) && s.period_seconds <= 0) {
    return InvalidArgumentError(std::string("period: a ") + std::string(SignalKindName(s.kind)) +
                                " needs a period > 0");
  }
  if (s.kind == K::kFlap && FlapHigh(s) >= s.period_seconds) {
    return InvalidArgumentError("high: must be less than the period");
  }
  return Status::Ok();
}

double SignalValue(const SignalShape& s, double t) {
  using K = SignalShape::Kind;
  const double since = t - s.at_seconds;
  switch (s.kind) {
    case K::kConstant:
      return s.from;
    case K::kStep:
      return since < 0 ? s.from : s.to;
    case K::kRamp:
      if (since < 0) {
        return s.from;
      }
      if (since >= s.length_seconds) {
        return s.to;
      }
      return s.from + (s.to - s.from) * (since / s.length_seconds);
    case K::kSpike:
      return since >= 0 && since < s.length_seconds ? s.to : s.from;
    case K::kFlap: {
      if (since < 0 || (s.cycles > 0 && since >= s.cycles * s.period_seconds)) {
        return s.from;
      }
      const double phase = std::fmod(since, s.period_seconds);
      return phase < FlapHigh(s) ? s.to : s.from;
    }
    case K::kSine:
      if (since < 0) {
        return s.from;
      }
      return s.from +
             (s.to - s.from) * (1 - std::cos(2 * std::numbers::pi * since / s.period_seconds)) / 2;
  }
  return s.from;
}

std::string DescribeSignal(const SignalShape& s) {
  using K = SignalShape::Kind;
  const std::string arrow = Num(s.from) + " -> " + Num(s.to);
  switch (s.kind) {
    case K::kConstant:
      return "constant " + Num(s.from);
    case K::kStep:
      return "step " + arrow + " at " + Secs(s.at_seconds);
    case K::kRamp:
      return "ramp " + arrow + " from " + Secs(s.at_seconds) + " over " + Secs(s.length_seconds);
    case K::kSpike:
      return "spike " + arrow + " at " + Secs(s.at_seconds) + " for " + Secs(s.length_seconds);
    case K::kFlap:
      return "flap " + arrow + " from " + Secs(s.at_seconds) + ", " + Secs(FlapHigh(s)) +
             " high every " + Secs(s.period_seconds) +
             (s.cycles > 0 ? ", " + Num(s.cycles) + " cycles" : "");
    case K::kSine:
      return "sine " + arrow + " from " + Secs(s.at_seconds) + ", period " + Secs(s.period_seconds);
  }
  return "";
}

Result<Threshold> ParseThreshold(std::string_view text) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  struct OpText {
    std::string_view text;
    ThresholdOp op;
  };
  // Two-character operators first.
  constexpr std::array<OpText, 6> kOps = {{{">=", ThresholdOp::kGreaterEqual},
                                           {"<=", ThresholdOp::kLessEqual},
                                           {"==", ThresholdOp::kEqual},
                                           {"!=", ThresholdOp::kNotEqual},
                                           {">", ThresholdOp::kGreater},
                                           {"<", ThresholdOp::kLess}}};
  for (const OpText& o : kOps) {
    if (text.substr(0, o.text.size()) != o.text) {
      continue;
    }
    std::string rest(text.substr(o.text.size()));
    char* end = nullptr;
    const double v = std::strtod(rest.c_str(), &end);
    while (end != nullptr && *end == ' ') {
      ++end;
    }
    if (end == rest.c_str() || end == nullptr || *end != '\0' || !std::isfinite(v)) {
      return InvalidArgumentError("threshold \"" + std::string(text) +
                                  "\": expected a finite number after \"" + std::string(o.text) +
                                  "\"");
    }
    return Threshold{o.op, v};
  }
  return InvalidArgumentError("threshold \"" + std::string(text) +
                              "\": expected an operator (>, >=, <, <=, ==, !=) and a number, "
                              "e.g. \"> 1000\"");
}

std::string FormatThreshold(const Threshold& t) {
  constexpr std::array<std::string_view, 6> kText = {">", ">=", "<", "<=", "==", "!="};
  return std::string(kText[static_cast<std::size_t>(t.op)]) + " " + Num(t.value);
}

bool Holds(const Threshold& t, double v) {
  switch (t.op) {
    case ThresholdOp::kGreater:
      return v > t.value;
    case ThresholdOp::kGreaterEqual:
      return v >= t.value;
    case ThresholdOp::kLess:
      return v < t.value;
    case ThresholdOp::kLessEqual:
      return v <= t.value;
    case ThresholdOp::kEqual:
      return v == t.value;
    case ThresholdOp::kNotEqual:
      return v != t.value;
  }
  return false;
}

std::vector<Episode> SampledEpisodes(const SignalShape& shape, const Threshold& threshold,
                                     double interval, double duration) {
  std::vector<Episode> out;
  bool in = false;
  for (long k = 0;; ++k) {
    const double t = static_cast<double>(k) * interval;  // Not accumulated: no drift.
    if (t >= duration) {
      break;
    }
    const bool holds = Holds(threshold, SignalValue(shape, t));
    if (holds && !in) {
      out.push_back(Episode{t, -1});
    } else if (!holds && in) {
      out.back().end_seconds = t;
    }
    in = holds;
  }
  return out;
}

}  // namespace obs::loadgen
