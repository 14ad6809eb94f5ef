#include "otlp_send.h"

#include <algorithm>
#include <chrono>

#include "retry.h"
#include "workload_record.h"

namespace obs::loadgen::internal {

namespace otlp = wire::otlp;

HttpClientOptions OtlpHttpOptions(const HttpUrl& url, otlp::Encoding encoding, bool gzip,
                                  const std::map<std::string, std::string>& headers,
                                  const std::string& bearer_token, double timeout_seconds) {
  HttpClientOptions http{.url = url, .headers = {}, .timeout_seconds = timeout_seconds};
  http.headers.emplace_back("Content-Type", encoding == otlp::Encoding::kJson
                                                ? std::string(otlp::kJsonContentType)
                                                : std::string(otlp::kProtobufContentType));
  if (gzip) {
    http.headers.emplace_back("Content-Encoding", "gzip");
  }
  http.headers.emplace_back("User-Agent", "obsbench-loadgen/" OBS_VERSION);
  for (const auto& [k, v] : headers) {
    http.headers.emplace_back(k, v);
  }
  if (!bearer_token.empty()) {
    http.headers.emplace_back("Authorization", "Bearer " + bearer_token);
  }
  return http;
}

OtlpSettled PostOtlpUntilSettled(HttpClient& client, std::string_view payload,
                                 const OtlpExport& how, std::mt19937_64& rng, WorkloadRecord& rec) {
  OtlpSettled s;
  for (int attempt = 0;; ++attempt) {
    const SteadyClock::time_point sent = how.clock->SteadyNow();
    if (attempt == 0) {
      s.first_send = sent;
      if (sent - how.send_due > how.late_threshold) {
        ++rec.requests_late;
      }
    } else {
      ++rec.retries;
    }
    const HttpResponse res = client.Post(payload);
    s.answer = AnswerTime(*how.clock, sent, res);
    ++rec.attempts;
    NoteAnswer(rec, res);
    const otlp::ResponseClass cls =
        res.status == 0 ? otlp::ResponseClass::kRetryable : otlp::ClassifyStatus(res.status);
    if (cls == otlp::ResponseClass::kSuccess) {
      s.fate = OtlpFate::kAcked;
      auto parsed = otlp::DecodeExportResponse(how.signal, res.body, how.encoding);
      if (parsed.ok() && parsed->rejected > 0) {
        s.fate = OtlpFate::kPartial;
        s.rejected = parsed->rejected;
      }
      return s;
    }
    if (cls == otlp::ResponseClass::kPermanent) {
      s.fate = OtlpFate::kRejected;
      return s;
    }
    if (attempt + 1 >= how.retry->max_attempts) {
      return s;  // Failed: retries exhausted.
    }
    double wait = BackoffSeconds(*how.retry, attempt + 1, rng);
    if (!res.retry_after.empty()) {
      if (auto after = ParseRetryAfter(res.retry_after, how.clock->UnixMillisNow())) {
        wait = std::max(wait, *after);
      }
    }
    const SteadyClock::time_point next =
        s.answer +
        std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(wait));
    if (next > how.retry_deadline || !how.sleep_until(next)) {
      return s;  // Failed: the run is over or stopping.
    }
  }
}

}  // namespace obs::loadgen::internal
