// Feeds arbitrary text to the LogQL parser and evaluates whatever parses
// against a small log store (log and metric queries, both directions). A
// crash, a hang or undefined behaviour is a bug; parse errors are fine.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "logs/log_store.h"
#include "logs/logql.h"

namespace {

const obs::backend::logs::LogStore& Store() {
  static const auto* store = [] {
    auto* s = new obs::backend::logs::LogStore();
    obs::wire::loki::PushRequest r;
    r.streams.push_back({{{"app", "api"}, {"env", "prod"}},
                         {{1000000000, R"({"level":"error","status":500,"a":{"b":1}})", {}},
                          {2000000000, "level=info msg=\"ok\" duration=3.5", {}},
                          {3000000000, "plain text line", {}}}});
    r.streams.push_back({{{"app", "web"}}, {{1500000000, "GET /x 200", {}}}});
    (void)s->Append(r);
    return s;
  }();
  return *store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto q = obs::backend::logs::ParseLogQL(text);
  if (!q.ok()) {
    return 0;
  }
  if (q->metric) {
    (void)obs::backend::logs::EvalMetricQuery(Store(), *q, 0, 5000000000, 500000000);
  } else {
    (void)obs::backend::logs::EvalLogQuery(Store(), *q, 0, 5000000000, 10, true);
    (void)obs::backend::logs::EvalLogQuery(Store(), *q, 0, 5000000000, 10, false);
  }
  return 0;
}
