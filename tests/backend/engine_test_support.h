// Shared fixture of the PromQL engine tests: a Storage to write hand-made
// samples into, an Engine over it, and the answer of a query as its JSON
// `data` text or "<errorType>: <message>".

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "obs/testing/status_matchers.h"
#include "obs/wire/remote_write.h"

#include "query/engine.h"
#include "store/storage.h"

namespace obs::backend::testing {

using LabelList = std::vector<std::pair<std::string_view, std::string_view>>;

class EngineFixture : public ::testing::Test {
 protected:
  void Add(const LabelList& labels, std::vector<wire::Sample> samples) {
    wire::WriteRequestView req;
    wire::TimeSeriesView ts;
    for (const auto& [n, v] : labels) {
      ts.labels.push_back({n, v});
    }
    ts.samples = std::move(samples);
    req.timeseries.push_back(std::move(ts));
    ASSERT_OK(storage_.Append(req));
  }

  static std::string Render(const std::variant<std::string, QueryError>& r) {
    if (const auto* e = std::get_if<QueryError>(&r)) {
      return std::string(QueryErrorTypeName(e->type)) + ": " + e->message;
    }
    return std::get<std::string>(r);
  }

  std::string Instant(std::string_view q, std::int64_t t_ms) {
    return Render(engine_.InstantQuery(q, t_ms, 0));
  }
  std::string Range(std::string_view q, std::int64_t start, std::int64_t end, std::int64_t step) {
    return Render(engine_.RangeQuery(q, start, end, step, 0));
  }

  Storage storage_;
  Engine engine_{storage_, EngineOptions{}};
};

}  // namespace obs::backend::testing
