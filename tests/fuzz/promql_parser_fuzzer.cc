// Fuzzes the PromQL lexer and parser, then evaluates whatever parses against
// a tiny fixed storage as an instant and a range query. Whatever parses must
// print to text that parses again and prints the same (Prometheus's String()
// is a fixed point after one round). Any crash, sanitizer report or
// OBS_CHECK failure is a bug; errors are expected results.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "obs/base/check.h"
#include "obs/wire/remote_write.h"

#include "query/engine.h"
#include "query/lexer.h"
#include "query/parser.h"
#include "store/storage.h"

namespace {

const obs::backend::Storage& FuzzStorage() {
  static const obs::backend::Storage* storage = [] {
    auto* s = new obs::backend::Storage();
    obs::wire::WriteRequestView req;
    req.timeseries.push_back(
        {{{"__name__", "up"}, {"job", "a"}}, {{1, 0}, {1, 15000}, {0, 30000}}});
    req.timeseries.push_back(
        {{{"__name__", "up"}, {"job", "b"}}, {{1, 0}, {obs::wire::StaleNaN(), 15000}}});
    req.timeseries.push_back({{{"__name__", "c_total"}, {"job", "a"}}, {{5, 0}, {2, 30000}}});
    (void)s->Append(req);
    return s;
  }();
  return *storage;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  (void)obs::backend::query::Lex(query);
  auto parsed = obs::backend::query::ParseExpr(query);
  if (!parsed.ok()) {
    return 0;
  }
  const std::string printed = obs::backend::query::ExprToString(**parsed);
  auto reparsed = obs::backend::query::ParseExpr(printed);
  OBS_CHECK(reparsed.ok()) << "printed form does not parse: " << printed << ": "
                           << reparsed.status();
  OBS_CHECK(obs::backend::query::ExprToString(**reparsed) == printed)
      << "printing is not stable: " << printed;
  const obs::backend::Engine engine(FuzzStorage(),
                                    obs::backend::EngineOptions{.max_samples = 100000});
  (void)engine.InstantQuery(query, 30000, 1000);
  (void)engine.RangeQuery(query, 0, 60000, 15000, 1000);
  return 0;
}
