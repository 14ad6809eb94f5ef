// Feeds arbitrary bytes to every OTLP/HTTP and Loki push decoder the backend
// exposes: protobuf and JSON traces, metrics and logs (and the metrics'
// translation to Prometheus series), export responses, google.rpc
// Status, Loki protobuf (raw and through snappy) and JSON, and gzip. Errors
// are fine; a crash, a leak or undefined behaviour is a bug. Whatever decodes
// must re-encode and decode to the same value.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "obs/base/check.h"
#include "obs/wire/gzip.h"
#include "obs/wire/loki.h"
#include "obs/wire/otlp.h"
#include "obs/wire/otlp_prometheus.h"
#include "obs/wire/snappy.h"

namespace otlp = obs::wire::otlp;
namespace loki = obs::wire::loki;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto t = otlp::DecodeTraces(bytes); t.ok()) {
    std::string again;
    otlp::EncodeTraces(*t, again);
    auto back = otlp::DecodeTraces(again);
    OBS_CHECK(back.ok() && *back == *t) << "traces protobuf does not round-trip";
    std::string json;
    otlp::EncodeTracesJson(*t, json);
    auto from_json = otlp::DecodeTracesJson(json);
    OBS_CHECK(from_json.ok()) << "encoded JSON does not decode: " << from_json.status();
  }
  if (auto l = otlp::DecodeLogs(bytes); l.ok()) {
    std::string again;
    otlp::EncodeLogs(*l, again);
    auto back = otlp::DecodeLogs(again);
    OBS_CHECK(back.ok() && *back == *l) << "logs protobuf does not round-trip";
  }
  if (auto t = otlp::DecodeTracesJson(bytes); t.ok()) {
    std::string json;
    otlp::EncodeTracesJson(*t, json);
    auto back = otlp::DecodeTracesJson(json);
    OBS_CHECK(back.ok() && *back == *t) << "traces JSON does not round-trip: " << json;
  }
  if (auto l = otlp::DecodeLogsJson(bytes); l.ok()) {
    std::string json;
    otlp::EncodeLogsJson(*l, json);
    auto back = otlp::DecodeLogsJson(json);
    OBS_CHECK(back.ok() && *back == *l) << "logs JSON does not round-trip: " << json;
  }
  // Metrics hold doubles (NaN != NaN), so their round trip is checked as a
  // fixpoint of the canonical encoding rather than by value equality.
  if (auto m = otlp::DecodeMetrics(bytes); m.ok()) {
    std::string once;
    otlp::EncodeMetrics(*m, once);
    auto back = otlp::DecodeMetrics(once);
    OBS_CHECK(back.ok()) << "metrics protobuf does not re-decode: " << back.status();
    std::string twice;
    otlp::EncodeMetrics(*back, twice);
    OBS_CHECK(once == twice) << "metrics protobuf does not round-trip";
    (void)otlp::TranslateToPrometheus(*m);
  }
  if (auto m = otlp::DecodeMetricsJson(bytes); m.ok()) {
    std::string once;
    otlp::EncodeMetricsJson(*m, once);
    auto back = otlp::DecodeMetricsJson(once);
    OBS_CHECK(back.ok()) << "metrics JSON does not re-decode: " << back.status() << ": " << once;
    std::string twice;
    otlp::EncodeMetricsJson(*back, twice);
    OBS_CHECK(once == twice) << "metrics JSON does not round-trip: " << once;
    (void)otlp::TranslateToPrometheus(*m);
  }
  for (auto e : {otlp::Encoding::kProtobuf, otlp::Encoding::kJson}) {
    (void)otlp::DecodeExportResponse(otlp::Signal::kTraces, bytes, e);
    (void)otlp::DecodeExportResponse(otlp::Signal::kMetrics, bytes, e);
    (void)otlp::DecodeRpcStatus(bytes, e);
  }
  if (auto p = loki::DecodePushProto(bytes); p.ok()) {
    std::string again;
    loki::EncodePushProto(*p, again);
    auto back = loki::DecodePushProto(again);
    OBS_CHECK(back.ok() && *back == *p) << "loki protobuf does not round-trip";
  }
  if (auto raw = obs::wire::SnappyUncompress(bytes, 1 << 20); raw.ok()) {
    (void)loki::DecodePushProto(*raw);
  }
  (void)loki::DecodePushJson(bytes);
  (void)obs::wire::Decompress(bytes, obs::wire::ContentCoding::kGzip, 1 << 20);
  return 0;
}
