#include "telemetry.h"

#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "obs/base/check.h"

#include "http_client.h"

namespace obs::sample_app::internal {
namespace {

namespace otlp = wire::otlp;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr std::string_view kScopeName = "obsbench.sample_app";

// OpenTelemetry semantic conventions' advice for http.server.request.duration.
constexpr double kDurationBounds[] = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                      0.5,   0.75, 1,     2.5,  5,     7.5, 10};
constexpr std::size_t kBucketCount = std::size(kDurationBounds) + 1;

std::int64_t ThreadCpuNanos() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

otlp::KeyValue Attr(std::string key, std::string value) {
  return {std::move(key), otlp::AnyValue::String(std::move(value))};
}

// A bounded queue drained by its own export thread (the SDK's batch
// processor). Enqueue never blocks: a full queue refuses the record.
template <typename Record>
class BatchProcessor {
 public:
  using ExportFn = std::function<void(std::vector<Record>& batch, SteadyTime deadline)>;

  BatchProcessor(std::size_t queue_size, std::size_t batch_size, std::chrono::milliseconds delay,
                 ExportFn export_fn)
      : queue_size_(queue_size),
        batch_size_(batch_size),
        delay_(delay),
        export_(std::move(export_fn)),
        thread_([this] { Run(); }) {}

  ~BatchProcessor() {
    if (thread_.joinable()) {
      (void)Stop(std::chrono::steady_clock::now());
    }
  }

  BatchProcessor(const BatchProcessor&) = delete;
  BatchProcessor& operator=(const BatchProcessor&) = delete;

  // False when the queue is full (the record is dropped).
  bool Enqueue(Record&& record) noexcept {
    bool wake = false;
    {
      const std::lock_guard<std::mutex> lock(mu_);
      if (stop_ || queue_.size() >= queue_size_) {
        return false;
      }
      queue_.push_back(std::move(record));
      wake = queue_.size() == batch_size_;
    }
    if (wake) {
      cv_.notify_one();
    }
    return true;
  }

  // Asks the thread to drain the queue by `deadline`.
  void RequestStop(SteadyTime deadline) {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      deadline_ = deadline;
    }
    cv_.notify_one();
  }

  // Waits for the thread; returns how many records it abandoned at the deadline.
  std::size_t Join() {
    if (thread_.joinable()) {
      thread_.join();
    }
    return abandoned_;
  }

  std::size_t Stop(SteadyTime deadline) {
    RequestStop(deadline);
    return Join();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    SteadyTime next = std::chrono::steady_clock::now() + delay_;
    while (true) {
      cv_.wait_until(lock, next, [this] { return stop_ || queue_.size() >= batch_size_; });
      if (stop_ && (queue_.empty() || std::chrono::steady_clock::now() >= deadline_)) {
        abandoned_ = queue_.size();
        queue_.clear();
        return;
      }
      if (queue_.empty()) {
        next = std::chrono::steady_clock::now() + delay_;
        continue;
      }
      const bool full_batch = queue_.size() >= batch_size_;
      if (!stop_ && !full_batch && std::chrono::steady_clock::now() < next) {
        continue;  // Spurious wake-up.
      }
      std::vector<Record> batch;
      const std::size_t n = std::min(queue_.size(), batch_size_);
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      const SteadyTime deadline = stop_ ? deadline_ : SteadyTime::max();
      lock.unlock();
      export_(batch, deadline);
      lock.lock();
      next = std::chrono::steady_clock::now() + delay_;
    }
  }

  const std::size_t queue_size_;
  const std::size_t batch_size_;
  const std::chrono::milliseconds delay_;
  const ExportFn export_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Record> queue_;
  bool stop_ = false;
  SteadyTime deadline_{};
  std::size_t abandoned_ = 0;  // Written by the thread before it exits, read after Join().
  std::thread thread_;         // Last: starts after everything above is constructed.
};

