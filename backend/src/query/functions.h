// The PromQL function table: name, argument and return types, and the
// implementation. Range functions (`rate`, `*_over_time`) see the points of
// one series inside the range window; element functions (`abs`,
// `timestamp`) map one sample. Adding a function is one table entry.
//
// Thread safety: the table is immutable static data.

#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "obs/wire/remote_write.h"

#include "query/ast.h"

namespace obs::backend::query {

// What a range function knows about its window: [range_start, range_end]
// (eval time minus offset), its length, and the non-stale points in it.
struct RangeWindow {
  std::int64_t range_start = 0;
  std::int64_t range_end = 0;
  std::int64_t range_ms = 0;
};

using RangeFn = std::optional<double> (*)(const std::vector<wire::Sample>& points,
                                          const RangeWindow& window);
// `sample_t` is the sample's own timestamp for a plain selector, else the eval time.
using ElementFn = double (*)(double v, std::int64_t sample_t);

enum class FunctionKind {
  kRange,    // One range-vector argument -> instant vector.
  kElement,  // One instant-vector argument -> instant vector.
  kTime,     // time(): scalar eval time.
  kVector,   // vector(scalar) -> one sample without labels.
  kScalar,   // scalar(vector) -> the single value, or NaN.
};

struct FunctionDef {
  std::string_view name;
  std::vector<ValueType> arg_types;
  ValueType return_type = ValueType::kVector;
  FunctionKind kind = FunctionKind::kElement;
  bool keeps_metric_name = false;  // last_over_time keeps __name__.
  RangeFn range_fn = nullptr;
  ElementFn element_fn = nullptr;
};

// The definition of function `name`, or null if PromQL has no such function here.
const FunctionDef* FindFunction(std::string_view name);

}  // namespace obs::backend::query
