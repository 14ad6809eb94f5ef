#include "obs/wire/alertmanager.h"

#include <cstdio>

#include "obs/base/civil_time.h"

#include "utf8.h"
#include <nlohmann/json.hpp>

namespace obs::wire {

namespace {

using nlohmann::json;

constexpr std::int64_t kGoZeroTimeMs = -62135596800000;  // 0001-01-01T00:00:00Z

bool IsLabelName(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

json MapJson(const LabelMap& m) {
  json out = json::object();
  for (const auto& [k, v] : m) {
    out[k] = v;
  }
  return out;
}

Status FieldError(const std::string& where, std::string_view problem) {
  return InvalidArgumentError(where + ": " + std::string(problem));
}

Result<LabelMap> DecodeMap(const json& j, const std::string& where, bool label_names) {
  LabelMap out;
  if (!j.is_object()) {
    return FieldError(where, "must be an object of strings");
  }
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) {
      return FieldError(where + "." + k, "must be a string");
    }
    if (label_names && !IsLabelName(k)) {
      return FieldError(where, "invalid label name \"" + k + "\"");
    }
    const std::string& value = v.get_ref<const std::string&>();
    if (!internal::IsValidUtf8(k) || !internal::IsValidUtf8(value)) {
      return FieldError(where + "." + k, "invalid UTF-8");
    }
    out[k] = value;
  }
  return out;
}

Result<std::int64_t> DecodeTime(const json& j, const std::string& where) {
  if (!j.is_string()) {
    return FieldError(where, "must be an RFC 3339 time string");
  }
  const auto ms = ParseRfc3339(j.get_ref<const std::string&>());
  if (!ms.ok()) {
    return FieldError(where, ms.status().message());
  }
  return *ms;
}

// One alert object; `webhook` also reads status and fingerprint.
Result<AmAlert> DecodeAlert(const json& j, const std::string& where, bool webhook) {
  if (!j.is_object()) {
    return FieldError(where, "must be an object");
  }
  AmAlert a;
  if (!j.contains("labels")) {
    return FieldError(where + ".labels", "required");
  }
  OBS_ASSIGN_OR_RETURN(a.labels, DecodeMap(j["labels"], where + ".labels", true));
  if (a.labels.empty()) {
    return FieldError(where + ".labels", "at least one label pair required");
  }
  if (j.contains("annotations")) {
    OBS_ASSIGN_OR_RETURN(a.annotations, DecodeMap(j["annotations"], where + ".annotations", false));
  }
  if (j.contains("startsAt")) {
    OBS_ASSIGN_OR_RETURN(a.starts_at_ms, DecodeTime(j["startsAt"], where + ".startsAt"));
  }
  if (j.contains("endsAt")) {
    OBS_ASSIGN_OR_RETURN(a.ends_at_ms, DecodeTime(j["endsAt"], where + ".endsAt"));
  }
  if (a.starts_at_ms != 0 && a.ends_at_ms != 0 && a.starts_at_ms > a.ends_at_ms) {
    return FieldError(where, "start time must be before end time");
  }
  static constexpr const char* kKeys[] = {"generatorURL", "status", "fingerprint"};
  for (std::size_t k = 0; k < (webhook ? 3u : 1u); ++k) {
    const char* key = kKeys[k];
    if (!j.contains(key)) {
      continue;
    }
    if (!j[key].is_string()) {
      return FieldError(where + "." + key, "must be a string");
    }
    const std::string& v = j[key].get_ref<const std::string&>();
    if (k == 0) {
      a.generator_url = v;
    } else if (k == 1) {
      if (v != "firing" && v != "resolved") {
        return FieldError(where + ".status", "must be \"firing\" or \"resolved\"");
      }
      a.status = v;
    } else {
      a.fingerprint = v;
    }
  }
  return a;
}

Result<json> ParseJson(std::string_view body) {
  if (!internal::IsValidUtf8(body)) {
    return InvalidArgumentError("body is not valid UTF-8");
  }
  try {
    return json::parse(body.begin(), body.end());
  } catch (const json::exception& e) {
    return InvalidArgumentError(std::string("invalid JSON: ") + e.what());
  }
}

}  // namespace

std::string FormatRfc3339(std::int64_t ms, bool millis) {
  return obs::FormatRfc3339(ms, millis);
}

Result<std::int64_t> ParseRfc3339(std::string_view text) {
  const std::optional<std::int64_t> ms = ParseRfc3339Ms(text);
  if (!ms) {
    return InvalidArgumentError("cannot parse \"" + std::string(text) + "\" as RFC 3339");
  }
  return *ms == kGoZeroTimeMs ? 0 : *ms;
}

std::string EncodePostableAlerts(const std::vector<AmAlert>& alerts) {
  json out = json::array();
  for (const AmAlert& a : alerts) {
    json j = {{"labels", MapJson(a.labels)}, {"annotations", MapJson(a.annotations)}};
    if (a.starts_at_ms != 0) {
      j["startsAt"] = FormatRfc3339(a.starts_at_ms, true);
    }
    if (a.ends_at_ms != 0) {
      j["endsAt"] = FormatRfc3339(a.ends_at_ms, true);
    }
    if (!a.generator_url.empty()) {
      j["generatorURL"] = a.generator_url;
    }
    out.push_back(std::move(j));
  }
  return out.dump();
}

