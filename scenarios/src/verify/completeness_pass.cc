#include "verify/completeness_pass.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "verify/promql_text.h"

namespace obs::scenarios::internal {
namespace {

constexpr int kSemanticsCandidates = 5;

// A count_over_time value as a sample count (counts are integral; NaN or
// negative would be a broken target and count as 0).
std::uint64_t ToCount(double value) {
  if (!(value > 0)) {
    return 0;
  }
  return static_cast<std::uint64_t>(std::llround(value));
}

void InsertSorted(LabelPairs& labels, std::string name, std::string value) {
  auto it = std::lower_bound(labels.begin(), labels.end(), name,
                             [](const auto& pair, const std::string& n) { return pair.first < n; });
  labels.insert(it, {std::move(name), std::move(value)});
}

std::string_view MetricNameOf(const LabelPairs& labels) {
  for (const auto& [name, value] : labels) {
    if (name == "__name__") {
      return value;
    }
  }
  return {};
}

LabelPairs MetricSelector(const Expectation& e, const std::string& metric) {
  LabelPairs selector = {{"__name__", metric}};
  if (!e.run_id.empty()) {
    selector.emplace_back("obsbench_run", e.run_id);
  }
  return selector;
}

// Adds one query's answer to `counts`. count_over_time drops __name__, so it
// is put back before the lookup.
void AddAnswer(const Expectation& e, const loadgen::Ledger& ledger, const std::string& metric,
               std::vector<VectorSample> answer, PassCounts& counts) {
  for (VectorSample& sample : answer) {
    InsertSorted(sample.labels, "__name__", metric);
    const std::uint64_t n = ToCount(sample.value);
    const std::optional<std::uint32_t> id = e.index.Find(sample.labels);
    if (id && *id < e.series_count && ledger.entry(*id).acked > 0) {
      std::uint32_t& found = counts.found[*id];
      found = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(std::numeric_limits<std::uint32_t>::max(), found + n));
    } else if (n > 0) {
      counts.unexpected_series.insert(HashLabels(sample.labels));
      counts.unexpected_samples += n;
    }
  }
}

Result<std::uint64_t> CountSamples(QueryClient& client, const LabelPairs& selector,
                                   std::int64_t range_ms, std::int64_t eval_ms) {
  OBS_ASSIGN_OR_RETURN(const auto answer,
                       client.InstantVector(CountOverTimeQuery(selector, range_ms), eval_ms));
  std::uint64_t total = 0;
  for (const VectorSample& s : answer) {
    total += ToCount(s.value);
  }
  return total;
}

}  // namespace

