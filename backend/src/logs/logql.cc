#include "logs/logql.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "obs/wire/json_parse.h"

#include "api/params.h"
#include <nlohmann/json.hpp>

namespace obs::backend::logs {
namespace {

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(char c) {
  return IsIdentStart(c) || (c >= '0' && c <= '9');
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Result<LogQuery> Parse() {
    LogQuery q;
    SkipSpace();
    if (Peek() == '{') {
      OBS_RETURN_IF_ERROR(ParseLog(q.selector));
    } else {
      OBS_RETURN_IF_ERROR(ParseMetric(q));
    }
    SkipSpace();
    if (pos_ != s_.size()) {
      return Error("unexpected trailing input");
    }
    return q;
  }

 private:
  Status Error(std::string_view what) const {
    return InvalidArgumentError("parse error at position " + std::to_string(pos_ + 1) + ": " +
                                std::string(what));
  }
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool Consume(std::string_view token) {
    SkipSpace();
    if (s_.substr(pos_, token.size()) == token) {
      pos_ += token.size();
      return true;
    }
    return false;
  }
  std::string Ident() {
    SkipSpace();
    const std::size_t start = pos_;
    if (pos_ < s_.size() && IsIdentStart(s_[pos_])) {
      while (pos_ < s_.size() && IsIdentChar(s_[pos_])) {
        ++pos_;
      }
    }
    return std::string(s_.substr(start, pos_ - start));
  }
  Result<std::string> String() {
    SkipSpace();
    if (Peek() == '`') {
      const std::size_t end = s_.find('`', pos_ + 1);
      if (end == std::string_view::npos) {
        return Error("unterminated raw string");
      }
      std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return out;
    }
    if (Peek() != '"') {
      return Error("expected a string");
    }
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c == '\\' && pos_ < s_.size()) {
        const char e = s_[pos_++];
        switch (e) {
          case 'n':
            c = '\n';
            break;
          case 't':
            c = '\t';
            break;
          case 'r':
            c = '\r';
            break;
          default:
            c = e;  // \\ \" and anything else literally.
            break;
        }
      }
      out += c;
    }
    if (pos_ >= s_.size()) {
      return Error("unterminated string");
    }
    ++pos_;
    return out;
  }

  Result<MatchType> MatchOp() {
    SkipSpace();
    if (Consume("=~"))
      return MatchType::kRegexMatch;
    if (Consume("!~"))
      return MatchType::kRegexNoMatch;
    if (Consume("!="))
      return MatchType::kNotEqual;
    if (Consume("="))
      return MatchType::kEqual;
    return Error("expected =, !=, =~ or !~");
  }

  Status ParseLog(LogSelector& sel) {
    if (!Consume("{")) {
      return Error("expected '{'");
    }
    SkipSpace();
    if (!Consume("}")) {
      while (true) {
        const std::string name = Ident();
        if (name.empty()) {
          return Error("expected a label name");
        }
        OBS_ASSIGN_OR_RETURN(const MatchType op, MatchOp());
        OBS_ASSIGN_OR_RETURN(std::string value, String());
        auto m = Matcher::Create(op, name, std::move(value));
        if (!m.ok()) {
          return Error(m.status().message());
        }
        sel.matchers.push_back(std::move(*m));
        if (Consume(",")) {
          continue;
        }
        if (Consume("}")) {
          break;
        }
        return Error("expected ',' or '}'");
      }
    }
    if (std::none_of(sel.matchers.begin(), sel.matchers.end(),
                     [](const Matcher& m) { return !m.Matches(""); })) {
      return Error("queries require at least one matcher that does not match the empty string");
    }
    while (true) {
      SkipSpace();
      Stage stage;
      LineFilter::Op op{};
      if (Consume("|=")) {
        op = LineFilter::Op::kContains;
      } else if (Consume("!=")) {
        op = LineFilter::Op::kNotContains;
      } else if (Consume("|~")) {
        op = LineFilter::Op::kRegex;
      } else if (Consume("!~")) {
        op = LineFilter::Op::kNotRegex;
      } else if (Consume("|")) {
        OBS_RETURN_IF_ERROR(ParsePipe(stage));
        sel.pipeline.push_back(std::move(stage));
        continue;
      } else {
        return Status::Ok();
      }
      stage.kind = Stage::Kind::kLineFilter;
      stage.line.op = op;
      OBS_ASSIGN_OR_RETURN(stage.line.text, String());
      if (op == LineFilter::Op::kRegex || op == LineFilter::Op::kNotRegex) {
        auto m = Matcher::Create(MatchType::kRegexMatch, "",
                                 "[\\s\\S]*(?:" + stage.line.text + ")[\\s\\S]*");
        if (!m.ok()) {
          return Error(m.status().message());
        }
        stage.line.regex = std::move(*m);
      }
      sel.pipeline.push_back(std::move(stage));
    }
  }

