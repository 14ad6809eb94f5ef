// Inferring lost samples from a ledger summary (verify/missing_timestamps.h).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "verify/missing_timestamps.h"

namespace obs::scenarios {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(MissingTimestampsTest, CompleteSeriesHasNothingMissing) {
  EXPECT_THAT(InferMissingTimestamps({1000, 2000, 3000, 4000}, 1000, 4000, 4, 10), IsEmpty());
}

TEST(MissingTimestampsTest, GapsFirstAndLastAreReported) {
  EXPECT_THAT(InferMissingTimestamps({2000, 3000, 5000}, 1000, 6000, 6, 10),
              ElementsAre(1000, 4000, 6000));
}

TEST(MissingTimestampsTest, JitterDoesNotAccumulate) {
  // 10 s interval with +-400 ms jitter; only 40000 is gone.
  EXPECT_THAT(InferMissingTimestamps({0, 10400, 19700, 30300, 50100}, 0, 50100, 6, 10),
              ElementsAre(40320));
}

TEST(MissingTimestampsTest, MissingSeriesListsTheFirstFew) {
  EXPECT_THAT(InferMissingTimestamps({}, 0, 900, 10, 3), ElementsAre(0, 100, 200));
}

TEST(MissingTimestampsTest, SingleSampleSeries) {
  EXPECT_THAT(InferMissingTimestamps({}, 77, 77, 1, 5), ElementsAre(77));
  EXPECT_THAT(InferMissingTimestamps({77}, 77, 77, 1, 5), IsEmpty());
  EXPECT_THAT(InferMissingTimestamps({}, 77, 77, 0, 5), IsEmpty());
}

TEST(MissingTimestampsTest, ExtraSamplesOffTheGridAreSkipped) {
  EXPECT_THAT(InferMissingTimestamps({0, 300, 1000, 2000}, 0, 3000, 4, 10), ElementsAre(3000));
}

}  // namespace
}  // namespace obs::scenarios
