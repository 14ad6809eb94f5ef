// OTLP metrics -> Prometheus series (rules in otlp_prometheus.h).

#include "obs/wire/otlp_prometheus.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

namespace obs::wire::otlp {
namespace {

// Exponential histograms with more buckets than this per range are refused
// (SDKs default to 160).
constexpr std::size_t kMaxExponentialBuckets = 4096;

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Splits at every character that is not an ASCII letter or digit.
std::vector<std::string> Tokens(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (IsAsciiAlnum(c)) {
      cur += c;
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) {
    out.push_back(std::move(cur));
  }
  return out;
}

std::string Join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& t : tokens) {
    if (!out.empty()) {
      out += '_';
    }
    out += t;
  }
  return out;
}

std::string_view MainUnitWord(std::string_view unit) {
  static const std::map<std::string_view, std::string_view> kUnits = {
      {"d", "days"},
      {"h", "hours"},
      {"min", "minutes"},
      {"s", "seconds"},
      {"ms", "milliseconds"},
      {"us", "microseconds"},
      {"ns", "nanoseconds"},
      {"By", "bytes"},
      {"KiBy", "kibibytes"},
      {"MiBy", "mebibytes"},
      {"GiBy", "gibibytes"},
      {"TiBy", "tibibytes"},
      {"KBy", "kilobytes"},
      {"MBy", "megabytes"},
      {"GBy", "gigabytes"},
      {"TBy", "terabytes"},
      {"m", "meters"},
      {"V", "volts"},
      {"A", "amperes"},
      {"J", "joules"},
      {"W", "watts"},
      {"g", "grams"},
      {"Cel", "celsius"},
      {"Hz", "hertz"},
      {"1", ""},
      {"%", "percent"},
  };
  const auto it = kUnits.find(unit);
  return it == kUnits.end() ? unit : it->second;
}

std::string_view PerUnitWord(std::string_view unit) {
  static const std::map<std::string_view, std::string_view> kPer = {
      {"s", "second"}, {"m", "minute"}, {"h", "hour"}, {"d", "day"},
      {"w", "week"},   {"mo", "month"}, {"y", "year"},
  };
  const auto it = kPer.find(unit);
  return it == kPer.end() ? unit : it->second;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') {
    s.remove_prefix(1);
  }
  while (!s.empty() && s.back() == ' ') {
    s.remove_suffix(1);
  }
  return s;
}

// The words a unit adds to a name: "m/s" -> {"meters", "second"}; units in
// braces are annotations and add nothing.
struct UnitWords {
  std::string main;
  std::string per;
};

UnitWords WordsOf(std::string_view unit) {
  UnitWords out;
  const std::size_t slash = unit.find('/');
  const std::string_view main = TrimSpaces(unit.substr(0, slash));
  if (!main.empty() && main.find_first_of("{}") == std::string_view::npos) {
    out.main = Join(Tokens(MainUnitWord(main)));
  }
  if (slash != std::string_view::npos) {
    const std::string_view per = TrimSpaces(unit.substr(slash + 1));
    if (!per.empty() && per.find_first_of("{}") == std::string_view::npos) {
      out.per = Join(Tokens(PerUnitWord(per)));
    }
  }
  return out;
}

bool Contains(const std::vector<std::string>& tokens, std::string_view t) {
  return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
}

void MoveToEnd(std::vector<std::string>& tokens, const std::string& t) {
  tokens.erase(std::remove(tokens.begin(), tokens.end(), t), tokens.end());
  tokens.push_back(t);
}

std::string AttributeOf(const Resource& r, std::string_view key) {
  for (const KeyValue& kv : r.attributes) {
    if (kv.key == key) {
      return PrometheusLabelValue(kv.value);
    }
  }
  return {};
}

bool IsIdentifying(std::string_view key) {
  return key == "service.name" || key == "service.namespace" || key == "service.instance.id";
}

// Labels from attributes, names sanitized, colliding names' values joined by
// ';' in key order, empty values dropped.
std::map<std::string, std::string> AttributeLabels(const std::vector<KeyValue>& attributes,
                                                   bool skip_identifying) {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_name;
  for (const KeyValue& kv : attributes) {
    if (skip_identifying && IsIdentifying(kv.key)) {
      continue;
    }
    std::string value = PrometheusLabelValue(kv.value);
    if (value.empty() || kv.key.empty()) {
      continue;
    }
    by_name[PrometheusLabelName(kv.key)].emplace_back(kv.key, std::move(value));
  }
  std::map<std::string, std::string> out;
  for (auto& [name, values] : by_name) {
    std::sort(values.begin(), values.end());
    std::string joined;
    for (const auto& [key, value] : values) {
      if (!joined.empty()) {
        joined += ';';
      }
      joined += value;
    }
    out.emplace(name, std::move(joined));
  }
  return out;
}

