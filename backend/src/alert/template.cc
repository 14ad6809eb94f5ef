#include "alert/template.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <memory>
#include <regex>
#include <variant>

#include "obs/base/civil_time.h"

#include "query/format.h"
#include "query/literals.h"
#include "store/labels.h"

namespace obs::backend::alert {
namespace {

// ---------------------------------------------------------------- values

struct Value;
using Dict = std::map<std::string, Value>;
using StrMap = std::map<std::string, std::string>;
using Samples = std::vector<TemplateSample>;

struct Value {
  std::variant<std::monostate, bool, double, std::string, StrMap, Samples, TemplateSample,
               std::shared_ptr<const Dict>>
      v;
};

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
        } else if constexpr (std::is_same_v<T, std::shared_ptr<const Dict>>) {
          return !a->empty();
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
          for (const auto& [k, v] : *a) {
            out += (first ? "" : " ") + k + ":" + Printed(v);
            first = false;
          }
          return out + "]";
        }
      },
      x.v);
}

struct TemplateError {
  std::string message;
};

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

// --------------------------------------------------------------- syntax

struct Pipeline;

struct Operand {
  enum class Kind { kDot, kField, kVar, kString, kNumber, kBool, kNil, kIdent, kPipe };
  Kind kind = Kind::kDot;
  std::string text;  // Var name, ident, string value.
  double number = 0;
  std::vector<std::string> fields;  // Field chain after the operand.
  std::shared_ptr<Pipeline> pipe;
};

struct Command {
  std::vector<Operand> args;
};

struct Pipeline {
  std::vector<std::string> decl;  // Declared/assigned variables.
  bool declare = true;            // := (true) or = (false).
  std::vector<Command> cmds;
};

struct Node {
  enum class Kind { kText, kAction, kIf, kRange, kWith, kTemplate };
  Kind kind = Kind::kText;
  std::string text;  // kText; kTemplate: the name.
  Pipeline pipe;
  std::vector<Node> body;
  std::vector<Node> else_body;
  int line = 1;
};

using Defines = std::map<std::string, std::vector<Node>>;

class Parser {
 public:
  Parser(std::string_view name, std::string_view text) : name_(name), text_(text) {}

  std::vector<Node> ParseAll(Defines& defines) {
    defines_ = &defines;
    std::string end;
    std::vector<Node> nodes = ParseList(end);
    if (!end.empty()) {
      Fail("unexpected {{" + end + "}}");
    }
    return nodes;
  }

 private:
  [[noreturn]] void Fail(const std::string& message) const {
    throw TemplateError{"template: " + std::string(name_) + ":" + std::to_string(line_) + ": " +
                        message};
  }

