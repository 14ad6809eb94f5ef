// The PromQL lexer; see lexer.h. The states mirror Prometheus 2.42's lexer
// (statements, inside braces, the duration right after `[`) because its
// error texts and positions are part of the API: an error is reported at
// the start of the token being scanned.

#include "query/lexer.h"

#include <array>
#include <utility>

#include "query/literals.h"

namespace obs::backend::query {

namespace {

constexpr char32_t kEofRune = 0xFFFFFFFF;

bool IsAlpha(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char32_t c) {
  return c >= '0' && c <= '9';
}
bool IsAlnum(char32_t c) {
  return IsAlpha(c) || IsDigit(c);
}
bool IsSpace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool In(std::string_view set, char32_t c) {
  return c < 0x80 && set.find(static_cast<char>(c)) != std::string_view::npos;
}

// The keyword a word lexes as outside braces (case-insensitive), or
// kIdentifier. `inf` and `nan` are numbers.
Tok KeywordKind(std::string_view word) {
  static constexpr std::pair<std::string_view, Tok> kKeys[] = {
      {"and", Tok::kAnd},
      {"or", Tok::kOr},
      {"unless", Tok::kUnless},
      {"atan2", Tok::kAtan2},
      {"sum", Tok::kAggregator},
      {"avg", Tok::kAggregator},
      {"count", Tok::kAggregator},
      {"min", Tok::kAggregator},
      {"max", Tok::kAggregator},
      {"group", Tok::kAggregator},
      {"stddev", Tok::kAggregator},
      {"stdvar", Tok::kAggregator},
      {"topk", Tok::kAggregator},
      {"bottomk", Tok::kAggregator},
      {"count_values", Tok::kAggregator},
      {"quantile", Tok::kAggregator},
      {"offset", Tok::kOffset},
      {"by", Tok::kBy},
      {"without", Tok::kWithout},
      {"on", Tok::kOn},
      {"ignoring", Tok::kIgnoring},
      {"group_left", Tok::kGroupLeft},
      {"group_right", Tok::kGroupRight},
      {"bool", Tok::kBool},
      {"start", Tok::kStart},
      {"end", Tok::kEnd},
      {"inf", Tok::kNumber},
      {"nan", Tok::kNumber},
  };
  const std::string lower = AsciiLower(word);
  for (const auto& [name, kind] : kKeys) {
    if (name == lower) {
      return kind;
    }
  }
  return Tok::kIdentifier;
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Token> Run() {
    while (out_.empty() || (out_.back().kind != Tok::kEof && out_.back().kind != Tok::kError)) {
      if (brace_open_) {
        InsideBraces();
      } else if (duration_next_) {
        duration_next_ = false;
        Duration();
      } else {
        Statement();
      }
    }
    return std::move(out_);
  }

 private:
  char32_t Next() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEofRune;
    }
    const DecodedRune d = DecodeRune(in_, pos_);
    width_ = d.width;
    pos_ += d.width;
    return d.rune;
  }
  void Backup() { pos_ -= width_; }
  char32_t Peek() {
    const char32_t r = Next();
    Backup();
    return r;
  }
  bool Accept(std::string_view valid) {
    if (In(valid, Next())) {
      return true;
    }
    Backup();
    return false;
  }
  void AcceptRun(std::string_view valid) {
    while (In(valid, Next())) {
    }
    Backup();
  }

  void Emit(Tok kind) {
    out_.push_back(
        {kind, std::string(in_.substr(start_, pos_ - start_)), static_cast<int>(start_)});
    start_ = pos_;
  }
  void Error(std::string message) {
    out_.push_back({Tok::kError, std::move(message), static_cast<int>(start_)});
  }
  void Ignore() { start_ = pos_; }

  // A `#` comment runs to the end of the line and is dropped.
  bool SkipComment() {
    if (pos_ < in_.size() && in_[pos_] == '#') {
      while (pos_ < in_.size() && in_[pos_] != '\n' && in_[pos_] != '\r') {
        ++pos_;
      }
      Ignore();
      return true;
    }
    return false;
  }

