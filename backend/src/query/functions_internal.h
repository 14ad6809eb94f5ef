// The implementations behind the function table (functions.cc), split by
// kind: range functions (functions_range.cc), date functions and general
// functions (functions_general.cc). Internal to the query module.

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "query/functions.h"

namespace obs::backend::query::internal {

using Points = std::span<const wire::Sample>;
using Scalars = std::span<const double>;

// Range functions.
std::optional<double> Rate(Points p, const RangeWindow& w, Scalars s);
std::optional<double> Increase(Points p, const RangeWindow& w, Scalars s);
std::optional<double> Delta(Points p, const RangeWindow& w, Scalars s);
std::optional<double> Irate(Points p, const RangeWindow& w, Scalars s);
std::optional<double> Idelta(Points p, const RangeWindow& w, Scalars s);
std::optional<double> Changes(Points p, const RangeWindow& w, Scalars s);
std::optional<double> Resets(Points p, const RangeWindow& w, Scalars s);
std::optional<double> Deriv(Points p, const RangeWindow& w, Scalars s);
std::optional<double> PredictLinear(Points p, const RangeWindow& w, Scalars s);
std::optional<double> HoltWinters(Points p, const RangeWindow& w, Scalars s);
std::optional<double> AvgOverTime(Points p, const RangeWindow& w, Scalars s);
std::optional<double> MinOverTime(Points p, const RangeWindow& w, Scalars s);
std::optional<double> MaxOverTime(Points p, const RangeWindow& w, Scalars s);
std::optional<double> SumOverTime(Points p, const RangeWindow& w, Scalars s);
std::optional<double> CountOverTime(Points p, const RangeWindow& w, Scalars s);
std::optional<double> QuantileOverTime(Points p, const RangeWindow& w, Scalars s);
std::optional<double> StddevOverTime(Points p, const RangeWindow& w, Scalars s);
std::optional<double> StdvarOverTime(Points p, const RangeWindow& w, Scalars s);
std::optional<double> LastOverTime(Points p, const RangeWindow& w, Scalars s);
std::optional<double> PresentOverTime(Points p, const RangeWindow& w, Scalars s);

// Batch forms (RangeBatchFn) of AvgOverTime and SumOverTime.
void AvgOverTimeBatch(Points p, std::span<const PointRange> windows, std::span<double> out);
void SumOverTimeBatch(Points p, std::span<const PointRange> windows, std::span<double> out);

// Prometheus's `quantile` helper (NaN first when sorting; phi outside [0,1]
// gives -Inf/+Inf). `values` is sorted in place. Shared with the quantile
// aggregation.
double Quantile(double phi, std::vector<double>& values);

// Go's strconv.ParseFloat(text, 64) for label values such as `le`: decimal,
// exponent, hex, and case-insensitive [+-]Inf/Infinity/NaN; the whole text
// must be consumed. False on a syntax error.
bool ParseGoFloat(std::string_view text, double& out);

// Date functions on a value in unix seconds, UTC.
double DayOfMonth(double v, std::int64_t t, Scalars s);
double DayOfWeek(double v, std::int64_t t, Scalars s);
double DayOfYear(double v, std::int64_t t, Scalars s);
double DaysInMonth(double v, std::int64_t t, Scalars s);
double Hour(double v, std::int64_t t, Scalars s);
double Minute(double v, std::int64_t t, Scalars s);
double Month(double v, std::int64_t t, Scalars s);
double Year(double v, std::int64_t t, Scalars s);

// General functions.
Value Time(GeneralCall& c);
Value Pi(GeneralCall& c);
Value VectorOf(GeneralCall& c);
Value ScalarOf(GeneralCall& c);
Value Sort(GeneralCall& c);
Value SortDesc(GeneralCall& c);
Value Clamp(GeneralCall& c);
Value Absent(GeneralCall& c);
Value AbsentOverTime(GeneralCall& c);
Value HistogramQuantile(GeneralCall& c);
Value LabelReplace(GeneralCall& c);
Value LabelJoin(GeneralCall& c);

}  // namespace obs::backend::query::internal
