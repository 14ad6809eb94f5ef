#include "obs/loadgen/otlp_receiver.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "obs/wire/gzip.h"
#include "obs/wire/otlp.h"

namespace obs::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace otlp = wire::otlp;
using tcp = asio::ip::tcp;

// What one request contributes to the counts, computed before the lock.
struct Tally {
  std::uint64_t bytes = 0;
  bool decode_error = false;
  bool rejected = false;
  std::optional<otlp::Signal> signal;  // Set when accepted.
  std::uint64_t items = 0;
  std::uint64_t decoded_bytes = 0;
  SpanKindCounts kinds;
  std::uint64_t root_spans = 0;
};

void CountSpans(const otlp::TracesData& data, Tally& t) {
  for (const otlp::ResourceSpans& rs : data.resource_spans) {
    for (const otlp::ScopeSpans& ss : rs.scope_spans) {
      for (const otlp::Span& span : ss.spans) {
        ++t.items;
        if (otlp::IsZero(span.parent_span_id)) {
          ++t.root_spans;
        }
        switch (span.kind) {
          case otlp::SpanKind::kInternal:
            ++t.kinds.internal;
            break;
          case otlp::SpanKind::kServer:
            ++t.kinds.server;
            break;
          case otlp::SpanKind::kClient:
            ++t.kinds.client;
            break;
          case otlp::SpanKind::kProducer:
            ++t.kinds.producer;
            break;
          case otlp::SpanKind::kConsumer:
            ++t.kinds.consumer;
            break;
          default:  // kUnspecified and values outside the enum.
            ++t.kinds.unspecified;
            break;
        }
      }
    }
  }
}

std::optional<otlp::Signal> SignalForPath(std::string_view target) {
  const std::size_t query = target.find('?');
  if (query != std::string_view::npos) {
    target = target.substr(0, query);
  }
  if (target == otlp::kTracesPath) {
    return otlp::Signal::kTraces;
  }
  if (target == otlp::kMetricsPath) {
    return otlp::Signal::kMetrics;
  }
  if (target == otlp::kLogsPath) {
    return otlp::Signal::kLogs;
  }
  return std::nullopt;
}

// Decodes `body` as `signal` and fills the item counts; the decoder's error.
Status Decode(otlp::Signal signal, otlp::Encoding encoding, std::string_view body, Tally& t) {
  const bool json = encoding == otlp::Encoding::kJson;
  switch (signal) {
    case otlp::Signal::kTraces: {
      Result<otlp::TracesData> d = json ? otlp::DecodeTracesJson(body) : otlp::DecodeTraces(body);
      if (!d.ok()) {
        return d.status();
      }
      CountSpans(*d, t);
      return Status::Ok();
    }
    case otlp::Signal::kMetrics: {
      Result<otlp::MetricsData> d =
          json ? otlp::DecodeMetricsJson(body) : otlp::DecodeMetrics(body);
      if (!d.ok()) {
        return d.status();
      }
      t.items = otlp::DataPointCount(*d);
      return Status::Ok();
    }
    case otlp::Signal::kLogs: {
      Result<otlp::LogsData> d = json ? otlp::DecodeLogsJson(body) : otlp::DecodeLogs(body);
      if (!d.ok()) {
        return d.status();
      }
      t.items = otlp::LogRecordCount(*d);
      return Status::Ok();
    }
  }
  return InternalError("otlp receiver: unknown signal");
}

void Add(OtlpSignalCounts& c, const Tally& t) {
  ++c.requests;
  c.items += t.items;
  c.bytes += t.bytes;
  c.decoded_bytes += t.decoded_bytes;
}

}  // namespace

struct OtlpReceiver::Impl {
  std::size_t max_body = 0;
  std::chrono::nanoseconds delay{0};
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  std::string address;
  std::atomic<bool> stopped{false};

  mutable std::mutex mu;
  OtlpReceiverCounts counts;

  explicit Impl(int n) : io(n) {}

  void Record(const Tally& t) {
    std::lock_guard<std::mutex> lock(mu);
    ++counts.requests;
    counts.bytes += t.bytes;
    if (t.decode_error) {
      ++counts.decode_errors;
    }
    if (t.rejected) {
      ++counts.rejected;
    }
    if (!t.signal.has_value()) {
      return;
    }
    switch (*t.signal) {
      case otlp::Signal::kTraces:
        Add(counts.traces, t);
        counts.spans_by_kind.unspecified += t.kinds.unspecified;
        counts.spans_by_kind.internal += t.kinds.internal;
        counts.spans_by_kind.server += t.kinds.server;
        counts.spans_by_kind.client += t.kinds.client;
        counts.spans_by_kind.producer += t.kinds.producer;
        counts.spans_by_kind.consumer += t.kinds.consumer;
        counts.root_spans += t.root_spans;
        break;
      case otlp::Signal::kMetrics:
        Add(counts.metrics, t);
        break;
      case otlp::Signal::kLogs:
        Add(counts.logs, t);
        break;
    }
  }