Result<std::vector<AmAlert>> DecodePostableAlerts(std::string_view body) {
  OBS_ASSIGN_OR_RETURN(json j, ParseJson(body));
  if (!j.is_array()) {
    return InvalidArgumentError("body must be a JSON array of alerts");
  }
  std::vector<AmAlert> out;
  for (std::size_t i = 0; i < j.size(); ++i) {
    OBS_ASSIGN_OR_RETURN(AmAlert a, DecodeAlert(j[i], "alerts[" + std::to_string(i) + "]", false));
    out.push_back(std::move(a));
  }
  return out;
}

std::string EncodeWebhook(const WebhookMessage& m) {
  json alerts = json::array();
  for (const AmAlert& a : m.alerts) {
    alerts.push_back(
        {{"status", a.status},
         {"labels", MapJson(a.labels)},
         {"annotations", MapJson(a.annotations)},
         {"startsAt", FormatRfc3339(a.starts_at_ms != 0 ? a.starts_at_ms : kGoZeroTimeMs, false)},
         {"endsAt", FormatRfc3339(a.ends_at_ms != 0 ? a.ends_at_ms : kGoZeroTimeMs, false)},
         {"generatorURL", a.generator_url},
         {"fingerprint", a.fingerprint.empty() ? Fingerprint(a.labels) : a.fingerprint}});
  }
  const json out = {{"version", m.version},
                    {"groupKey", m.group_key},
                    {"truncatedAlerts", m.truncated_alerts},
                    {"status", m.status},
                    {"receiver", m.receiver},
                    {"groupLabels", MapJson(m.group_labels)},
                    {"commonLabels", MapJson(m.common_labels)},
                    {"commonAnnotations", MapJson(m.common_annotations)},
                    {"externalURL", m.external_url},
                    {"alerts", alerts}};
  return out.dump();
}

Result<WebhookMessage> DecodeWebhook(std::string_view body) {
  OBS_ASSIGN_OR_RETURN(json j, ParseJson(body));
  if (!j.is_object()) {
    return InvalidArgumentError("webhook body must be a JSON object");
  }
  WebhookMessage m;
  auto str = [&](const char* key, std::string& out) -> Status {
    if (!j.contains(key)) {
      return Status::Ok();
    }
    if (!j[key].is_string()) {
      return FieldError(key, "must be a string");
    }
    out = j[key].get<std::string>();
    return Status::Ok();
  };
  OBS_RETURN_IF_ERROR(str("version", m.version));
  if (!j.contains("version") || m.version != "4") {
    return FieldError("version", "must be \"4\"");
  }
  OBS_RETURN_IF_ERROR(str("groupKey", m.group_key));
  OBS_RETURN_IF_ERROR(str("status", m.status));
  OBS_RETURN_IF_ERROR(str("receiver", m.receiver));
  OBS_RETURN_IF_ERROR(str("externalURL", m.external_url));
  if (j.contains("truncatedAlerts")) {
    if (!j["truncatedAlerts"].is_number_integer()) {
      return FieldError("truncatedAlerts", "must be an integer");
    }
    m.truncated_alerts = j["truncatedAlerts"].get<std::int64_t>();
  }
  for (const auto& [key, field] :
       {std::pair<const char*, LabelMap*>{"groupLabels", &m.group_labels},
        {"commonLabels", &m.common_labels},
        {"commonAnnotations", &m.common_annotations}}) {
    if (j.contains(key)) {
      OBS_ASSIGN_OR_RETURN(*field, DecodeMap(j[key], key, false));
    }
  }
  if (!j.contains("alerts") || !j["alerts"].is_array()) {
    return FieldError("alerts", "required array");
  }
  for (std::size_t i = 0; i < j["alerts"].size(); ++i) {
    OBS_ASSIGN_OR_RETURN(AmAlert a,
                         DecodeAlert(j["alerts"][i], "alerts[" + std::to_string(i) + "]", true));
    m.alerts.push_back(std::move(a));
  }
  return m;
}

std::string Fingerprint(const LabelMap& labels) {
  std::uint64_t h = 14695981039346656037ULL;
  auto add = [&](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
  };
  auto add_byte = [&](unsigned char b) {
    h ^= b;
    h *= 1099511628211ULL;
  };
  for (const auto& [name, value] : labels) {  // std::map: sorted by name.
    add(name);
    add_byte(0xff);
    add(value);
    add_byte(0xff);
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

namespace {

LabelMap Common(const std::vector<AmAlert>& alerts, LabelMap AmAlert::*field) {
  if (alerts.empty()) {
    return {};
  }
  LabelMap common = alerts.front().*field;
  for (const AmAlert& a : alerts) {
    std::erase_if(common, [&](const auto& kv) {
      const auto it = (a.*field).find(kv.first);
      return it == (a.*field).end() || it->second != kv.second;
    });
  }
  return common;
}

}  // namespace

LabelMap CommonLabels(const std::vector<AmAlert>& alerts) {
  return Common(alerts, &AmAlert::labels);
}

LabelMap CommonAnnotations(const std::vector<AmAlert>& alerts) {
  return Common(alerts, &AmAlert::annotations);
}

}  // namespace obs::wire