  Status ParsePipe(Stage& stage) {
    const std::size_t at = pos_;
    const std::string word = Ident();
    if (word == "json") {
      stage.kind = Stage::Kind::kJson;
      return Status::Ok();
    }
    if (word == "logfmt") {
      stage.kind = Stage::Kind::kLogfmt;
      return Status::Ok();
    }
    if (word.empty()) {
      pos_ = at;
      return Error("expected json, logfmt or a label filter after '|'");
    }
    stage.kind = Stage::Kind::kLabelFilter;
    LabelFilter& f = stage.label;
    f.name = word;
    SkipSpace();
    using Op = LabelFilter::Op;
    std::optional<Op> numeric;
    if (Consume(">=")) {
      numeric = Op::kGreaterEqual;
    } else if (Consume("<=")) {
      numeric = Op::kLessEqual;
    } else if (Consume(">")) {
      numeric = Op::kGreater;
    } else if (Consume("<")) {
      numeric = Op::kLess;
    } else if (Consume("==")) {
      numeric = Op::kNumEqual;
    }
    if (!numeric) {
      OBS_ASSIGN_OR_RETURN(const MatchType op, MatchOp());
      SkipSpace();
      if (Peek() == '"' || Peek() == '`') {
        OBS_ASSIGN_OR_RETURN(std::string value, String());
        auto m = Matcher::Create(op, word, std::move(value));
        if (!m.ok()) {
          return Error(m.status().message());
        }
        f.matcher = std::move(*m);
        return Status::Ok();
      }
      if (op != MatchType::kEqual && op != MatchType::kNotEqual) {
        return Error("a regex label filter needs a string");
      }
      numeric = op == MatchType::kEqual ? Op::kNumEqual : Op::kNumNotEqual;
    }
    f.op = *numeric;
    SkipSpace();
    const char* begin = s_.data() + pos_;
    const auto r = std::from_chars(begin, s_.data() + s_.size(), f.number);
    if (r.ec != std::errc()) {
      return Error("expected a number");
    }
    pos_ += static_cast<std::size_t>(r.ptr - begin);
    return Status::Ok();
  }

  Status ParseMetric(LogQuery& q) {
    MetricQuery m;
    const std::size_t at = pos_;
    std::string fn = Ident();
    static constexpr std::pair<std::string_view, MetricQuery::Aggregation::Op> kAggs[] = {
        {"sum", MetricQuery::Aggregation::Op::kSum},
        {"count", MetricQuery::Aggregation::Op::kCount},
        {"min", MetricQuery::Aggregation::Op::kMin},
        {"max", MetricQuery::Aggregation::Op::kMax},
        {"avg", MetricQuery::Aggregation::Op::kAvg}};
    for (const auto& [name, op] : kAggs) {
      if (fn != name) {
        continue;
      }
      MetricQuery::Aggregation agg;
      agg.op = op;
      auto grouping = [&]() -> Status {
        const std::size_t save = pos_;
        const std::string word = Ident();
        if (word != "by" && word != "without") {
          pos_ = save;
          return Status::Ok();
        }
        agg.without = word == "without";
        if (!Consume("(")) {
          return Error("expected '(' after " + word);
        }
        while (!Consume(")")) {
          const std::string label = Ident();
          if (label.empty()) {
            return Error("expected a label name");
          }
          agg.grouping.push_back(label);
          if (!Consume(",") && !(SkipSpace(), Peek() == ')')) {
            return Error("expected ',' or ')'");
          }
        }
        return Status::Ok();
      };
      OBS_RETURN_IF_ERROR(grouping());
      if (!Consume("(")) {
        return Error("expected '(' after " + fn);
      }
      m.aggregation = agg;
      fn = Ident();
      OBS_RETURN_IF_ERROR(ParseRange(fn, m, q));
      if (!Consume(")")) {
        return Error("expected ')'");
      }
      if (agg.grouping.empty()) {
        OBS_RETURN_IF_ERROR(grouping());
        m.aggregation = agg;
      }
      q.metric = m;
      return Status::Ok();
    }
    if (fn.empty()) {
      pos_ = at;
      return Error("expected '{' or a metric function");
    }
    OBS_RETURN_IF_ERROR(ParseRange(fn, m, q));
    q.metric = m;
    return Status::Ok();
  }

