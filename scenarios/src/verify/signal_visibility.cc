#include "verify/signal_visibility.h"

#include <chrono>
#include <random>
#include <thread>

#include "obs/base/civil_time.h"
#include "obs/wire/loki.h"
#include "obs/wire/otlp.h"
#include "obs/wire/snappy.h"

#include "verify/log_check.h"

namespace obs::scenarios {
namespace {

namespace otlp = wire::otlp;

SteadyClock::duration Seconds(double s) {
  return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(s));
}

struct Probe {
  std::string body;          // What to POST.
  std::string content_type;  // Its type.
  std::string lookup;        // The GET that finds it.
  std::string line;          // Logs: the text to find.
};

Probe TraceProbe(std::mt19937_64& rng, TraceApi api, std::int64_t now_ns, int k) {
  otlp::TracesData data;
  auto& rs = data.resource_spans.emplace_back();
  rs.resource.attributes = {{"service.name", otlp::AnyValue::String("obsbench-probe")}};
  otlp::Span& s = rs.scope_spans.emplace_back().spans.emplace_back();
  for (auto& b : s.trace_id) {
    b = static_cast<std::uint8_t>(rng());
  }
  for (auto& b : s.span_id) {
    b = static_cast<std::uint8_t>(rng());
  }
  s.trace_id[0] |= 1;
  s.span_id[0] |= 1;
  s.name = "visibility probe " + std::to_string(k);
  s.kind = otlp::SpanKind::kInternal;
  s.start_time_unix_nano = static_cast<std::uint64_t>(now_ns);
  s.end_time_unix_nano = static_cast<std::uint64_t>(now_ns) + 1000;
  Probe p;
  otlp::EncodeTraces(data, p.body);
  p.content_type = std::string(otlp::kProtobufContentType);
  const std::string hex = otlp::Hex(s.trace_id);
  p.lookup = api == TraceApi::kJaeger ? "/api/traces/" + hex : "/api/v2/traces/" + hex;
  return p;
}

Probe LogProbe(std::mt19937_64& rng, LogQueryApi api, const std::string& run_id,
               std::int64_t now_ns, int k) {
  wire::loki::PushRequest push;
  auto& s = push.streams.emplace_back();
  s.labels = {{"obsbench_probe", run_id.empty() ? "probe" : run_id}};
  Probe p;
  p.line = "obsbench visibility probe " + std::to_string(k) + " " + std::to_string(rng());
  s.entries.push_back({now_ns, p.line, {}});
  std::string raw;
  wire::loki::EncodePushProto(push, raw);
  p.body = wire::SnappyCompress(raw);
  p.content_type = "application/x-protobuf";
  const std::string selector = "{obsbench_probe=\"" + s.labels[0].value + "\"}";
  if (api == LogQueryApi::kVictoriaLogs) {
    p.lookup = "/select/logsql/query?query=" + QueryComponentEscape("_stream:" + selector) +
               "&start=" + QueryComponentEscape(FormatRfc3339Nanos(now_ns)) +
               "&end=" + QueryComponentEscape(FormatRfc3339Nanos(now_ns + 1));
    return p;
  }
  p.lookup = "/loki/api/v1/query_range?direction=forward&limit=100&query=" +
             QueryComponentEscape(selector) + "&start=" + std::to_string(now_ns) +
             "&end=" + std::to_string(now_ns + 1);
  return p;
}

}  // namespace

Result<VisibilityRecord> MeasureSignalVisibility(QueryClient& client,
                                                 const SignalVisibilityOptions& o,
                                                 const Clock& clock,
                                                 const std::atomic<bool>* stop) {
  if (o.probes < 0 || !(o.probe_timeout_seconds > 0) || !(o.poll_interval_seconds > 0)) {
    return InvalidArgumentError("visibility probes: bad options");
  }
  VisibilityRecord rec;
  rec.checked = true;
  rec.protocol = o.signal == ProbeSignal::kTraces ? "otlp" : "loki_push";
  rec.poll_interval_ns = ToNanos(Seconds(o.poll_interval_seconds));
  std::mt19937_64 rng(std::random_device{}());
  const SteadyClock::time_point start = clock.SteadyNow();
  auto stopped = [&] {
    return stop != nullptr && stop->load(std::memory_order_relaxed);
  };
  for (int k = 0; k < o.probes && !stopped(); ++k) {
    const SteadyClock::time_point slot =
        start + Seconds(o.spread_seconds * static_cast<double>(k) / std::max(1, o.probes));
    while (clock.SteadyNow() < slot && !stopped()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    const std::int64_t now_ns = clock.UnixMillisNow() * 1000000;
    const Probe p = o.signal == ProbeSignal::kTraces
                        ? TraceProbe(rng, o.trace_api, now_ns, k)
                        : LogProbe(rng, o.log_api, o.run_id, now_ns, k);
    ++rec.probes;
    // Write until acknowledged (or the probe's time is up).
    const SteadyClock::time_point write_deadline =
        clock.SteadyNow() + Seconds(o.probe_timeout_seconds);
    bool acked = false;
    while (!acked && clock.SteadyNow() < write_deadline) {
      auto r = client.PostBody(o.write_url, p.body, p.content_type);
      if (r.ok() && r->status >= 200 && r->status < 300) {
        acked = true;
      } else if (r.ok() && r->status >= 400 && r->status < 500 && r->status != 429) {
        return InvalidArgumentError("visibility probe write answered " + std::to_string(r->status) +
                                    ": " + r->body.substr(0, 200));
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    if (!acked) {
      ++rec.timed_out;
      continue;
    }
    const SteadyClock::time_point ack = clock.SteadyNow();
    const SteadyClock::time_point deadline = ack + Seconds(o.probe_timeout_seconds);
    bool seen = false;
    while (!seen && clock.SteadyNow() < deadline) {
      OBS_ASSIGN_OR_RETURN(FetchResult r, client.Fetch(p.lookup));
      if (r.status == 200) {
        if (o.signal == ProbeSignal::kTraces) {
          auto spans =
              o.trace_api == TraceApi::kJaeger ? ParseJaegerTrace(r.body) : ParseTempoTrace(r.body);
          OBS_RETURN_IF_ERROR(spans.status());
          seen = !spans->empty();
        } else {
          OBS_ASSIGN_OR_RETURN(std::vector<ReceivedLine> lines,
                               o.log_api == LogQueryApi::kVictoriaLogs
                                   ? ParseVictoriaLogsLines(r.body)
                                   : ParseLokiStreams(r.body));
          for (const ReceivedLine& l : lines) {
            seen = seen || l.line == p.line;
          }
        }
      } else if (r.status != 404) {
        return InvalidArgumentError("visibility probe lookup answered " + std::to_string(r.status) +
                                    ": " + r.body.substr(0, 200));
      }
      if (seen) {
        rec.lag.Record(ToNanos(clock.SteadyNow() - ack));
        ++rec.visible;
        break;
      }
      std::this_thread::sleep_for(Seconds(o.poll_interval_seconds));
    }
    if (!seen) {
      ++rec.timed_out;
    }
  }
  return rec;
}

}  // namespace obs::scenarios
