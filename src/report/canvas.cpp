#include "canvas.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "font.hpp"
#include "orthotrack/io/png.hpp"

namespace orthotrack::report::detail {

Prim& Canvas::line(std::vector<double> xs, std::vector<double> ys, Rgb c, double w, Layer l) {
  Prim p;
  p.kind = Prim::Kind::Polyline;
  p.xs = std::move(xs);
  p.ys = std::move(ys);
  p.stroke = c;
  p.width = w;
  p.layer = l;
  prims.push_back(std::move(p));
  return prims.back();
}

Prim& Canvas::rect(double x, double y, double w, double h, Rgb fillColour, Layer l) {
  Prim p;
  p.kind = Prim::Kind::Rect;
  p.xs = {x, w};
  p.ys = {y, h};
  p.hasFill = true;
  p.fill = fillColour;
  p.width = 0;
  p.layer = l;
  prims.push_back(std::move(p));
  return prims.back();
}

Prim& Canvas::text(double x, double y, std::string s, Anchor a, int size, Rgb c) {
  Prim p;
  p.kind = Prim::Kind::Text;
  p.xs = {x};
  p.ys = {y};
  p.text = std::move(s);
  p.anchor = a;
  p.size = size;
  p.stroke = c;
  prims.push_back(std::move(p));
  return prims.back();
}

Prim& Canvas::marker(double x, double y, Rgb c, double radius, Layer l) {
  Prim p;
  p.kind = Prim::Kind::Marker;
  p.xs = {x};
  p.ys = {y};
  p.hasFill = true;
  p.fill = c;
  p.stroke = {255, 255, 255};
  p.width = 0.8;
  p.radius = radius;
  p.layer = l;
  prims.push_back(std::move(p));
  return prims.back();
}

std::string xmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? tbl[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- SVG
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s(buf);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string points(const Prim& p) {
  std::string s;
  for (std::size_t k = 0; k < p.xs.size(); ++k) {
    if (k) s += ' ';
    s += num(p.xs[k]) + ',' + num(p.ys[k]);
  }
  return s;
}

std::string commonAttrs(const Prim& p) {
  std::string s;
  if (!p.cls.empty()) s += " class=\"" + xmlEscape(p.cls) + "\"";
  if (!p.tip.empty()) s += " data-tip=\"" + xmlEscape(p.tip) + "\"";
  if (!std::isnan(p.tData)) s += " data-t=\"" + num(p.tData) + "\"";
  return s;
}

std::string strokeAttrs(const Prim& p, bool plot) {
  if (p.width <= 0) return " stroke=\"none\"";
  std::string s = " stroke=\"" + p.stroke.hex() + "\" stroke-width=\"" + num(p.width) + "\"";
  if (p.dashed) s += " stroke-dasharray=\"6 4\"";
  if (plot) s += " vector-effect=\"non-scaling-stroke\"";
  return s;
}

std::string fillAttrs(const Prim& p) {
  if (!p.hasFill) return " fill=\"none\"";
  std::string s = " fill=\"" + p.fill.hex() + "\"";
  if (p.fillOpacity < 1) s += " fill-opacity=\"" + num(p.fillOpacity) + "\"";
  return s;
}

std::string tipChild(const Prim& p) { return p.tip.empty() ? "" : "<title>" + xmlEscape(p.tip) + "</title>"; }

void svgPrim(std::ostringstream& o, const Prim& p, const Canvas& c) {
  const bool plot = p.layer == Layer::Plot;
  switch (p.kind) {
    case Prim::Kind::Polyline:
      o << "<polyline points=\"" << points(p) << "\" fill=\"none\"" << strokeAttrs(p, plot)
        << " stroke-linejoin=\"round\"" << commonAttrs(p) << ">" << tipChild(p) << "</polyline>";
      break;
    case Prim::Kind::Polygon:
      o << "<polygon points=\"" << points(p) << "\"" << fillAttrs(p) << strokeAttrs(p, plot) << commonAttrs(p) << ">"
        << tipChild(p) << "</polygon>";
      break;
    case Prim::Kind::Rect:
      o << "<rect x=\"" << num(p.xs[0]) << "\" y=\"" << num(p.ys[0]) << "\" width=\"" << num(p.xs[1])
        << "\" height=\"" << num(p.ys[1]) << "\"" << fillAttrs(p) << strokeAttrs(p, plot) << commonAttrs(p) << ">"
        << tipChild(p) << "</rect>";
      break;
    case Prim::Kind::Marker: {
      const Rgb fc = p.hasFill ? p.fill : p.stroke;
      if (plot) {
        // A zero-length round (or square) capped stroke stays a disc when the plot is stretched.
        o << "<path d=\"M" << num(p.xs[0]) << ' ' << num(p.ys[0]) << "h0\" stroke=\"" << fc.hex()
          << "\" stroke-width=\"" << num(2 * p.radius) << "\" stroke-linecap=\"" << (p.square ? "square" : "round")
          << "\" vector-effect=\"non-scaling-stroke\"" << commonAttrs(p) << ">" << tipChild(p) << "</path>";
      } else if (p.square) {
        o << "<rect x=\"" << num(p.xs[0] - p.radius) << "\" y=\"" << num(p.ys[0] - p.radius) << "\" width=\""
          << num(2 * p.radius) << "\" height=\"" << num(2 * p.radius) << "\" fill=\"" << fc.hex() << "\""
          << strokeAttrs(p, false) << commonAttrs(p) << ">" << tipChild(p) << "</rect>";
      } else {
        o << "<circle cx=\"" << num(p.xs[0]) << "\" cy=\"" << num(p.ys[0]) << "\" r=\"" << num(p.radius)
          << "\" fill=\"" << fc.hex() << "\"" << strokeAttrs(p, false) << commonAttrs(p) << ">" << tipChild(p)
          << "</circle>";
      }
      break;
    }
    case Prim::Kind::Text: {
      const char* anchor = p.anchor == Anchor::Start ? "start" : p.anchor == Anchor::Middle ? "middle" : "end";
      o << "<text x=\"" << num(p.xs[0]) << "\" y=\"" << num(p.ys[0]) << "\" font-size=\"" << 11 * p.size
        << "\" text-anchor=\"" << anchor << "\" fill=\"" << p.stroke.hex() << "\"";
      if (p.bold) o << " font-weight=\"bold\"";
      if (p.vertical) o << " transform=\"rotate(-90 " << num(p.xs[0]) << ' ' << num(p.ys[0]) << ")\"";
      o << commonAttrs(p) << ">" << xmlEscape(p.text) << "</text>";
      break;
    }
    case Prim::Kind::Image: {
      const auto& img = *c.images.at(static_cast<std::size_t>(p.image));
      o << "<image x=\"" << num(p.xs[0]) << "\" y=\"" << num(p.ys[0]) << "\" width=\"" << num(p.xs[1])
        << "\" height=\"" << num(p.ys[1]) << "\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\""
        << commonAttrs(p) << " href=\"data:image/png;base64," << base64(io::encodePng(img.r, img.g, img.b))
        << "\"/>";
      break;
    }
  }
}

}  // namespace

std::string toSvg(const Canvas& c, const std::string& id) {
  std::ostringstream o;
  o << "<svg id=\"" << xmlEscape(id) << "\" class=\"" << xmlEscape(c.svgClass) << "\" viewBox=\"0 0 " << c.width
    << ' ' << c.height << "\" width=\"" << c.width << "\" height=\"" << c.height
    << "\" font-family=\"Helvetica, Arial, sans-serif\" role=\"img\"" << c.svgData << ">";
  o << "<rect width=\"" << c.width << "\" height=\"" << c.height << "\" fill=\"#ffffff\"/>";
  for (const auto& p : c.prims)
    if (p.layer == Layer::Static) svgPrim(o, p, c);
  o << "<g class=\"ot-xaxis\">";
  for (const auto& p : c.prims)
    if (p.layer == Layer::XAxis) svgPrim(o, p, c);
  o << "</g>";
  bool anyPlot = std::any_of(c.prims.begin(), c.prims.end(), [](const Prim& p) { return p.layer == Layer::Plot; });
  if (anyPlot) {
    o << "<svg class=\"ot-plot\" x=\"" << num(c.plotX) << "\" y=\"" << num(c.plotY) << "\" width=\"" << num(c.plotW)
      << "\" height=\"" << num(c.plotH) << "\" viewBox=\"0 0 " << num(c.plotW) << ' ' << num(c.plotH)
      << "\" preserveAspectRatio=\"none\" overflow=\"hidden\">";
    for (const auto& p : c.prims)
      if (p.layer == Layer::Plot) svgPrim(o, p, c);
    o << "</svg>";
  }
  o << "</svg>";
  return o.str();
}

// ---------------------------------------------------------------------------------------- rasterizer
namespace {

struct Painter {
  RgbImage& img;
  double k;                       // canvas px → internal px
  double cx0, cy0, cx1, cy1;      // clip rectangle (internal px)
  double ox = 0, oy = 0;          // layer origin (canvas px)

