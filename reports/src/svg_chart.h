// A small chart library for report.html and compare.html: line charts with
// several series over a time or percentile-spectrum axis (linear or
// log-latency values), step and area series for counts, a timeline chart for
// alerts and a range chart for a compare figure. Every chart is one
// self-contained inline <svg> (no scripts, no external references) with a
// fixed width and height, so it has a size before any layout, and a legend.
// HtmlEscape is the one escaping function for all text of the HTML writers:
// every label that reaches a chart passes through it here.
//
// Output is deterministic and locale-independent: coordinates and labels are
// formatted with the obs::assertions helpers (std::to_chars underneath).
//
// Thread safety: stateless.

#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace obs::reports::internal {

// Text for HTML or SVG content and attribute values: & < > " ' become
// entities, control characters other than tab, LF and CR and invalid UTF-8
// become U+FFFD. Safe in element content and in double- or single-quoted
// attributes; never put its output in unquoted attributes, <script> or <style>.
std::string HtmlEscape(std::string_view text);

// Palette entries (colour-blind friendly, readable on white).
enum class Color : std::uint8_t { kBlue, kOrange, kGreen, kRed, kPurple, kBrown, kPink, kGrey };

// Colour number `i` of the palette, cycling: for the i-th series of a chart.
Color PaletteColor(std::size_t i);

// "#0072b2" for Color::kBlue, etc.
std::string_view ColorHex(Color c);

// How values on an axis are labelled.
enum class AxisUnit : std::uint8_t {
  kNumber,      // 1.5k, 20M
  kPerSecond,   // 1.5k/s
  kDurationNs,  // 500 µs, 2 ms, 1.5 s (values in nanoseconds)
  kSeconds,     // 250 ms, 1.5 s (values in seconds)
  kBytes,       // 512 KiB, 1.5 GiB
  kRatio,       // 0.5 -> 50%
};

enum class SeriesStyle : std::uint8_t {
  kLine,    // Straight segments between points.
  kDashed,  // The same, dashed (a target, a second view).
  kStep,    // Each point's value holds until the next point's x.
  kDashedStep,
  kStepArea,  // kStep, filled down to zero.
};

struct ChartPoint {
  double x = 0;
  double y = 0;  // NaN: a gap (no data there). On a log axis, y <= 0 is a gap too.
};

struct ChartSeries {
  std::string name{};  // Legend text (escaped here).
  Color color = Color::kBlue;
  SeriesStyle style = SeriesStyle::kLine;
  // In ascending x. Step styles: the last point only marks where the last
  // step ends (its y is ignored).
  std::vector<ChartPoint> points{};
};

enum class XAxis : std::uint8_t {
  kTime,  // x in seconds from 0.
  // x is a percentile 0..100, placed at log10(100 / (100 - x)) so the tail
  // (90%, 99%, 99.9%, ...) gets as much room as the body.
  kPercentileSpectrum,
};

enum class YAxis : std::uint8_t { kLinear, kLog };

struct LineChartSpec {
  std::string id{};     // Element id, [a-z0-9-] only (the writer makes them).
  std::string title{};  // Caption and SVG <title> (escaped here).
  XAxis x_axis = XAxis::kTime;
  YAxis y_axis = YAxis::kLinear;
  AxisUnit y_unit = AxisUnit::kNumber;
  std::string y_label{};  // E.g. "items/s" (escaped here).
  double x_max = 0;       // Time axes: the extent shown; 0 = the data's.
  std::vector<ChartSeries> series{};
};

// A <figure class="chart"> with the caption and an <svg class="chart">.
// Series without points get a legend entry only; a chart with no point at
// all says "no data" in the plot area.
std::string RenderLineChart(const LineChartSpec& spec);

// Points of a percentile spectrum (XAxis::kPercentileSpectrum) from a value
// at each percentile: 10 points per decade of 1/(1 - p) up to where one
// value of `count` remains, then `max` there.
template <typename ValueAt>
std::vector<ChartPoint> SpectrumPoints(std::uint64_t count, double max, ValueAt value_at);

struct TimelineSpan {
  double start = 0;
  double end = -1;  // -1: to the end of the chart.
  Color color = Color::kBlue;
};

struct TimelineMark {
  double t = 0;
  Color color = Color::kRed;
  std::string label{};  // Tooltip (escaped here).
};

struct TimelineRow {
  std::string label{};  // Left of the row (escaped here).
  std::vector<TimelineSpan> spans{};
  std::vector<TimelineMark> marks{};
};

struct LegendEntry {
  std::string name{};
  Color color = Color::kBlue;
};

struct TimelineSpec {
  std::string id{};
  std::string title{};
  double x_max = 0;  // Seconds; 0 = the latest span or mark.
  std::vector<TimelineRow> rows{};
  std::vector<LegendEntry> legend{};
};

// Rows of bars (spans) and ticks (marks) over a shared time axis.
std::string RenderTimelineChart(const TimelineSpec& spec);

// One compare figure: every run's value on each side, the medians, and the
// 95% interval of the change drawn around the current median.
struct RangeChartSpec {
  std::string id{};
  std::string title{};
  AxisUnit unit = AxisUnit::kNumber;
  std::vector<double> baseline{};
  std::vector<double> current{};
  double baseline_median = 0;
  double current_median = 0;
  bool has_interval = false;
  double interval_low = 0;  // In the figure's values (not as a change).
  double interval_high = 0;
  Color current_color = Color::kGrey;  // The verdict's colour.
};

std::string RenderRangeChart(const RangeChartSpec& spec);

// One bar of a bar chart, with an optional interval drawn as a whisker.
struct Bar {
  std::string label{};  // Under the bar (escaped here).
  double value = 0;     // NaN: no bar ("no data").
  Color color = Color::kBlue;
  bool has_interval = false;
  double interval_low = 0;  // In the value's units (not as a change).
  double interval_high = 0;
  std::string note{};  // Appended to the bar's tooltip (escaped here).
};

struct BarChartSpec {
  std::string id{};     // Element id, [a-z0-9-] only.
  std::string title{};  // Caption and SVG <title> (escaped here).
  AxisUnit unit = AxisUnit::kNumber;
  std::string y_label{};  // (escaped here)
  std::vector<Bar> bars{};
};

// A <figure class="chart"> with vertical bars from zero in the order given,
// each labelled below and with its value above, intervals as whiskers with
// caps, and a tooltip per bar. Without bars it says "no data".
std::string RenderBarChart(const BarChartSpec& spec);

// Tick-style label of `value` in `unit`: "2 ms", "1.5k/s", "50%".
std::string FormatAxisValue(double value, AxisUnit unit);

// --- implementation of the template ---

template <typename ValueAt>
std::vector<ChartPoint> SpectrumPoints(std::uint64_t count, double max, ValueAt value_at) {
  std::vector<ChartPoint> points{};
  if (count == 0) {
    return points;
  }
  const double last = 100.0 * (1.0 - 1.0 / static_cast<double>(count));
  for (int k = 0;; ++k) {
    const double tail = std::pow(10.0, -k / 10.0);  // 1 - p
    const double p = 100.0 * (1.0 - tail);
    if (p > last) {
      break;
    }
    points.push_back({p, static_cast<double>(value_at(p))});
  }
  points.push_back({last, max});
  return points;
}

}  // namespace obs::reports::internal
