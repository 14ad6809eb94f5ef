#include "traces/span_store.h"

#include <algorithm>
#include <cstring>

namespace obs::backend::traces {
namespace {

bool TooLong(const std::vector<otlp::KeyValue>& attributes, std::size_t limit) {
  for (const otlp::KeyValue& kv : attributes) {
    if (kv.value.string_value.size() > limit) {
      return true;
    }
    for (const otlp::AnyValue& e : kv.value.array_value) {
      if (e.string_value.size() > limit) {
        return true;
      }
    }
    if (TooLong(kv.value.kvlist_value, limit)) {
      return true;
    }
  }
  return false;
}

const otlp::AnyValue* FindAttribute(const std::vector<otlp::KeyValue>& attributes,
                                    std::string_view key) {
  for (const otlp::KeyValue& kv : attributes) {
    if (kv.key == key) {
      return &kv.value;
    }
  }
  return nullptr;
}

bool SpanMatches(const StoredSpan& s, const TraceQuery& q) {
  const otlp::Span& span = s.span;
  if (!q.service.empty() && ServiceName(*s.resource) != q.service) {
    return false;
  }
  if (!q.operation.empty() && span.name != q.operation) {
    return false;
  }
  const std::uint64_t duration = span.end_time_unix_nano - span.start_time_unix_nano;
  if ((q.min_duration_ns != 0 && duration < q.min_duration_ns) ||
      (q.max_duration_ns != 0 && duration > q.max_duration_ns)) {
    return false;
  }
  if ((q.start_unix_nano != 0 && span.start_time_unix_nano < q.start_unix_nano) ||
      (q.end_unix_nano != 0 && span.start_time_unix_nano > q.end_unix_nano)) {
    return false;
  }
  for (const auto& [key, want] : q.tags) {
    const otlp::AnyValue* v = FindAttribute(span.attributes, key);
    if (v == nullptr) {
      v = FindAttribute(s.resource->attributes, key);
    }
    if (v == nullptr || AttributeText(*v) != want) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ServiceName(const otlp::Resource& resource) {
  const otlp::AnyValue* v = FindAttribute(resource.attributes, "service.name");
  if (v != nullptr && v->type == otlp::AnyValue::Type::kString && !v->string_value.empty()) {
    return v->string_value;
  }
  return "unknown_service";
}

std::string AttributeText(const otlp::AnyValue& value) {
  return value.type == otlp::AnyValue::Type::kString ? value.string_value : otlp::ToString(value);
}

std::size_t SpanStore::IdHash::operator()(const otlp::TraceId& id) const noexcept {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, id.data(), 8);
  std::memcpy(&b, id.data() + 8, 8);
  return static_cast<std::size_t>((a ^ (b * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL >> 7);
}

SpanStore::SpanStore(SpanStoreOptions options) : options_(options) {}

SpanStore::Shard& SpanStore::ShardFor(const otlp::TraceId& id) const {
  return shards_[IdHash{}(id) % kShards];
}

std::string SpanStore::Validate(const otlp::Span& span) const {
  if (otlp::IsZero(span.trace_id)) {
    return "trace id is missing or all zero";
  }
  if (otlp::IsZero(span.span_id)) {
    return "span id is missing or all zero";
  }
  if (span.end_time_unix_nano < span.start_time_unix_nano) {
    return "end time precedes start time";
  }
  const std::size_t limit = options_.max_attribute_value_bytes;
  bool too_long = TooLong(span.attributes, limit);
  for (const otlp::SpanEvent& e : span.events) {
    too_long = too_long || TooLong(e.attributes, limit);
  }
  for (const otlp::SpanLink& l : span.links) {
    too_long = too_long || TooLong(l.attributes, limit);
  }
  if (too_long) {
    return "an attribute is longer than " + std::to_string(limit) + " bytes";
  }
  return {};
}

AppendResult SpanStore::Append(const otlp::TracesData& data) {
  AppendResult result;
  auto reject = [&](std::size_t ri, std::size_t si, std::size_t pi, const std::string& why) {
    if (result.rejected++ == 0) {
      result.first_error = "resourceSpans[" + std::to_string(ri) + "].scopeSpans[" +
                           std::to_string(si) + "].spans[" + std::to_string(pi) + "]: " + why;
    }
  };
  for (std::size_t ri = 0; ri < data.resource_spans.size(); ++ri) {
    const otlp::ResourceSpans& rs = data.resource_spans[ri];
    auto resource = std::make_shared<const otlp::Resource>(rs.resource);
    std::set<Operation> ops;
    for (std::size_t si = 0; si < rs.scope_spans.size(); ++si) {
      const otlp::ScopeSpans& ss = rs.scope_spans[si];
      auto scope = std::make_shared<const otlp::InstrumentationScope>(ss.scope);
      for (std::size_t pi = 0; pi < ss.spans.size(); ++pi) {
        const otlp::Span& span = ss.spans[pi];
        if (std::string why = Validate(span); !why.empty()) {
          reject(ri, si, pi, why);
          continue;
        }
        if (spans_.fetch_add(1, std::memory_order_relaxed) >= options_.max_spans) {
          spans_.fetch_sub(1, std::memory_order_relaxed);
          reject(ri, si, pi, "span store full (" + std::to_string(options_.max_spans) + " spans)");
          continue;
        }
        const std::uint64_t seen = fault_seen_.fetch_add(1, std::memory_order_relaxed) + 1;
        if (options_.drop_every_nth != 0 && seen % options_.drop_every_nth == 0) {
          spans_.fetch_sub(1, std::memory_order_relaxed);
          ++result.accepted;
          continue;
        }
        otlp::Span altered;
        const bool alter = options_.alter_every_nth != 0 && seen % options_.alter_every_nth == 0;
        if (alter) {
          altered = span;
          if (altered.attributes.empty()) {
            altered.name += "~altered";
          } else if (altered.attributes[0].value.type == otlp::AnyValue::Type::kString) {
            altered.attributes[0].value.string_value += "~altered";
          } else {
            altered.attributes[0].value = otlp::AnyValue::String("altered");
          }
        }
        const otlp::Span& stored = alter ? altered : span;
        Shard& shard = ShardFor(span.trace_id);
        {
          std::lock_guard lock(shard.mu);
          TraceEntry& entry = shard.traces[span.trace_id];
          const bool duplicate =
              std::any_of(entry.spans.begin(), entry.spans.end(), [&](const StoredSpan& s) {
                return s.span.span_id == stored.span_id && s.span == stored &&
                       *s.resource == *resource && *s.scope == *scope;
              });
          if (duplicate) {
            spans_.fetch_sub(1, std::memory_order_relaxed);
          } else {
            entry.spans.push_back(StoredSpan{resource, scope, stored});
            entry.start = std::min(entry.start, span.start_time_unix_nano);
          }
        }
        ++result.accepted;
        ops.insert(Operation{span.name, span.kind});
      }
    }
    if (!ops.empty()) {
      std::lock_guard lock(catalogue_mu_);
      catalogue_[ServiceName(*resource)].merge(ops);
    }
  }
  return result;
}

std::vector<StoredSpan> SpanStore::Trace(const otlp::TraceId& id) const {
  std::vector<StoredSpan> spans;
  {
    Shard& shard = ShardFor(id);
    std::lock_guard lock(shard.mu);
    auto it = shard.traces.find(id);
    if (it == shard.traces.end()) {
      return spans;
    }
    spans = it->second.spans;
  }
  std::stable_sort(spans.begin(), spans.end(), [](const StoredSpan& a, const StoredSpan& b) {
    return std::pair(a.span.start_time_unix_nano, a.span.span_id) <
           std::pair(b.span.start_time_unix_nano, b.span.span_id);
  });
  return spans;
}

std::vector<otlp::TraceId> SpanStore::Search(const TraceQuery& query) const {
  std::vector<std::pair<std::uint64_t, otlp::TraceId>> found;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (const auto& [id, entry] : shard.traces) {
      if (std::any_of(entry.spans.begin(), entry.spans.end(),
                      [&](const StoredSpan& s) { return SpanMatches(s, query); })) {
        found.emplace_back(entry.start, id);
      }
    }
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a > b; });
  std::vector<otlp::TraceId> ids;
  for (std::size_t i = 0; i < found.size() && i < query.limit; ++i) {
    ids.push_back(found[i].second);
  }
  return ids;
}

std::vector<std::string> SpanStore::Services() const {
  std::lock_guard lock(catalogue_mu_);
  std::vector<std::string> out;
  for (const auto& [service, ops] : catalogue_) {
    out.push_back(service);
  }
  return out;
}

std::vector<Operation> SpanStore::Operations(const std::string& service) const {
  std::lock_guard lock(catalogue_mu_);
  auto it = catalogue_.find(service);
  if (it == catalogue_.end()) {
    return {};
  }
  return {it->second.begin(), it->second.end()};
}

std::size_t SpanStore::span_count() const {
  return spans_.load(std::memory_order_relaxed);
}

std::size_t SpanStore::trace_count() const {
  std::size_t n = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.traces.size();
  }
  return n;
}

}  // namespace obs::backend::traces
