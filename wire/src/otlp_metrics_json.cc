// OTLP/JSON for metrics/v1: every data point type, exemplars, and the
// 64-bit counts as decimal strings (numbers accepted), on the shared writer
// and decoder of otlp_json_internal.h.

#include "otlp_json_internal.h"

namespace obs::wire::otlp::internal_json {
namespace {

void PutDouble(Writer& w, std::string_view key, double v) {
  w.Key(key);
  AppendJsonDouble(v, w.out());
}

void PutOptionalDouble(Writer& w, std::string_view key, const std::optional<double>& v) {
  if (v.has_value()) {
    PutDouble(w, key, *v);
  }
}

void PutU64Strings(Writer& w, std::string_view key, const std::vector<std::uint64_t>& values) {
  if (values.empty()) {
    return;
  }
  w.Key(key);
  w.Open('[');
  for (std::uint64_t v : values) {
    w.Element();
    w.out() += '"' + std::to_string(v) + '"';
  }
  w.Close(']');
}

void PutNumberValue(Writer& w, NumberType type, double as_double, std::int64_t as_int) {
  if (type == NumberType::kDouble) {
    PutDouble(w, "asDouble", as_double);
  } else if (type == NumberType::kInt) {
    w.Key("asInt");
    w.out() += '"' + std::to_string(as_int) + '"';
  }
}

void PutExemplars(Writer& w, const std::vector<Exemplar>& exemplars) {
  if (exemplars.empty()) {
    return;
  }
  w.Key("exemplars");
  w.Open('[');
  for (const Exemplar& e : exemplars) {
    w.Element();
    w.Open('{');
    PutKeyValues(w, "filteredAttributes", e.filtered_attributes);
    w.U64StrIf("timeUnixNano", e.time_unix_nano);
    PutNumberValue(w, e.type, e.as_double, e.as_int);
    w.IdIf("spanId", e.span_id);
    w.IdIf("traceId", e.trace_id);
    w.Close('}');
  }
  w.Close(']');
}

// The members every point type starts with.
template <typename Point>
void PutPointHead(Writer& w, const Point& d) {
  w.Element();
  w.Open('{');
  PutKeyValues(w, "attributes", d.attributes);
  w.U64StrIf("startTimeUnixNano", d.start_time_unix_nano);
  w.U64StrIf("timeUnixNano", d.time_unix_nano);
}

void PutBuckets(Writer& w, std::string_view key, const ExponentialBuckets& b) {
  if (b == ExponentialBuckets{}) {
    return;
  }
  w.Key(key);
  w.Open('{');
  w.IntIf("offset", b.offset);
  PutU64Strings(w, "bucketCounts", b.bucket_counts);
  w.Close('}');
}

void PutPoints(Writer& w, const Metric& m) {
  using T = Metric::Type;
  w.Key("dataPoints");
  w.Open('[');
  switch (m.type) {
    case T::kGauge:
    case T::kSum:
      for (const NumberDataPoint& d : m.number_points) {
        PutPointHead(w, d);
        PutNumberValue(w, d.type, d.as_double, d.as_int);
        PutExemplars(w, d.exemplars);
        w.IntIf("flags", d.flags);
        w.Close('}');
      }
      break;
    case T::kHistogram:
      for (const HistogramDataPoint& d : m.histogram_points) {
        PutPointHead(w, d);
        w.U64StrIf("count", d.count);
        PutOptionalDouble(w, "sum", d.sum);
        PutU64Strings(w, "bucketCounts", d.bucket_counts);
        if (!d.explicit_bounds.empty()) {
          w.Key("explicitBounds");
          w.Open('[');
          for (double b : d.explicit_bounds) {
            w.Element();
            AppendJsonDouble(b, w.out());
          }
          w.Close(']');
        }
        PutExemplars(w, d.exemplars);
        w.IntIf("flags", d.flags);
        PutOptionalDouble(w, "min", d.min);
        PutOptionalDouble(w, "max", d.max);
        w.Close('}');
      }
      break;
    case T::kExponentialHistogram:
      for (const ExponentialHistogramDataPoint& d : m.exponential_points) {
        PutPointHead(w, d);
        w.U64StrIf("count", d.count);
        PutOptionalDouble(w, "sum", d.sum);
        w.IntIf("scale", d.scale);
        w.U64StrIf("zeroCount", d.zero_count);
        PutBuckets(w, "positive", d.positive);
        PutBuckets(w, "negative", d.negative);
        w.IntIf("flags", d.flags);
        PutExemplars(w, d.exemplars);
        PutOptionalDouble(w, "min", d.min);
        PutOptionalDouble(w, "max", d.max);
        if (d.zero_threshold != 0) {
          PutDouble(w, "zeroThreshold", d.zero_threshold);
        }
        w.Close('}');
      }
      break;
    case T::kSummary:
      for (const SummaryDataPoint& d : m.summary_points) {
        PutPointHead(w, d);
        w.U64StrIf("count", d.count);
        if (d.sum != 0) {
          PutDouble(w, "sum", d.sum);
        }
        if (!d.quantile_values.empty()) {
          w.Key("quantileValues");
          w.Open('[');
          for (const ValueAtQuantile& q : d.quantile_values) {
            w.Element();
            w.Open('{');
            PutDouble(w, "quantile", q.quantile);
            PutDouble(w, "value", q.value);
            w.Close('}');
          }
          w.Close(']');
        }
        w.IntIf("flags", d.flags);
        w.Close('}');
      }
      break;
    case T::kEmpty:
      break;
  }
  w.Close(']');
}

void PutMetric(Writer& w, const Metric& m) {
  using T = Metric::Type;
  w.Element();
  w.Open('{');
  w.StrIf("name", m.name);
  w.StrIf("description", m.description);
  w.StrIf("unit", m.unit);
  const char* key = nullptr;
  switch (m.type) {
    case T::kGauge:
      key = "gauge";
      break;
    case T::kSum:
      key = "sum";
      break;
    case T::kHistogram:
      key = "histogram";
      break;
    case T::kExponentialHistogram:
      key = "exponentialHistogram";
      break;
    case T::kSummary:
      key = "summary";
      break;
    case T::kEmpty:
      break;
  }
  if (key != nullptr) {
    w.Key(key);
    w.Open('{');
    PutPoints(w, m);
    if (m.type != T::kGauge && m.type != T::kSummary) {
      w.IntIf("aggregationTemporality", static_cast<std::int32_t>(m.temporality));
    }
    if (m.type == T::kSum && m.is_monotonic) {
      w.Key("isMonotonic");
      w.out() += "true";
    }
    w.Close('}');
  }
  PutKeyValues(w, "metadata", m.metadata);
  w.Close('}');
}

// Reads a JSON array of 64-bit unsigned integers (strings or numbers).
bool U64Array(Decoder& d, const Json& j, const Path& p, std::vector<std::uint64_t>& out) {
  return d.Elements(
      j, p, [&](const Json& e, const Path& ep) { return d.Integer(e, ep, out.emplace_back()); });
}

}  // namespace

bool Decoder::OptionalDouble(const Json& j, const Path& p, std::optional<double>& out) {
  if (j.is_null()) {
    out.reset();
    return true;
  }
  double v = 0;
  if (!Double(j, p, v)) {
    return false;
  }
  out = v;
  return true;
}

bool Decoder::ExemplarsArray(const Json& j, const Path& p, std::vector<Exemplar>& out) {
  return Elements(j, p, [&](const Json& e, const Path& ep) {
    Exemplar& x = out.emplace_back();
    return Members(e, ep, [&](const std::string& key, const Json& m, const Path& mp) {
      if (key == "filteredAttributes") {
        return KeyValues(m, mp, 0, x.filtered_attributes);
      }
      if (key == "timeUnixNano") {
        return Integer(m, mp, x.time_unix_nano);
      }
      if (key == "asDouble") {
        x.type = NumberType::kDouble;
        return Double(m, mp, x.as_double);
      }
      if (key == "asInt") {
        x.type = NumberType::kInt;
        return Integer(m, mp, x.as_int);
      }
      if (key == "spanId") {
        return Id(m, mp, x.span_id);
      }
      if (key == "traceId") {
        return Id(m, mp, x.trace_id);
      }
      return true;
    });
  });
}

bool Decoder::NumberPointObj(const Json& j, const Path& p, NumberDataPoint& d) {
  return Members(j, p, [&](const std::string& key, const Json& m, const Path& mp) {
    if (key == "attributes") {
      return KeyValues(m, mp, 0, d.attributes);
    }
    if (key == "startTimeUnixNano") {
      return Integer(m, mp, d.start_time_unix_nano);
    }
    if (key == "timeUnixNano") {
      return Integer(m, mp, d.time_unix_nano);
    }
    if (key == "asDouble") {
      d.type = NumberType::kDouble;
      return Double(m, mp, d.as_double);
    }
    if (key == "asInt") {
      d.type = NumberType::kInt;
      return Integer(m, mp, d.as_int);
    }
    if (key == "exemplars") {
      return ExemplarsArray(m, mp, d.exemplars);
    }
    if (key == "flags") {
      return Integer(m, mp, d.flags);
    }
    return true;
  });
}

bool Decoder::HistogramPointObj(const Json& j, const Path& p, HistogramDataPoint& d) {
  return Members(j, p, [&](const std::string& key, const Json& m, const Path& mp) {
    if (key == "attributes") {
      return KeyValues(m, mp, 0, d.attributes);
    }
    if (key == "startTimeUnixNano") {
      return Integer(m, mp, d.start_time_unix_nano);
    }
    if (key == "timeUnixNano") {
      return Integer(m, mp, d.time_unix_nano);
    }
    if (key == "count") {
      return Integer(m, mp, d.count);
    }
    if (key == "sum") {
      return OptionalDouble(m, mp, d.sum);
    }
    if (key == "bucketCounts") {
      return U64Array(*this, m, mp, d.bucket_counts);
    }
    if (key == "explicitBounds") {
      return Elements(m, mp, [&](const Json& e, const Path& ep) {
        return Double(e, ep, d.explicit_bounds.emplace_back());
      });
    }
    if (key == "exemplars") {
      return ExemplarsArray(m, mp, d.exemplars);
    }
    if (key == "flags") {
      return Integer(m, mp, d.flags);
    }
    if (key == "min") {
      return OptionalDouble(m, mp, d.min);
    }
    if (key == "max") {
      return OptionalDouble(m, mp, d.max);
    }
    return true;
  });
}

bool Decoder::ExponentialPointObj(const Json& j, const Path& p, ExponentialHistogramDataPoint& d) {
  return Members(j, p, [&](const std::string& key, const Json& m, const Path& mp) {
    if (key == "attributes") {
      return KeyValues(m, mp, 0, d.attributes);
    }
    if (key == "startTimeUnixNano") {
      return Integer(m, mp, d.start_time_unix_nano);
    }
    if (key == "timeUnixNano") {
      return Integer(m, mp, d.time_unix_nano);
    }
    if (key == "count") {
      return Integer(m, mp, d.count);
    }
    if (key == "sum") {
      return OptionalDouble(m, mp, d.sum);
    }
    if (key == "scale") {
      return Integer(m, mp, d.scale);
    }
    if (key == "zeroCount") {
      return Integer(m, mp, d.zero_count);
    }
    if (key == "positive" || key == "negative") {
      ExponentialBuckets& b = key == "positive" ? d.positive : d.negative;
      return Members(m, mp, [&](const std::string& k, const Json& v, const Path& vp) {
        if (k == "offset") {
          return Integer(v, vp, b.offset);
        }
        if (k == "bucketCounts") {
          return U64Array(*this, v, vp, b.bucket_counts);
        }
        return true;
      });
    }
    if (key == "flags") {
      return Integer(m, mp, d.flags);
    }
    if (key == "exemplars") {
      return ExemplarsArray(m, mp, d.exemplars);
    }
    if (key == "min") {
      return OptionalDouble(m, mp, d.min);
    }
    if (key == "max") {
      return OptionalDouble(m, mp, d.max);
    }
    if (key == "zeroThreshold") {
      return Double(m, mp, d.zero_threshold);
    }
    return true;
  });
}

bool Decoder::MetricObj(const Json& j, const Path& p, Metric& metric) {
  using T = Metric::Type;
  return Members(j, p, [&](const std::string& key, const Json& m, const Path& mp) {
    if (key == "name") {
      return String(m, mp, metric.name);
    }
    if (key == "description") {
      return String(m, mp, metric.description);
    }
    if (key == "unit") {
      return String(m, mp, metric.unit);
    }
    if (key == "metadata") {
      return KeyValues(m, mp, 0, metric.metadata);
    }
    T type = T::kEmpty;
    if (key == "gauge") {
      type = T::kGauge;
    } else if (key == "sum") {
      type = T::kSum;
    } else if (key == "histogram") {
      type = T::kHistogram;
    } else if (key == "exponentialHistogram") {
      type = T::kExponentialHistogram;
    } else if (key == "summary") {
      type = T::kSummary;
    } else {
      return true;
    }
    if (m.is_null()) {
      return true;
    }
    if (metric.type != T::kEmpty) {
      return Fail(mp, "a metric holds one of gauge, sum, histogram, exponentialHistogram, summary");
    }
    metric.type = type;
    return Members(m, mp, [&](const std::string& k, const Json& v, const Path& vp) {
      if (k == "aggregationTemporality" && type != T::kGauge && type != T::kSummary) {
        std::int32_t t = 0;
        const bool ok =
            Enum(v, vp,
                 {"AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA",
                  "AGGREGATION_TEMPORALITY_CUMULATIVE"},
                 t);
        metric.temporality = static_cast<AggregationTemporality>(t);
        return ok;
      }
      if (k == "isMonotonic" && type == T::kSum) {
        return Bool(v, vp, metric.is_monotonic);
      }
      if (k != "dataPoints") {
        return true;
      }
      return Elements(v, vp, [&](const Json& e, const Path& ep) {
        switch (type) {
          case T::kGauge:
          case T::kSum:
            return NumberPointObj(e, ep, metric.number_points.emplace_back());
          case T::kHistogram:
            return HistogramPointObj(e, ep, metric.histogram_points.emplace_back());
          case T::kExponentialHistogram:
            return ExponentialPointObj(e, ep, metric.exponential_points.emplace_back());
          case T::kSummary: {
            SummaryDataPoint& d = metric.summary_points.emplace_back();
            return Members(e, ep, [&](const std::string& sk, const Json& sv, const Path& sp) {
              if (sk == "attributes") {
                return KeyValues(sv, sp, 0, d.attributes);
              }
              if (sk == "startTimeUnixNano") {
                return Integer(sv, sp, d.start_time_unix_nano);
              }
              if (sk == "timeUnixNano") {
                return Integer(sv, sp, d.time_unix_nano);
              }
              if (sk == "count") {
                return Integer(sv, sp, d.count);
              }
              if (sk == "sum") {
                return Double(sv, sp, d.sum);
              }
              if (sk == "flags") {
                return Integer(sv, sp, d.flags);
              }
              if (sk == "quantileValues") {
                return Elements(sv, sp, [&](const Json& qe, const Path& qp) {
                  ValueAtQuantile& q = d.quantile_values.emplace_back();
                  return Members(qe, qp,
                                 [&](const std::string& qk, const Json& qv, const Path& qvp) {
                                   if (qk == "quantile") {
                                     return Double(qv, qvp, q.quantile);
                                   }
                                   if (qk == "value") {
                                     return Double(qv, qvp, q.value);
                                   }
                                   return true;
                                 });
                });
              }
              return true;
            });
          }
          case T::kEmpty:
            break;
        }
        return true;
      });
    });
  });
}

}  // namespace obs::wire::otlp::internal_json

