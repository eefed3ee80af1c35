#pragma once
// Synthetic scenes and DEMs for the geometry tests (and benchmarks).
#include <cmath>

#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"
#include "orthotrack/geometry/range_doppler.hpp"

namespace orthotrack::test {

// A scene of length × width pixels centred on (lon, lat, h) with a PALSAR-1-like orbit.
inline geometry::SceneGeometry makeScene(double lonDeg, double latDeg, double h, LookSide side,
                                         geometry::PassDirection pass, std::int64_t length, std::int64_t width,
                                         double azimuthInterval = 0.005, double rangeSpacing = 15.0,
                                         double offNadirDeg = 34.3) {
  auto d = geometry::OrbitDesign::palsar1Fbs(lonDeg, latDeg, pass, DateTime(2008, 6, 1, 4, 30, 0.25));
  d.lookSide = side;
  d.targetHeight = h;
  d.offNadirDeg = offNadirDeg;
  d.spanBefore = d.spanAfter = 120;
  const Orbit orbit = geometry::designOrbit(d);
  const Ellipsoid ell;
  double t = std::numeric_limits<double>::quiet_NaN(), r;
  geometry::geo2rdr(ell.toXyz({lonDeg * kDeg, latDeg * kDeg, h}), orbit, LUT2d(), 0.236, t, r);
  RadarGrid g;
  g.azimuthTimeInterval = azimuthInterval;
  g.rangePixelSpacing = rangeSpacing;
  g.wavelength = 0.236;  // L band
  g.lookSide = side;
  g.length = length;
  g.width = width;
  g.sensingStart = orbit.toDateTime(t - 0.5 * static_cast<double>(length - 1) * azimuthInterval);
  g.startingRange = r - 0.5 * static_cast<double>(width - 1) * rangeSpacing;
  return geometry::SceneGeometry(orbit, g);
}

// Ridges and valleys: 800 m of relief (h0 − 400 .. h0 + 400), crests running along `ridgeAzDeg`
// (clockwise from north) with wavelength L (m), so that slopes reach atan(400·2π/L·...) — ~55°
// for L = 1800 m — facing both ways; plus a gentle cross undulation. Spacing in degrees.
inline geometry::Dem makeRidgeDem(double lon0, double lat0, double halfSizeDeg, double spacingDeg, double h0,
                                  double wavelength, double ridgeAzDeg, geometry::DemOptions opt = {}) {
  GeoGrid g = GeoGrid::geographic(lon0 - halfSizeDeg, lon0 + halfSizeDeg, lat0 - halfSizeDeg, lat0 + halfSizeDeg, spacingDeg);
  Raster<float> h(g.length, g.width);
  const double mPerDegN = 111320.0, mPerDegE = 111320.0 * std::cos(lat0 * kDeg);
  const double ca = std::cos(ridgeAzDeg * kDeg), sa = std::sin(ridgeAzDeg * kDeg);
  for (std::int64_t i = 0; i < g.length; ++i)
    for (std::int64_t j = 0; j < g.width; ++j) {
      const double e = (g.x(static_cast<double>(j)) - lon0) * mPerDegE, n = (g.y(static_cast<double>(i)) - lat0) * mPerDegN;
      const double across = e * ca - n * sa;  // distance across the crests
      const double along = e * sa + n * ca;
      h(i, j) = static_cast<float>(h0 + 360.0 * std::sin(2 * kPi * across / wavelength) +
                                   40.0 * std::cos(2 * kPi * along / 5000.0));
    }
  return geometry::Dem(std::move(h), g, opt);
}

}  // namespace orthotrack::test