  Status ParseRange(const std::string& fn, MetricQuery& m, LogQuery& q) {
    if (fn == "count_over_time") {
      m.fn = MetricQuery::Fn::kCountOverTime;
    } else if (fn == "rate") {
      m.fn = MetricQuery::Fn::kRate;
    } else if (fn == "bytes_over_time") {
      m.fn = MetricQuery::Fn::kBytesOverTime;
    } else if (fn == "bytes_rate") {
      m.fn = MetricQuery::Fn::kBytesRate;
    } else {
      return Error("unknown function \"" + fn +
                   "\" (known: count_over_time, rate, bytes_over_time, bytes_rate, and sum, "
                   "count, min, max, avg around them)");
    }
    if (!Consume("(")) {
      return Error("expected '(' after " + fn);
    }
    OBS_RETURN_IF_ERROR(ParseLog(q.selector));
    if (!Consume("[")) {
      return Error("expected a range such as [5m]");
    }
    const std::size_t end = s_.find(']', pos_);
    if (end == std::string_view::npos) {
      return Error("unterminated range");
    }
    auto ms = ParsePromDurationMs(s_.substr(pos_, end - pos_));
    if (!ms.ok() || *ms <= 0) {
      return Error("invalid range \"" + std::string(s_.substr(pos_, end - pos_)) + "\"");
    }
    m.range_ns = *ms * 1000000;
    pos_ = end + 1;
    if (!Consume(")")) {
      return Error("expected ')'");
    }
    return Status::Ok();
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

std::string SanitizeLabel(std::string_view key) {
  std::string out(key);
  for (char& c : out) {
    if (!IsIdentChar(c)) {
      c = '_';
    }
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) {
    out.insert(0, "_");
  }
  return out;
}

using Labels = std::map<std::string, std::string>;

void AddExtracted(Labels& labels, const Labels& stream, std::string key, std::string value) {
  key = SanitizeLabel(key);
  if (stream.count(key) != 0) {
    key += "_extracted";
  }
  labels[key] = std::move(value);
}

void FlattenJson(const nlohmann::json& j, const std::string& prefix, Labels& labels,
                 const Labels& stream, int depth) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string key = prefix.empty() ? it.key() : prefix + "_" + it.key();
    const nlohmann::json& v = it.value();
    if (v.is_object() && depth < 16) {
      FlattenJson(v, key, labels, stream, depth + 1);
    } else if (v.is_string()) {
      AddExtracted(labels, stream, key, v.get<std::string>());
    } else if (v.is_number() || v.is_boolean()) {
      AddExtracted(labels, stream, key, v.dump());
    }
  }
}

bool ParseLogfmt(std::string_view line, Labels& labels, const Labels& stream) {
  std::size_t i = 0;
  bool any = false;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') {
      ++i;
    }
    const std::size_t k = i;
    while (i < line.size() && line[i] != '=' && line[i] != ' ') {
      ++i;
    }
    const std::string key(line.substr(k, i - k));
    std::string value;
    if (i < line.size() && line[i] == '=') {
      ++i;
      if (i < line.size() && line[i] == '"') {
        ++i;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) {
            ++i;
          }
          value += line[i++];
        }
        if (i >= line.size()) {
          return false;  // Unterminated quote.
        }
        ++i;
      } else {
        const std::size_t v = i;
        while (i < line.size() && line[i] != ' ') {
          ++i;
        }
        value = std::string(line.substr(v, i - v));
      }
    }
    if (!key.empty()) {
      AddExtracted(labels, stream, key, std::move(value));
      any = true;
    }
  }
  return any || line.empty();
}

