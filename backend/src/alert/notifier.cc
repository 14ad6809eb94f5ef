#include "alert/notifier.h"

#include <algorithm>
#include <chrono>
#include <functional>
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

// libcurl's global initialisation (its TLS library's) takes milliseconds:
// the Notifier does it when constructed, not on the first alert's way out.
bool CurlGlobalInit() {
  static const bool kInit = [] {
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  }();
  return kInit;
}

}  // namespace

Status CurlPost(const std::string& url, const std::string& body, double timeout_seconds) {
  if (!CurlGlobalInit()) {
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
  headers = curl_slist_append(headers, "Expect:");
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
    : options_(std::move(options)), post_(std::move(post)) {
  if (!options_.targets.empty()) {
    (void)CurlGlobalInit();  // CurlPost reports a failure.
  }
  const int n = std::max(options_.delivery_threads, 1);
  for (int i = 0; i < n; ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
  for (const std::unique_ptr<Shard>& shard : shards_) {
    threads_.emplace_back([this, s = shard.get()] { Run(*s); });
  }
}

Notifier::~Notifier() {
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
  }
  for (const std::unique_ptr<Shard>& shard : shards_) {
    shard->cv.notify_all();
  }
  idle_cv_.notify_all();
  for (std::thread& t : threads_) {
    t.join();
  }
}

std::size_t Notifier::ShardOf(const wire::AmAlert& alert) const {
  if (shards_.size() == 1) {
    return 0;
  }
  std::string key;
  for (const std::string& name : options_.webhook_group_by) {
    const auto it = alert.labels.find(name);
    key += it != alert.labels.end() ? it->second : std::string();
    key += '\xff';
  }
  return std::hash<std::string>{}(key) % shards_.size();
}

void Notifier::DropOldest() {
  Shard* oldest = nullptr;
  for (const std::unique_ptr<Shard>& shard : shards_) {
    if (!shard->queue.empty() &&
        (oldest == nullptr || shard->queue.front().first < oldest->queue.front().first)) {
      oldest = shard.get();
    }
  }
  oldest->queue.pop_front();
  --queued_;
  ++counters_.alerts_dropped;
}

void Notifier::Send(const std::vector<Notification>& notifications) {
  if (notifications.empty() || options_.targets.empty()) {
    return;
  }
  std::vector<wire::AmAlert> alerts;
  alerts.reserve(notifications.size());
  for (const Notification& n : notifications) {
    alerts.push_back(ToAmAlert(n, options_.external_url));
  }
  std::vector<bool> woken(shards_.size(), false);
  {
    const std::lock_guard lock(mu_);
    for (wire::AmAlert& a : alerts) {
      if (queued_ >= std::max<std::size_t>(options_.queue_capacity, 1)) {
        DropOldest();
      }
      const std::size_t i = ShardOf(a);
      shards_[i]->queue.emplace_back(next_sequence_++, std::move(a));
      woken[i] = true;
      ++queued_;
      ++counters_.alerts_queued;
    }
  }
  for (std::size_t i = 0; i < shards_.size(); ++i) {
    if (woken[i]) {
      shards_[i]->cv.notify_one();
    }
  }
}

bool Notifier::Drain(std::int64_t timeout_ms) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] {
    return queued_ == 0 && std::none_of(shards_.begin(), shards_.end(),
                                        [](const std::unique_ptr<Shard>& s) { return s->busy; });
  });
}

Notifier::Counters Notifier::counters() const {
  const std::lock_guard lock(mu_);
  return counters_;
}

void Notifier::Run(Shard& shard) {
  std::unique_lock lock(mu_);
  for (;;) {
    shard.cv.wait(lock, [&] { return stopping_ || !shard.queue.empty(); });
    if (shard.queue.empty()) {
      return;  // Stopping with nothing left.
    }
    std::vector<wire::AmAlert> batch;
    batch.reserve(shard.queue.size());
    for (auto& [sequence, alert] : shard.queue) {
      batch.push_back(std::move(alert));
    }
    queued_ -= shard.queue.size();
    shard.queue.clear();
    shard.busy = true;
    lock.unlock();
    Deliver(batch);
    lock.lock();
    shard.busy = false;
    idle_cv_.notify_all();
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
    idle_cv_.wait_for(lock, std::chrono::milliseconds(backoff), [this] { return stopping_; });
    backoff *= 2;
  }
  return s;
}

}  // namespace obs::backend::alert
