// OTLP metrics in protobuf: the canonical encoder and the bounds-checked
// decoder for metrics/v1 (gauge, sum, histogram, exponential histogram,
// summary, exemplars), on the shared skeleton of otlp_proto_internal.h.
// Field numbers: docs/wire.md. The decoder checks the wire, not the meaning
// (bucket counts that do not match the bounds decode fine; the backend's
// translation refuses such a point).

#include <cstring>
#include <optional>

#include "obs/wire/otlp.h"

#include "otlp_proto_internal.h"

namespace obs::wire::otlp::internal_proto {
namespace {

std::uint64_t DoubleBits(double v) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

double BitsDouble(std::uint64_t bits) {
  double v = 0;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::uint32_t ZigZag32(std::int32_t v) {
  return (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31);
}

std::int32_t UnZigZag32(std::uint64_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  return static_cast<std::int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

void PackedFixed64(ProtoWriter& w, std::uint32_t field, const std::vector<std::uint64_t>& values) {
  if (values.empty()) {
    return;
  }
  std::string buf(values.size() * 8, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    internal::WriteFixed64(buf.data() + 8 * i, values[i]);
  }
  w.Bytes(field, buf);
}

void PackedDoubles(ProtoWriter& w, std::uint32_t field, const std::vector<double>& values) {
  if (values.empty()) {
    return;
  }
  std::string buf(values.size() * 8, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) {
    internal::WriteFixed64(buf.data() + 8 * i, DoubleBits(values[i]));
  }
  w.Bytes(field, buf);
}

void PackedVarints(ProtoWriter& w, std::uint32_t field, const std::vector<std::uint64_t>& values) {
  if (values.empty()) {
    return;
  }
  std::string buf;
  char tmp[internal::kMaxVarintBytes];
  for (std::uint64_t v : values) {
    buf.append(tmp, static_cast<std::size_t>(internal::WriteVarint(tmp, v) - tmp));
  }
  w.Bytes(field, buf);
}

void OptionalDoubleField(ProtoWriter& w, std::uint32_t field, const std::optional<double>& v) {
  if (v.has_value()) {
    w.Double(field, *v);
  }
}

void PutExemplars(ProtoWriter& w, std::uint32_t field, const std::vector<Exemplar>& exemplars) {
  for (const Exemplar& e : exemplars) {
    const std::size_t m = w.BeginMessage(field);
    w.Fixed64If(2, e.time_unix_nano);
    if (e.type == NumberType::kDouble) {
      w.Double(3, e.as_double);
    }
    w.BytesIf(4, IdBytes(e.span_id));
    w.BytesIf(5, IdBytes(e.trace_id));
    if (e.type == NumberType::kInt) {
      w.Fixed64(6, static_cast<std::uint64_t>(e.as_int));
    }
    PutKeyValues(w, 7, e.filtered_attributes);
    w.EndMessage(m);
  }
}

void PutNumberPoint(ProtoWriter& w, const NumberDataPoint& d) {
  const std::size_t m = w.BeginMessage(1);
  w.Fixed64If(2, d.start_time_unix_nano);
  w.Fixed64If(3, d.time_unix_nano);
  if (d.type == NumberType::kDouble) {
    w.Double(4, d.as_double);
  }
  PutExemplars(w, 5, d.exemplars);
  if (d.type == NumberType::kInt) {
    w.Fixed64(6, static_cast<std::uint64_t>(d.as_int));
  }
  PutKeyValues(w, 7, d.attributes);
  w.VarintIf(8, d.flags);
  w.EndMessage(m);
}

void PutHistogramPoint(ProtoWriter& w, const HistogramDataPoint& d) {
  const std::size_t m = w.BeginMessage(1);
  w.Fixed64If(2, d.start_time_unix_nano);
  w.Fixed64If(3, d.time_unix_nano);
  w.Fixed64If(4, d.count);
  OptionalDoubleField(w, 5, d.sum);
  PackedFixed64(w, 6, d.bucket_counts);
  PackedDoubles(w, 7, d.explicit_bounds);
  PutExemplars(w, 8, d.exemplars);
  PutKeyValues(w, 9, d.attributes);
  w.VarintIf(10, d.flags);
  OptionalDoubleField(w, 11, d.min);
  OptionalDoubleField(w, 12, d.max);
  w.EndMessage(m);
}

void PutBuckets(ProtoWriter& w, std::uint32_t field, const ExponentialBuckets& b) {
  if (b == ExponentialBuckets{}) {
    return;
  }
  const std::size_t m = w.BeginMessage(field);
  w.VarintIf(1, ZigZag32(b.offset));
  PackedVarints(w, 2, b.bucket_counts);
  w.EndMessage(m);
}

void PutExponentialPoint(ProtoWriter& w, const ExponentialHistogramDataPoint& d) {
  const std::size_t m = w.BeginMessage(1);
  PutKeyValues(w, 1, d.attributes);
  w.Fixed64If(2, d.start_time_unix_nano);
  w.Fixed64If(3, d.time_unix_nano);
  w.Fixed64If(4, d.count);
  OptionalDoubleField(w, 5, d.sum);
  w.VarintIf(6, ZigZag32(d.scale));
  w.Fixed64If(7, d.zero_count);
  PutBuckets(w, 8, d.positive);
  PutBuckets(w, 9, d.negative);
  w.VarintIf(10, d.flags);
  PutExemplars(w, 11, d.exemplars);
  OptionalDoubleField(w, 12, d.min);
  OptionalDoubleField(w, 13, d.max);
  if (DoubleBits(d.zero_threshold) != 0) {
    w.Double(14, d.zero_threshold);
  }
  w.EndMessage(m);
}

void PutSummaryPoint(ProtoWriter& w, const SummaryDataPoint& d) {
  const std::size_t m = w.BeginMessage(1);
  w.Fixed64If(2, d.start_time_unix_nano);
  w.Fixed64If(3, d.time_unix_nano);
  w.Fixed64If(4, d.count);
  if (DoubleBits(d.sum) != 0) {
    w.Double(5, d.sum);
  }
  for (const ValueAtQuantile& q : d.quantile_values) {
    const std::size_t mq = w.BeginMessage(6);
    if (DoubleBits(q.quantile) != 0) {
      w.Double(1, q.quantile);
    }
    if (DoubleBits(q.value) != 0) {
      w.Double(2, q.value);
    }
    w.EndMessage(mq);
  }
  PutKeyValues(w, 7, d.attributes);
  w.VarintIf(8, d.flags);
  w.EndMessage(m);
}

}  // namespace

void PutMetric(ProtoWriter& w, const Metric& metric) {
  const std::size_t m = w.BeginMessage(2);
  w.BytesIf(1, metric.name);
  w.BytesIf(2, metric.description);
  w.BytesIf(3, metric.unit);
  using T = Metric::Type;
  const auto temporality = EnumBits(static_cast<std::int32_t>(metric.temporality));
  switch (metric.type) {
    case T::kEmpty:
      break;
    case T::kGauge: {
      const std::size_t md = w.BeginMessage(5);
      for (const NumberDataPoint& d : metric.number_points) {
        PutNumberPoint(w, d);
      }
      w.EndMessage(md);
      break;
    }
    case T::kSum: {
      const std::size_t md = w.BeginMessage(7);
      for (const NumberDataPoint& d : metric.number_points) {
        PutNumberPoint(w, d);
      }
      w.VarintIf(2, temporality);
      w.VarintIf(3, metric.is_monotonic ? 1 : 0);
      w.EndMessage(md);
      break;
    }
    case T::kHistogram: {
      const std::size_t md = w.BeginMessage(9);
      for (const HistogramDataPoint& d : metric.histogram_points) {
        PutHistogramPoint(w, d);
      }
      w.VarintIf(2, temporality);
      w.EndMessage(md);
      break;
    }
    case T::kExponentialHistogram: {
      const std::size_t md = w.BeginMessage(10);
      for (const ExponentialHistogramDataPoint& d : metric.exponential_points) {
        PutExponentialPoint(w, d);
      }
      w.VarintIf(2, temporality);
      w.EndMessage(md);
      break;
    }
    case T::kSummary: {
      const std::size_t md = w.BeginMessage(11);
      for (const SummaryDataPoint& d : metric.summary_points) {
        PutSummaryPoint(w, d);
      }
      w.EndMessage(md);
      break;
    }
  }
  PutKeyValues(w, 12, metric.metadata);
  w.EndMessage(m);
}

// ---------------------------------------------------------------- decoding

bool Decoder::DoubleField(const ProtoField& f, const Path& p, double& out) {
  if (!Want(f, WireType::kFixed64, p)) {
    return false;
  }
  out = BitsDouble(f.varint);
  return true;
}

bool Decoder::OptionalDouble(const ProtoField& f, const Path& p, std::optional<double>& out) {
  double v = 0;
  if (!DoubleField(f, p, v)) {
    return false;
  }
  out = v;
  return true;
}

bool Decoder::ExemplarMsg(ProtoReader r, const Path& p, Exemplar& e) {
  ProtoField f;
  while (r.Next(f)) {
    bool ok = true;
    switch (f.number) {
      case 2:
        ok = Fixed64(f, Path(&p, "timeUnixNano"), e.time_unix_nano);
        break;
      case 3:
        e.type = NumberType::kDouble;
        ok = DoubleField(f, Path(&p, "asDouble"), e.as_double);
        break;
      case 4:
        ok = Id(f, Path(&p, "spanId"), e.span_id);
        break;
      case 5:
        ok = Id(f, Path(&p, "traceId"), e.trace_id);
        break;
      case 6: {
        std::uint64_t bits = 0;
        ok = Fixed64(f, Path(&p, "asInt"), bits);
        e.type = NumberType::kInt;
        e.as_int = static_cast<std::int64_t>(bits);
        break;
      }
      case 7:
        ok = KeyValues(r, f, Path(&p, "filteredAttributes"), 0, e.filtered_attributes);
        break;
      default:
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return status().ok();
}

namespace {

// Parses one more element of a repeated message field into `items`.
template <typename Item, typename Fn>
bool Repeated(Decoder& d, ProtoReader& r, const ProtoField& f, const Path& p, const char* name,
              std::vector<Item>& items, Fn fn) {
  const Path ip(&p, name, static_cast<long>(items.size()));
  return d.Want(f, WireType::kLengthDelimited, ip) && fn(r.Sub(f), ip, items.emplace_back());
}

}  // namespace

bool Decoder::NumberPointMsg(ProtoReader r, const Path& p, NumberDataPoint& d) {
  ProtoField f;
  while (r.Next(f)) {
    bool ok = true;
    switch (f.number) {
      case 2:
        ok = Fixed64(f, Path(&p, "startTimeUnixNano"), d.start_time_unix_nano);
        break;
      case 3:
        ok = Fixed64(f, Path(&p, "timeUnixNano"), d.time_unix_nano);
        break;
      case 4:
        d.type = NumberType::kDouble;
        ok = DoubleField(f, Path(&p, "asDouble"), d.as_double);
        break;
      case 5:
        ok = Repeated(
            *this, r, f, p, "exemplars", d.exemplars,
            [&](ProtoReader sub, const Path& ep, Exemplar& e) { return ExemplarMsg(sub, ep, e); });
        break;
      case 6: {
        std::uint64_t bits = 0;
        ok = Fixed64(f, Path(&p, "asInt"), bits);
        d.type = NumberType::kInt;
        d.as_int = static_cast<std::int64_t>(bits);
        break;
      }
      case 7:
        ok = KeyValues(r, f, Path(&p, "attributes"), 0, d.attributes);
        break;
      case 8:
        ok = Varint32(f, Path(&p, "flags"), d.flags);
        break;
      default:
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return status().ok();
}

bool Decoder::HistogramPointMsg(ProtoReader r, const Path& p, HistogramDataPoint& d) {
  ProtoField f;
  while (r.Next(f)) {
    bool ok = true;
    switch (f.number) {
      case 2:
        ok = Fixed64(f, Path(&p, "startTimeUnixNano"), d.start_time_unix_nano);
        break;
      case 3:
        ok = Fixed64(f, Path(&p, "timeUnixNano"), d.time_unix_nano);
        break;
      case 4:
        ok = Fixed64(f, Path(&p, "count"), d.count);
        break;
      case 5:
        ok = OptionalDouble(f, Path(&p, "sum"), d.sum);
        break;
      case 6:
        ok = internal::ForEachPacked(r, f, WireType::kFixed64, "bucketCounts",
                                     [&](std::uint64_t v) { d.bucket_counts.push_back(v); });
        break;
      case 7:
        ok = internal::ForEachPacked(
            r, f, WireType::kFixed64, "explicitBounds",
            [&](std::uint64_t v) { d.explicit_bounds.push_back(BitsDouble(v)); });
        break;
      case 8:
        ok = Repeated(
            *this, r, f, p, "exemplars", d.exemplars,
            [&](ProtoReader sub, const Path& ep, Exemplar& e) { return ExemplarMsg(sub, ep, e); });
        break;
      case 9:
        ok = KeyValues(r, f, Path(&p, "attributes"), 0, d.attributes);
        break;
      case 10:
        ok = Varint32(f, Path(&p, "flags"), d.flags);
        break;
      case 11:
        ok = OptionalDouble(f, Path(&p, "min"), d.min);
        break;
      case 12:
        ok = OptionalDouble(f, Path(&p, "max"), d.max);
        break;
      default:
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return status().ok();
}

bool Decoder::BucketsMsg(ProtoReader r, const Path& p, ExponentialBuckets& b) {
  ProtoField f;
  while (r.Next(f)) {
    bool ok = true;
    if (f.number == 1) {
      ok = Want(f, WireType::kVarint, Path(&p, "offset"));
      b.offset = UnZigZag32(f.varint);
    } else if (f.number == 2) {
      ok = internal::ForEachPacked(r, f, WireType::kVarint, "bucketCounts",
                                   [&](std::uint64_t v) { b.bucket_counts.push_back(v); });
    }
    if (!ok) {
      return false;
    }
  }
  return status().ok();
}

bool Decoder::ExponentialPointMsg(ProtoReader r, const Path& p, ExponentialHistogramDataPoint& d) {
  ProtoField f;
  while (r.Next(f)) {
    bool ok = true;
    switch (f.number) {
      case 1:
        ok = KeyValues(r, f, Path(&p, "attributes"), 0, d.attributes);
        break;
      case 2:
        ok = Fixed64(f, Path(&p, "startTimeUnixNano"), d.start_time_unix_nano);
        break;
      case 3:
        ok = Fixed64(f, Path(&p, "timeUnixNano"), d.time_unix_nano);
        break;
      case 4:
        ok = Fixed64(f, Path(&p, "count"), d.count);
        break;
      case 5:
        ok = OptionalDouble(f, Path(&p, "sum"), d.sum);
        break;
      case 6:
        ok = Want(f, WireType::kVarint, Path(&p, "scale"));
        d.scale = UnZigZag32(f.varint);
        break;
      case 7:
        ok = Fixed64(f, Path(&p, "zeroCount"), d.zero_count);
        break;
      case 8:
      case 9: {
        const Path bp(&p, f.number == 8 ? "positive" : "negative");
        ok = Want(f, WireType::kLengthDelimited, bp) &&
             BucketsMsg(r.Sub(f), bp, f.number == 8 ? d.positive : d.negative);
        break;
      }
      case 10:
        ok = Varint32(f, Path(&p, "flags"), d.flags);
        break;
      case 11:
        ok = Repeated(
            *this, r, f, p, "exemplars", d.exemplars,
            [&](ProtoReader sub, const Path& ep, Exemplar& e) { return ExemplarMsg(sub, ep, e); });
        break;
      case 12:
        ok = OptionalDouble(f, Path(&p, "min"), d.min);
        break;
      case 13:
        ok = OptionalDouble(f, Path(&p, "max"), d.max);
        break;
      case 14:
        ok = DoubleField(f, Path(&p, "zeroThreshold"), d.zero_threshold);
        break;
      default:
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return status().ok();
}

bool Decoder::SummaryPointMsg(ProtoReader r, const Path& p, SummaryDataPoint& d) {
  ProtoField f;
  while (r.Next(f)) {
    bool ok = true;
    switch (f.number) {
      case 2:
        ok = Fixed64(f, Path(&p, "startTimeUnixNano"), d.start_time_unix_nano);
        break;
      case 3:
        ok = Fixed64(f, Path(&p, "timeUnixNano"), d.time_unix_nano);
        break;
      case 4:
        ok = Fixed64(f, Path(&p, "count"), d.count);
        break;
      case 5:
        ok = DoubleField(f, Path(&p, "sum"), d.sum);
        break;
      case 6:
        ok = Repeated(
            *this, r, f, p, "quantileValues", d.quantile_values,
            [&](ProtoReader sub, const Path& qp, ValueAtQuantile& q) {
              ProtoField qf;
              while (sub.Next(qf)) {
                if (qf.number == 1 && !DoubleField(qf, Path(&qp, "quantile"), q.quantile)) {
                  return false;
                }
                if (qf.number == 2 && !DoubleField(qf, Path(&qp, "value"), q.value)) {
                  return false;
                }
              }
              return status().ok();
            });
        break;
      case 7:
        ok = KeyValues(r, f, Path(&p, "attributes"), 0, d.attributes);
        break;
      case 8:
        ok = Varint32(f, Path(&p, "flags"), d.flags);
        break;
      default:
        break;
    }
    if (!ok) {
      return false;
    }
  }
  return status().ok();
}

bool Decoder::MetricMsg(ProtoReader r, const Path& p, Metric& m) {
  using T = Metric::Type;
  ProtoField f;
  while (r.Next(f)) {
    bool ok = true;
    T type = T::kEmpty;
    const char* name = nullptr;
    switch (f.number) {
      case 1:
        ok = String(f, Path(&p, "name"), m.name);
        break;
      case 2:
        ok = String(f, Path(&p, "description"), m.description);
        break;
      case 3:
        ok = String(f, Path(&p, "unit"), m.unit);
        break;
      case 5:
        type = T::kGauge;
        name = "gauge";
        break;
      case 7:
        type = T::kSum;
        name = "sum";
        break;
      case 9:
        type = T::kHistogram;
        name = "histogram";
        break;
      case 10:
        type = T::kExponentialHistogram;
        name = "exponentialHistogram";
        break;
      case 11:
        type = T::kSummary;
        name = "summary";
        break;
      case 12:
        ok = KeyValues(r, f, Path(&p, "metadata"), 0, m.metadata);
        break;
      default:
        break;
    }
    if (ok && type != T::kEmpty) {
      const Path dp(&p, name);
      if (!Want(f, WireType::kLengthDelimited, dp)) {
        return false;
      }
      if (m.type != type) {  // A later oneof member replaces an earlier one.
        m.number_points.clear();
        m.histogram_points.clear();
        m.exponential_points.clear();
        m.summary_points.clear();
        m.temporality = AggregationTemporality::kUnspecified;
        m.is_monotonic = false;
        m.type = type;
      }
      ProtoReader dr = r.Sub(f);
      ProtoField df;
      while (ok && dr.Next(df)) {
        if (df.number == 1) {
          switch (type) {
            case T::kGauge:
            case T::kSum:
              ok = Repeated(*this, dr, df, dp, "dataPoints", m.number_points,
                            [&](ProtoReader sub, const Path& ip, NumberDataPoint& d) {
                              return NumberPointMsg(sub, ip, d);
                            });
              break;
            case T::kHistogram:
              ok = Repeated(*this, dr, df, dp, "dataPoints", m.histogram_points,
                            [&](ProtoReader sub, const Path& ip, HistogramDataPoint& d) {
                              return HistogramPointMsg(sub, ip, d);
                            });
              break;
            case T::kExponentialHistogram:
              ok = Repeated(*this, dr, df, dp, "dataPoints", m.exponential_points,
                            [&](ProtoReader sub, const Path& ip, ExponentialHistogramDataPoint& d) {
                              return ExponentialPointMsg(sub, ip, d);
                            });
              break;
            case T::kSummary:
              ok = Repeated(*this, dr, df, dp, "dataPoints", m.summary_points,
                            [&](ProtoReader sub, const Path& ip, SummaryDataPoint& d) {
                              return SummaryPointMsg(sub, ip, d);
                            });
              break;
            case T::kEmpty:
              break;
          }
        } else if (df.number == 2 && type != T::kGauge && type != T::kSummary) {
          std::int32_t t = 0;
          ok = Enum(df, Path(&dp, "aggregationTemporality"), t);
          m.temporality = static_cast<AggregationTemporality>(t);
        } else if (df.number == 3 && type == T::kSum) {
          ok = Want(df, WireType::kVarint, Path(&dp, "isMonotonic"));
          m.is_monotonic = df.varint != 0;
        }
      }
      ok = ok && status().ok();
    }
    if (!ok) {
      return false;
    }
  }
  return status().ok();
}

template <>
struct Shape<MetricsData> {
  static auto& Resources(MetricsData& t) { return t.resource_metrics; }
  static auto& Scopes(ResourceMetrics& r) { return r.scope_metrics; }
  static auto& Items(ScopeMetrics& s) { return s.metrics; }
};

}  // namespace obs::wire::otlp::internal_proto

namespace obs::wire::otlp {

void EncodeMetrics(const MetricsData& data, std::string& out) {
  internal_proto::ProtoWriter w(out);
  for (const ResourceMetrics& rm : data.resource_metrics) {
    const std::size_t m = w.BeginMessage(1);
    internal_proto::PutResource(w, rm.resource);
    for (const ScopeMetrics& sm : rm.scope_metrics) {
      const std::size_t ms = w.BeginMessage(2);
      internal_proto::PutScope(w, sm.scope);
      for (const Metric& metric : sm.metrics) {
        internal_proto::PutMetric(w, metric);
      }
      w.BytesIf(3, sm.schema_url);
      w.EndMessage(ms);
    }
    w.BytesIf(3, rm.schema_url);
    w.EndMessage(m);
  }
}

Result<MetricsData> DecodeMetrics(std::string_view bytes) {
  using internal_proto::Decoder;
  return internal_proto::DecodeTop<MetricsData>(
      bytes, "otlp metrics", "resourceMetrics", "scopeMetrics", "metrics",
      [](Decoder& d, internal_proto::ProtoReader r, const internal_proto::Path& p, Metric& m) {
        return d.MetricMsg(r, p, m);
      });
}

}  // namespace obs::wire::otlp
