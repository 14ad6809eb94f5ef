#include "alert/template.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <regex>

#include "alert/template_internal.h"

namespace obs::backend::alert {
namespace {

using namespace template_internal;  // NOLINT(google-build-using-namespace): one engine, two files.

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
    } else if (const auto* d = std::get_if<std::shared_ptr<const DictBox>>(&v.v)) {
      for (const auto& [k, x] : (*d)->entries) {
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
        return CallFunction(o.text, {}, data_);
    }
    for (const std::string& f : o.fields) {
      v = FieldOf(v, f);
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
    return CallFunction(head.text, args, data_);
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
    auto dot = std::make_shared<DictBox>();
    dot->entries["Labels"] = Value{data.labels};
    dot->entries["Value"] = Num(data.value);
    dot->entries["ExternalLabels"] = Value{data.external_labels};
    dot->entries["ExternalURL"] = Str(data.external_url);
    Executor ex(data, defines);
    ex.Declare("labels", Value{data.labels});
    ex.Declare("externalLabels", Value{data.external_labels});
    ex.Declare("externalURL", Str(data.external_url));
    ex.Declare("value", Num(data.value));
    std::string out;
    ex.Run(nodes, Value{std::shared_ptr<const DictBox>(dot)}, out);
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
