#include "api/metrics.h"

#include <charconv>
#include <cmath>

namespace obs::backend {
namespace {

constexpr std::array<std::string_view, kEndpointCount> kHandlers = {
    "/api/v1/write",
    "/api/v1/query",
    "/api/v1/query_range",
    "/api/v1/series",
    "/api/v1/labels",
    "/api/v1/label/:name/values",
    "/metrics",
    "/-/healthy",
    "/-/ready",
    "/api/v1/status/buildinfo",
    "/api/v1/metadata",
    "/api/v1/query_exemplars",
    "/api/v1/rules",
    "/api/v1/alerts",
    "/-/reload",
    "/v1/traces",
    "/api/traces/:id",
    "/api/traces",
    "/api/services",
    "/api/services/:service/operations",
    "/api/operations",
    "/api/v2/traces/:id",
    "/v1/logs",
    "/loki/api/v1/push",
    "/loki/api/v1/query_range",
    "/loki/api/v1/query",
    "/loki/api/v1/labels",
    "/loki/api/v1/label/:name/values",
    "/loki/api/v1/series",
    "/v1/metrics",
    "/select/logsql/query",
    "other"};

std::size_t Index(Endpoint endpoint) {
  return static_cast<std::size_t>(endpoint);
}

// Shortest round-trip form, locale-independent.
void AppendDouble(std::string& out, double v) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, result.ptr);
}

std::string CodeLabel(std::size_t slot) {
  return slot < BackendMetrics::kCodes.size() ? std::to_string(BackendMetrics::kCodes[slot])
                                              : std::string("other");
}

void AppendHeader(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void AppendSample(std::string& out, std::string_view name, std::string_view labels,
                  std::uint64_t value) {
  out.append(name);
  if (!labels.empty()) {
    out.append("{").append(labels).append("}");
  }
  out.append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace

std::string_view EndpointHandler(Endpoint endpoint) {
  return kHandlers[Index(endpoint)];
}

bool IsQueryEndpoint(Endpoint endpoint) {
  return endpoint == Endpoint::kQuery || endpoint == Endpoint::kQueryRange ||
         endpoint == Endpoint::kSeries || endpoint == Endpoint::kLabels ||
         endpoint == Endpoint::kLabelValues;
}

void BackendMetrics::ObserveRequest(Endpoint endpoint, int status, double seconds) noexcept {
  EndpointMetrics& m = endpoints_[Index(endpoint)];
  std::size_t code_slot = kCodes.size();
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] == status) {
      code_slot = i;
    }
  }
  m.by_code[code_slot].fetch_add(1, std::memory_order_relaxed);
  std::size_t bucket = kBuckets.size();
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      bucket = i;
      break;
    }
  }
  m.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  const double nanos = std::isfinite(seconds) && seconds > 0 ? seconds * 1e9 : 0;
  m.sum_nanos.fetch_add(static_cast<std::uint64_t>(nanos), std::memory_order_relaxed);
}

void BackendMetrics::AddSamplesAppended(std::uint64_t n) noexcept {
  samples_appended_.fetch_add(n, std::memory_order_relaxed);
}

void BackendMetrics::AddSamplesDropped(std::uint64_t n) noexcept {
  samples_dropped_.fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t BackendMetrics::Requests(Endpoint endpoint) const noexcept {
  std::uint64_t total = 0;
  for (const auto& c : endpoints_[Index(endpoint)].by_code) {
    total += c.load(std::memory_order_relaxed);
  }
  return total;
}

std::uint64_t BackendMetrics::FailedRequests(Endpoint endpoint) const noexcept {
  const EndpointMetrics& m = endpoints_[Index(endpoint)];
  std::uint64_t total = m.by_code[kCodes.size()].load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] >= 400) {
      total += m.by_code[i].load(std::memory_order_relaxed);
    }
  }
  return total;
}

std::uint64_t BackendMetrics::QueryRequests() const noexcept {
  std::uint64_t total = 0;
  for (std::size_t e = 0; e < kEndpointCount; ++e) {
    if (IsQueryEndpoint(static_cast<Endpoint>(e))) {
      total += Requests(static_cast<Endpoint>(e));
    }
  }
  return total;
}

