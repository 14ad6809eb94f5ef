// The label-set -> series-id index (verify/series_index.h).

#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "verify/series_index.h"

namespace obs::scenarios {
namespace {

using ::testing::Eq;
using ::testing::Optional;

LabelPairs SeriesLabels(std::uint32_t id) {
  return {{"__name__", "m" + std::to_string(id % 7)},
          {"instance", "host-" + std::to_string(id / 7)},
          {"obsbench_run", "r"}};
}

std::vector<std::uint64_t> HashesOf(std::uint32_t count, SeriesIndex::HashFn hash) {
  std::vector<std::uint64_t> hashes;
  for (std::uint32_t id = 0; id < count; ++id) {
    hashes.push_back(hash(SeriesLabels(id)));
  }
  return hashes;
}

std::uint64_t ConstantHash(const LabelPairs& /*labels*/) {
  return 42;
}

TEST(SeriesIndexTest, FindsEverySeriesById) {
  const SeriesIndex index = SeriesIndex::Build(HashesOf(10000, &HashLabels), &SeriesLabels);
  EXPECT_EQ(index.size(), 10000u);
  EXPECT_EQ(index.collisions(), 0u);
  const std::uint64_t seed = 7;
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 1000; ++i) {
    const auto id = static_cast<std::uint32_t>(rng() % 10000);
    EXPECT_THAT(index.Find(SeriesLabels(id)), Optional(Eq(id))) << "seed " << seed;
  }
}

TEST(SeriesIndexTest, UnknownLabelSetIsNotFound) {
  const SeriesIndex index = SeriesIndex::Build(HashesOf(100, &HashLabels), &SeriesLabels);
  EXPECT_EQ(index.Find({{"__name__", "m1"}, {"instance", "host-0"}}), std::nullopt);
  EXPECT_EQ(index.Find(SeriesLabels(100)), std::nullopt);
}

TEST(SeriesIndexTest, CollidingHashesAreResolvedByComparingLabels) {
  const SeriesIndex index =
      SeriesIndex::Build(HashesOf(50, &ConstantHash), &SeriesLabels, &ConstantHash);
  EXPECT_EQ(index.collisions(), 50u);
  for (std::uint32_t id = 0; id < 50; ++id) {
    EXPECT_THAT(index.Find(SeriesLabels(id)), Optional(Eq(id)));
  }
  EXPECT_EQ(index.Find(SeriesLabels(50)), std::nullopt);
}

TEST(SeriesIndexTest, HashSeparatesNameAndValueBoundaries) {
  EXPECT_NE(HashLabels({{"a", "bc"}}), HashLabels({{"ab", "c"}}));
  EXPECT_NE(HashLabels({{"a", "b"}, {"c", "d"}}), HashLabels({{"a",
                                                               "b\xfe"
                                                               "c"}}));
  EXPECT_EQ(HashLabels({{"a", "b"}}), HashLabels({{"a", "b"}}));
}

}  // namespace
}  // namespace obs::scenarios
