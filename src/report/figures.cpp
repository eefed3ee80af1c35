#include "figures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "font.hpp"
#include "orthotrack/report/report.hpp"

namespace orthotrack::report::detail {
namespace {

constexpr Rgb kInk{0x22, 0x22, 0x22};
constexpr Rgb kGrid{0xe4, 0xe4, 0xe4};
constexpr Rgb kAxis{0x55, 0x55, 0x55};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string fmtTick(double v, double step) {
  int decimals = step > 0 ? std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9))) : 2;
  decimals = std::min(decimals, 8);
  if (std::abs(v) < step * 1e-6) v = 0;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s(buf);
  if (s.rfind('-', 0) == 0) s = "\u2212" + s.substr(1);  // typographic minus
  return s;
}

std::string fmtValue(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

/// One drawable element of a time plot, in data units (t in unix ms).
struct Elem {
  enum class Kind { Line, Points, Bars } kind = Kind::Line;
  int axis = 0;
  Rgb colour;
  bool dashed = false;
  double width = 1.6;
  double radius = 3.0;
  double barMs = 0;
  std::vector<double> t, y, sigma;
  std::vector<std::string> tips;
};
struct LegendItem {
  std::string label;
  Rgb colour;
  Elem::Kind kind;
  bool dashed = false;
  bool withLine = false;
};
struct TimePlot {
  std::string title, yLabel, y2Label;
  std::vector<Elem> elems;
  std::vector<Marker> markers;
  std::vector<LegendItem> legend;
  std::optional<double> yMin, yMax, y2Min, y2Max;
  std::optional<DateTime> start, end;
  std::string svgClass = "ot-chart";
};

std::pair<double, double> padRange(double lo, double hi, bool includeZero) {
  if (includeZero) { lo = std::min(lo, 0.0); hi = std::max(hi, 0.0); }
  if (!(lo <= hi)) return {0, 1};
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    const double d = std::abs(hi) > 0 ? std::abs(hi) * 0.1 : 1.0;
    return {lo - d, hi + d};
  }
  const double pad = 0.05 * (hi - lo);
  return {includeZero && lo >= 0 ? lo : lo - pad, hi + pad};
}

