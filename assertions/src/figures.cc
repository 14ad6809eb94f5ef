#include "figures.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>

#include "obs/assertions/format.h"

namespace obs::assertions::internal {
namespace {

double Ratio(std::uint64_t part, std::uint64_t whole) {
  return static_cast<double>(part) / static_cast<double>(whole);
}

struct HistogramStat {
  std::string_view suffix;  // Figure suffix, e.g. "p999".
  std::string_view label;   // In details, e.g. "p99.9".
  double percentile;        // < 0: mean.
};

constexpr std::array<HistogramStat, 7> kLatencyStats = {{
    {"p50", "p50", 50},
    {"p90", "p90", 90},
    {"p95", "p95", 95},
    {"p99", "p99", 99},
    {"p999", "p99.9", 99.9},
    {"max", "max", 100},
    {"mean", "mean", -1},
}};

constexpr std::array<std::string_view, 5> kLagStats = {"p50", "p90", "p95", "p99", "max"};

double StatSeconds(const Histogram& h, const HistogramStat& stat) {
  const double ns =
      stat.percentile < 0 ? h.mean() : static_cast<double>(h.ValueAtPercentile(stat.percentile));
  return ns / 1e9;
}

Measurement Latency(const WorkloadRecord& w, const HistogramStat& stat, bool corrected) {
  const Histogram& h = corrected ? w.latency_corrected : w.latency_uncorrected;
  if (h.count() == 0)
    return NoData("workload " + w.name + " recorded no request latencies");
  return Value(StatSeconds(h, stat),
               std::string(stat.label) + " of " + FormatCount(h.count()) + " requests, " +
                   (corrected ? "corrected from due time" : "uncorrected, from first send"));
}

Measurement Lag(const VisibilityRecord& v, const HistogramStat& stat) {
  if (!v.checked)
    return NoData("visibility lag was not measured in this run");
  if (v.lag.count() == 0)
    return NoData("no visibility probe became visible (" + FormatCount(v.probes) + " probes, " +
                  FormatCount(v.timed_out) + " timed out)");
  return Value(StatSeconds(v.lag, stat),
               std::string(stat.label) + " of " + FormatCount(v.lag.count()) + " visible probes");
}

Measurement PerRequest(const WorkloadRecord& w, std::uint64_t part, const std::string& what) {
  if (w.requests == 0)
    return NoData("workload " + w.name + " sent no requests");
  return Value(Ratio(part, w.requests),
               FormatCount(part) + " of " + FormatCount(w.requests) + " requests " + what);
}

Measurement ErrorRate(const WorkloadRecord& w) {
  const std::uint64_t bad = w.requests_rejected + w.requests_failed;
  return PerRequest(w, bad,
                    "not accepted: " + FormatCount(w.requests_rejected) + " rejected, " +
                        FormatCount(w.requests_failed) + " failed after retries");
}

Measurement AchievedRate(const WorkloadRecord& w) {
  if (w.target_samples_per_second <= 0)
    return NoData("workload " + w.name + " has no target sample rate");
  return Value(w.achieved_samples_per_second / w.target_samples_per_second,
               FormatNumber(w.achieved_samples_per_second, 1) + " of " +
                   FormatNumber(w.target_samples_per_second, 1) + " " +
                   std::string(WorkloadItemUnit(w.kind)) + "/s");
}

// The worst window of `window_seconds` over a workload's intervals: for
// each run of consecutive intervals that long, `part` and `whole` are summed
// and part/whole compared; windows with whole == 0 are skipped. `higher_worse`
// picks the maximum ratio (error rate) or the minimum (achieved rate).
template <typename Part, typename Whole>
Measurement WorstWindow(const WorkloadRecord& w, double window_seconds, bool higher_worse,
                        Part part, Whole whole, const std::string& what) {
  if (w.intervals.empty() || w.interval_seconds <= 0)
    return NoData("workload " + w.name + " recorded no per-interval figures");
  const auto k =
      static_cast<std::size_t>(std::max(1.0, std::round(window_seconds / w.interval_seconds)));
  if (w.intervals.size() < k)
    return NoData("workload " + w.name + " ran " +
                  FormatNumber(static_cast<double>(w.intervals.size()) * w.interval_seconds, 0) +
                  " s, shorter than one " + FormatDurationThreshold(window_seconds) + " window");
  std::optional<double> worst;
  std::size_t worst_at = 0;
  std::uint64_t worst_part = 0;
  std::uint64_t worst_whole = 0;
  std::uint64_t p = 0;
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < w.intervals.size(); ++i) {
    p += part(w.intervals[i]);
    n += whole(w.intervals[i]);
    if (i >= k) {
      p -= part(w.intervals[i - k]);
      n -= whole(w.intervals[i - k]);
    }
    if (i + 1 < k || n == 0)
      continue;
    const double ratio = static_cast<double>(p) / static_cast<double>(n);
    if (!worst || (higher_worse ? ratio > *worst : ratio < *worst)) {
      worst = ratio;
      worst_at = i + 1 - k;
      worst_part = p;
      worst_whole = n;
    }
  }
  if (!worst)
    return NoData("workload " + w.name + " had nothing to measure in any window");
  const double from = static_cast<double>(worst_at) * w.interval_seconds;
  const double to = from + static_cast<double>(k) * w.interval_seconds;
  return Value(*worst,
               "worst " + FormatDurationThreshold(static_cast<double>(k) * w.interval_seconds) +
                   " window, " + FormatNumber(from, 0) + "-" + FormatNumber(to, 0) + " s: " +
                   FormatCount(worst_part) + " of " + FormatCount(worst_whole) + " " + what);
}

Measurement WindowedErrorRate(const WorkloadRecord& w, double window_seconds) {
  return WorstWindow(
      w, window_seconds, true, [](const IntervalRecord& r) { return r.requests_error; },
      [](const IntervalRecord& r) { return r.requests_ok + r.requests_error; },
      "settled requests not accepted");
}

Measurement WindowedAchievedRate(const WorkloadRecord& w, double window_seconds) {
  return WorstWindow(
      w, window_seconds, false, [](const IntervalRecord& r) { return r.items_sent; },
      [](const IntervalRecord& r) { return r.items_due; }, "items due were sent");
}

Measurement Unsent(const WorkloadRecord& w) {
  const std::uint64_t scheduled = w.requests + w.requests_unsent;
  if (scheduled == 0)
    return NoData("workload " + w.name + " scheduled no requests");
  return Value(static_cast<double>(w.requests_unsent),
               "of " + FormatCount(scheduled) + " scheduled requests");
}

// Counts and the first missing series: what a person needs to start digging.
std::string CompletenessContext(const CompletenessRecord& c) {
  std::string out =
      "samples: " + FormatCount(c.samples_missing) + " of " + FormatCount(c.samples_expected) +
      " missing, " + FormatCount(c.samples_duplicated) + " duplicated, " +
      FormatCount(c.samples_unexpected) + " unexpected; series: " + FormatCount(c.series_missing) +
      " of " + FormatCount(c.series_expected) + " missing, " + FormatCount(c.series_incomplete) +
      " incomplete, " + FormatCount(c.series_unexpected) + " unexpected";
  if (!c.examples.empty()) {
    const MissingSeriesExample& e = c.examples.front();
    out += "; first missing series: " + e.series + " (expected " + FormatCount(e.expected_samples) +
           " samples, found " + FormatCount(e.found_samples);
    if (!e.missing_timestamps_ms.empty())
      out += ", first missing at " + FormatUnixMillis(e.missing_timestamps_ms.front());
    out += ")";
  }
  return out;
}

Measurement Completeness(const CompletenessRecord& c, double value, std::string detail) {
  if (!c.checked)
    return NoData("completeness was not checked" +
                  (c.skipped_reason.empty() ? std::string() : ": " + c.skipped_reason));
  if (c.samples_expected == 0)
    return NoData("no samples were acknowledged, so there was nothing to read back");
  Measurement m = Value(value, std::move(detail));
  m.context = CompletenessContext(c);
  return m;
}

Figure RunFigure(std::string name, Unit unit, std::function<Measurement(const RunRecord&)> fn) {
  Figure f;
  f.name = std::move(name);
  f.unit = unit;
  f.scope = Scope::kRun;
  f.measure_run = std::move(fn);
  return f;
}

Figure WorkloadFigure(std::string name, Unit unit,
                      std::function<Measurement(const WorkloadRecord&)> fn) {
  Figure f;
  f.name = std::move(name);
  f.unit = unit;
  f.scope = Scope::kWorkload;
  f.measure_workload = std::move(fn);
  return f;
}

void AddCompleteness(std::vector<Figure>& out) {
  out.push_back(RunFigure("completeness", Unit::kRatio, [](const RunRecord& r) {
    const CompletenessRecord& c = r.completeness;
    const double ratio = c.samples_expected == 0 ? 0 : Ratio(c.samples_found, c.samples_expected);
    return Completeness(c, ratio,
                        FormatCount(c.samples_found) + " of " + FormatCount(c.samples_expected) +
                            " acknowledged samples found");
  }));
  out.push_back(RunFigure("completeness.missing_samples", Unit::kCount, [](const RunRecord& r) {
    const CompletenessRecord& c = r.completeness;
    return Completeness(c, static_cast<double>(c.samples_missing),
                        "of " + FormatCount(c.samples_expected) + " acknowledged samples");
  }));
  out.push_back(RunFigure("completeness.missing_series", Unit::kCount, [](const RunRecord& r) {
    const CompletenessRecord& c = r.completeness;
    return Completeness(c, static_cast<double>(c.series_missing),
                        "of " + FormatCount(c.series_expected) + " series; " +
                            FormatCount(c.series_incomplete) + " more incomplete");
  }));
}

Measurement TraceCompleteness(const TraceCompletenessRecord& t, double value, std::string detail) {
  if (!t.checked)
    return NoData("trace completeness was not checked" +
                  (t.skipped_reason.empty() ? std::string() : ": " + t.skipped_reason));
  if (t.spans_expected == 0)
    return NoData("no trace was acknowledged in full, so there was nothing to read back");
  Measurement m = Value(value, std::move(detail));
  m.context = "read back through the " + t.query_api + " API: " + FormatCount(t.spans_intact) +
              " intact, " + FormatCount(t.spans_missing) + " missing, " +
              FormatCount(t.spans_altered) + " altered, " + FormatCount(t.spans_extra) +
              " extra spans in " + FormatCount(t.traces_expected) + " traces";
  if (!t.examples.empty()) {
    const SpanDifference& d = t.examples.front();
    m.context += "; first: " + d.problem + " span " + d.span_id + " (" + d.span_name + ")";
    if (!d.field.empty())
      m.context += " " + d.field + " sent " + d.sent + ", received " + d.received;
  }
  return m;
}

void AddTraceCompleteness(std::vector<Figure>& out) {
  out.push_back(RunFigure("trace_completeness", Unit::kRatio, [](const RunRecord& r) {
    const TraceCompletenessRecord& t = r.traces;
    const double ratio = t.spans_expected == 0 ? 0 : Ratio(t.spans_intact, t.spans_expected);
    return TraceCompleteness(t, ratio,
                             FormatCount(t.spans_intact) + " of " + FormatCount(t.spans_expected) +
                                 " acknowledged spans found intact");
  }));
  struct Count {
    const char* name;
    std::uint64_t TraceCompletenessRecord::*field;
    const char* what;
  };
  for (const Count& c :
       {Count{"trace_completeness.missing_spans", &TraceCompletenessRecord::spans_missing, "spans"},
        Count{"trace_completeness.altered_spans", &TraceCompletenessRecord::spans_altered, "spans"},
        Count{"trace_completeness.extra_spans", &TraceCompletenessRecord::spans_extra, "spans"},
        Count{"trace_completeness.missing_traces", &TraceCompletenessRecord::traces_missing,
              "traces"}}) {
    out.push_back(RunFigure(c.name, Unit::kCount, [c](const RunRecord& r) {
      const TraceCompletenessRecord& t = r.traces;
      const std::uint64_t of =
          std::string_view(c.what) == "traces" ? t.traces_expected : t.spans_expected;
      return TraceCompleteness(t, static_cast<double>(t.*c.field),
                               "of " + FormatCount(of) + " acknowledged " + c.what);
    }));
  }
}

Measurement LogCompleteness(const LogCompletenessRecord& l, double value, std::string detail) {
  if (!l.checked)
    return NoData("log completeness was not checked" +
                  (l.skipped_reason.empty() ? std::string() : ": " + l.skipped_reason));
  if (l.lines_expected == 0)
    return NoData("no log line was acknowledged, so there was nothing to read back");
  Measurement m = Value(value, std::move(detail));
  m.context = "read back through the " + l.query_api + " API: " + FormatCount(l.lines_intact) +
              " intact, " + FormatCount(l.lines_missing) + " missing, " +
              FormatCount(l.lines_altered) + " altered, " + FormatCount(l.lines_duplicated) +
              " duplicated, " + FormatCount(l.lines_unexpected) + " unexpected, " +
              FormatCount(l.lines_out_of_order) + " out of order in " +
              FormatCount(l.streams_expected) + " streams";
  if (!l.examples.empty()) {
    m.context += "; first: " + l.examples.front().problem + " line at " +
                 std::to_string(l.examples.front().timestamp_ns) + " in " +
                 l.examples.front().stream;
  }
  return m;
}

void AddLogCompleteness(std::vector<Figure>& out) {
  out.push_back(RunFigure("log_completeness", Unit::kRatio, [](const RunRecord& r) {
    const LogCompletenessRecord& l = r.logs;
    const double ratio = l.lines_expected == 0 ? 0 : Ratio(l.lines_intact, l.lines_expected);
    return LogCompleteness(l, ratio,
                           FormatCount(l.lines_intact) + " of " + FormatCount(l.lines_expected) +
                               " acknowledged lines found intact");
  }));
  struct Count {
    const char* name;
    std::uint64_t LogCompletenessRecord::*field;
  };
  for (const Count& c :
       {Count{"log_completeness.missing_lines", &LogCompletenessRecord::lines_missing},
        Count{"log_completeness.altered_lines", &LogCompletenessRecord::lines_altered},
        Count{"log_completeness.duplicated_lines", &LogCompletenessRecord::lines_duplicated},
        Count{"log_completeness.unexpected_lines", &LogCompletenessRecord::lines_unexpected},
        Count{"log_completeness.out_of_order_lines", &LogCompletenessRecord::lines_out_of_order}}) {
    out.push_back(RunFigure(c.name, Unit::kCount, [c](const RunRecord& r) {
      const LogCompletenessRecord& l = r.logs;
      return LogCompleteness(l, static_cast<double>(l.*c.field),
                             "of " + FormatCount(l.lines_expected) + " acknowledged lines");
    }));
  }
}

void AddWorkloadFigures(std::vector<Figure>& out) {
  for (const bool corrected : {true, false}) {
    const std::string prefix = corrected ? "write_latency." : "write_latency_uncorrected.";
    for (const HistogramStat& stat : kLatencyStats) {
      out.push_back(WorkloadFigure(
          prefix + std::string(stat.suffix), Unit::kDuration,
          [stat, corrected](const WorkloadRecord& w) { return Latency(w, stat, corrected); }));
    }
  }
  out.push_back(WorkloadFigure("error_rate", Unit::kRatio, ErrorRate));
  out.back().measure_window = WindowedErrorRate;
  out.push_back(WorkloadFigure("rejection_rate", Unit::kRatio, [](const WorkloadRecord& w) {
    return PerRequest(w, w.requests_rejected, "rejected");
  }));
  out.push_back(WorkloadFigure("achieved_rate", Unit::kRatio, AchievedRate));
  out.back().measure_window = WindowedAchievedRate;
  out.push_back(WorkloadFigure("late_ratio", Unit::kRatio, [](const WorkloadRecord& w) {
    return PerRequest(w, w.requests_late,
                      "left more than " +
                          FormatDurationNs(static_cast<double>(w.late_threshold_ns)) +
                          " after their due time");
  }));
  out.push_back(WorkloadFigure("unsent_requests", Unit::kCount, Unsent));
}

// Metrics (`visibility`), traces and logs each have their own probes.
void AddVisibility(std::vector<Figure>& out) {
  using Pick = const VisibilityRecord& (*)(const RunRecord&);
  struct Signal {
    const char* prefix;
    Pick pick;
  };
  for (const Signal& sig :
       {Signal{"visibility",
               [](const RunRecord& r) -> const VisibilityRecord& {
                 return r.visibility;
               }},
        Signal{"trace_visibility",
               [](const RunRecord& r) -> const VisibilityRecord& {
                 return r.traces.visibility;
               }},
        Signal{"log_visibility", [](const RunRecord& r) -> const VisibilityRecord& {
                 return r.logs.visibility;
               }}}) {
    for (const std::string_view suffix : kLagStats) {
      HistogramStat stat{suffix, suffix, 0};
      for (const HistogramStat& s : kLatencyStats) {
        if (s.suffix == suffix)
          stat = s;
      }
      out.push_back(RunFigure(std::string(sig.prefix) + "_lag." + std::string(suffix),
                              Unit::kDuration,
                              [stat, sig](const RunRecord& r) { return Lag(sig.pick(r), stat); }));
    }
    out.push_back(
        RunFigure(std::string(sig.prefix) + ".timed_out", Unit::kCount, [sig](const RunRecord& r) {
          const VisibilityRecord& v = sig.pick(r);
          if (!v.checked)
            return NoData("visibility lag was not measured in this run");
          if (v.probes == 0)
            return NoData("no visibility probes were sent");
          return Value(static_cast<double>(v.timed_out), "of " + FormatCount(v.probes) + " probes");
        }));
  }
}

// Memory of the obsbench process (which hosts the embedded backend when the
// scenario uses it; measure the generator alone against an external target).
const ProcessResources* ObsbenchProcess(const RunRecord& r) {
  for (const ProcessResources& p : r.resources) {
    if (p.name == "obsbench")
      return &p;
  }
  return nullptr;
}

// RSS at the end of the load against RSS once the run has warmed up: the
// first sample at or after min(60 s, a tenth of the load). A load generator
// whose memory is bounded stays near 0% however long it runs.
Measurement RssGrowth(const RunRecord& r) {
  const ProcessResources* p = ObsbenchProcess(r);
  if (p == nullptr || p->samples.size() < 2)
    return NoData("obsbench's memory was not sampled at least twice during the load");
  const double warm = std::min(60.0, p->samples.back().t_seconds / 10);
  const auto ref = std::find_if(p->samples.begin(), p->samples.end(),
                                [warm](const ResourceSample& s) { return s.t_seconds >= warm; });
  if (ref == p->samples.end() || ref->rss_bytes == 0 || &*ref == &p->samples.back())
    return NoData("the load was too short to compare memory after warm-up with the end");
  const double end = static_cast<double>(p->samples.back().rss_bytes);
  return Value(end / static_cast<double>(ref->rss_bytes) - 1,
               FormatBytes(static_cast<double>(ref->rss_bytes)) + " at " +
                   FormatNumber(ref->t_seconds, 0) + " s -> " + FormatBytes(end) + " at " +
                   FormatNumber(p->samples.back().t_seconds, 0) + " s");
}

void AddProcess(std::vector<Figure>& out) {
  out.push_back(RunFigure("obsbench.rss_max", Unit::kBytes, [](const RunRecord& r) {
    const ProcessResources* p = ObsbenchProcess(r);
    if (p == nullptr)
      return NoData("obsbench's resources were not sampled");
    return Value(static_cast<double>(p->rss_max_bytes),
                 "peak RSS of obsbench over " + FormatCount(p->samples.size()) + " samples");
  }));
  out.push_back(RunFigure("obsbench.rss_growth", Unit::kChange, RssGrowth));
}

std::vector<Figure> BuildFigures() {
  std::vector<Figure> out;
  AddCompleteness(out);
  AddTraceCompleteness(out);
  AddLogCompleteness(out);
  AddWorkloadFigures(out);
  AddVisibility(out);
  AddProcess(out);
  AddExperimentFigures(out);
  return out;
}

}  // namespace