  void blend(std::int64_t x, std::int64_t y, Rgb c, double a) {
    if (x < cx0 || y < cy0 || x >= cx1 || y >= cy1 || x < 0 || y < 0 || x >= img.width() || y >= img.length()) return;
    if (a >= 1) { img.set(y, x, c); return; }
    const Rgb o = img.get(y, x);
    const auto mix = [a](std::uint8_t bg, std::uint8_t fg) {
      return static_cast<std::uint8_t>(std::lround(bg * (1 - a) + fg * a));
    };
    img.set(y, x, {mix(o.r, c.r), mix(o.g, c.g), mix(o.b, c.b)});
  }
  double X(double x) const { return (x + ox) * k; }
  double Y(double y) const { return (y + oy) * k; }

  /// A thick segment: round caps (solid lines: joins stay closed) or butt caps (dashes, as SVG).
  void segment(double x0, double y0, double x1, double y1, double hw, Rgb c, bool roundCaps = true) {
    const double minx = std::floor(std::min(x0, x1) - hw), maxx = std::ceil(std::max(x0, x1) + hw);
    const double miny = std::floor(std::min(y0, y1) - hw), maxy = std::ceil(std::max(y0, y1) + hw);
    const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    for (double y = std::max(miny, cy0); y <= std::min(maxy, cy1 - 1); ++y)
      for (double x = std::max(minx, cx0); x <= std::min(maxx, cx1 - 1); ++x) {
        const double px = x + 0.5, py = y + 0.5;
        double t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0.0;
        if (!roundCaps && (t < 0 || t > 1)) continue;
        t = std::clamp(t, 0.0, 1.0);
        const double ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
        if (ex * ex + ey * ey <= hw * hw) blend(static_cast<std::int64_t>(x), static_cast<std::int64_t>(y), c, 1.0);
      }
  }

