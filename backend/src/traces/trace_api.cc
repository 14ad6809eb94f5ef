#include "traces/trace_api.h"

#include <charconv>
#include <map>

#include "obs/wire/json_parse.h"
#include "obs/wire/json_text.h"

#include "http/url.h"
#include <nlohmann/json.hpp>

namespace obs::backend::traces {
namespace {

using Json = nlohmann::json;

http::Response JsonAnswer(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

std::string JaegerEnvelope(const std::string& data_json, std::size_t total) {
  return "{\"data\":" + data_json + ",\"total\":" + std::to_string(total) +
         ",\"limit\":0,\"offset\":0,\"errors\":null}";
}

http::Response JaegerError(int status, const std::string& message) {
  std::string body = "{\"data\":null,\"total\":0,\"limit\":0,\"offset\":0,\"errors\":[{\"code\":" +
                     std::to_string(status) + ",\"msg\":";
  wire::AppendJsonString(message, body);
  body += "}]}";
  return JsonAnswer(status, std::move(body));
}

void AppendTag(std::string& out, bool& first, std::string_view key, const otlp::AnyValue& v) {
  out += first ? "{\"key\":" : ",{\"key\":";
  first = false;
  wire::AppendJsonString(key, out);
  using T = otlp::AnyValue::Type;
  switch (v.type) {
    case T::kBool:
      out += ",\"type\":\"bool\",\"value\":";
      out += v.bool_value ? "true" : "false";
      break;
    case T::kInt:
      out += ",\"type\":\"int64\",\"value\":" + std::to_string(v.int_value);
      break;
    case T::kDouble:
      out += ",\"type\":\"float64\",\"value\":";
      wire::AppendJsonDouble(v.double_value, out);
      break;
    case T::kBytes:
      out += ",\"type\":\"binary\",\"value\":";
      wire::AppendJsonString(wire::Base64Encode(v.string_value), out);
      break;
    case T::kString:
      out += ",\"type\":\"string\",\"value\":";
      wire::AppendJsonString(v.string_value, out);
      break;
    case T::kArray:
    case T::kKvList:
    case T::kEmpty:
      out += ",\"type\":\"string\",\"value\":";
      wire::AppendJsonString(v.type == T::kEmpty ? std::string() : otlp::ValueJson(v), out);
      break;
  }
  out += '}';
}

void AppendTags(std::string& out, bool& first, const std::vector<otlp::KeyValue>& kvs,
                std::string_view skip = {}) {
  for (const otlp::KeyValue& kv : kvs) {
    if (!skip.empty() && kv.key == skip) {
      continue;
    }
    AppendTag(out, first, kv.key, kv.value);
  }
}

std::string Micros(std::uint64_t ns) {
  return std::to_string(ns / 1000);
}

// Go's time.ParseDuration subset Jaeger's UI sends: "1.5s", "100ms", "250us".
Result<std::uint64_t> ParseGoDurationNs(std::string_view text) {
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1},  {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6},
      {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  double total = 0;
  std::string_view rest = text;
  if (rest.empty()) {
    return InvalidArgumentError("empty duration");
  }
  while (!rest.empty()) {
    double n = 0;
    const auto r = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (r.ec != std::errc() || n < 0) {
      return InvalidArgumentError("cannot parse duration \"" + std::string(text) + "\"");
    }
    rest.remove_prefix(static_cast<std::size_t>(r.ptr - rest.data()));
    bool matched = false;
    // Longest unit first: "ms" before "m" and "s".
    for (std::string_view unit : {"ns", "us", "\xc2\xb5s", "ms", "h", "m", "s"}) {
      if (rest.starts_with(unit)) {
        for (const auto& [name, scale] : kUnits) {
          if (name == unit) {
            total += n * scale;
          }
        }
        rest.remove_prefix(unit.size());
        matched = true;
        break;
      }
    }
    if (!matched) {
      return InvalidArgumentError("cannot parse duration \"" + std::string(text) +
                                  "\": missing unit");
    }
  }
  if (!(total < 1.8e19)) {
    return InvalidArgumentError("duration \"" + std::string(text) + "\" out of range");
  }
  return static_cast<std::uint64_t>(total);
}

Result<std::uint64_t> ParseUint(std::string_view text, std::string_view name) {
  std::uint64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return InvalidArgumentError("cannot parse " + std::string(name) + " \"" + std::string(text) +
                                "\"");
  }
  return v;
}

}  // namespace

otlp::TracesData ToTracesData(const std::vector<StoredSpan>& spans) {
  otlp::TracesData data;
  std::map<const otlp::Resource*, std::size_t> resource_index;
  std::map<std::pair<std::size_t, const otlp::InstrumentationScope*>, std::size_t> scope_index;
  for (const StoredSpan& s : spans) {
    auto [rit, new_resource] =
        resource_index.try_emplace(s.resource.get(), data.resource_spans.size());
    if (new_resource) {
      data.resource_spans.emplace_back().resource = *s.resource;
    }
    otlp::ResourceSpans& rs = data.resource_spans[rit->second];
    auto [sit, new_scope] =
        scope_index.try_emplace({rit->second, s.scope.get()}, rs.scope_spans.size());
    if (new_scope) {
      rs.scope_spans.emplace_back().scope = *s.scope;
    }
    rs.scope_spans[sit->second].spans.push_back(s.span);
  }
  return data;
}

std::string JaegerTraceJson(const otlp::TraceId& id, const std::vector<StoredSpan>& spans) {
  const std::string trace_hex = otlp::Hex(id);
  std::map<const otlp::Resource*, std::string> process_ids;
  std::string processes = "{";
  std::string out = "{\"traceID\":\"" + trace_hex + "\",\"spans\":[";
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const StoredSpan& stored = spans[i];
    const otlp::Span& s = stored.span;
    auto [pit, added] = process_ids.try_emplace(stored.resource.get(),
                                                "p" + std::to_string(process_ids.size() + 1));
    if (added) {
      if (processes.size() > 1) {
        processes += ',';
      }
      processes += "\"" + pit->second + "\":{\"serviceName\":";
      wire::AppendJsonString(ServiceName(*stored.resource), processes);
      processes += ",\"tags\":[";
      bool first = true;
      AppendTags(processes, first, stored.resource->attributes, "service.name");
      processes += "]}";
    }
    out += i == 0 ? "{" : ",{";
    out += "\"traceID\":\"" + trace_hex + "\",\"spanID\":\"" + otlp::Hex(s.span_id) +
           "\",\"flags\":" + std::to_string(s.flags & 0xFFU) + ",\"operationName\":";
    wire::AppendJsonString(s.name, out);
    out += ",\"references\":[";
    bool first_ref = true;
    if (!otlp::IsZero(s.parent_span_id)) {
      out += "{\"refType\":\"CHILD_OF\",\"traceID\":\"" + trace_hex + "\",\"spanID\":\"" +
             otlp::Hex(s.parent_span_id) + "\"}";
      first_ref = false;
    }
    for (const otlp::SpanLink& l : s.links) {
      out += first_ref ? "" : ",";
      first_ref = false;
      out += "{\"refType\":\"FOLLOWS_FROM\",\"traceID\":\"" + otlp::Hex(l.trace_id) +
             "\",\"spanID\":\"" + otlp::Hex(l.span_id) + "\"}";
    }
    out += "],\"startTime\":" + Micros(s.start_time_unix_nano) +
           ",\"duration\":" + Micros(s.end_time_unix_nano - s.start_time_unix_nano) + ",\"tags\":[";
    bool first = true;
    AppendTags(out, first, s.attributes);
    if (!stored.scope->name.empty()) {
      AppendTag(out, first, "otel.scope.name", otlp::AnyValue::String(stored.scope->name));
    }
    if (!stored.scope->version.empty()) {
      AppendTag(out, first, "otel.scope.version", otlp::AnyValue::String(stored.scope->version));
    }
    if (s.kind != otlp::SpanKind::kUnspecified) {
      AppendTag(out, first, "span.kind", otlp::AnyValue::String(std::string(SpanKindName(s.kind))));
    }
    if (s.status.code != otlp::SpanStatusCode::kUnset) {
      AppendTag(
          out, first, "otel.status_code",
          otlp::AnyValue::String(s.status.code == otlp::SpanStatusCode::kError ? "ERROR" : "OK"));
    }
    if (!s.status.message.empty()) {
      AppendTag(out, first, "otel.status_description", otlp::AnyValue::String(s.status.message));
    }
    if (s.status.code == otlp::SpanStatusCode::kError) {
      AppendTag(out, first, "error", otlp::AnyValue::Bool(true));
    }
    if (!s.trace_state.empty()) {
      AppendTag(out, first, "w3c.tracestate", otlp::AnyValue::String(s.trace_state));
    }
    out += "],\"logs\":[";
    for (std::size_t e = 0; e < s.events.size(); ++e) {
      const otlp::SpanEvent& ev = s.events[e];
      out += e == 0 ? "{" : ",{";
      out += "\"timestamp\":" + Micros(ev.time_unix_nano) + ",\"fields\":[";
      bool first_field = true;
      AppendTag(out, first_field, "event", otlp::AnyValue::String(ev.name));
      AppendTags(out, first_field, ev.attributes);
      out += "]}";
    }
    out += "],\"processID\":\"" + pit->second + "\",\"warnings\":null}";
  }
  processes += '}';
  out += "],\"processes\":" + processes + ",\"warnings\":null}";
  return out;
}

