// Alertmanager payloads (v0.25): the API v2 `postableAlerts` body that a rule
// evaluator POSTs to /api/v2/alerts, and the webhook v4 message Alertmanager
// (or the reference backend, without one) POSTs to a receiver. Encoding,
// strict decoding with errors naming the element and field
// (`alerts[2].labels: required`), Alertmanager's label-set fingerprint, and
// the webhook grouping helpers (common labels and annotations). Shared by the
// backend's notifier and the harness's webhook receiver.
//
// Times are milliseconds since the epoch; 0 means unset (Go's zero time,
// "0001-01-01T00:00:00Z", decodes to 0 as well).
//
// Thread safety: pure functions.

#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "obs/base/status.h"

namespace obs::wire {

using LabelMap = std::map<std::string, std::string>;

struct AmAlert {
  LabelMap labels;
  LabelMap annotations;
  std::int64_t starts_at_ms = 0;
  std::int64_t ends_at_ms = 0;
  std::string generator_url;
  std::string status;       // Webhook only: "firing" or "resolved".
  std::string fingerprint;  // Webhook only.
};

struct WebhookMessage {
  std::string version = "4";
  std::string group_key;
  std::int64_t truncated_alerts = 0;
  std::string status;  // "firing" if any alert fires, else "resolved".
  std::string receiver;
  LabelMap group_labels;
  LabelMap common_labels;
  LabelMap common_annotations;
  std::string external_url;
  std::vector<AmAlert> alerts;
};

// The JSON array Prometheus posts to /api/v2/alerts (times as RFC 3339 with
// milliseconds, as go-openapi's strfmt.DateTime marshals them; unset times
// and an empty generatorURL are left out).
std::string EncodePostableAlerts(const std::vector<AmAlert>& alerts);

// Parses and validates a /api/v2/alerts body as Alertmanager does: an array
// of objects with non-empty `labels` of valid names, string values, times in
// RFC 3339, and startsAt not after endsAt when both are set.
Result<std::vector<AmAlert>> DecodePostableAlerts(std::string_view body);

// The webhook v4 JSON (times in RFC 3339 with nanoseconds trimmed, as Go's
// time.Time marshals them).
std::string EncodeWebhook(const WebhookMessage& message);

// Parses a webhook message; `version` must be "4".
Result<WebhookMessage> DecodeWebhook(std::string_view body);

// Alertmanager's fingerprint of a label set: FNV-1a 64 over the sorted
// names and values, each followed by a 0xff byte, as 16 hex digits.
std::string Fingerprint(const LabelMap& labels);

// Labels (or annotations) with the same value in every alert.
LabelMap CommonLabels(const std::vector<AmAlert>& alerts);
LabelMap CommonAnnotations(const std::vector<AmAlert>& alerts);

// RFC 3339 text of `ms`: with exactly three fractional digits (`millis`) or
// with trailing zeros trimmed (Go's RFC3339Nano). Always UTC ("Z").
std::string FormatRfc3339(std::int64_t ms, bool millis);

// Parses RFC 3339 (any fraction, "Z" or an offset) to ms since the epoch;
// Go's zero time gives 0.
Result<std::int64_t> ParseRfc3339(std::string_view text);

}  // namespace obs::wire