Canvas layoutTimePlot(const TimePlot& tp) {
  Canvas cv;
  cv.width = 820;
  cv.height = 440;
  cv.svgClass = tp.svgClass;
  const bool hasY2 = std::any_of(tp.elems.begin(), tp.elems.end(), [](const Elem& e) { return e.axis == 1; });

  // Data ranges.
  double t0 = std::numeric_limits<double>::infinity(), t1 = -t0;
  double ylo[2] = {t1, t1}, yhi[2] = {t0, t0};
  for (auto& v : ylo) v = std::numeric_limits<double>::infinity();
  for (auto& v : yhi) v = -std::numeric_limits<double>::infinity();
  bool bars[2] = {false, false};
  for (const auto& e : tp.elems) {
    const int a = e.axis;
    if (e.kind == Elem::Kind::Bars) bars[a] = true;
    for (std::size_t i = 0; i < e.t.size(); ++i) {
      if (!std::isfinite(e.y[i])) continue;
      t0 = std::min(t0, e.t[i] - e.barMs / 2);
      t1 = std::max(t1, e.t[i] + e.barMs / 2);
      const double s = i < e.sigma.size() && std::isfinite(e.sigma[i]) ? e.sigma[i] : 0.0;
      ylo[a] = std::min(ylo[a], e.y[i] - s);
      yhi[a] = std::max(yhi[a], e.y[i] + s);
    }
  }
  for (const auto& m : tp.markers) {
    t0 = std::min(t0, unixMs(m.date));
    t1 = std::max(t1, unixMs(m.end ? *m.end : m.date));
  }
  if (!(t0 < t1)) {
    if (std::isfinite(t0)) { t0 -= 86400e3 * 15; t1 = t0 + 86400e3 * 30; }
    else { t0 = 0; t1 = 86400e3 * 365; }
  }
  const double tpad = 0.02 * (t1 - t0);
  t0 -= tpad;
  t1 += tpad;
  if (tp.start) t0 = unixMs(*tp.start);
  if (tp.end) t1 = unixMs(*tp.end);
  auto [y0lo, y0hi] = padRange(ylo[0], yhi[0], bars[0]);
  auto [y1lo, y1hi] = padRange(ylo[1], yhi[1], bars[1]);
  if (tp.yMin) y0lo = *tp.yMin;
  if (tp.yMax) y0hi = *tp.yMax;
  if (tp.y2Min) y1lo = *tp.y2Min;
  if (tp.y2Max) y1hi = *tp.y2Max;

  // Legend rows (below the time axis).
  struct Placed { const LegendItem* item; double x; int row; };
  std::vector<Placed> placed;
  const double legendLeft = 64;
  double lx = legendLeft;
  int row = 0;
  for (const auto& li : tp.legend) {
    const double w = 26 + textWidth(li.label) + 18;
    if (lx + w > cv.width - 16 && lx > legendLeft) { lx = legendLeft; ++row; }
    placed.push_back({&li, lx, row});
    lx += w;
  }
  const int legendRows = tp.legend.empty() ? 0 : row + 1;

  cv.plotX = 64;
  cv.plotY = 34;
  cv.plotW = cv.width - cv.plotX - (hasY2 ? 64 : 18);
  cv.plotH = cv.height - cv.plotY - 40 - 16 * legendRows;
  const double px = cv.plotX, py = cv.plotY, pw = cv.plotW, ph = cv.plotH;
  const auto X = [&](double t) { return (t - t0) / (t1 - t0) * pw; };  // plot-local
  const auto Y = [&](double y, int a) {
    const double lo = a ? y1lo : y0lo, hi = a ? y1hi : y0hi;
    return ph - (y - lo) / (hi - lo) * ph;
  };
  char attrs[256];
  std::snprintf(attrs, sizeof attrs, " data-t0=\"%.0f\" data-t1=\"%.0f\" data-px=\"%g\" data-py=\"%g\" data-pw=\"%g\" data-ph=\"%g\"",
                t0, t1, px, py, pw, ph);
  cv.svgData = attrs;

  // Title and axis labels.
  cv.text(px, 18, tp.title, Anchor::Start, 1, kInk).bold = true;
  auto& yl = cv.text(16, py + ph / 2, tp.yLabel, Anchor::Middle, 1, kInk);
  yl.vertical = true;
  if (hasY2) {
    auto& y2 = cv.text(cv.width - 8, py + ph / 2, tp.y2Label, Anchor::Middle, 1, kInk);
    y2.vertical = true;
  }

  // Y grid and ticks.
  const auto yt = niceTicks(y0lo, y0hi, 6);
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  for (double v : yt) {
    const double y = py + Y(v, 0);
    cv.line({px, px + pw}, {y, y}, kGrid, 1);
    cv.line({px - 4, px}, {y, y}, kAxis, 1);
    cv.text(px - 7, y + 3.5, fmtTick(v, ystep), Anchor::End, 1, kInk);
  }
  if (hasY2) {
    const auto yt2 = niceTicks(y1lo, y1hi, 6);
    const double ystep2 = yt2.size() > 1 ? yt2[1] - yt2[0] : 1;
    for (double v : yt2) {
      const double y = py + Y(v, 1);
      cv.line({px + pw, px + pw + 4}, {y, y}, kAxis, 1);
      cv.text(px + pw + 7, y + 3.5, fmtTick(v, ystep2), Anchor::Start, 1, kInk);
    }
  }
  if (y0lo < 0 && y0hi > 0) cv.line({px, px + pw}, {py + Y(0, 0), py + Y(0, 0)}, {0xaa, 0xaa, 0xaa}, 1);

  // Time ticks (redrawn by the page script on zoom).
  for (const auto& [t, label] : dateTicks(t0, t1, 9)) {
    const double x = px + X(t);
    cv.line({x, x}, {py + ph, py + ph + 4}, kAxis, 1, Layer::XAxis);
    cv.text(x, py + ph + 16, label, Anchor::Middle, 1, kInk).layer = Layer::XAxis;
  }

  // Markers: spans and lines in the plot, labels above it.
  int mk = 0;
  for (const auto& m : tp.markers) {
    const Rgb c = m.colour.value_or(Rgb{0x66, 0x66, 0x66});
    const double xa = X(unixMs(m.date));
    if (m.end) {
      const double xb = X(unixMs(*m.end));
      auto& r = cv.rect(std::min(xa, xb), 0, std::abs(xb - xa), ph, c, Layer::Plot);
      r.fillOpacity = 0.15;
      r.tip = m.label + ": " + m.date.isoDate() + " \u2013 " + m.end->isoDate();
    }
    auto& l = cv.line({xa, xa}, {0, ph}, c, 1.2, Layer::Plot);
    l.dashed = true;
    l.tip = m.label + ": " + m.date.isoDate();
    if (!m.label.empty()) {
      auto& t = cv.text(px + xa + 3, py + 10 + 10 * (mk % 2), m.label, Anchor::Start, 1, c);
      t.tData = unixMs(m.date);
      t.cls = "ot-tlabel";
    }
    ++mk;
  }

  // Data: bars first, then lines, then points.
  for (const auto kind : {Elem::Kind::Bars, Elem::Kind::Line, Elem::Kind::Points}) {
    for (const auto& e : tp.elems) {
      if (e.kind != kind) continue;
      const double lo = e.axis ? y1lo : y0lo;
      const double base = Y(std::clamp(0.0, lo, e.axis ? y1hi : y0hi), e.axis);
      if (kind == Elem::Kind::Bars) {
        for (std::size_t i = 0; i < e.t.size(); ++i) {
          if (!std::isfinite(e.y[i])) continue;
          const double xa = X(e.t[i] - e.barMs / 2), xb = X(e.t[i] + e.barMs / 2), yv = Y(e.y[i], e.axis);
          auto& r = cv.rect(xa, std::min(yv, base), xb - xa, std::abs(base - yv), e.colour, Layer::Plot);
          r.fillOpacity = 0.55;
          if (i < e.tips.size()) r.tip = e.tips[i];
        }
        continue;
      }
      if (kind == Elem::Kind::Line) {
        std::vector<double> xs, ys;
        const auto flush = [&] {
          if (xs.size() >= 2) {
            auto& l = cv.line(xs, ys, e.colour, e.width, Layer::Plot);
            l.dashed = e.dashed;
          }
          xs.clear();
          ys.clear();
        };
        for (std::size_t i = 0; i < e.t.size(); ++i) {
          if (!std::isfinite(e.y[i])) { flush(); continue; }
          xs.push_back(X(e.t[i]));
          ys.push_back(Y(e.y[i], e.axis));
        }
        flush();
        continue;
      }
      for (std::size_t i = 0; i < e.t.size(); ++i) {  // points with error bars
        if (!std::isfinite(e.y[i])) continue;
        const double x = X(e.t[i]);
        if (i < e.sigma.size() && std::isfinite(e.sigma[i]) && e.sigma[i] > 0) {
          cv.line({x, x}, {Y(e.y[i] - e.sigma[i], e.axis), Y(e.y[i] + e.sigma[i], e.axis)}, e.colour, 1, Layer::Plot);
        }
        auto& m = cv.marker(x, Y(e.y[i], e.axis), e.colour, e.radius, Layer::Plot);
        if (i < e.tips.size()) m.tip = e.tips[i];
      }
    }
  }

  // Frame and legend.
  auto& frame = cv.rect(px, py, pw, ph, {255, 255, 255});
  frame.hasFill = false;
  frame.width = 1;
  frame.stroke = kAxis;
  for (const auto& p : placed) {
    const double y = cv.height - 10 - 16.0 * (legendRows - 1 - p.row);
    const double x = p.x;
    if (p.item->kind == Elem::Kind::Bars) {
      auto& r = cv.rect(x, y - 8, 20, 9, p.item->colour);
      r.fillOpacity = 0.55;
    } else {
      if (p.item->withLine || p.item->kind == Elem::Kind::Line) {
        auto& l = cv.line({x, x + 20}, {y - 3.5, y - 3.5}, p.item->colour, 1.8);
        l.dashed = p.item->dashed;
      }
      if (p.item->kind == Elem::Kind::Points) cv.marker(x + 10, y - 3.5, p.item->colour, 3.2);
    }
    cv.text(x + 26, y, p.item->label, Anchor::Start, 1, kInk);
  }
  return cv;
}

}  // namespace

