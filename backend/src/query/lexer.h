// The PromQL lexer: turns a query into tokens with byte positions, following
// Prometheus 2.42's lexer (promql/parser/lex.go) closely enough that error
// messages and positions match for the common mistakes (unterminated
// strings, unbalanced parentheses/brackets, stray characters).
//
// Keywords (`by`, `offset`, `and`, ...) and aggregator names are returned as
// kIdentifier; the parser decides by context, as PromQL allows label names
// such as `on` inside braces.
//
// Thread safety: pure function.

#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace obs::backend::query {

enum class Tok {
  kEof,
  kError,  // `text` holds the message.
  kIdentifier,
  kNumber,
  kString,    // `text` is the raw quoted literal.
  kDuration,  // e.g. `5m`, `1h30m`.
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kComma,
  kColon,
  kAt,
  kAssign,    // =
  kEqlRegex,  // =~
  kNeqRegex,  // !~
  kNeq,       // !=
  kEqlc,      // ==
  kLss,
  kGtr,
  kLte,
  kGte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
};

struct Token {
  Tok kind = Tok::kEof;
  std::string text;  // Source text, or the message for kError.
  int pos = 0;       // Byte offset in the query.
};

// Lexes the whole query. The last token is kEof or kError.
std::vector<Token> Lex(std::string_view query);

// Prometheus's description of a token for "unexpected ..." messages:
// `identifier "foo"`, `number "2"`, `<op:+>`, `"("`, `end of input`.
std::string DescribeToken(const Token& token);

}  // namespace obs::backend::query
