#include "svg_chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "obs/assertions/format.h"

namespace obs::reports::internal {
namespace {

using assertions::FormatFixed;
using assertions::FormatTrimmed;

constexpr double kWidth = 600;  // Two side by side on a 1280 px screen.
constexpr double kHeight = 260;
constexpr double kLeft = 64;
constexpr double kRight = 28;  // Room for the last x tick label.
constexpr double kBottom = 38;
constexpr double kLegendRow = 16;
constexpr double kCharWidth = 6.6;  // Estimated advance at font-size 11.

constexpr std::array<std::string_view, 8> kPalette = {"#0072b2", "#e69f00", "#009e73", "#d55e00",
                                                      "#7b3fa0", "#8c564b", "#cc79a7", "#6b6b6b"};

// Pixel coordinates with one decimal (locale independent).
std::string Px(double v) {
  if (!std::isfinite(v)) {
    v = 0;
  }
  std::string s = FormatFixed(v, 1);
  if (s.size() > 2 && s.ends_with(".0")) {
    s.resize(s.size() - 2);
  }
  return s == "-0" ? "0" : s;
}

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) {
    n += (static_cast<unsigned char>(c) & 0xC0) == 0x80 ? 0 : 1;
  }
  return n;
}

// `s` cut to at most `max` code points, with an ellipsis when cut.
std::string Clip(std::string_view s, std::size_t max) {
  if (CodePoints(s) <= max) {
    return std::string(s);
  }
  std::size_t n = 0;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && ++n > max - 1) {
      break;
    }
  }
  return std::string(s.substr(0, i)) + "…";
}

bool IsGap(double y, YAxis axis) {
  return !std::isfinite(y) || (axis == YAxis::kLog && y <= 0);
}

double NiceStep(double range, double target_ticks) {
  const double raw = range / target_ticks;
  if (!(raw > 0) || !std::isfinite(raw)) {
    return 1;
  }
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  return nice * mag;
}

struct Scale {
  double factor = 1;
  std::string suffix;
};

Scale ScaleFor(AxisUnit unit, double magnitude) {
  const double m = std::abs(magnitude);
  switch (unit) {
    case AxisUnit::kNumber:
    case AxisUnit::kPerSecond: {
      const std::string per = unit == AxisUnit::kPerSecond ? "/s" : "";
      if (m >= 1e9) {
        return {1e9, "G" + per};
      }
      if (m >= 1e6) {
        return {1e6, "M" + per};
      }
      if (m >= 1e3) {
        return {1e3, "k" + per};
      }
      return {1, per};
    }
    case AxisUnit::kSeconds:
    case AxisUnit::kDurationNs: {
      const double ns = unit == AxisUnit::kSeconds ? 1e-9 : 1;  // Factor of one ns.
      const double v = m / ns;
      if (v >= 1e9) {
        return {1e9 * ns, " s"};
      }
      if (v >= 1e6) {
        return {1e6 * ns, " ms"};
      }
      if (v >= 1e3) {
        return {1e3 * ns, " µs"};
      }
      return {ns, " ns"};
    }
    case AxisUnit::kBytes: {
      if (m >= 1024.0 * 1024 * 1024) {
        return {1024.0 * 1024 * 1024, " GiB"};
      }
      if (m >= 1024.0 * 1024) {
        return {1024.0 * 1024, " MiB"};
      }
      if (m >= 1024.0) {
        return {1024.0, " KiB"};
      }
      return {1, " B"};
    }
    case AxisUnit::kRatio:
      return {0.01, "%"};
  }
  return {};
}

std::string TimeLabel(double t, double x_max) {
  return x_max >= 600 ? FormatTrimmed(t / 60, 1) + " min" : FormatTrimmed(t, 2) + " s";
}