double unixMs(const DateTime& t) { return static_cast<double>(t.nanoseconds()) / 1e6; }

std::pair<double, double> mapLimits(const MapLayer& m) {
  std::vector<float> v;
  v.reserve(m.values.size());
  for (float x : m.values.vector())
    if (std::isfinite(x)) v.push_back(x);
  double lo = 0, hi = 1;
  if (!v.empty()) {
    std::sort(v.begin(), v.end());
    const auto at = [&](double q) { return static_cast<double>(v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))]); };
    lo = at(0.02);
    hi = at(0.98);
  }
  if (m.colormap == Colormap::Diverging) {
    double a = std::max(std::abs(lo), std::abs(hi));
    if (!(a > 0)) a = 1;
    lo = -a;
    hi = a;
  } else if (!(hi > lo)) {
    const double d = std::abs(lo) > 0 ? std::abs(lo) * 0.1 : 1.0;
    lo -= d;
    hi += d;
  }
  if (m.vmin) lo = *m.vmin;
  if (m.vmax) hi = *m.vmax;
  return {lo, hi};
}

std::vector<double> niceTicks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return out;
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (f * mag >= raw) { step = f * mag; break; }
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push_back(v);
  return out;
}

std::vector<std::pair<double, std::string>> dateTicks(double t0, double t1, int maxTicks) {
  std::vector<std::pair<double, std::string>> out;
  if (!(t1 > t0)) return out;
  const double dayMs = 86400e3;
  const double spanDays = (t1 - t0) / dayMs;
  const DateTime a = DateTime::fromNanoseconds(static_cast<std::int64_t>(t0 * 1e6));
  char buf[32];
  // Day steps.
  for (int step : {1, 2, 5, 10, 15}) {
    if (spanDays / step > maxTicks) continue;
    const double firstDay = std::ceil(t0 / dayMs / step) * step;
    for (double d = firstDay; d * dayMs <= t1; d += step) {
      const DateTime t = DateTime::fromNanoseconds(static_cast<std::int64_t>(d * dayMs * 1e6));
      out.emplace_back(d * dayMs, t.isoDate());
    }
    return out;
  }
  // Month and year steps.
  for (int step : {1, 2, 3, 6, 12, 24, 60, 120, 240, 600}) {
    if (spanDays / 30.44 / step > maxTicks) continue;
    int y = a.year(), m = a.month();
    long idx = static_cast<long>(y) * 12 + (m - 1);
    idx = (idx + step - 1) / step * step;
    for (;; idx += step) {
      const int yy = static_cast<int>(idx / 12), mm = static_cast<int>(idx % 12) + 1;
      const double t = unixMs(DateTime(yy, mm, 1));
      if (t > t1) break;
      if (t < t0) continue;
      if (step >= 12) std::snprintf(buf, sizeof buf, "%d", yy);
      else std::snprintf(buf, sizeof buf, "%d-%02d", yy, mm);
      out.emplace_back(t, buf);
    }
    return out;
  }
  return out;
}