  // Parses nodes until {{end}}, {{else...}} or the end of the text; `stop`
  // gets the keyword that stopped it ("end", "else", "else if ..." kept in
  // else_action_) or "" at the end.
  std::vector<Node> ParseList(std::string& stop) {
    std::vector<Node> nodes;
    stop.clear();
    while (pos_ < text_.size()) {
      const auto chunk_begin = text_.begin() + static_cast<std::ptrdiff_t>(pos_);
      const std::size_t open = text_.find("{{", pos_);
      std::string_view chunk =
          text_.substr(pos_, open == std::string_view::npos ? text_.npos : open - pos_);
      pos_ += chunk.size();
      bool trim_left = false;
      if (open != std::string_view::npos && text_.substr(open + 2, 2) == "- ") {
        trim_left = true;
      }
      if (trim_right_) {
        while (!chunk.empty() && std::isspace(static_cast<unsigned char>(chunk.front()))) {
          chunk.remove_prefix(1);
        }
      }
      if (trim_left) {
        while (!chunk.empty() && std::isspace(static_cast<unsigned char>(chunk.back()))) {
          chunk.remove_suffix(1);
        }
      }
      trim_right_ = false;
      if (!chunk.empty()) {
        nodes.push_back(MakeNode(Node::Kind::kText, std::string(chunk)));
      }
      line_ += static_cast<int>(
          std::count(chunk_begin, text_.begin() + static_cast<std::ptrdiff_t>(pos_), '\n'));
      if (open == std::string_view::npos) {
        break;
      }
      // The action's body.
      std::size_t body_start = open + 2 + (trim_left ? 2 : 0);
      std::size_t close = FindClose(body_start);
      if (close == std::string_view::npos) {
        Fail("unclosed action");
      }
      std::string_view body = text_.substr(body_start, close - body_start);
      if (body.size() >= 2 && body.substr(body.size() - 2) == " -") {
        body.remove_suffix(2);
        trim_right_ = true;
      }
      line_ +=
          static_cast<int>(std::count(text_.begin() + static_cast<std::ptrdiff_t>(open),
                                      text_.begin() + static_cast<std::ptrdiff_t>(close), '\n'));
      pos_ = close + 2;
      toks_ = Lex(body);
      tpos_ = 0;
      if (toks_.empty()) {
        Fail("missing value for command");
      }
      if (toks_[0].kind == Tok::kComment) {
        continue;
      }
      const std::string kw = toks_[0].kind == Tok::kIdent ? toks_[0].text : "";
      if (kw == "end") {
        ++tpos_;
        if (tpos_ != toks_.size()) {
          Fail("unexpected \"" + toks_[tpos_].text + "\" in end");
        }
        stop = "end";
        return nodes;
      }
      if (kw == "else") {
        ++tpos_;
        stop = "else";
        return nodes;
      }
      if (kw == "if" || kw == "range" || kw == "with") {
        ++tpos_;
        nodes.push_back(ParseControl(kw));
      } else if (kw == "define") {
        ++tpos_;
        const std::string def = ExpectString();
        std::string end;
        std::vector<Node> body_nodes = ParseList(end);
        if (end != "end") {
          Fail("unexpected EOF in define");
        }
        (*defines_)[def] = std::move(body_nodes);
      } else if (kw == "template") {
        ++tpos_;
        Node n = MakeNode(Node::Kind::kTemplate, ExpectString());
        if (tpos_ < toks_.size()) {
          n.pipe = ParsePipeline(true);
        }
        nodes.push_back(std::move(n));
      } else {
        Node n = MakeNode(Node::Kind::kAction, "");
        n.pipe = ParsePipeline(true);
        nodes.push_back(std::move(n));
      }
      if (tpos_ != toks_.size()) {
        Fail("unexpected \"" + toks_[tpos_].text + "\" in command");
      }
    }
    return nodes;
  }

  Node ParseControl(const std::string& kw) {
    Node n = MakeNode(kw == "if"      ? Node::Kind::kIf
                      : kw == "range" ? Node::Kind::kRange
                                      : Node::Kind::kWith,
                      "");
    n.pipe = ParsePipeline(true);
    if (tpos_ != toks_.size()) {
      Fail("unexpected \"" + toks_[tpos_].text + "\" in " + kw);
    }
    std::string end;
    n.body = ParseList(end);
    if (end == "else") {
      if (tpos_ < toks_.size() && toks_[tpos_].kind == Tok::kIdent &&
          (toks_[tpos_].text == "if" || toks_[tpos_].text == "with") && kw != "range") {
        // {{else if ...}}: a nested control that shares our {{end}}.
        const std::string inner = toks_[tpos_].text;
        ++tpos_;
        n.else_body.push_back(ParseControl(inner));
        return n;
      }
      n.else_body = ParseList(end);
    }
    if (end != "end") {
      Fail("unexpected EOF");
    }
    return n;
  }

  Node MakeNode(Node::Kind kind, std::string text) const {
    Node n;
    n.kind = kind;
    n.text = std::move(text);
    n.line = line_;
    return n;
  }

  std::size_t FindClose(std::size_t from) const {
    bool in_str = false;
    char quote = 0;
    for (std::size_t i = from; i + 1 < text_.size(); ++i) {
      const char c = text_[i];
      if (in_str) {
        if (c == '\\' && quote == '"') {
          ++i;
        } else if (c == quote) {
          in_str = false;
        }
      } else if (c == '"' || c == '`') {
        in_str = true;
        quote = c;
      } else if (c == '}' && text_[i + 1] == '}') {
        return i;
      }
    }
    return std::string_view::npos;
  }

  struct Tok {
    enum Kind {
      kIdent,
      kField,
      kVar,
      kString,
      kNumber,
      kPipe,
      kOpen,
      kClose,
      kDeclare,
      kAssign,
      kComma,
      kDot,
      kComment
    };
    Kind kind;
    std::string text;
  };