  struct Session;
  // Live sessions, so that Stop() can close their sockets once the threads
  // are joined (keep-alive connections would otherwise linger until the
  // receiver is destroyed).
  std::mutex sessions_mu;
  std::vector<std::weak_ptr<Session>> sessions;

  void Track(const std::shared_ptr<Session>& s) {
    std::lock_guard<std::mutex> lock(sessions_mu);
    if (sessions.size() >= 64 && sessions.size() == sessions.capacity()) {
      sessions.erase(std::remove_if(sessions.begin(), sessions.end(),
                                    [](const std::weak_ptr<Session>& w) { return w.expired(); }),
                     sessions.end());
    }
    sessions.push_back(s);
  }

  void Accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code ec, tcp::socket s) {
      if (ec) {
        return;  // Closed by Stop().
      }
      beast::error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      auto session = std::make_shared<Session>(this, std::move(s));
      Track(session);
      session->Read();
      Accept();
    });
  }

  // One connection: read a request, answer it, repeat while kept alive.
  struct Session : std::enable_shared_from_this<Session> {
    Session(Impl* owner, tcp::socket s)
        : impl(owner), stream(std::move(s)), timer(stream.get_executor()) {}
    Impl* impl;
    beast::tcp_stream stream;
    asio::steady_timer timer;
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;
    http::response<http::string_body> res;
    std::array<char, 16384> drain{};

    void Read() {
      parser.emplace();
      parser->body_limit(impl->max_body);
      stream.expires_after(std::chrono::seconds(60));
      http::async_read(
          stream, buffer, *parser,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
    }

    void OnRead(beast::error_code ec) {
      if (ec == http::error::body_limit) {
        Tally t;
        t.rejected = true;
        impl->Record(t);
        Answer(413, "text/plain; charset=utf-8",
               "otlp receiver: body larger than " + std::to_string(impl->max_body) + " bytes\n",
               false);
        return;
      }
      if (ec) {
        return;  // Closed, timed out or not HTTP: nothing to answer.
      }
      const auto& req = parser->get();
      const bool keep_alive = req.keep_alive();
      Tally t;
      t.bytes = req.body().size();
      const std::optional<otlp::Signal> signal = SignalForPath(req.target());
      if (!signal.has_value()) {
        t.rejected = true;
        impl->Record(t);
        Answer(404, "text/plain; charset=utf-8",
               "otlp receiver: no such path; use /v1/traces, /v1/metrics or /v1/logs\n",
               keep_alive);
        return;
      }
      if (req.method() != http::verb::post) {
        t.rejected = true;
        impl->Record(t);
        Answer(405, "text/plain; charset=utf-8", "otlp receiver: only POST is accepted\n",
               keep_alive);
        return;
      }
      const Result<otlp::Encoding> encoding =
          otlp::EncodingForContentType(req[http::field::content_type]);
      if (!encoding.ok()) {
        t.rejected = true;
        impl->Record(t);
        Answer(415, "text/plain; charset=utf-8",
               "otlp receiver: " + encoding.status().message() + "\n", keep_alive);
        return;
      }
      std::string inflated;
      std::string_view body = req.body();
      const std::string_view coding = req[http::field::content_encoding];
      if (beast::iequals(coding, "gzip") || beast::iequals(coding, "x-gzip") ||
          beast::iequals(coding, "deflate")) {
        Result<std::string> raw =
            wire::Decompress(body,
                             beast::iequals(coding, "deflate") ? wire::ContentCoding::kDeflate
                                                               : wire::ContentCoding::kGzip,
                             impl->max_body);
        if (!raw.ok() && raw.status().code() == StatusCode::kResourceExhausted) {
          t.rejected = true;
          impl->Record(t);
          Answer(413, "text/plain; charset=utf-8",
                 "otlp receiver: inflated body larger than " + std::to_string(impl->max_body) +
                     " bytes\n",
                 keep_alive);
          return;
        }
        if (!raw.ok()) {
          AnswerDecodeError(t, *signal, raw.status(), *encoding, keep_alive);
          return;
        }
        inflated = std::move(raw).value();
        body = inflated;
      } else if (!coding.empty() && !beast::iequals(coding, "identity")) {
        t.rejected = true;
        impl->Record(t);
        Answer(415, "text/plain; charset=utf-8",
               "otlp receiver: unsupported Content-Encoding \"" + std::string(coding) + "\"\n",
               keep_alive);
        return;
      }
      t.decoded_bytes = body.size();
      const Status decoded = Decode(*signal, *encoding, body, t);
      if (!decoded.ok()) {
        AnswerDecodeError(t, *signal, decoded, *encoding, keep_alive);
        return;
      }
      t.signal = signal;
      impl->Record(t);
      Answer(200,
             std::string(*encoding == otlp::Encoding::kJson ? otlp::kJsonContentType
                                                            : otlp::kProtobufContentType),
             otlp::EncodeExportResponse(*signal, {}, *encoding), keep_alive);
    }

    void AnswerDecodeError(Tally& t, otlp::Signal signal, const Status& status,
                           otlp::Encoding encoding, bool keep_alive) {
      const std::uint64_t bytes = t.bytes;
      t = Tally();
      t.bytes = bytes;
      t.decode_error = true;
      impl->Record(t);
      Answer(400,
             std::string(encoding == otlp::Encoding::kJson ? otlp::kJsonContentType
                                                           : otlp::kProtobufContentType),
             otlp::EncodeRpcStatus(
                 {.code = 3,
                  .message = "otlp receiver: " + std::string(otlp::SignalName(signal)) + ": " +
                             status.message()},
                 encoding),
             keep_alive);
    }

    void Answer(int status, std::string content_type, std::string body, bool keep_alive) {
      res = {};
      res.result(static_cast<unsigned>(status));
      res.version(11);
      res.set(http::field::content_type, content_type);
      res.body() = std::move(body);
      res.keep_alive(keep_alive);
      res.prepare_payload();
      if (impl->delay.count() > 0) {
        timer.expires_after(impl->delay);
        timer.async_wait([self = shared_from_this(), keep_alive](beast::error_code ec) {
          if (!ec) {
            self->Write(keep_alive);
          }
        });
        return;
      }
      Write(keep_alive);
    }

    void Write(bool keep_alive) {
      http::async_write(stream, res,
                        [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                          if (ec) {
                            return;
                          }
                          if (keep_alive) {
                            self->Read();
                            return;
                          }
                          beast::error_code ignored;
                          self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          self->Drain();
                        });
    }

    // After a final answer (413 in particular, sent before the body was
    // read): reads and discards what the client still sends, for a bounded
    // time, so that closing with unread data does not reset the connection
    // and destroy the answer before the client has read it.
    void Drain() {
      stream.expires_after(std::chrono::seconds(2));
      stream.async_read_some(asio::buffer(drain),
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               if (!ec) {
                                 self->Drain();
                               }
                             });
    }
  };

  void CloseSessions() {
    std::lock_guard<std::mutex> lock(sessions_mu);
    for (const std::weak_ptr<Session>& w : sessions) {
      if (std::shared_ptr<Session> s = w.lock()) {
        beast::error_code ignored;
        s->stream.socket().close(ignored);
      }
    }
    sessions.clear();
  }
};

