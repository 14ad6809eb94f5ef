#include "experiment_tables.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "obs/assertions/format.h"

namespace obs::reports::internal {
namespace {

using assertions::FormatBytes;
using assertions::FormatCount;
using assertions::FormatNumber;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr const char* kNone = "–";

ExperimentCell Text(std::string text) {
  return {.text = std::move(text)};
}

ExperimentCell Name(std::string name, std::string suffix = "") {
  return {.name = std::move(name), .suffix = std::move(suffix)};
}

// `text` with a "+" in front when `value` is positive (negatives carry their "-").
std::string Signed(double value, const std::string& text) {
  return value > 0 ? "+" + text : text;
}

// The formatters below show "–" for NaN (no value).
std::string Micros(double seconds) {
  return std::isfinite(seconds) ? FormatNumber(seconds * 1e6, 1) + " µs" : kNone;
}

std::string Duration(double seconds) {
  return std::isfinite(seconds) ? assertions::FormatDurationNs(seconds * 1e9) : kNone;
}

std::string Rate(double rps) {
  return std::isfinite(rps) ? FormatNumber(rps, 1) : kNone;
}

std::string Bytes(double bytes) {
  return std::isfinite(bytes) ? FormatBytes(bytes) : kNone;
}

// Mean of the finite values of `value` over the runs of `variant`; NaN without any.
double Mean(const ExperimentRecord& e, const std::string& variant,
            const std::function<double(const VariantRunRecord&)>& value) {
  double sum = 0;
  int n = 0;
  for (const VariantRunRecord& r : e.runs) {
    if (r.variant != variant) {
      continue;
    }
    const double v = value(r);
    if (std::isfinite(v)) {
      sum += v;
      ++n;
    }
  }
  return n == 0 ? kNaN : sum / n;
}

double CpuCores(const VariantRunRecord& r) {
  return r.load_seconds > 0 ? r.app_cpu_seconds / r.load_seconds : kNaN;
}

double CtxPerRequest(const VariantRunRecord& r) {
  return r.requests_answered == 0 ? kNaN
                                  : static_cast<double>(r.app_voluntary_ctxt_switches +
                                                        r.app_nonvoluntary_ctxt_switches) /
                                        static_cast<double>(r.requests_answered);
}

// Destinations in order of first appearance: export records, then runs.
std::vector<std::string> Destinations(const ExperimentRecord& e) {
  std::vector<std::string> out;
  const auto add = [&out](const std::string& name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(name);
    }
  };
  for (const ExportCompletenessRecord& x : e.exports) {
    add(x.destination);
  }
  for (const VariantRunRecord& r : e.runs) {
    for (const ExportDestinationRecord& d : r.destinations) {
      add(d.name);
    }
  }
  return out;
}

const ExportCompletenessRecord* FindExport(const ExperimentRecord& e, const std::string& variant,
                                           const std::string& destination) {
  for (const ExportCompletenessRecord& x : e.exports) {
    if (x.variant == variant && x.destination == destination) {
      return &x;
    }
  }
  return nullptr;
}

std::string Completeness(const ExportCompletenessRecord& x) {
  if (x.requests_answered == 0 || !std::isfinite(x.completeness)) {
    return kNone;
  }
  // More server spans than requests (e.g. the app's own health checks) shows as 100%.
  return assertions::FormatPercent(std::min(1.0, x.completeness));
}

std::vector<std::string> ComparedVariants(const ExperimentRecord& e) {
  std::vector<std::string> out;
  for (const std::string& v : e.variants) {
    if (v != e.baseline) {
      out.push_back(v);
    }
  }
  return out;
}

// How one overhead figure is labelled and its differences formatted.
struct OverheadRow {
  std::string figure;
  std::string label;
  bool relative = false;  // Show OverheadRecord::relative instead of the delta.
  std::function<std::string(double)> format;
};

std::vector<OverheadRow> KnownOverheadRows() {
  const auto millis = [](double s) {
    return Signed(s, FormatNumber(s * 1e3, 3) + " ms");
  };
  const auto fixed = [](int decimals, const std::string& unit) {
    return [decimals, unit](double v) {
      return Signed(v, FormatNumber(v, decimals) + unit);
    };
  };
  return {
      {"cpu_per_request", "App CPU per request", true,
       [](double r) {
         return Signed(r, FormatNumber(r * 100, 1) + "%");
       }},
      {"cpu_per_request", "App CPU per request (absolute)", false,
       [](double s) {
         return Signed(s, Micros(s));
       }},
      {"cpu_cores", "App CPU cores", false, fixed(3, "")},
      {"p50", "Latency p50", false, millis},
      {"p95", "Latency p95", false, millis},
      {"p99", "Latency p99", false, millis},
      {"p99_uncorrected", "Latency p99 uncorrected", false, millis},
      {"rss_mean", "App RSS mean", false,
       [](double b) {
         return FormatBytes(b, true);
       }},
      {"rss_max", "App RSS max", false,
       [](double b) {
         return FormatBytes(b, true);
       }},
      {"throughput", "Requests/s achieved", false, fixed(1, "")},
      {"saturation", "Saturation requests/s", false, fixed(1, "")},
      {"threads_max", "App threads (max)", false, fixed(1, "")},
      {"ctx_switches_per_request", "Context switches per request", false, fixed(2, "")},
  };
}

std::string Interval(const OverheadRecord& o, const OverheadRow& row) {
  const double low = row.relative ? o.relative_ci_low : o.delta_ci_low;
  const double high = row.relative ? o.relative_ci_high : o.delta_ci_high;
  if (o.pairs == 0) {
    return kNone;
  }
  if (!std::isfinite(low) || !std::isfinite(high)) {
    return o.pairs == 1 ? "n/a (1 round)" : "n/a";
  }
  return row.format(low) + " … " + row.format(high);
}

std::string Difference(const OverheadRecord& o, const OverheadRow& row) {
  if (o.pairs == 0) {
    return "no data";
  }
  const double v = row.relative ? o.relative : o.delta_mean;
  if (!std::isfinite(v)) {
    return row.relative ? "n/a (baseline 0)" : "n/a";
  }
  return row.format(v);
}

}  // namespace