Canvas layoutChart(const Chart& c, const std::vector<const Series*>& series) {
  TimePlot tp;
  tp.title = c.title;
  tp.yLabel = c.yLabel;
  tp.y2Label = c.y2Label;
  tp.markers = c.markers;
  tp.yMin = c.yMin; tp.yMax = c.yMax; tp.y2Min = c.y2Min; tp.y2Max = c.y2Max;
  tp.start = c.start; tp.end = c.end;
  int k = 0;
  for (const Series* s : series) {
    const Rgb colour = s->colour.value_or(categoricalColor(k++));
    Elem base;
    base.axis = s->axis;
    base.colour = colour;
    for (std::size_t i = 0; i < s->dates.size(); ++i) {
      base.t.push_back(unixMs(s->dates[i]));
      base.y.push_back(s->values[i]);
      const double sg = i < s->sigma.size() ? s->sigma[i] : kNaN;
      base.sigma.push_back(sg);
      std::string tip = s->name + "\n" + s->dates[i].isoDate() + "\n" + fmtValue(s->values[i]);
      if (std::isfinite(sg)) tip += " \u00b1 " + fmtValue(sg);
      if (!s->unit.empty()) tip += " " + s->unit;
      base.tips.push_back(std::move(tip));
    }
    LegendItem li{s->name, colour, Elem::Kind::Line};
    switch (s->style) {
      case SeriesStyle::LineMarkers: {
        Elem line = base;
        line.kind = Elem::Kind::Line;
        tp.elems.push_back(line);
        Elem pts = base;
        pts.kind = Elem::Kind::Points;
        tp.elems.push_back(pts);
        li.kind = Elem::Kind::Points;
        li.withLine = true;
        break;
      }
      case SeriesStyle::Markers: {
        Elem pts = base;
        pts.kind = Elem::Kind::Points;
        tp.elems.push_back(pts);
        li.kind = Elem::Kind::Points;
        break;
      }
      case SeriesStyle::Line:
      case SeriesStyle::DashedLine: {
        Elem line = base;
        line.kind = Elem::Kind::Line;
        line.dashed = s->style == SeriesStyle::DashedLine;
        line.width = 2.0;
        tp.elems.push_back(line);
        li.dashed = line.dashed;
        break;
      }
      case SeriesStyle::Bars: {
        Elem b = base;
        b.kind = Elem::Kind::Bars;
        b.barMs = s->barDays * 86400e3;
        tp.elems.push_back(b);
        li.kind = Elem::Kind::Bars;
        break;
      }
    }
    tp.legend.push_back(li);
  }
  return layoutTimePlot(tp);
}