LabelPairs ToLabelPairs(const std::vector<loadgen::Label>& labels) {
  LabelPairs pairs;
  pairs.reserve(labels.size());
  for (const loadgen::Label& l : labels) {
    pairs.emplace_back(l.name, l.value);
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

Expectation BuildExpectation(const loadgen::SeriesSet& series, const loadgen::Ledger& ledger,
                             std::uint64_t max_samples_per_query,
                             const std::vector<std::string>& skip) {
  Expectation e;
  e.series_count = static_cast<std::uint32_t>(std::min(series.series_capacity(), ledger.size()));
  e.run_id = series.options().run_id;
  for (std::string& name : series.MetricNames()) {
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) {
      continue;
    }
    e.metrics.push_back({.name = std::move(name), .expected_samples = 0, .windows = 1});
  }
  std::vector<std::uint64_t> hashes(e.series_count);
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  std::int64_t last = std::numeric_limits<std::int64_t>::min();
  for (std::uint32_t id = 0; id < e.series_count; ++id) {
    const LabelPairs labels = ToLabelPairs(series.Labels(id));
    hashes[id] = HashLabels(labels);
    const loadgen::LedgerEntry& entry = ledger.entry(id);
    if (entry.acked == 0) {
      continue;
    }
    ++e.series_expected;
    e.samples_expected += entry.acked;
    first = std::min(first, entry.first_ms);
    last = std::max(last, entry.last_ms);
    const std::string_view name = MetricNameOf(labels);
    auto it = std::lower_bound(e.metrics.begin(), e.metrics.end(), name,
                               [](const MetricPlan& m, std::string_view n) { return m.name < n; });
    OBS_CHECK(it != e.metrics.end() && it->name == name) << "metric " << name << " not in set";
    it->expected_samples += entry.acked;
  }
  if (e.series_expected > 0) {
    e.first_ms = first - kRangeMarginMs;
    e.last_ms = last + kRangeMarginMs;
  }
  for (MetricPlan& m : e.metrics) {
    m.windows = WindowCount(m.expected_samples, max_samples_per_query);
    e.needs_split = e.needs_split || m.windows > 1;
  }
  e.index = SeriesIndex::Build(
      hashes, [&series](std::uint32_t id) { return ToLabelPairs(series.Labels(id)); });
  return e;
}

Result<PassCounts> CountPass(QueryClient& client, const Expectation& e,
                             const loadgen::Ledger& ledger, RangeSemantics semantics) {
  PassCounts counts;
  counts.found.assign(e.series_count, 0);
  for (const MetricPlan& metric : e.metrics) {
    const LabelPairs selector = MetricSelector(e, metric.name);
    for (const QueryWindow& w : PlanWindows(e.first_ms, e.last_ms, metric.windows, semantics)) {
      OBS_ASSIGN_OR_RETURN(
          auto answer, client.InstantVector(CountOverTimeQuery(selector, w.range_ms), w.eval_ms));
      AddAnswer(e, ledger, metric.name, std::move(answer), counts);
    }
  }
  return counts;
}

Result<std::optional<RangeSemantics>> DetectRangeSemantics(QueryClient& client,
                                                           const Expectation& e,
                                                           const loadgen::SeriesSet& series,
                                                           const loadgen::Ledger& ledger) {
  // At t = first + 1: a left-closed target counts `first` with a 1 ms range
  // and with a 2 ms range; a left-open one only with the 2 ms range.
  int tried = 0;
  for (std::uint32_t id = 0; id < e.series_count && tried < kSemanticsCandidates; ++id) {
    const loadgen::LedgerEntry& entry = ledger.entry(id);
    if (entry.acked == 0) {
      continue;
    }
    ++tried;
    const LabelPairs selector = ToLabelPairs(series.Labels(id));
    OBS_ASSIGN_OR_RETURN(const std::uint64_t c1,
                         CountSamples(client, selector, 1, entry.first_ms + 1));
    OBS_ASSIGN_OR_RETURN(const std::uint64_t c2,
                         CountSamples(client, selector, 2, entry.first_ms + 1));
    if (c2 >= 1 && c1 == c2) {
      return std::optional(RangeSemantics::kLeftClosed);
    }
    if (c2 == c1 + 1) {
      return std::optional(RangeSemantics::kLeftOpen);
    }
  }
  return std::optional<RangeSemantics>();
}

obs::CompletenessRecord Summarize(const Expectation& e, const loadgen::Ledger& ledger,
                                  const PassCounts& counts) {
  obs::CompletenessRecord r;
  r.checked = true;
  r.series_expected = e.series_expected;
  r.samples_expected = e.samples_expected;
  for (std::uint32_t id = 0; id < e.series_count; ++id) {
    const std::uint64_t acked = ledger.entry(id).acked;
    const std::uint64_t found = counts.found[id];
    if (acked == 0) {
      continue;
    }
    if (found == 0) {
      ++r.series_missing;
      r.samples_missing += acked;
      continue;
    }
    ++r.series_found;
    r.samples_found += std::min(found, acked);
    if (found < acked) {
      ++r.series_incomplete;
      r.samples_missing += acked - found;
    } else {
      r.samples_duplicated += found - acked;
    }
  }
  r.series_unexpected = counts.unexpected_series.size();
  r.samples_unexpected = counts.unexpected_samples;
  return r;
}

bool SameTotals(const obs::CompletenessRecord& a, const obs::CompletenessRecord& b) {
  return a.series_found == b.series_found && a.series_missing == b.series_missing &&
         a.series_incomplete == b.series_incomplete && a.series_unexpected == b.series_unexpected &&
         a.samples_found == b.samples_found && a.samples_missing == b.samples_missing &&
         a.samples_duplicated == b.samples_duplicated &&
         a.samples_unexpected == b.samples_unexpected;
}

}  // namespace obs::scenarios::internal