// Tick positions of a time axis from 0 to `x_max` seconds: round seconds, or
// round minutes from 10 minutes on.
std::vector<double> TimeTicks(double x_max) {
  const double unit = x_max >= 600 ? 60 : 1;
  const double step = NiceStep(x_max / unit, 8) * unit;
  std::vector<double> ticks;
  for (int i = 0; i * step <= x_max * (1 + 1e-9); ++i) {
    ticks.push_back(i * step);
  }
  return ticks;
}

double SpectrumX(double percentile) {
  return std::log10(100.0 / std::max(1e-9, 100.0 - percentile));
}

struct Tick {
  double value = 0;  // In axis space (log10 for log axes, SpectrumX for spectra).
  std::string label;
};

std::vector<Tick> LinearTicks(double top, AxisUnit unit) {
  const Scale scale = ScaleFor(unit, top);
  const double step = NiceStep(top / scale.factor, 5) * scale.factor;
  std::vector<Tick> ticks;
  for (int i = 0; i * step <= top * (1 + 1e-9); ++i) {
    const double v = i * step;
    ticks.push_back({v, FormatTrimmed(v / scale.factor, 2) + scale.suffix});
  }
  return ticks;
}

std::vector<Tick> LogTicks(double lo_decade, double hi_decade, AxisUnit unit) {
  std::vector<Tick> ticks;
  const bool fine = hi_decade - lo_decade <= 2;
  const int stride = hi_decade - lo_decade > 6 ? 2 : 1;
  for (auto d = static_cast<int>(lo_decade); d <= static_cast<int>(hi_decade); d += stride) {
    for (const double m : {1.0, 2.0, 5.0}) {
      if (m != 1 && (!fine || d == static_cast<int>(hi_decade))) {
        continue;
      }
      const double v = m * std::pow(10.0, d);
      ticks.push_back({std::log10(v), FormatAxisValue(v, unit)});
    }
  }
  return ticks;
}

std::string OpenSvg(const std::string& id, double width, double height, const std::string& title) {
  return "<svg class=\"chart\" id=\"" + id + "\" width=\"" + Px(width) + "\" height=\"" +
         Px(height) + "\" viewBox=\"0 0 " + Px(width) + " " + Px(height) +
         "\" role=\"img\" aria-label=\"" + HtmlEscape(title) + "\"><title>" + HtmlEscape(title) +
         "</title>";
}

std::string Text(double x, double y, std::string_view anchor, const std::string& escaped,
                 std::string_view cls = "") {
  return "<text x=\"" + Px(x) + "\" y=\"" + Px(y) + "\" text-anchor=\"" + std::string(anchor) +
         "\"" + (cls.empty() ? "" : " class=\"" + std::string(cls) + "\"") + ">" + escaped +
         "</text>";
}

std::string Line(double x1, double y1, double x2, double y2, std::string_view cls) {
  return "<line x1=\"" + Px(x1) + "\" y1=\"" + Px(y1) + "\" x2=\"" + Px(x2) + "\" y2=\"" + Px(y2) +
         "\" class=\"" + std::string(cls) + "\"/>";
}

// Swatches and names in rows from the left; returns the height used.
double Legend(const std::vector<LegendEntry>& entries, const std::vector<bool>& filled, double left,
              double right, std::string& out) {
  if (entries.empty()) {
    return 0;
  }
  double x = left;
  double y = 14;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string name = Clip(entries[i].name, 60);
    const double w = 22 + kCharWidth * static_cast<double>(CodePoints(name)) + 14;
    if (x > left && x + w > right) {
      x = left;
      y += kLegendRow;
    }
    const std::string_view color = ColorHex(entries[i].color);
    if (i < filled.size() && filled[i]) {
      out += "<rect x=\"" + Px(x) + "\" y=\"" + Px(y - 8) + "\" width=\"16\" height=\"9\" fill=\"" +
             std::string(color) + "\" fill-opacity=\"0.5\" stroke=\"" + std::string(color) + "\"/>";
    } else {
      out += "<line x1=\"" + Px(x) + "\" y1=\"" + Px(y - 4) + "\" x2=\"" + Px(x + 16) + "\" y2=\"" +
             Px(y - 4) + "\" stroke=\"" + std::string(color) + "\" stroke-width=\"2.5\"/>";
    }
    out += Text(x + 22, y, "start", HtmlEscape(name), "legend");
    x += w;
  }
  return y + 8;
}

