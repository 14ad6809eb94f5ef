// ParseJsonReport: the inverse of json_encode.cc. Field access goes through
// the small typed readers below, which throw DecodeError with the field's
// path; ParseJsonReport catches it (and nlohmann's own exceptions) and turns
// it into kInvalidArgument, so no exception leaves the module.

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "obs/reports/writer.h"
#include "obs/wire/json_parse.h"

#include "json_codec.h"

namespace obs::reports::internal {
namespace {

using nlohmann::json;

class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A JSON value together with its path for messages, e.g. "workloads[0].requests".
class Field {
 public:
  Field(const json& value, std::string path) : value_(value), path_(std::move(path)) {}

  Field operator[](const std::string& key) const {
    if (!value_.is_object())
      throw DecodeError(path_ + " must be an object");
    const auto it = value_.find(key);
    if (it == value_.end())
      throw DecodeError(Join(key) + " is missing");
    return {*it, Join(key)};
  }
  Field At(std::size_t i) const { return {value_.at(i), path_ + "[" + std::to_string(i) + "]"}; }
  std::size_t Size(json::value_t type) const {
    if (value_.type() != type)
      throw DecodeError(path_ + " has the wrong type");
    return value_.size();
  }
  std::size_t ArraySize() const { return Size(json::value_t::array); }

  std::uint64_t U64() const {
    return Checked<std::uint64_t>(value_.is_number_unsigned(), "a non-negative integer");
  }
  std::int64_t I64() const {
    return Checked<std::int64_t>(value_.is_number_integer(), "an integer");
  }
  double Double() const { return Checked<double>(value_.is_number(), "a number"); }
  // A number, or null for NaN (nlohmann writes non-finite doubles as null).
  double DoubleOrNaN() const {
    return value_.is_null() ? std::numeric_limits<double>::quiet_NaN() : Double();
  }
  int Int() const {
    const std::int64_t v = I64();
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
      throw DecodeError(path_ + " is out of range");
    return static_cast<int>(v);
  }
  bool Bool() const { return Checked<bool>(value_.is_boolean(), "a boolean"); }
  std::string Str() const { return Checked<std::string>(value_.is_string(), "a string"); }
  const json& raw() const { return value_; }
  const std::string& path() const { return path_; }

 private:
  std::string Join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  template <typename T>
  T Checked(bool ok, const char* what) const {
    if (!ok)
      throw DecodeError(path_ + " must be " + what);
    return value_.get<T>();
  }

