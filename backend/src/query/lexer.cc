#include "query/lexer.h"

#include <cctype>

namespace obs::backend::query {

namespace {

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsAlnum(char c) {
  return IsAlpha(c) || IsDigit(c);
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool IsDurationUnit(char c) {
  return c == 's' || c == 'm' || c == 'h' || c == 'd' || c == 'w' || c == 'y';
}

std::string QuoteRune(char c) {
  return std::string("'") + c + "'";
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Token> Run() {
    while (true) {
      Skip();
      if (pos_ >= in_.size()) {
        if (paren_depth_ > 0) {
          return Fail("unclosed left parenthesis", static_cast<int>(pos_));
        }
        if (bracket_open_) {
          return Fail("unclosed left bracket", static_cast<int>(pos_));
        }
        if (brace_open_) {
          return Fail("unexpected end of input inside braces", static_cast<int>(pos_));
        }
        out_.push_back({Tok::kEof, "", static_cast<int>(pos_)});
        return std::move(out_);
      }
      if (!Step()) {
        return std::move(out_);
      }
    }
  }

 private:
  void Skip() {
    while (pos_ < in_.size()) {
      if (IsSpace(in_[pos_])) {
        ++pos_;
      } else if (in_[pos_] == '#') {  // Comment to end of line.
        while (pos_ < in_.size() && in_[pos_] != '\n') {
          ++pos_;
        }
      } else {
        return;
      }
    }
  }

  std::vector<Token> Fail(std::string message, int at) {
    out_.push_back({Tok::kError, std::move(message), at});
    return std::move(out_);
  }

  bool Error(std::string message, std::size_t at) {
    out_.push_back({Tok::kError, std::move(message), static_cast<int>(at)});
    return false;
  }

  void Emit(Tok kind, std::size_t start) {
    out_.push_back({kind, std::string(in_.substr(start, pos_ - start)), static_cast<int>(start)});
  }

  bool Step() {
    const std::size_t start = pos_;
    const char c = in_[pos_];
    const char next = pos_ + 1 < in_.size() ? in_[pos_ + 1] : '\0';
    if (IsDigit(c) || (c == '.' && IsDigit(next))) {
      return LexNumberOrDuration();
    }
    if (IsAlpha(c) || c == ':') {
      // Inside braces a colon is not a name character.
      if (c == ':' && (brace_open_ || bracket_open_)) {
        ++pos_;
        Emit(Tok::kColon, start);
        return true;
      }
      while (pos_ < in_.size() && (IsAlnum(in_[pos_]) || (!brace_open_ && in_[pos_] == ':'))) {
        ++pos_;
      }
      Emit(Tok::kIdentifier, start);
      return true;
    }
    if (c == '"' || c == '\'' || c == '`') {
      return LexString(c);
    }
    return LexPunct(c, next, start);
  }

  bool LexPunct(char c, char next, std::size_t start) {
    auto two = [&](Tok kind) {
      pos_ += 2;
      Emit(kind, start);
      return true;
    };
    auto one = [&](Tok kind) {
      pos_ += 1;
      Emit(kind, start);
      return true;
    };
    switch (c) {
      case '(':
        ++paren_depth_;
        return one(Tok::kLParen);
      case ')':
        if (paren_depth_ == 0) {
          return Error("unexpected right parenthesis " + QuoteRune(c), start);
        }
        --paren_depth_;
        return one(Tok::kRParen);
      case '{':
        if (brace_open_) {
          return Error("unexpected left brace " + QuoteRune(c), start);
        }
        brace_open_ = true;
        return one(Tok::kLBrace);
      case '}':
        if (!brace_open_) {
          return Error("unexpected character: " + QuoteRune(c), start);
        }
        brace_open_ = false;
        return one(Tok::kRBrace);
      case '[':
        if (bracket_open_) {
          return Error("unexpected left bracket " + QuoteRune(c), start);
        }
        bracket_open_ = true;
        return one(Tok::kLBracket);
      case ']':
        if (!bracket_open_) {
          return Error("unexpected right bracket " + QuoteRune(c), start);
        }
        bracket_open_ = false;
        return one(Tok::kRBracket);
      case ',':
        return one(Tok::kComma);
      case '@':
        return one(Tok::kAt);
      case '=':
        if (next == '~') {
          return two(Tok::kEqlRegex);
        }
        return next == '=' ? two(Tok::kEqlc) : one(Tok::kAssign);
      case '!':
        if (next == '~') {
          return two(Tok::kNeqRegex);
        }
        if (next == '=') {
          return two(Tok::kNeq);
        }
        return Error("unexpected character after '!': " + QuoteRune(next), start);
      case '<':
        return next == '=' ? two(Tok::kLte) : one(Tok::kLss);
      case '>':
        return next == '=' ? two(Tok::kGte) : one(Tok::kGtr);
      case '+':
        return one(Tok::kAdd);
      case '-':
        return one(Tok::kSub);
      case '*':
        return one(Tok::kMul);
      case '/':
        return one(Tok::kDiv);
      case '%':
        return one(Tok::kMod);
      case '^':
        return one(Tok::kPow);
      default:
        if (brace_open_) {
          return Error("unexpected character inside braces: " + QuoteRune(c), start);
        }
        return Error("unexpected character: " + QuoteRune(c), start);
    }
  }

  bool LexString(char quote) {
    const std::size_t start = pos_++;
    while (pos_ < in_.size()) {
      const char c = in_[pos_];
      if (c == '\\' && quote != '`') {
        pos_ += 2;
        continue;
      }
      if (c == '\n' && quote != '`') {
        break;
      }
      ++pos_;
      if (c == quote) {
        Emit(Tok::kString, start);
        return true;
      }
    }
    return Error(quote == '`' ? "unterminated raw string" : "unterminated quoted string", start);
  }

  bool LexNumberOrDuration() {
    const std::size_t start = pos_;
    // Durations: digits immediately followed by a unit letter.
    std::size_t p = pos_;
    while (p < in_.size() && IsDigit(in_[p])) {
      ++p;
    }
    if (p > pos_ && p < in_.size() && IsDurationUnit(in_[p])) {
      while (p < in_.size() && IsAlnum(in_[p])) {
        ++p;
      }
      pos_ = p;
      Emit(Tok::kDuration, start);
      return true;
    }
    if (in_.substr(pos_, 2) == "0x" || in_.substr(pos_, 2) == "0X") {
      pos_ += 2;
      while (pos_ < in_.size() && std::isxdigit(static_cast<unsigned char>(in_[pos_])) != 0) {
        ++pos_;
      }
    } else {
      while (pos_ < in_.size() && (IsDigit(in_[pos_]) || in_[pos_] == '.')) {
        ++pos_;
      }
      if (pos_ < in_.size() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
        ++pos_;
        if (pos_ < in_.size() && (in_[pos_] == '+' || in_[pos_] == '-')) {
          ++pos_;
        }
        while (pos_ < in_.size() && IsDigit(in_[pos_])) {
          ++pos_;
        }
      }
    }
    if (pos_ < in_.size() && IsAlnum(in_[pos_])) {
      ++pos_;
      return Error(
          "bad number or duration syntax: \"" + std::string(in_.substr(start, pos_ - start)) + "\"",
          start);
    }
    Emit(Tok::kNumber, start);
    return true;
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  std::vector<Token> out_;
};

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
      return "identifier \"" + token.text + "\"";
    case Tok::kNumber:
      return "number \"" + token.text + "\"";
    case Tok::kString:
      return "string " + token.text;
    case Tok::kDuration:
      return "duration \"" + token.text + "\"";
    default:
      break;
  }
  if (IsOperator(token.kind)) {
    return "<op:" + token.text + ">";
  }
  return "\"" + token.text + "\"";
}

}  // namespace obs::backend::query