struct Plot {
  double left = kLeft, right = kWidth - kRight, top = 0, bottom = kHeight - kBottom;
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  double X(double v) const { return left + (v - x_lo) / (x_hi - x_lo) * (right - left); }
  double Y(double v) const {
    return bottom - (std::clamp(v, y_lo, y_hi) - y_lo) / (y_hi - y_lo) * (bottom - top);
  }
};

// The path of one series (possibly several sub-paths split at gaps) plus
// circles for points with no neighbour to join.
std::string SeriesPath(const ChartSeries& s, const Plot& p, YAxis axis, XAxis x_axis) {
  const auto xv = [&](double x) {
    return p.X(x_axis == XAxis::kPercentileSpectrum ? SpectrumX(x) : x);
  };
  const auto yv = [&](double y) {
    return p.Y(axis == YAxis::kLog ? std::log10(y) : y);
  };
  const bool step = s.style == SeriesStyle::kStep || s.style == SeriesStyle::kDashedStep ||
                    s.style == SeriesStyle::kStepArea;
  std::string d;
  std::string dots;
  const std::size_t n = s.points.size();
  const std::size_t usable =
      step && n > 0 ? n - 1 : n;  // Steps: the last point ends the last step.
  std::size_t i = 0;
  while (i < usable) {
    if (IsGap(s.points[i].y, axis)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j + 1 < usable && !IsGap(s.points[j + 1].y, axis)) {
      ++j;
    }
    if (step) {
      d += "M" + Px(xv(s.points[i].x)) + " " + Px(yv(s.points[i].y));
      for (std::size_t k = i; k <= j; ++k) {
        if (k > i) {
          d += "V" + Px(yv(s.points[k].y));
        }
        d += "H" + Px(xv(s.points[k + 1].x));
      }
      if (s.style == SeriesStyle::kStepArea) {
        d += "V" + Px(p.bottom) + "H" + Px(xv(s.points[i].x)) + "Z";
      }
    } else if (j == i) {
      dots += "<circle cx=\"" + Px(xv(s.points[i].x)) + "\" cy=\"" + Px(yv(s.points[i].y)) +
              "\" r=\"2.5\" fill=\"" + std::string(ColorHex(s.color)) + "\"/>";
    } else {
      for (std::size_t k = i; k <= j; ++k) {
        d += (k == i ? "M" : "L") + Px(xv(s.points[k].x)) + " " + Px(yv(s.points[k].y));
      }
    }
    i = j + 1;
  }
  std::string out;
  const std::string color(ColorHex(s.color));
  if (!d.empty()) {
    out += "<path d=\"" + d + "\" stroke=\"" + color + "\" stroke-width=\"1.8\" fill=\"" +
           (s.style == SeriesStyle::kStepArea ? color + "\" fill-opacity=\"0.35" : "none") + "\"" +
           (s.style == SeriesStyle::kDashed || s.style == SeriesStyle::kDashedStep
                ? " stroke-dasharray=\"6 4\""
                : "") +
           "><title>" + HtmlEscape(s.name) + "</title></path>";
  }
  return out + dots;
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  const auto cont = [&](std::size_t i, unsigned char lo, unsigned char hi) {
    if (i >= text.size()) {
      return false;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    return c >= lo && c <= hi;
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&#39;";
          break;
        default:
          if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
            out += "\xEF\xBF\xBD";
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Well-formed UTF-8 only (no overlongs, surrogates or values above U+10FFFF).
    std::size_t len = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = cont(i + 1, 0x80, 0xBF) ? 2 : 0;
    } else if (c >= 0xE0 && c <= 0xEF) {
      const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
      const unsigned char hi = c == 0xED ? 0x9F : 0xBF;
      len = cont(i + 1, lo, hi) && cont(i + 2, 0x80, 0xBF) ? 3 : 0;
    } else if (c >= 0xF0 && c <= 0xF4) {
      const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
      const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;
      len = cont(i + 1, lo, hi) && cont(i + 2, 0x80, 0xBF) && cont(i + 3, 0x80, 0xBF) ? 4 : 0;
    }
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

Color PaletteColor(std::size_t i) {
  return static_cast<Color>(i % kPalette.size());
}

std::string_view ColorHex(Color c) {
  return kPalette[static_cast<std::size_t>(c) % kPalette.size()];
}

std::string FormatAxisValue(double value, AxisUnit unit) {
  const Scale scale = ScaleFor(unit, value);
  return FormatTrimmed(value / scale.factor, unit == AxisUnit::kRatio ? 3 : 2) + scale.suffix;
}

std::string RenderLineChart(const LineChartSpec& spec) {
  const bool log = spec.y_axis == YAxis::kLog;
  const bool spectrum = spec.x_axis == XAxis::kPercentileSpectrum;
  double x_max = spec.x_max;
  double y_min = std::numeric_limits<double>::infinity();
  double y_max = -std::numeric_limits<double>::infinity();
  bool any = false;
  std::vector<LegendEntry> legend;
  std::vector<bool> filled;
  for (const ChartSeries& s : spec.series) {
    legend.push_back({s.name, s.color});
    filled.push_back(s.style == SeriesStyle::kStepArea);
    const bool step = s.style == SeriesStyle::kStep || s.style == SeriesStyle::kDashedStep ||
                      s.style == SeriesStyle::kStepArea;
    for (std::size_t i = 0; i < s.points.size(); ++i) {
      const ChartPoint& pt = s.points[i];
      if (spec.x_max <= 0) {
        x_max = std::max(x_max, spectrum ? SpectrumX(pt.x) : pt.x);
      }
      if ((step && i + 1 == s.points.size()) || IsGap(pt.y, spec.y_axis)) {
        continue;
      }
      any = true;
      y_min = std::min(y_min, pt.y);
      y_max = std::max(y_max, pt.y);
    }
  }
  std::string body;
  Plot p;
  p.top = std::max(28.0, Legend(legend, filled, kLeft, kWidth - kRight, body) + 10);
  p.x_hi = x_max > 0 ? x_max : 1;
  std::vector<Tick> y_ticks;
  if (!any) {
    y_ticks = LinearTicks(1, spec.y_unit);
  } else if (log) {
    p.y_lo = std::floor(std::log10(y_min));
    p.y_hi = std::max(p.y_lo + 1, std::ceil(std::log10(y_max)));
    y_ticks = LogTicks(p.y_lo, p.y_hi, spec.y_unit);
  } else {
    p.y_hi = y_max > 0 ? y_max : 1;
    y_ticks = LinearTicks(p.y_hi, spec.y_unit);
    p.y_hi = std::max(p.y_hi, y_ticks.back().value);
  }
  std::vector<Tick> x_ticks;
  if (spectrum) {
    p.x_hi = std::max(1.0, std::ceil(p.x_hi - 1e-9));
    for (int d = 0; d <= static_cast<int>(p.x_hi); ++d) {
      x_ticks.push_back({static_cast<double>(d),
                         d == 0 ? "0%" : FormatTrimmed(100 - std::pow(10.0, 2 - d), 6) + "%"});
    }
  } else {
    for (const double t : TimeTicks(p.x_hi)) {
      x_ticks.push_back({t, TimeLabel(t, p.x_hi)});
    }
  }
  std::string grid;
  for (const Tick& t : y_ticks) {
    const double y = p.Y(t.value);
    grid += Line(p.left, y, p.right, y, "grid") + Text(p.left - 6, y + 4, "end", t.label, "tick");
  }
  for (const Tick& t : x_ticks) {
    const double x = p.X(t.value);
    grid += Line(x, p.bottom, x, p.bottom + 4, "axis") +
            Text(x, p.bottom + 16, "middle", t.label, "tick");
  }
  grid += Line(p.left, p.bottom, p.right, p.bottom, "axis") +
          Line(p.left, p.top, p.left, p.bottom, "axis");
  grid += Text((p.left + p.right) / 2, kHeight - 4, "middle",
               spectrum ? "percentile" : "time since the load started", "axis-title");
  if (!spec.y_label.empty()) {
    grid += "<text transform=\"translate(12 " + Px((p.top + p.bottom) / 2) +
            ") rotate(-90)\" text-anchor=\"middle\" class=\"axis-title\">" +
            HtmlEscape(spec.y_label) + "</text>";
  }
  std::string series;
  for (const ChartSeries& s : spec.series) {
    series += SeriesPath(s, p, spec.y_axis, spec.x_axis);
  }
  if (!any) {
    series += Text((p.left + p.right) / 2, (p.top + p.bottom) / 2, "middle", "no data", "nodata");
  }
  return "<figure class=\"chart\"><figcaption>" + HtmlEscape(spec.title) + "</figcaption>" +
         OpenSvg(spec.id, kWidth, kHeight, spec.title) + body + grid + series + "</svg></figure>\n";
}

std::string RenderTimelineChart(const TimelineSpec& spec) {
  constexpr double kLabelWidth = 180;
  constexpr double kRow = 24;
  double x_max = spec.x_max;
  if (x_max <= 0) {
    for (const TimelineRow& r : spec.rows) {
      for (const TimelineSpan& s : r.spans) {
        x_max = std::max({x_max, s.start, s.end});
      }
      for (const TimelineMark& m : r.marks) {
        x_max = std::max(x_max, m.t);
      }
    }
  }
  Plot p;
  p.left = kLabelWidth;
  p.x_hi = x_max > 0 ? x_max : 1;
  std::string body;
  p.top = std::max(24.0, Legend(spec.legend, {}, kLeft, kWidth - kRight, body) + 10);
  p.bottom = p.top + kRow * static_cast<double>(std::max<std::size_t>(1, spec.rows.size()));
  const double height = p.bottom + 40;
  for (const double t : TimeTicks(p.x_hi)) {
    const double x = p.X(t);
    body += Line(x, p.top, x, p.bottom, "grid") +
            Text(x, p.bottom + 16, "middle", TimeLabel(t, p.x_hi), "tick");
  }
  body += Line(p.left, p.bottom, p.right, p.bottom, "axis") +
          Text((p.left + p.right) / 2, height - 6, "middle", "scenario time", "axis-title");
  for (std::size_t r = 0; r < spec.rows.size(); ++r) {
    const TimelineRow& row = spec.rows[r];
    const double y = p.top + kRow * static_cast<double>(r);
    body += Text(p.left - 8, y + 16, "end", HtmlEscape(Clip(row.label, 26)), "row-label");
    for (const TimelineSpan& s : row.spans) {
      const double x1 = p.X(std::clamp(s.start, 0.0, p.x_hi));
      const double x2 = p.X(s.end < 0 ? p.x_hi : std::clamp(s.end, 0.0, p.x_hi));
      body += "<rect x=\"" + Px(x1) + "\" y=\"" + Px(y + 5) + "\" width=\"" +
              Px(std::max(1.5, x2 - x1)) + "\" height=\"14\" fill=\"" +
              std::string(ColorHex(s.color)) + "\" fill-opacity=\"0.75\"/>";
    }
    for (const TimelineMark& m : row.marks) {
      const double x = p.X(std::clamp(m.t, 0.0, p.x_hi));
      const std::string color(ColorHex(m.color));
      body += "<g><title>" + HtmlEscape(m.label) + "</title><line x1=\"" + Px(x) + "\" y1=\"" +
              Px(y + 3) + "\" x2=\"" + Px(x) + "\" y2=\"" + Px(y + 21) + "\" stroke=\"" + color +
              "\" stroke-width=\"2\"/><circle cx=\"" + Px(x) + "\" cy=\"" + Px(y + 4) +
              "\" r=\"3.5\" fill=\"" + color + "\"/></g>";
    }
  }
  if (spec.rows.empty()) {
    body += Text((p.left + p.right) / 2, p.top + 16, "middle", "nothing to show", "nodata");
  }
  return "<figure class=\"chart\"><figcaption>" + HtmlEscape(spec.title) + "</figcaption>" +
         OpenSvg(spec.id, kWidth, height, spec.title) + body + "</svg></figure>\n";
}

std::string RenderRangeChart(const RangeChartSpec& spec) {
  constexpr double kW = 360;
  constexpr double kH = 78;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  const auto see = [&](double v) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  };
  for (const double v : spec.baseline) {
    see(v);
  }
  for (const double v : spec.current) {
    see(v);
  }
  see(spec.baseline_median);
  see(spec.current_median);
  if (spec.has_interval) {
    see(spec.interval_low);
    see(spec.interval_high);
  }
  if (!(lo <= hi)) {
    lo = 0;
    hi = 1;
  }
  const double pad = hi > lo ? (hi - lo) * 0.08 : std::max(std::abs(hi) * 0.1, 1e-9);
  Plot p;
  p.left = 70;
  p.right = kW - 14;
  p.x_lo = lo - pad;
  p.x_hi = hi + pad;
  std::string body;
  const std::string current_color(ColorHex(spec.current_color));
  const std::string base_color(ColorHex(Color::kGrey));
  const auto row = [&](double y, const std::vector<double>& values, double median,
                       const std::string& color, std::string_view label) {
    std::string out = Text(p.left - 8, y + 4, "end", std::string(label), "row-label") +
                      Line(p.left, y, p.right, y, "grid");
    for (const double v : values) {
      out += "<circle cx=\"" + Px(p.X(v)) + "\" cy=\"" + Px(y) + "\" r=\"3\" fill=\"" + color +
             "\" fill-opacity=\"0.55\"/>";
    }
    return out + "<line x1=\"" + Px(p.X(median)) + "\" y1=\"" + Px(y - 8) + "\" x2=\"" +
           Px(p.X(median)) + "\" y2=\"" + Px(y + 8) + "\" stroke=\"" + color +
           "\" stroke-width=\"3\"><title>median " + HtmlEscape(FormatAxisValue(median, spec.unit)) +
           "</title></line>";
  };
  if (spec.has_interval) {
    const double x1 = p.X(std::min(spec.interval_low, spec.interval_high));
    const double x2 = p.X(std::max(spec.interval_low, spec.interval_high));
    body += "<rect x=\"" + Px(x1) + "\" y=\"38\" width=\"" + Px(std::max(1.5, x2 - x1)) +
            "\" height=\"16\" fill=\"" + current_color +
            "\" fill-opacity=\"0.2\"><title>95% interval</title></rect>";
  }
  body += row(20, spec.baseline, spec.baseline_median, base_color, "baseline");
  body += row(46, spec.current, spec.current_median, current_color, "current");
  body += Text(p.X(lo), kH - 6, "middle", HtmlEscape(FormatAxisValue(lo, spec.unit)), "tick");
  if (hi > lo) {
    body += Text(p.X(hi), kH - 6, "middle", HtmlEscape(FormatAxisValue(hi, spec.unit)), "tick");
  }
  return OpenSvg(spec.id, kW, kH, spec.title) + body + "</svg>";
}

std::string RenderBarChart(const BarChartSpec& spec) {
  double top = 0;
  const auto see = [&top](double v) {
    if (std::isfinite(v)) {
      top = std::max(top, v);
    }
  };
  for (const Bar& b : spec.bars) {
    see(b.value);
    if (b.has_interval) {
      see(b.interval_low);
      see(b.interval_high);
    }
  }
  Plot p;
  p.top = 28;
  p.y_hi = top > 0 ? top * 1.12 : 1;  // Headroom for the value labels.
  const std::vector<Tick> y_ticks = LinearTicks(p.y_hi, spec.unit);
  p.y_hi = std::max(p.y_hi, y_ticks.back().value);
  std::string body;
  for (const Tick& t : y_ticks) {
    const double y = p.Y(t.value);
    body += Line(p.left, y, p.right, y, "grid") + Text(p.left - 6, y + 4, "end", t.label, "tick");
  }
  body += Line(p.left, p.bottom, p.right, p.bottom, "axis") +
          Line(p.left, p.top, p.left, p.bottom, "axis");
  if (!spec.y_label.empty()) {
    body += "<text transform=\"translate(12 " + Px((p.top + p.bottom) / 2) +
            ") rotate(-90)\" text-anchor=\"middle\" class=\"axis-title\">" +
            HtmlEscape(spec.y_label) + "</text>";
  }
  const double slot =
      (p.right - p.left) / static_cast<double>(std::max<std::size_t>(1, spec.bars.size()));
  const double width = std::min(72.0, slot * 0.55);
  const auto max_chars = static_cast<std::size_t>(std::max(4.0, slot / kCharWidth));
  for (std::size_t i = 0; i < spec.bars.size(); ++i) {
    const Bar& b = spec.bars[i];
    const double cx = p.left + slot * (static_cast<double>(i) + 0.5);
    body += Text(cx, p.bottom + 16, "middle", HtmlEscape(Clip(b.label, max_chars)), "tick");
    if (!std::isfinite(b.value)) {
      body += Text(cx, p.bottom - 8, "middle", "no data", "nodata");
      continue;
    }
    const std::string color(ColorHex(b.color));
    const bool whisker =
        b.has_interval && std::isfinite(b.interval_low) && std::isfinite(b.interval_high);
    std::string tip = b.label + ": " + FormatAxisValue(b.value, spec.unit);
    if (whisker) {
      tip += "; 95% CI " + FormatAxisValue(b.interval_low, spec.unit) + " … " +
             FormatAxisValue(b.interval_high, spec.unit);
    }
    if (!b.note.empty()) {
      tip += "; " + b.note;
    }
    const double y = p.Y(b.value);
    std::string bar = "<g><title>" + HtmlEscape(tip) + "</title><rect x=\"" + Px(cx - width / 2) +
                      "\" y=\"" + Px(y) + "\" width=\"" + Px(width) + "\" height=\"" +
                      Px(std::max(0.0, p.bottom - y)) + "\" fill=\"" + color +
                      "\" fill-opacity=\"0.75\"/>";
    double label_y = y;
    if (whisker) {
      const double lo = p.Y(std::min(b.interval_low, b.interval_high));
      const double hi = p.Y(std::max(b.interval_low, b.interval_high));
      const std::string stroke = "\" stroke=\"#1f2328\" stroke-width=\"1.5\"/>";
      bar += "<line x1=\"" + Px(cx) + "\" y1=\"" + Px(lo) + "\" x2=\"" + Px(cx) + "\" y2=\"" +
             Px(hi) + stroke;
      for (const double cap : {lo, hi}) {
        bar += "<line x1=\"" + Px(cx - 8) + "\" y1=\"" + Px(cap) + "\" x2=\"" + Px(cx + 8) +
               "\" y2=\"" + Px(cap) + stroke;
      }
      label_y = std::min(label_y, hi);
    }
    bar += Text(cx, label_y - 6, "middle", HtmlEscape(FormatAxisValue(b.value, spec.unit)), "tick");
    body += bar + "</g>";
  }
  if (spec.bars.empty()) {
    body += Text((p.left + p.right) / 2, (p.top + p.bottom) / 2, "middle", "no data", "nodata");
  }
  return "<figure class=\"chart\"><figcaption>" + HtmlEscape(spec.title) + "</figcaption>" +
         OpenSvg(spec.id, kWidth, kHeight, spec.title) + body + "</svg></figure>\n";
}

}  // namespace obs::reports::internal