  std::vector<Tok> Lex(std::string_view s) {
    std::vector<Tok> out;
    std::size_t i = 0;
    const auto ident_char = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    };
    while (i < s.size()) {
      const char c = s[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (s.substr(i, 2) == "/*") {
        if (s.find("*/", i) == std::string_view::npos) {
          Fail("unclosed comment");
        }
        out.push_back({Tok::kComment, ""});
        return out;
      } else if (c == '|') {
        out.push_back({Tok::kPipe, "|"}), ++i;
      } else if (c == '(') {
        out.push_back({Tok::kOpen, "("}), ++i;
      } else if (c == ')') {
        out.push_back({Tok::kClose, ")"}), ++i;
      } else if (c == ',') {
        out.push_back({Tok::kComma, ","}), ++i;
      } else if (s.substr(i, 2) == ":=") {
        out.push_back({Tok::kDeclare, ":="}), i += 2;
      } else if (c == '=') {
        out.push_back({Tok::kAssign, "="}), ++i;
      } else if (c == '"') {
        std::string v;
        ++i;
        while (i < s.size() && s[i] != '"') {
          if (s[i] == '\\' && i + 1 < s.size()) {
            ++i;
            const char e = s[i];
            v.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
          } else {
            v.push_back(s[i]);
          }
          ++i;
        }
        if (i >= s.size()) {
          Fail("unterminated quoted string");
        }
        ++i;
        out.push_back({Tok::kString, v});
      } else if (c == '`') {
        const std::size_t end = s.find('`', i + 1);
        if (end == std::string_view::npos) {
          Fail("unterminated raw quoted string");
        }
        out.push_back({Tok::kString, std::string(s.substr(i + 1, end - i - 1))});
        i = end + 1;
      } else if (c == '$' || c == '.') {
        std::size_t j = i + 1;
        while (j < s.size() && ident_char(s[j])) {
          ++j;
        }
        if (c == '.' && j == i + 1) {
          out.push_back({Tok::kDot, "."});
        } else {
          out.push_back(
              {c == '$' ? Tok::kVar : Tok::kField, std::string(s.substr(i + 1, j - i - 1))});
        }
        i = j;
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 ((c == '-' || c == '+') && i + 1 < s.size() &&
                  std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
        std::size_t j = i + 1;
        while (j < s.size() &&
               (ident_char(s[j]) || s[j] == '.' ||
                ((s[j] == '-' || s[j] == '+') && (s[j - 1] == 'e' || s[j - 1] == 'E')))) {
          ++j;
        }
        out.push_back({Tok::kNumber, std::string(s.substr(i, j - i))});
        i = j;
      } else if (ident_char(c)) {
        std::size_t j = i;
        while (j < s.size() && ident_char(s[j])) {
          ++j;
        }
        out.push_back({Tok::kIdent, std::string(s.substr(i, j - i))});
        i = j;
      } else {
        Fail(std::string("unexpected \"") + c + "\" in command");
      }
    }
    return out;
  }

  std::string ExpectString() {
    if (tpos_ >= toks_.size() || toks_[tpos_].kind != Tok::kString) {
      Fail("expected a quoted template name");
    }
    return toks_[tpos_++].text;
  }

  Pipeline ParsePipeline(bool allow_decl) {
    Pipeline p;
    // Declarations: $x := ..., $k, $v := ...
    if (allow_decl && tpos_ < toks_.size() && toks_[tpos_].kind == Tok::kVar) {
      std::size_t t = tpos_;
      std::vector<std::string> vars{toks_[t].text};
      ++t;
      if (t < toks_.size() && toks_[t].kind == Tok::kComma && t + 1 < toks_.size() &&
          toks_[t + 1].kind == Tok::kVar) {
        vars.push_back(toks_[t + 1].text);
        t += 2;
      }
      if (t < toks_.size() && (toks_[t].kind == Tok::kDeclare || toks_[t].kind == Tok::kAssign)) {
        p.declare = toks_[t].kind == Tok::kDeclare;
        p.decl = std::move(vars);
        tpos_ = t + 1;
      }
    }
    for (;;) {
      Command cmd;
      while (tpos_ < toks_.size() && toks_[tpos_].kind != Tok::kPipe &&
             toks_[tpos_].kind != Tok::kClose) {
        cmd.args.push_back(ParseOperand());
      }
      if (cmd.args.empty()) {
        Fail("missing value for command");
      }
      p.cmds.push_back(std::move(cmd));
      if (tpos_ < toks_.size() && toks_[tpos_].kind == Tok::kPipe) {
        ++tpos_;
        continue;
      }
      return p;
    }
  }

  Operand ParseOperand() {
    const Tok t = toks_[tpos_++];
    Operand o;
    switch (t.kind) {
      case Tok::kDot:
        o.kind = Operand::Kind::kDot;
        break;
      case Tok::kField:
        o.kind = Operand::Kind::kField;
        o.fields.push_back(t.text);
        break;
      case Tok::kVar:
        o.kind = Operand::Kind::kVar;
        o.text = t.text;
        break;
      case Tok::kString:
        o.kind = Operand::Kind::kString;
        o.text = t.text;
        break;
      case Tok::kNumber: {
        o.kind = Operand::Kind::kNumber;
        try {
          std::size_t used = 0;
          o.number = std::stod(t.text, &used);
          if (used != t.text.size()) {
            Fail("bad number syntax: \"" + t.text + "\"");
          }
        } catch (const std::exception&) {
          Fail("bad number syntax: \"" + t.text + "\"");
        }
        break;
      }
      case Tok::kIdent:
        if (t.text == "true" || t.text == "false") {
          o.kind = Operand::Kind::kBool;
          o.number = t.text == "true" ? 1 : 0;
        } else if (t.text == "nil") {
          o.kind = Operand::Kind::kNil;
        } else {
          if (!IsFunction(t.text)) {
            Fail("function \"" + t.text + "\" not defined");
          }
          o.kind = Operand::Kind::kIdent;
          o.text = t.text;
        }
        break;
      case Tok::kOpen: {
        o.kind = Operand::Kind::kPipe;
        o.pipe = std::make_shared<Pipeline>(ParsePipeline(false));
        if (tpos_ >= toks_.size() || toks_[tpos_].kind != Tok::kClose) {
          Fail("unclosed left paren");
        }
        ++tpos_;
        break;
      }
      default:
        Fail("unexpected \"" + t.text + "\" in operand");
    }
    // Field chains: $labels.job, (pipeline).Field
    while (tpos_ < toks_.size() && toks_[tpos_].kind == Tok::kField &&
           o.kind != Operand::Kind::kString && o.kind != Operand::Kind::kNumber &&
           o.kind != Operand::Kind::kIdent) {
      // Only adjacent fields chain; Lex drops spaces, so accept them all here.
      o.fields.push_back(toks_[tpos_++].text);
    }
    return o;
  }

 public:
  static bool IsFunction(const std::string& f) {
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

 private:
  std::string_view name_;
  std::string_view text_;
  std::size_t pos_ = 0;
  int line_ = 1;
  bool trim_right_ = false;
  std::vector<Tok> toks_;
  std::size_t tpos_ = 0;
  Defines* defines_ = nullptr;
};

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

std::string QueryEscape(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

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
    while (j < format.size() &&
           (std::isdigit(static_cast<unsigned char>(format[j])) != 0 || format[j] == '.')) {
      ++j;
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
        std::snprintf(buf, sizeof(buf), (spec + "s").c_str(), Printed(a).c_str());
        out += buf;
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

// ------------------------------------------------------------- executor

class Executor {
 public:
  Executor(const TemplateData& data, const Defines& defines) : data_(data), defines_(defines) {}

  void Run(const std::vector<Node>& nodes, const Value& dot, std::string& out, int depth = 0) {
    if (depth > 100) {
      throw TemplateError{"exceeded maximum template depth (100)"};
    }
    const std::size_t scope = vars_.size();
    for (const Node& n : nodes) {
      switch (n.kind) {
        case Node::Kind::kText:
          out += n.text;
          break;
        case Node::Kind::kAction: {
          const Value v = EvalPipeline(n.pipe, dot);
          if (n.pipe.decl.empty()) {
            out += Printed(v);
          }
          break;
        }
        case Node::Kind::kIf:
        case Node::Kind::kWith: {
          const std::size_t inner = vars_.size();
          const Value v = EvalPipeline(n.pipe, dot);
          if (Truth(v)) {
            Run(n.body, n.kind == Node::Kind::kWith ? v : dot, out, depth + 1);
          } else {
            Run(n.else_body, dot, out, depth + 1);
          }
          vars_.resize(inner);
          break;
        }
        case Node::Kind::kRange:
          RunRange(n, dot, out, depth);
          break;
        case Node::Kind::kTemplate: {
          const auto it = defines_.find(n.text);
          if (it == defines_.end()) {
            throw TemplateError{"no such template \"" + n.text + "\""};
          }
          const Value arg = n.pipe.cmds.empty() ? Value{} : EvalPipeline(n.pipe, dot);
          const std::size_t saved = vars_.size();
          const std::vector<std::pair<std::string, Value>> outer = vars_;
          vars_.resize(std::min<std::size_t>(vars_.size(), 4));  // Only the predefined ones.
          Run(it->second, arg, out, depth + 1);
          vars_ = outer;
          vars_.resize(saved);
          break;
        }
      }
    }
    vars_.resize(scope);
  }

  void Declare(const std::string& name, Value v) { vars_.emplace_back(name, std::move(v)); }

 private:
  void RunRange(const Node& n, const Value& dot, std::string& out, int depth) {
    Pipeline head = n.pipe;
    std::vector<std::string> names = head.decl;
    head.decl.clear();
    const Value v = EvalPipeline(head, dot);
    std::vector<std::pair<Value, Value>> items;
    if (const auto* m = std::get_if<StrMap>(&v.v)) {
      for (const auto& [k, x] : *m) {
        items.emplace_back(Str(k), Str(x));
      }
    } else if (const auto* l = std::get_if<Samples>(&v.v)) {
      for (std::size_t i = 0; i < l->size(); ++i) {
        items.emplace_back(Num(static_cast<double>(i)), Value{(*l)[i]});
      }
    } else if (const auto* d = std::get_if<std::shared_ptr<const Dict>>(&v.v)) {
      for (const auto& [k, x] : **d) {
        items.emplace_back(Str(k), x);
      }
    } else if (!std::holds_alternative<std::monostate>(v.v)) {
      throw TemplateError{"range can't iterate over " + Printed(v)};
    }
    if (items.empty()) {
      Run(n.else_body, dot, out, depth + 1);
      return;
    }
    for (const auto& [key, item] : items) {
      const std::size_t scope = vars_.size();
      if (names.size() == 1) {
        Declare(names[0], item);
      } else if (names.size() == 2) {
        Declare(names[0], key);
        Declare(names[1], item);
      }
      Run(n.body, item, out, depth + 1);
      vars_.resize(scope);
    }
  }

  Value Lookup(const std::string& name) const {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
      if (it->first == name) {
        return it->second;
      }
    }
    throw TemplateError{"undefined variable: $" + name};
  }

  static Value Field(const Value& base, const std::string& field) {
    if (const auto* m = std::get_if<StrMap>(&base.v)) {
      const auto it = m->find(field);
      return Str(it == m->end() ? "" : it->second);  // missingkey=zero
    }
    if (const auto* d = std::get_if<std::shared_ptr<const Dict>>(&base.v)) {
      const auto it = (*d)->find(field);
      return it == (*d)->end() ? Value{} : it->second;
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

  Value EvalPipeline(const Pipeline& p, const Value& dot) {
    Value v;
    bool have = false;
    for (const Command& c : p.cmds) {
      v = EvalCommand(c, dot, have ? &v : nullptr);
      have = true;
    }
    if (!p.decl.empty()) {
      if (p.declare) {
        Declare(p.decl[0], v);
      } else {
        for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
          if (it->first == p.decl[0]) {
            it->second = v;
            return v;
          }
        }
        throw TemplateError{"undefined variable: $" + p.decl[0]};
      }
    }
    return v;
  }

  Value EvalOperand(const Operand& o, const Value& dot) {
    Value v;
    switch (o.kind) {
      case Operand::Kind::kDot:
      case Operand::Kind::kField:
        v = dot;
        break;
      case Operand::Kind::kVar:
        v = Lookup(o.text);
        break;
      case Operand::Kind::kString:
        return Str(o.text);
      case Operand::Kind::kNumber:
        return Num(o.number);
      case Operand::Kind::kBool:
        return Value{o.number != 0};
      case Operand::Kind::kNil:
        return Value{};
      case Operand::Kind::kPipe:
        v = EvalPipeline(*o.pipe, dot);
        break;
      case Operand::Kind::kIdent:
        return Call(o.text, {});
    }
    for (const std::string& f : o.fields) {
      v = Field(v, f);
    }
    return v;
  }

  Value EvalCommand(const Command& c, const Value& dot, const Value* piped) {
    const Operand& head = c.args[0];
    if (head.kind != Operand::Kind::kIdent) {
      if (c.args.size() > 1 || piped != nullptr) {
        throw TemplateError{"can't give argument to non-function " +
                            Printed(EvalOperand(head, dot))};
      }
      return EvalOperand(head, dot);
    }
    // and/or short-circuit.
    if (head.text == "and" || head.text == "or") {
      Value last;
      for (std::size_t i = 1; i < c.args.size(); ++i) {
        last = EvalOperand(c.args[i], dot);
        if (Truth(last) != (head.text == "and")) {
          return last;
        }
      }
      if (piped != nullptr) {
        last = *piped;
      }
      return last;
    }
    std::vector<Value> args;
    for (std::size_t i = 1; i < c.args.size(); ++i) {
      args.push_back(EvalOperand(c.args[i], dot));
    }
    if (piped != nullptr) {
      args.push_back(*piped);
    }
    return Call(head.text, args);
  }

  static void Arity(const std::string& f, const std::vector<Value>& a, std::size_t n) {
    if (a.size() != n) {
      throw TemplateError{"wrong number of args for " + f + ": want " + std::to_string(n) +
                          " got " + std::to_string(a.size())};
    }
  }

  Value Call(const std::string& f, const std::vector<Value>& a) {
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
          v = Field(v, ToString(a[i]));
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
      return Str(QueryEscape(all));
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
      if (!data_.query) {
        throw TemplateError{"query is not available here"};
      }
      Result<Samples> r = data_.query(s(0));
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
      auto d = std::make_shared<Dict>();
      for (std::size_t i = 0; i < a.size(); ++i) {
        (*d)["arg" + std::to_string(i)] = a[i];
      }
      return Value{std::shared_ptr<const Dict>(std::move(d))};
    }
    if (f == "externalURL") {
      return Str(data_.external_url);
    }
    // graphLink, tableLink, pathPrefix: links into a UI the backend does not have.
    return Str("");
  }

  const TemplateData& data_;
  const Defines& defines_;
  std::vector<std::pair<std::string, Value>> vars_;
};

}  // namespace

Result<std::string> ExpandTemplate(std::string_view name, std::string_view text,
                                   const TemplateData& data) {
  if (text.find("{{") == std::string_view::npos) {
    return std::string(text);
  }
  try {
    Defines defines;
    Parser parser(name, text);
    const std::vector<Node> nodes = parser.ParseAll(defines);
    auto dot = std::make_shared<Dict>();
    (*dot)["Labels"] = Value{data.labels};
    (*dot)["Value"] = Num(data.value);
    (*dot)["ExternalLabels"] = Value{data.external_labels};
    (*dot)["ExternalURL"] = Str(data.external_url);
    Executor ex(data, defines);
    ex.Declare("labels", Value{data.labels});
    ex.Declare("externalLabels", Value{data.external_labels});
    ex.Declare("externalURL", Str(data.external_url));
    ex.Declare("value", Num(data.value));
    std::string out;
    ex.Run(nodes, Value{std::shared_ptr<const Dict>(dot)}, out);
    return out;
  } catch (const TemplateError& e) {
    std::string m = e.message;
    if (!m.starts_with("template: ")) {
      m = "template: " + std::string(name) + ": executing \"" + std::string(name) + "\": " + m;
    }
    return InvalidArgumentError(m);
  } catch (const std::regex_error& e) {
    return InvalidArgumentError("template: " + std::string(name) + ": regex: " + e.what());
  }
}

}  // namespace obs::backend::alert