bool Compare(double a, LabelFilter::Op op, double b) {
  switch (op) {
    case LabelFilter::Op::kGreater:
      return a > b;
    case LabelFilter::Op::kGreaterEqual:
      return a >= b;
    case LabelFilter::Op::kLess:
      return a < b;
    case LabelFilter::Op::kLessEqual:
      return a <= b;
    case LabelFilter::Op::kNumEqual:
      return a == b;
    case LabelFilter::Op::kNumNotEqual:
      return a != b;
    case LabelFilter::Op::kMatch:
      break;
  }
  return false;
}

// Runs the pipeline on one entry; false if it is filtered out.
bool RunPipeline(const std::vector<Stage>& pipeline, const Labels& stream, const LogEntry& e,
                 Labels& labels) {
  labels = stream;
  for (const Stage& st : pipeline) {
    switch (st.kind) {
      case Stage::Kind::kLineFilter: {
        const LineFilter& f = st.line;
        bool keep = true;
        switch (f.op) {
          case LineFilter::Op::kContains:
            keep = e.line.find(f.text) != std::string::npos;
            break;
          case LineFilter::Op::kNotContains:
            keep = e.line.find(f.text) == std::string::npos;
            break;
          case LineFilter::Op::kRegex:
            keep = f.regex.Matches(e.line);
            break;
          case LineFilter::Op::kNotRegex:
            keep = !f.regex.Matches(e.line);
            break;
        }
        if (!keep) {
          return false;
        }
        break;
      }
      case Stage::Kind::kJson: {
        std::optional<nlohmann::json> j = wire::ParseJson(e.line);
        if (!j || !j->is_object()) {
          labels["__error__"] = "JSONParserErr";
        } else {
          FlattenJson(*j, "", labels, stream, 0);
        }
        break;
      }
      case Stage::Kind::kLogfmt:
        if (!ParseLogfmt(e.line, labels, stream)) {
          labels["__error__"] = "LogfmtParserErr";
        }
        break;
      case Stage::Kind::kLabelFilter: {
        const LabelFilter& f = st.label;
        auto it = labels.find(f.name);
        const std::string value = it == labels.end() ? std::string() : it->second;
        if (f.op == LabelFilter::Op::kMatch) {
          if (!f.matcher.Matches(value)) {
            return false;
          }
        } else {
          double v = 0;
          const auto r = std::from_chars(value.data(), value.data() + value.size(), v);
          if (value.empty() || r.ec != std::errc() || !Compare(v, f.op, f.number)) {
            return false;
          }
        }
        break;
      }
    }
  }
  return true;
}

LabelSet ToSet(const Labels& m) {
  return {m.begin(), m.end()};
}

std::vector<StreamSlice> SelectStreams(const LogStore& store, const LogSelector& sel,
                                       std::int64_t start, std::int64_t end) {
  return store.Select(
      [&](const LabelSet& labels) {
        for (const Matcher& m : sel.matchers) {
          std::string_view v;
          for (const auto& [name, value] : labels) {
            if (name == m.name) {
              v = value;
            }
          }
          if (!m.Matches(v)) {
            return false;
          }
        }
        return true;
      },
      start, end);
}

}  // namespace

Result<LogQuery> ParseLogQL(std::string_view text) {
  return Parser(text).Parse();
}

std::vector<StreamResult> EvalLogQuery(const LogStore& store, const LogQuery& query,
                                       std::int64_t start_ns, std::int64_t end_ns,
                                       std::size_t limit, bool backward) {
  struct Hit {
    std::int64_t ts;
    std::size_t order;
    LabelSet labels;
    const LogEntry* entry;
  };
  const std::vector<StreamSlice> slices = SelectStreams(store, query.selector, start_ns, end_ns);
  std::vector<Hit> hits;
  std::size_t order = 0;
  Labels labels;
  for (const StreamSlice& slice : slices) {
    const Labels stream(slice.labels.begin(), slice.labels.end());
    for (const LogEntry& e : slice.entries) {
      if (RunPipeline(query.selector.pipeline, stream, e, labels)) {
        hits.push_back({e.timestamp_ns, order++, ToSet(labels), &e});
      }
    }
  }
  // Newest (or oldest) `limit` entries overall; ties keep storage order.
  std::stable_sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    return backward ? a.ts > b.ts : a.ts < b.ts;
  });
  if (hits.size() > limit) {
    hits.resize(limit);
  }
  std::map<LabelSet, std::vector<LogEntry>> grouped;
  for (const Hit& h : hits) {
    grouped[h.labels].push_back(*h.entry);
  }
  std::vector<StreamResult> out;
  for (auto& [ls, entries] : grouped) {
    out.push_back({ls, std::move(entries)});
  }
  return out;
}

