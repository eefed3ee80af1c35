#pragma once
/// Colour maps of the report: perceptually ordered and readable by colour-blind users.
///  - Sequential: viridis (van der Walt & Smith, matplotlib), from its published 9-step control
///    colours, interpolated in CIELAB. Lightness L* rises monotonically from dark purple to yellow.
///  - Diverging: ColorBrewer RdBu (Brewer, 2003; 11-class control colours, colour-blind safe),
///    reversed so that low (negative) values are blue, the centre (0) is near-white and high
///    (positive) values are red; interpolated in CIELAB, with the lightness of the two arms
///    averaged so that L*(t) = L*(1 − t) exactly (RdBu's arms differ by up to ~4 L*).
///  - Categorical: Okabe & Ito (2008) colour-blind-safe palette for lines and markers.
#include <cstdint>
#include <string>

namespace orthotrack::report {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  auto operator<=>(const Rgb&) const = default;
  /// "#rrggbb"
  std::string hex() const;
};

enum class Colormap {
  Sequential,  ///< viridis: magnitudes, quality, counts, dates
  Diverging,   ///< blue–white–red: signed quantities with symmetric limits (displacement, rates)
};

/// Colour of the map at t in [0, 1] (clamped; NaN gives the no-data grey).
Rgb colormapColor(Colormap map, double t);
/// Colour of no-data pixels (light grey).
Rgb noDataColor();
/// k-th colour (cycling) of the Okabe–Ito categorical palette (yellow left out: unreadable on white).
Rgb categoricalColor(int k);

/// CIELAB of an sRGB colour (D65 white): L* in [0, 100].
struct Lab {
  double L = 0, a = 0, b = 0;
};
Lab toLab(Rgb c);
/// sRGB (rounded, clipped to the gamut) of a CIELAB colour.
Rgb fromLab(const Lab& lab);

}  // namespace orthotrack::report
