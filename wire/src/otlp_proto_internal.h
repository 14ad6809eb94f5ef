// Internal to wire/: the pieces of the OTLP protobuf codec that the traces,
// logs (otlp_proto.cc) and metrics (otlp_metrics_proto.cc) codecs share: the
// common-message writers, the Decoder with its error path, and the
// resource -> scope -> item skeleton every OTLP request has.
//
// Thread safety: a Decoder is used by one thread.

#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"
#include "obs/wire/otlp.h"

#include "otlp_path.h"
#include "proto_io.h"
#include "utf8.h"

namespace obs::wire::otlp::internal_proto {

using internal::Path;
using internal::ProtoField;
using internal::ProtoReader;
using internal::ProtoWriter;
using internal::WireType;

void PutValue(ProtoWriter& w, const AnyValue& v);
void PutKeyValues(ProtoWriter& w, std::uint32_t field, const std::vector<KeyValue>& kvs);
void PutResource(ProtoWriter& w, const Resource& r);
void PutScope(ProtoWriter& w, const InstrumentationScope& s);
void PutSpan(ProtoWriter& w, const Span& s);
void PutLogRecord(ProtoWriter& w, const LogRecord& r);
void PutMetric(ProtoWriter& w, const Metric& m);
std::string_view IdBytes(const TraceId& id);
std::string_view IdBytes(const SpanId& id);
std::uint64_t EnumBits(std::int32_t v);

class Decoder {
 public:
  explicit Decoder(std::string_view signal) : signal_(signal) {}

  Status& status() { return status_; }

  bool Fail(const Path& p, std::size_t offset, std::string_view problem) {
    if (status_.ok()) {
      status_ = InvalidArgumentError(std::string(signal_) + ": " + p.Render() + ": " +
                                     std::string(problem) + " at byte " + std::to_string(offset));
    }
    return false;
  }
  bool Want(const ProtoField& f, WireType t, const Path& p) {
    if (f.type == t) {
      return true;
    }
    return Fail(p, f.offset,
                "wire type " + std::to_string(static_cast<int>(f.type)) + ", want " +
                    std::to_string(static_cast<int>(t)));
  }
  bool String(const ProtoField& f, const Path& p, std::string& out) {
    if (!Want(f, WireType::kLengthDelimited, p)) {
      return false;
    }
    if (!internal::IsValidUtf8(f.bytes)) {
      return Fail(p, f.offset, "invalid UTF-8");
    }
    out.assign(f.bytes);
    return true;
  }
  template <std::size_t N>
  bool Id(const ProtoField& f, const Path& p, std::array<std::uint8_t, N>& id) {
    if (!Want(f, WireType::kLengthDelimited, p)) {
      return false;
    }
    if (f.bytes.empty()) {
      id = {};
      return true;
    }
    if (f.bytes.size() != N) {
      return Fail(
          p, f.offset,
          "id must be " + std::to_string(N) + " bytes, got " + std::to_string(f.bytes.size()));
    }
    std::memcpy(id.data(), f.bytes.data(), N);
    return true;
  }
  bool Varint32(const ProtoField& f, const Path& p, std::uint32_t& out) {
    if (!Want(f, WireType::kVarint, p)) {
      return false;
    }
    out = static_cast<std::uint32_t>(f.varint);
    return true;
  }
  bool Enum(const ProtoField& f, const Path& p, std::int32_t& out) {
    if (!Want(f, WireType::kVarint, p)) {
      return false;
    }
    out = static_cast<std::int32_t>(static_cast<std::uint32_t>(f.varint));
    return true;
  }
  bool Fixed64(const ProtoField& f, const Path& p, std::uint64_t& out) {
    if (!Want(f, WireType::kFixed64, p)) {
      return false;
    }
    out = f.varint;
    return true;
  }
  bool Fixed32(const ProtoField& f, const Path& p, std::uint32_t& out) {
    if (!Want(f, WireType::kFixed32, p)) {
      return false;
    }
    out = static_cast<std::uint32_t>(f.varint);
    return true;
  }