TraceApi::TraceApi(const SpanStore& spans) : spans_(spans) {}

http::Response TraceApi::JaegerTrace(std::string_view hex_id) const {
  otlp::TraceId id{};
  if (!otlp::ParseHex(hex_id, id)) {
    return JaegerError(400,
                       "malformed trace id \"" + std::string(hex_id) + "\": want 32 hex digits");
  }
  const std::vector<StoredSpan> spans = spans_.Trace(id);
  if (spans.empty()) {
    return JaegerError(404, "trace not found");
  }
  return JsonAnswer(200, JaegerEnvelope("[" + JaegerTraceJson(id, spans) + "]", 0));
}

http::Response TraceApi::TempoTrace(std::string_view hex_id) const {
  otlp::TraceId id{};
  if (!otlp::ParseHex(hex_id, id)) {
    return JsonAnswer(400, "{\"error\":\"malformed trace id\"}");
  }
  const std::vector<StoredSpan> spans = spans_.Trace(id);
  if (spans.empty()) {
    return JsonAnswer(404, "{\"error\":\"trace not found\"}");
  }
  std::string body = "{\"trace\":";
  otlp::EncodeTracesJson(ToTracesData(spans), body);
  body += '}';
  return JsonAnswer(200, std::move(body));
}

http::Response TraceApi::JaegerSearch(const http::Request& request) const {
  http::FormValues form;
  if (Status s = form.AddUrlEncoded(http::SplitTarget(request.target).query); !s.ok()) {
    return JaegerError(400, s.message());
  }
  TraceQuery q;
  q.service = form.Get("service");
  q.operation = form.Get("operation");
  if (q.service.empty()) {
    return JaegerError(400, "parameter 'service' is required");
  }
  for (const std::string& tag : form.GetAll("tag")) {
    const std::size_t colon = tag.find(':');
    if (colon == std::string::npos) {
      return JaegerError(400, "malformed 'tag' parameter \"" + tag + "\": want key:value");
    }
    q.tags.emplace_back(tag.substr(0, colon), tag.substr(colon + 1));
  }
  if (const std::string_view tags = form.Get("tags"); !tags.empty()) {
    const std::optional<Json> parsed = wire::ParseJson(tags);
    if (!parsed || !parsed->is_object()) {
      return JaegerError(400, "malformed 'tags' parameter: want a JSON object");
    }
    for (auto it = parsed->begin(); it != parsed->end(); ++it) {
      q.tags.emplace_back(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
    }
  }
  struct DurationParam {
    const char* name;
    std::uint64_t* target;
  };
  for (const DurationParam& p : {DurationParam{"minDuration", &q.min_duration_ns},
                                 DurationParam{"maxDuration", &q.max_duration_ns}}) {
    if (const std::string_view v = form.Get(p.name); !v.empty()) {
      Result<std::uint64_t> d = ParseGoDurationNs(v);
      if (!d.ok()) {
        return JaegerError(400, std::string(p.name) + ": " + d.status().message());
      }
      *p.target = *d;
    }
  }
  struct UintParam {
    const char* name;
    std::uint64_t* target;
    std::uint64_t scale;
  };
  std::uint64_t limit = 20;
  for (const UintParam& p :
       {UintParam{"start", &q.start_unix_nano, 1000}, UintParam{"end", &q.end_unix_nano, 1000},
        UintParam{"limit", &limit, 1}}) {
    if (const std::string_view v = form.Get(p.name); !v.empty()) {
      Result<std::uint64_t> n = ParseUint(v, p.name);
      if (!n.ok()) {
        return JaegerError(400, n.status().message());
      }
      *p.target = *n * p.scale;
    }
  }
  q.limit = static_cast<std::size_t>(limit == 0 ? 20 : limit);
  std::string data = "[";
  const std::vector<otlp::TraceId> ids = spans_.Search(q);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i != 0) {
      data += ',';
    }
    data += JaegerTraceJson(ids[i], spans_.Trace(ids[i]));
  }
  data += ']';
  return JsonAnswer(200, JaegerEnvelope(data, ids.size()));
}

