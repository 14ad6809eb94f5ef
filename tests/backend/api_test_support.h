// Shared by the HTTP API tests: the Prometheus 2.42 response envelopes, and
// `ApiTest`, a fixture that owns a LoopbackBackend loaded with test series
// and fetches from it, aborting the binary (OBS_CHECK) when the HTTP exchange
// itself fails.
//
// Thread safety: test-only; a fixture is owned by one test.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "obs/base/check.h"
#include "obs/testing/loopback_backend.h"
#include "obs/testing/status_matchers.h"

namespace obs::backend::testing {

// {"status":"success","data":<data>}
inline std::string Success(std::string_view data) {
  return R"({"status":"success","data":)" + std::string(data) + "}";
}

// The body of a bad_data error carrying `message`.
inline std::string BadData(std::string_view message) {
  return R"({"status":"error","errorType":"bad_data","error":")" + std::string(message) + "\"}";
}

class ApiTest : public ::testing::Test {
 protected:
  // Starts the backend and writes `series`, which it must accept with a 204.
  void StartWith(const std::vector<::obs::testing::TestSeries>& series) {
    ASSERT_OK(backend_.Start());
    Result<::obs::testing::HttpResult> r = backend_.Write(series);
    ASSERT_OK(r);
    ASSERT_EQ(r->status, 204) << r->body;
  }

  ::obs::testing::HttpResult Get(std::string_view target) {
    Result<::obs::testing::HttpResult> r = backend_.Get(target);
    OBS_CHECK(r.ok()) << r.status();
    return *r;
  }

  ::obs::testing::LoopbackBackend backend_;
};

}  // namespace obs::backend::testing