  void SkipSpaces() {
    while (IsSpace(Peek())) {
      Next();
    }
    Ignore();
  }

  void Statement() {
    if (SkipComment()) {
      return;
    }
    const char32_t r = Next();
    if (r == kEofRune) {
      if (paren_depth_ != 0) {
        return Error("unclosed left parenthesis");
      }
      if (bracket_open_) {
        return Error("unclosed left bracket");
      }
      return Emit(Tok::kEof);
    }
    if (IsSpace(r)) {
      return SkipSpaces();
    }
    if (IsDigit(r) || (r == '.' && IsDigit(Peek()))) {
      Backup();
      return NumberOrDuration();
    }
    if (r == '"' || r == '\'' || r == '`') {
      return String(r);
    }
    if (IsAlpha(r) || r == ':') {
      if (!bracket_open_) {
        Backup();
        return KeywordOrIdentifier();
      }
      // Inside brackets any name character stands for the subquery colon.
      if (got_colon_) {
        return Error("unexpected colon " + GoQuoteRune(r));
      }
      got_colon_ = true;
      return Emit(Tok::kColon);
    }
    Punctuation(r);
  }

  void Punctuation(char32_t r) {
    static constexpr std::array<std::pair<char, Tok>, 7> kSingle = {{{',', Tok::kComma},
                                                                     {'*', Tok::kMul},
                                                                     {'/', Tok::kDiv},
                                                                     {'%', Tok::kMod},
                                                                     {'+', Tok::kAdd},
                                                                     {'-', Tok::kSub},
                                                                     {'^', Tok::kPow}}};
    for (const auto& [c, kind] : kSingle) {
      if (r == static_cast<char32_t>(c)) {
        return Emit(kind);
      }
    }
    switch (r) {
      case '=':
        if (Peek() == '=') {
          Next();
          return Emit(Tok::kEqlc);
        }
        if (Peek() == '~') {
          return Error("unexpected character after '=': " + GoQuoteRune(Peek()));
        }
        return Emit(Tok::kAssign);
      case '!': {
        const char32_t t = Next();
        if (t != '=') {
          return Error("unexpected character after '!': " + GoQuoteRune(t));
        }
        return Emit(Tok::kNeq);
      }
      case '<':
        return Emit(Accept("=") ? Tok::kLte : Tok::kLss);
      case '>':
        return Emit(Accept("=") ? Tok::kGte : Tok::kGtr);
      case '(':
        ++paren_depth_;
        return Emit(Tok::kLParen);
      case ')':
        // Prometheus emits the parenthesis, then fails at the next token.
        Emit(Tok::kRParen);
        if (--paren_depth_ < 0) {
          Error("unexpected right parenthesis " + GoQuoteRune(r));
        }
        return;
      case '{':
        brace_open_ = true;
        return Emit(Tok::kLBrace);
      case '[':
        if (bracket_open_) {
          return Error("unexpected left bracket " + GoQuoteRune(r));
        }
        got_colon_ = false;
        Emit(Tok::kLBracket);
        SkipSpaces();
        bracket_open_ = true;
        duration_next_ = true;
        return;
      case ']':
        if (!bracket_open_) {
          return Error("unexpected right bracket " + GoQuoteRune(r));
        }
        bracket_open_ = false;
        return Emit(Tok::kRBracket);
      case '@':
        return Emit(Tok::kAt);
      default:
        return Error("unexpected character: " + GoQuoteRune(r));
    }
  }

