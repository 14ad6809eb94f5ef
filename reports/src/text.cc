#include "text.h"

#include <algorithm>
#include <cctype>

namespace obs::reports::internal {
namespace {

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || (static_cast<unsigned char>(c) & 0x80);
}

}  // namespace

std::string XmlEscape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
          out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 cannot carry this control character.
        else
          out += c;
    }
  }
  return out;
}

std::string MarkdownText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (c) {
      // Only what could start an entity or a tag is escaped, so "< 50 ms" stays readable.
      case '&':
        out += IsWordChar(next) || next == '#' ? "&amp;" : "&";
        break;
      case '<':
        out += std::isalpha(static_cast<unsigned char>(next)) != 0 || next == '/' || next == '!' ||
                       next == '?'
                   ? "&lt;"
                   : "<";
        break;
      case '\n':
        out += "<br>";
        break;
      case '\r':
        break;
      case '|':
      case '\\':
      case '`':
      case '*':
      case '[':
      case ']':
      case '#':
      case '~':
        out += '\\';
        out += c;
        break;
      case '_': {
        // Intraword underscores (remote_write) cannot start emphasis; keep them readable.
        const bool inside =
            i > 0 && i + 1 < text.size() && IsWordChar(text[i - 1]) && IsWordChar(text[i + 1]);
        out += inside ? "_" : "\\_";
        break;
      }
      default:
        out += c;
    }
  }
  return out;
}

std::string MarkdownCode(std::string_view text, bool in_table) {
  std::string body;
  for (const char c : text) {
    if (c == '|' && in_table)
      body += "\\|";  // GFM splits cells on | even inside code spans.
    else if (c == '\n' || c == '\r')
      body += ' ';
    else
      body += c;
  }
  // A fence longer than any backtick run inside, padded if the body touches a backtick.
  std::size_t longest = 0;
  std::size_t run = 0;
  for (const char c : body) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

Status StreamStatus(const std::ostream& out, std::string_view what) {
  if (out.fail())
    return UnavailableError("cannot write " + std::string(what) + ": output stream failed");
  return Status::Ok();
}

}  // namespace obs::reports::internal