Canvas layoutNetwork(const NetworkPlot& n) {
  TimePlot tp;
  tp.title = n.title;
  tp.yLabel = "Perpendicular baseline (m)";
  std::map<std::string, int> catIndex, platIndex;
  for (const auto& p : n.pairs) catIndex.emplace(p.category, 0);
  for (const auto& p : n.platforms) platIndex.emplace(p, 0);
  // Categories take the palette from its start, platforms from the other end (distinct colours).
  int k = 0;
  for (auto& [name, idx] : catIndex) idx = k++;
  k = 0;
  for (auto& [name, idx] : platIndex) idx = 6 - k++;
  for (const auto& [name, idx] : catIndex) {
    Elem e;
    e.kind = Elem::Kind::Line;
    e.colour = categoricalColor(idx);
    e.width = 1.0;
    for (const auto& p : n.pairs) {
      if (p.category != name) continue;
      const auto i = static_cast<std::size_t>(p.i), j = static_cast<std::size_t>(p.j);
      e.t.insert(e.t.end(), {unixMs(n.dates[i]), unixMs(n.dates[j]), unixMs(n.dates[j])});
      e.y.insert(e.y.end(), {n.bperp[i], n.bperp[j], kNaN});  // NaN breaks the polyline
      e.sigma.insert(e.sigma.end(), {kNaN, kNaN, kNaN});
    }
    tp.elems.push_back(e);
    tp.legend.push_back({name + " pairs (" + std::to_string(std::count_if(n.pairs.begin(), n.pairs.end(),
                                                                           [&](const auto& p) { return p.category == name; })) + ")",
                         e.colour, Elem::Kind::Line});
  }
  for (const auto& [name, idx] : platIndex) {
    Elem e;
    e.kind = Elem::Kind::Points;
    e.colour = categoricalColor(idx);
    e.radius = 3.6;
    for (std::size_t i = 0; i < n.dates.size(); ++i) {
      if (n.platforms[i] != name) continue;
      e.t.push_back(unixMs(n.dates[i]));
      e.y.push_back(n.bperp[i]);
      e.sigma.push_back(kNaN);
      int degree = 0;
      for (const auto& p : n.pairs) degree += (static_cast<std::size_t>(p.i) == i || static_cast<std::size_t>(p.j) == i);
      e.tips.push_back(name + "\n" + n.dates[i].isoDate() + "\nBperp " + fmtValue(n.bperp[i]) + " m\n" +
                       std::to_string(degree) + " pairs");
    }
    tp.elems.push_back(e);
    tp.legend.push_back({name, e.colour, Elem::Kind::Points});
  }
  return layoutTimePlot(tp);
}