  void polyline(const Prim& p) {
    const double hw = std::max(0.5, p.width * k / 2);
    const double dash = 6 * k, gap = 4 * k;
    double phase = 0;  // distance along the dash pattern
    for (std::size_t i = 0; i + 1 < p.xs.size(); ++i) {
      const double x0 = X(p.xs[i]), y0 = Y(p.ys[i]), x1 = X(p.xs[i + 1]), y1 = Y(p.ys[i + 1]);
      if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) continue;
      if (!p.dashed) { segment(x0, y0, x1, y1, hw, p.stroke); continue; }
      const double len = std::hypot(x1 - x0, y1 - y0);
      double s = 0;
      while (s < len) {
        const double inPattern = std::fmod(phase, dash + gap);
        const double step = inPattern < dash ? std::min(dash - inPattern, len - s) : std::min(dash + gap - inPattern, len - s);
        if (inPattern < dash && len > 0) {
          const double a = s / len, b = (s + step) / len;
          segment(x0 + a * (x1 - x0), y0 + a * (y1 - y0), x0 + b * (x1 - x0), y0 + b * (y1 - y0), hw, p.stroke,
                  false);
        }
        s += step;
        phase += step;
        if (step <= 0) break;
      }
    }
  }

  void fillPolygon(const std::vector<double>& xs, const std::vector<double>& ys, Rgb c, double a) {
    const std::size_t n = xs.size();
    if (n < 3) return;
    double miny = 1e300, maxy = -1e300;
    for (std::size_t i = 0; i < n; ++i) { miny = std::min(miny, Y(ys[i])); maxy = std::max(maxy, Y(ys[i])); }
    std::vector<double> xings;
    for (double y = std::max(std::floor(miny), cy0); y <= std::min(std::ceil(maxy), cy1 - 1); ++y) {
      const double py = y + 0.5;
      xings.clear();
      for (std::size_t i = 0; i < n; ++i) {
        const double ya = Y(ys[i]), yb = Y(ys[(i + 1) % n]), xa = X(xs[i]), xb = X(xs[(i + 1) % n]);
        if ((ya <= py && yb > py) || (yb <= py && ya > py)) xings.push_back(xa + (py - ya) / (yb - ya) * (xb - xa));
      }
      std::sort(xings.begin(), xings.end());
      for (std::size_t j = 0; j + 1 < xings.size(); j += 2)
        for (double x = std::ceil(xings[j] - 0.5); x + 0.5 <= xings[j + 1]; ++x)
          blend(static_cast<std::int64_t>(x), static_cast<std::int64_t>(y), c, a);
    }
  }