struct ResourceLabels {
  std::string job;
  std::string instance;
};

ResourceLabels IdentifyingLabels(const Resource& r) {
  ResourceLabels out;
  const std::string name = AttributeOf(r, "service.name");
  const std::string ns = AttributeOf(r, "service.namespace");
  out.job = ns.empty() ? name : (name.empty() ? ns : ns + "/" + name);
  out.instance = AttributeOf(r, "service.instance.id");
  return out;
}

std::int64_t Millis(std::uint64_t ns) {
  return static_cast<std::int64_t>(ns / 1'000'000);
}

class PointBuilder {
 public:
  PointBuilder(const ResourceLabels& resource, const std::vector<KeyValue>& attributes,
               std::int64_t timestamp_ms, bool stale)
      : labels_(AttributeLabels(attributes, false)), timestamp_ms_(timestamp_ms), stale_(stale) {
    if (!resource.job.empty()) {
      labels_["job"] = resource.job;
    }
    if (!resource.instance.empty()) {
      labels_["instance"] = resource.instance;
    }
    labels_.erase("__name__");
  }

  // One series: `name` plus the point's labels plus an optional extra label.
  void Add(const std::string& name, double value, std::string_view extra_name = {},
           std::string extra_value = {}) {
    PromSeries s;
    s.labels.reserve(labels_.size() + 2);
    bool name_added = false;
    bool extra_added = extra_name.empty();
    auto put = [&](std::string_view n, std::string v) {
      s.labels.push_back(Label{std::string(n), std::move(v)});
    };
    for (const auto& [n, v] : labels_) {
      if (!name_added && n > "__name__") {
        put("__name__", name);
        name_added = true;
      }
      if (!extra_added && n >= extra_name) {
        put(extra_name, std::move(extra_value));
        extra_added = true;
        if (n == extra_name) {
          continue;  // The bucket/quantile label wins over an attribute of that name.
        }
      }
      put(n, v);
    }
    if (!name_added) {
      put("__name__", name);
      name_added = true;
    }
    if (!extra_added) {
      put(extra_name, std::move(extra_value));
    }
    std::sort(s.labels.begin(), s.labels.end(),
              [](const Label& a, const Label& b) { return a.name < b.name; });
    s.sample.timestamp_ms = timestamp_ms_;
    s.sample.value = stale_ ? StaleNaN() : value;
    series_.push_back(std::move(s));
  }

  std::vector<PromSeries> Take() { return std::move(series_); }

 private:
  std::map<std::string, std::string> labels_;
  std::int64_t timestamp_ms_;
  bool stale_;
  std::vector<PromSeries> series_;
};

struct Refusal {
  std::string reason;
};

// Upper bound of exponential bucket `index` at `scale`: base^(index+1).
double ExponentialUpper(std::int32_t scale, std::int64_t index) {
  return std::exp2(std::ldexp(static_cast<double>(index + 1), -scale));
}

class Translator {
 public:
  TranslatedMetrics Run(const MetricsData& data) {
    for (std::size_t ri = 0; ri < data.resource_metrics.size(); ++ri) {
      const ResourceMetrics& rm = data.resource_metrics[ri];
      const ResourceLabels resource = IdentifyingLabels(rm.resource);
      std::int64_t latest_ms = std::numeric_limits<std::int64_t>::min();
      for (std::size_t si = 0; si < rm.scope_metrics.size(); ++si) {
        const ScopeMetrics& sm = rm.scope_metrics[si];
        for (std::size_t mi = 0; mi < sm.metrics.size(); ++mi) {
          const std::string where = "resourceMetrics[" + std::to_string(ri) + "].scopeMetrics[" +
                                    std::to_string(si) + "].metrics[" + std::to_string(mi) + "]";
          Metric(sm.metrics[mi], where, resource, latest_ms);
        }
      }
      TargetInfo(rm.resource, resource, latest_ms);
    }
    return std::move(out_);
  }

 private:
  void Refuse(std::size_t n, const std::string& where, const std::string& reason) {
    if (out_.rejected == 0 && n > 0) {
      out_.first_error = where + ": " + reason;
    }
    out_.rejected += n;
  }