  void InsideBraces() {
    if (SkipComment()) {
      return;
    }
    const char32_t r = Next();
    if (r == kEofRune) {
      return Error("unexpected end of input inside braces");
    }
    if (IsSpace(r)) {
      return SkipSpaces();
    }
    if (IsAlpha(r)) {
      while (IsAlnum(Next())) {
      }
      Backup();
      return Emit(Tok::kIdentifier);
    }
    switch (r) {
      case ',':
        return Emit(Tok::kComma);
      case '"':
      case '\'':
      case '`':
        return String(r);
      case '=':
        return Emit(Accept("~") ? Tok::kEqlRegex : Tok::kAssign);
      case '!': {
        const char32_t nr = Next();
        if (nr == '~') {
          return Emit(Tok::kNeqRegex);
        }
        if (nr == '=') {
          return Emit(Tok::kNeq);
        }
        return Error("unexpected character after '!' inside braces: " + GoQuoteRune(nr));
      }
      case '{':
        return Error("unexpected left brace " + GoQuoteRune(r));
      case '}':
        brace_open_ = false;
        return Emit(Tok::kRBrace);
      default:
        return Error("unexpected character inside braces: " + GoQuoteRune(r));
    }
  }

  void String(char32_t quote) {
    while (true) {
      const char32_t r = Next();
      if (r == 0xFFFD) {
        return Error("invalid UTF-8 rune");
      }
      if (r == kEofRune) {
        return Error(quote == '`' ? "unterminated raw string" : "unterminated quoted string");
      }
      if (quote == '`') {
        if (r == '`') {
          return Emit(Tok::kString);
        }
        continue;
      }
      if (r == '\n') {
        return Error("unterminated quoted string");
      }
      if (r == quote) {
        return Emit(Tok::kString);
      }
      if (r == '\\' && !Escape(quote)) {
        return;
      }
    }
  }

  // Validates one escape sequence (the backslash already read) the way Go's
  // scanner does; false after reporting an error.
  bool Escape(char32_t quote) {
    char32_t ch = Next();
    int n = 0;
    std::uint32_t base = 0;
    std::uint32_t max = 0;
    if (In("abfnrtv\\", ch) || ch == quote) {
      return true;
    }
    if (ch >= '0' && ch <= '7') {
      n = 3, base = 8, max = 255;
    } else if (ch == 'x') {
      ch = Next(), n = 2, base = 16, max = 255;
    } else if (ch == 'u') {
      ch = Next(), n = 4, base = 16, max = 0x10FFFF;
    } else if (ch == 'U') {
      ch = Next(), n = 8, base = 16, max = 0x10FFFF;
    } else if (ch == kEofRune) {
      Error("escape sequence not terminated");
      return false;
    } else {
      Error("unknown escape sequence " + GoRuneName(ch));
      return false;
    }
    std::uint32_t x = 0;
    while (n > 0) {
      std::uint32_t d = 16;
      if (ch >= '0' && ch <= '9') {
        d = ch - '0';
      } else if (ch >= 'a' && ch <= 'f') {
        d = ch - 'a' + 10;
      } else if (ch >= 'A' && ch <= 'F') {
        d = ch - 'A' + 10;
      }
      if (d >= base) {
        Error(ch == kEofRune ? "escape sequence not terminated"
                             : "illegal character " + GoRuneName(ch) + " in escape sequence");
        return false;
      }
      x = x * base + d;
      if (--n > 0) {
        ch = Next();
      }
    }
    if (x > max || (x >= 0xD800 && x < 0xE000)) {
      Error("escape sequence is an invalid Unicode code point");
      return false;
    }
    return true;
  }

  // Prometheus's scanNumber: digits (hex after 0x), an optional fraction and
  // exponent, and no letter right after.
  bool ScanNumber() {
    std::string_view digits = "0123456789";
    if (Accept("0") && Accept("xX")) {
      digits = "0123456789abcdefABCDEF";
    }
    AcceptRun(digits);
    if (Accept(".")) {
      AcceptRun(digits);
    }
    if (Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789");
    }
    return !IsAlnum(Peek());
  }

  // Units after the leading number: `5m`, `1h30m`, `100ms`; the duration
  // parser rejects bad orders later.
  bool AcceptRemainingDuration() {
    if (!Accept("smhdwy")) {
      return false;
    }
    Accept("s");
    while (Accept("0123456789")) {
      AcceptRun("0123456789");
      if (!Accept("smhdw")) {
        return false;
      }
      Accept("s");
    }
    return !IsAlnum(Next());
  }

