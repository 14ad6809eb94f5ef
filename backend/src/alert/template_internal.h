// Internals of the alert template engine shared by its two files:
// template.cc (parser and executor) and template_functions.cc (values and
// the function library).
//
// Thread safety: plain values and pure functions.

#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "alert/template.h"

namespace obs::backend::alert::template_internal {

// ---------------------------------------------------------------- values

// A Go map[string]any (the dot, `args`). Held through an opaque box so that
// std::map<std::string, Value> is not instantiated while Value is
// incomplete (clang rejects the recursive type traits that would need).
struct DictBox;
using StrMap = std::map<std::string, std::string>;
using Samples = std::vector<TemplateSample>;

struct Value {
  std::variant<std::monostate, bool, double, std::string, StrMap, Samples, TemplateSample,
               std::shared_ptr<const DictBox>>
      v;
};

struct DictBox {
  std::map<std::string, Value> entries;
};

struct TemplateError {
  std::string message;
};

Value Str(std::string s);
Value Num(double d);
bool Truth(const Value& x);           // Go's truthiness: false, 0, nil, empty.
std::string Printed(const Value& x);  // fmt's %v.
std::string ToString(const Value& x);
double ToFloat(const Value& x);  // Numbers, numeric strings, bools; else TemplateError.
// .field of a label map (missing = ""), of a dict or a query sample.
Value FieldOf(const Value& base, const std::string& field);
bool IsFunction(const std::string& name);
// Calls function `f` (not and/or, which the executor short-circuits).
Value CallFunction(const std::string& f, const std::vector<Value>& a, const TemplateData& data);

}  // namespace obs::backend::alert::template_internal
