// Status and Result<T> carry expected failures across every obs:: API: bad
// YAML, a malformed payload, an unreachable peer, a timeout. Bugs are not
// Statuses; they abort through OBS_CHECK (obs/base/check.h).
//
// A Status is a code plus a lower-case message that starts with its subject
// and carries a location where there is one (`scenario.yaml:12:5: rate must be
// > 0`). Result<T> holds either a value or a non-OK Status.
//
// Thread safety: values; no shared state.

#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "obs/base/check.h"

namespace obs {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kUnavailable,
  kDeadlineExceeded,
  kResourceExhausted,
  kDataLoss,
  kInternal,
  kUnimplemented,  // A well-formed request for something not supported (e.g. an encoding).
};

// The lower-case name of `code`, e.g. "invalid_argument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "invalid_argument: scenario.yaml:3:1: ..." or "ok".
  std::string ToString() const;

  // Returns a copy whose message is `prefix + ": " + message()`.
  Status WithPrefix(std::string_view prefix) const;

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

std::ostream& operator<<(std::ostream& os, const Status& status);

inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status NotFoundError(std::string m) {
  return {StatusCode::kNotFound, std::move(m)};
}
inline Status UnavailableError(std::string m) {
  return {StatusCode::kUnavailable, std::move(m)};
}
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status ResourceExhaustedError(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status DataLossError(std::string m) {
  return {StatusCode::kDataLoss, std::move(m)};
}
inline Status InternalError(std::string m) {
  return {StatusCode::kInternal, std::move(m)};
}
inline Status UnimplementedError(std::string m) {
  return {StatusCode::kUnimplemented, std::move(m)};
}

// Result<T> is a value or a non-OK Status. value() on an error aborts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    OBS_CHECK(!std::get<Status>(v_).ok()) << "Result constructed from an OK status";
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & {
    OBS_CHECK(ok()) << "value() of an error Result: " << std::get<Status>(v_);
    return std::get<T>(v_);
  }
  const T& value() const& {
    OBS_CHECK(ok()) << "value() of an error Result: " << std::get<Status>(v_);
    return std::get<T>(v_);
  }
  T&& value() && {
    OBS_CHECK(ok()) << "value() of an error Result: " << std::get<Status>(v_);
    return std::get<T>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

namespace internal {
inline Status ToStatus(const Status& s) {
  return s;
}
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace obs

#define OBS_STATUS_CONCAT_INNER(a, b) a##b
#define OBS_STATUS_CONCAT(a, b) OBS_STATUS_CONCAT_INNER(a, b)

// Returns the Status of `expr` (a Status or Result) from the enclosing function if it is not OK.
#define OBS_RETURN_IF_ERROR(expr)                                  \
  do {                                                             \
    ::obs::Status obs_status_ = ::obs::internal::ToStatus((expr)); \
    if (!obs_status_.ok())                                         \
      return obs_status_;                                          \
  } while (false)

// `lhs = value of expr` (a Result<T>), or returns its Status from the enclosing function.
#define OBS_ASSIGN_OR_RETURN(lhs, expr) \
  OBS_ASSIGN_OR_RETURN_IMPL(OBS_STATUS_CONCAT(obs_result_, __LINE__), lhs, expr)
#define OBS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok())                                  \
    return tmp.status();                          \
  lhs = std::move(tmp).value()
