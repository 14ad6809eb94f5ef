#include "api/router.h"

#include <string>
#include <utility>

#include "api/responses.h"
#include "http/url.h"

namespace obs::backend {
namespace {

constexpr std::string_view kLabelPrefix = "/api/v1/label/";
constexpr std::string_view kValuesSuffix = "/values";

// The methods each endpoint accepts, as an Allow header value.
std::string_view AllowedMethods(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::kWrite:
      return "POST";
    case Endpoint::kQuery:
    case Endpoint::kQueryRange:
    case Endpoint::kSeries:
    case Endpoint::kLabels:
    case Endpoint::kQueryExemplars:
      return "GET, POST";
    case Endpoint::kLabelValues:
    case Endpoint::kMetrics:
    case Endpoint::kRules:
    case Endpoint::kAlerts:
    case Endpoint::kBuildInfo:
    case Endpoint::kMetadata:
      return "GET";
    case Endpoint::kHealthy:
    case Endpoint::kReady:
      return "GET, HEAD";
    case Endpoint::kReload:
      return "POST, PUT";
    case Endpoint::kOtlpTraces:
    case Endpoint::kOtlpLogs:
    case Endpoint::kOtlpMetrics:
    case Endpoint::kLokiPush:
      return "POST";
    case Endpoint::kLokiQueryRange:
    case Endpoint::kLokiQuery:
    case Endpoint::kLokiSeries:
    case Endpoint::kVictoriaLogsQuery:
      return "GET, POST";
    case Endpoint::kLokiLabels:
    case Endpoint::kLokiLabelValues:
      return "GET";
    case Endpoint::kJaegerTrace:
    case Endpoint::kJaegerSearch:
    case Endpoint::kJaegerServices:
    case Endpoint::kJaegerServiceOperations:
    case Endpoint::kJaegerOperations:
    case Endpoint::kTempoTrace:
      return "GET";
    case Endpoint::kOther:
      break;
  }
  return "";
}

bool MethodAllowed(Endpoint endpoint, std::string_view method) {
  const std::string_view allowed = AllowedMethods(endpoint);
  std::size_t pos = 0;
  while (pos < allowed.size()) {
    const std::size_t comma = allowed.find(", ", pos);
    if (allowed.substr(pos, comma - pos) == method) {
      return true;
    }
    pos = comma == std::string_view::npos ? allowed.size() : comma + 2;
  }
  return false;
}

}  // namespace

Route ClassifyPath(std::string_view path) {
  static constexpr std::pair<std::string_view, Endpoint> kFixed[] = {
      {"/api/v1/write", Endpoint::kWrite},
      {"/api/v1/query", Endpoint::kQuery},
      {"/api/v1/query_range", Endpoint::kQueryRange},
      {"/api/v1/series", Endpoint::kSeries},
      {"/api/v1/labels", Endpoint::kLabels},
      {"/metrics", Endpoint::kMetrics},
      {"/-/healthy", Endpoint::kHealthy},
      {"/-/ready", Endpoint::kReady},
      {"/api/v1/status/buildinfo", Endpoint::kBuildInfo},
      {"/api/v1/metadata", Endpoint::kMetadata},
      {"/api/v1/query_exemplars", Endpoint::kQueryExemplars},
      {"/api/v1/rules", Endpoint::kRules},
      {"/api/v1/alerts", Endpoint::kAlerts},
      {"/-/reload", Endpoint::kReload},
      {"/v1/traces", Endpoint::kOtlpTraces},
      {"/api/traces", Endpoint::kJaegerSearch},
      {"/api/services", Endpoint::kJaegerServices},
      {"/api/operations", Endpoint::kJaegerOperations},
      {"/v1/logs", Endpoint::kOtlpLogs},
      {"/v1/metrics", Endpoint::kOtlpMetrics},
      {"/select/logsql/query", Endpoint::kVictoriaLogsQuery},
      {"/loki/api/v1/push", Endpoint::kLokiPush},
      {"/loki/api/v1/query_range", Endpoint::kLokiQueryRange},
      {"/loki/api/v1/query", Endpoint::kLokiQuery},
      {"/loki/api/v1/labels", Endpoint::kLokiLabels},
      {"/loki/api/v1/series", Endpoint::kLokiSeries}};
  for (const auto& [fixed, endpoint] : kFixed) {
    if (path == fixed) {
      return Route{.endpoint = endpoint, .label_name = {}};
    }
  }
  if (path.starts_with(kLabelPrefix) && path.ends_with(kValuesSuffix) &&
      path.size() > kLabelPrefix.size() + kValuesSuffix.size()) {
    const std::string_view name =
        path.substr(kLabelPrefix.size(), path.size() - kLabelPrefix.size() - kValuesSuffix.size());
    if (name.find('/') == std::string_view::npos) {
      return Route{.endpoint = Endpoint::kLabelValues, .label_name = name};
    }
  }
  // One non-empty path segment after `prefix` (and before `suffix`).
  auto segment = [&](std::string_view prefix, std::string_view suffix) -> std::string_view {
    if (!path.starts_with(prefix) || !path.ends_with(suffix) ||
        path.size() <= prefix.size() + suffix.size()) {
      return {};
    }
    const std::string_view s =
        path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    return s.find('/') == std::string_view::npos ? s : std::string_view{};
  };
  if (const auto id = segment("/api/traces/", ""); !id.empty()) {
    return Route{.endpoint = Endpoint::kJaegerTrace, .label_name = id};
  }
  if (const auto id = segment("/api/v2/traces/", ""); !id.empty()) {
    return Route{.endpoint = Endpoint::kTempoTrace, .label_name = id};
  }
  if (const auto name = segment("/loki/api/v1/label/", "/values"); !name.empty()) {
    return Route{.endpoint = Endpoint::kLokiLabelValues, .label_name = name};
  }
  if (const auto service = segment("/api/services/", "/operations"); !service.empty()) {
    return Route{.endpoint = Endpoint::kJaegerServiceOperations, .label_name = service};
  }
  return Route{};
}

