// TraceGenerator turns a TraceModel into concrete traces. Trace number n of
// a run is a pure function of (model, seed, run id, n, start time): its ids,
// shape, timings, errors and attribute values all come from a random stream
// keyed by those, so the verifier regenerates exactly what was sent from the
// ledger's trace numbers instead of storing payloads.
//
// Ids: the trace id is 16 bytes derived from (seed, run id, n) (never all
// zero); span ids from (trace id, span number). Times: the root starts at the
// given time; every child starts after its parent starts and ends before it
// ends (sequential children one after another, parallel ones together).
//
// Thread safety: Generate() is const and may run concurrently.

#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "obs/loadgen/trace_model.h"
#include "obs/wire/otlp.h"

namespace obs::loadgen {

// Spans grouped the way an exporter sends them: one ResourceSpans per
// service instance, one ScopeSpans inside it.
class TraceBatch {
 public:
  void Clear();
  const wire::otlp::TracesData& data() const { return data_; }
  std::size_t span_count() const { return spans_; }
  std::size_t trace_count() const { return traces_; }

 private:
  friend class TraceGenerator;
  wire::otlp::Span& AddSpan(std::size_t service, int instance, const class TraceGenerator& gen);

  wire::otlp::TracesData data_;
  std::map<std::pair<std::size_t, int>, std::size_t> index_;  // (service, instance) -> resource.
  std::size_t spans_ = 0;
  std::size_t traces_ = 0;
};

class TraceGenerator {
 public:
  // REQUIRES: ValidateTraceModel(model).ok().
  TraceGenerator(TraceModel model, std::uint64_t seed, std::string_view run_id);

  // Appends trace `n`, rooted at `start_unix_nano`, to `batch`; returns the
  // number of spans added.
  std::size_t Generate(std::uint64_t n, std::uint64_t start_unix_nano, TraceBatch& batch) const;

  wire::otlp::TraceId TraceIdFor(std::uint64_t n) const;

  const TraceModel& model() const { return model_; }
  // Traces that hit max_spans_per_trace are cut there; how often is counted
  // by the caller from Generate's result.

 private:
  friend class TraceBatch;
  struct Ctx;
  std::uint64_t Layout(const SpanTemplate& t, std::size_t service, const wire::otlp::Span* parent,
                       std::uint64_t start, Ctx& ctx) const;

  TraceModel model_;
  std::uint64_t key_ = 0;
  std::vector<wire::otlp::Resource> resources_;  // Per (service, instance), flattened.
  std::vector<std::size_t> first_resource_;      // Per service: index of instance 0.
  std::map<std::string, std::size_t> service_index_;
  wire::otlp::InstrumentationScope scope_;
};

}  // namespace obs::loadgen
