#include "workload_record.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

namespace obs::loadgen::internal {

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
}

}  // namespace obs::loadgen::internal