Router::Router(WriteHandler& write, const QueryApi& query, BackendMetrics& metrics,
               std::function<StorageGauges()> gauges, const Clock& clock, alert::RuleManager* rules,
               traces::OtlpHandler* otlp, const traces::TraceApi* trace_api, logs::LokiApi* loki)
    : write_(write),
      query_(query),
      metrics_(metrics),
      gauges_(std::move(gauges)),
      clock_(clock),
      rules_(rules),
      otlp_(otlp),
      trace_api_(trace_api),
      loki_(loki) {}

http::Response Router::Handle(const http::Request& request) {
  const SteadyClock::time_point start = clock_.SteadyNow();
  const Route route = ClassifyPath(http::SplitTarget(request.target).path);
  http::Response response = Dispatch(request, route);
  const double seconds = static_cast<double>(ToNanos(clock_.SteadyNow() - start)) / 1e9;
  metrics_.ObserveRequest(route.endpoint, response.status, seconds);
  if (request.method == "HEAD") {
    response.body.clear();
  }
  return response;
}

void Router::ObserveTransportAnswer(std::string_view target, int status) {
  metrics_.ObserveRequest(ClassifyPath(http::SplitTarget(target).path).endpoint, status, 0.0);
}

http::Response Router::Dispatch(const http::Request& request, const Route& route) {
  const std::string_view path = http::SplitTarget(request.target).path;
  if (route.endpoint == Endpoint::kOther) {
    return JsonError(404, "not_found", "path not found: " + std::string(path));
  }
  const bool traces_off =
      ((route.endpoint == Endpoint::kOtlpTraces || route.endpoint == Endpoint::kOtlpMetrics) &&
       otlp_ == nullptr) ||
      (route.endpoint >= Endpoint::kJaegerTrace && route.endpoint <= Endpoint::kTempoTrace &&
       trace_api_ == nullptr);
  const bool logs_off =
      ((route.endpoint >= Endpoint::kOtlpLogs && route.endpoint <= Endpoint::kLokiSeries) ||
       route.endpoint == Endpoint::kVictoriaLogsQuery) &&
      loki_ == nullptr;
  if (traces_off || logs_off) {
    return JsonError(404, "not_found", "path not found: " + std::string(path));
  }
  if (!MethodAllowed(route.endpoint, request.method)) {
    http::Response response = JsonError(
        405, "bad_data", "method " + request.method + " not allowed for " + std::string(path));
    response.headers.emplace_back("Allow", std::string(AllowedMethods(route.endpoint)));
    return response;
  }
  switch (route.endpoint) {
    case Endpoint::kWrite:
      return write_.Handle(request);
    case Endpoint::kQuery:
      return query_.Query(request);
    case Endpoint::kQueryRange:
      return query_.QueryRange(request);
    case Endpoint::kSeries:
      return query_.Series(request);
    case Endpoint::kLabels:
      return query_.Labels(request);
    case Endpoint::kLabelValues: {
      Result<std::string> name = http::PercentDecode(route.label_name, false);
      if (!name.ok()) {
        return BadData(name.status().message());
      }
      return query_.LabelValues(request, *name);
    }
    case Endpoint::kMetrics: {
      http::Response response = TextResponse(200, "");
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      response.body = metrics_.Render(gauges_());
      return response;
    }
    case Endpoint::kBuildInfo:
      // `version` is the Prometheus API level the backend answers as, so that
      // clients which gate features on it (Grafana) treat it as Prometheus 2.42.
      return JsonSuccess(std::string(R"({"version":"2.42.0","revision":"obsbench-)") + OBS_VERSION +
                         R"(","branch":"obsbench","buildUser":"obsbench","buildDate":"",)"
                         R"("goVersion":""})");
    case Endpoint::kMetadata:
      return JsonSuccess("{}");
    case Endpoint::kQueryExemplars:
      return query_.QueryExemplars(request);
    case Endpoint::kRules:
      return JsonSuccess(rules_ != nullptr ? rules_->RulesJson() : R"({"groups":[]})");
    case Endpoint::kAlerts:
      return JsonSuccess(rules_ != nullptr ? rules_->AlertsJson() : R"({"alerts":[]})");
    case Endpoint::kReload: {
      if (rules_ == nullptr) {
        return TextResponse(200, "");
      }
      const Status s = rules_->Load();
      // Prometheus answers a failed reload with 500 and the error as text.
      return s.ok() ? TextResponse(200, "")
                    : TextResponse(500, "failed to reload config: " + s.message());
    }
    case Endpoint::kOtlpTraces:
      return otlp_->HandleTraces(request);
    case Endpoint::kJaegerSearch:
      return trace_api_->JaegerSearch(request);
    case Endpoint::kJaegerServices:
      return trace_api_->JaegerServices();
    case Endpoint::kJaegerOperations:
      return trace_api_->JaegerOperations(request);
    case Endpoint::kJaegerTrace:
    case Endpoint::kTempoTrace:
    case Endpoint::kJaegerServiceOperations: {
      Result<std::string> segment = http::PercentDecode(route.label_name, false);
      if (!segment.ok()) {
        return BadData(segment.status().message());
      }
      if (route.endpoint == Endpoint::kJaegerTrace) {
        return trace_api_->JaegerTrace(*segment);
      }
      if (route.endpoint == Endpoint::kTempoTrace) {
        return trace_api_->TempoTrace(*segment);
      }
      return trace_api_->JaegerServiceOperations(*segment);
    }
    case Endpoint::kOtlpLogs:
      return otlp_->HandleLogs(request);
    case Endpoint::kOtlpMetrics:
      return otlp_->HandleMetrics(request);
    case Endpoint::kVictoriaLogsQuery:
      return loki_->VictoriaLogsQuery(request);
    case Endpoint::kLokiPush:
      return loki_->Push(request);
    case Endpoint::kLokiQueryRange:
      return loki_->QueryRange(request);
    case Endpoint::kLokiQuery:
      return loki_->Query(request);
    case Endpoint::kLokiLabels:
      return loki_->Labels(request);
    case Endpoint::kLokiSeries:
      return loki_->Series(request);
    case Endpoint::kLokiLabelValues: {
      Result<std::string> name = http::PercentDecode(route.label_name, false);
      if (!name.ok()) {
        return BadData(name.status().message());
      }
      return loki_->LabelValues(request, *name);
    }
    case Endpoint::kHealthy:
      return TextResponse(200, "obsbench backend is Healthy.");
    case Endpoint::kReady:
      return TextResponse(200, "obsbench backend is Ready.");
    case Endpoint::kOther:
      break;
  }
  return JsonError(404, "not_found", "path not found: " + std::string(path));
}

}  // namespace obs::backend