const OverheadRecord* FindOverhead(const ExperimentRecord& e, const std::string& variant,
                                   const std::string& figure) {
  for (const OverheadRecord& o : e.overhead) {
    if (o.variant == variant && o.figure == figure) {
      return &o;
    }
  }
  return nullptr;
}

double ExperimentMeanCpuPerRequest(const ExperimentRecord& e, const std::string& variant) {
  return Mean(e, variant, [](const VariantRunRecord& r) { return r.app_cpu_per_request_seconds; });
}

ExperimentTable ExperimentVariantsTable(const ExperimentRecord& e) {
  ExperimentTable t;
  t.header.push_back(Text(""));
  for (const std::string& v : e.variants) {
    t.header.push_back(Name(v, v == e.baseline ? " (baseline)" : ""));
  }
  using Value = std::function<std::string(const std::string& variant)>;
  const auto row = [&](std::string label, const Value& value) {
    std::vector<ExperimentCell> cells = {Text(std::move(label))};
    for (const std::string& v : e.variants) {
      cells.push_back(Text(value(v)));
    }
    t.rows.push_back(std::move(cells));
  };
  using Figure = std::function<double(const VariantRunRecord&)>;
  // The mean of `figure` formatted by `format`, or "–".
  const auto mean = [&e](const Figure& figure, const std::function<std::string(double)>& format) {
    return [&e, figure, format](const std::string& v) {
      const double m = Mean(e, v, figure);
      return std::isfinite(m) ? format(m) : std::string(kNone);
    };
  };
  row("Rounds", [&e](const std::string& v) {
    return std::to_string(std::count_if(
        e.runs.begin(), e.runs.end(), [&v](const VariantRunRecord& r) { return r.variant == v; }));
  });
  row("Requests/s achieved / target", [&](const std::string& v) {
    const double achieved = Mean(e, v, [](const VariantRunRecord& r) { return r.achieved_rps; });
    const double target = Mean(e, v, [](const VariantRunRecord& r) { return r.target_rps; });
    return std::isfinite(achieved) ? Rate(achieved) + " / " + Rate(target) : std::string(kNone);
  });
  const bool staged = std::any_of(e.overhead.begin(), e.overhead.end(),
                                  [](const OverheadRecord& o) { return o.figure == "saturation"; });
  if (staged) {
    row("Saturation requests/s",
        mean([](const VariantRunRecord& r) { return r.saturation_rps; }, Rate));
  }
  row("Latency p50", mean([](const VariantRunRecord& r) { return r.p50; }, Duration));
  row("Latency p95", mean([](const VariantRunRecord& r) { return r.p95; }, Duration));
  row("Latency p99", mean([](const VariantRunRecord& r) { return r.p99; }, Duration));
  row("Latency p99 uncorrected",
      mean([](const VariantRunRecord& r) { return r.p99_uncorrected; }, Duration));
  row("App CPU per request",
      mean([](const VariantRunRecord& r) { return r.app_cpu_per_request_seconds; }, Micros));
  row("App CPU cores", mean(CpuCores, [](double c) { return FormatNumber(c, 3); }));
  row("App RSS mean / max", [&](const std::string& v) {
    const double rss = Mean(e, v, [](const VariantRunRecord& r) { return r.app_rss_mean_bytes; });
    const double max = Mean(
        e, v, [](const VariantRunRecord& r) { return static_cast<double>(r.app_rss_max_bytes); });
    return std::isfinite(rss) ? Bytes(rss) + " / " + Bytes(max) : std::string(kNone);
  });
  row("App threads (max)",
      mean([](const VariantRunRecord& r) { return static_cast<double>(r.app_threads_max); },
           [](double n) { return assertions::FormatTrimmed(n, 1); }));
  row("Context switches per request",
      mean(CtxPerRequest, [](double n) { return FormatNumber(n, 2); }));
  row("obsbench CPU", mean([](const VariantRunRecord& r) { return r.harness_cpu_seconds; },
                           [](double s) { return FormatNumber(s, 2) + " s"; }));
  for (const std::string& d : Destinations(e)) {
    std::vector<ExperimentCell> cells = {{.text = "Exports to ", .name = d}};
    for (const std::string& v : e.variants) {
      const ExportCompletenessRecord* x = FindExport(e, v, d);
      cells.push_back(Text(x == nullptr ? std::string(kNone)
                                        : FormatCount(x->server_spans) + " server spans / " +
                                              FormatCount(x->requests_answered) + " requests (" +
                                              Completeness(*x) + ")"));
    }
    t.rows.push_back(std::move(cells));
  }
  return t;
}

