#include "obs/loadgen/trace_generator.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace obs::loadgen {
namespace {

namespace otlp = wire::otlp;

constexpr double kZ99 = 2.3263478740408408;  // Standard normal 99th percentile.

std::uint64_t SplitMix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t HashString(std::string_view s) {
  std::uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a
  for (char c : s) {
    h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
  }
  return h;
}

// A small, fast, portable random stream (the standard distributions are not
// portable across standard libraries; ours are, so a trace is reproducible).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() { return SplitMix(state_); }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  std::uint64_t Below(std::uint64_t n) { return n <= 1 ? 0 : Next() % n; }
  // Box-Muller; one value per call keeps the stream simple to reason about.
  double Normal() {
    double u1 = Uniform();
    if (u1 < 1e-300) {
      u1 = 1e-300;
    }
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::uint64_t state_;
};

}  // namespace

struct TraceGenerator::Ctx {
  explicit Ctx(std::uint64_t seed) : rng(seed) {}
  Rng rng;
  otlp::TraceId trace_id{};
  std::uint64_t span_key = 0;
  std::vector<int> instance;  // Per service, this trace's instance.
  TraceBatch* batch = nullptr;
  std::size_t spans = 0;
  std::size_t max_spans = 0;
};

void TraceBatch::Clear() {
  data_.resource_spans.clear();
  index_.clear();
  spans_ = 0;
  traces_ = 0;
}

otlp::Span& TraceBatch::AddSpan(std::size_t service, int instance, const TraceGenerator& gen) {
  auto [it, added] = index_.try_emplace({service, instance}, data_.resource_spans.size());
  if (added) {
    otlp::ResourceSpans& rs = data_.resource_spans.emplace_back();
    rs.resource = gen.resources_[gen.first_resource_[service] + static_cast<std::size_t>(instance)];
    rs.scope_spans.emplace_back().scope = gen.scope_;
  }
  ++spans_;
  return data_.resource_spans[it->second].scope_spans[0].spans.emplace_back();
}

TraceGenerator::TraceGenerator(TraceModel model, std::uint64_t seed, std::string_view run_id)
    : model_(std::move(model)) {
  std::uint64_t k = seed ^ HashString(run_id);
  key_ = SplitMix(k);
  scope_.name = "obsbench.loadgen";
  scope_.version = "1";
  for (std::size_t s = 0; s < model_.services.size(); ++s) {
    const ServiceSpec& svc = model_.services[s];
    service_index_[svc.name] = s;
    first_resource_.push_back(resources_.size());
    for (int i = 0; i < svc.instances; ++i) {
      otlp::Resource r;
      r.attributes.push_back({"service.name", otlp::AnyValue::String(svc.name)});
      r.attributes.push_back(
          {"service.instance.id", otlp::AnyValue::String(svc.name + "-" + std::to_string(i))});
      r.attributes.insert(r.attributes.end(), svc.resource.begin(), svc.resource.end());
      resources_.push_back(std::move(r));
    }
  }
}

