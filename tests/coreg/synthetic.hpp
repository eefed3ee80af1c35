#pragma once
// Synthetic two-platform scenes for the coreg tests: a DEM with strong relief, PALSAR-2-like and
// PALSAR-1-like geometries designed over the same target, and SLCs rendered from one ground
// texture by mapping every radar pixel to the ground (rdr2geo on the DEM).
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/core/raster.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"
#include "orthotrack/geometry/range_doppler.hpp"

namespace coregtest {
using namespace orthotrack;

constexpr double kLon0 = 99.0, kLat0 = 31.0;  // target (degrees)
inline double reM() { return Ellipsoid::wgs84().rEast(kLat0 * kDeg) * std::cos(kLat0 * kDeg) * kDeg; }  // m per degree lon
inline double rnM() { return Ellipsoid::wgs84().rNorth(kLat0 * kDeg) * kDeg; }                          // m per degree lat

/// Height (m) at local east/north metres from the target.
inline double terrain(double x, double y, double relief) {
  return 3000.0 + relief * (0.9 * std::exp(-(x * x + y * y) / (2 * 2500.0 * 2500.0)) +
                            0.25 * std::sin(2 * kPi * x / 3000.0) * std::cos(2 * kPi * y / 4000.0));
}

/// DEM over ±0.08° lon, with an optional error (m): bias + amplitude · sin(2πx/4.5 km)·cos(2πy/3.5 km).
///, ±0.06° lat at 0.0003°. `holeRows`: rows [r0, r1) set to NaN.
inline geometry::Dem makeDem(double relief = 1000.0, int holeR0 = 0, int holeR1 = 0, int holeC0 = 0, int holeC1 = 0,
                             double errBias = 0.0, double errAmp = 0.0, double lonHalf = 0.08, double latHalf = 0.06) {
  const double sp = 0.0003, lonMin = kLon0 - lonHalf, latMax = kLat0 + latHalf;
  const auto W = static_cast<std::int64_t>(2 * lonHalf / sp), L = static_cast<std::int64_t>(2 * latHalf / sp);
  Raster<float> h(L, W);
  for (std::int64_t r = 0; r < L; ++r)
    for (std::int64_t c = 0; c < W; ++c) {
      const double lon = lonMin + (c + 0.5) * sp, lat = latMax - (r + 0.5) * sp;
      const double x = (lon - kLon0) * reM(), y = (lat - kLat0) * rnM();
      h(r, c) = static_cast<float>(terrain(x, y, relief) + errBias +
                                   errAmp * std::sin(2 * kPi * x / 4500.0) * std::cos(2 * kPi * y / 3500.0));
      if (r >= holeR0 && r < holeR1 && c >= holeC0 && c < holeC1) h(r, c) = std::nanf("");
    }
  GeoGrid g;
  g.transform = {lonMin, sp, 0, latMax, 0, -sp};
  g.length = L;
  g.width = W;
  geometry::DemOptions o;
  o.method = geometry::DemInterpolation::Bicubic;
  return geometry::Dem(std::move(h), g, o);
}

/// A scene of L × W pixels centred on the target (at the given height) for an orbit design.
inline geometry::SceneGeometry makeScene(const geometry::OrbitDesign& d, double dt, double dr, std::int64_t L, std::int64_t W,
                                         double lonOffDeg = 0.0, LUT2d doppler = {}) {
  const Orbit orb = geometry::designOrbit(d);
  const Vec3 p = Ellipsoid::wgs84().toXyz({(kLon0 + lonOffDeg) * kDeg, kLat0 * kDeg, 3000.0});
  double t = std::numeric_limits<double>::quiet_NaN(), r = 0;
  geometry::geo2rdr(p, orb, LUT2d(), 0.2360571, t, r);
  RadarGrid g{orb.toDateTime(t - 0.5 * static_cast<double>(L) * dt), dt, r - 0.5 * static_cast<double>(W) * dr, dr, 0.2360571,
              LookSide::Right, L, W};
  return geometry::SceneGeometry(orb, g, std::move(doppler));
}

inline geometry::OrbitDesign palsar2(const DateTime& t, double offNadirDelta = 0.0) {
  auto d = geometry::OrbitDesign::palsar2Stripmap(kLon0, kLat0, geometry::PassDirection::Ascending, t);
  d.targetHeight = 3000.0;
  d.offNadirDeg += offNadirDelta;
  return d;
}
inline geometry::OrbitDesign palsar1(const DateTime& t) {
  auto d = geometry::OrbitDesign::palsar1Fbs(kLon0, kLat0, geometry::PassDirection::Ascending, t);
  d.targetHeight = 3000.0;
  return d;
}

/// Ground reflectivity: a positive random field of wavelengths 60–300 m (local metres).
struct Texture {
  std::vector<double> kx, ky, ph;
  double strength = 0.6;
  explicit Texture(unsigned seed = 11, int n = 48, double strength_ = 0.6) : strength(strength_) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> ang(0, 2 * kPi), lam(60.0, 300.0);
    for (int i = 0; i < n; ++i) {
      const double a = ang(rng), l = lam(rng);
      kx.push_back(2 * kPi * std::cos(a) / l);
      ky.push_back(2 * kPi * std::sin(a) / l);
      ph.push_back(ang(rng));
    }
  }
  double operator()(double x, double y) const {
    double s = 0;
    for (std::size_t i = 0; i < kx.size(); ++i) s += std::cos(kx[i] * x + ky[i] * y + ph[i]);
    return std::exp(strength * s / std::sqrt(static_cast<double>(kx.size())));
  }
};

