// Storage::Append: validation, ordering and duplicate rules, all-or-nothing.

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"

#include "store/storage.h"

namespace obs::backend {
namespace {

using ::obs::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using LabelList = std::vector<std::pair<std::string_view, std::string_view>>;

// Builds a request whose views point at string literals.
class RequestBuilder {
 public:
  RequestBuilder& Series(const LabelList& labels, std::vector<wire::Sample> samples) {
    wire::TimeSeriesView ts;
    for (const auto& [name, value] : labels) {
      ts.labels.push_back({name, value});
    }
    view_.sample_count += samples.size();
    ts.samples = std::move(samples);
    view_.timeseries.push_back(std::move(ts));
    return *this;
  }
  const wire::WriteRequestView& view() const { return view_; }

 private:
  wire::WriteRequestView view_;
};

std::vector<std::int64_t> Timestamps(const Storage& storage, std::string_view name) {
  auto m = Matcher::Create(MatchType::kEqual, "__name__", std::string(name));
  std::vector<std::int64_t> out;
  for (const SeriesRef& s : storage.Select({*m}, INT64_MIN, INT64_MAX)) {
    for (const wire::Sample& x : s.Samples(INT64_MIN, INT64_MAX)) {
      out.push_back(x.timestamp_ms);
    }
  }
  return out;
}

TEST(StorageAppendTest, AppendsAndCountsSamples) {
  Storage storage;
  RequestBuilder req;
  req.Series({{"__name__", "up"}, {"job", "a"}}, {{1, 1000}, {1, 2000}});
  req.Series({{"__name__", "up"}, {"job", "b"}}, {{0, 1000}});
  ASSERT_OK_AND_ASSIGN(AppendStats stats, storage.Append(req.view()));
  EXPECT_EQ(stats.series, 2u);
  EXPECT_EQ(stats.samples, 3u);
  EXPECT_EQ(stats.new_series, 2u);
  EXPECT_EQ(storage.stats().series, 2u);
  EXPECT_EQ(storage.stats().samples, 3u);
  EXPECT_GT(storage.stats().chunk_bytes, 0u);
}

TEST(StorageAppendTest, SortsLabelsAndDropsEmptyValues) {
  Storage storage;
  RequestBuilder req;
  req.Series({{"job", "a"}, {"__name__", "up"}, {"empty", ""}}, {{1, 1000}});
  ASSERT_OK(storage.Append(req.view()));
  const auto series = storage.Select({}, INT64_MIN, INT64_MAX);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(LabelsToString(series[0].labels()), "up{job=\"a\"}");
}

TEST(StorageAppendTest, RejectsOutOfOrderSampleNamingTheSeries) {
  Storage storage;
  ASSERT_OK(storage.Append(
      RequestBuilder().Series({{"__name__", "up"}, {"job", "a"}}, {{1, 2000}}).view()));
  const auto r = storage.Append(
      RequestBuilder().Series({{"__name__", "up"}, {"job", "a"}}, {{1, 1000}}).view());
  EXPECT_THAT(r, StatusIs(StatusCode::kInvalidArgument,
                          HasSubstr("out of order sample for series up{job=\"a\"}: 1000 < 2000")));
}

TEST(StorageAppendTest, RejectsOutOfOrderWithinOneRequest) {
  Storage storage;
  const auto r =
      storage.Append(RequestBuilder().Series({{"__name__", "up"}}, {{1, 2000}, {1, 1000}}).view());
  EXPECT_THAT(r, StatusIs(StatusCode::kInvalidArgument, HasSubstr("out of order")));
  EXPECT_EQ(storage.stats().samples, 0u);
}

TEST(StorageAppendTest, SameTimestampSameValueIsANoOp) {
  Storage storage;
  ASSERT_OK(storage.Append(RequestBuilder().Series({{"__name__", "up"}}, {{1, 1000}}).view()));
  ASSERT_OK_AND_ASSIGN(
      AppendStats stats,
      storage.Append(RequestBuilder().Series({{"__name__", "up"}}, {{1, 1000}, {1, 2000}}).view()));
  EXPECT_EQ(stats.samples, 1u);
  EXPECT_THAT(Timestamps(storage, "up"), ElementsAre(1000, 2000));
}

TEST(StorageAppendTest, SameTimestampDifferentValueIsADuplicate) {
  Storage storage;
  ASSERT_OK(storage.Append(RequestBuilder().Series({{"__name__", "up"}}, {{1, 1000}}).view()));
  EXPECT_THAT(
      storage.Append(RequestBuilder().Series({{"__name__", "up"}}, {{2, 1000}}).view()),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("duplicate sample for timestamp 1000")));
}

TEST(StorageAppendTest, StaleMarkerAtSameTimestampIsADuplicateOfAValue) {
  Storage storage;
  ASSERT_OK(storage.Append(RequestBuilder().Series({{"__name__", "up"}}, {{1, 1000}}).view()));
  EXPECT_THAT(storage.Append(
                  RequestBuilder().Series({{"__name__", "up"}}, {{wire::StaleNaN(), 1000}}).view()),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("duplicate sample")));
}