  const json& value_;
  std::string path_;
};

Histogram DecodeHistogram(const Field& f) {
  std::vector<Histogram::Bucket> buckets;
  const Field list = f["buckets"];
  for (std::size_t i = 0; i < list.ArraySize(); ++i) {
    const Field b = list.At(i);
    if (b.ArraySize() != 3)
      throw DecodeError(b.path() + " must be [lower, upper, count]");
    buckets.push_back({b.At(0).I64(), b.At(1).I64(), b.At(2).U64()});
  }
  Result<Histogram> h = Histogram::FromBuckets(buckets, f["min"]["ns"].I64(), f["max"]["ns"].I64(),
                                               f["sum_ns"].Double(), f["max_value_ns"].I64());
  if (!h.ok())
    throw DecodeError(f.path() + ": " + h.status().message());
  if (h->count() != f["count"].U64())
    throw DecodeError(f.path() + ".count does not match its buckets");
  // Out-of-range values are not in any bucket; RecordN of a negative value counts them.
  (void)h->RecordN(-1, f["out_of_range"].U64());
  return std::move(h).value();
}

// One column of per-interval figures; every column has as many elements as
// the first one read (`n`, set by the first call).
template <typename T, typename Get>
void DecodeColumn(const Field& f, std::vector<IntervalRecord>& out, T IntervalRecord::*member,
                  Get get) {
  const std::size_t n = f.ArraySize();
  if (out.empty()) {
    out.resize(n);
  } else if (n != out.size()) {
    throw DecodeError(f.path() + ": " + std::to_string(n) + " elements, expected " +
                      std::to_string(out.size()));
  }
  for (std::size_t i = 0; i < n; ++i) {
    out[i].*member = get(f.At(i));
  }
}

void DecodeLatencyColumns(const Field& f, std::vector<IntervalRecord>& out,
                          LatencySummary IntervalRecord::*which) {
  const auto column = [&](const char* name, auto LatencySummary::*field, auto get) {
    const Field c = f[name];
    if (c.ArraySize() != out.size()) {
      throw DecodeError(c.path() + ": " + std::to_string(c.ArraySize()) + " elements, expected " +
                        std::to_string(out.size()));
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
      (out[i].*which).*field = get(c.At(i));
    }
  };
  const auto u64 = [](const Field& v) {
    return v.U64();
  };
  const auto i64 = [](const Field& v) {
    return v.I64();
  };
  column("count", &LatencySummary::count, u64);
  column("p50", &LatencySummary::p50, i64);
  column("p90", &LatencySummary::p90, i64);
  column("p99", &LatencySummary::p99, i64);
  column("p999", &LatencySummary::p999, i64);
  column("max", &LatencySummary::max, i64);
}

void DecodeIntervals(const Field& f, WorkloadRecord& w) {
  w.interval_seconds = f["seconds"].Double();
  const auto u64 = [](const Field& v) {
    return v.U64();
  };
  DecodeColumn(f["items_due"], w.intervals, &IntervalRecord::items_due, u64);
  DecodeColumn(f["items_sent"], w.intervals, &IntervalRecord::items_sent, u64);
  DecodeColumn(f["requests_sent"], w.intervals, &IntervalRecord::requests_sent, u64);
  DecodeColumn(f["requests_ok"], w.intervals, &IntervalRecord::requests_ok, u64);
  DecodeColumn(f["requests_error"], w.intervals, &IntervalRecord::requests_error, u64);
  DecodeLatencyColumns(f["latency_corrected_ns"], w.intervals, &IntervalRecord::latency_corrected);
  DecodeLatencyColumns(f["latency_uncorrected_ns"], w.intervals,
                       &IntervalRecord::latency_uncorrected);
}

WorkloadRecord DecodeWorkload(const Field& f) {
  WorkloadRecord w;
  w.name = f["name"].Str();
  w.kind = f["kind"].Str();
  w.duration_seconds = f["duration_seconds"].Double();
  w.series = f["series"].U64();
  w.target_samples_per_second = f["target_samples_per_second"].Double();
  w.achieved_samples_per_second = f["achieved_samples_per_second"].Double();
  w.target_requests_per_second = f["target_requests_per_second"].Double();
  w.achieved_requests_per_second = f["achieved_requests_per_second"].Double();
  w.requests = f["requests"].U64();
  w.attempts = f["attempts"].U64();
  w.requests_succeeded = f["requests_succeeded"].U64();
  w.requests_rejected = f["requests_rejected"].U64();
  w.requests_failed = f["requests_failed"].U64();
  w.retries = f["retries"].U64();
  w.requests_late = f["requests_late"].U64();
  w.late_threshold_ns = f["late_threshold_ns"].I64();
  w.requests_unsent = f["requests_unsent"].U64();
  w.samples_sent = f["samples_sent"].U64();
  w.samples_acked = f["samples_acked"].U64();
  w.samples_rejected = f["samples_rejected"].U64();
  w.samples_failed = f["samples_failed"].U64();
  w.stopped_early = f["stopped_early"].Bool();
  w.stop_reason = f["stop_reason"].Str();
  w.knee_samples_per_second = f["knee_samples_per_second"].Double();
  const Field codes = f["status_codes"];
  codes.Size(json::value_t::object);
  for (const auto& [code, count] : codes.raw().items())
    w.status_codes[std::stoi(code)] = Field(count, codes.path() + "." + code).U64();
  if (f.raw().contains("answers")) {  // Reports before 2026-12 have none.
    const Field answers = f["answers"];
    answers.Size(json::value_t::object);
    for (const auto& [code, text] : answers.raw().items())
      w.answers[std::stoi(code)] = Field(text, answers.path() + "." + code).Str();
  }
  w.latency_corrected = DecodeHistogram(f["latency_corrected"]);
  w.latency_uncorrected = DecodeHistogram(f["latency_uncorrected"]);
  if (f.raw().contains("bookkeeping_bytes")) {  // Reports before 2026-12-04 have none.
    const Field b = f["bookkeeping_bytes"];
    w.bookkeeping.ledger = b["ledger"].U64();
    w.bookkeeping.histograms = b["histograms"].U64();
    w.bookkeeping.intervals = b["intervals"].U64();
  }
  if (f.raw().contains("intervals")) {  // Optional: reports before 2026-12 have none.
    DecodeIntervals(f["intervals"], w);
  }
  return w;
}

CompletenessRecord DecodeCompleteness(const Field& f) {
  CompletenessRecord c;
  c.checked = f["checked"].Bool();
  c.skipped_reason = f["skipped_reason"].Str();
  c.series_expected = f["series_expected"].U64();
  c.series_found = f["series_found"].U64();
  c.series_missing = f["series_missing"].U64();
  c.series_incomplete = f["series_incomplete"].U64();
  c.series_unexpected = f["series_unexpected"].U64();
  c.samples_expected = f["samples_expected"].U64();
  c.samples_found = f["samples_found"].U64();
  c.samples_missing = f["samples_missing"].U64();
  c.samples_duplicated = f["samples_duplicated"].U64();
  c.samples_unexpected = f["samples_unexpected"].U64();
  c.queries = f["queries"].U64();
  c.seconds_to_settle = f["seconds_to_settle"].Double();
  const Field examples = f["examples"];
  for (std::size_t i = 0; i < examples.ArraySize(); ++i) {
    const Field e = examples.At(i);
    MissingSeriesExample& out = c.examples.emplace_back();
    out.series = e["series"].Str();
    out.expected_samples = e["expected_samples"].U64();
    out.found_samples = e["found_samples"].U64();
    out.expected_first_ms = e["expected_first_ms"].I64();
    out.expected_last_ms = e["expected_last_ms"].I64();
    const Field ts = e["missing_timestamps_ms"];
    for (std::size_t j = 0; j < ts.ArraySize(); ++j)
      out.missing_timestamps_ms.push_back(ts.At(j).I64());
  }
  return c;
}

VisibilityRecord DecodeVisibility(const Field& f) {
  VisibilityRecord v;
  v.checked = f["checked"].Bool();
  v.probes = f["probes"].U64();
  v.visible = f["visible"].U64();
  v.timed_out = f["timed_out"].U64();
  v.poll_interval_ns = f["poll_interval_ns"].I64();
  if (f.raw().contains("protocol"))  // Reports before 2026-12 have none.
    v.protocol = f["protocol"].Str();
  v.lag = DecodeHistogram(f["lag"]);
  return v;
}

TraceCompletenessRecord DecodeTraceCompleteness(const Field& f) {
  TraceCompletenessRecord t;
  t.checked = f["checked"].Bool();
  t.skipped_reason = f["skipped_reason"].Str();
  t.query_api = f["query_api"].Str();
  t.traces_expected = f["traces_expected"].U64();
  t.traces_found = f["traces_found"].U64();
  t.traces_missing = f["traces_missing"].U64();
  t.traces_partial = f["traces_partial"].U64();
  t.spans_expected = f["spans_expected"].U64();
  t.spans_intact = f["spans_intact"].U64();
  t.spans_missing = f["spans_missing"].U64();
  t.spans_altered = f["spans_altered"].U64();
  t.spans_extra = f["spans_extra"].U64();
  t.queries = f["queries"].U64();
  t.seconds_to_settle = f["seconds_to_settle"].Double();
  const Field examples = f["examples"];
  for (std::size_t i = 0; i < examples.ArraySize(); ++i) {
    const Field e = examples.At(i);
    t.examples.push_back({e["problem"].Str(), e["trace_id"].Str(), e["span_id"].Str(),
                          e["span_name"].Str(), e["field"].Str(), e["sent"].Str(),
                          e["received"].Str()});
  }
  if (f.raw().contains("visibility"))
    t.visibility = DecodeVisibility(f["visibility"]);
  return t;
}

LogCompletenessRecord DecodeLogCompleteness(const Field& f) {
  LogCompletenessRecord l;
  l.checked = f["checked"].Bool();
  l.skipped_reason = f["skipped_reason"].Str();
  l.query_api = f["query_api"].Str();
  l.streams_expected = f["streams_expected"].U64();
  l.streams_found = f["streams_found"].U64();
  l.lines_expected = f["lines_expected"].U64();
  l.lines_intact = f["lines_intact"].U64();
  l.lines_missing = f["lines_missing"].U64();
  l.lines_altered = f["lines_altered"].U64();
  l.lines_duplicated = f["lines_duplicated"].U64();
  l.lines_unexpected = f["lines_unexpected"].U64();
  l.lines_out_of_order = f["lines_out_of_order"].U64();
  l.queries = f["queries"].U64();
  l.seconds_to_settle = f["seconds_to_settle"].Double();
  const Field examples = f["examples"];
  for (std::size_t i = 0; i < examples.ArraySize(); ++i) {
    const Field e = examples.At(i);
    l.examples.push_back({e["problem"].Str(), e["stream"].Str(), e["timestamp_ns"].I64(),
                          e["sent"].Str(), e["received"].Str()});
  }
  if (f.raw().contains("visibility"))
    l.visibility = DecodeVisibility(f["visibility"]);
  return l;
}

assertions::Comparison DecodeComparison(const Field& f) {
  const std::string symbol = f.Str();
  for (const auto c : {assertions::Comparison::kLess, assertions::Comparison::kLessEqual,
                       assertions::Comparison::kGreater, assertions::Comparison::kGreaterEqual,
                       assertions::Comparison::kEqual}) {
    if (assertions::ComparisonSymbol(c) == symbol)
      return c;
  }
  throw DecodeError(f.path() + " \"" + symbol + "\" is not a comparison operator");
}

assertions::Outcome DecodeOutcome(const Field& f) {
  const std::string name = f.Str();
  for (const auto o :
       {assertions::Outcome::kPassed, assertions::Outcome::kFailed, assertions::Outcome::kNoData}) {
    if (assertions::OutcomeName(o) == name)
      return o;
  }
  throw DecodeError(f.path() + " \"" + name + "\" is not an outcome");
}

assertions::AssertionResult DecodeAssertion(const Field& f) {
  assertions::AssertionResult r;
  r.spec.name = f["name"].Str();
  r.spec.expression = f["expression"].Str();
  r.spec.figure = f["figure"].Str();
  r.spec.workload = f["workload"].Str();
  r.spec.comparison = DecodeComparison(f["comparison"]);
  r.spec.threshold = f["threshold"].Double();
  r.spec.location = f["location"].Str();
  r.outcome = DecodeOutcome(f["outcome"]);
  r.expected = f["expected"].Str();
  r.actual = f["actual"].Str();
  r.explanation = f["explanation"].Str();
  return r;
}

std::map<std::string, std::string> DecodeStringMap(const Field& f) {
  std::map<std::string, std::string> out;
  f.Size(json::value_t::object);
  for (const auto& [key, value] : f.raw().items())
    out[key] = Field(value, f.path() + "." + key).Str();
  return out;
}

AlertsRecord DecodeAlerts(const Field& f) {
  AlertsRecord a;
  a.enabled = true;
  a.time_scale = f["time_scale"].Double();
  a.receiver_url = f["receiver_url"].Str();
  const Field files = f["rule_files"];
  for (std::size_t i = 0; i < files.ArraySize(); ++i)
    a.rule_files.push_back(files.At(i).Str());
  a.listen_seconds = f["listen_seconds"].Double();
  a.rejected = f["rejected"].U64();
  a.dropped = f["dropped"].U64();
  const Field checks = f["checks"];
  for (std::size_t i = 0; i < checks.ArraySize(); ++i) {
    const Field c = checks.At(i);
    AlertCheckRecord out;
    out.alert = c["alert"].Str();
    out.signal = c["signal"].Str();
    out.shape = c["shape"].Str();
    out.for_seconds = c["for_seconds"].Double();
    out.evaluation_interval_seconds = c["evaluation_interval_seconds"].Double();
    out.sample_interval_seconds = c["sample_interval_seconds"].Double();
    const Field episodes = c["episodes"];
    for (std::size_t j = 0; j < episodes.ArraySize(); ++j)
      out.episodes.emplace_back(episodes.At(j)["start_seconds"].Double(),
                                episodes.At(j)["end_seconds"].Double());
    const Field states = c["evaluator_states"];
    for (std::size_t j = 0; j < states.ArraySize(); ++j) {
      const Field st = states.At(j);
      out.evaluator_states.push_back(
          {st["state"].Str(), st["start_seconds"].Double(), st["end_seconds"].Double()});
    }
    out.evaluator_note = c["evaluator_note"].Str();
    a.checks.push_back(std::move(out));
  }
  const Field notes = f["notifications"];
  for (std::size_t i = 0; i < notes.ArraySize(); ++i) {
    const Field n = notes.At(i);
    a.notifications.push_back({.t_seconds = n["t_seconds"].Double(),
                               .arrival_unix_ms = n["arrival_unix_ms"].I64(),
                               .format = n["format"].Str(),
                               .status = n["status"].Str(),
                               .labels = DecodeStringMap(n["labels"]),
                               .annotations = DecodeStringMap(n["annotations"]),
                               .starts_at_ms = n["starts_at_unix_ms"].I64(),
                               .ends_at_ms = n["ends_at_unix_ms"].I64()});
  }
  return a;
}

std::vector<ProcessResources> DecodeResources(const Field& f) {
  std::vector<ProcessResources> out;
  for (std::size_t i = 0; i < f.ArraySize(); ++i) {
    const Field p = f.At(i);
    ProcessResources r;
    r.name = p["name"].Str();
    r.pid = p["pid"].I64();
    r.cpu_seconds = p["cpu_seconds"].Double();
    r.cpu_cores_mean = p["cpu_cores_mean"].Double();
    r.rss_max_bytes = p["rss_max_bytes"].U64();
    const Field samples = p["samples"];
    const Field t = samples["t_seconds"];
    const Field cores = samples["cpu_cores"];
    const Field rss = samples["rss_bytes"];
    const std::size_t n = t.ArraySize();
    for (const Field* column : {&cores, &rss}) {
      if (column->ArraySize() != n) {
        throw DecodeError(column->path() + ": " + std::to_string(column->ArraySize()) +
                          " elements, expected " + std::to_string(n));
      }
    }
    for (std::size_t k = 0; k < n; ++k) {
      r.samples.push_back({.t_seconds = t.At(k).Double(),
                           .cpu_cores = cores.At(k).Double(),
                           .rss_bytes = rss.At(k).U64()});
    }
    out.push_back(std::move(r));
  }
  return out;
}

VariantRunRecord DecodeVariantRun(const Field& f) {
  VariantRunRecord r;
  r.variant = f["variant"].Str();
  r.round = f["round"].Int();
  r.load_seconds = f["load_seconds"].DoubleOrNaN();
  r.requests = f["requests"].U64();
  r.requests_answered = f["requests_answered"].U64();
  r.requests_ok = f["requests_ok"].U64();
  r.warmup_requests_answered = f["warmup_requests_answered"].U64();
  r.target_rps = f["target_rps"].DoubleOrNaN();
  r.achieved_rps = f["achieved_rps"].DoubleOrNaN();
  r.saturation_rps = f["saturation_rps"].DoubleOrNaN();
  r.p50 = f["p50"].DoubleOrNaN();
  r.p95 = f["p95"].DoubleOrNaN();
  r.p99 = f["p99"].DoubleOrNaN();
  r.p50_uncorrected = f["p50_uncorrected"].DoubleOrNaN();
  r.p95_uncorrected = f["p95_uncorrected"].DoubleOrNaN();
  r.p99_uncorrected = f["p99_uncorrected"].DoubleOrNaN();
  r.app_cpu_seconds = f["app_cpu_seconds"].DoubleOrNaN();
  r.app_cpu_per_request_seconds = f["app_cpu_per_request_seconds"].DoubleOrNaN();
  r.app_rss_mean_bytes = f["app_rss_mean_bytes"].DoubleOrNaN();
  r.app_rss_max_bytes = f["app_rss_max_bytes"].U64();
  r.app_threads_max = f["app_threads_max"].Int();
  r.app_processes_max = f["app_processes_max"].Int();
  r.app_voluntary_ctxt_switches = f["app_voluntary_ctxt_switches"].U64();
  r.app_nonvoluntary_ctxt_switches = f["app_nonvoluntary_ctxt_switches"].U64();
  r.app_exit_code = f["app_exit_code"].Int();
  r.harness_cpu_seconds = f["harness_cpu_seconds"].DoubleOrNaN();
  const Field destinations = f["destinations"];
  for (std::size_t i = 0; i < destinations.ArraySize(); ++i) {
    const Field d = destinations.At(i);
    r.destinations.push_back({.name = d["name"].Str(),
                              .url = d["url"].Str(),
                              .requests = d["requests"].U64(),
                              .spans = d["spans"].U64(),
                              .server_spans = d["server_spans"].U64(),
                              .log_records = d["log_records"].U64(),
                              .data_points = d["data_points"].U64(),
                              .decode_errors = d["decode_errors"].U64()});
  }
  return r;
}

ExperimentRecord DecodeExperiment(const Field& f) {
  ExperimentRecord e;
  e.baseline = f["baseline"].Str();
  e.rounds = f["rounds"].Int();
  const Field variants = f["variants"];
  for (std::size_t i = 0; i < variants.ArraySize(); ++i)
    e.variants.push_back(variants.At(i).Str());
  const Field runs = f["runs"];
  for (std::size_t i = 0; i < runs.ArraySize(); ++i)
    e.runs.push_back(DecodeVariantRun(runs.At(i)));
  const Field overhead = f["overhead"];
  for (std::size_t i = 0; i < overhead.ArraySize(); ++i) {
    const Field o = overhead.At(i);
    e.overhead.push_back({.variant = o["variant"].Str(),
                          .figure = o["figure"].Str(),
                          .unit = o["unit"].Str(),
                          .pairs = o["pairs"].Int(),
                          .baseline_mean = o["baseline_mean"].DoubleOrNaN(),
                          .variant_mean = o["variant_mean"].DoubleOrNaN(),
                          .delta_mean = o["delta_mean"].DoubleOrNaN(),
                          .delta_ci_low = o["delta_ci_low"].DoubleOrNaN(),
                          .delta_ci_high = o["delta_ci_high"].DoubleOrNaN(),
                          .relative = o["relative"].DoubleOrNaN(),
                          .relative_ci_low = o["relative_ci_low"].DoubleOrNaN(),
                          .relative_ci_high = o["relative_ci_high"].DoubleOrNaN()});
  }
  const Field exports = f["exports"];
  for (std::size_t i = 0; i < exports.ArraySize(); ++i) {
    const Field x = exports.At(i);
    e.exports.push_back({.variant = x["variant"].Str(),
                         .destination = x["destination"].Str(),
                         .requests_answered = x["requests_answered"].U64(),
                         .server_spans = x["server_spans"].U64(),
                         .spans = x["spans"].U64(),
                         .completeness = x["completeness"].DoubleOrNaN()});
  }
  return e;
}

void DecodeRun(const Field& doc, RunReport& report) {
  RunRecord& r = report.record;
  const Field scenario = doc["scenario"];
  r.scenario_name = scenario["name"].Str();
  r.scenario_description = scenario["description"].Str();
  r.scenario_file = scenario["file"].Str();
  report.scenario_text = scenario["text"].Str();
  const Field run = doc["run"];
  r.run_id = run["id"].Str();
  r.seed = run["seed"].U64();
  r.started_unix_ms = run["started_unix_ms"].I64();
  r.duration_seconds = run["duration_seconds"].Double();
  r.target_kind = run["target"]["kind"].Str();
  r.target_write_url = run["target"]["write_url"].Str();
  r.target_query_url = run["target"]["query_url"].Str();
  const Field env = doc["environment"];
  env.Size(json::value_t::object);
  for (const auto& [key, value] : env.raw().items())
    r.environment[key] = Field(value, env.path() + "." + key).Str();
}

RunReport DecodeOrThrow(const Field& doc) {
  if (doc["schema_version"].I64() != kJsonSchemaVersion) {
    throw DecodeError("schema_version " + doc["schema_version"].raw().dump() +
                      " is not supported (this build reads " + std::to_string(kJsonSchemaVersion) +
                      ")");
  }
  RunReport report;
  report.generated_unix_ms = doc["generated_unix_ms"].I64();
  report.infrastructure_error = doc["infrastructure_error"].Str();
  DecodeRun(doc, report);
  const Field workloads = doc["workloads"];
  for (std::size_t i = 0; i < workloads.ArraySize(); ++i)
    report.record.workloads.push_back(DecodeWorkload(workloads.At(i)));
  report.record.completeness = DecodeCompleteness(doc["completeness"]);
  report.record.visibility = DecodeVisibility(doc["visibility"]);
  if (doc.raw().contains("alerts"))
    report.record.alerts = DecodeAlerts(doc["alerts"]);
  if (doc.raw().contains("traces"))
    report.record.traces = DecodeTraceCompleteness(doc["traces"]);
  if (doc.raw().contains("logs"))
    report.record.logs = DecodeLogCompleteness(doc["logs"]);
  const Field results = doc["assertions"];
  for (std::size_t i = 0; i < results.ArraySize(); ++i)
    report.assertions.push_back(DecodeAssertion(results.At(i)));
  const Field warnings = doc["warnings"];
  for (std::size_t i = 0; i < warnings.ArraySize(); ++i)
    report.record.warnings.push_back(warnings.At(i).Str());
  if (doc.raw().contains("repeats")) {
    const Field repeats = doc["repeats"];
    for (std::size_t i = 0; i < repeats.ArraySize(); ++i) {
      const Field r = repeats.At(i);
      RepeatRecord rep;
      rep.run_id = r["run_id"].Str();
      rep.passed = r["passed"].Bool();
      rep.duration_seconds = r["duration_seconds"].Double();
      const Field figures = r["figures"];
      figures.Size(json::value_t::object);
      for (const auto& [name, value] : figures.raw().items())
        rep.figures[name] = Field(value, figures.path() + "." + name).Double();
      report.record.repeats.push_back(std::move(rep));
    }
  }
  if (doc.raw().contains("resources")) {  // Optional: omitted when no process was sampled.
    report.record.resources = DecodeResources(doc["resources"]);
  }
  if (doc.raw().contains("experiment")) {  // Optional: experiments only.
    report.record.experiment = DecodeExperiment(doc["experiment"]);
  }
  return report;
}

}  // namespace

Result<RunReport> DecodeReport(const json& doc) {
  try {
    return DecodeOrThrow(Field(doc, ""));
  } catch (const DecodeError& e) {
    return InvalidArgumentError(std::string("report.json: ") + e.what());
  } catch (const std::exception& e) {  // nlohmann type errors, std::stoi.
    return InvalidArgumentError(std::string("report.json: malformed: ") + e.what());
  }
}

}  // namespace obs::reports::internal

namespace obs::reports {

Result<RunReport> ParseJsonReport(std::string_view json_text) {
  std::string error;
  const std::optional<nlohmann::json> doc = wire::ParseJson(json_text, &error);
  if (!doc) {
    return InvalidArgumentError("report.json: not valid JSON (" + error + ")");
  }
  return internal::DecodeReport(*doc);
}

Result<RunReport> ReadJsonReport(const std::string& path) {
  std::filesystem::path file(path);
  if (std::filesystem::is_directory(file)) {
    file /= "report.json";
  }
  std::ifstream in(file);
  if (!in) {
    return NotFoundError(file.string() + ": cannot read");
  }
  std::stringstream text;
  text << in.rdbuf();
  auto report = ParseJsonReport(text.str());
  if (!report.ok()) {
    return InvalidArgumentError(file.string() + ": " + report.status().message());
  }
  return report;
}

}  // namespace obs::reports