/// A circular slide: ground points within `radius` of (cx, cy) (local m) moved by (ue, un) m.
struct Slide {
  double cx = 700, cy = -400, radius = 500, ue = 0, un = 0;
  bool inside(double x, double y) const { return (x - cx) * (x - cx) + (y - cy) * (y - cy) < radius * radius; }
};

/// Renders an SLC: amplitude = texture at the ground point (minus the slide displacement) ×
/// sqrt(P), P = A_facet · cos θ_loc the backscattered power of the ground patch a pixel sees, with
/// A_facet = |det ∂(east, north)/∂(line, sample)| / n_up from the per-pixel ground positions
/// (backward mapping; the DEM simulation of the coreg module splats forward instead).
/// Real-valued (phase 0); 0 where rdr2geo fails.
/// `noise` > 0 multiplies each pixel by (1 + noise · N(0, 1)) drawn with `seed` (decorrelation).
inline Raster<cfloat> render(const geometry::SceneGeometry& scene, const geometry::Dem& dem, const Texture& tex,
                             const Slide& slide = {}, double noise = 0.0, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> nd(0.0, 1.0);
  geometry::TopoParams tp;
  tp.layoverShadow = false;
  const geometry::TopoLayers topo = geometry::computeTopo(scene, dem, tp);
  const std::int64_t L = scene.grid().length, W = scene.grid().width;
  Raster<double> X(L, W), Y(L, W);
  for (std::int64_t i = 0; i < L; ++i)
    for (std::int64_t j = 0; j < W; ++j) {
      X(i, j) = (topo.lon(i, j) - kLon0) * reM();
      Y(i, j) = (topo.lat(i, j) - kLat0) * rnM();
    }
  Raster<cfloat> img(L, W);
  for (std::int64_t i = 0; i < L; ++i)
    for (std::int64_t j = 0; j < W; ++j) {
      if (!std::isfinite(X(i, j))) continue;
      const std::int64_t i0 = std::max<std::int64_t>(i - 1, 0), i1 = std::min(i + 1, L - 1);
      const std::int64_t j0 = std::max<std::int64_t>(j - 1, 0), j1 = std::min(j + 1, W - 1);
      const double xl = (X(i1, j) - X(i0, j)) / static_cast<double>(i1 - i0), yl = (Y(i1, j) - Y(i0, j)) / static_cast<double>(i1 - i0);
      const double xs = (X(i, j1) - X(i, j0)) / static_cast<double>(j1 - j0), ys = (Y(i, j1) - Y(i, j0)) / static_cast<double>(j1 - j0);
      const double areaH = std::abs(xl * ys - xs * yl);
      Vec3 n;
      if (dem.surfaceNormalEnu(topo.lon(i, j) * kDeg, topo.lat(i, j) * kDeg, n) != Status::Ok || !(n.z() > 0)) continue;
      const double c = std::cos(static_cast<double>(topo.localIncidence(i, j)) * kDeg);
      const double power = std::isfinite(areaH) ? areaH / n.z() * std::max(c, 0.0) : 0.0;
      double x = X(i, j), y = Y(i, j);
      if (slide.inside(x, y)) { x -= slide.ue; y -= slide.un; }
      const double f = noise > 0 ? std::max(0.0, 1.0 + noise * nd(rng)) : 1.0;
      img(i, j) = cfloat(static_cast<float>(tex(x, y) * std::sqrt(power) * f), 0.0f);
    }
  return img;
}
}  // namespace coregtest
