// Telemetry is the sample app's own instrumentation pipeline, shaped like
// the OpenTelemetry SDK's: ended spans and emitted log records go to a
// bounded queue each (drop on full, counted), drained by an export thread per
// signal in batches of at most batch_size whenever batch_size records are
// waiting or the schedule delay has passed since the last export; request
// metrics are aggregated in place (cumulative) and collected every schedule
// delay by a third thread. Every batch is encoded once as OTLP protobuf and
// the same bytes are POSTed to each endpoint in turn.
//
// With no endpoint, or a signal not selected, records are still built and
// counted as created (the instrumentation cost stays) but never queued.
//
// Thread safety: EndSpan, EmitLog, RecordRequest and FillStats from any
// thread; Shutdown from one thread (also run by the destructor).

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "obs/wire/otlp.h"

#include "sample_app.h"

namespace obs::sample_app::internal {

// Burns `cpu` of the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID) in
// a hash loop over `seed`, and returns the hash (use it, or the loop is dead
// code). Returns `seed` for cpu <= 0.
std::uint64_t BurnCpu(std::chrono::nanoseconds cpu, std::uint64_t seed) noexcept;

// Nanoseconds since the Unix epoch, from the system clock.
std::uint64_t UnixNanosNow() noexcept;

class Telemetry {
 public:
  // Starts the export threads that `options` calls for. Endpoint URLs must
  // already be valid (ParseSampleAppArgs checks them); an invalid one is an
  // OBS_CHECK failure.
  explicit Telemetry(const SampleAppOptions& options);
  ~Telemetry();
  Telemetry(const Telemetry&) = delete;
  Telemetry& operator=(const Telemetry&) = delete;

  // An ended span: counted as created, queued for export (or dropped).
  void EndSpan(wire::otlp::Span&& span) noexcept;
  // An emitted log record: counted as created, queued for export (or dropped).
  void EmitLog(wire::otlp::LogRecord&& record) noexcept;
  // One finished request: http.server.requests and
  // http.server.request.duration (seconds) by method, route and status.
  void RecordRequest(std::string_view method, std::string_view route, int status,
                     double seconds) noexcept;

  // Flushes both queues and a final metrics collection to every endpoint and
  // stops the export threads, all bounded by the export timeout; records
  // still queued then are counted as dropped. Idempotent.
  void Shutdown();

  // Every counter of SampleAppStats.
  SampleAppStats Stats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace obs::sample_app::internal
