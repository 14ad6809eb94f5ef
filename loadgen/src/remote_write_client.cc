// RemoteWriteClient: single-shot probe writes for the verifier.

#include <algorithm>

#include "obs/loadgen/remote_write.h"
#include "obs/wire/remote_write.h"
#include "obs/wire/snappy.h"

#include "http_client.h"
#include "sender.h"

namespace obs::loadgen {

RemoteWriteClient::RemoteWriteClient(std::unique_ptr<internal::HttpClient> http)
    : http_(std::move(http)) {}
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
  return RemoteWriteClient(std::make_unique<internal::HttpClient>(std::move(plan.http)));
}

Result<int> RemoteWriteClient::Write(const std::vector<ProbeSeries>& series) {
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