http::Response TraceApi::JaegerServices() const {
  const std::vector<std::string> services = spans_.Services();
  std::string data = "[";
  for (std::size_t i = 0; i < services.size(); ++i) {
    data += i == 0 ? "" : ",";
    wire::AppendJsonString(services[i], data);
  }
  data += ']';
  return JsonAnswer(200, JaegerEnvelope(data, services.size()));
}

http::Response TraceApi::JaegerServiceOperations(std::string_view service) const {
  std::vector<std::string> names;
  for (const Operation& op : spans_.Operations(std::string(service))) {
    if (names.empty() || names.back() != op.name) {
      names.push_back(op.name);
    }
  }
  std::string data = "[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    data += i == 0 ? "" : ",";
    wire::AppendJsonString(names[i], data);
  }
  data += ']';
  return JsonAnswer(200, JaegerEnvelope(data, names.size()));
}

http::Response TraceApi::JaegerOperations(const http::Request& request) const {
  http::FormValues form;
  if (Status s = form.AddUrlEncoded(http::SplitTarget(request.target).query); !s.ok()) {
    return JaegerError(400, s.message());
  }
  const std::string service(form.Get("service"));
  if (service.empty()) {
    return JaegerError(400, "parameter 'service' is required");
  }
  const std::string_view kind = form.Get("spanKind");
  std::string data = "[";
  std::size_t n = 0;
  for (const Operation& op : spans_.Operations(service)) {
    const std::string_view kind_name =
        op.kind == otlp::SpanKind::kUnspecified ? "" : otlp::SpanKindName(op.kind);
    if (!kind.empty() && kind != kind_name) {
      continue;
    }
    data += n++ == 0 ? "{\"name\":" : ",{\"name\":";
    wire::AppendJsonString(op.name, data);
    data += ",\"spanKind\":";
    wire::AppendJsonString(kind_name, data);
    data += '}';
  }
  data += ']';
  return JsonAnswer(200, JaegerEnvelope(data, n));
}

}  // namespace obs::backend::traces
