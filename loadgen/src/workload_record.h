// Summing per-sender WorkloadRecords into one, shared by every load
// generator that runs sender threads.
//
// Thread safety: plain functions; call after the senders are joined.

#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "obs/base/clock.h"
#include "obs/base/run_record.h"
#include "obs/base/status.h"
#include "obs/loadgen/progress.h"
#include "obs/loadgen/schedule.h"

#include "http_client.h"

namespace obs::loadgen::internal {

// Adds the counters, status codes, latency histograms and intervals of `r`
// to `into` (names, kinds and rates are the caller's).
void MergeCounts(WorkloadRecord& into, const WorkloadRecord& r);

// The interval width for a workload planned to last `planned_seconds`: 1 s
// up to 1000 s, then the smallest of 2, 5, 10, 15, 30, 60, 120, 300, 600,
// 900, 1800, 3600 s that keeps the run within 1000 intervals.
double IntervalWidthSeconds(double planned_seconds);

// Records one sender's settled requests: the whole-run latency histograms of
// its WorkloadRecord, the per-interval figures (see obs::IntervalRecord for
// what is attributed to which time) and, when one is given, a LiveProgress.
// Memory: one dense histogram pair for the interval being answered, sparse
// buckets for the closed ones.
//
// Thread safety: one recorder per sender thread.
class IntervalRecorder {
 public:
  // `rec` must outlive the recorder; Finish() adds the intervals to it.
  IntervalRecorder(WorkloadRecord& rec, SteadyClock::time_point start, double planned_seconds,
                   LiveProgress* progress);

  // One logical request of `items`: due at `due`, first sent at
  // `first_send`, settled (acknowledged when `ok`) at `answer`.
  void Request(SteadyClock::time_point due, SteadyClock::time_point first_send,
               SteadyClock::time_point answer, std::uint64_t items, bool ok);

  // Adds the intervals to the record (merging with those it has) and clears.
  void Finish();

 private:
  std::size_t IndexOf(SteadyClock::time_point t) const;
  IntervalRecord& At(std::size_t index);
  void Flush();

  WorkloadRecord& rec_;
  SteadyClock::time_point start_;
  double width_seconds_;
  LiveProgress* progress_;
  std::vector<IntervalRecord> intervals_;
  std::size_t open_ = 0;  // The interval the histograms below belong to.
  Histogram corrected_;
  Histogram uncorrected_;
};

// Computes every interval's latency percentiles from its buckets (call once
// the senders' records are merged), and adds the intervals' and the merged
// histograms' bytes to rec.bookkeeping.
void FinishIntervals(WorkloadRecord& rec);

// Counts one HTTP attempt's status and, the first time a non-2xx status (or
// a transport error, status 0) is seen, keeps what the target said: the
// start of the body, or the error text.
void NoteAnswer(WorkloadRecord& rec, int status, std::string_view said);
inline void NoteAnswer(WorkloadRecord& rec, const HttpResponse& res) {
  NoteAnswer(rec, res.status, res.status == 0 ? std::string_view(res.error) : res.body);
}

// When the answer to an attempt sent at `sent` arrived: now, less the time
// the answer waited in the socket before it was read (HttpResponse::queued),
// never before `sent`. Every sender's latencies end here.
inline SteadyClock::time_point AnswerTime(const Clock& clock, SteadyClock::time_point sent,
                                          const HttpResponse& res) {
  return std::max(sent, clock.SteadyNow() - res.queued);
}

// The schedule of a `share` (0..1] of a load at `rate` items/s (with
// `stages`, the rate the first stage ramps from) for `duration_seconds`, or
// for the stages when there are any: what one of several senders offers.
ScheduleOptions ShareOfSchedule(double rate, const std::vector<Stage>& stages,
                                double duration_seconds, double share);

// `duration_seconds`, or the sum of the stages when there are any.
double PlannedSeconds(const std::vector<Stage>& stages, double duration_seconds);

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
// shorter than the window). Items are samples, spans or lines. Also
// computes the intervals' percentiles (FinishIntervals).
void FillRates(WorkloadRecord& rec, std::uint64_t items_scheduled, std::uint64_t requests_scheduled,
               SteadyClock::time_point start, SteadyClock::time_point window_end,
               SteadyClock::time_point last_answer);

}  // namespace obs::loadgen::internal
