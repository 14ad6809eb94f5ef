// PromQL 2.42's date functions and the functions that see whole vectors:
// sort, clamp, absent, histogram_quantile, label_replace, label_join,
// time/pi/vector/scalar (promql/functions.go, promql/quantile.go).

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <regex>
#include <string>
#include <unordered_map>

#include "obs/base/civil_time.h"

#include "query/functions_internal.h"

namespace obs::backend::query::internal {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// UTC calendar fields of a sample value in unix seconds, truncated toward
// zero like Go's int64(v).
CivilTime ToCivil(double v) {
  return CivilFromUnixSeconds(static_cast<std::int64_t>(v));
}

LabelsPtr WithLabel(const Labels& in, const std::string& name, const std::string& value) {
  auto out = std::make_shared<Labels>();
  out->reserve(in.size() + 1);
  bool placed = false;
  for (const LabelPair& l : in) {
    if (!placed && !value.empty() && l.name > name) {
      out->push_back({name, value});
      placed = true;
    }
    if (l.name != name) {
      out->push_back(l);
    }
  }
  if (!placed && !value.empty()) {
    out->push_back({name, value});
  }
  return out;
}

std::string_view Get(const Labels& labels, std::string_view name) {
  for (const LabelPair& l : labels) {
    if (l.name == name) {
      return l.value;
    }
  }
  return {};
}

// Labels of absent()/absent_over_time(): the argument selector's equality
// matchers, minus any label also constrained another way.
LabelsPtr AbsentLabels(const Expr& arg) {
  const VectorSelector* vs = std::get_if<VectorSelector>(&arg.node);
  if (const auto* ms = std::get_if<MatrixSelector>(&arg.node)) {
    vs = &ms->selector;
  }
  auto out = std::make_shared<Labels>();
  if (vs == nullptr) {
    return out;
  }
  std::vector<std::string> dropped;
  for (const Matcher& m : vs->matchers) {
    if (m.name == "__name__") {
      continue;
    }
    const bool has =
        std::any_of(out->begin(), out->end(), [&](const LabelPair& l) { return l.name == m.name; });
    if (m.type == MatchType::kEqual && !has) {
      out->push_back({m.name, m.value});
    } else {
      dropped.push_back(m.name);
    }
  }
  std::erase_if(*out, [&](const LabelPair& l) {
    return std::find(dropped.begin(), dropped.end(), l.name) != dropped.end();
  });
  std::sort(out->begin(), out->end(),
            [](const LabelPair& a, const LabelPair& b) { return a.name < b.name; });
  return out;
}

struct Bucket {
  double upper;
  double count;
};

// Prometheus 2.42 bucketQuantile over classic buckets.
double BucketQuantile(double q, std::vector<Bucket>& buckets) {
  if (std::isnan(q)) {
    return kNaN;
  }
  if (q < 0) {
    return -std::numeric_limits<double>::infinity();
  }
  if (q > 1) {
    return std::numeric_limits<double>::infinity();
  }
  std::sort(buckets.begin(), buckets.end(),
            [](const Bucket& a, const Bucket& b) { return a.upper < b.upper; });
  if (!std::isinf(buckets.back().upper) || buckets.back().upper < 0) {
    return kNaN;
  }
  // Coalesce buckets with the same bound.
  std::size_t n = 0;
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].upper == buckets[n].upper) {
      buckets[n].count += buckets[i].count;
    } else {
      buckets[++n] = buckets[i];
    }
  }
  buckets.resize(n + 1);
  // Make counts monotonic.
  double max = -std::numeric_limits<double>::infinity();
  for (Bucket& b : buckets) {
    if (b.count > max) {
      max = b.count;
    } else if (b.count < max) {
      b.count = max;
    }
  }
  if (buckets.size() < 2) {
    return kNaN;
  }
  const double observations = buckets.back().count;
  if (observations == 0) {
    return kNaN;
  }
  double rank = q * observations;
  // The first bucket (excluding +Inf) whose count reaches the rank.
  std::size_t b = 0;
  while (b < buckets.size() - 1 && !(buckets[b].count >= rank)) {
    ++b;
  }
  if (b == buckets.size() - 1) {
    return buckets[buckets.size() - 2].upper;
  }
  if (b == 0 && buckets[0].upper <= 0) {
    return buckets[0].upper;
  }
  double start = 0;
  const double end = buckets[b].upper;
  double count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

