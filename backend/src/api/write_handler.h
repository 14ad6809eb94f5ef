// WriteHandler serves `POST /api/v1/write`, the Prometheus remote write 1.0
// receiver: it checks the headers (Content-Encoding snappy, Content-Type
// application/x-protobuf, else 415), snappy-decodes the body (400 when
// corrupt, 413 beyond `max_decompressed_bytes`), decodes the WriteRequest
// (400 with the decoder's message), optionally drops samples for the fault
// mode, and appends everything or nothing to the Storage (400 with the
// storage's reason). Success is 204 with an empty body. No input crashes it.
//
// Thread safety: Handle() may be called concurrently; the fault counter is
// atomic, so across concurrent requests exactly one sample in N is dropped,
// though which ones depends on arrival order.

#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "obs/wire/remote_write.h"

#include "api/metrics.h"
#include "http/message.h"
#include "store/storage.h"

namespace obs::backend {

struct WriteHandlerOptions {
  std::size_t max_decompressed_bytes = 256U << 20;
  std::uint64_t drop_every_nth_sample = 0;  // 0 = off.
  double write_delay_seconds = 0;           // Fault: answer every write this much later.
};

class WriteHandler {
 public:
  // `storage` and `metrics` must outlive the handler.
  WriteHandler(Storage& storage, BackendMetrics& metrics, WriteHandlerOptions options);

  // Returns the complete answer; never throws.
  http::Response Handle(const http::Request& request);

 private:
  // Removes every Nth sample (by the global sample count) from `request`,
  // drops series left without samples, and returns how many were removed.
  std::uint64_t ApplyFault(wire::FlatWriteRequest& request);

  // The snappy-decoded body and its decoded form, kept per thread across
  // requests; buffers grown past 16 MiB by an outsized request are freed.
  struct DecodeBuffers {
    std::string raw;
    wire::FlatWriteRequest decoded;
    void TrimIfLarge();
  };

  Storage& storage_;
  BackendMetrics& metrics_;
  WriteHandlerOptions options_;
  std::atomic<std::uint64_t> fault_samples_seen_{0};
};

// Checks the remote write 1.0 request headers. Returns the 415 message, or ""
// if they are acceptable. Exposed for tests.
std::string CheckRemoteWriteHeaders(std::string_view content_encoding,
                                    std::string_view content_type);

}  // namespace obs::backend
