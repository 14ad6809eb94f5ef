// The Prometheus remote-write (1.0) load generator: RunRemoteWrite() offers a
// SeriesSet to a target on an open-loop schedule from `concurrency` sender
// threads, records every sample's fate in a Ledger, and measures each
// request's latency both from its due time (coordinated-omission corrected)
// and from its first send (docs/measurement.md). RemoteWriteClient is the
// single-shot writer the verifier uses for visibility probes.
//
// Sharding: slot s belongs to sender s % concurrency, so each series is
// written by one thread and its timestamps are strictly increasing even under
// concurrency. A request carries at most one sample per series (a scrape-like
// batch of distinct series); its retries keep its place in the order.
//
// Thread safety: RunRemoteWrite() may be called from any thread; it blocks
// until the load ends. A RemoteWriteClient is not thread-safe (one
// connection); use one per thread.

#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/base/status.h"
#include "obs/loadgen/ledger.h"
#include "obs/loadgen/progress.h"
#include "obs/loadgen/schedule.h"
#include "obs/loadgen/series_set.h"

namespace obs::loadgen {

struct RetryOptions {
  int max_attempts = 8;  // Attempts per request, including the first. Must be >= 1.
  double min_backoff_seconds = 0.03;
  double max_backoff_seconds = 5;
};

// Stress runs: stop when a window breaks a threshold (0 = unused).
struct StopCondition {
  double window_seconds = 1;
  double latency_p99_seconds = 0;  // corrected p99 of the window's requests
  double error_ratio = 0;          // (rejected+failed)/requests of the window
};

struct RemoteWriteOptions {
  std::string name = "remote_write";
  std::string url{};                             // http://host:port/api/v1/write
  std::map<std::string, std::string> headers{};  // never overriding the 4 protocol headers
  std::string bearer_token{};
  SeriesSetOptions series{};            // models, instances, seed, churn, run_id
  double scrape_interval_seconds = 15;  // topology mode: every series once per interval
  double samples_per_second = 0;        // rate mode (overrides topology when > 0)
  std::vector<Stage> stages{};          // ramping rate mode (overrides both; the first stage
                                        // ramps from samples_per_second, 0 by default)
  double duration_seconds = 30;         // total (or sum of stages)
  int batch_size = 2000;                // max samples per request
  int concurrency = 4;                  // sender threads = shards = connections
  RetryOptions retry{};
  double request_timeout_seconds = 10;
  double late_threshold_seconds =
      0.01;  // a request sent later than this after its due time is "late"
  StopCondition stop_when{};
  LiveProgress* progress = nullptr;  // Updated per settled request when set.
};

struct RemoteWriteResult {
  obs::WorkloadRecord record;
  Ledger ledger;
  SeriesSet series;
};

// Runs the load to completion (or until `*stop` becomes true). Requests due
// after the end of the run are not sent; requests due before it but not sent
// are counted in record.requests_unsent. Returns kInvalidArgument for bad
// options and kUnavailable if the target can't be reached at all at the start
// (connection refused on the first attempts). Failures during the run are
// data in the result, not errors. `clock` must outlive the call.
Result<RemoteWriteResult> RunRemoteWrite(const RemoteWriteOptions& options, const Clock& clock,
                                         const std::atomic<bool>* stop = nullptr);

// Load description for `obsbench validate` (no I/O).
struct LoadDescription {
  std::uint64_t series = 0;  // Distinct series over the run (slots x churn generations).
  double samples_per_second = 0;
  double requests_per_second = 0;
  double duration_seconds = 0;
  std::uint64_t total_samples = 0;
};

// Returns kInvalidArgument for the same bad options RunRemoteWrite() rejects.
Result<LoadDescription> DescribeLoad(const RemoteWriteOptions& options);

// One sample of a probe series.
struct ProbeSample {
  double value = 0;
  std::int64_t timestamp_ms = 0;
};

// A series written by RemoteWriteClient. Labels need not be sorted.
struct ProbeSeries {
  std::vector<Label> labels{};
  std::vector<ProbeSample> samples{};
};

namespace internal {
class HttpClient;  // loadgen/src/http_client.h
}

// A single-shot metrics writer for probes: no retries, no schedule; the
// caller decides what a status means. It speaks remote write (Create) or
// OTLP/HTTP metrics (CreateOtlp: each probe series is a gauge named by its
// __name__ label, the other labels its point attributes, no resource
// attributes, so the Prometheus translation gives back the same series).
class RemoteWriteClient {
 public:
  // Returns kInvalidArgument for a URL that is not http://host[:port][/path]
  // or headers that would override a protocol header. Does not connect yet.
  static Result<RemoteWriteClient> Create(const std::string& url,
                                          const std::map<std::string, std::string>& headers,
                                          const std::string& bearer_token, double timeout_seconds);
  // `url` is the OTLP metrics endpoint (http://host:port/v1/metrics).
  static Result<RemoteWriteClient> CreateOtlp(const std::string& url,
                                              const std::map<std::string, std::string>& headers,
                                              const std::string& bearer_token,
                                              double timeout_seconds);

  // Encodes, compresses and posts `series` (labels sorted here). Returns the
  // HTTP status, or kUnavailable / kDeadlineExceeded when no answer came.
  Result<int> Write(const std::vector<ProbeSeries>& series);

  RemoteWriteClient(RemoteWriteClient&&) noexcept;
  RemoteWriteClient& operator=(RemoteWriteClient&&) noexcept;
  ~RemoteWriteClient();

 private:
  RemoteWriteClient(std::unique_ptr<internal::HttpClient> http, bool otlp);

  std::unique_ptr<internal::HttpClient> http_;
  bool otlp_ = false;
};

}  // namespace obs::loadgen