// Go's Regexp.Expand of `templ` with the submatches of `m`: $1, ${1},
// $name, ${name} ($name takes the longest run of letters, digits and '_'),
// $$ for a dollar. Unknown or invalid references expand to nothing.
std::string Expand(const std::string& templ, const std::smatch& m) {
  std::string out;
  for (std::size_t i = 0; i < templ.size(); ++i) {
    if (templ[i] != '$' || i + 1 >= templ.size()) {
      out += templ[i];
      continue;
    }
    if (templ[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string name;
    std::size_t next = i + 1;
    if (templ[next] == '{') {
      const std::size_t close = templ.find('}', next);
      if (close == std::string::npos) {
        out += templ[i];
        continue;
      }
      name = templ.substr(next + 1, close - next - 1);
      next = close + 1;
    } else {
      while (next < templ.size() &&
             (std::isalnum(static_cast<unsigned char>(templ[next])) != 0 || templ[next] == '_')) {
        name += templ[next++];
      }
    }
    if (name.empty()) {
      out += templ[i];  // A lone '$' stays as Go keeps it.
      continue;
    }
    const bool numeric = std::all_of(name.begin(), name.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
    if (numeric) {
      const std::size_t idx = std::stoul(name.size() > 6 ? "999999" : name);
      if (idx < m.size() && m[idx].matched) {
        out += m[idx].str();
      }
    }
    // Named groups are not supported by the ECMAScript dialect: they expand
    // to nothing (docs/promql-compatibility.md).
    i = next - 1;
  }
  return out;
}

std::vector<InstantSample> Take(GeneralCall& c, std::size_t i) {
  return std::move(std::get<Vector>(c.args[i]));
}

}  // namespace

bool ParseGoFloat(std::string_view text, double& out) {
  // std::from_chars is locale-independent and accepts inf/infinity/nan in
  // any case; Go also accepts a leading '+'.
  if (text.size() > 1 && text.front() == '+' && text[1] != '-' && text[1] != '+') {
    text.remove_prefix(1);
  }
  if (text.empty()) {
    return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

double DayOfMonth(double v, std::int64_t, Scalars) {
  return ToCivil(v).day;
}
double DayOfWeek(double v, std::int64_t, Scalars) {
  return ToCivil(v).weekday;
}
double DayOfYear(double v, std::int64_t, Scalars) {
  return ToCivil(v).yday;
}
double DaysInMonth(double v, std::int64_t, Scalars) {
  const CivilTime c = ToCivil(v);
  return obs::DaysInMonth(c.year, c.month);
}
double Hour(double v, std::int64_t, Scalars) {
  return ToCivil(v).hour;
}
double Minute(double v, std::int64_t, Scalars) {
  return ToCivil(v).minute;
}
double Month(double v, std::int64_t, Scalars) {
  return ToCivil(v).month;
}
double Year(double v, std::int64_t, Scalars) {
  return static_cast<double>(ToCivil(v).year);
}

Value Time(GeneralCall& c) {
  return Scalar{static_cast<double>(c.eval_t) / 1000};
}

Value Pi(GeneralCall&) {
  return Scalar{std::numbers::pi};
}

Value VectorOf(GeneralCall& c) {
  return Vector{{std::make_shared<const Labels>(), std::get<Scalar>(c.args[0]).value, c.eval_t}};
}

Value ScalarOf(GeneralCall& c) {
  const auto& v = std::get<Vector>(c.args[0]);
  return Scalar{v.size() == 1 ? v[0].value : kNaN};
}

Value Sort(GeneralCall& c) {
  Vector v = Take(c, 0);
  // Ascending, NaN last.
  std::stable_sort(v.begin(), v.end(), [](const InstantSample& a, const InstantSample& b) {
    if (std::isnan(b.value)) {
      return !std::isnan(a.value);
    }
    return a.value < b.value;
  });
  return v;
}

Value SortDesc(GeneralCall& c) {
  Vector v = Take(c, 0);
  // Descending, NaN last.
  std::stable_sort(v.begin(), v.end(), [](const InstantSample& a, const InstantSample& b) {
    if (std::isnan(b.value)) {
      return !std::isnan(a.value);
    }
    return a.value > b.value;
  });
  return v;
}

Value Clamp(GeneralCall& c) {
  Vector v = Take(c, 0);
  const double min = std::get<Scalar>(c.args[1]).value;
  const double max = std::get<Scalar>(c.args[2]).value;
  if (max < min) {
    return Vector{};
  }
  for (InstantSample& s : v) {
    s.value = GoMax(min, GoMin(max, s.value));
    s.labels = DropMetricName(s.labels);
    s.sample_t = c.eval_t;
  }
  return v;
}

Value Absent(GeneralCall& c) {
  if (!std::get<Vector>(c.args[0]).empty()) {
    return Vector{};
  }
  return Vector{{AbsentLabels(*c.call.args[0]), 1, c.eval_t}};
}

Value AbsentOverTime(GeneralCall& c) {
  if (!std::get<Matrix>(c.args[0]).empty()) {
    return Vector{};
  }
  return Vector{{AbsentLabels(*c.call.args[0]), 1, c.eval_t}};
}

Value HistogramQuantile(GeneralCall& c) {
  const double q = std::get<Scalar>(c.args[0]).value;
  const Vector& in = std::get<Vector>(c.args[1]);
  struct Group {
    LabelsPtr labels;
    std::vector<Bucket> buckets;
  };
  // Groups are the label sets without `le` (__name__ included), interned by
  // the query's LabelCache: a pointer identifies a group, and the output
  // label sets are the same objects at every step.
  std::unordered_map<const Labels*, std::size_t> index;
  std::vector<Group> groups;
  for (const InstantSample& s : in) {
    const std::string_view le = Get(*s.labels, "le");
    double upper = 0;
    if (!ParseGoFloat(le, upper)) {
      continue;  // No or malformed `le`: skipped, as Prometheus does.
    }
    const LabelsPtr& group = c.labels.BucketGroup(s.labels);
    auto [it, inserted] = index.try_emplace(group.get(), groups.size());
    if (inserted) {
      groups.push_back({c.labels.DropName(group), {}});
    }
    groups[it->second].buckets.push_back({upper, s.value});
  }
  Vector out;
  out.reserve(groups.size());
  for (Group& g : groups) {
    out.push_back({g.labels, BucketQuantile(q, g.buckets), c.eval_t});
  }
  return out;
}

Value LabelReplace(GeneralCall& c) {
  Vector v = Take(c, 0);
  const std::string& dst = std::get<String>(c.args[1]).value;
  const std::string& repl = std::get<String>(c.args[2]).value;
  const std::string& src = std::get<String>(c.args[3]).value;
  const std::string& pattern = std::get<String>(c.args[4]).value;
  std::regex re;
  try {
    if (!Matcher::Create(MatchType::kRegexMatch, "dst", pattern).ok()) {
      throw std::regex_error(std::regex_constants::error_badrepeat);  // RE2 would reject it.
    }
    re = std::regex("^(?:" + pattern + ")$", std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    throw EvalFailure{QueryErrorType::kExecution,
                      "invalid regular expression in label_replace(): " + pattern};
  }
  if (!IsValidLabelName(dst)) {
    throw EvalFailure{QueryErrorType::kExecution,
                      "invalid destination label name in label_replace(): " + dst};
  }
  for (InstantSample& s : v) {
    const std::string value(Get(*s.labels, src));
    std::smatch m;
    if (!std::regex_match(value, m, re)) {
      continue;
    }
    s.labels = WithLabel(*s.labels, dst, Expand(repl, m));
  }
  return v;
}

Value LabelJoin(GeneralCall& c) {
  Vector v = Take(c, 0);
  const std::string& dst = std::get<String>(c.args[1]).value;
  const std::string& sep = std::get<String>(c.args[2]).value;
  std::vector<std::string> srcs;
  for (std::size_t i = 3; i < c.args.size(); ++i) {
    const std::string& src = std::get<String>(c.args[i]).value;
    if (!IsValidLabelName(src)) {
      throw EvalFailure{QueryErrorType::kExecution,
                        "invalid source label name in label_join(): " + src};
    }
    srcs.push_back(src);
  }
  if (!IsValidLabelName(dst)) {
    throw EvalFailure{QueryErrorType::kExecution,
                      "invalid destination label name in label_join(): " + dst};
  }
  for (InstantSample& s : v) {
    std::string joined;
    for (std::size_t i = 0; i < srcs.size(); ++i) {
      if (i > 0) {
        joined += sep;
      }
      joined += Get(*s.labels, srcs[i]);
    }
    s.labels = WithLabel(*s.labels, dst, joined);
  }
  return v;
}

}  // namespace obs::backend::query::internal