std::vector<Series> EvalMetricQuery(const LogStore& store, const LogQuery& query,
                                    std::int64_t start_ns, std::int64_t end_ns,
                                    std::int64_t step_ns) {
  const MetricQuery& m = *query.metric;
  // Saturating bounds: hostile times must not overflow.
  const std::int64_t from = start_ns > INT64_MIN + m.range_ns ? start_ns - m.range_ns : INT64_MIN;
  const std::int64_t to = end_ns < INT64_MAX ? end_ns + 1 : INT64_MAX;
  const std::vector<StreamSlice> slices = SelectStreams(store, query.selector, from, to);
  // Matching entries per output label set: (ts, bytes), ascending.
  std::map<LabelSet, std::vector<std::pair<std::int64_t, double>>> matched;
  Labels labels;
  for (const StreamSlice& slice : slices) {
    const Labels stream(slice.labels.begin(), slice.labels.end());
    for (const LogEntry& e : slice.entries) {
      if (RunPipeline(query.selector.pipeline, stream, e, labels)) {
        labels.erase("__error__");
        matched[ToSet(labels)].emplace_back(e.timestamp_ns, static_cast<double>(e.line.size()));
      }
    }
  }
  const double range_s = static_cast<double>(m.range_ns) / 1e9;
  std::vector<Series> series;
  for (auto& [ls, points] : matched) {
    std::sort(points.begin(), points.end());
    Series s{ls, {}};
    std::size_t lo = 0;
    std::size_t hi = 0;
    double bytes = 0;
    for (std::int64_t t = start_ns; t <= end_ns;) {
      while (hi < points.size() && points[hi].first <= t) {
        bytes += points[hi++].second;
      }
      while (lo < hi && points[lo].first <= from + (t - start_ns)) {
        bytes -= points[lo++].second;
      }
      const double count = static_cast<double>(hi - lo);
      if (count != 0) {  // Loki omits empty windows.
        double v = count;
        switch (m.fn) {
          case MetricQuery::Fn::kCountOverTime:
            break;
          case MetricQuery::Fn::kRate:
            v = count / range_s;
            break;
          case MetricQuery::Fn::kBytesOverTime:
            v = bytes;
            break;
          case MetricQuery::Fn::kBytesRate:
            v = bytes / range_s;
            break;
        }
        s.points.emplace_back(t, v);
      }
      if (step_ns <= 0 || t > end_ns - step_ns) {
        break;  // The next step would pass `end` (or overflow).
      }
      t += step_ns;
    }
    if (!s.points.empty()) {
      series.push_back(std::move(s));
    }
  }
  if (!m.aggregation) {
    return series;
  }
  const MetricQuery::Aggregation& agg = *m.aggregation;
  struct Acc {
    double sum = 0, min = INFINITY, max = -INFINITY;
    double n = 0;
  };
  std::map<LabelSet, std::map<std::int64_t, Acc>> groups;
  for (const Series& s : series) {
    LabelSet key;
    for (const auto& [name, value] : s.labels) {
      const bool listed =
          std::find(agg.grouping.begin(), agg.grouping.end(), name) != agg.grouping.end();
      if (listed != agg.without) {
        key.emplace_back(name, value);
      }
    }
    for (const auto& [t, v] : s.points) {
      Acc& a = groups[key][t];
      a.sum += v;
      a.min = std::min(a.min, v);
      a.max = std::max(a.max, v);
      a.n += 1;
    }
  }
  std::vector<Series> out;
  for (const auto& [key, points] : groups) {
    Series s{key, {}};
    for (const auto& [t, a] : points) {
      double v = a.sum;
      switch (agg.op) {
        case MetricQuery::Aggregation::Op::kSum:
          break;
        case MetricQuery::Aggregation::Op::kCount:
          v = a.n;
          break;
        case MetricQuery::Aggregation::Op::kMin:
          v = a.min;
          break;
        case MetricQuery::Aggregation::Op::kMax:
          v = a.max;
          break;
        case MetricQuery::Aggregation::Op::kAvg:
          v = a.sum / a.n;
          break;
      }
      s.points.emplace_back(t, v);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace obs::backend::logs
