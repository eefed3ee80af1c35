#pragma once
// A small vector scene that each figure is laid out into once and then drawn twice: as inline SVG
// for the HTML (with hooks for hover and zoom) and as pixels for the PNG (own rasterizer: anti-
// aliased lines by supersampling, scanline polygon fill, the built-in bitmap font).
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "orthotrack/core/raster.hpp"
#include "orthotrack/report/colormap.hpp"

namespace orthotrack::report::detail {

struct RgbImage {
  Raster<std::uint8_t> r, g, b;
  RgbImage() = default;
  RgbImage(std::int64_t length, std::int64_t width, Rgb fill)
      : r(length, width, fill.r), g(length, width, fill.g), b(length, width, fill.b) {}
  std::int64_t length() const { return r.length(); }
  std::int64_t width() const { return r.width(); }
  void set(std::int64_t row, std::int64_t col, Rgb c) { r(row, col) = c.r; g(row, col) = c.g; b(row, col) = c.b; }
  Rgb get(std::int64_t row, std::int64_t col) const { return {r(row, col), g(row, col), b(row, col)}; }
};

enum class Anchor { Start, Middle, End };
/// Static: canvas pixels. Plot: pixels relative to the plot rectangle, clipped to it; in the SVG
/// this layer is zoomable along x. XAxis: time-axis ticks (the HTML script redraws them on zoom).
enum class Layer { Static, Plot, XAxis };

struct Prim {
  enum class Kind { Polyline, Polygon, Rect, Marker, Text, Image } kind = Kind::Polyline;
  Layer layer = Layer::Static;
  std::vector<double> xs, ys;  ///< vertices; Rect: (x, y) = xs[0], ys[0], (w, h) = xs[1], ys[1]; Marker/Text: anchor point
  Rgb stroke{0, 0, 0};
  double width = 1.0;          ///< stroke width (px); 0 = no stroke
  bool dashed = false;
  bool hasFill = false;
  Rgb fill{255, 255, 255};
  double fillOpacity = 1.0;
  double radius = 3.0;         ///< Marker
  bool square = false;         ///< Marker shape
  std::string text;            ///< Text
  int size = 1;                ///< Text: bitmap scale (1 = 5×7 px glyphs); SVG font-size 11·size px
  Anchor anchor = Anchor::Start;
  bool vertical = false;       ///< Text rotated −90° (reads bottom to top)
  bool bold = false;
  int image = -1;              ///< Image: index into Canvas::images, drawn into the Rect xs/ys
  std::string tip;             ///< hover text (SVG only)
  std::string cls;             ///< CSS class (SVG only)
  double tData = std::numeric_limits<double>::quiet_NaN();  ///< time (unix ms) for x-anchored labels
};

struct Canvas {
  int width = 800, height = 450;
  double plotX = 0, plotY = 0, plotW = 0, plotH = 0;  ///< the plot rectangle (Layer::Plot origin)
  std::vector<Prim> prims;
  std::vector<std::shared_ptr<const RgbImage>> images;
  std::string svgClass;  ///< class of the root <svg>
  std::string svgData;   ///< extra attributes of the root <svg> (data-*), already escaped

  Prim& line(std::vector<double> xs, std::vector<double> ys, Rgb c, double w = 1.0, Layer l = Layer::Static);
  Prim& rect(double x, double y, double w, double h, Rgb fill, Layer l = Layer::Static);
  Prim& text(double x, double y, std::string s, Anchor a = Anchor::Start, int size = 1, Rgb c = {0x22, 0x22, 0x22});
  Prim& marker(double x, double y, Rgb c, double radius, Layer l = Layer::Static);
};

/// Escapes &, <, >, " for XML/HTML text and attributes.
std::string xmlEscape(const std::string& s);
/// Base64 (RFC 4648, with padding).
std::string base64(const std::string& bytes);
/// The canvas as an inline <svg> element (no XML prolog, no namespace URL needed inside HTML).
std::string toSvg(const Canvas& c, const std::string& id);
/// The canvas as pixels at `scale` × its size (text at `scale` × the font size), anti-aliased by
/// 2× supersampling.
RgbImage rasterize(const Canvas& c, int scale = 2);

}  // namespace orthotrack::report::detail