  void Metric(const otlp::Metric& m, const std::string& where, const ResourceLabels& resource,
              std::int64_t& latest_ms) {
    using T = otlp::Metric::Type;
    const std::string name = PrometheusMetricName(m);
    if (name.empty()) {
      Refuse(m.PointCount(), where, "metric name \"" + m.name + "\" has no letters or digits");
      return;
    }
    const bool delta = m.temporality == AggregationTemporality::kDelta;
    auto each = [&](const auto& points, auto fn) {
      for (std::size_t i = 0; i < points.size(); ++i) {
        const auto& p = points[i];
        const std::string pwhere =
            where + " (" + m.name + ") dataPoints[" + std::to_string(i) + "]";
        if (p.time_unix_nano == 0) {
          Refuse(1, pwhere, "timeUnixNano is missing");
          continue;
        }
        const std::int64_t ts = Millis(p.time_unix_nano);
        PointBuilder b(resource, p.attributes, ts, (p.flags & kNoRecordedValueFlag) != 0);
        Refusal refusal;
        if (!fn(p, b, refusal)) {
          Refuse(1, pwhere, refusal.reason);
          continue;
        }
        latest_ms = std::max(latest_ms, ts);
        out_.points.push_back(TranslatedPoint{b.Take(), delta, false});
      }
    };
    switch (m.type) {
      case T::kEmpty:
        return;
      case T::kGauge:
      case T::kSum:
        each(m.number_points, [&](const NumberDataPoint& p, PointBuilder& b, Refusal& r) {
          if (p.type == NumberType::kNone && (p.flags & kNoRecordedValueFlag) == 0) {
            r.reason = "the point has neither asDouble nor asInt";
            return false;
          }
          b.Add(name, p.Value());
          return true;
        });
        return;
      case T::kHistogram:
        each(m.histogram_points, [&](const HistogramDataPoint& p, PointBuilder& b, Refusal& r) {
          return Histogram(name, p, b, r);
        });
        return;
      case T::kExponentialHistogram:
        each(m.exponential_points, [&](const ExponentialHistogramDataPoint& p, PointBuilder& b,
                                       Refusal& r) { return Exponential(name, p, b, r); });
        return;
      case T::kSummary:
        each(m.summary_points, [&](const SummaryDataPoint& p, PointBuilder& b, Refusal& r) {
          for (const ValueAtQuantile& q : p.quantile_values) {
            if (!(q.quantile >= 0 && q.quantile <= 1)) {
              r.reason = "quantile " + PrometheusFloat(q.quantile) + " is outside [0, 1]";
              return false;
            }
          }
          for (const ValueAtQuantile& q : p.quantile_values) {
            b.Add(name, q.value, "quantile", PrometheusFloat(q.quantile));
          }
          b.Add(name + "_sum", p.sum);
          b.Add(name + "_count", static_cast<double>(p.count));
          return true;
        });
        return;
    }
  }

