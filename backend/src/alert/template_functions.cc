#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <regex>

#include "obs/base/civil_time.h"

#include "alert/template_internal.h"
#include "http/url.h"
#include "query/format.h"
#include "query/literals.h"
#include "store/labels.h"

namespace obs::backend::alert::template_internal {

Value Str(std::string s) {
  return Value{std::move(s)};
}
Value Num(double d) {
  return Value{d};
}

bool Truth(const Value& x) {
  return std::visit(
      [](const auto& a) -> bool {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return false;
        } else if constexpr (std::is_same_v<T, bool>) {
          return a;
        } else if constexpr (std::is_same_v<T, double>) {
          return a != 0;
        } else if constexpr (std::is_same_v<T, std::shared_ptr<const DictBox>>) {
          return !a->entries.empty();
        } else if constexpr (std::is_same_v<T, TemplateSample>) {
          return true;
        } else {
          return !a.empty();
        }
      },
      x.v);
}

std::string Printed(const Value& x);

std::string PrintMap(const StrMap& m) {
  std::string out = "map[";
  bool first = true;
  for (const auto& [k, v] : m) {
    out += (first ? "" : " ") + k + ":" + v;
    first = false;
  }
  return out + "]";
}

// fmt's %v.
std::string Printed(const Value& x) {
  return std::visit(
      [](const auto& a) -> std::string {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "<no value>";
        } else if constexpr (std::is_same_v<T, bool>) {
          return a ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          return FormatGoShortest(a);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return a;
        } else if constexpr (std::is_same_v<T, StrMap>) {
          return PrintMap(a);
        } else if constexpr (std::is_same_v<T, TemplateSample>) {
          return "{" + PrintMap(a.labels) + " " + FormatGoShortest(a.value) + "}";
        } else if constexpr (std::is_same_v<T, Samples>) {
          std::string out = "[";
          for (std::size_t i = 0; i < a.size(); ++i) {
            out += (i ? " " : "") + Printed(Value{a[i]});
          }
          return out + "]";
        } else {
          std::string out = "map[";
          bool first = true;
          for (const auto& [k, v] : a->entries) {
            out += (first ? "" : " ") + k + ":" + Printed(v);
            first = false;
          }
          return out + "]";
        }
      },
      x.v);
}

double ToFloat(const Value& x) {
  if (const auto* d = std::get_if<double>(&x.v)) {
    return *d;
  }
  if (const auto* s = std::get_if<std::string>(&x.v)) {
    try {
      std::size_t used = 0;
      const double d = std::stod(*s, &used);
      if (used == s->size()) {
        return d;
      }
    } catch (const std::exception&) {
    }
    throw TemplateError{"strconv.ParseFloat: parsing \"" + *s + "\": invalid syntax"};
  }
  if (const auto* b = std::get_if<bool>(&x.v)) {
    return *b ? 1 : 0;
  }
  throw TemplateError{"can't convert " + Printed(x) + " to float"};
}

std::string ToString(const Value& x) {
  return Printed(x);
}

Value FieldOf(const Value& base, const std::string& field) {
  if (const auto* m = std::get_if<StrMap>(&base.v)) {
    const auto it = m->find(field);
    return Str(it == m->end() ? "" : it->second);  // missingkey=zero
  }
  if (const auto* d = std::get_if<std::shared_ptr<const DictBox>>(&base.v)) {
    const auto it = (*d)->entries.find(field);
    return it == (*d)->entries.end() ? Value{} : it->second;
  }
  if (const auto* s = std::get_if<TemplateSample>(&base.v)) {
    if (field == "Labels") {
      return Value{s->labels};
    }
    if (field == "Value") {
      return Num(s->value);
    }
  }
  if (std::holds_alternative<std::monostate>(base.v)) {
    return Value{};
  }
  throw TemplateError{"can't evaluate field " + field + " in " + Printed(base)};
}

