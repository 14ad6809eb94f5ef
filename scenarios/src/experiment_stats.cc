#include "experiment_stats.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

namespace obs::scenarios::internal {
namespace {

struct FigureDef {
  const char* name;
  const char* unit;
  std::function<double(const VariantRunRecord&)> value;
};

double PerRequest(double total, std::uint64_t requests) {
  return requests == 0 ? std::numeric_limits<double>::quiet_NaN()
                       : total / static_cast<double>(requests);
}

std::vector<FigureDef> Figures(bool staged) {
  std::vector<FigureDef> out = {
      {"cpu_per_request", "seconds",
       [](const VariantRunRecord& r) {
         return r.app_cpu_per_request_seconds;
       }},
      {"cpu_cores", "cores",
       [](const VariantRunRecord& r) {
         return r.load_seconds > 0 ? r.app_cpu_seconds / r.load_seconds : 0.0;
       }},
      {"rss_mean", "bytes",
       [](const VariantRunRecord& r) {
         return r.app_rss_mean_bytes;
       }},
      {"rss_max", "bytes",
       [](const VariantRunRecord& r) {
         return static_cast<double>(r.app_rss_max_bytes);
       }},
      {"p50", "seconds",
       [](const VariantRunRecord& r) {
         return r.p50;
       }},
      {"p95", "seconds",
       [](const VariantRunRecord& r) {
         return r.p95;
       }},
      {"p99", "seconds",
       [](const VariantRunRecord& r) {
         return r.p99;
       }},
      {"p99_uncorrected", "seconds",
       [](const VariantRunRecord& r) {
         return r.p99_uncorrected;
       }},
      {"throughput", "requests/s",
       [](const VariantRunRecord& r) {
         return r.achieved_rps;
       }},
  };
  if (staged) {
    out.push_back({"saturation", "requests/s", [](const VariantRunRecord& r) {
                     return r.saturation_rps;
                   }});
  }
  out.push_back({"threads_max", "count", [](const VariantRunRecord& r) {
                   return static_cast<double>(r.app_threads_max);
                 }});
  out.push_back({"ctx_switches_per_request", "count", [](const VariantRunRecord& r) {
                   return PerRequest(static_cast<double>(r.app_voluntary_ctxt_switches +
                                                         r.app_nonvoluntary_ctxt_switches),
                                     r.requests_answered);
                 }});
  return out;
}

struct MeanCi {
  double mean = 0;
  double low = std::numeric_limits<double>::quiet_NaN();
  double high = std::numeric_limits<double>::quiet_NaN();
};

MeanCi Summarize(const std::vector<double>& xs) {
  MeanCi out;
  if (xs.empty()) {
    return out;
  }
  double sum = 0;
  for (double x : xs) {
    sum += x;
  }
  out.mean = sum / static_cast<double>(xs.size());
  if (xs.size() < 2) {
    return out;
  }
  double ss = 0;
  for (double x : xs) {
    ss += (x - out.mean) * (x - out.mean);
  }
  const double n = static_cast<double>(xs.size());
  const double half = StudentT975(static_cast<int>(xs.size()) - 1) * std::sqrt(ss / (n - 1) / n);
  out.low = out.mean - half;
  out.high = out.mean + half;
  return out;
}

}  // namespace

double StudentT975(int df) {
  static constexpr std::array<double, 30> kTable = {
      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
      2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
      2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (df <= 30) {
    return kTable[static_cast<std::size_t>(df - 1)];
  }
  // Beyond the table: the normal quantile with the first-order correction
  // (z + (z^3 + z) / (4 df)), within 0.002 of the exact value.
  const double z = 1.959964;
  return z + (z * z * z + z) / (4.0 * df);
}

std::vector<OverheadRecord> ComputeOverhead(const std::vector<VariantRunRecord>& runs,
                                            const std::vector<std::string>& variants,
                                            const std::string& baseline, bool staged) {
  std::map<int, const VariantRunRecord*> base_by_round;
  for (const VariantRunRecord& r : runs) {
    if (r.variant == baseline) {
      base_by_round[r.round] = &r;
    }
  }
  std::vector<OverheadRecord> out;
  for (const std::string& variant : variants) {
    if (variant == baseline) {
      continue;
    }
    for (const FigureDef& f : Figures(staged)) {
      std::vector<double> deltas;
      std::vector<double> base_values;
      std::vector<double> variant_values;
      for (const VariantRunRecord& r : runs) {
        if (r.variant != variant) {
          continue;
        }
        const auto b = base_by_round.find(r.round);
        if (b == base_by_round.end()) {
          continue;  // The baseline of this round did not run (the run was stopped).
        }
        const double v = f.value(r);
        const double bv = f.value(*b->second);
        if (!std::isfinite(v) || !std::isfinite(bv)) {
          continue;
        }
        deltas.push_back(v - bv);
        base_values.push_back(bv);
        variant_values.push_back(v);
      }
      OverheadRecord o;
      o.variant = variant;
      o.figure = f.name;
      o.unit = f.unit;
      o.pairs = static_cast<int>(deltas.size());
      const MeanCi d = Summarize(deltas);
      o.baseline_mean = Summarize(base_values).mean;
      o.variant_mean = Summarize(variant_values).mean;
      o.delta_mean = d.mean;
      o.delta_ci_low = d.low;
      o.delta_ci_high = d.high;
      const double nan = std::numeric_limits<double>::quiet_NaN();
      const bool relative = o.pairs > 0 && o.baseline_mean != 0;
      o.relative = relative ? d.mean / o.baseline_mean : nan;
      o.relative_ci_low = relative ? d.low / o.baseline_mean : nan;
      o.relative_ci_high = relative ? d.high / o.baseline_mean : nan;
      if (relative && o.baseline_mean < 0) {
        std::swap(o.relative_ci_low, o.relative_ci_high);
      }
      out.push_back(std::move(o));
    }
  }
  return out;
}

std::vector<ExportCompletenessRecord> ComputeExportCompleteness(
    const std::vector<VariantRunRecord>& runs, const std::vector<std::string>& variants) {
  std::vector<ExportCompletenessRecord> out;
  for (const std::string& variant : variants) {
    std::vector<ExportCompletenessRecord> mine;
    for (const VariantRunRecord& r : runs) {
      if (r.variant != variant) {
        continue;
      }
      for (const ExportDestinationRecord& d : r.destinations) {
        auto it = std::find_if(mine.begin(), mine.end(), [&](const ExportCompletenessRecord& x) {
          return x.destination == d.name;
        });
        if (it == mine.end()) {
          mine.push_back({.variant = variant, .destination = d.name});
          it = mine.end() - 1;
        }
        it->requests_answered += r.requests_answered + r.warmup_requests_answered;
        it->server_spans += d.server_spans;
        it->spans += d.spans;
      }
    }
    for (ExportCompletenessRecord& x : mine) {
      x.completeness = x.requests_answered == 0 ? 0
                                                : static_cast<double>(x.server_spans) /
                                                      static_cast<double>(x.requests_answered);
      out.push_back(std::move(x));
    }
  }
  return out;
}

}  // namespace obs::scenarios::internal
