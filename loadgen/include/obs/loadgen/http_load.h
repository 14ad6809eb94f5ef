// The application load generator: RunHttpLoad() offers HTTP requests to an
// application (not an observability backend) on an open-loop schedule
// (requests per second, constant or in stages) from `concurrency` sender
// threads, each with one keep-alive connection. Every scheduled request is
// one of `requests`, chosen by weight, deterministically from `seed` and
// the request's number (so the mix does not depend on thread timing).
//
// Open loop: a sender that falls behind sends the overdue requests late (each
// counted in requests_late) and never skips one; requests still due when the
// run ends (a stop) are counted in requests_unsent. Latency is measured from
// the intended send time (coordinated-omission corrected) and, beside it,
// from the actual send time.
//
// Each request is answered once, never retried: an application load counts
// every answer. (The one exception is transport-level: a reused keep-alive
// connection found closed by the peer before any answer, the idle-close
// race, is reopened and the request written once more.) 2xx and 3xx
// (redirects are not followed) count as succeeded, 4xx as rejected, 5xx,
// 1xx and transport errors (status 0: refused, reset, timeout) as failed;
// every status is also counted in WorkloadRecord::status_codes. A request
// is one logical request of one item, so samples_sent == requests and the
// record's sample rates are requests per second.
//
// Thread safety: RunHttpLoad() blocks until the load ends; `stop` may be set
// from any thread.

#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/base/status.h"
#include "obs/loadgen/progress.h"
#include "obs/loadgen/schedule.h"

namespace obs::loadgen {

// One kind of request in the mix.
struct HttpRequestSpec {
  std::string method = "GET";  // An HTTP token: GET, POST, PUT, PATCH, DELETE, ...
  std::string path = "/";      // Origin form, query included: "/api/items?id=7". Starts with '/'.
  // Sent after Host and User-Agent, in order; a name given here replaces
  // the default of the same name (case-insensitive). No CR or LF.
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};   // Content-Length is set whenever the body is not empty.
  double weight = 1.0;  // Relative share of the mix; > 0.
};

struct HttpLoadOptions {
  std::string name = "http";
  // http://host:port, optionally with a path prefix that is joined with each
  // spec's path ("http://h:8080/v2" + "/items" -> "/v2/items"). No https.
  std::string base_url;
  std::vector<HttpRequestSpec> requests;  // At least one.
  // The constant rate; with `stages`, the rate the first stage ramps from
  // (as for the other workloads): set 0 to ramp up from nothing.
  double requests_per_second = 100;
  std::vector<Stage> stages;             // Targets in requests per second.
  double duration_seconds = 30;          // Constant rate only.
  int concurrency = 2;                   // Connections = sender threads, in [1, 256].
  double request_timeout_seconds = 10;   // Connect, and write + read of one request; > 0.
  double late_threshold_seconds = 0.01;  // Sent later than this after its due time: late.
  std::uint64_t seed = 1;
  LiveProgress* progress = nullptr;  // Updated per answered request when set.
};

struct HttpLoadResult {
  WorkloadRecord record;  // kind "http"; samples_* count requests; series = specs.
  // Requests sent per spec, parallel to HttpLoadOptions::requests.
  std::vector<std::uint64_t> requests_by_spec;
};

// Returns kInvalidArgument naming the option (e.g. "requests[1].weight must
// be > 0") when `options` cannot run: no requests, a bad method, path,
// header or weight, a base_url that is not http://host:port[/prefix], a
// concurrency outside [1, 256], a rate, duration or stage out of range, or
// a schedule that never ends or offers more than 2^32 requests.
Status ValidateHttpLoadOptions(const HttpLoadOptions& options);

// Runs the load to the end of the schedule or until `*stop` (may be null)
// is set. Returns the validation error, kUnavailable if base_url cannot be
// connected to before the start, or kInternal if a sender thread failed;
// otherwise the record (answers of any status are data, not errors).
Result<HttpLoadResult> RunHttpLoad(const HttpLoadOptions& options, const Clock& clock,
                                   const std::atomic<bool>* stop = nullptr);

}  // namespace obs::loadgen
