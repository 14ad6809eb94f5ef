// LogStore keeps log streams in memory: a stream is a sorted label set with
// its entries (Unix-nanosecond timestamp, line, structured metadata) in time
// order. It is what Loki push and OTLP logs write into and what the LogQL
// evaluator reads.
//
// Append() validates each stream and entry and keeps the valid ones: a
// stream needs at least one label, valid label names and no duplicates; an
// entry needs a line of at most `max_line_bytes`. An entry identical to a
// stored one (same stream, timestamp and line) is acknowledged and kept
// once, as Loki does. Past `max_entries` further entries are rejected, so
// memory is bounded. Out-of-order entries are accepted and placed in order.
//
// Thread safety: every method may be called concurrently (one shared mutex).

#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "obs/wire/loki.h"
#include "obs/wire/otlp.h"

namespace obs::backend::logs {

using LabelSet = std::vector<std::pair<std::string, std::string>>;  // Sorted by name.

struct LogEntry {
  std::int64_t timestamp_ns = 0;
  std::string line;
  LabelSet metadata;  // Structured metadata, as sent.
};

struct LogStoreOptions {
  std::size_t max_entries = 20'000'000;
  std::size_t max_line_bytes = 256U << 10;
  // Fault modes for negative tests (0 = off): every Nth accepted entry is
  // acknowledged but dropped, or stored with its line altered.
  std::uint64_t drop_every_nth = 0;
  std::uint64_t alter_every_nth = 0;
};

struct LogAppendResult {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  std::string first_error;
};

// One stream's entries within a time range, as a query sees them.
struct StreamSlice {
  LabelSet labels;
  std::vector<LogEntry> entries;  // Ascending time.
};

class LogStore {
 public:
  explicit LogStore(LogStoreOptions options = {});

  LogAppendResult Append(const wire::loki::PushRequest& request);
  // OTLP log records become entries: the stream's labels are the resource's
  // service.name (as `service_name`) plus `severity_text` when set, the line
  // is the body (strings as is, other values as text), the record's
  // attributes and trace/span ids become structured metadata.
  LogAppendResult AppendOtlp(const wire::otlp::LogsData& data);

  // Streams whose labels satisfy `accept`, each with its entries in
  // [start_ns, end_ns).
  template <typename Accept>
  std::vector<StreamSlice> Select(Accept accept, std::int64_t start_ns, std::int64_t end_ns) const;

  std::vector<LabelSet> Streams() const;  // Every stream's labels.
  std::size_t entry_count() const { return entries_.load(std::memory_order_relaxed); }

 private:
  struct Stream {
    LabelSet labels;
    std::vector<LogEntry> entries;
  };
  LogAppendResult AppendStream(LabelSet labels, std::vector<LogEntry> entries,
                               const std::string& where, LogAppendResult& result);

  LogStoreOptions options_;
  mutable std::shared_mutex mu_;
  std::map<LabelSet, Stream> streams_;
  std::atomic<std::size_t> entries_{0};
  std::atomic<std::uint64_t> fault_seen_{0};
};

template <typename Accept>
std::vector<StreamSlice> LogStore::Select(Accept accept, std::int64_t start_ns,
                                          std::int64_t end_ns) const {
  std::vector<StreamSlice> out;
  std::shared_lock lock(mu_);
  for (const auto& [labels, stream] : streams_) {
    if (!accept(labels)) {
      continue;
    }
    StreamSlice slice{labels, {}};
    for (const LogEntry& e : stream.entries) {
      if (e.timestamp_ns >= start_ns && e.timestamp_ns < end_ns) {
        slice.entries.push_back(e);
      }
    }
    if (!slice.entries.empty()) {
      out.push_back(std::move(slice));
    }
  }
  return out;
}

}  // namespace obs::backend::logs
