#include "verify/completeness.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include "verify/completeness_pass.h"
#include "verify/missing_timestamps.h"
#include "verify/promql_text.h"

namespace obs::scenarios {
namespace {

using internal::Expectation;
using internal::PassCounts;

constexpr std::size_t kMaxMissingTimestamps = 10;

Status ValidateOptions(const CompletenessOptions& o) {
  if (!(o.settle_timeout_seconds >= 0) || !(o.poll_interval_seconds > 0)) {
    return InvalidArgumentError(
        "completeness: settle_timeout_seconds must be >= 0 and poll_interval_seconds > 0");
  }
  if (o.max_examples < 0 || o.max_samples_per_query == 0) {
    return InvalidArgumentError(
        "completeness: max_examples must be >= 0 and max_samples_per_query > 0");
  }
  return Status::Ok();
}

double SecondsBetween(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// One example: the series' raw samples, and which acknowledged ones are gone.
// Best effort: a failed raw query leaves the timestamps empty.
MissingSeriesExample MakeExample(QueryClient& client, const loadgen::SeriesSet& series,
                                 std::uint32_t id, const loadgen::LedgerEntry& entry,
                                 std::uint64_t found, std::uint64_t max_samples_per_query) {
  MissingSeriesExample ex;
  ex.series = series.SeriesText(id);
  ex.expected_samples = entry.acked;
  ex.found_samples = found;
  ex.expected_first_ms = entry.first_ms;
  ex.expected_last_ms = entry.last_ms;
  if (entry.acked > max_samples_per_query) {
    return ex;
  }
  const std::int64_t eval_ms = entry.last_ms + internal::kRangeMarginMs;
  const std::int64_t range_ms = eval_ms - (entry.first_ms - internal::kRangeMarginMs) + 1;
  const LabelPairs selector = internal::ToLabelPairs(series.Labels(id));
  auto answer = client.InstantMatrix(RawSamplesQuery(selector, range_ms), eval_ms);
  if (!answer.ok()) {
    return ex;
  }
  std::vector<std::int64_t> timestamps;
  for (const MatrixSeries& s : *answer) {
    for (const auto& [ts, value] : s.samples) {
      timestamps.push_back(ts);
    }
  }
  std::sort(timestamps.begin(), timestamps.end());
  ex.missing_timestamps_ms = InferMissingTimestamps(timestamps, entry.first_ms, entry.last_ms,
                                                    entry.acked, kMaxMissingTimestamps);
  return ex;
}

void AddExamples(QueryClient& client, const loadgen::SeriesSet& series,
                 const loadgen::Ledger& ledger, const Expectation& e, const PassCounts& counts,
                 const CompletenessOptions& options, obs::CompletenessRecord& record) {
  const auto max_examples = static_cast<std::size_t>(options.max_examples);
  for (std::uint32_t id = 0; id < e.series_count && record.examples.size() < max_examples; ++id) {
    const loadgen::LedgerEntry& entry = ledger.entry(id);
    if (entry.acked > 0 && counts.found[id] < entry.acked) {
      record.examples.push_back(
          MakeExample(client, series, id, entry, counts.found[id], options.max_samples_per_query));
    }
  }
}

// The polling loop's state between passes.
struct Poll {
  std::optional<RangeSemantics> semantics;
  std::optional<obs::CompletenessRecord> previous;
};

}  // namespace

Result<obs::CompletenessRecord> CheckCompleteness(QueryClient& client,
                                                  const loadgen::SeriesSet& series,
                                                  const loadgen::Ledger& ledger,
                                                  const CompletenessOptions& options,
                                                  const Clock& clock) {
  OBS_RETURN_IF_ERROR(ValidateOptions(options));
  const std::uint64_t queries_before = client.queries();
  const Expectation e = internal::BuildExpectation(series, ledger, options.max_samples_per_query,
                                                   options.skip_metric_names);
  if (e.series_expected == 0) {
    obs::CompletenessRecord skipped;
    skipped.skipped_reason = "no samples were acknowledged";
    return skipped;
  }
  const SteadyClock::time_point start = clock.SteadyNow();
  const auto deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(options.settle_timeout_seconds));
  Poll poll;
  while (true) {
    if (!options.flush_url.empty()) {
      OBS_RETURN_IF_ERROR(client.Get(options.flush_url).WithPrefix("completeness flush"));
    }
    if (e.needs_split && !poll.semantics) {
      OBS_ASSIGN_OR_RETURN(poll.semantics,
                           internal::DetectRangeSemantics(client, e, series, ledger));
    }
    // Until detected, assume Prometheus 2.x; a wrong guess only shows as
    // boundary duplicates in passes that are not final.
    const RangeSemantics semantics = poll.semantics.value_or(RangeSemantics::kLeftClosed);
    OBS_ASSIGN_OR_RETURN(PassCounts counts, internal::CountPass(client, e, ledger, semantics));
    obs::CompletenessRecord record = internal::Summarize(e, ledger, counts);
    const SteadyClock::time_point now = clock.SteadyNow();
    const bool settled = poll.previous && internal::SameTotals(*poll.previous, record) &&
                         record.samples_missing == 0 && record.series_missing == 0;
    if (settled || now >= deadline) {
      record.seconds_to_settle = SecondsBetween(start, now);
      AddExamples(client, series, ledger, e, counts, options, record);
      record.queries = client.queries() - queries_before;
      return record;
    }
    poll.previous = std::move(record);
    std::this_thread::sleep_for(std::min<SteadyClock::duration>(
        deadline - now, std::chrono::duration_cast<SteadyClock::duration>(
                            std::chrono::duration<double>(options.poll_interval_seconds))));
  }
}

}  // namespace obs::scenarios
