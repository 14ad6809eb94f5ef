// Storage::Select, LabelNames and LabelValues: matcher and postings
// evaluation, time filtering, ordering; Matcher and label helpers.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"

#include "store/labels.h"
#include "store/storage.h"

namespace obs::backend {
namespace {

using ::obs::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Matcher M(MatchType type, std::string name, std::string value) {
  auto m = Matcher::Create(type, std::move(name), std::move(value));
  OBS_CHECK(m.ok()) << m.status();
  return *m;
}

class StorageSelectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // up{job="api",instance="a"} @1000, up{job="api",instance="b"} @2000,
    // up{job="db"} @3000, http_requests_total{job="api",code="200"} @1000.
    Add({{"__name__", "up"}, {"instance", "a"}, {"job", "api"}}, 1000);
    Add({{"__name__", "up"}, {"instance", "b"}, {"job", "api"}}, 2000);
    Add({{"__name__", "up"}, {"job", "db"}}, 3000);
    Add({{"__name__", "http_requests_total"}, {"code", "200"}, {"job", "api"}}, 1000);
  }

  void Add(std::vector<std::pair<std::string_view, std::string_view>> labels, std::int64_t t) {
    wire::WriteRequestView req;
    wire::TimeSeriesView ts;
    for (const auto& [n, v] : labels) {
      ts.labels.push_back({n, v});
    }
    ts.samples.push_back({1.0, t});
    req.timeseries.push_back(ts);
    ASSERT_OK(storage_.Append(req));
  }

  std::vector<std::string> Names(const std::vector<Matcher>& matchers, std::int64_t mint = 0,
                                 std::int64_t maxt = 10'000) {
    std::vector<std::string> out;
    for (const SeriesRef& s : storage_.Select(matchers, mint, maxt)) {
      out.push_back(LabelsToString(s.labels()));
    }
    return out;
  }

  Storage storage_;
};

TEST_F(StorageSelectTest, EqualMatchersIntersectPostings) {
  EXPECT_THAT(Names({M(MatchType::kEqual, "__name__", "up"), M(MatchType::kEqual, "job", "api")}),
              ElementsAre("up{instance=\"a\",job=\"api\"}", "up{instance=\"b\",job=\"api\"}"));
}

TEST_F(StorageSelectTest, ResultIsSortedByLabels) {
  EXPECT_THAT(Names({M(MatchType::kEqual, "job", "api")}),
              ElementsAre("http_requests_total{code=\"200\",job=\"api\"}",
                          "up{instance=\"a\",job=\"api\"}", "up{instance=\"b\",job=\"api\"}"));
}

TEST_F(StorageSelectTest, NotEqualMatchesSeriesWithoutTheLabel) {
  EXPECT_THAT(
      Names({M(MatchType::kEqual, "__name__", "up"), M(MatchType::kNotEqual, "instance", "a")}),
      ElementsAre("up{instance=\"b\",job=\"api\"}", "up{job=\"db\"}"));
}

TEST_F(StorageSelectTest, RegexMatchersAreFullyAnchored) {
  EXPECT_THAT(Names({M(MatchType::kRegexMatch, "job", "d")}), IsEmpty());
  EXPECT_THAT(Names({M(MatchType::kRegexMatch, "job", "d.|x")}), ElementsAre("up{job=\"db\"}"));
  EXPECT_THAT(
      Names({M(MatchType::kEqual, "__name__", "up"), M(MatchType::kRegexNoMatch, "job", "a.*")}),
      ElementsAre("up{job=\"db\"}"));
}

TEST_F(StorageSelectTest, EmptyValueMatcherMeansLabelAbsent) {
  EXPECT_THAT(Names({M(MatchType::kEqual, "__name__", "up"), M(MatchType::kEqual, "instance", "")}),
              ElementsAre("up{job=\"db\"}"));
  EXPECT_THAT(Names({M(MatchType::kNotEqual, "instance", "")}), ::testing::SizeIs(2));
}

TEST_F(StorageSelectTest, TimeRangeIsInclusiveAndFiltersSeries) {
  EXPECT_THAT(Names({M(MatchType::kEqual, "__name__", "up")}, 2000, 2999),
              ElementsAre("up{instance=\"b\",job=\"api\"}"));
  EXPECT_THAT(Names({M(MatchType::kEqual, "__name__", "up")}, 3001, 5000), IsEmpty());
}

TEST_F(StorageSelectTest, UnknownLabelOrValueSelectsNothing) {
  EXPECT_THAT(Names({M(MatchType::kEqual, "nope", "x")}), IsEmpty());
  EXPECT_THAT(Names({M(MatchType::kEqual, "job", "nope")}), IsEmpty());
}

