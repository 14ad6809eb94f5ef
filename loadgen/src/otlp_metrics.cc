#include "obs/loadgen/otlp_metrics.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <string_view>
#include <thread>
#include <utility>

#include "obs/loadgen/ledger.h"
#include "obs/wire/gzip.h"

#include "http_client.h"
#include "otlp_send.h"
#include "series_model.h"
#include "url.h"
#include "workload_record.h"

namespace obs::loadgen {

namespace otlp = wire::otlp;
using internal::SeriesTemplate;
using internal::ValueKind;

// What one instance's collection holds, derived once from the templates.
struct OtlpMetricsBuilder::Plan {
  struct Point {
    std::vector<otlp::KeyValue> attributes;  // Labels but __name__, job, instance, le.
    std::size_t value = 0;                   // Number points: the template.
    bool integer = false;
    // Histograms: finite bounds ascending with their `_bucket` templates,
    // the +Inf bucket, `_count` and `_sum` (absent: npos).
    std::vector<std::pair<double, std::size_t>> buckets;
    std::size_t inf = npos, count = npos, sum = npos;
  };
  struct MetricPlan {
    std::string name;
    std::string unit;
    otlp::Metric::Type type = otlp::Metric::Type::kGauge;
    std::vector<Point> points;
  };
  struct ResourcePlan {
    std::string job;
    std::size_t first = 0;  // A template of this job (its instance label is the resource's).
    std::vector<MetricPlan> metrics;
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  std::vector<ResourcePlan> resources;
  std::size_t per_instance = 0;
  std::size_t points = 0;
  std::size_t recorded = 0;
  bool delta = false;
  bool exponential = false;
  std::vector<std::string> unchecked;
};

namespace {

using Plan = OtlpMetricsBuilder::Plan;

constexpr std::int32_t kExponentialScale = 4;  // 16 buckets per power of two.

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view StripSuffix(std::string_view s, std::string_view suffix) {
  return EndsWith(s, suffix) ? s.substr(0, s.size() - suffix.size()) : s;
}

// The UCUM unit an instrument with this Prometheus name would declare.
std::string UnitFor(std::string_view name) {
  const std::string_view base = StripSuffix(name, "_total");
  if (EndsWith(base, "_seconds")) {
    return "s";
  }
  if (EndsWith(base, "_bytes")) {
    return "By";
  }
  return "";
}

// The exponential bucket index holding `v` > 0 at kExponentialScale: bucket
// i covers (base^i, base^(i+1)], base = 2^(2^-scale).
std::int32_t ExponentialIndex(double v) {
  return static_cast<std::int32_t>(std::ceil(std::log2(v) * (1 << kExponentialScale))) - 1;
}

std::uint64_t Count(double v) {
  return v > 0 ? static_cast<std::uint64_t>(v) : 0;
}

}  // namespace

Result<OtlpMetricsBuilder> OtlpMetricsBuilder::Create(const SeriesSet& series,
                                                      const OtlpMetricsOptions& options) {
  const internal::SeriesModel& model = series.model();
  auto plan = std::make_shared<Plan>();
  plan->per_instance = model.per_instance();
  plan->delta = options.temporality == otlp::AggregationTemporality::kDelta;
  plan->exponential = options.exponential_histograms;
  // (job, metric name) -> metric; (job, histogram name, attributes) -> point.
  std::map<std::string, std::size_t> resource_of;
  std::map<std::pair<std::size_t, std::string>, std::size_t> metric_of;
  std::map<std::string, std::pair<std::size_t, std::size_t>> histogram_point_of;
  const auto metric = [&](const std::string& job, const std::string& name, otlp::Metric::Type type,
                          std::size_t i) -> Plan::MetricPlan& {
    auto [rit, rnew] = resource_of.emplace(job, plan->resources.size());
    if (rnew) {
      plan->resources.push_back({.job = job, .first = i, .metrics = {}});
    }
    Plan::ResourcePlan& r = plan->resources[rit->second];
    auto [mit, mnew] = metric_of.emplace(std::make_pair(rit->second, name), r.metrics.size());
    if (mnew) {
      r.metrics.push_back({.name = name, .unit = UnitFor(name), .type = type, .points = {}});
    }
    return r.metrics[mit->second];
  };
  for (std::size_t i = 0; i < plan->per_instance; ++i) {
    const SeriesTemplate& t = model.Template(i);
    std::string name, job, le;
    Plan::Point point;
    std::string key;
    for (const auto& [k, v] : t.labels) {
      if (k == "__name__") {
        name = v;
      } else if (k == "job") {
        job = v;
      } else if (k == "le") {
        le = v;
      } else if (k != "instance") {
        point.attributes.push_back({k, otlp::AnyValue::String(v)});
        key += k + "\x1f" + v + "\x1e";
      }
    }
    const bool bucket = t.kind == ValueKind::kHistBucket && EndsWith(name, "_bucket");
    const bool count = t.kind == ValueKind::kHistBucket && EndsWith(name, "_count");
    const bool sum = t.kind == ValueKind::kHistSum && EndsWith(name, "_sum");
    if (bucket || count || sum) {
      const std::string base(
          StripSuffix(StripSuffix(StripSuffix(name, "_bucket"), "_count"), "_sum"));
      Plan::MetricPlan& m = metric(job, base,
                                   plan->exponential ? otlp::Metric::Type::kExponentialHistogram
                                                     : otlp::Metric::Type::kHistogram,
                                   i);
      const std::size_t metric_index = metric_of.at({resource_of.at(job), base});
      auto [hit, hnew] = histogram_point_of.emplace(job + "\x1d" + base + "\x1d" + key,
                                                    std::make_pair(metric_index, m.points.size()));
      if (hnew) {
        m.points.push_back(std::move(point));
      }
      Plan::Point& p = m.points[hit->second.second];
      if (count) {
        p.count = i;
      } else if (sum) {
        p.sum = i;
      } else if (le == "+Inf") {
        p.inf = i;
      } else {
        double bound = 0;
        const auto r = std::from_chars(le.data(), le.data() + le.size(), bound);
        if (r.ec != std::errc() || !(bound > 0)) {
          return InvalidArgumentError("otlp metrics: " + name + " has le=\"" + le +
                                      "\", not a positive bound");
        }
        p.buckets.emplace_back(bound, i);
      }
      continue;
    }
    const bool counter = t.kind == ValueKind::kCounter;
    Plan::MetricPlan& m =
        metric(job, name, counter ? otlp::Metric::Type::kSum : otlp::Metric::Type::kGauge, i);
    point.value = i;
    point.integer = t.integer;
    m.points.push_back(std::move(point));
  }
  for (Plan::ResourcePlan& r : plan->resources) {
    for (Plan::MetricPlan& m : r.metrics) {
      const bool histogram = m.type == otlp::Metric::Type::kHistogram ||
                             m.type == otlp::Metric::Type::kExponentialHistogram;
      for (Plan::Point& p : m.points) {
        ++plan->points;
        if (!histogram) {
          ++plan->recorded;
          continue;
        }
        if (p.count == Plan::npos || p.inf == Plan::npos) {
          return InvalidArgumentError("otlp metrics: histogram " + m.name +
                                      " lacks its _count or its +Inf bucket");
        }
        std::sort(p.buckets.begin(), p.buckets.end());
        plan->recorded +=
            1 + (p.sum != Plan::npos ? 1 : 0) + (plan->exponential ? 0 : p.buckets.size() + 1);
      }
      if (histogram && plan->exponential) {
        plan->unchecked.push_back(m.name + "_bucket");
      }
    }
  }
  std::sort(plan->unchecked.begin(), plan->unchecked.end());
  plan->unchecked.erase(std::unique(plan->unchecked.begin(), plan->unchecked.end()),
                        plan->unchecked.end());
  return OtlpMetricsBuilder(series, std::move(plan));
}

std::size_t OtlpMetricsBuilder::instances() const {
  return static_cast<std::size_t>(series_.options().instances);
}
std::size_t OtlpMetricsBuilder::points_per_collection() const {
  return plan_->points;
}
std::size_t OtlpMetricsBuilder::recorded_per_collection() const {
  return plan_->recorded;
}
std::vector<std::string> OtlpMetricsBuilder::UncheckedMetricNames() const {
  return plan_->unchecked;
}

void OtlpMetricsBuilder::Build(std::size_t instance, std::int64_t t_ms, std::int64_t prev_ms,
                               otlp::MetricsData& out, std::vector<std::uint32_t>& recorded) const {
  const internal::SeriesModel& model = series_.model();
  const Plan& plan = *plan_;
  out.resource_metrics.clear();
  recorded.clear();
  const std::size_t first_slot = instance * plan.per_instance;
  const auto id = [&](std::size_t t) {
    return series_.SeriesId(first_slot + t, t_ms);
  };
  const std::uint64_t time_ns = static_cast<std::uint64_t>(t_ms) * 1000000;
  // The start of a counting point and whether its value is an increase since
  // `prev_ms` (delta after the first collection of an unrestarted process).
  const auto start_of = [&](std::uint32_t series_id, bool& since_prev) {
    const std::int64_t process_start = model.ProcessStart(series_id, t_ms);
    since_prev = plan.delta && prev_ms >= 0 && process_start <= prev_ms;
    return static_cast<std::uint64_t>(since_prev ? prev_ms : process_start) * 1000000;
  };
  const auto counted = [&](std::uint32_t series_id, bool since_prev) {
    const double now = model.Value(series_id, t_ms);
    return since_prev ? now - model.Value(series_id, prev_ms) : now;
  };
  for (const Plan::ResourcePlan& rp : plan.resources) {
    std::string instance_value;
    model.ForEachLabel(id(rp.first), [&](std::string_view k, std::string_view v) {
      if (k == "instance") {
        instance_value = v;
      }
    });
    otlp::ResourceMetrics& rm = out.resource_metrics.emplace_back();
    rm.resource.attributes = {{"service.name", otlp::AnyValue::String(rp.job)},
                              {"service.instance.id", otlp::AnyValue::String(instance_value)}};
    otlp::ScopeMetrics& sm = rm.scope_metrics.emplace_back();
    sm.scope.name = "obsbench";
    sm.scope.version = OBS_VERSION;
    for (const Plan::MetricPlan& mp : rp.metrics) {
      otlp::Metric& m = sm.metrics.emplace_back();
      m.name = mp.name;
      m.unit = mp.unit;
      m.type = mp.type;
      if (mp.type != otlp::Metric::Type::kGauge) {
        m.temporality = plan.delta ? otlp::AggregationTemporality::kDelta
                                   : otlp::AggregationTemporality::kCumulative;
        m.is_monotonic = mp.type == otlp::Metric::Type::kSum;
      }
      for (const Plan::Point& p : mp.points) {
        if (mp.type == otlp::Metric::Type::kGauge || mp.type == otlp::Metric::Type::kSum) {
          const std::uint32_t sid = id(p.value);
          otlp::NumberDataPoint& n = m.number_points.emplace_back();
          n.attributes = p.attributes;
          n.time_unix_nano = time_ns;
          double v = model.Value(sid, t_ms);
          if (mp.type == otlp::Metric::Type::kSum) {
            bool since_prev = false;
            n.start_time_unix_nano = start_of(sid, since_prev);
            v = counted(sid, since_prev);
          }
          if (p.integer) {
            n.type = otlp::NumberType::kInt;
            n.as_int = static_cast<std::int64_t>(std::llround(v));
          } else {
            n.type = otlp::NumberType::kDouble;
            n.as_double = v;
          }
          recorded.push_back(sid);
          continue;
        }
        // Histograms: cumulative-by-bound counts, made non-decreasing in the
        // bound (a delta of floor()ed model buckets can dip by one).
        const std::uint32_t count_id = id(p.count);
        bool since_prev = false;
        const std::uint64_t start_ns = start_of(count_id, since_prev);
        const std::uint64_t count = Count(counted(count_id, since_prev));
        std::vector<std::uint64_t> per_bucket;
        std::uint64_t below = 0;
        for (const auto& [bound, t] : p.buckets) {
          const std::uint64_t c =
              std::min(count, std::max(below, Count(counted(id(t), since_prev))));
          per_bucket.push_back(c - below);
          below = c;
        }
        per_bucket.push_back(count - below);
        std::optional<double> sum;
        if (p.sum != Plan::npos) {
          sum = counted(id(p.sum), since_prev);
        }
        if (mp.type == otlp::Metric::Type::kHistogram) {
          otlp::HistogramDataPoint& h = m.histogram_points.emplace_back();
          h.attributes = p.attributes;
          h.start_time_unix_nano = start_ns;
          h.time_unix_nano = time_ns;
          h.count = count;
          h.sum = sum;
          h.bucket_counts = std::move(per_bucket);
          for (const auto& [bound, t] : p.buckets) {
            h.explicit_bounds.push_back(bound);
            recorded.push_back(id(t));
          }
          recorded.push_back(id(p.inf));
        } else {
          otlp::ExponentialHistogramDataPoint& e = m.exponential_points.emplace_back();
          e.attributes = p.attributes;
          e.start_time_unix_nano = start_ns;
          e.time_unix_nano = time_ns;
          e.count = count;
          e.sum = sum;
          e.scale = kExponentialScale;
          // Each classic bucket's observations sit at its upper bound; the
          // +Inf bucket's at twice the largest bound.
          std::map<std::int32_t, std::uint64_t> at;
          for (std::size_t b = 0; b < per_bucket.size(); ++b) {
            const double where = b < p.buckets.size()
                                     ? p.buckets[b].first
                                     : 2 * (p.buckets.empty() ? 1.0 : p.buckets.back().first);
            if (per_bucket[b] > 0) {
              at[ExponentialIndex(where)] += per_bucket[b];
            }
          }
          if (!at.empty()) {
            e.positive.offset = at.begin()->first;
            e.positive.bucket_counts.assign(
                static_cast<std::size_t>(at.rbegin()->first - at.begin()->first + 1), 0);
            for (const auto& [index, n] : at) {
              e.positive.bucket_counts[static_cast<std::size_t>(index - e.positive.offset)] = n;
            }
          }
        }
        recorded.push_back(count_id);
        if (p.sum != Plan::npos) {
          recorded.push_back(id(p.sum));
        }
      }
    }
  }
}

// ---- The sender ----

namespace {

using internal::HttpClient;
using internal::HttpClientOptions;

using internal::FromSeconds;

struct Env {
  const OtlpMetricsOptions* options = nullptr;
  const OtlpMetricsBuilder* builder = nullptr;
  const Clock* clock = nullptr;
  const std::atomic<bool>* stop = nullptr;
  SteadyClock::time_point start;
  SteadyClock::time_point end;
  std::int64_t wall_start_ms = 0;
  Ledger* ledger = nullptr;
};

struct ShardOut {
  WorkloadRecord record;
  std::uint64_t points_scheduled = 0;
  std::uint64_t requests_scheduled = 0;
  SteadyClock::time_point last_answer;
  SteadyClock::time_point effective_end;
};

bool SleepUntil(const Env& env, SteadyClock::time_point t) {
  return internal::SleepUntil(*env.clock, env.stop, t);
}

// Collection j (all instances interleaved, evenly staggered): instance
// j % instances, due j * interval / instances after the start.
double DueSeconds(std::uint64_t j, const OtlpMetricsOptions& o, std::size_t instances) {
  return static_cast<double>(j) * o.load.scrape_interval_seconds / static_cast<double>(instances);
}

void RunShard(const Env& env, int shard, HttpClient& client, ShardOut& out) {
  const OtlpMetricsOptions& o = *env.options;
  const std::size_t instances = env.builder->instances();
  const auto shards = static_cast<std::size_t>(o.load.concurrency);
  WorkloadRecord& rec = out.record;
  out.effective_end = env.end;
  out.last_answer = env.start;
  std::mt19937_64 rng(o.load.series.seed * 7919 + static_cast<std::uint64_t>(shard));
  const auto t_ms = [&](std::uint64_t j) {
    return env.wall_start_ms + std::llround(DueSeconds(j, o, instances) * 1000);
  };
  if (static_cast<std::size_t>(shard) >= instances) {
    return;  // More senders than instances: this one has none.
  }
  otlp::MetricsData data;
  std::vector<std::uint32_t> recorded;
  std::string body;
  std::string compressed;
  internal::IntervalRecorder intervals(
      rec, env.start, std::chrono::duration<double>(env.end - env.start).count(), o.load.progress);
  std::uint64_t j = 0;
  for (;; ++j) {
    if ((j % instances) % shards != static_cast<std::size_t>(shard)) {
      continue;
    }
    const SteadyClock::time_point due = env.start + FromSeconds(DueSeconds(j, o, instances));
    if (due >= env.end) {
      break;
    }
    if (!SleepUntil(env, due)) {
      out.effective_end = std::min(env.end, env.clock->SteadyNow());
      break;
    }
    const std::int64_t prev = j >= instances ? t_ms(j - instances) : -1;
    env.builder->Build(j % instances, t_ms(j), prev, data, recorded);
    body.clear();
    if (o.encoding == otlp::Encoding::kJson) {
      otlp::EncodeMetricsJson(data, body);
    } else {
      otlp::EncodeMetrics(data, body);
    }
    if (o.gzip) {
      compressed = wire::GzipCompress(body, 1);
    }
    const std::string_view payload = o.gzip ? std::string_view(compressed) : std::string_view(body);
    const std::uint64_t points = env.builder->points_per_collection();
    ++rec.requests;
    ++out.requests_scheduled;
    rec.samples_sent += points;
    out.points_scheduled += points;
    const internal::OtlpSettled settled = internal::PostOtlpUntilSettled(
        client, payload,
        {.signal = otlp::Signal::kMetrics,
         .encoding = o.encoding,
         .retry = &o.load.retry,
         .clock = env.clock,
         .send_due = due,
         .retry_deadline = env.end + FromSeconds(o.load.request_timeout_seconds),
         .late_threshold = FromSeconds(o.load.late_threshold_seconds),
         .sleep_until =
             [&env](SteadyClock::time_point t) {
               return SleepUntil(env, t);
             }},
        rng, rec);
    const std::int64_t ts = t_ms(j);
    switch (settled.fate) {
      case internal::OtlpFate::kAcked:
      case internal::OtlpFate::kPartial: {
        // Partial success does not say which points; all are recorded as
        // acknowledged and completeness names what is missing.
        const auto rejected = std::min<std::uint64_t>(
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, settled.rejected)), points);
        ++rec.requests_succeeded;
        rec.samples_acked += points - rejected;
        rec.samples_rejected += rejected;
        for (const std::uint32_t sid : recorded) {
          env.ledger->RecordAcked(sid, ts);
        }
        break;
      }
      case internal::OtlpFate::kRejected:
        ++rec.requests_rejected;
        rec.samples_rejected += points;
        for (const std::uint32_t sid : recorded) {
          env.ledger->RecordRejected(sid);
        }
        break;
      case internal::OtlpFate::kFailed:
        ++rec.requests_failed;
        rec.samples_failed += points;
        for (const std::uint32_t sid : recorded) {
          env.ledger->RecordFailed(sid);
        }
        break;
    }
    intervals.Request(
        due, settled.first_send, settled.answer, points,
        settled.fate == internal::OtlpFate::kAcked || settled.fate == internal::OtlpFate::kPartial);
    out.last_answer = std::max(out.last_answer, settled.answer);
  }
  intervals.Finish();
  // Collections of this shard due before the (effective) end but not sent.
  for (;; ++j) {
    if ((j % instances) % shards != static_cast<std::size_t>(shard)) {
      continue;
    }
    if (env.start + FromSeconds(DueSeconds(j, o, instances)) >= out.effective_end) {
      break;
    }
    ++rec.requests_unsent;
    ++out.requests_scheduled;
    out.points_scheduled += env.builder->points_per_collection();
  }
}

}  // namespace

