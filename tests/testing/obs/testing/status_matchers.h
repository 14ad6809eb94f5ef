// GoogleTest matchers for obs::Status and obs::Result<T>, in the shape of
// abseil's: EXPECT_OK(expr), ASSERT_OK(expr),
// EXPECT_THAT(r, StatusIs(StatusCode::kInvalidArgument, HasSubstr("rate"))),
// EXPECT_THAT(r, IsOkAndHolds(Eq(3))), and ASSERT_OK_AND_ASSIGN(lhs, expr).
//
// Thread safety: test-only; no state.

#pragma once

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "obs/base/status.h"

namespace obs {

// Readable gtest output for Status and Result<T> (found by ADL).
inline void PrintTo(const Status& s, std::ostream* os) {
  *os << s;
}
template <typename T>
void PrintTo(const Result<T>& r, std::ostream* os) {
  if (r.ok()) {
    *os << "ok: " << ::testing::PrintToString(r.value());
  } else {
    *os << r.status();
  }
}

}  // namespace obs

namespace obs::testing {

inline const Status& GetStatus(const Status& s) {
  return s;
}
template <typename T>
Status GetStatus(const Result<T>& r) {
  return r.status();
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + std::string(::obs::StatusCodeName(code))) {
  const ::obs::Status s = ::obs::testing::GetStatus(arg);
  if (s.code() != code) {
    *result_listener << "whose status is " << s;
    return false;
  }
  return ::testing::ExplainMatchResult(message_matcher, s.message(), result_listener);
}

MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "whose status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, arg.value(), result_listener);
}

}  // namespace obs::testing

#define EXPECT_OK(expr) EXPECT_EQ(::obs::testing::GetStatus((expr)), ::obs::Status())
#define ASSERT_OK(expr) ASSERT_EQ(::obs::testing::GetStatus((expr)), ::obs::Status())
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(OBS_STATUS_CONCAT(obs_test_result_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  ASSERT_OK(tmp);                                 \
  lhs = std::move(tmp).value()