ExperimentTable ExperimentOverheadTable(const ExperimentRecord& e) {
  ExperimentTable t;
  const std::vector<std::string> compared = ComparedVariants(e);
  t.header.push_back({.text = "Against ", .name = e.baseline});
  for (const std::string& v : compared) {
    t.header.push_back(Name(v));
    t.header.push_back(Text("95% CI"));
  }
  if (compared.empty() || e.overhead.empty()) {
    return t;
  }
  std::vector<ExperimentCell> pairs = {Text("Rounds paired")};
  for (const std::string& v : compared) {
    int n = 0;
    for (const OverheadRecord& o : e.overhead) {
      n = o.variant == v ? std::max(n, o.pairs) : n;
    }
    pairs.push_back(Text(std::to_string(n)));
    pairs.push_back(Text(""));
  }
  t.rows.push_back(std::move(pairs));
  std::vector<OverheadRow> rows = KnownOverheadRows();
  // Figures this build does not know yet: shown with their unit.
  for (const OverheadRecord& o : e.overhead) {
    const bool known = std::any_of(rows.begin(), rows.end(),
                                   [&o](const OverheadRow& r) { return r.figure == o.figure; });
    if (!known) {
      const std::string unit = " " + o.unit;
      rows.push_back({o.figure, o.figure, false, [unit](double v) {
                        return Signed(v, FormatNumber(v, 3) + unit);
                      }});
    }
  }
  for (const OverheadRow& row : rows) {
    const bool present =
        std::any_of(e.overhead.begin(), e.overhead.end(),
                    [&row](const OverheadRecord& o) { return o.figure == row.figure; });
    if (!present) {
      continue;
    }
    std::vector<ExperimentCell> cells = {Text(row.label)};
    for (const std::string& v : compared) {
      const OverheadRecord* o = FindOverhead(e, v, row.figure);
      cells.push_back(Text(o == nullptr ? kNone : Difference(*o, row)));
      cells.push_back(Text(o == nullptr ? kNone : Interval(*o, row)));
    }
    t.rows.push_back(std::move(cells));
  }
  return t;
}

ExperimentTable ExperimentRoundsTable(const ExperimentRecord& e) {
  ExperimentTable t;
  t.header = {Text("Variant"),
              Text("Round"),
              Text("Requests/s"),
              Text("p99"),
              Text("App CPU per request"),
              Text("App RSS mean")};
  std::vector<const VariantRunRecord*> runs;
  for (const VariantRunRecord& r : e.runs) {
    runs.push_back(&r);
  }
  const auto rank = [&e](const std::string& v) {
    return std::find(e.variants.begin(), e.variants.end(), v) - e.variants.begin();
  };
  std::stable_sort(runs.begin(), runs.end(),
                   [&rank](const VariantRunRecord* a, const VariantRunRecord* b) {
                     const auto ra = rank(a->variant);
                     const auto rb = rank(b->variant);
                     return ra != rb ? ra < rb : a->round < b->round;
                   });
  for (const VariantRunRecord* r : runs) {
    t.rows.push_back({Name(r->variant), Text(std::to_string(r->round)), Text(Rate(r->achieved_rps)),
                      Text(Duration(r->p99)), Text(Micros(r->app_cpu_per_request_seconds)),
                      Text(Bytes(r->app_rss_mean_bytes))});
  }
  return t;
}

ExperimentTable ExperimentExportsTable(const ExperimentRecord& e) {
  ExperimentTable t;
  t.numeric_from = 2;
  t.header = {Text("Variant"),      Text("Destination"), Text("Requests answered"),
              Text("Server spans"), Text("Spans"),       Text("Decode errors"),
              Text("Completeness")};
  for (const ExportCompletenessRecord& x : e.exports) {
    std::uint64_t decode_errors = 0;
    for (const VariantRunRecord& r : e.runs) {
      if (r.variant != x.variant) {
        continue;
      }
      for (const ExportDestinationRecord& d : r.destinations) {
        decode_errors += d.name == x.destination ? d.decode_errors : 0;
      }
    }
    t.rows.push_back({Name(x.variant), Name(x.destination), Text(FormatCount(x.requests_answered)),
                      Text(FormatCount(x.server_spans)), Text(FormatCount(x.spans)),
                      Text(FormatCount(decode_errors)), Text(Completeness(x))});
  }
  return t;
}

}  // namespace obs::reports::internal