Status ValidateOtlpMetricsOptions(const OtlpMetricsOptions& o) {
  const RemoteWriteOptions& l = o.load;
  if (l.samples_per_second != 0 || !l.stages.empty()) {
    return InvalidArgumentError(
        "otlp metrics export every series once per scrape_interval; rate and stages do not apply");
  }
  if (l.stop_when.latency_p99_seconds != 0 || l.stop_when.error_ratio != 0) {
    return InvalidArgumentError("otlp metrics: stop_when does not apply");
  }
  if (!(l.scrape_interval_seconds >= 0.001)) {
    return InvalidArgumentError("scrape_interval must be >= 1ms");
  }
  if (!(l.duration_seconds > 0)) {
    return InvalidArgumentError("duration must be > 0");
  }
  if (l.concurrency < 1 || l.concurrency > 256) {
    return InvalidArgumentError("concurrency must be in [1, 256]");
  }
  if (l.retry.max_attempts < 1) {
    return InvalidArgumentError("retry.max_attempts must be >= 1");
  }
  if (o.temporality != otlp::AggregationTemporality::kCumulative &&
      o.temporality != otlp::AggregationTemporality::kDelta) {
    return InvalidArgumentError("temporality must be cumulative or delta");
  }
  return Status::Ok();
}

Result<OtlpMetricsResult> RunOtlpMetrics(const OtlpMetricsOptions& options, const Clock& clock,
                                         const std::atomic<bool>* stop) {
  OBS_RETURN_IF_ERROR(ValidateOtlpMetricsOptions(options));
  OBS_ASSIGN_OR_RETURN(internal::HttpUrl url, internal::ParseHttpUrl(options.load.url));
  const HttpClientOptions http =
      internal::OtlpHttpOptions(url, options.encoding, options.gzip, options.load.headers,
                                options.load.bearer_token, options.load.request_timeout_seconds);
  const std::int64_t wall_start_ms = clock.UnixMillisNow();
  SeriesSetOptions series_options = options.load.series;
  series_options.duration_seconds = options.load.duration_seconds;
  if (series_options.start_ms == 0) {
    series_options.start_ms = wall_start_ms;
  }
  OBS_ASSIGN_OR_RETURN(SeriesSet series, SeriesSet::Create(series_options));
  OBS_ASSIGN_OR_RETURN(OtlpMetricsBuilder builder, OtlpMetricsBuilder::Create(series, options));
  {
    HttpClient probe(http);
    Status reach = probe.Connect();
    if (!reach.ok()) {
      return UnavailableError("otlp metrics: target unreachable: " + reach.message());
    }
  }
  const SteadyClock::time_point start = clock.SteadyNow();
  OtlpMetricsResult result{
      .load = {.record = {}, .ledger = Ledger(series.series_capacity()), .series = series},
      .unchecked_metric_names = builder.UncheckedMetricNames()};
  Env env{.options = &options,
          .builder = &builder,
          .clock = &clock,
          .stop = stop,
          .start = start,
          .end = start + FromSeconds(options.load.duration_seconds),
          .wall_start_ms = wall_start_ms,
          .ledger = &result.load.ledger};
  std::vector<ShardOut> outs(static_cast<std::size_t>(options.load.concurrency));
  OBS_RETURN_IF_ERROR(internal::RunSenderThreads(
      static_cast<int>(outs.size()), http,
      [&](int shard, HttpClient& client) {
        RunShard(env, shard, client, outs[static_cast<std::size_t>(shard)]);
      },
      "otlp metrics"));
  WorkloadRecord& rec = result.load.record;
  rec.name = options.load.name;
  rec.kind = "otlp_metrics";
  rec.series = series.series_capacity();
  rec.late_threshold_ns = ToNanos(FromSeconds(options.load.late_threshold_seconds));
  std::uint64_t points_scheduled = 0;
  std::uint64_t requests_scheduled = 0;
  SteadyClock::time_point window_end = start;
  SteadyClock::time_point last_answer = start;
  for (const ShardOut& o : outs) {
    internal::MergeCounts(rec, o.record);
    points_scheduled += o.points_scheduled;
    requests_scheduled += o.requests_scheduled;
    window_end = std::max(window_end, o.effective_end);
    last_answer = std::max(last_answer, o.last_answer);
  }
  internal::FillRates(rec, points_scheduled, requests_scheduled, start, window_end, last_answer);
  rec.bookkeeping.ledger = result.load.ledger.memory_bytes();
  return result;
}

}  // namespace obs::loadgen