const std::vector<Figure>& Figures() {
  static const std::vector<Figure>* const kFigures = new std::vector<Figure>(BuildFigures());
  return *kFigures;
}

const Figure* FindFigure(std::string_view name) {
  for (const Figure& f : Figures()) {
    if (f.name == name)
      return &f;
  }
  return nullptr;
}

std::string FormatValue(Unit unit, double value) {
  if (unit == Unit::kDuration && value < 0)
    return "-" + FormatDurationNs(-value * 1e9);
  switch (unit) {
    case Unit::kChange:
      return (value > 0 ? "+" : "") + FormatPercent(value);
    case Unit::kBytes:
      return FormatBytes(value, true);
    case Unit::kDuration:
      return FormatDurationNs(value * 1e9);
    case Unit::kRatio:
      return FormatPercent(value);
    case Unit::kCount:
      return value == std::floor(value) && value >= 0 && value < 1.8e19
                 ? FormatCount(static_cast<std::uint64_t>(value))
                 : FormatNumber(value, 2);
  }
  return "";
}

std::string FormatThreshold(Unit unit, double value) {
  switch (unit) {
    case Unit::kChange:
      return FormatPercentThreshold(value);
    case Unit::kBytes:
      return FormatBytes(value);
    case Unit::kDuration:
      return FormatDurationThreshold(value);
    case Unit::kRatio:
      return FormatPercentThreshold(value);
    case Unit::kCount:
      return value == std::floor(value) && value >= 0 && value < 1.8e19
                 ? FormatCount(static_cast<std::uint64_t>(value))
                 : FormatTrimmed(value, 6);
  }
  return "";
}

}  // namespace obs::assertions::internal
