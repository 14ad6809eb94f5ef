#include "workload_record.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <iterator>
#include <memory>
#include <thread>
#include <vector>

namespace obs::loadgen::internal {
namespace {

void MergeLatency(LatencySummary& a, const LatencySummary& b) {
  a.count += b.count;
  a.max = std::max(a.max, b.max);
}

void MergeInterval(IntervalRecord& a, const IntervalRecord& b) {
  a.items_due += b.items_due;
  a.items_sent += b.items_sent;
  a.requests_sent += b.requests_sent;
  a.requests_ok += b.requests_ok;
  a.requests_error += b.requests_error;
  MergeLatency(a.latency_corrected, b.latency_corrected);
  MergeLatency(a.latency_uncorrected, b.latency_uncorrected);
  a.corrected_buckets.Merge(b.corrected_buckets);
  a.uncorrected_buckets.Merge(b.uncorrected_buckets);
}

void FillPercentiles(const PackedBuckets& buckets, LatencySummary& s) {
  if (buckets.empty()) {
    return;
  }
  s.p50 = buckets.ValueAtPercentile(50, s.max);
  s.p90 = buckets.ValueAtPercentile(90, s.max);
  s.p99 = buckets.ValueAtPercentile(99, s.max);
  s.p999 = buckets.ValueAtPercentile(99.9, s.max);
}

}  // namespace

void MergeCounts(WorkloadRecord& into, const WorkloadRecord& r) {
  into.requests += r.requests;
  into.attempts += r.attempts;
  into.requests_succeeded += r.requests_succeeded;
  into.requests_rejected += r.requests_rejected;
  into.requests_failed += r.requests_failed;
  into.retries += r.retries;
  into.requests_late += r.requests_late;
  into.requests_unsent += r.requests_unsent;
  into.samples_sent += r.samples_sent;
  into.samples_acked += r.samples_acked;
  into.samples_rejected += r.samples_rejected;
  into.samples_failed += r.samples_failed;
  for (const auto& [code, n] : r.status_codes) {
    into.status_codes[code] += n;
  }
  into.answers.insert(r.answers.begin(), r.answers.end());
  into.latency_corrected.Merge(r.latency_corrected);
  into.latency_uncorrected.Merge(r.latency_uncorrected);
  // A sender's record: its own two histograms and its interval recorder's.
  into.bookkeeping.histograms += r.bookkeeping.histograms + r.latency_corrected.memory_bytes() +
                                 r.latency_uncorrected.memory_bytes();
  into.interval_seconds = std::max(into.interval_seconds, r.interval_seconds);
  if (into.intervals.size() < r.intervals.size()) {
    into.intervals.resize(r.intervals.size());
  }
  for (std::size_t i = 0; i < r.intervals.size(); ++i) {
    MergeInterval(into.intervals[i], r.intervals[i]);
  }
}

double IntervalWidthSeconds(double planned_seconds) {
  constexpr double kWidths[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600};
  for (const double w : kWidths) {
    if (planned_seconds / w <= 1000) {
      return w;
    }
  }
  return kWidths[std::size(kWidths) - 1];
}

IntervalRecorder::IntervalRecorder(WorkloadRecord& rec, SteadyClock::time_point start,
                                   double planned_seconds, LiveProgress* progress)
    : rec_(rec),
      start_(start),
      width_seconds_(IntervalWidthSeconds(planned_seconds)),
      progress_(progress) {
  // The slices of the planned run, allocated once (bounded: about 1000).
  const double slices = planned_seconds / width_seconds_;
  intervals_.reserve(std::isfinite(slices) && slices > 0
                         ? static_cast<std::size_t>(std::min(slices, 1100.0)) + 2
                         : 0);
}

std::size_t IntervalRecorder::IndexOf(SteadyClock::time_point t) const {
  const double s = std::chrono::duration<double>(t - start_).count();
  return s <= 0 ? 0 : static_cast<std::size_t>(s / width_seconds_);
}

IntervalRecord& IntervalRecorder::At(std::size_t index) {
  if (intervals_.size() <= index) {
    intervals_.resize(index + 1);
  }
  return intervals_[index];
}

void IntervalRecorder::Flush() {
  if (corrected_.count() == 0) {
    return;
  }
  IntervalRecord& in = At(open_);
  IntervalRecord closed;
  closed.latency_corrected.count = corrected_.count();
  closed.latency_corrected.max = corrected_.max();
  closed.latency_uncorrected.count = uncorrected_.count();
  closed.latency_uncorrected.max = uncorrected_.max();
  closed.corrected_buckets = PackedBuckets(corrected_);
  closed.uncorrected_buckets = PackedBuckets(uncorrected_);
  MergeInterval(in, closed);
  corrected_.Reset();
  uncorrected_.Reset();
}

void IntervalRecorder::Request(SteadyClock::time_point due, SteadyClock::time_point first_send,
                               SteadyClock::time_point answer, std::uint64_t items, bool ok) {
  At(IndexOf(due)).items_due += items;
  IntervalRecord& sent = At(IndexOf(first_send));
  sent.items_sent += items;
  ++sent.requests_sent;
  const std::size_t answered = IndexOf(answer);
  ++(ok ? At(answered).requests_ok : At(answered).requests_error);
  if (answered != open_) {
    Flush();
    open_ = answered;
  }
  const std::int64_t corrected = std::max<std::int64_t>(0, ToNanos(answer - due));
  const std::int64_t uncorrected = std::max<std::int64_t>(0, ToNanos(answer - first_send));
  rec_.latency_corrected.Record(corrected);
  rec_.latency_uncorrected.Record(uncorrected);
  corrected_.Record(corrected);
  uncorrected_.Record(uncorrected);
  if (progress_ != nullptr) {
    progress_->Sent(items);
    progress_->Settled(ok, corrected);
  }
}

void IntervalRecorder::Finish() {
  Flush();
  rec_.bookkeeping.histograms += corrected_.memory_bytes() + uncorrected_.memory_bytes();
  rec_.interval_seconds = std::max(rec_.interval_seconds, width_seconds_);
  if (rec_.intervals.size() < intervals_.size()) {
    rec_.intervals.resize(intervals_.size());
  }
  for (std::size_t i = 0; i < intervals_.size(); ++i) {
    MergeInterval(rec_.intervals[i], intervals_[i]);
  }
  intervals_.clear();
}

void FinishIntervals(WorkloadRecord& rec) {
  rec.bookkeeping.intervals = rec.intervals.capacity() * sizeof(IntervalRecord);
  for (IntervalRecord& in : rec.intervals) {
    FillPercentiles(in.corrected_buckets, in.latency_corrected);
    FillPercentiles(in.uncorrected_buckets, in.latency_uncorrected);
    rec.bookkeeping.intervals +=
        in.corrected_buckets.size_bytes() + in.uncorrected_buckets.size_bytes();
  }
  rec.bookkeeping.histograms +=
      rec.latency_corrected.memory_bytes() + rec.latency_uncorrected.memory_bytes();
}

void NoteAnswer(WorkloadRecord& rec, int status, std::string_view said) {
  ++rec.status_codes[status];
  if (status >= 200 && status <= 299)
    return;
  constexpr std::size_t kMaxAnswer = 200;
  std::string text(said.substr(0, kMaxAnswer));
  // One line, printable: bodies can be binary (protobuf) or multi-line.
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f)
      c = ' ';
  }
  while (!text.empty() && text.back() == ' ')
    text.pop_back();
  if (said.size() > kMaxAnswer)
    text += "...";
  rec.answers.emplace(status, std::move(text));
}