struct Endpoint {
  std::string url;
  std::unique_ptr<OtlpHttpClient> client;
  std::atomic<std::uint64_t> spans_exported{0};
  std::atomic<std::uint64_t> spans_failed{0};
  std::atomic<std::uint64_t> logs_exported{0};
  std::atomic<std::uint64_t> logs_failed{0};
  std::atomic<std::uint64_t> points_exported{0};
  std::atomic<std::uint64_t> points_failed{0};
  std::atomic<std::uint64_t> batches_ok{0};
  std::atomic<std::uint64_t> batches_failed{0};
  std::atomic<bool> failing{false};  // For one stderr line per outage, not per batch.
};

struct SeriesKey {
  std::string method;
  std::string route;
  int status = 0;
  friend auto operator<=>(const SeriesKey&, const SeriesKey&) = default;
};

struct Series {
  std::uint64_t count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::array<std::uint64_t, kBucketCount> buckets{};
};

}  // namespace

std::uint64_t BurnCpu(std::chrono::nanoseconds cpu, std::uint64_t seed) noexcept {
  if (cpu.count() <= 0) {
    return seed;
  }
  const std::int64_t end = ThreadCpuNanos() + cpu.count();
  std::uint64_t h = seed ^ 0xcbf29ce484222325ULL;
  do {
    // FNV-1a over the counter bytes, mixed (splitmix64's finalizer) per round.
    for (std::uint64_t i = 0; i < 256; ++i) {
      for (int b = 0; b < 8; ++b) {
        h ^= (i >> (8 * b)) & 0xff;
        h *= 0x100000001b3ULL;
      }
      h ^= h >> 31;
      h *= 0xbf58476d1ce4e5b9ULL;
    }
  } while (ThreadCpuNanos() < end);
  return h;
}

std::uint64_t UnixNanosNow() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

class Telemetry::Impl {
 public:
  explicit Impl(const SampleAppOptions& options)
      : options_(options), start_unix_nanos_(UnixNanosNow()) {
    std::random_device rd;
    const std::uint64_t instance = (static_cast<std::uint64_t>(rd()) << 32) | rd();
    resource_.attributes = {Attr("service.name", options.service_name),
                            Attr("service.instance.id", std::to_string(instance)),
                            Attr("telemetry.sdk.name", "obsbench"),
                            Attr("telemetry.sdk.language", "cpp"),
                            Attr("telemetry.sdk.version", OBS_VERSION)};
    scope_.name = std::string(kScopeName);
    scope_.version = OBS_VERSION;
    for (const std::string& url : options.otlp_endpoints) {
      auto parsed = ParseHttpUrl(url);
      OBS_CHECK(parsed.ok()) << parsed.status();
      auto e = std::make_unique<Endpoint>();
      e->url = url;
      e->client = std::make_unique<OtlpHttpClient>(*parsed);
      endpoints_.push_back(std::move(e));
    }
    if (endpoints_.empty()) {
      return;
    }
    if (options.export_traces) {
      spans_ = std::make_unique<BatchProcessor<otlp::Span>>(
          options.queue_size, options.batch_size, options.schedule_delay,
          [this](std::vector<otlp::Span>& batch, SteadyTime deadline) {
            ExportSpans(batch, deadline);
          });
    }
    if (options.export_logs) {
      logs_ = std::make_unique<BatchProcessor<otlp::LogRecord>>(
          options.queue_size, options.batch_size, options.schedule_delay,
          [this](std::vector<otlp::LogRecord>& batch, SteadyTime deadline) {
            ExportLogs(batch, deadline);
          });
    }
    if (options.export_metrics) {
      metrics_thread_ = std::thread([this] { RunMetrics(); });
    }
  }