otlp::TraceId TraceGenerator::TraceIdFor(std::uint64_t n) const {
  std::uint64_t state = key_ ^ (n * 0xD6E8FEB86659FD93ULL);
  const std::uint64_t hi = SplitMix(state);
  std::uint64_t lo = SplitMix(state);
  if (hi == 0 && lo == 0) {
    lo = 1;
  }
  otlp::TraceId id{};
  for (int i = 0; i < 8; ++i) {
    id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    id[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
  return id;
}

std::size_t TraceGenerator::Generate(std::uint64_t n, std::uint64_t start_unix_nano,
                                     TraceBatch& batch) const {
  Ctx ctx(key_ ^ (n * 0x9E3779B97F4A7C15ULL) ^ 0x5851F42D4C957F2DULL);
  ctx.trace_id = TraceIdFor(n);
  std::memcpy(&ctx.span_key, ctx.trace_id.data() + 8, 8);
  ctx.batch = &batch;
  ctx.max_spans = static_cast<std::size_t>(model_.max_spans_per_trace);
  ctx.instance.resize(model_.services.size());
  for (std::size_t s = 0; s < model_.services.size(); ++s) {
    ctx.instance[s] =
        static_cast<int>(ctx.rng.Below(static_cast<std::uint64_t>(model_.services[s].instances)));
  }
  Layout(model_.root, service_index_.at(model_.root.service), nullptr, start_unix_nano, ctx);
  ++batch.traces_;
  return ctx.spans;
}

std::uint64_t TraceGenerator::Layout(const SpanTemplate& t, std::size_t service,
                                     const otlp::Span* parent, std::uint64_t start,
                                     Ctx& ctx) const {
  const double mu = std::log(t.latency.median_seconds);
  const double sigma = (std::log(t.latency.p99_seconds) - mu) / kZ99;
  // Clamped to an hour: a wide distribution's far tail must not overflow.
  const double self_s = std::min(std::exp(mu + sigma * ctx.rng.Normal()), 3600.0);
  const auto self_ns = static_cast<std::uint64_t>(self_s * 1e9) + 1000;

  otlp::Span& span = ctx.batch->AddSpan(service, ctx.instance[service], *this);
  ++ctx.spans;
  span.trace_id = ctx.trace_id;
  std::uint64_t sk = ctx.span_key + ctx.spans;
  std::uint64_t sid = SplitMix(sk);
  sid = sid == 0 ? 1 : sid;
  for (int i = 0; i < 8; ++i) {
    span.span_id[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sid >> (56 - 8 * i));
  }
  if (parent != nullptr) {
    span.parent_span_id = parent->span_id;
    if (t.link_to_parent) {
      span.links.push_back({parent->trace_id,
                            parent->span_id,
                            "",
                            {{"messaging.operation.type", otlp::AnyValue::String("receive")}},
                            0,
                            0});
    }
  }
  span.name = t.name;
  span.kind = t.kind;
  span.flags = 0x101;  // Sampled; the parent-is-remote bit is known (false).
  span.start_time_unix_nano = start;
  span.attributes.reserve(t.attributes.size());
  for (const AttributeSpec& a : t.attributes) {
    span.attributes.push_back({a.key, a.choices[ctx.rng.Below(a.choices.size())]});
  }
  const bool error = t.error_probability > 0 && ctx.rng.Uniform() < t.error_probability;
  if (error) {
    for (const AttributeSpec& a : t.error_attributes) {
      otlp::AnyValue v = a.choices[ctx.rng.Below(a.choices.size())];
      auto it = std::find_if(span.attributes.begin(), span.attributes.end(),
                             [&](const otlp::KeyValue& kv) { return kv.key == a.key; });
      if (it != span.attributes.end()) {
        it->value = std::move(v);
      } else {
        span.attributes.push_back({a.key, std::move(v)});
      }
    }
  }
  // Children: 5% of the own time before the first, then one after another
  // (or together), and the rest of the own time around them.
  const std::uint64_t lead = self_ns / 20;
  std::uint64_t cursor = start + lead;
  std::uint64_t children_end = cursor;
  // `span` may move when the batch grows; keep what children need by value.
  const otlp::Span self_ref = [&] {
    otlp::Span s;
    s.trace_id = span.trace_id;
    s.span_id = span.span_id;
    return s;
  }();
  const std::size_t resource_index = ctx.batch->index_.at({service, ctx.instance[service]});
  const std::size_t span_index =
      ctx.batch->data_.resource_spans[resource_index].scope_spans[0].spans.size() - 1;
  for (const SpanTemplate& child : t.children) {
    if (child.probability < 1 && ctx.rng.Uniform() >= child.probability) {
      continue;
    }
    const int count = child.count_min + static_cast<int>(ctx.rng.Below(static_cast<std::uint64_t>(
                                            child.count_max - child.count_min + 1)));
    const std::size_t child_service =
        child.service.empty() ? service : service_index_.at(child.service);
    for (int c = 0; c < count && ctx.spans < ctx.max_spans; ++c) {
      const std::uint64_t end = Layout(child, child_service, &self_ref, cursor, ctx);
      children_end = std::max(children_end, end);
      if (!t.parallel) {
        cursor = end + lead / 4;
      }
    }
  }
  otlp::Span& me = ctx.batch->data_.resource_spans[resource_index].scope_spans[0].spans[span_index];
  std::uint64_t end = std::max(start + self_ns, children_end + lead);
  me.end_time_unix_nano = end;
  for (const EventSpec& e : t.events) {
    if (e.probability < 1 && ctx.rng.Uniform() >= e.probability) {
      continue;
    }
    otlp::SpanEvent& ev = me.events.emplace_back();
    ev.name = e.name;
    ev.time_unix_nano = start + (end - start) / 2;
    for (const AttributeSpec& a : e.attributes) {
      ev.attributes.push_back({a.key, a.choices[ctx.rng.Below(a.choices.size())]});
    }
  }
  if (error) {
    me.status = {t.error_message, otlp::SpanStatusCode::kError};
    otlp::SpanEvent& ev = me.events.emplace_back();
    ev.name = "exception";
    ev.time_unix_nano = end - 1000;
    ev.attributes = {
        {"exception.type", otlp::AnyValue::String(t.error_type)},
        {"exception.message", otlp::AnyValue::String(t.error_message)},
        {"exception.stacktrace",
         otlp::AnyValue::String(t.error_type + ": " + t.error_message + "\n    at " + t.name +
                                "\n    at " + model_.services[service].name + ".handle")}};
  }
  return end;
}

}  // namespace obs::loadgen