void BackendMetrics::RenderRequests(std::string& out) const {
  constexpr std::string_view kHttp = "obs_backend_http_requests_total";
  constexpr std::string_view kWrite = "obs_backend_write_requests_total";
  constexpr std::string_view kQuery = "obs_backend_query_requests_total";
  std::string http_lines;
  std::string write_lines;
  std::string query_lines;
  for (std::size_t e = 0; e < kEndpointCount; ++e) {
    const auto endpoint = static_cast<Endpoint>(e);
    for (std::size_t c = 0; c < kCodeSlots; ++c) {
      const std::uint64_t n = endpoints_[e].by_code[c].load(std::memory_order_relaxed);
      if (n == 0) {
        continue;
      }
      const std::string code = "code=\"" + CodeLabel(c) + "\"";
      const std::string handler(EndpointHandler(endpoint));
      AppendSample(http_lines, kHttp, code + ",handler=\"" + handler + "\"", n);
      if (endpoint == Endpoint::kWrite) {
        AppendSample(write_lines, kWrite, code, n);
      } else if (IsQueryEndpoint(endpoint)) {
        AppendSample(query_lines, kQuery, code + ",endpoint=\"" + handler + "\"", n);
      }
    }
  }
  AppendHeader(out, kHttp, "counter", "HTTP requests answered, by handler and status code.");
  out += http_lines;
  AppendHeader(out, kWrite, "counter", "Remote write requests answered, by status code.");
  out += write_lines;
  AppendHeader(out, kQuery, "counter", "Query API requests answered, by endpoint and code.");
  out += query_lines;
}

void BackendMetrics::RenderDurations(std::string& out) const {
  constexpr std::string_view kName = "obs_backend_http_request_duration_seconds";
  AppendHeader(out, kName, "histogram", "HTTP request handling time in seconds, by handler.");
  for (std::size_t e = 0; e < kEndpointCount; ++e) {
    const EndpointMetrics& m = endpoints_[e];
    const std::string handler = "handler=\"" + std::string(kHandlers[e]) + "\"";
    std::uint64_t cumulative = 0;
    std::string lines;
    for (std::size_t b = 0; b < kBucketSlots; ++b) {
      cumulative += m.buckets[b].load(std::memory_order_relaxed);
      std::string le = "+Inf";
      if (b < kBuckets.size()) {
        le.clear();
        AppendDouble(le, kBuckets[b]);
      }
      AppendSample(lines, std::string(kName) + "_bucket", handler + ",le=\"" + le + "\"",
                   cumulative);
    }
    if (cumulative == 0) {
      continue;
    }
    out += lines;
    out.append(kName).append("_sum{").append(handler).append("} ");
    AppendDouble(out, static_cast<double>(m.sum_nanos.load(std::memory_order_relaxed)) / 1e9);
    out.append("\n");
    AppendSample(out, std::string(kName) + "_count", handler, cumulative);
  }
}

std::string BackendMetrics::Render(const StorageGauges& storage) const {
  std::string out;
  RenderRequests(out);
  RenderDurations(out);
  AppendHeader(out, "obs_backend_samples_appended_total", "counter",
               "Samples stored by accepted remote write requests.");
  AppendSample(out, "obs_backend_samples_appended_total", "", samples_appended());
  AppendHeader(out, "obs_backend_samples_dropped_by_fault_total", "counter",
               "Samples acknowledged but discarded by the drop_every_nth_sample fault.");
  AppendSample(out, "obs_backend_samples_dropped_by_fault_total", "", samples_dropped());
  AppendHeader(out, "obs_backend_series", "gauge", "Series in storage.");
  AppendSample(out, "obs_backend_series", "", storage.series);
  AppendHeader(out, "obs_backend_samples", "gauge", "Samples in storage.");
  AppendSample(out, "obs_backend_samples", "", storage.samples);
  AppendHeader(out, "obs_backend_chunk_bytes", "gauge", "Encoded chunk bytes in storage.");
  AppendSample(out, "obs_backend_chunk_bytes", "", storage.chunk_bytes);
  return out;
}

}  // namespace obs::backend
