#include "alert/notifier.h"

#include <chrono>
#include <map>
#include <utility>

#include "http/url.h"
#include <curl/curl.h>

namespace obs::backend::alert {

namespace {

std::size_t DiscardBody(char* /*data*/, std::size_t size, std::size_t n, void* /*user*/) {
  return size * n;
}

std::string TrimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  return url;
}

}  // namespace

Status CurlPost(const std::string& url, const std::string& body, double timeout_seconds) {
  static const bool kInit = [] {
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  }();
  if (!kInit) {
    return InternalError("curl_global_init failed");
  }
  // One handle per calling thread (the notifier's delivery thread): reset
  // between posts, it keeps its connection cache, so consecutive
  // notifications to one receiver reuse a keep-alive connection instead of
  // paying a TCP handshake each.
  struct Handle {
    CURL* curl = curl_easy_init();
    ~Handle() { curl_easy_cleanup(curl); }
  };
  thread_local Handle handle;
  CURL* curl = handle.curl;
  if (curl == nullptr) {
    return InternalError("curl_easy_init failed");
  }
  curl_easy_reset(curl);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_seconds * 1000));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, DiscardBody);
  const CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return UnavailableError("POST " + url + ": " + curl_easy_strerror(rc));
  }
  if (code < 200 || code > 299) {
    return UnavailableError("POST " + url + ": HTTP " + std::to_string(code));
  }
  return Status::Ok();
}

std::string GeneratorUrl(const std::string& external_url, const std::string& expr) {
  return TrimSlash(external_url) + "/graph?g0.expr=" + http::QueryEscape(expr) + "&g0.tab=1";
}

wire::AmAlert ToAmAlert(const Notification& n, const std::string& external_url) {
  wire::AmAlert a;
  for (const LabelPair& l : n.labels) {
    a.labels[l.name] = l.value;
  }
  a.annotations = n.annotations;
  a.starts_at_ms = n.starts_at_ms;
  a.ends_at_ms = n.ends_at_ms;
  a.generator_url = GeneratorUrl(external_url, n.expr);
  a.status = n.resolved ? "resolved" : "firing";
  a.fingerprint = wire::Fingerprint(a.labels);
  return a;
}

std::vector<wire::WebhookMessage> GroupForWebhook(const std::vector<wire::AmAlert>& alerts,
                                                  const std::vector<std::string>& group_by,
                                                  const std::string& external_url) {
  std::vector<wire::WebhookMessage> out;
  std::map<wire::LabelMap, std::size_t> index;
  for (const wire::AmAlert& a : alerts) {
    wire::LabelMap group;
    for (const std::string& name : group_by) {
      const auto it = a.labels.find(name);
      if (it != a.labels.end()) {
        group[name] = it->second;
      }
    }
    auto [it, inserted] = index.emplace(group, out.size());
    if (inserted) {
      wire::WebhookMessage m;
      m.receiver = "obsbench";
      m.group_labels = group;
      m.external_url = external_url;
      // Alertmanager's group key: the route's matchers, then the group labels.
      std::string key = "{}:{";
      bool first = true;
      for (const auto& [name, value] : group) {
        key += (first ? "" : ", ") + name + "=\"" + value + "\"";
        first = false;
      }
      m.group_key = key + "}";
      out.push_back(std::move(m));
    }
    out[it->second].alerts.push_back(a);
  }
  for (wire::WebhookMessage& m : out) {
    m.status = "resolved";
    for (const wire::AmAlert& a : m.alerts) {
      if (a.status == "firing") {
        m.status = "firing";
      }
    }
    m.common_labels = wire::CommonLabels(m.alerts);
    m.common_annotations = wire::CommonAnnotations(m.alerts);
  }
  return out;
}

Notifier::Notifier(NotifierOptions options, PostFunction post)
    : options_(std::move(options)), post_(std::move(post)), thread_([this] { Run(); }) {}

Notifier::~Notifier() {
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Notifier::Send(const std::vector<Notification>& notifications) {
  if (notifications.empty() || options_.targets.empty()) {
    return;
  }
  {
    const std::lock_guard lock(mu_);
    for (const Notification& n : notifications) {
      if (queue_.size() >= options_.queue_capacity) {
        queue_.pop_front();
        ++counters_.alerts_dropped;
      }
      queue_.push_back(ToAmAlert(n, options_.external_url));
      ++counters_.alerts_queued;
    }
  }
  cv_.notify_all();
}

bool Notifier::Drain(std::int64_t timeout_ms) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                      [this] { return queue_.empty() && !busy_; });
}

Notifier::Counters Notifier::counters() const {
  const std::lock_guard lock(mu_);
  return counters_;
}

void Notifier::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      return;  // Stopping with nothing left.
    }
    std::vector<wire::AmAlert> batch(queue_.begin(), queue_.end());
    queue_.clear();
    busy_ = true;
    lock.unlock();
    Deliver(batch);
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

void Notifier::Deliver(const std::vector<wire::AmAlert>& batch) {
  for (const NotifierTarget& target : options_.targets) {
    std::vector<std::pair<std::string, std::string>> posts;  // url, body
    if (target.kind == NotifierTarget::Kind::kAlertmanagerV2) {
      // Alertmanager derives the status from endsAt; the field is webhook-only.
      posts.emplace_back(TrimSlash(target.url) + "/api/v2/alerts",
                         wire::EncodePostableAlerts(batch));
    } else {
      for (const wire::WebhookMessage& m :
           GroupForWebhook(batch, options_.webhook_group_by, options_.external_url)) {
        posts.emplace_back(target.url, wire::EncodeWebhook(m));
      }
    }
    for (const auto& [url, body] : posts) {
      const Status s = PostWithRetries(url, body);
      const std::lock_guard lock(mu_);
      if (s.ok()) {
        ++counters_.requests_sent;
      } else {
        ++counters_.requests_failed;
        counters_.last_error = s.message();
      }
    }
  }
}

Status Notifier::PostWithRetries(const std::string& url, const std::string& body) {
  std::int64_t backoff = options_.retry_backoff_ms;
  Status s = Status::Ok();
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    s = post_(url, body, options_.timeout_seconds);
    if (s.ok()) {
      return s;
    }
    std::unique_lock lock(mu_);
    if (stopping_ || attempt == options_.max_attempts) {
      break;
    }
    ++counters_.retries;
    cv_.wait_for(lock, std::chrono::milliseconds(backoff), [this] { return stopping_; });
    backoff *= 2;
  }
  return s;
}

}  // namespace obs::backend::alert