  void NumberOrDuration() {
    if (ScanNumber()) {
      return Emit(Tok::kNumber);
    }
    if (AcceptRemainingDuration()) {
      Backup();
      return Emit(Tok::kDuration);
    }
    Error("bad number or duration syntax: " + GoQuote(in_.substr(start_, pos_ - start_)));
  }

  // Right after `[`: a duration, nothing else.
  void Duration() {
    if (ScanNumber()) {
      return Error("missing unit character in duration");
    }
    if (!AcceptRemainingDuration()) {
      return Error("bad duration syntax: " + GoQuote(in_.substr(start_, pos_ - start_)));
    }
    Backup();
    Emit(Tok::kDuration);
  }

  void KeywordOrIdentifier() {
    while (true) {
      const char32_t r = Next();
      if (!IsAlnum(r) && r != ':') {
        Backup();
        break;
      }
    }
    const std::string_view word = in_.substr(start_, pos_ - start_);
    const Tok kind = KeywordKind(word);
    if (kind != Tok::kIdentifier) {
      return Emit(kind);
    }
    Emit(word.find(':') == std::string_view::npos ? Tok::kIdentifier : Tok::kMetricIdentifier);
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;
  std::size_t width_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool duration_next_ = false;
  std::vector<Token> out_;
};

// Go's `%.10q...` for long token values: at most 10 runes, quoted.
std::string QuoteValue(const std::string& v) {
  if (v.size() <= 10) {
    return GoQuote(v);
  }
  std::size_t end = 0;
  for (int runes = 0; runes < 10 && end < v.size(); ++runes) {
    end += DecodeRune(v, end).width;
  }
  return GoQuote(std::string_view(v).substr(0, end)) + "...";
}

bool IsOperator(Tok k) {
  switch (k) {
    case Tok::kEqlRegex:
    case Tok::kNeqRegex:
    case Tok::kNeq:
    case Tok::kEqlc:
    case Tok::kLss:
    case Tok::kGtr:
    case Tok::kLte:
    case Tok::kGte:
    case Tok::kAdd:
    case Tok::kSub:
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
    case Tok::kPow:
    case Tok::kAnd:
    case Tok::kOr:
    case Tok::kUnless:
    case Tok::kAtan2:
      return true;
    default:
      return false;
  }
}

bool IsKeyword(Tok k) {
  switch (k) {
    case Tok::kBy:
    case Tok::kWithout:
    case Tok::kOn:
    case Tok::kIgnoring:
    case Tok::kGroupLeft:
    case Tok::kGroupRight:
    case Tok::kBool:
    case Tok::kOffset:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::vector<Token> Lex(std::string_view query) {
  return Lexer(query).Run();
}

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case Tok::kEof:
      return "end of input";
    case Tok::kError:
      return token.text;
    case Tok::kIdentifier:
      return "identifier " + GoQuote(token.text);
    case Tok::kMetricIdentifier:
      return "metric identifier " + GoQuote(token.text);
    case Tok::kNumber:
      return "number " + QuoteValue(token.text);
    case Tok::kString:
      return "string " + QuoteValue(token.text);
    case Tok::kDuration:
      return "duration " + QuoteValue(token.text);
    case Tok::kAggregator:
      return "<aggr:" + token.text + ">";
    case Tok::kAt:
      // Prometheus 2.42 has no display name for `@` and prints its internal
      // token number; reproduced because clients see this text.
      return "\"<Item 57385>\" <op:@>";
    default:
      break;
  }
  if (IsOperator(token.kind)) {
    return "<op:" + token.text + ">";
  }
  if (IsKeyword(token.kind)) {
    return "<" + token.text + ">";
  }
  return QuoteValue(token.text);
}

}  // namespace obs::backend::query