TEST(StorageAppendTest, FailedRequestAppendsNothing) {
  Storage storage;
  ASSERT_OK(storage.Append(RequestBuilder().Series({{"__name__", "b"}}, {{1, 5000}}).view()));
  RequestBuilder req;
  req.Series({{"__name__", "a"}}, {{1, 1000}, {1, 2000}});
  req.Series({{"__name__", "b"}}, {{1, 4000}});  // Out of order: the whole request fails.
  EXPECT_THAT(storage.Append(req.view()), StatusIs(StatusCode::kInvalidArgument, HasSubstr("b")));
  EXPECT_TRUE(Timestamps(storage, "a").empty());
  EXPECT_THAT(Timestamps(storage, "b"), ElementsAre(5000));
  EXPECT_EQ(storage.stats().samples, 1u);
}

TEST(StorageAppendTest, RejectsBadLabelSets) {
  struct Case {
    LabelList labels;
    std::string_view reason;
  };
  const std::vector<Case> cases = {
      {{{"", "x"}, {"__name__", "up"}}, "empty label name"},
      {{{"__name__", "up"}, {"a", "1"}, {"a", "2"}}, "label name \"a\" is not unique"},
      {{{"job", "a"}}, "missing metric name"},
      {{{"__name__", ""}, {"job", "a"}}, "missing metric name"},
      {{}, "empty label set"},
      {{{"__name__", "1up"}}, "invalid metric name \"1up\""},
      {{{"__name__", "up"}, {"a-b", "1"}}, "invalid label name \"a-b\""},
  };
  for (const Case& c : cases) {
    Storage storage;
    EXPECT_THAT(storage.Append(RequestBuilder().Series(c.labels, {{1, 1000}}).view()),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.reason)))
        << c.reason;
    EXPECT_EQ(storage.stats().samples, 0u);
  }
}

TEST(StorageAppendTest, RejectsNativeHistograms) {
  Storage storage;
  RequestBuilder req;
  req.Series({{"__name__", "up"}}, {{1, 1000}});
  wire::WriteRequestView view = req.view();
  view.histogram_count = 1;
  EXPECT_THAT(storage.Append(view),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("native histograms")));
}

TEST(StorageAppendTest, SameSeriesTwiceInOneRequestAppendsInOrder) {
  Storage storage;
  RequestBuilder req;
  req.Series({{"__name__", "up"}}, {{1, 1000}});
  req.Series({{"__name__", "up"}}, {{1, 2000}});
  ASSERT_OK_AND_ASSIGN(AppendStats stats, storage.Append(req.view()));
  EXPECT_EQ(stats.new_series, 1u);
  EXPECT_THAT(Timestamps(storage, "up"), ElementsAre(1000, 2000));
}

TEST(StorageAppendTest, ManySamplesSpanSeveralChunksAndReadBackInOrder) {
  Storage storage;
  std::vector<wire::Sample> samples;
  for (std::int64_t i = 0; i < 1000; ++i) {
    samples.push_back({static_cast<double>(i), i * 1000});
  }
  ASSERT_OK(storage.Append(RequestBuilder().Series({{"__name__", "up"}}, samples).view()));
  const auto series = storage.Select({}, INT64_MIN, INT64_MAX);
  ASSERT_EQ(series.size(), 1u);
  const auto got = series[0].Samples(250'000, 749'000);
  ASSERT_EQ(got.size(), 500u);
  EXPECT_EQ(got.front().timestamp_ms, 250'000);
  EXPECT_EQ(got.back().value, 749.0);
}

}  // namespace
}  // namespace obs::backend