ScheduleOptions ShareOfSchedule(double rate, const std::vector<Stage>& stages,
                                double duration_seconds, double share) {
  ScheduleOptions s;
  s.rate = rate * share;
  s.duration_seconds = stages.empty() ? duration_seconds : 0;
  for (const Stage& st : stages) {
    s.stages.push_back({st.duration_seconds, st.target_samples_per_second * share});
  }
  return s;
}

double PlannedSeconds(const std::vector<Stage>& stages, double duration_seconds) {
  if (stages.empty()) {
    return duration_seconds;
  }
  double d = 0;
  for (const Stage& st : stages) {
    d += st.duration_seconds;
  }
  return d;
}

bool SleepUntil(const Clock& clock, const std::atomic<bool>* stop, SteadyClock::time_point t) {
  constexpr auto kSleepSlice = std::chrono::milliseconds(20);
  while (true) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) {
      return false;
    }
    const SteadyClock::time_point now = clock.SteadyNow();
    if (now >= t) {
      return true;
    }
    std::this_thread::sleep_for(std::min<SteadyClock::duration>(t - now, kSleepSlice));
  }
}

Status RunSenderThreads(int shards, const HttpClientOptions& http,
                        const std::function<void(int shard, HttpClient& client)>& sender,
                        std::string_view what) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(shards));
  {
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < shards; ++i) {
      clients.push_back(std::make_unique<HttpClient>(http));
      (void)clients.back()->Connect();
    }
    std::vector<std::jthread> threads;
    for (int i = 0; i < shards; ++i) {
      threads.emplace_back([&, i] {
        try {
          sender(i, *clients[static_cast<std::size_t>(i)]);
        } catch (...) {
          errors[static_cast<std::size_t>(i)] = std::current_exception();
        }
      });
    }
  }
  for (const std::exception_ptr& e : errors) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        return InternalError(std::string(what) + ": sender thread failed: " + ex.what());
      }
    }
  }
  return Status::Ok();
}

void FillRates(WorkloadRecord& rec, std::uint64_t items_scheduled, std::uint64_t requests_scheduled,
               SteadyClock::time_point start, SteadyClock::time_point window_end,
               SteadyClock::time_point last_answer) {
  const double window = std::max(1e-9, std::chrono::duration<double>(window_end - start).count());
  const double elapsed =
      std::max(window, std::chrono::duration<double>(last_answer - start).count());
  rec.duration_seconds = elapsed;
  rec.target_samples_per_second = static_cast<double>(items_scheduled) / window;
  rec.target_requests_per_second = static_cast<double>(requests_scheduled) / window;
  rec.achieved_samples_per_second = static_cast<double>(rec.samples_sent) / elapsed;
  rec.achieved_requests_per_second = static_cast<double>(rec.requests) / elapsed;
  FinishIntervals(rec);
}

}  // namespace obs::loadgen::internal
