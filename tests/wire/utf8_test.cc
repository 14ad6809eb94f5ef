#include "utf8.h"

#include <string>

#include <gtest/gtest.h>

namespace obs::wire::internal {
namespace {

TEST(IsValidUtf8Test, AcceptsWellFormedText) {
  for (const std::string s :
       {"", "plain ascii longer than eight bytes", "küche", "日本語", "🙂", "\x7f",
        "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "mixed ascii then é at the end"}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
  }
}

TEST(IsValidUtf8Test, RejectsMalformedSequences) {
  const std::string cases[] = {
      "\x80",              // Lone continuation byte.
      "\xc0\x80",          // Overlong NUL.
      "\xc1\xbf",          // Overlong 2-byte form.
      "\xe0\x9f\xbf",      // Overlong 3-byte form.
      "\xed\xa0\x80",      // UTF-16 surrogate.
      "\xf0\x8f\xbf\xbf",  // Overlong 4-byte form.
      "\xf4\x90\x80\x80",  // Above U+10FFFF.
      "\xf5\x80\x80\x80",  // Invalid lead byte.
      "\xe2\x82",          // Truncated sequence.
      "abcdefgh\xe2\x82",  // Truncated after the ASCII fast path.
      "\xe2\x28\xa1",      // Bad continuation byte.
      "\xff",
  };
  for (const std::string& s : cases) {
    EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(s);
  }
}

}  // namespace
}  // namespace obs::wire::internal