bool IsFunction(const std::string& f) {
  static const char* const kNames[] = {"and",
                                       "or",
                                       "not",
                                       "eq",
                                       "ne",
                                       "lt",
                                       "le",
                                       "gt",
                                       "ge",
                                       "len",
                                       "index",
                                       "print",
                                       "printf",
                                       "println",
                                       "urlquery",
                                       "html",
                                       "humanize",
                                       "humanize1024",
                                       "humanizeDuration",
                                       "humanizePercentage",
                                       "humanizeTimestamp",
                                       "title",
                                       "toUpper",
                                       "toLower",
                                       "reReplaceAll",
                                       "match",
                                       "stripPort",
                                       "stripDomain",
                                       "parseDuration",
                                       "toTime",
                                       "query",
                                       "first",
                                       "label",
                                       "value",
                                       "strvalue",
                                       "sortByLabel",
                                       "args",
                                       "safeHtml",
                                       "externalURL",
                                       "graphLink",
                                       "tableLink",
                                       "pathPrefix"};
  return std::find(std::begin(kNames), std::end(kNames), f) != std::end(kNames);
}

namespace {

// ------------------------------------------------------------ functions

// Go's %.4g.
std::string G4(double v) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

std::string Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) {
    return G4(v);
  }
  std::string prefix;
  if (std::fabs(v) >= 1) {
    for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) {
        break;
      }
      prefix = p;
      v /= 1000;
    }
    return G4(v) + prefix;
  }
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) {
      break;
    }
    prefix = p;
    v *= 1000;
  }
  return G4(v) + prefix;
}

std::string Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) {
    return G4(v);
  }
  std::string prefix;
  for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(v) < 1024) {
      break;
    }
    prefix = p;
    v /= 1024;
  }
  return G4(v) + prefix;
}

std::string HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) {
    return G4(v);
  }
  if (v == 0) {
    return G4(v) + "s";
  }
  if (std::fabs(v) >= 1) {
    const std::string sign = v < 0 ? "-" : "";
    v = std::fabs(v);
    const auto d = static_cast<std::int64_t>(v);
    const std::int64_t sec = d % 60;
    const std::int64_t min = (d / 60) % 60;
    const std::int64_t hours = (d / 3600) % 24;
    const std::int64_t days = d / 86400;
    const auto n = [](std::int64_t x) {
      return std::to_string(x);
    };
    if (days != 0) {
      return sign + n(days) + "d " + n(hours) + "h " + n(min) + "m " + n(sec) + "s";
    }
    if (hours != 0) {
      return sign + n(hours) + "h " + n(min) + "m " + n(sec) + "s";
    }
    if (min != 0) {
      return sign + n(min) + "m " + n(sec) + "s";
    }
    return sign + G4(v) + "s";
  }
  std::string prefix;
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) {
      break;
    }
    prefix = p;
    v *= 1000;
  }
  return G4(v) + prefix + "s";
}

// Go's time.Time.String() in UTC: "2006-01-02 15:04:05.123 +0000 UTC".
std::string HumanizeTimestamp(double v) {
  if (std::isnan(v) || std::isinf(v)) {
    return G4(v);
  }
  // Prometheus goes through model.Time: nanoseconds truncated to milliseconds.
  const auto ms = static_cast<std::int64_t>(v * 1e9) / 1000000;
  const std::int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  const std::int64_t frac = ms - secs * 1000;
  const CivilTime c = CivilFromUnixSeconds(secs);
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02d %02d:%02d:%02d", static_cast<long long>(c.year),
                c.month, c.day, c.hour, c.minute, c.second);
  std::string out = buf;
  if (frac > 0) {
    std::snprintf(buf, sizeof(buf), ".%03lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') {
      f.pop_back();
    }
    out += f;
  }
  return out + " +0000 UTC";
}

std::string Title(std::string s) {
  bool start = true;
  for (char& c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '_' || c == '\'') {
      if (start) {
        c = static_cast<char>(std::toupper(u));
      }
      start = false;
    } else {
      start = true;
    }
  }
  return s;
}

std::regex Compile(const std::string& pattern) {
  if (const Status s = CheckNestedRepetition(pattern); !s.ok()) {
    throw TemplateError{"error parsing regexp: " + s.message()};
  }
  try {
    return std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw TemplateError{"error parsing regexp: " + std::string(e.what()) + ": `" + pattern + "`"};
  }
}

