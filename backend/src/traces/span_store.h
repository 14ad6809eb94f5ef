// SpanStore keeps OTLP spans in memory, indexed by trace id, with the
// service/operation catalogue Jaeger's API lists and a scan-based search.
//
// Append() validates each span and stores the valid ones; the others are
// counted and the first reason named, which the OTLP handler turns into a
// partial success. A span is invalid when its trace or span id is all zero,
// its end precedes its start, or an attribute value (of the span, its events
// or links) is longer than `max_attribute_value_bytes`. Past `max_spans` the
// store rejects further spans ("span store full"), so memory is bounded.
// An exact duplicate of a stored span (a client's retry) is acknowledged but
// stored once; a different span with the same ids is stored beside it.
//
// Thread safety: every method may be called concurrently. Traces are sharded
// by id, each shard under its own mutex; the catalogue has its own.

#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "obs/wire/otlp.h"

namespace obs::backend::traces {

namespace otlp = wire::otlp;

struct SpanStoreOptions {
  std::size_t max_spans = 5'000'000;
  std::size_t max_attribute_value_bytes = 64U << 10;
  // Fault modes for negative tests (0 = off): every Nth accepted span is
  // acknowledged but dropped, or stored altered (first attribute value, or
  // the name when there is none).
  std::uint64_t drop_every_nth = 0;
  std::uint64_t alter_every_nth = 0;
};

// A stored span with the resource and scope it arrived under (shared by
// every span of the same request's ResourceSpans/ScopeSpans).
struct StoredSpan {
  std::shared_ptr<const otlp::Resource> resource;
  std::shared_ptr<const otlp::InstrumentationScope> scope;
  otlp::Span span;
};

struct AppendResult {
  std::size_t accepted = 0;  // Stored, or exact duplicates of stored spans.
  std::size_t rejected = 0;
  std::string first_error;  // Names the first rejected span and why.
};

// Jaeger-style search; empty/zero fields do not constrain.
struct TraceQuery {
  std::string service;
  std::string operation;
  // Attribute (span, then resource) key -> value as text (ToString without
  // quotes for strings).
  std::vector<std::pair<std::string, std::string>> tags;
  std::uint64_t min_duration_ns = 0;
  std::uint64_t max_duration_ns = 0;
  std::uint64_t start_unix_nano = 0;  // A matching span starts at or after this...
  std::uint64_t end_unix_nano = 0;    // ...and at or before this.
  std::size_t limit = 20;
};

struct Operation {
  std::string name;
  otlp::SpanKind kind = otlp::SpanKind::kUnspecified;
  friend bool operator<(const Operation& a, const Operation& b) {
    return std::pair(a.name, a.kind) < std::pair(b.name, b.kind);
  }
};

// The service a resource names: its `service.name` string attribute, or
// "unknown_service" as the OpenTelemetry SDKs default.
std::string ServiceName(const otlp::Resource& resource);

// The attribute's value as search text: strings bare, others as ToString.
std::string AttributeText(const otlp::AnyValue& value);

class SpanStore {
 public:
  explicit SpanStore(SpanStoreOptions options = {});

  AppendResult Append(const otlp::TracesData& data);

  // Every span of the trace, ordered by start time then span id; empty if
  // the trace is unknown.
  std::vector<StoredSpan> Trace(const otlp::TraceId& id) const;

  // Trace ids with at least one span matching every constraint, newest
  // trace start first, at most `limit`.
  std::vector<otlp::TraceId> Search(const TraceQuery& query) const;

  std::vector<std::string> Services() const;                            // Sorted.
  std::vector<Operation> Operations(const std::string& service) const;  // Sorted.

  std::size_t span_count() const;
  std::size_t trace_count() const;

 private:
  struct TraceEntry {
    std::vector<StoredSpan> spans;
    std::uint64_t start = UINT64_MAX;
  };
  struct IdHash {
    std::size_t operator()(const otlp::TraceId& id) const noexcept;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<otlp::TraceId, TraceEntry, IdHash> traces;
  };
  static constexpr std::size_t kShards = 16;

  Shard& ShardFor(const otlp::TraceId& id) const;
  std::string Validate(const otlp::Span& span) const;

  SpanStoreOptions options_;
  mutable std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> spans_{0};
  std::atomic<std::uint64_t> fault_seen_{0};
  mutable std::mutex catalogue_mu_;
  std::map<std::string, std::set<Operation>> catalogue_;
};

}  // namespace obs::backend::traces
