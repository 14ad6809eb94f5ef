// Summing per-sender WorkloadRecords into one, shared by every load
// generator that runs sender threads.
//
// Thread safety: plain functions; call after the senders are joined.

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/base/status.h"

#include "http_client.h"

namespace obs::loadgen::internal {

// Adds the counters, status codes and latency histograms of `r` to `into`
// (names, kinds and rates are the caller's).
void MergeCounts(WorkloadRecord& into, const WorkloadRecord& r);

// Counts one HTTP attempt's status and, the first time a non-2xx status (or
// a transport error, status 0) is seen, keeps what the target said: the
// start of the body, or the error text.
void NoteAnswer(WorkloadRecord& rec, int status, std::string_view said);
inline void NoteAnswer(WorkloadRecord& rec, const HttpResponse& res) {
  NoteAnswer(rec, res.status, res.status == 0 ? std::string_view(res.error) : res.body);
}

// Seconds as the steady clock's duration.
inline SteadyClock::duration FromSeconds(double seconds) {
  return std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
}

// Sleeps on `clock` until `t`, waking every 20 ms to look at `*stop` (may be
// null). Returns false as soon as a stop is requested.
bool SleepUntil(const Clock& clock, const std::atomic<bool>* stop, SteadyClock::time_point t);

// Runs `shards` sender threads, each with its own HttpClient (connected
// first, best effort: a failure shows on the first send), and joins them. An
// exception escaping a sender becomes kInternal naming `what`.
Status RunSenderThreads(int shards, const HttpClientOptions& http,
                        const std::function<void(int shard, HttpClient& client)>& sender,
                        std::string_view what);

// Sets duration and rates: targets over the scheduled window [start,
// window_end), achieved over the real elapsed time to the last answer (never
// shorter than the window). Items are samples, spans or lines.
void FillRates(WorkloadRecord& rec, std::uint64_t items_scheduled, std::uint64_t requests_scheduled,
               SteadyClock::time_point start, SteadyClock::time_point window_end,
               SteadyClock::time_point last_answer);

}  // namespace obs::loadgen::internal
