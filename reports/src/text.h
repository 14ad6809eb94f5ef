// Escaping and small formatting helpers shared by the writers. All output is
// built as std::string with locale-independent formatting and only then
// streamed, so a global locale never changes a byte of a report.
//
// Thread safety: stateless.

#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "obs/base/status.h"

namespace obs::reports::internal {

// Escapes & < > " ' for XML text and attributes. Characters XML 1.0 cannot
// carry (controls other than tab, LF, CR) become U+FFFD; in attributes tab,
// LF and CR become character references so they survive normalization.
std::string XmlEscape(std::string_view text, bool attribute);

// Free text for a Markdown table cell or paragraph: `<` before a tag-like
// character and `&` before an entity-like one become entities (so raw HTML
// such as `<script>` never reaches a renderer while "< 50 ms" stays
// readable), Markdown punctuation that could start emphasis, links, code,
// headings or a table cell is backslash-escaped, and newlines become `<br>`.
std::string MarkdownText(std::string_view text);

// `text` as an inline code span (fence longer than any backtick run inside).
// With `in_table`, `|` is escaped as GFM tables require even in code spans.
std::string MarkdownCode(std::string_view text, bool in_table = true);

// kUnavailable "cannot write <what>: output stream failed" if `out` failed, else OK.
Status StreamStatus(const std::ostream& out, std::string_view what);

}  // namespace obs::reports::internal