Result<std::unique_ptr<OtlpReceiver>> OtlpReceiver::Start(const OtlpReceiverOptions& options) {
  if (options.max_body_bytes == 0) {
    return InvalidArgumentError("otlp receiver: max_body_bytes must be > 0");
  }
  if (!(options.response_delay_seconds >= 0) || !std::isfinite(options.response_delay_seconds)) {
    return InvalidArgumentError("otlp receiver: response_delay_seconds must be >= 0");
  }
  if (options.threads < 1) {
    return InvalidArgumentError("otlp receiver: threads must be >= 1");
  }
  auto impl = std::make_unique<Impl>(options.threads);
  impl->max_body = options.max_body_bytes;
  impl->delay = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(options.response_delay_seconds));
  beast::error_code ec;
  const auto address = asio::ip::make_address(options.listen_address, ec);
  if (ec) {
    return InvalidArgumentError("otlp receiver: bad listen address \"" + options.listen_address +
                                "\"");
  }
  const tcp::endpoint ep(address, options.port);
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) {
    impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  }
  if (!ec) {
    impl->acceptor.bind(ep, ec);
  }
  if (!ec) {
    impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return UnavailableError("otlp receiver: cannot listen on " + options.listen_address + ":" +
                            std::to_string(options.port) + ": " + ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->address = address.is_v6() ? "[" + options.listen_address + "]" : options.listen_address;
  impl->Accept();
  Impl* raw = impl.get();
  for (int i = 0; i < options.threads; ++i) {
    impl->threads.emplace_back([raw] { raw->io.run(); });
  }
  return std::unique_ptr<OtlpReceiver>(new OtlpReceiver(std::move(impl)));
}

OtlpReceiver::OtlpReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OtlpReceiver::~OtlpReceiver() {
  Stop();
}

std::uint16_t OtlpReceiver::port() const {
  return impl_->port;
}

std::string OtlpReceiver::base_url() const {
  return "http://" + impl_->address + ":" + std::to_string(impl_->port);
}

OtlpReceiverCounts OtlpReceiver::Counts() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->counts;
}

void OtlpReceiver::ResetCounts() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->counts = {};
}

void OtlpReceiver::Stop() {
  if (impl_->stopped.exchange(true)) {
    return;
  }
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->io.stop();
  for (std::thread& t : impl_->threads) {
    if (t.joinable()) {
      t.join();
    }
  }
  // No thread runs handlers any more: the sockets can be closed from here.
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->CloseSessions();
}

}  // namespace obs::loadgen
