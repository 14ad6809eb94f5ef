#include "obs/wire/series_text.h"

#include <string>

#include <gtest/gtest.h>

namespace obs::wire {
namespace {

std::string Text(std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  SeriesTextBuilder b;
  for (const auto& [n, v] : labels)
    b.Add(n, v);
  return b.Finish();
}

TEST(SeriesTextTest, NameGoesInFrontOfTheOtherLabels) {
  EXPECT_EQ(Text({{"__name__", "up"}, {"instance", "a:1"}, {"job", "x"}}),
            "up{instance=\"a:1\",job=\"x\"}");
}

TEST(SeriesTextTest, NameAloneHasNoBraces) {
  EXPECT_EQ(Text({{"__name__", "up"}}), "up");
}

TEST(SeriesTextTest, NoNameKeepsBraces) {
  EXPECT_EQ(Text({{"a", "b"}}), "{a=\"b\"}");
  EXPECT_EQ(Text({}), "{}");
}

TEST(SeriesTextTest, ValuesAreEscaped) {
  EXPECT_EQ(Text({{"__name__", "m"}, {"v", "a\"b\\c\nd"}}), "m{v=\"a\\\"b\\\\c\\nd\"}");
}

}  // namespace
}  // namespace obs::wire