  static bool Histogram(const std::string& name, const HistogramDataPoint& p, PointBuilder& b,
                        Refusal& r) {
    if (!p.bucket_counts.empty() && p.bucket_counts.size() != p.explicit_bounds.size() + 1) {
      r.reason = std::to_string(p.bucket_counts.size()) + " bucket counts for " +
                 std::to_string(p.explicit_bounds.size()) + " bounds (want bounds + 1)";
      return false;
    }
    for (std::size_t i = 0; i < p.explicit_bounds.size(); ++i) {
      const double bound = p.explicit_bounds[i];
      if (std::isnan(bound) || (i > 0 && !(bound > p.explicit_bounds[i - 1]))) {
        r.reason = "explicitBounds must increase strictly";
        return false;
      }
    }
    std::uint64_t total = 0;
    for (std::uint64_t c : p.bucket_counts) {
      total += c;
    }
    if (!p.bucket_counts.empty() && total != p.count) {
      r.reason = "bucket counts add up to " + std::to_string(total) + ", count is " +
                 std::to_string(p.count);
      return false;
    }
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < p.explicit_bounds.size() && !p.bucket_counts.empty(); ++i) {
      cumulative += p.bucket_counts[i];
      if (std::isinf(p.explicit_bounds[i]) && p.explicit_bounds[i] > 0) {
        continue;  // +Inf is written below from count.
      }
      b.Add(name + "_bucket", static_cast<double>(cumulative), "le",
            PrometheusFloat(p.explicit_bounds[i]));
    }
    b.Add(name + "_bucket", static_cast<double>(p.count), "le", "+Inf");
    if (p.sum.has_value()) {
      b.Add(name + "_sum", *p.sum);
    }
    b.Add(name + "_count", static_cast<double>(p.count));
    return true;
  }

  static bool Exponential(const std::string& name, const ExponentialHistogramDataPoint& p,
                          PointBuilder& b, Refusal& r) {
    if (p.scale < -10 || p.scale > 20) {
      r.reason = "scale " + std::to_string(p.scale) + " is outside [-10, 20]";
      return false;
    }
    if (p.positive.bucket_counts.size() > kMaxExponentialBuckets ||
        p.negative.bucket_counts.size() > kMaxExponentialBuckets) {
      r.reason = "more than " + std::to_string(kMaxExponentialBuckets) + " buckets in a range";
      return false;
    }
    std::uint64_t total = p.zero_count;
    for (std::uint64_t c : p.positive.bucket_counts) {
      total += c;
    }
    for (std::uint64_t c : p.negative.bucket_counts) {
      total += c;
    }
    if (total != p.count) {
      r.reason = "bucket counts add up to " + std::to_string(total) + ", count is " +
                 std::to_string(p.count);
      return false;
    }
    // Ascending bounds: negative buckets from the most negative, the zero
    // bucket, then the positive ones. Empty leading/trailing buckets of a
    // range are still written (their bounds are real).
    std::uint64_t cumulative = 0;
    const auto& neg = p.negative.bucket_counts;
    for (std::size_t k = neg.size(); k-- > 0;) {
      cumulative += neg[k];
      const std::int64_t index = std::int64_t{p.negative.offset} + static_cast<std::int64_t>(k);
      // Bucket `index` of the negative range covers [-base^(index+1), -base^index).
      b.Add(name + "_bucket", static_cast<double>(cumulative), "le",
            PrometheusFloat(-ExponentialUpper(p.scale, index - 1)));
    }
    cumulative += p.zero_count;
    b.Add(name + "_bucket", static_cast<double>(cumulative), "le",
          PrometheusFloat(p.zero_threshold));
    const auto& pos = p.positive.bucket_counts;
    for (std::size_t k = 0; k < pos.size(); ++k) {
      cumulative += pos[k];
      const std::int64_t index = std::int64_t{p.positive.offset} + static_cast<std::int64_t>(k);
      const double upper = ExponentialUpper(p.scale, index);
      if (std::isinf(upper)) {
        break;  // Counted by +Inf.
      }
      b.Add(name + "_bucket", static_cast<double>(cumulative), "le", PrometheusFloat(upper));
    }
    b.Add(name + "_bucket", static_cast<double>(p.count), "le", "+Inf");
    if (p.sum.has_value()) {
      b.Add(name + "_sum", *p.sum);
    }
    b.Add(name + "_count", static_cast<double>(p.count));
    return true;
  }

  void TargetInfo(const Resource& r, const ResourceLabels& resource, std::int64_t latest_ms) {
    if (latest_ms == std::numeric_limits<std::int64_t>::min()) {
      return;  // No point was translated.
    }
    std::vector<KeyValue> others;
    for (const KeyValue& kv : r.attributes) {
      if (!IsIdentifying(kv.key)) {
        others.push_back(kv);
      }
    }
    if (others.empty()) {
      return;
    }
    PointBuilder b(resource, others, latest_ms, false);
    b.Add("target_info", 1);
    out_.points.push_back(TranslatedPoint{b.Take(), false, true});
  }

  TranslatedMetrics out_;
};

}  // namespace

std::string PrometheusUnitSuffix(std::string_view unit) {
  const UnitWords w = WordsOf(unit);
  if (w.per.empty()) {
    return w.main;
  }
  return w.main.empty() ? "per_" + w.per : w.main + "_per_" + w.per;
}

std::string PrometheusMetricName(const Metric& metric) {
  std::vector<std::string> tokens = Tokens(metric.name);
  if (tokens.empty()) {
    return {};
  }
  const UnitWords w = WordsOf(metric.unit);
  if (!w.main.empty() && !Contains(tokens, w.main)) {
    tokens.push_back(w.main);
  }
  if (!w.per.empty() && !Contains(tokens, w.per)) {
    tokens.push_back("per");
    tokens.push_back(w.per);
  }
  if (metric.type == Metric::Type::kSum && metric.is_monotonic) {
    MoveToEnd(tokens, "total");
  }
  if (metric.unit == "1" && metric.type == Metric::Type::kGauge) {
    MoveToEnd(tokens, "ratio");
  }
  std::string name = Join(tokens);
  if (name[0] >= '0' && name[0] <= '9') {
    name.insert(name.begin(), '_');
  }
  return name;
}

std::string PrometheusLabelName(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    if (!IsAsciiAlnum(c) && c != '_') {
      c = '_';
    }
  }
  if (out.empty()) {
    return out;
  }
  if (out[0] >= '0' && out[0] <= '9') {
    return "key_" + out;
  }
  if (out[0] == '_' && (out.size() < 2 || out[1] != '_')) {
    return "key" + out;
  }
  return out;
}

std::string PrometheusLabelValue(const AnyValue& value) {
  if (value.type == AnyValue::Type::kString) {
    return value.string_value;
  }
  if (value.type == AnyValue::Type::kEmpty) {
    return {};
  }
  return ValueJson(value);
}

std::string PrometheusFloat(double v) {
  if (std::isnan(v)) {
    return "NaN";
  }
  if (std::isinf(v)) {
    return v > 0 ? "+Inf" : "-Inf";
  }
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

TranslatedMetrics TranslateToPrometheus(const MetricsData& data) {
  return Translator().Run(data);
}

}  // namespace obs::wire::otlp