  ~Impl() { Shutdown(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  void EndSpan(otlp::Span&& span) noexcept {
    spans_created_.fetch_add(1, std::memory_order_relaxed);
    if (spans_ && !spans_->Enqueue(std::move(span))) {
      spans_dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void EmitLog(otlp::LogRecord&& record) noexcept {
    logs_created_.fetch_add(1, std::memory_order_relaxed);
    if (logs_ && !logs_->Enqueue(std::move(record))) {
      logs_dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void RecordRequest(std::string_view method, std::string_view route, int status,
                     double seconds) noexcept {
    const std::size_t bucket = static_cast<std::size_t>(
        std::lower_bound(std::begin(kDurationBounds), std::end(kDurationBounds), seconds) -
        std::begin(kDurationBounds));
    try {
      const std::lock_guard<std::mutex> lock(metrics_mu_);
      Series& s = series_[SeriesKey{std::string(method), std::string(route), status}];
      ++s.count;
      s.sum += seconds;
      s.min = std::min(s.min, seconds);
      s.max = std::max(s.max, seconds);
      ++s.buckets[bucket];
    } catch (const std::bad_alloc&) {
      // Out of memory for a new series: the request goes unmetered.
    }
  }

  void Shutdown() {
    const std::lock_guard<std::mutex> once(shutdown_mu_);
    if (shut_down_) {
      return;
    }
    shut_down_ = true;
    const SteadyTime deadline = std::chrono::steady_clock::now() + options_.export_timeout;
    // All three drain at once; each is bounded by the same deadline.
    if (spans_) {
      spans_->RequestStop(deadline);
    }
    if (logs_) {
      logs_->RequestStop(deadline);
    }
    if (metrics_thread_.joinable()) {
      {
        const std::lock_guard<std::mutex> lock(metrics_wait_mu_);
        metrics_stop_ = true;
        metrics_deadline_ = deadline;
      }
      metrics_cv_.notify_one();
    }
    if (spans_) {
      spans_dropped_ += spans_->Join();
    }
    if (logs_) {
      logs_dropped_ += logs_->Join();
    }
    if (metrics_thread_.joinable()) {
      metrics_thread_.join();
    }
  }

  SampleAppStats Stats() const {
    SampleAppStats s;
    {
      const std::lock_guard<std::mutex> lock(metrics_mu_);
      for (const auto& entry : series_) {
        s.requests += entry.second.count;
        s.requests_by_status[entry.first.status] += entry.second.count;
      }
    }
    s.spans_created = spans_created_.load();
    s.spans_dropped = spans_dropped_.load();
    s.logs_created = logs_created_.load();
    s.logs_dropped = logs_dropped_.load();
    for (const auto& e : endpoints_) {
      s.endpoints.push_back({.url = e->url,
                             .spans_exported = e->spans_exported.load(),
                             .spans_failed = e->spans_failed.load(),
                             .logs_exported = e->logs_exported.load(),
                             .logs_failed = e->logs_failed.load(),
                             .points_exported = e->points_exported.load(),
                             .points_failed = e->points_failed.load(),
                             .batches_ok = e->batches_ok.load(),
                             .batches_failed = e->batches_failed.load()});
    }
    return s;
  }

 private:
  // The outcome of one POST of `items` records to `e`: how many were accepted.
  struct Outcome {
    std::uint64_t accepted = 0;
    std::uint64_t failed = 0;
  };

  Outcome Send(Endpoint& e, otlp::Signal signal, std::string_view path, const std::string& body,
               std::uint64_t items, SteadyTime deadline) {
    Outcome out;
    const auto now = std::chrono::steady_clock::now();
    const auto timeout = deadline == SteadyTime::max()
                             ? std::chrono::steady_clock::duration(options_.export_timeout)
                             : std::min<std::chrono::steady_clock::duration>(
                                   options_.export_timeout, deadline - now);
    PostResult r;
    if (timeout <= std::chrono::steady_clock::duration::zero()) {
      r.error = "shutdown flush deadline passed";
    } else {
      r = e.client->Post(path, body, timeout);
    }
    if (r.status >= 200 && r.status < 300) {
      std::uint64_t rejected = 0;
      if (!r.body.empty()) {
        auto response = otlp::DecodeExportResponse(signal, r.body, otlp::Encoding::kProtobuf);
        if (response.ok() && response->rejected > 0) {
          rejected = std::min(items, static_cast<std::uint64_t>(response->rejected));
        }
      }
      out.accepted = items - rejected;
      out.failed = rejected;
      e.batches_ok.fetch_add(1, std::memory_order_relaxed);
      if (e.failing.exchange(false)) {
        std::cerr << "sample-app: export to " << e.url << " recovered\n";
      }
      return out;
    }
    out.failed = items;
    e.batches_failed.fetch_add(1, std::memory_order_relaxed);
    if (!e.failing.exchange(true)) {
      std::cerr << "sample-app: export to " << e.url << path
                << " failed: " << (r.status != 0 ? "HTTP " + std::to_string(r.status) : r.error)
                << " (counted; further failures are not printed until it recovers)\n";
    }
    return out;
  }

  void ExportSpans(std::vector<otlp::Span>& batch, SteadyTime deadline) {
    const auto n = static_cast<std::uint64_t>(batch.size());
    otlp::TracesData data;
    otlp::ResourceSpans& rs = data.resource_spans.emplace_back();
    rs.resource = resource_;
    otlp::ScopeSpans& ss = rs.scope_spans.emplace_back();
    ss.scope = scope_;
    ss.spans = std::move(batch);
    std::string body;
    otlp::EncodeTraces(data, body);
    for (const auto& e : endpoints_) {
      // The injected slow-export cost: real CPU on this (the export) thread,
      // not spent when the shutdown deadline has passed (nothing is sent then).
      if (deadline == SteadyTime::max() || std::chrono::steady_clock::now() < deadline) {
        burn_sink_ += BurnCpu(options_.export_cost * static_cast<std::int64_t>(n), n);
      }
      const Outcome o = Send(*e, otlp::Signal::kTraces, otlp::kTracesPath, body, n, deadline);
      e->spans_exported.fetch_add(o.accepted, std::memory_order_relaxed);
      e->spans_failed.fetch_add(o.failed, std::memory_order_relaxed);
    }
  }

  void ExportLogs(std::vector<otlp::LogRecord>& batch, SteadyTime deadline) {
    const auto n = static_cast<std::uint64_t>(batch.size());
    otlp::LogsData data;
    otlp::ResourceLogs& rl = data.resource_logs.emplace_back();
    rl.resource = resource_;
    otlp::ScopeLogs& sl = rl.scope_logs.emplace_back();
    sl.scope = scope_;
    sl.log_records = std::move(batch);
    std::string body;
    otlp::EncodeLogs(data, body);
    for (const auto& e : endpoints_) {
      const Outcome o = Send(*e, otlp::Signal::kLogs, otlp::kLogsPath, body, n, deadline);
      e->logs_exported.fetch_add(o.accepted, std::memory_order_relaxed);
      e->logs_failed.fetch_add(o.failed, std::memory_order_relaxed);
    }
  }

  otlp::MetricsData CollectMetrics() const {
    const std::uint64_t now = UnixNanosNow();
    otlp::Metric requests;
    requests.name = "http.server.requests";
    requests.description = "Number of HTTP server requests.";
    requests.unit = "{request}";
    requests.type = otlp::Metric::Type::kSum;
    requests.temporality = otlp::AggregationTemporality::kCumulative;
    requests.is_monotonic = true;
    otlp::Metric duration;
    duration.name = "http.server.request.duration";
    duration.description = "Duration of HTTP server requests.";
    duration.unit = "s";
    duration.type = otlp::Metric::Type::kHistogram;
    duration.temporality = otlp::AggregationTemporality::kCumulative;
    {
      const std::lock_guard<std::mutex> lock(metrics_mu_);
      for (const auto& entry : series_) {
        const SeriesKey& key = entry.first;
        const Series& s = entry.second;
        std::vector<otlp::KeyValue> attrs = {Attr("http.request.method", key.method)};
        if (!key.route.empty()) {
          attrs.push_back(Attr("http.route", key.route));  // Unmatched paths have no route.
        }
        attrs.push_back({"http.response.status_code", otlp::AnyValue::Int(key.status)});
        otlp::NumberDataPoint& count = requests.number_points.emplace_back();
        count.attributes = attrs;
        count.start_time_unix_nano = start_unix_nanos_;
        count.time_unix_nano = now;
        count.type = otlp::NumberType::kInt;
        count.as_int = static_cast<std::int64_t>(s.count);
        otlp::HistogramDataPoint& h = duration.histogram_points.emplace_back();
        h.attributes = std::move(attrs);
        h.start_time_unix_nano = start_unix_nanos_;
        h.time_unix_nano = now;
        h.count = s.count;
        h.sum = s.sum;
        h.bucket_counts.assign(s.buckets.begin(), s.buckets.end());
        h.explicit_bounds.assign(std::begin(kDurationBounds), std::end(kDurationBounds));
        h.min = s.min;
        h.max = s.max;
      }
    }
    otlp::MetricsData data;
    if (requests.number_points.empty()) {
      return data;
    }
    otlp::ResourceMetrics& rm = data.resource_metrics.emplace_back();
    rm.resource = resource_;
    otlp::ScopeMetrics& sm = rm.scope_metrics.emplace_back();
    sm.scope = scope_;
    sm.metrics.push_back(std::move(requests));
    sm.metrics.push_back(std::move(duration));
    return data;
  }

  void ExportMetrics(SteadyTime deadline) {
    const otlp::MetricsData data = CollectMetrics();
    const auto n = static_cast<std::uint64_t>(otlp::DataPointCount(data));
    if (n == 0) {
      return;  // Nothing recorded yet: no empty request.
    }
    std::string body;
    otlp::EncodeMetrics(data, body);
    for (const auto& e : endpoints_) {
      const Outcome o = Send(*e, otlp::Signal::kMetrics, otlp::kMetricsPath, body, n, deadline);
      e->points_exported.fetch_add(o.accepted, std::memory_order_relaxed);
      e->points_failed.fetch_add(o.failed, std::memory_order_relaxed);
    }
  }

  void RunMetrics() {
    std::unique_lock<std::mutex> lock(metrics_wait_mu_);
    while (true) {
      const SteadyTime next = std::chrono::steady_clock::now() + options_.schedule_delay;
      metrics_cv_.wait_until(lock, next, [this] { return metrics_stop_; });
      const bool stop = metrics_stop_;
      const SteadyTime deadline = stop ? metrics_deadline_ : SteadyTime::max();
      lock.unlock();
      ExportMetrics(deadline);  // The final collection too, when stopping.
      lock.lock();
      if (stop) {
        return;
      }
    }
  }

  const SampleAppOptions options_;
  const std::uint64_t start_unix_nanos_;
  otlp::Resource resource_;
  otlp::InstrumentationScope scope_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;

  std::atomic<std::uint64_t> spans_created_{0};
  std::atomic<std::uint64_t> spans_dropped_{0};
  std::atomic<std::uint64_t> logs_created_{0};
  std::atomic<std::uint64_t> logs_dropped_{0};
  std::uint64_t burn_sink_ = 0;  // Export thread only; keeps BurnCpu's result alive.

  mutable std::mutex metrics_mu_;
  std::map<SeriesKey, Series> series_;

  std::mutex metrics_wait_mu_;
  std::condition_variable metrics_cv_;
  bool metrics_stop_ = false;
  SteadyTime metrics_deadline_{};

  std::mutex shutdown_mu_;
  bool shut_down_ = false;

  // Threads last: they start after (and are stopped before) the state above.
  std::unique_ptr<BatchProcessor<otlp::Span>> spans_;
  std::unique_ptr<BatchProcessor<otlp::LogRecord>> logs_;
  std::thread metrics_thread_;
};

Telemetry::Telemetry(const SampleAppOptions& options) : impl_(std::make_unique<Impl>(options)) {}

Telemetry::~Telemetry() = default;

void Telemetry::EndSpan(otlp::Span&& span) noexcept {
  impl_->EndSpan(std::move(span));
}

void Telemetry::EmitLog(otlp::LogRecord&& record) noexcept {
  impl_->EmitLog(std::move(record));
}

void Telemetry::RecordRequest(std::string_view method, std::string_view route, int status,
                              double seconds) noexcept {
  impl_->RecordRequest(method, route, status, seconds);
}

void Telemetry::Shutdown() {
  impl_->Shutdown();
}

SampleAppStats Telemetry::Stats() const {
  return impl_->Stats();
}

}  // namespace obs::sample_app::internal
