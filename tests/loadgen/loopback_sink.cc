#include "loopback_sink.h"

#include <atomic>
#include <cctype>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "obs/wire/snappy.h"

namespace obs::loadgen::testing {

class LoopbackSink::Server {
 public:
  explicit Server(Script script) : script_(std::move(script)) {
    namespace asio = boost::asio;
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~Server() {
    stopping_ = true;
    boost::system::error_code ec;
    {
      // A blocking accept() is not woken by close() on Linux: connect once.
      boost::asio::ip::tcp::socket wake(ioc_);
      wake.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)},
                   ec);
    }
    accept_thread_.join();
    acceptor_.close(ec);
    {
      const std::lock_guard<std::mutex> lock(mu_);
      for (auto& s : sockets_) {
        s->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
      }
    }
    for (auto& t : connection_threads_) {
      t.join();
    }
  }

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }

  std::vector<SinkRequest> requests() const {
    const std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      auto socket = std::make_shared<boost::asio::ip::tcp::socket>(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec || stopping_) {
        return;
      }
      const std::lock_guard<std::mutex> lock(mu_);
      sockets_.push_back(socket);
      connection_threads_.emplace_back([this, socket] { Serve(*socket); });
    }
  }

  void Serve(boost::asio::ip::tcp::socket& socket) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    while (!stopping_) {
      http::request<http::string_body> req;
      boost::system::error_code ec;
      http::read(socket, buffer, req, ec);
      if (ec) {
        return;
      }
      SinkRequest record = Decode(req);
      int index = 0;
      {
        const std::lock_guard<std::mutex> lock(mu_);
        index = static_cast<int>(requests_.size());
        requests_.push_back(record);
      }
      const SinkAnswer answer = script_(index);
      std::this_thread::sleep_for(answer.delay);  // The stall under test.
      {
        const std::lock_guard<std::mutex> lock(mu_);
        requests_[static_cast<std::size_t>(index)].answered = answer.status;
      }
      http::response<http::string_body> res{static_cast<http::status>(answer.status), 11};
      if (!answer.retry_after.empty()) {
        res.set(http::field::retry_after, answer.retry_after);
      }
      if (!answer.content_type.empty()) {
        res.set(http::field::content_type, answer.content_type);
      }
      res.body() = answer.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(socket, res, ec);
      if (ec || !req.keep_alive()) {
        return;
      }
    }
  }

  static SinkRequest Decode(
      const boost::beast::http::request<boost::beast::http::string_body>& req) {
    SinkRequest r;
    r.arrival = std::chrono::steady_clock::now();
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      r.headers[name] = std::string(field.value());
    }
    r.body = req.body();
    auto raw = wire::SnappyUncompress(req.body(), 64 << 20);
    if (!raw.ok()) {
      return r;
    }
    auto decoded = wire::DecodeWriteRequest(raw.value());
    if (!decoded.ok()) {
      return r;
    }
    r.decoded = true;
    for (const wire::TimeSeriesView& ts : decoded.value().timeseries) {
      std::string key;
      for (const wire::LabelView& l : ts.labels) {
        key += std::string(l.name) + "=" + std::string(l.value) + ",";
      }
      std::vector<std::int64_t> stamps;
      for (const wire::Sample& s : ts.samples) {
        stamps.push_back(s.timestamp_ms);
      }
      r.samples += stamps.size();
      r.series.emplace_back(std::move(key), std::move(stamps));
    }
    return r;
  }

  Script script_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_{ioc_};
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::vector<std::thread> connection_threads_;
  std::vector<SinkRequest> requests_;
};

LoopbackSink::LoopbackSink(Script script) : server_(std::make_unique<Server>(std::move(script))) {}

LoopbackSink::~LoopbackSink() = default;

int LoopbackSink::port() const {
  return server_->port();
}

std::vector<SinkRequest> LoopbackSink::requests() const {
  return server_->requests();
}

std::map<std::string, std::vector<std::int64_t>> LoopbackSink::SamplesBySeries(
    bool only_acked) const {
  std::map<std::string, std::vector<std::int64_t>> out;
  for (const SinkRequest& r : requests()) {
    if (only_acked && (r.answered < 200 || r.answered > 299)) {
      continue;
    }
    for (const auto& [series, ts] : r.series) {
      auto& v = out[series];
      v.insert(v.end(), ts.begin(), ts.end());
    }
  }
  return out;
}

}  // namespace obs::loadgen::testing
