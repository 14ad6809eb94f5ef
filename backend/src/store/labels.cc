#include "store/labels.h"

#include <cctype>
#include <regex>

#include "obs/wire/series_text.h"

namespace obs::backend {

// A fully anchored regex. std::regex's ECMAScript grammar covers the RE2
// subset used in label matchers (classes, alternation, repetition, (?:...)).
// Literal patterns and `.*` skip the regex engine entirely.
class CompiledRegex {
 public:
  enum class Kind { kLiteral, kAny, kRegex };

  explicit CompiledRegex(const std::string& pattern) {
    if (pattern == ".*") {
      kind_ = Kind::kAny;
    } else if (pattern.find_first_of(R"(\^$.|?*+()[]{})") == std::string::npos) {
      kind_ = Kind::kLiteral;
      literal_ = pattern;
    } else {
      kind_ = Kind::kRegex;
      re_ = std::regex("^(?:" + pattern + ")$", std::regex::ECMAScript | std::regex::optimize);
    }
  }

  bool FullMatch(std::string_view v) const {
    switch (kind_) {
      case Kind::kAny:
        return v.find('\n') == std::string_view::npos;
      case Kind::kLiteral:
        return v == literal_;
      case Kind::kRegex:
        return std::regex_match(v.begin(), v.end(), re_);
    }
    return false;
  }

 private:
  Kind kind_ = Kind::kLiteral;
  std::string literal_;
  std::regex re_;
};

// RE2 (and Go's regexp, which Prometheus uses) rejects a repetition operator
// applied to another one (`a**`, `a+*`, `a{2}+`); std::regex accepts them and
// can then backtrack exponentially. Rejecting them keeps the dialects closer
// and closes that hole (found by the PromQL parser fuzzer).
Status CheckNestedRepetition(std::string_view p) {
  bool after_repeat = false;  // The previous token was a repetition operator.
  bool lazy_allowed = false;  // A single '?' may follow it (non-greedy).
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      ++i;
      after_repeat = false;
      continue;
    }
    if (c == '[') {
      // Skip the class: a ']' right after '[' or '[^' is literal.
      std::size_t j = i + 1;
      if (j < p.size() && p[j] == '^') {
        ++j;
      }
      if (j < p.size() && p[j] == ']') {
        ++j;
      }
      while (j < p.size() && p[j] != ']') {
        j += p[j] == '\\' ? std::size_t{2} : std::size_t{1};
      }
      i = j;
      after_repeat = false;
      continue;
    }
    const bool brace =
        c == '{' && i + 1 < p.size() && std::isdigit(static_cast<unsigned char>(p[i + 1]));
    if (c == '*' || c == '+' || c == '?' || brace) {
      std::size_t end = i;
      if (brace) {
        end = p.find('}', i);
        if (end == std::string_view::npos) {
          return Status::Ok();  // Not a repetition; std::regex reports it if invalid.
        }
      }
      if (after_repeat) {
        if (c == '?' && lazy_allowed) {
          lazy_allowed = false;
          continue;
        }
        return InvalidArgumentError("invalid nested repetition operator: `" +
                                    std::string(p.substr(i > 0 ? i - 1 : 0, end - i + 2)) + "`");
      }
      after_repeat = true;
      lazy_allowed = true;
      i = end;
      continue;
    }
    after_repeat = false;
  }
  return Status::Ok();
}

namespace {

bool IsNameChar(char c, bool first, bool allow_colon) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (alpha || (allow_colon && c == ':')) {
    return true;
  }
  return !first && c >= '0' && c <= '9';
}

bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, allow_colon)) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string LabelsToString(const Labels& labels) {
  wire::SeriesTextBuilder text;
  for (const LabelPair& l : labels)
    text.Add(l.name, l.value);
  return text.Finish();
}

std::string_view LabelValue(const Labels& labels, std::string_view name) {
  for (const LabelPair& l : labels) {
    if (l.name == name) {
      return l.value;
    }
  }
  return {};
}

int CompareLabels(const Labels& a, const Labels& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (const int c = a[i].name.compare(b[i].name); c != 0) {
      return c;
    }
    if (const int c = a[i].value.compare(b[i].value); c != 0) {
      return c;
    }
  }
  if (a.size() == b.size()) {
    return 0;
  }
  return a.size() < b.size() ? -1 : 1;
}

bool IsValidMetricName(std::string_view name) {
  return IsValidName(name, /*allow_colon=*/true);
}

bool IsValidLabelName(std::string_view name) {
  return IsValidName(name, /*allow_colon=*/false);
}

std::string_view MatchTypeString(MatchType type) {
  switch (type) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegexMatch:
      return "=~";
    case MatchType::kRegexNoMatch:
      return "!~";
  }
  return "?";
}

Result<Matcher> Matcher::Create(MatchType type, std::string name, std::string value) {
  Matcher m;
  m.type = type;
  m.name = std::move(name);
  m.value = std::move(value);
  if (type == MatchType::kRegexMatch || type == MatchType::kRegexNoMatch) {
    if (Status nested = CheckNestedRepetition(m.value); !nested.ok()) {
      return InvalidArgumentError("invalid regular expression \"" + m.value +
                                  "\": " + nested.message());
    }
    try {
      m.regex = std::make_shared<const CompiledRegex>(m.value);
    } catch (const std::regex_error& e) {
      return InvalidArgumentError("invalid regular expression \"" + m.value + "\": " + e.what());
    }
  }
  return m;
}

bool Matcher::Matches(std::string_view v) const {
  switch (type) {
    case MatchType::kEqual:
      return v == value;
    case MatchType::kNotEqual:
      return v != value;
    case MatchType::kRegexMatch:
      OBS_CHECK(regex != nullptr) << "regex matcher not built by Matcher::Create";
      return regex->FullMatch(v);
    case MatchType::kRegexNoMatch:
      OBS_CHECK(regex != nullptr) << "regex matcher not built by Matcher::Create";
      return !regex->FullMatch(v);
  }
  return false;
}

std::string Matcher::ToString() const {
  std::string out = name;
  out += MatchTypeString(type);
  out += '"';
  wire::AppendEscapedLabelValue(out, value);
  out += '"';
  return out;
}

}  // namespace obs::backend