  void text(const Prim& p) {
    const double s = p.size * k;  // internal px per font px
    const int w = textWidth(p.text);
    double u0 = p.anchor == Anchor::Start ? 0 : p.anchor == Anchor::Middle ? -w / 2.0 : -w;
    const double ax = X(p.xs[0]), ay = Y(p.ys[0]);
    double u = u0;
    for (char32_t cp : decodeUtf8(p.text)) {
      const auto& g = glyph(cp);
      for (int r = 0; r < kGlyphHeight; ++r)
        for (int col = 0; col < kGlyphWidth; ++col) {
          if (!((g[static_cast<std::size_t>(r)] >> (4 - col)) & 1)) continue;
          const int boldExtra = p.bold ? 1 : 0;
          for (int bx = 0; bx <= boldExtra; ++bx) {
            // font pixel (r, col) → offsets along the text (du) and down from the baseline (dv)
            const double du = (u + col) * s + bx * s * 0.5, dv = (r - kGlyphHeight) * s;
            for (double yy = 0; yy < s; ++yy)
              for (double xx = 0; xx < s; ++xx) {
                double px, py;
                if (p.vertical) { px = ax + dv + yy; py = ay - du - xx - 1; }
                else { px = ax + du + xx; py = ay + dv + yy; }
                blend(static_cast<std::int64_t>(std::floor(px)), static_cast<std::int64_t>(std::floor(py)), p.stroke, 1.0);
              }
          }
        }
      u += kAdvance;
    }
  }

  void image(const Prim& p, const RgbImage& src) {
    const double x0 = X(p.xs[0]), y0 = Y(p.ys[0]), w = p.xs[1] * k, h = p.ys[1] * k;
    for (double y = std::max(std::floor(y0), cy0); y < std::min(y0 + h, cy1); ++y)
      for (double x = std::max(std::floor(x0), cx0); x < std::min(x0 + w, cx1); ++x) {
        const auto sr = static_cast<std::int64_t>((y + 0.5 - y0) / h * static_cast<double>(src.length()));
        const auto sc = static_cast<std::int64_t>((x + 0.5 - x0) / w * static_cast<double>(src.width()));
        if (sr < 0 || sc < 0 || sr >= src.length() || sc >= src.width()) continue;
        blend(static_cast<std::int64_t>(x), static_cast<std::int64_t>(y), src.get(sr, sc), 1.0);
      }
  }