Canvas layoutMap(const MapLayer& m) {
  const GeoGrid& g = m.grid;
  const double lon0 = g.xMin(), lon1 = g.xMax(), lat0 = g.yMin(), lat1 = g.yMax();
  const double latC = 0.5 * (lat0 + lat1);
  const double coslat = std::cos(latC * M_PI / 180.0);
  const double aspect = (lon1 - lon0) * coslat / (lat1 - lat0);  // ground width / height
  const double maxW = 440, maxH = 400;  // two maps side by side on a laptop screen
  double mapW = maxW, mapH = maxW / aspect;
  if (mapH > maxH) { mapH = maxH; mapW = maxH * aspect; }
  mapW = std::max(mapW, 120.0);
  mapH = std::max(mapH, 120.0);

  Canvas cv;
  const double mx = 64, my = 34;
  cv.width = static_cast<int>(std::ceil(mx + mapW + 24 + 14 + 64));
  cv.height = static_cast<int>(std::ceil(my + mapH + 34));
  cv.plotX = mx; cv.plotY = my; cv.plotW = mapW; cv.plotH = mapH;
  cv.svgClass = "ot-map";
  const auto [vmin, vmax] = mapLimits(m);
  char attrs[320];
  std::snprintf(attrs, sizeof attrs,
                " data-lon0=\"%.8f\" data-lon1=\"%.8f\" data-lat0=\"%.8f\" data-lat1=\"%.8f\" data-px=\"%g\" data-py=\"%g\" data-pw=\"%g\" data-ph=\"%g\"",
                lon0, lon1, lat0, lat1, mx, my, mapW, mapH);
  cv.svgData = attrs;
  {  // Values for the hover read-out, sampled at block centres on a grid of at most 100 × 100.
    const std::int64_t vs = std::max<std::int64_t>(1, (std::max(g.length, g.width) + 99) / 100);
    const std::int64_t vh = (g.length + vs - 1) / vs, vw = (g.width + vs - 1) / vs;
    std::string vals;
    vals.reserve(static_cast<std::size_t>(vh * vw * 8));
    for (std::int64_t r = 0; r < vh; ++r)
      for (std::int64_t c = 0; c < vw; ++c) {
        const float v = m.values(std::min(g.length - 1, r * vs + vs / 2), std::min(g.width - 1, c * vs + vs / 2));
        if (!vals.empty()) vals += ',';
        vals += std::isfinite(v) ? fmtValue(v) : "NaN";
      }
    cv.svgData += " data-vw=\"" + std::to_string(vw) + "\" data-vh=\"" + std::to_string(vh) + "\" data-unit=\"" +
                  xmlEscape(m.unit) + "\" data-vals=\"" + vals + "\"";
  }
  const auto X = [&](double lon) { return (lon - lon0) / (lon1 - lon0) * mapW; };  // map-local
  const auto Y = [&](double lat) { return (lat1 - lat) / (lat1 - lat0) * mapH; };

  // The colour-mapped raster (strided down to at most ~1200 px on its longer side).
  const std::int64_t stride = std::max<std::int64_t>(1, (std::max(g.length, g.width) + 1199) / 1200);
  auto img = std::make_shared<RgbImage>((g.length + stride - 1) / stride, (g.width + stride - 1) / stride, noDataColor());
  for (std::int64_t r = 0; r < img->length(); ++r)
    for (std::int64_t c = 0; c < img->width(); ++c) {
      const double v = m.values(r * stride, c * stride);
      img->set(r, c, std::isfinite(v) ? colormapColor(m.colormap, (v - vmin) / (vmax - vmin)) : noDataColor());
    }
  cv.images.push_back(img);
  Prim ip;
  ip.kind = Prim::Kind::Image;
  ip.image = 0;
  ip.xs = {mx, mapW};
  ip.ys = {my, mapH};
  ip.cls = "ot-mapimg";
  cv.prims.push_back(ip);

  cv.text(mx, 20, m.title, Anchor::Start, 1, kInk).bold = true;

  // Overlays, clipped to the map (plot layer).
  for (const auto& poly : m.polygons) {
    std::vector<double> xs, ys;
    for (std::size_t i = 0; i < poly.lon.size(); ++i) { xs.push_back(X(poly.lon[i])); ys.push_back(Y(poly.lat[i])); }
    if (!xs.empty()) { xs.push_back(xs.front()); ys.push_back(ys.front()); }
    auto& halo = cv.line(xs, ys, {255, 255, 255}, 3.6, Layer::Plot);
    halo.tip = poly.name;
    auto& l = cv.line(xs, ys, poly.colour.value_or(Rgb{0, 0, 0}), 1.8, Layer::Plot);
    l.tip = poly.name;
  }
  for (const auto& p : m.points) {
    const double x = X(p.lon), y = Y(p.lat);
    auto& mk = cv.marker(x, y, {255, 255, 255}, 4, Layer::Plot);
    mk.square = true;
    mk.stroke = {0, 0, 0};
    mk.width = 1.2;
    char tip[128];
    std::snprintf(tip, sizeof tip, "%s\n%.5f\u00b0E, %.5f\u00b0N", p.name.c_str(), p.lon, p.lat);
    mk.tip = tip;
    auto& bg = cv.rect(x + 6, y - 11, textWidth(p.name) + 4, 11, {255, 255, 255}, Layer::Plot);
    bg.fillOpacity = 0.8;
    auto& t = cv.text(x + 8, y - 2, p.name, Anchor::Start, 1, {0, 0, 0});
    t.layer = Layer::Plot;
    t.bold = true;
  }

  // North arrow (top right inside the map; grids are north-up).
  {
    const double ax = mx + mapW - 18, ay = my + 8;
    auto& bg = cv.rect(ax - 11, ay - 2, 22, 36, {255, 255, 255});
    bg.fillOpacity = 0.85;
    Prim tri;
    tri.kind = Prim::Kind::Polygon;
    tri.xs = {ax, ax + 6, ax, ax - 6};
    tri.ys = {ay + 12, ay + 30, ay + 25, ay + 30};
    tri.hasFill = true;
    tri.fill = {0, 0, 0};
    tri.width = 0;
    cv.prims.push_back(tri);
    cv.text(ax, ay + 10, "N", Anchor::Middle, 1, {0, 0, 0}).bold = true;
  }
  // Scale bar (bottom left inside the map): ground metres per map pixel at the centre latitude.
  {
    const double mPerPx = (lon1 - lon0) * 111320.0 * coslat / mapW;
    const double target = mPerPx * mapW / 4;
    const double mag = std::pow(10.0, std::floor(std::log10(target)));
    double len = mag;
    for (double f : {1.0, 2.0, 5.0})
      if (f * mag <= target) len = f * mag;
    const double barPx = len / mPerPx;
    const std::string label = len >= 1000 ? fmtValue(len / 1000) + " km" : fmtValue(len) + " m";
    const double sx = mx + 10, sy = my + mapH - 12;
    auto& bg = cv.rect(sx - 6, sy - 18, barPx + 12, 26, {255, 255, 255});
    bg.fillOpacity = 0.85;
    cv.rect(sx, sy, barPx / 2, 4, {0, 0, 0});
    auto& half = cv.rect(sx + barPx / 2, sy, barPx / 2, 4, {255, 255, 255});
    half.width = 1;
    half.stroke = {0, 0, 0};
    auto& outline = cv.rect(sx, sy, barPx, 4, {0, 0, 0});
    outline.hasFill = false;
    outline.width = 1;
    outline.stroke = {0, 0, 0};
    cv.text(sx + barPx / 2, sy - 5, label, Anchor::Middle, 1, {0, 0, 0});
  }

  // Frame and graticule ticks.
  auto& frame = cv.rect(mx, my, mapW, mapH, {0, 0, 0});
  frame.hasFill = false;
  frame.width = 1;
  frame.stroke = {0, 0, 0};
  // Ticks near the corners are left out so that longitude and latitude labels never collide.
  const auto lonT = niceTicks(lon0, lon1, 5);
  const double lonStep = lonT.size() > 1 ? lonT[1] - lonT[0] : 0.01;
  for (double v : lonT) {
    if (X(v) < 24 || X(v) > mapW - 24) continue;
    const double x = mx + X(v);
    cv.line({x, x}, {my + mapH, my + mapH + 4}, kAxis, 1);
    cv.text(x, my + mapH + 16, fmtTick(v, lonStep) + "\u00b0E", Anchor::Middle, 1, kInk);
  }
  const auto latT = niceTicks(lat0, lat1, 5);
  const double latStep = latT.size() > 1 ? latT[1] - latT[0] : 0.01;
  for (double v : latT) {
    if (Y(v) < 24 || Y(v) > mapH - 24) continue;
    const double y = my + Y(v);
    cv.line({mx - 4, mx}, {y, y}, kAxis, 1);
    auto& t = cv.text(mx - 7, y, fmtTick(v, latStep) + "\u00b0N", Anchor::Middle, 1, kInk);
    t.vertical = true;
  }

  // Colour bar.
  {
    const double bx = mx + mapW + 24, by = my, bw = 14, bh = mapH;
    auto bar = std::make_shared<RgbImage>(256, 1, Rgb{});
    for (int i = 0; i < 256; ++i) bar->set(i, 0, colormapColor(m.colormap, 1.0 - (i + 0.5) / 256.0));
    cv.images.push_back(bar);
    Prim bp;
    bp.kind = Prim::Kind::Image;
    bp.image = 1;
    bp.xs = {bx, bw};
    bp.ys = {by, bh};
    cv.prims.push_back(bp);
    auto& o = cv.rect(bx, by, bw, bh, {0, 0, 0});
    o.hasFill = false;
    o.width = 1;
    o.stroke = {0, 0, 0};
    const auto ticks = niceTicks(vmin, vmax, 6);
    const double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
    for (double v : ticks) {
      const double y = by + (vmax - v) / (vmax - vmin) * bh;
      cv.line({bx + bw, bx + bw + 4}, {y, y}, {0, 0, 0}, 1);
      cv.text(bx + bw + 7, y + 3.5, fmtTick(v, step), Anchor::Start, 1, kInk);
    }
    cv.text(bx, my - 8, m.unit, Anchor::Start, 1, kInk).bold = true;
  }
  return cv;
}

}  // namespace orthotrack::report::detail