namespace obs::wire::otlp {

void EncodeMetricsJson(const MetricsData& data, std::string& out) {
  using internal_json::Writer;
  Writer w(out);
  w.Open('{');
  w.Key("resourceMetrics");
  w.Open('[');
  for (const ResourceMetrics& rm : data.resource_metrics) {
    w.Element();
    w.Open('{');
    internal_json::PutResource(w, rm.resource);
    w.Key("scopeMetrics");
    w.Open('[');
    for (const ScopeMetrics& sm : rm.scope_metrics) {
      w.Element();
      w.Open('{');
      internal_json::PutScope(w, sm.scope);
      w.Key("metrics");
      w.Open('[');
      for (const Metric& m : sm.metrics) {
        internal_json::PutMetric(w, m);
      }
      w.Close(']');
      w.StrIf("schemaUrl", sm.schema_url);
      w.Close('}');
    }
    w.Close(']');
    w.StrIf("schemaUrl", rm.schema_url);
    w.Close('}');
  }
  w.Close(']');
  w.Close('}');
}

Result<MetricsData> DecodeMetricsJson(std::string_view json) {
  OBS_ASSIGN_OR_RETURN(internal_json::Json j, internal_json::ParseJsonText(json, "otlp metrics"));
  internal_json::Decoder d("otlp metrics");
  MetricsData data;
  d.Top(j, "resourceMetrics", "scopeMetrics", "metrics", data.resource_metrics,
        [&](const internal_json::Json& e, const internal_json::Path& p, Metric& m) {
          return d.MetricObj(e, p, m);
        });
  if (!d.status().ok()) {
    return d.status();
  }
  return data;
}

}  // namespace obs::wire::otlp