  void marker(const Prim& p) {
    const double x = X(p.xs[0]), y = Y(p.ys[0]), r = p.radius * k, edge = p.width * k;
    const Rgb fc = p.hasFill ? p.fill : p.stroke;
    for (double yy = std::floor(y - r - edge); yy <= y + r + edge; ++yy)
      for (double xx = std::floor(x - r - edge); xx <= x + r + edge; ++xx) {
        const double dx = xx + 0.5 - x, dy = yy + 0.5 - y;
        const double d = p.square ? std::max(std::abs(dx), std::abs(dy)) : std::hypot(dx, dy);
        if (d <= r - edge) blend(static_cast<std::int64_t>(xx), static_cast<std::int64_t>(yy), fc, 1.0);
        else if (d <= r && edge > 0) blend(static_cast<std::int64_t>(xx), static_cast<std::int64_t>(yy), p.stroke, 1.0);
        else if (d <= r) blend(static_cast<std::int64_t>(xx), static_cast<std::int64_t>(yy), fc, 1.0);
      }
  }
};

}  // namespace

RgbImage rasterize(const Canvas& c, int scale) {
  const int ss = 2;
  const double k = scale * ss;
  RgbImage big(static_cast<std::int64_t>(c.height * k), static_cast<std::int64_t>(c.width * k), {255, 255, 255});
  Painter painter{big, k, 0, 0, static_cast<double>(big.width()), static_cast<double>(big.length())};
  for (const Layer layer : {Layer::Static, Layer::XAxis, Layer::Plot}) {
    for (const auto& p : c.prims) {
      if (p.layer != layer) continue;
      if (layer == Layer::Plot) {
        painter.ox = c.plotX; painter.oy = c.plotY;
        painter.cx0 = std::floor(c.plotX * k); painter.cy0 = std::floor(c.plotY * k);
        painter.cx1 = std::ceil((c.plotX + c.plotW) * k); painter.cy1 = std::ceil((c.plotY + c.plotH) * k);
      } else {
        painter.ox = painter.oy = 0;
        painter.cx0 = painter.cy0 = 0;
        painter.cx1 = static_cast<double>(big.width()); painter.cy1 = static_cast<double>(big.length());
      }
      switch (p.kind) {
        case Prim::Kind::Polyline: painter.polyline(p); break;
        case Prim::Kind::Polygon: {
          if (p.hasFill) painter.fillPolygon(p.xs, p.ys, p.fill, p.fillOpacity);
          if (p.width > 0) {
            Prim outline = p;
            outline.xs.push_back(p.xs.front());
            outline.ys.push_back(p.ys.front());
            painter.polyline(outline);
          }
          break;
        }
        case Prim::Kind::Rect: {
          const double x = p.xs[0], y = p.ys[0], w = p.xs[1], h = p.ys[1];
          if (p.hasFill) painter.fillPolygon({x, x + w, x + w, x}, {y, y, y + h, y + h}, p.fill, p.fillOpacity);
          if (p.width > 0) {
            Prim outline = p;
            outline.xs = {x, x + w, x + w, x, x};
            outline.ys = {y, y, y + h, y + h, y};
            painter.polyline(outline);
          }
          break;
        }
        case Prim::Kind::Marker: painter.marker(p); break;
        case Prim::Kind::Text: painter.text(p); break;
        case Prim::Kind::Image: painter.image(p, *c.images.at(static_cast<std::size_t>(p.image))); break;
      }
    }
  }
  // 2×2 box filter down to the output size.
  RgbImage out(big.length() / ss, big.width() / ss, {255, 255, 255});
  for (std::int64_t y = 0; y < out.length(); ++y)
    for (std::int64_t x = 0; x < out.width(); ++x) {
      int sr = 0, sg = 0, sb = 0;
      for (int dy = 0; dy < ss; ++dy)
        for (int dx = 0; dx < ss; ++dx) {
          const Rgb v = big.get(y * ss + dy, x * ss + dx);
          sr += v.r; sg += v.g; sb += v.b;
        }
      const int n = ss * ss;
      out.set(y, x, {static_cast<std::uint8_t>((sr + n / 2) / n), static_cast<std::uint8_t>((sg + n / 2) / n),
                     static_cast<std::uint8_t>((sb + n / 2) / n)});
    }
  return out;
}

}  // namespace orthotrack::report::detail
