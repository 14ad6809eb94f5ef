// The OTLP/HTTP exporter's request rules, shared by the trace and metric
// load generators: the protocol headers, and sending one export until it is
// settled (OTLP/HTTP "Failures": 429/502/503/504 and transport errors are
// retried with backoff, honouring Retry-After; any other non-2xx is
// permanent; a 2xx may carry partial_success with a rejected count).
//
// Thread safety: functions; the client, RNG and record belong to the caller.

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <string_view>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/loadgen/remote_write.h"
#include "obs/wire/otlp.h"

#include "http_client.h"
#include "url.h"

namespace obs::loadgen::internal {

// Content-Type for `encoding`, Content-Encoding: gzip when `gzip`, the
// User-Agent, then the user's headers and the bearer token.
HttpClientOptions OtlpHttpOptions(const HttpUrl& url, wire::otlp::Encoding encoding, bool gzip,
                                  const std::map<std::string, std::string>& headers,
                                  const std::string& bearer_token, double timeout_seconds);

struct OtlpExport {
  wire::otlp::Signal signal = wire::otlp::Signal::kTraces;
  wire::otlp::Encoding encoding = wire::otlp::Encoding::kProtobuf;
  const RetryOptions* retry = nullptr;
  const Clock* clock = nullptr;
  SteadyClock::time_point send_due;        // Latency (corrected) is measured from here.
  SteadyClock::time_point retry_deadline;  // No retry starts after this.
  SteadyClock::duration late_threshold{};  // A first send later than due + this is "late".
  // Sleeps until the time given; false when the run is stopping.
  std::function<bool(SteadyClock::time_point)> sleep_until;
};

enum class OtlpFate : std::uint8_t { kAcked, kPartial, kRejected, kFailed };

struct OtlpSettled {
  OtlpFate fate = OtlpFate::kFailed;
  std::int64_t rejected = 0;  // kPartial: items the target said it rejected.
  SteadyClock::time_point first_send{};
  SteadyClock::time_point answer{};
};

// Posts `payload` until settled, counting attempts, retries, late first
// sends and answers in `rec` (requests, items and latency are the caller's).
OtlpSettled PostOtlpUntilSettled(HttpClient& client, std::string_view payload,
                                 const OtlpExport& how, std::mt19937_64& rng, WorkloadRecord& rec);

}  // namespace obs::loadgen::internal
