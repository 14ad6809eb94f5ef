// The PromQL lexer: turns a query into tokens with byte positions, following
// Prometheus 2.42's lexer (promql/parser/lex.go) state by state, so that the
// same input yields the same tokens and the same lexical error at the same
// position: strings with Go escapes, numbers and durations, keywords matched
// case-insensitively, label names inside braces, durations right after `[`.
//
// Keywords get their own token kinds; inside braces every name is a plain
// identifier (label names such as `on` or `by`). The parser still accepts
// many keywords as metric or label names where Prometheus's grammar does.
//
// Thread safety: pure functions.

#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace obs::backend::query {

enum class Tok {
  kEof,
  kError,  // `text` holds the message.
  kIdentifier,
  kMetricIdentifier,  // A name containing ':'.
  kNumber,            // Also `Inf` and `NaN` in any case.
  kString,            // `text` is the raw quoted literal.
  kDuration,          // e.g. `5m`, `1h30m`.
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
  // Keywords. `text` keeps the spelling of the query (`SUM`, `By`).
  kAnd,
  kOr,
  kUnless,
  kAtan2,
  kAggregator,  // sum, avg, count, ..., count_values.
  kBy,
  kWithout,
  kOn,
  kIgnoring,
  kGroupLeft,
  kGroupRight,
  kBool,
  kOffset,
  kStart,
  kEnd,
};

struct Token {
  Tok kind = Tok::kEof;
  std::string text;  // Source text, or the message for kError.
  int pos = 0;       // Byte offset in the query.
};

// Lexes the whole query. The last token is kEof or kError; tokens before a
// kError are what Prometheus's lexer returned before failing.
std::vector<Token> Lex(std::string_view query);

// Prometheus's description of a token in "unexpected ..." messages
// (Item.desc()): `identifier "foo"`, `number "2"`, `<op:+>`, `<by>`,
// `<aggr:sum>`, `"("`, `end of input`, long values cut to 10 runes.
std::string DescribeToken(const Token& token);

}  // namespace obs::backend::query
