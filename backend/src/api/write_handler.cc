#include "api/write_handler.h"

#include <cctype>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "obs/wire/snappy.h"

#include "api/responses.h"

namespace obs::backend {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// The value of parameter `name` in `type;a=b;c="d"`, or "" if absent.
std::string_view MediaTypeParam(std::string_view type, std::string_view name) {
  std::size_t semi = type.find(';');
  while (semi != std::string_view::npos) {
    type.remove_prefix(semi + 1);
    semi = type.find(';');
    const std::string_view param = Trim(type.substr(0, semi));
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos && Lower(Trim(param.substr(0, eq))) == name) {
      std::string_view value = Trim(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
  }
  return {};
}

}  // namespace

std::string CheckRemoteWriteHeaders(std::string_view content_encoding,
                                    std::string_view content_type) {
  const std::string encoding = Lower(Trim(content_encoding));
  if (encoding.empty()) {
    return "missing Content-Encoding: remote write requires snappy";
  }
  if (encoding != "snappy") {
    return "unsupported Content-Encoding \"" + std::string(content_encoding) +
           "\": remote write requires snappy";
  }
  const std::string media = Lower(Trim(content_type.substr(0, content_type.find(';'))));
  if (media != "application/x-protobuf") {
    return "unsupported Content-Type \"" + std::string(content_type) +
           "\": remote write requires application/x-protobuf";
  }
  const std::string_view proto = MediaTypeParam(content_type, "proto");
  if (!proto.empty() && proto != "prometheus.WriteRequest") {
    return "unsupported remote write message \"" + std::string(proto) +
           "\": only prometheus.WriteRequest (remote write 1.0) is supported";
  }
  return {};
}

WriteHandler::WriteHandler(Storage& storage, BackendMetrics& metrics, WriteHandlerOptions options)
    : storage_(storage), metrics_(metrics), options_(options) {}

http::Response WriteHandler::Handle(const http::Request& request) {
  if (options_.write_delay_seconds > 0) {
    // A slower backend for regression tests (blocks this I/O thread).
    std::this_thread::sleep_for(std::chrono::duration<double>(options_.write_delay_seconds));
  }
  const std::string header_error =
      CheckRemoteWriteHeaders(request.Header("content-encoding"), request.Header("content-type"));
  if (!header_error.empty()) {
    return TextResponse(415, header_error);
  }
  // Per-thread buffers, reused so that a request allocates nothing once warm.
  thread_local DecodeBuffers buffers;
  struct TrimOnExit {
    DecodeBuffers& b;
    ~TrimOnExit() { b.TrimIfLarge(); }
  } trim_on_exit{buffers};
  if (Status s =
          wire::SnappyUncompressTo(request.body, options_.max_decompressed_bytes, buffers.raw);
      !s.ok()) {
    const bool too_big = s.code() == StatusCode::kResourceExhausted;
    return TextResponse(too_big ? 413 : 400, s.message());
  }
  if (Status s = wire::DecodeWriteRequestTo(buffers.raw, buffers.decoded); !s.ok()) {
    return TextResponse(400, s.message());
  }
  const std::uint64_t dropped = ApplyFault(buffers.decoded);
  Result<AppendStats> appended = storage_.Append(buffers.decoded);
  if (!appended.ok()) {
    const bool invalid = appended.status().code() == StatusCode::kInvalidArgument;
    return TextResponse(invalid ? 400 : 500, appended.status().message());
  }
  metrics_.AddSamplesAppended(appended->samples);
  metrics_.AddSamplesDropped(dropped);
  return http::Response{.status = 204, .content_type = {}, .body = {}, .headers = {}};
}

std::uint64_t WriteHandler::ApplyFault(wire::FlatWriteRequest& request) {
  const std::uint64_t n = options_.drop_every_nth_sample;
  if (n == 0) {
    return 0;
  }
  const std::uint64_t total = request.samples.size();
  // Reserve this request's range of global sample numbers in one step.
  std::uint64_t number = fault_samples_seen_.fetch_add(total, std::memory_order_relaxed);
  std::uint64_t dropped = 0;
  // Compacts samples and series in place: write positions never pass read positions.
  std::size_t kept_samples = 0;
  std::size_t kept_series = 0;
  for (const wire::SeriesSpan& series : request.series) {
    wire::SeriesSpan out = series;
    out.sample_begin = static_cast<std::uint32_t>(kept_samples);
    for (std::uint32_t i = 0; i < series.sample_count; ++i) {
      const wire::Sample sample = request.samples[series.sample_begin + i];
      if (++number % n == 0) {
        ++dropped;
        continue;
      }
      request.samples[kept_samples++] = sample;
    }
    out.sample_count = static_cast<std::uint32_t>(kept_samples - out.sample_begin);
    // A series that lost every sample is not sent on to the storage at all.
    if (series.sample_count == 0 || out.sample_count != 0) {
      request.series[kept_series++] = out;
    }
  }
  request.samples.resize(kept_samples);
  request.series.resize(kept_series);
  return dropped;
}

void WriteHandler::DecodeBuffers::TrimIfLarge() {
  constexpr std::size_t kKeepBytes = 16U << 20;
  if (raw.capacity() > kKeepBytes) {
    std::string().swap(raw);
  }
  if (decoded.labels.capacity() * sizeof(wire::LabelView) > kKeepBytes ||
      decoded.samples.capacity() * sizeof(wire::Sample) > kKeepBytes) {
    decoded = wire::FlatWriteRequest();
  }
}

}  // namespace obs::backend