  bool Value(ProtoReader r, const Path& p, int depth, AnyValue& v);
  bool KeyValueMsg(ProtoReader r, const Path& p, int depth, KeyValue& kv);
  bool KeyValues(ProtoReader& r, const ProtoField& f, const Path& p, int depth,
                 std::vector<KeyValue>& out) {
    if (!Want(f, WireType::kLengthDelimited, p)) {
      return false;
    }
    const Path item(&p, nullptr, static_cast<long>(out.size()));
    return KeyValueMsg(r.Sub(f), item, depth, out.emplace_back());
  }
  bool ResourceMsg(ProtoReader r, const Path& p, Resource& res);
  bool ScopeMsg(ProtoReader r, const Path& p, InstrumentationScope& s);
  bool SpanMsg(ProtoReader r, const Path& p, Span& s);
  bool EventMsg(ProtoReader r, const Path& p, SpanEvent& e);
  bool LinkMsg(ProtoReader r, const Path& p, SpanLink& l);
  bool StatusMsg(ProtoReader r, const Path& p, SpanStatus& s);
  bool LogRecordMsg(ProtoReader r, const Path& p, LogRecord& l);
  // Metrics: otlp_metrics_proto.cc.
  bool MetricMsg(ProtoReader r, const Path& p, Metric& m);
  bool NumberPointMsg(ProtoReader r, const Path& p, NumberDataPoint& d);
  bool HistogramPointMsg(ProtoReader r, const Path& p, HistogramDataPoint& d);
  bool ExponentialPointMsg(ProtoReader r, const Path& p, ExponentialHistogramDataPoint& d);
  bool BucketsMsg(ProtoReader r, const Path& p, ExponentialBuckets& b);
  bool SummaryPointMsg(ProtoReader r, const Path& p, SummaryDataPoint& d);
  bool ExemplarMsg(ProtoReader r, const Path& p, Exemplar& e);
  bool OptionalDouble(const ProtoField& f, const Path& p, std::optional<double>& out);
  bool DoubleField(const ProtoField& f, const Path& p, double& out);

 private:
  std::string_view signal_;
  Status status_;
};

template <typename Top>
struct Shape;
// ResourceX { Resource resource = 1; repeated ScopeX scope_x = 2; string schema_url = 3; }
// ScopeX    { InstrumentationScope scope = 1; repeated Item items = 2; string schema_url = 3; }
template <typename Top, typename ItemFn>
Result<Top> DecodeTop(std::string_view bytes, std::string_view signal, const char* resource_name,
                      const char* scope_name, const char* item_name, ItemFn item_fn) {
  Decoder d(signal);
  Top top;
  ProtoReader r(bytes, 0, &d.status());
  ProtoField f;
  const Path root(nullptr, nullptr);
  while (r.Next(f)) {
    if (f.number != 1) {
      continue;
    }
    auto& resources = Shape<Top>::Resources(top);
    const Path rp(&root, resource_name, static_cast<long>(resources.size()));
    if (!d.Want(f, WireType::kLengthDelimited, rp)) {
      break;
    }
    auto& res = resources.emplace_back();
    ProtoReader rr = r.Sub(f);
    ProtoField rf;
    while (rr.Next(rf)) {
      if (rf.number == 1) {
        const Path p(&rp, "resource");
        if (!d.Want(rf, WireType::kLengthDelimited, p) ||
            !d.ResourceMsg(rr.Sub(rf), p, res.resource)) {
          break;
        }
      } else if (rf.number == 2) {
        auto& scopes = Shape<Top>::Scopes(res);
        const Path sp(&rp, scope_name, static_cast<long>(scopes.size()));
        if (!d.Want(rf, WireType::kLengthDelimited, sp)) {
          break;
        }
        auto& scope = scopes.emplace_back();
        ProtoReader sr = rr.Sub(rf);
        ProtoField sf;
        while (sr.Next(sf)) {
          if (sf.number == 1) {
            const Path p(&sp, "scope");
            if (!d.Want(sf, WireType::kLengthDelimited, p) ||
                !d.ScopeMsg(sr.Sub(sf), p, scope.scope)) {
              break;
            }
          } else if (sf.number == 2) {
            auto& items = Shape<Top>::Items(scope);
            const Path ip(&sp, item_name, static_cast<long>(items.size()));
            if (!d.Want(sf, WireType::kLengthDelimited, ip) ||
                !item_fn(d, sr.Sub(sf), ip, items.emplace_back())) {
              break;
            }
          } else if (sf.number == 3) {
            if (!d.String(sf, Path(&sp, "schemaUrl"), scope.schema_url)) {
              break;
            }
          }
        }
      } else if (rf.number == 3) {
        if (!d.String(rf, Path(&rp, "schemaUrl"), res.schema_url)) {
          break;
        }
      }
    }
    if (!d.status().ok()) {
      break;
    }
  }
  if (!d.status().ok()) {
    return d.status();
  }
  return top;
}

}  // namespace obs::wire::otlp::internal_proto
