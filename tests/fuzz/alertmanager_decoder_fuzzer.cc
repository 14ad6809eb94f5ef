// Feeds arbitrary bytes to both Alertmanager payload decoders (API v2
// postable alerts and webhook v4). Errors are expected; crashes, sanitizer
// reports and uncaught exceptions are bugs. What decodes is encoded again and
// must decode to the same alerts.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "obs/wire/alertmanager.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto alerts = obs::wire::DecodePostableAlerts(body);
  if (alerts.ok()) {
    auto again = obs::wire::DecodePostableAlerts(obs::wire::EncodePostableAlerts(*alerts));
    if (!again.ok() || again->size() != alerts->size()) {
      std::abort();
    }
    for (std::size_t i = 0; i < alerts->size(); ++i) {
      if ((*again)[i].labels != (*alerts)[i].labels ||
          (*again)[i].annotations != (*alerts)[i].annotations) {
        std::abort();
      }
    }
  }
  auto webhook = obs::wire::DecodeWebhook(body);
  if (webhook.ok()) {
    (void)obs::wire::EncodeWebhook(*webhook);
  }
  return 0;
}
