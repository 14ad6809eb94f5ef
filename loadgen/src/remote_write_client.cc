// RemoteWriteClient: single-shot probe writes for the verifier, over remote
// write or OTLP.

#include <algorithm>

#include "obs/loadgen/remote_write.h"
#include "obs/wire/otlp.h"
#include "obs/wire/remote_write.h"
#include "obs/wire/snappy.h"

#include "http_client.h"
#include "otlp_send.h"
#include "sender.h"
#include "url.h"

namespace obs::loadgen {

RemoteWriteClient::RemoteWriteClient(std::unique_ptr<internal::HttpClient> http, bool otlp)
    : http_(std::move(http)), otlp_(otlp) {}
RemoteWriteClient::RemoteWriteClient(RemoteWriteClient&&) noexcept = default;
RemoteWriteClient& RemoteWriteClient::operator=(RemoteWriteClient&&) noexcept = default;
RemoteWriteClient::~RemoteWriteClient() = default;

Result<RemoteWriteClient> RemoteWriteClient::Create(
    const std::string& url, const std::map<std::string, std::string>& headers,
    const std::string& bearer_token, double timeout_seconds) {
  // Reuse the sender's validation with a minimal load around the HTTP part.
  RemoteWriteOptions options{.url = url,
                             .headers = headers,
                             .bearer_token = bearer_token,
                             .series = {.models = {{.kind = "process"}}, .instances = 1},
                             .duration_seconds = 1,
                             .concurrency = 1,
                             .request_timeout_seconds = timeout_seconds};
  OBS_ASSIGN_OR_RETURN(internal::RunPlan plan, internal::MakePlan(options, 0));
  return RemoteWriteClient(std::make_unique<internal::HttpClient>(std::move(plan.http)), false);
}

Result<RemoteWriteClient> RemoteWriteClient::CreateOtlp(
    const std::string& url, const std::map<std::string, std::string>& headers,
    const std::string& bearer_token, double timeout_seconds) {
  if (!(timeout_seconds > 0)) {
    return InvalidArgumentError("otlp probe: timeout must be > 0");
  }
  OBS_ASSIGN_OR_RETURN(internal::HttpUrl parsed, internal::ParseHttpUrl(url));
  return RemoteWriteClient(
      std::make_unique<internal::HttpClient>(internal::OtlpHttpOptions(
          parsed, wire::otlp::Encoding::kProtobuf, false, headers, bearer_token, timeout_seconds)),
      true);
}

namespace {

std::string OtlpBody(const std::vector<ProbeSeries>& series) {
  namespace otlp = wire::otlp;
  otlp::MetricsData data;
  otlp::ScopeMetrics& scope = data.resource_metrics.emplace_back().scope_metrics.emplace_back();
  scope.scope.name = "obsbench-probe";
  for (const ProbeSeries& s : series) {
    otlp::Metric& m = scope.metrics.emplace_back();
    m.type = otlp::Metric::Type::kGauge;
    std::vector<otlp::KeyValue> attributes;
    for (const Label& l : s.labels) {
      if (l.name == "__name__") {
        m.name = l.value;
      } else {
        attributes.push_back({l.name, otlp::AnyValue::String(l.value)});
      }
    }
    for (const ProbeSample& sample : s.samples) {
      otlp::NumberDataPoint& p = m.number_points.emplace_back();
      p.attributes = attributes;
      p.time_unix_nano = static_cast<std::uint64_t>(sample.timestamp_ms) * 1000000;
      p.type = otlp::NumberType::kDouble;
      p.as_double = sample.value;
    }
  }
  std::string body;
  otlp::EncodeMetrics(data, body);
  return body;
}

}  // namespace

Result<int> RemoteWriteClient::Write(const std::vector<ProbeSeries>& series) {
  if (otlp_) {
    const internal::HttpResponse res = http_->Post(OtlpBody(series));
    if (res.status == 0) {
      const std::string what = "otlp metrics probe: " + res.error;
      return res.timed_out ? DeadlineExceededError(what) : UnavailableError(what);
    }
    return res.status;
  }
  wire::WriteRequestEncoder encoder;
  encoder.Reset();
  for (const ProbeSeries& s : series) {
    std::vector<const Label*> sorted;
    for (const Label& l : s.labels) {
      sorted.push_back(&l);
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const Label* a, const Label* b) { return a->name < b->name; });
    encoder.BeginSeries();
    for (const Label* l : sorted) {
      encoder.AddLabel(l->name, l->value);
    }
    for (const ProbeSample& sample : s.samples) {
      encoder.AddSample(sample.value, sample.timestamp_ms);
    }
    encoder.EndSeries();
  }
  const std::string body = wire::SnappyCompress(encoder.Finish());
  const internal::HttpResponse res = http_->Post(body);
  if (res.status == 0) {
    const std::string what = "remote write probe: " + res.error;
    return res.timed_out ? DeadlineExceededError(what) : UnavailableError(what);
  }
  return res.status;
}

}  // namespace obs::loadgen
