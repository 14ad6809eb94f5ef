// The series templates of each model kind. The families, labels and curve
// parameters here are what docs/workloads.md documents; keep them in sync.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

#include "series_model.h"

namespace obs::loadgen::internal {
namespace {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

constexpr double kDailyAmplitude = 0.5;  // Request and byte rates swing +-50% over a day.

struct TemplateSpec {
  std::string metric;
  LabelPairs labels;  // Model labels (no __name__, instance, job).
  ValueKind kind = ValueKind::kGauge;
  Scale scale = Scale::kNone;
  bool integer = false;
  double c0 = 0;
  double c1 = 0;
  double factor = 1;
  double phase = 0;
};

// Builds a template from `spec` plus instance/job/common labels, sorted.
SeriesTemplate MakeTemplate(TemplateSpec spec, const std::string& job, const std::string& port,
                            const LabelPairs& common) {
  SeriesTemplate t;
  t.labels = std::move(spec.labels);
  t.labels.emplace_back("__name__", std::move(spec.metric));
  t.labels.emplace_back("instance", "");
  t.labels.emplace_back("job", job);
  t.labels.insert(t.labels.end(), common.begin(), common.end());
  std::sort(t.labels.begin(), t.labels.end());
  for (std::size_t i = 0; i < t.labels.size(); ++i) {
    if (t.labels[i].first == "instance") {
      t.instance_index = i;
    }
  }
  t.port = port;
  t.kind = spec.kind;
  t.scale = spec.scale;
  t.integer = spec.integer;
  t.c0 = spec.c0;
  t.c1 = spec.c1;
  t.factor = spec.factor;
  t.phase = spec.phase;
  return t;
}

// Standard normal CDF.
double NormalCdf(double z) {
  return 0.5 * std::erfc(-z / std::numbers::sqrt2);
}

constexpr std::array<const char*, 12> kLe = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                             "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
constexpr std::array<double, 11> kLeValues = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                              0.5,   1,    2.5,   5,    10};
constexpr double kLatencySigma = 0.9;  // Log-normal shape of request latency.

void AppendHttpRed(const ModelOptions& m, std::uint64_t seed, std::size_t mi,
                   const LabelPairs& common, std::vector<SeriesTemplate>& out) {
  const std::array<std::pair<const char*, double>, 2> methods = {{{"GET", 0.8}, {"POST", 0.2}}};
  const double e = m.error_ratio;
  const std::array<std::pair<const char*, double>, 4> statuses = {
      {{"200", 1 - e - 0.03}, {"404", 0.03}, {"500", 0.8 * e}, {"503", 0.2 * e}}};
  // Zipf-like route popularity.
  double weight_sum = 0;
  for (int r = 0; r < m.routes; ++r) {
    weight_sum += 1.0 / (r + 1);
  }
  for (int r = 0; r < m.routes; ++r) {
    const auto ur = static_cast<std::uint64_t>(r);
    char route[32];
    std::snprintf(route, sizeof route, "/api/v1/resource-%02d", r);
    const double route_rate = m.requests_per_second * (1.0 / (r + 1)) / weight_sum;
    // Median latency between 10 ms and 300 ms, seeded per route.
    const double median = 0.01 * std::exp(HashUniform(seed, mi * 1000 + ur, 1) * std::log(30.0));
    const double mean = median * std::exp(kLatencySigma * kLatencySigma / 2);
    const double phase = HashUniform(seed, mi * 1000 + ur, 2) * 0.5;
    for (const auto& [method, method_share] : methods) {
      const double c0 = route_rate * method_share;
      const LabelPairs base = {{"method", method}, {"route", route}};
      for (const auto& [status, share] : statuses) {
        LabelPairs labels = base;
        labels.emplace_back("status", status);
        out.push_back(
            MakeTemplate({"http_requests_total", labels, ValueKind::kCounter, Scale::kTraffic, true,
                          c0 * share, c0 * share * kDailyAmplitude, 1, phase},
                         "api", "8080", common));
      }
      double cdf = 0;
      for (std::size_t b = 0; b < kLe.size(); ++b) {
        // The running max keeps buckets non-decreasing in `le` whatever erfc's rounding does.
        cdf = b + 1 == kLe.size()
                  ? 1.0
                  : std::max(cdf, NormalCdf(std::log(kLeValues[b] / median) / kLatencySigma));
        LabelPairs labels = base;
        labels.emplace_back("le", kLe[b]);
        out.push_back(
            MakeTemplate({"http_request_duration_seconds_bucket", labels, ValueKind::kHistBucket,
                          Scale::kTraffic, true, c0, c0 * kDailyAmplitude, cdf, phase},
                         "api", "8080", common));
      }
      out.push_back(MakeTemplate({"http_request_duration_seconds_sum", base, ValueKind::kHistSum,
                                  Scale::kTraffic, false, c0, c0 * kDailyAmplitude, mean, phase},
                                 "api", "8080", common));
      out.push_back(
          MakeTemplate({"http_request_duration_seconds_count", base, ValueKind::kHistBucket,
                        Scale::kTraffic, true, c0, c0 * kDailyAmplitude, 1.0, phase},
                       "api", "8080", common));
    }
  }
}

// CPU utilisation u(t) = kCpuBusy * (1 + kCpuSwing * sin): busy modes share it,
// idle gets the rest, so the modes of one cpu add up to elapsed seconds.
constexpr double kCpuBusy = 0.3;
constexpr double kCpuSwing = 0.6;

void AppendNodeCpu(const ModelOptions& m, const LabelPairs& common,
                   std::vector<SeriesTemplate>& out) {
  const std::array<std::pair<const char*, double>, 7> busy = {{{"user", 0.55},
                                                               {"system", 0.25},
                                                               {"iowait", 0.06},
                                                               {"irq", 0.02},
                                                               {"softirq", 0.05},
                                                               {"steal", 0.04},
                                                               {"nice", 0.03}}};
  for (int c = 0; c < m.cpus; ++c) {
    const std::string cpu = std::to_string(c);
    out.push_back(MakeTemplate({"node_cpu_seconds_total",
                                {{"cpu", cpu}, {"mode", "idle"}},
                                ValueKind::kCounter,
                                Scale::kNone,
                                false,
                                1 - kCpuBusy,
                                -kCpuBusy * kCpuSwing,
                                1,
                                0},
                               "node", "9100", common));
    for (const auto& [mode, share] : busy) {
      out.push_back(MakeTemplate({"node_cpu_seconds_total",
                                  {{"cpu", cpu}, {"mode", mode}},
                                  ValueKind::kCounter,
                                  Scale::kNone,
                                  false,
                                  kCpuBusy * share,
                                  kCpuBusy * kCpuSwing * share,
                                  1,
                                  0},
                                 "node", "9100", common));
    }
  }
}

void AppendNode(const ModelOptions& m, const LabelPairs& common, std::vector<SeriesTemplate>& out) {
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  AppendNodeCpu(m, common, out);
  out.push_back(MakeTemplate(
      {"node_memory_MemTotal_bytes", {}, ValueKind::kGauge, Scale::kSize, true, 8 * kGiB, 0, 1, 0},
      "node", "9100", common));
  out.push_back(MakeTemplate({"node_memory_MemAvailable_bytes",
                              {},
                              ValueKind::kGauge,
                              Scale::kSize,
                              true,
                              4 * kGiB,
                              0.3,
                              1,
                              1.0},
                             "node", "9100", common));
  const std::array<const char*, 2> fstypes = {"ext4", "xfs"};
  for (int f = 0; f < m.filesystems; ++f) {
    const std::string device = "/dev/sd" + std::string(1, static_cast<char>('a' + f % 26)) + "1";
    const std::string mountpoint = f == 0 ? "/" : "/data" + std::to_string(f);
    const LabelPairs labels = {{"device", device},
                               {"fstype", fstypes[static_cast<std::size_t>(f) % 2]},
                               {"mountpoint", mountpoint}};
    const double size = 100 * kGiB * (f + 1);
    out.push_back(MakeTemplate({"node_filesystem_size_bytes", labels, ValueKind::kGauge,
                                Scale::kSize, true, size, 0, 1, 0},
                               "node", "9100", common));
    out.push_back(MakeTemplate({"node_filesystem_avail_bytes", labels, ValueKind::kGauge,
                                Scale::kSize, true, size * 0.6, 0.15, 1, 0.5 * f},
                               "node", "9100", common));
  }
  for (int d = 0; d < m.network_devices; ++d) {
    const LabelPairs labels = {{"device", "eth" + std::to_string(d)}};
    const double rx = 1.25e6 / (d + 1);  // 10 Mbit/s on eth0.
    out.push_back(MakeTemplate({"node_network_receive_bytes_total", labels, ValueKind::kCounter,
                                Scale::kTraffic, true, rx, rx * kDailyAmplitude, 1, 0},
                               "node", "9100", common));
    out.push_back(MakeTemplate({"node_network_transmit_bytes_total", labels, ValueKind::kCounter,
                                Scale::kTraffic, true, 0.6 * rx, 0.6 * rx * kDailyAmplitude, 1, 0},
                               "node", "9100", common));
  }
  out.push_back(MakeTemplate({"node_load1",
                              {},
                              ValueKind::kGauge,
                              Scale::kNone,
                              false,
                              m.cpus * kCpuBusy,
                              kCpuSwing,
                              1,
                              0},
                             "node", "9100", common));
}

void AppendProcess(const LabelPairs& common, std::vector<SeriesTemplate>& out) {
  out.push_back(MakeTemplate({"process_cpu_seconds_total",
                              {},
                              ValueKind::kCounter,
                              Scale::kTraffic,
                              false,
                              0.05,
                              0.05 * kDailyAmplitude,
                              1,
                              0},
                             "api", "8080", common));
  out.push_back(MakeTemplate({"process_resident_memory_bytes",
                              {},
                              ValueKind::kGauge,
                              Scale::kTraffic,
                              true,
                              200.0 * 1024 * 1024,
                              0.2,
                              1,
                              0.3},
                             "api", "8080", common));
  out.push_back(MakeTemplate(
      {"process_open_fds", {}, ValueKind::kGauge, Scale::kTraffic, true, 64, 0.25, 1, 0.7}, "api",
      "8080", common));
  out.push_back(MakeTemplate(
      {"process_start_time_seconds", {}, ValueKind::kStartTime, Scale::kNone, false, 0, 0, 1, 0},
      "api", "8080", common));
  out.push_back(MakeTemplate(
      {"go_goroutines", {}, ValueKind::kGauge, Scale::kTraffic, true, 120, 0.3, 1, 1.1}, "api",
      "8080", common));
}

}  // namespace