// Go's ${1}/${name} expansion becomes ECMAScript's $1.
std::string Replacement(const std::string& go) {
  std::string out;
  for (std::size_t i = 0; i < go.size(); ++i) {
    if (go[i] == '$' && i + 1 < go.size() && go[i + 1] == '{') {
      const std::size_t end = go.find('}', i);
      if (end != std::string::npos) {
        out += "$" + go.substr(i + 2, end - i - 2);
        i = end;
        continue;
      }
    }
    out.push_back(go[i]);
  }
  return out;
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// printf fields wider or more precise than this are refused; GoSprintf's
// buffer holds the widest field (a %e at this precision) with room to spare.
constexpr std::size_t kMaxPrintfField = 400;

#pragma GCC diagnostic push
// The C formats below are built from a parsed Go verb (flags, width,
// precision, then a fixed conversion), so the argument types always match.
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
// Go's fmt.Sprintf for the verbs templates use: %s %v %d %f %e %g %q %x %%
// with flags, width and precision.
std::string GoSprintf(const std::string& format, const std::vector<Value>& args) {
  std::string out;
  std::size_t arg = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.push_back(format[i]);
      continue;
    }
    std::size_t j = i + 1;
    while (j < format.size() &&
           std::string_view("+-# 0").find(format[j]) != std::string_view::npos) {
      ++j;
    }
    // Width, then an optional precision. Both are bounded so that a template
    // cannot make one field megabytes long (Go itself refuses above 1e6).
    const auto digits = [&](std::size_t& at) {
      std::size_t value = 0;
      while (at < format.size() && std::isdigit(static_cast<unsigned char>(format[at])) != 0) {
        value = std::min<std::size_t>(value * 10 + static_cast<std::size_t>(format[at] - '0'),
                                      kMaxPrintfField + 1);
        ++at;
      }
      return value;
    };
    const std::size_t width = digits(j);
    std::size_t precision = 0;
    const bool has_precision = j < format.size() && format[j] == '.';
    if (has_precision) {
      ++j;
      precision = digits(j);
    }
    if (j >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    const char verb = format[j];
    const std::string spec = format.substr(i, j - i);
    i = j;
    if (verb == '%') {
      out.push_back('%');
      continue;
    }
    if (width > kMaxPrintfField || precision > kMaxPrintfField) {
      out += width > kMaxPrintfField ? "%!(BADWIDTH)" : "%!(BADPREC)";
      if (arg < args.size()) {
        ++arg;  // The verb's argument is used up.
      }
      continue;
    }
    if (arg >= args.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const Value& a = args[arg++];
    const double* num = std::get_if<double>(&a.v);
    char buf[512];
    switch (verb) {
      case 'd':
        if (num != nullptr && std::trunc(*num) == *num && std::fabs(*num) < 9.2e18) {
          std::snprintf(buf, sizeof(buf), (spec + "lld").c_str(), static_cast<long long>(*num));
          out += buf;
        } else {
          out += "%!d(" + std::string(num ? "float64" : "string") + "=" + Printed(a) + ")";
        }
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        if (num != nullptr) {
          std::snprintf(buf, sizeof(buf), (spec + verb).c_str(), *num);
          out += buf;
        } else {
          out += std::string("%!") + verb + "(string=" + Printed(a) + ")";
        }
        break;
      case 'q':
        out += query::GoQuote(Printed(a));
        break;
      case 'x': {
        if (num != nullptr && std::trunc(*num) == *num) {
          std::snprintf(buf, sizeof(buf), (spec + "llx").c_str(), static_cast<long long>(*num));
          out += buf;
        } else {
          for (const char c : Printed(a)) {
            std::snprintf(buf, sizeof(buf), "%02x", static_cast<unsigned char>(c));
            out += buf;
          }
        }
        break;
      }
      case 's':
      case 'v': {
        if (verb == 's' && num != nullptr) {
          out += "%!s(float64=" + Printed(a) + ")";
          break;
        }
        // Padded by hand: the value may be longer than any fixed buffer.
        std::string text = Printed(a);
        if (has_precision && text.size() > precision) {
          text.resize(precision);
        }
        const std::string pad(width > text.size() ? width - text.size() : 0, ' ');
        const bool left = spec.find('-') != std::string::npos;
        out += left ? text + pad : pad + text;
        break;
      }
      default:
        out += std::string("%!") + verb + "(" + Printed(a) + ")";
    }
  }
  if (arg < args.size()) {
    out += "%!(EXTRA ";
    for (std::size_t k = arg; k < args.size(); ++k) {
      out += (k > arg ? ", " : "") + Printed(args[k]);
    }
    out += ")";
  }
  return out;
}

#pragma GCC diagnostic pop

int Compare(const Value& a, const Value& b) {
  if (std::holds_alternative<std::string>(a.v) && std::holds_alternative<std::string>(b.v)) {
    return std::get<std::string>(a.v).compare(std::get<std::string>(b.v));
  }
  if (std::holds_alternative<double>(a.v) && std::holds_alternative<double>(b.v)) {
    const double x = std::get<double>(a.v);
    const double y = std::get<double>(b.v);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (std::holds_alternative<bool>(a.v) && std::holds_alternative<bool>(b.v)) {
    return std::get<bool>(a.v) == std::get<bool>(b.v) ? 0 : 2;
  }
  throw TemplateError{"incompatible types for comparison"};
}

}  // namespace

void Arity(const std::string& f, const std::vector<Value>& a, std::size_t n) {
  if (a.size() != n) {
    throw TemplateError{"wrong number of args for " + f + ": want " + std::to_string(n) + " got " +
                        std::to_string(a.size())};
  }
}

Value CallFunction(const std::string& f, const std::vector<Value>& a, const TemplateData& data) {
  const auto s = [&](std::size_t i) {
    return ToString(a[i]);
  };
  if (f == "not") {
    Arity(f, a, 1);
    return Value{!Truth(a[0])};
  }
  if (f == "eq" || f == "ne") {
    if (a.size() < 2) {
      Arity(f, a, 2);
    }
    bool eq = false;
    for (std::size_t i = 1; i < a.size(); ++i) {
      eq = eq || Compare(a[0], a[i]) == 0;
    }
    return Value{f == "eq" ? eq : !eq};
  }
  if (f == "lt" || f == "le" || f == "gt" || f == "ge") {
    Arity(f, a, 2);
    const int c = Compare(a[0], a[1]);
    if (c == 2) {
      throw TemplateError{"invalid type for comparison"};
    }
    return Value{f == "lt" ? c < 0 : f == "le" ? c <= 0 : f == "gt" ? c > 0 : c >= 0};
  }
  if (f == "len") {
    Arity(f, a, 1);
    if (const auto* str = std::get_if<std::string>(&a[0].v)) {
      return Num(static_cast<double>(str->size()));
    }
    if (const auto* m = std::get_if<StrMap>(&a[0].v)) {
      return Num(static_cast<double>(m->size()));
    }
    if (const auto* l = std::get_if<Samples>(&a[0].v)) {
      return Num(static_cast<double>(l->size()));
    }
    throw TemplateError{"len of " + Printed(a[0])};
  }
  if (f == "index") {
    if (a.size() < 2) {
      Arity(f, a, 2);
    }
    Value v = a[0];
    for (std::size_t i = 1; i < a.size(); ++i) {
      if (const auto* l = std::get_if<Samples>(&v.v)) {
        const auto k = static_cast<std::size_t>(ToFloat(a[i]));
        if (k >= l->size()) {
          throw TemplateError{"index out of range: " + std::to_string(k)};
        }
        v = Value{(*l)[k]};
      } else {
        v = FieldOf(v, ToString(a[i]));
      }
    }
    return v;
  }
  if (f == "print" || f == "println") {
    std::string out;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const bool both_non_string = i > 0 && !std::holds_alternative<std::string>(a[i].v) &&
                                   !std::holds_alternative<std::string>(a[i - 1].v);
      out += (f == "println" && i > 0) || (f == "print" && both_non_string) ? " " : "";
      out += Printed(a[i]);
    }
    return Str(f == "println" ? out + "\n" : out);
  }
  if (f == "printf") {
    if (a.empty()) {
      Arity(f, a, 1);
    }
    return Str(GoSprintf(s(0), std::vector<Value>(a.begin() + 1, a.end())));
  }
  if (f == "urlquery") {
    std::string all;
    for (std::size_t i = 0; i < a.size(); ++i) {
      all += s(i);
    }
    return Str(http::QueryEscape(all));
  }
  if (f == "html") {
    Arity(f, a, 1);
    return Str(HtmlEscape(s(0)));
  }
  if (f == "safeHtml") {
    Arity(f, a, 1);
    return Str(s(0));
  }
  if (f == "humanize" || f == "humanize1024" || f == "humanizeDuration" ||
      f == "humanizePercentage" || f == "humanizeTimestamp" || f == "toTime") {
    Arity(f, a, 1);
    const double v = ToFloat(a[0]);
    if (f == "humanize")
      return Str(Humanize(v));
    if (f == "humanize1024")
      return Str(Humanize1024(v));
    if (f == "humanizeDuration")
      return Str(HumanizeDuration(v));
    if (f == "humanizePercentage")
      return Str(G4(v * 100) + "%");
    if (f == "toTime")
      return Str(HumanizeTimestamp(v));
    return Str(HumanizeTimestamp(v));
  }
  if (f == "title" || f == "toUpper" || f == "toLower") {
    Arity(f, a, 1);
    std::string t = s(0);
    if (f == "title")
      return Str(Title(t));
    for (char& c : t) {
      c = static_cast<char>(f == "toUpper" ? std::toupper(static_cast<unsigned char>(c))
                                           : std::tolower(static_cast<unsigned char>(c)));
    }
    return Str(t);
  }
  if (f == "reReplaceAll") {
    Arity(f, a, 3);
    return Str(std::regex_replace(s(2), Compile(s(0)), Replacement(s(1))));
  }
  if (f == "match") {
    Arity(f, a, 2);
    return Value{std::regex_search(s(1), Compile(s(0)))};
  }
  if (f == "stripPort") {
    Arity(f, a, 1);
    const std::string h = s(0);
    if (h.starts_with("[")) {
      const std::size_t end = h.find("]:");
      return Str(end == std::string::npos ? h : h.substr(1, end - 1));
    }
    const std::size_t colon = h.rfind(':');
    if (colon == std::string::npos || h.find(':') != colon) {
      return Str(h);
    }
    return Str(h.substr(0, colon));
  }
  if (f == "stripDomain") {
    Arity(f, a, 1);
    const std::string h = s(0);
    const std::size_t colon = h.rfind(':');
    const std::string host = colon == std::string::npos ? h : h.substr(0, colon);
    const std::string port = colon == std::string::npos ? "" : h.substr(colon);
    const std::size_t dot = host.find('.');
    return Str((dot == std::string::npos ? host : host.substr(0, dot)) + port);
  }
  if (f == "parseDuration") {
    Arity(f, a, 1);
    Result<std::int64_t> ms = query::ParseModelDuration(s(0));
    if (!ms.ok()) {
      throw TemplateError{ms.status().message()};
    }
    return Num(static_cast<double>(*ms) / 1000);
  }
  if (f == "query") {
    Arity(f, a, 1);
    if (!data.query) {
      throw TemplateError{"query is not available here"};
    }
    Result<Samples> r = data.query(s(0));
    if (!r.ok()) {
      throw TemplateError{r.status().message()};
    }
    return Value{std::move(*r)};
  }
  if (f == "first") {
    Arity(f, a, 1);
    const auto* l = std::get_if<Samples>(&a[0].v);
    if (l == nullptr || l->empty()) {
      throw TemplateError{"first() called on vector with no elements"};
    }
    return Value{(*l)[0]};
  }
  if (f == "label") {
    Arity(f, a, 2);
    const auto* smp = std::get_if<TemplateSample>(&a[1].v);
    if (smp == nullptr) {
      return Str("");
    }
    const auto it = smp->labels.find(s(0));
    return Str(it == smp->labels.end() ? "" : it->second);
  }
  if (f == "value" || f == "strvalue") {
    Arity(f, a, 1);
    const auto* smp = std::get_if<TemplateSample>(&a[0].v);
    if (f == "value") {
      return smp == nullptr ? Value{} : Num(smp->value);
    }
    if (smp == nullptr) {
      return Str("");
    }
    const auto it = smp->labels.find("__value__");
    return Str(it == smp->labels.end() ? "" : it->second);
  }
  if (f == "sortByLabel") {
    Arity(f, a, 2);
    const auto* l = std::get_if<Samples>(&a[1].v);
    if (l == nullptr) {
      throw TemplateError{"sortByLabel needs a query result"};
    }
    Samples sorted = *l;
    const std::string key = s(0);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [&](const TemplateSample& x, const TemplateSample& y) {
                       const auto xi = x.labels.find(key);
                       const auto yi = y.labels.find(key);
                       return (xi == x.labels.end() ? "" : xi->second) <
                              (yi == y.labels.end() ? "" : yi->second);
                     });
    return Value{std::move(sorted)};
  }
  if (f == "args") {
    auto d = std::make_shared<DictBox>();
    for (std::size_t i = 0; i < a.size(); ++i) {
      d->entries["arg" + std::to_string(i)] = a[i];
    }
    return Value{std::shared_ptr<const DictBox>(std::move(d))};
  }
  if (f == "externalURL") {
    return Str(data.external_url);
  }
  // graphLink, tableLink, pathPrefix: links into a UI the backend does not have.
  return Str("");
}

}  // namespace obs::backend::alert::template_internal
