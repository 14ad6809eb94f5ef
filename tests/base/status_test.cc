#include "obs/base/status.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"

namespace obs {
namespace {

using ::obs::testing::IsOkAndHolds;
using ::obs::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;

Result<int> ParsePositive(int v) {
  if (v <= 0)
    return InvalidArgumentError("rate must be > 0");
  return v;
}

Result<int> Doubled(int v) {
  OBS_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

Status Check(int v) {
  OBS_RETURN_IF_ERROR(ParsePositive(v));
  return Status::Ok();
}

TEST(StatusTest, OkStatusPrintsOk) {
  EXPECT_TRUE(Status().ok());
  EXPECT_EQ(Status().ToString(), "ok");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  const Status s = NotFoundError("series x");
  EXPECT_EQ(s.ToString(), "not_found: series x");
  EXPECT_THAT(s.WithPrefix("a.yaml:1:2"),
              StatusIs(StatusCode::kNotFound, Eq("a.yaml:1:2: series x")));
}

TEST(StatusTest, AssignOrReturnPropagatesValueAndError) {
  EXPECT_THAT(Doubled(4), IsOkAndHolds(Eq(8)));
  EXPECT_THAT(Doubled(-1), StatusIs(StatusCode::kInvalidArgument, HasSubstr("rate")));
}

TEST(StatusTest, ReturnIfErrorPropagatesError) {
  EXPECT_OK(Check(3));
  EXPECT_THAT(Check(0), StatusIs(StatusCode::kInvalidArgument, HasSubstr("> 0")));
}

TEST(StatusDeathTest, ValueOfErrorAborts) {
  Result<int> r = InternalError("boom");
  EXPECT_DEATH((void)r.value(), "value\\(\\) of an error Result");
}

TEST(StatusDeathTest, ResultFromOkStatusAborts) {
  EXPECT_DEATH(Result<int>{Status::Ok()}, "OK status");
}

}  // namespace
}  // namespace obs
