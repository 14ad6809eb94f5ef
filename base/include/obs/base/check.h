// OBS_CHECK(cond) << "context" aborts the process with file, line, the failed
// condition and the streamed context when `cond` is false. It is for bugs:
// violated preconditions and broken invariants, never for expected failures
// (those return obs::Status). Active in every build type.
//
// Thread safety: safe from any thread; the message is written to stderr in
// one call before abort().

#pragma once

#include <sstream>

namespace obs::internal {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure();

  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Lets `OBS_CHECK(c) << x` parse as a void expression in both branches.
struct Voidify {
  void operator&(std::ostream& /*unused*/) {}
};

}  // namespace obs::internal

#define OBS_CHECK(condition)                 \
  (condition) ? (void)0                      \
              : ::obs::internal::Voidify() & \
                    ::obs::internal::CheckFailure(__FILE__, __LINE__, #condition).stream()