Status AppendModelTemplates(const ModelOptions& model, std::uint64_t seed, std::size_t model_index,
                            const LabelPairs& common, std::vector<SeriesTemplate>& out) {
  const std::string where =
      "series: model " + std::to_string(model_index + 1) + " (" + model.kind + "): ";
  if (model.kind == "http_red") {
    if (model.routes < 1 || model.routes > 10000) {
      return InvalidArgumentError(where + "routes must be in [1, 10000]");
    }
    if (!std::isfinite(model.requests_per_second) || model.requests_per_second <= 0) {
      return InvalidArgumentError(where + "requests_per_second must be > 0");
    }
    if (!(model.error_ratio >= 0 && model.error_ratio <= 0.5)) {
      return InvalidArgumentError(where + "error_ratio must be in [0, 0.5]");
    }
    AppendHttpRed(model, seed, model_index, common, out);
  } else if (model.kind == "node") {
    if (model.cpus < 1 || model.cpus > 1024 || model.filesystems < 1 || model.filesystems > 26 ||
        model.network_devices < 1 || model.network_devices > 64) {
      return InvalidArgumentError(
          where + "cpus must be in [1, 1024], filesystems in [1, 26], network_devices in [1, 64]");
    }
    AppendNode(model, common, out);
  } else if (model.kind == "process") {
    AppendProcess(common, out);
  } else {
    return InvalidArgumentError("series: model " + std::to_string(model_index + 1) +
                                ": unknown kind \"" + model.kind +
                                "\" (want http_red, node or process)");
  }
  return Status::Ok();
}

}  // namespace obs::loadgen::internal
