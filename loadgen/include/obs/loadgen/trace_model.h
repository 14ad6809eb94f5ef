// A service-graph model of distributed traces: services (with resource
// attributes and instances) and a call tree of span templates. Each template
// has a span kind, a log-normal self-time (median and p99), an error
// probability (an error sets the span status, adds an OpenTelemetry
// `exception` event and applies `error_attributes`), attributes whose values
// are drawn from lists, optional events, a fan-out count range and a call
// probability. TraceGenerator (trace_generator.h) turns the model into spans;
// scenarios read it from YAML (docs/traces-and-logs.md).
//
// Thread safety: plain values.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "obs/base/status.h"
#include "obs/wire/otlp.h"

namespace obs::loadgen {

// Log-normal: median and 99th percentile, in seconds (p99 >= median > 0).
struct LatencySpec {
  double median_seconds = 0.005;
  double p99_seconds = 0.05;
};

// One attribute; every span draws its value uniformly from `choices`.
struct AttributeSpec {
  std::string key;
  std::vector<wire::otlp::AnyValue> choices;  // Non-empty.
};

struct EventSpec {
  std::string name;
  double probability = 1;  // Per span.
  std::vector<AttributeSpec> attributes;
};

struct SpanTemplate {
  std::string name;
  std::string service;  // Empty in a child: the parent's service.
  wire::otlp::SpanKind kind = wire::otlp::SpanKind::kInternal;
  LatencySpec latency;  // The span's own time; children add to it.
  double error_probability = 0;
  std::string error_type = "Error";
  std::string error_message = "operation failed";
  std::vector<AttributeSpec> attributes;
  std::vector<AttributeSpec> error_attributes;  // Replace same-key attributes on error.
  std::vector<EventSpec> events;
  double probability = 1;  // Chance the call happens at all (per parent span).
  int count_min = 1;       // Fan-out: the call repeats a uniform [min, max] times.
  int count_max = 1;
  bool parallel = false;  // Children start together instead of one after another.
  // A consumer span links to its producer parent (messaging semantics).
  bool link_to_parent = false;
  std::vector<SpanTemplate> children;
};

struct ServiceSpec {
  std::string name;
  int instances = 1;  // service.instance.id = <name>-<i>; each trace picks one per service.
  std::vector<wire::otlp::KeyValue> resource;  // Besides service.name/service.instance.id.
};

struct TraceModel {
  std::string name;
  std::vector<ServiceSpec> services;
  SpanTemplate root;
  // Generation stops adding spans to a trace beyond this (a guard against
  // fan-out explosions); the figure is reported, never exceeded silently.
  int max_spans_per_trace = 10000;
};

// Checks every invariant above; kInvalidArgument naming the span template
// path ("root.children[2].children[0]: ...") otherwise.
Status ValidateTraceModel(const TraceModel& model);

// Expected spans per trace (mean, from probabilities and fan-out ranges).
double MeanSpansPerTrace(const TraceModel& model);

}  // namespace obs::loadgen
