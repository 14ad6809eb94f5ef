#include "verify/query_client.h"

#include <cmath>
#include <mutex>

#include "verify/promql_text.h"
#include "verify/query_json.h"
#include <curl/curl.h>

namespace obs::scenarios {
namespace {

// curl_global_init is not thread-safe on every libcurl build: run it once.
void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { OBS_CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK); });
}

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::string Excerpt(const std::string& body) {
  constexpr std::size_t kMax = 200;
  return body.size() <= kMax ? body : body.substr(0, kMax) + "...";
}

// Maps a finished HTTP exchange to OK or the documented error codes.
Status MapHttpStatus(std::string_view url, long code, const std::string& body) {
  if (code >= 200 && code < 300) {
    return Status::Ok();
  }
  std::string text = ParseErrorText(body);
  if (text.empty()) {
    text = Excerpt(body);
  }
  std::string message = std::string(url) + ": http " + std::to_string(code) + ": " + text;
  if (code >= 400 && code < 500) {
    return InvalidArgumentError(std::move(message));
  }
  return UnavailableError(std::move(message));
}

}  // namespace

struct QueryClient::Impl {
  QueryClientOptions options;
  std::string query_url;
  CURL* curl = nullptr;
  curl_slist* headers = nullptr;

  ~Impl() {
    curl_slist_free_all(headers);
    if (curl != nullptr) {
      curl_easy_cleanup(curl);
    }
  }

  // One request on the reused handle. `post_body` == nullptr means GET.
  Result<std::string> Perform(const std::string& url, const std::string* post_body,
                              long* status_out = nullptr,
                              const std::string* content_type = nullptr) {
    std::string body;
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_slist* extra = nullptr;
    if (content_type != nullptr) {
      for (curl_slist* h = headers; h != nullptr; h = h->next) {
        extra = curl_slist_append(extra, h->data);
      }
      extra = curl_slist_append(extra, ("Content-Type: " + *content_type).c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, extra != nullptr ? extra : headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    const auto timeout_ms = static_cast<long>(std::ceil(options.timeout_seconds * 1000.0));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    if (post_body != nullptr) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post_body->c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(post_body->size()));
    }
    const CURLcode rc = curl_easy_perform(curl);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);  // `error` dies with this frame.
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(extra);
    if (rc != CURLE_OK) {
      const std::string detail = error[0] != '\0' ? error : curl_easy_strerror(rc);
      return UnavailableError(url + ": " + detail);
    }
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    if (status_out != nullptr) {
      *status_out = code;
      return body;
    }
    OBS_RETURN_IF_ERROR(MapHttpStatus(url, code, body));
    return body;
  }
};

std::string QueryComponentEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '_' || u == '.' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

Result<QueryClient> QueryClient::Create(QueryClientOptions options) {
  const std::string& url = options.base_url;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return InvalidArgumentError("query base url \"" + url + "\" is not an http(s) url");
  }
  if (!(options.timeout_seconds > 0)) {
    return InvalidArgumentError("query timeout must be > 0 seconds");
  }
  GlobalInitOnce();
  auto impl = std::make_unique<Impl>();
  impl->curl = curl_easy_init();
  if (impl->curl == nullptr) {
    return InternalError("query client: curl_easy_init failed");
  }
  std::string base = url;
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  impl->query_url = base + "/api/v1/query";
  impl->headers = curl_slist_append(impl->headers, "Accept: application/json");
  for (const auto& [name, value] : options.headers) {
    impl->headers = curl_slist_append(impl->headers, (name + ": " + value).c_str());
  }
  if (!options.bearer_token.empty()) {
    const std::string line = "Authorization: Bearer " + options.bearer_token;
    impl->headers = curl_slist_append(impl->headers, line.c_str());
  }
  impl->options = std::move(options);
  return QueryClient(std::move(impl));
}

QueryClient::QueryClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
QueryClient::QueryClient(QueryClient&&) noexcept = default;
QueryClient& QueryClient::operator=(QueryClient&&) noexcept = default;
QueryClient::~QueryClient() = default;

Result<std::string> QueryClient::PostQuery(std::string_view promql, std::int64_t time_ms) {
  ++queries_;
  const std::string form = FormEncode(
      {{"query", std::string(promql)}, {"time", UnixSecondsText(time_ms)}, {"nocache", "1"}});
  return impl_->Perform(impl_->query_url, &form);
}

Result<std::vector<VectorSample>> QueryClient::InstantVector(std::string_view promql,
                                                             std::int64_t time_ms) {
  OBS_ASSIGN_OR_RETURN(const std::string body, PostQuery(promql, time_ms));
  return ParseVectorResponse(body);
}

Result<std::vector<MatrixSeries>> QueryClient::InstantMatrix(std::string_view promql,
                                                             std::int64_t time_ms) {
  OBS_ASSIGN_OR_RETURN(const std::string body, PostQuery(promql, time_ms));
  return ParseMatrixResponse(body);
}

std::string QueryClient::Resolve(std::string_view url) const {
  std::string full(url);
  if (full.find("://") == std::string::npos) {
    const std::string& base = impl_->query_url;
    full = base.substr(0, base.size() - std::string_view("/api/v1/query").size()) +
           (full.empty() || full.front() != '/' ? "/" : "") + full;
  }
  return full;
}

Status QueryClient::Get(std::string_view url) {
  return impl_->Perform(Resolve(url), nullptr).status();
}

Result<FetchResult> QueryClient::PostBody(std::string_view url, const std::string& body,
                                          const std::string& content_type) {
  long code = 0;
  OBS_ASSIGN_OR_RETURN(std::string answer,
                       impl_->Perform(Resolve(url), &body, &code, &content_type));
  return FetchResult{static_cast<int>(code), std::move(answer)};
}

Result<FetchResult> QueryClient::Fetch(std::string_view url) {
  ++queries_;
  long code = 0;
  OBS_ASSIGN_OR_RETURN(std::string body, impl_->Perform(Resolve(url), nullptr, &code));
  return FetchResult{static_cast<int>(code), std::move(body)};
}

}  // namespace obs::scenarios