TEST_F(StorageSelectTest, LabelNamesAreSortedAndFiltered) {
  EXPECT_THAT(storage_.LabelNames({}, 0, 10'000),
              ElementsAre("__name__", "code", "instance", "job"));
  EXPECT_THAT(storage_.LabelNames({{M(MatchType::kEqual, "job", "db")}}, 0, 10'000),
              ElementsAre("__name__", "job"));
  EXPECT_THAT(storage_.LabelNames({}, 2500, 10'000), ElementsAre("__name__", "job"));
}

TEST_F(StorageSelectTest, LabelValuesUnionOverMatchSets) {
  EXPECT_THAT(storage_.LabelValues("job", {}, 0, 10'000), ElementsAre("api", "db"));
  EXPECT_THAT(storage_.LabelValues("instance",
                                   {{M(MatchType::kEqual, "instance", "a")},
                                    {M(MatchType::kEqual, "instance", "b")}},
                                   0, 10'000),
              ElementsAre("a", "b"));
  EXPECT_THAT(storage_.LabelValues("__name__", {}, 0, 1500),
              ElementsAre("http_requests_total", "up"));
  EXPECT_THAT(storage_.LabelValues("missing", {}, 0, 10'000), IsEmpty());
}

TEST(SeriesRefTest, SamplesIntoAReusedBufferMatchTheVectorForm) {
  // Series of 300, 5, 0 (in range) and 130 samples, decoded one after
  // another into one buffer: each answer is the vector form's, whatever the
  // buffer held before (longer, shorter or nothing).
  Storage storage;
  const int lengths[] = {300, 5, 0, 130};
  for (int i = 0; i < 4; ++i) {
    wire::WriteRequestView req;
    wire::TimeSeriesView ts;
    const std::string id = std::to_string(i);
    ts.labels = {{"__name__", "m"}, {"id", id}};
    const std::int64_t first = lengths[i] == 0 ? 1'000'000 : 0;  // Out of range.
    for (int k = 0; k < std::max(lengths[i], 1); ++k) {
      ts.samples.push_back({k % 7 == 3 ? wire::StaleNaN() : k * 1.5, first + k * 1000});
    }
    req.timeseries.push_back(ts);
    ASSERT_OK(storage.Append(req));
  }
  const auto series = storage.Select({M(MatchType::kEqual, "__name__", "m")}, 0, 2'000'000);
  ASSERT_EQ(series.size(), 4U);
  std::vector<wire::Sample> buffer;
  for (const auto& [mint, maxt] : {std::pair<std::int64_t, std::int64_t>{0, 400'000},
                                   {2000, 120'000},
                                   {150'000, 0},
                                   {0, 2'000'000}}) {
    for (const SeriesRef& s : series) {
      const std::vector<wire::Sample> want = s.Samples(mint, maxt);
      s.Samples(mint, maxt, buffer);
      ASSERT_EQ(buffer.size(), want.size()) << LabelsToString(s.labels()) << " " << mint;
      for (std::size_t k = 0; k < want.size(); ++k) {
        EXPECT_EQ(buffer[k].timestamp_ms, want[k].timestamp_ms);
        EXPECT_EQ(std::bit_cast<std::uint64_t>(buffer[k].value),
                  std::bit_cast<std::uint64_t>(want[k].value));
      }
    }
  }
  EXPECT_GE(buffer.capacity(), 300U);  // Kept from the longest series.
}

TEST(MatcherTest, BadRegexIsInvalidArgument) {
  EXPECT_THAT(
      Matcher::Create(MatchType::kRegexMatch, "job", "a("),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid regular expression \"a(\"")));
}

TEST(MatcherTest, MatchesEachType) {
  EXPECT_TRUE(M(MatchType::kEqual, "a", "x").Matches("x"));
  EXPECT_FALSE(M(MatchType::kNotEqual, "a", "x").Matches("x"));
  EXPECT_TRUE(M(MatchType::kRegexMatch, "a", "x|y+").Matches("yyy"));
  EXPECT_FALSE(M(MatchType::kRegexMatch, "a", "x|y+").Matches("xy"));
  EXPECT_TRUE(M(MatchType::kRegexMatch, "a", ".*").Matches(""));
  EXPECT_TRUE(M(MatchType::kRegexNoMatch, "a", "x.*").Matches("yx"));
  EXPECT_EQ(M(MatchType::kRegexNoMatch, "a", "x\"").ToString(), "a!~\"x\\\"\"");
}

TEST(LabelsTest, ToStringEscapesAndOmitsEmptyBraces) {
  EXPECT_EQ(LabelsToString({{"__name__", "up"}}), "up");
  EXPECT_EQ(LabelsToString({{"a", "x\"y\\z\nw"}}), "{a=\"x\\\"y\\\\z\\nw\"}");
  EXPECT_EQ(LabelsToString({}), "{}");
}

TEST(LabelsTest, NameValidation) {
  EXPECT_TRUE(IsValidMetricName("a:b_c9"));
  EXPECT_FALSE(IsValidMetricName("9a"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_TRUE(IsValidLabelName("_a9"));
  EXPECT_FALSE(IsValidLabelName(""));
}

}  // namespace
}  // namespace obs::backend
