#include "logs/log_store.h"

#include <algorithm>

#include "store/labels.h"

namespace obs::backend::logs {

LogStore::LogStore(LogStoreOptions options) : options_(options) {}

LogAppendResult LogStore::AppendStream(LabelSet labels, std::vector<LogEntry> entries,
                                       const std::string& where, LogAppendResult& result) {
  auto reject_all = [&](const std::string& why) {
    if (result.rejected == 0) {
      result.first_error = where + ": " + why;
    }
    result.rejected += entries.size();
    return result;
  };
  std::sort(labels.begin(), labels.end());
  if (labels.empty()) {
    return reject_all("a stream needs at least one label");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (!IsValidLabelName(labels[i].first)) {
      return reject_all("invalid label name \"" + labels[i].first + "\"");
    }
    if (i > 0 && labels[i].first == labels[i - 1].first) {
      return reject_all("duplicate label name \"" + labels[i].first + "\"");
    }
  }
  std::unique_lock lock(mu_);
  Stream& stream = streams_[labels];
  if (stream.labels.empty()) {
    stream.labels = labels;
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    LogEntry& e = entries[i];
    if (e.line.size() > options_.max_line_bytes) {
      if (result.rejected++ == 0) {
        result.first_error = where + ".entries[" + std::to_string(i) + "]: line longer than " +
                             std::to_string(options_.max_line_bytes) + " bytes";
      }
      continue;
    }
    if (entries_.load(std::memory_order_relaxed) >= options_.max_entries) {
      if (result.rejected++ == 0) {
        result.first_error = where + ".entries[" + std::to_string(i) + "]: log store full (" +
                             std::to_string(options_.max_entries) + " entries)";
      }
      continue;
    }
    ++result.accepted;
    const std::uint64_t seen = fault_seen_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (options_.drop_every_nth != 0 && seen % options_.drop_every_nth == 0) {
      continue;
    }
    if (options_.alter_every_nth != 0 && seen % options_.alter_every_nth == 0) {
      e.line += "~altered";
    }
    // Place in time order; an identical entry (timestamp and line) is kept once.
    auto pos =
        std::upper_bound(stream.entries.begin(), stream.entries.end(), e.timestamp_ns,
                         [](std::int64_t ts, const LogEntry& x) { return ts < x.timestamp_ns; });
    bool duplicate = false;
    for (auto it = pos; it != stream.entries.begin();) {
      --it;
      if (it->timestamp_ns != e.timestamp_ns) {
        break;
      }
      duplicate = duplicate || it->line == e.line;
    }
    if (duplicate) {
      continue;
    }
    stream.entries.insert(pos, std::move(e));
    entries_.fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

LogAppendResult LogStore::Append(const wire::loki::PushRequest& request) {
  LogAppendResult result;
  for (std::size_t s = 0; s < request.streams.size(); ++s) {
    const wire::loki::Stream& in = request.streams[s];
    LabelSet labels;
    for (const wire::Label& l : in.labels) {
      labels.emplace_back(l.name, l.value);
    }
    std::vector<LogEntry> entries;
    entries.reserve(in.entries.size());
    for (const wire::loki::Entry& e : in.entries) {
      LogEntry& out = entries.emplace_back();
      out.timestamp_ns = e.timestamp_ns;
      out.line = e.line;
      for (const wire::Label& m : e.structured_metadata) {
        out.metadata.emplace_back(m.name, m.value);
      }
    }
    AppendStream(std::move(labels), std::move(entries), "streams[" + std::to_string(s) + "]",
                 result);
  }
  return result;
}

LogAppendResult LogStore::AppendOtlp(const wire::otlp::LogsData& data) {
  namespace otlp = wire::otlp;
  LogAppendResult result;
  for (std::size_t r = 0; r < data.resource_logs.size(); ++r) {
    const otlp::ResourceLogs& rl = data.resource_logs[r];
    std::string service = "unknown_service";
    for (const otlp::KeyValue& kv : rl.resource.attributes) {
      if (kv.key == "service.name" && kv.value.type == otlp::AnyValue::Type::kString) {
        service = kv.value.string_value;
      }
    }
    for (std::size_t s = 0; s < rl.scope_logs.size(); ++s) {
      std::map<LabelSet, std::vector<LogEntry>> by_stream;
      for (const otlp::LogRecord& rec : rl.scope_logs[s].log_records) {
        LabelSet labels = {{"service_name", service}};
        if (!rec.severity_text.empty()) {
          labels.emplace_back("severity_text", rec.severity_text);
        }
        LogEntry e;
        e.timestamp_ns = static_cast<std::int64_t>(
            rec.time_unix_nano != 0 ? rec.time_unix_nano : rec.observed_time_unix_nano);
        e.line = rec.body.type == otlp::AnyValue::Type::kString ? rec.body.string_value
                                                                : otlp::ToString(rec.body);
        for (const otlp::KeyValue& kv : rec.attributes) {
          e.metadata.emplace_back(kv.key, kv.value.type == otlp::AnyValue::Type::kString
                                              ? kv.value.string_value
                                              : otlp::ToString(kv.value));
        }
        if (!otlp::IsZero(rec.trace_id)) {
          e.metadata.emplace_back("trace_id", otlp::Hex(rec.trace_id));
        }
        if (!otlp::IsZero(rec.span_id)) {
          e.metadata.emplace_back("span_id", otlp::Hex(rec.span_id));
        }
        by_stream[labels].push_back(std::move(e));
      }
      for (auto& [labels, entries] : by_stream) {
        AppendStream(labels, std::move(entries),
                     "resourceLogs[" + std::to_string(r) + "].scopeLogs[" + std::to_string(s) + "]",
                     result);
      }
    }
  }
  return result;
}

std::vector<LabelSet> LogStore::Streams() const {
  std::shared_lock lock(mu_);
  std::vector<LabelSet> out;
  for (const auto& [labels, stream] : streams_) {
    out.push_back(labels);
  }
  return out;
}

}  // namespace obs::backend::logs
