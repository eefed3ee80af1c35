#include "orthotrack/geometry/layers.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"

namespace orthotrack::geometry {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();

template <class T>
void checkView(const RasterView<T>& v, const Block& b, const char* name) {
  if (!v.empty() && (v.length() != b.rows || v.width() != b.cols))
    throw InvalidInput("output view does not match the block size",
                       {"", name, std::to_string(v.length()) + "x" + std::to_string(v.width()) + " for block " +
                                      std::to_string(b.rows) + "x" + std::to_string(b.cols)});
}
template <class T>
inline void put(const RasterView<T>& v, std::int64_t i, std::int64_t j, double x) {
  if (!v.empty()) v(i, j) = static_cast<T>(x);
}
template <class T>
RasterView<T> win(Raster<T>& r, const Block& b) {
  if (r.empty()) return {};
  return r.view().window(b.row0, b.col0, b.rows, b.cols);
}

using detail::DopplerFrame;
using LineFrame = DopplerFrame;
LineFrame lineFrame(const SensorState& st, LookSide side, const Ellipsoid& ell) { return detail::makeFrame(st, side, ell); }

// Distance along the ray at angle θ in the zero-Doppler plane to the ellipsoid (NaN if it misses).
inline double rayToEllipsoidCS(const LineFrame& f, double cosTh, double sinTh, const Ellipsoid& ell, Vec3& q) {
  const Vec3 d = cosTh * f.en + sinTh * f.ec;
  const double ia2 = 1.0 / (ell.a() * ell.a()), b = ell.b(), ib2 = 1.0 / (b * b);
  const double A = (d.x() * d.x() + d.y() * d.y()) * ia2 + d.z() * d.z() * ib2;
  const double B = 2.0 * ((f.s.x() * d.x() + f.s.y() * d.y()) * ia2 + f.s.z() * d.z() * ib2);
  const double C = (f.s.x() * f.s.x() + f.s.y() * f.s.y()) * ia2 + f.s.z() * f.s.z() * ib2 - 1.0;
  const double disc = B * B - 4 * A * C;
  if (disc < 0) return kNaN;
  const double tau = (-B - std::sqrt(disc)) / (2 * A);
  q = f.s + tau * d;
  return tau;
}
inline double rayToEllipsoid(const LineFrame& f, double th, const Ellipsoid& ell, Vec3& q) {
  return rayToEllipsoidCS(f, std::cos(th), std::sin(th), ell, q);
}

// Look angle at which the ray meets the ellipsoid at distance R (bisection; the distance grows
// with the angle up to the horizon).
double angleForEllipsoidRange(const LineFrame& f, double R, const Ellipsoid& ell) {
  double lo = 0.0, hi = 0.5 * kPi;
  Vec3 q;
  for (int k = 0; k < 60; ++k) {
    const double m = 0.5 * (lo + hi);
    const double tau = rayToEllipsoid(f, m, ell, q);
    if (!std::isfinite(tau) || tau > R) hi = m;
    else lo = m;
  }
  return 0.5 * (lo + hi);
}
}  // namespace

void TopoParams::validate() const {
  rdr2geo.validate();
  if (blockLines <= 0) throw InvalidInput("block size must be positive", {"", "topo.block_lines", std::to_string(blockLines)});
  if (!(maskOversampling >= 1.0 && maskOversampling <= 64.0))
    throw InvalidInput("mask oversampling must be within [1, 64]", {"", "topo.mask_oversampling", std::to_string(maskOversampling)});
}

void MapLookupParams::validate() const {
  geo2rdr.validate();
  if (blockRows <= 0) throw InvalidInput("block size must be positive", {"", "map_lookup.block_rows", std::to_string(blockRows)});
}

void RadarLookupParams::validate() const {
  rdr2geo.validate();
  geo2rdr.validate();
  if (blockLines <= 0) throw InvalidInput("block size must be positive", {"", "radar_lookup.block_lines", std::to_string(blockLines)});
}

TopoViews TopoViews::window(TopoLayers& L, const Block& b) {
  TopoViews v;
  v.lon = win(L.lon, b);
  v.lat = win(L.lat, b);
  v.height = win(L.height, b);
  v.incidence = win(L.incidence, b);
  v.localIncidence = win(L.localIncidence, b);
  v.losE = win(L.losE, b);
  v.losN = win(L.losN, b);
  v.losU = win(L.losU, b);
  v.flightE = win(L.flightE, b);
  v.flightN = win(L.flightN, b);
  v.flightU = win(L.flightU, b);
  v.mask = win(L.mask, b);
  v.status = win(L.status, b);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Layover / shadow along one line: a ground profile in the line's zero-Doppler plane, sampled by
// the look angle θ of the ray that meets the ellipsoid, each point lifted to its DEM height.
// Ordered by increasing ground distance, a point is
//   shadowed  if its look angle is below the largest look angle of the nearer points,
//   laid over if its slant range is below the largest range of the nearer points, or above the
//             smallest range of the farther points (the range is not monotonic there).
// Each profile segment with a flagged end marks the range pixels its range interval covers.
Status layoverShadowLine(const SceneGeometry& scene, const Dem& dem, std::int64_t line, std::int64_t sample0,
                         std::int64_t n, std::uint8_t* out, double oversampling) noexcept {
  std::fill(out, out + n, std::uint8_t{0});
  if (dem.isConstant() || n <= 0) return Status::Ok;  // a constant height casts no shadow, lays nothing over
  SensorState st;
  if (sensorState(scene, scene.time(static_cast<double>(line)), st) != Status::Ok) return Status::OutOfDomain;
  const Ellipsoid ell = Ellipsoid::wgs84();
  const LineFrame f = lineFrame(st, scene.lookSide(), ell);
  if (!f.valid) return Status::InvalidValue;
  const double dR = scene.grid().rangePixelSpacing;
  const double hmin = dem.minHeight(), hmax = dem.maxHeight();
  const double relief = hmax - hmin;
  const double a2 = ell.a() * ell.a(), b2 = ell.b() * ell.b(), oneMinusE2 = 1.0 - ell.e2();
  // Ellipsoid ranges of the rays whose lifted points can fall in slant ranges [rA, rB]: a point at
  // height h above the ray's ellipsoid point q0 (range R_e, incidence i there) is at range
  // R = sqrt(R_e² − 2 h R_e cos i + h²) ≈ R_e − h cos i (− h² sin² i / 2R), so R_e spans [rA, rB]
  // shifted by h cos i over [hmin, hmax] and the swath's incidences (cos i within [cFar, cNear]);
  // the near end also takes twice the relief for the points that cast shadows or lay over.
  auto cosIncidence = [&](double R) {
    Vec3 q;
    const double th = angleForEllipsoidRange(f, R, ell);
    const Vec3 d = std::cos(th) * f.en + std::sin(th) * f.ec;
    if (!std::isfinite(rayToEllipsoid(f, th, ell, q))) return 0.0;
    return std::clamp(-d.dot(Vec3(q.x() / a2, q.y() / a2, q.z() / b2).normalized()), 0.0, 1.0);
  };
  const double rFirst = scene.range(0.0), rLast = scene.range(static_cast<double>(scene.grid().width - 1));
  const double cNear = std::min(1.0, cosIncidence(rFirst) + 0.02), cFar = std::max(0.0, cosIncidence(rLast) - 0.02);
  const double hAbs = std::max(std::abs(hmin), std::abs(hmax));
  auto rangeLo = [&](double rA) {
    return rA + (hmin >= 0 ? hmin * cFar : hmin) - hAbs * hAbs / (2.0 * rA) - 2.0 * relief - 2 * dR;
  };
  auto rangeHi = [&](double rB) { return rB + (hmax >= 0 ? hmax * cNear : hmax * cFar) + 0.01 * hAbs + 2 * dR; };
  // The profile's angles are laid out for the whole width of the grid, so that a block of samples
  // sees the same profile points as the full line (results do not depend on the blocking); only
  // the points needed for [sample0, sample0 + n) are evaluated.
  const double Rlo = rangeLo(rFirst), Rhi = rangeHi(rLast);
  const double th0 = angleForEllipsoidRange(f, std::max(Rlo, 1.0), ell);
  const double th1 = angleForEllipsoidRange(f, Rhi, ell);
  if (!(th1 > th0)) return Status::OutOfDomain;
  const auto K = static_cast<std::int64_t>(std::ceil((Rhi - Rlo) / dR * oversampling)) + 2;
  auto thetaAt = [&](std::int64_t k) { return th0 + (th1 - th0) * static_cast<double>(k) / static_cast<double>(K - 1); };
  const double rA = scene.range(static_cast<double>(sample0)), rB = scene.range(static_cast<double>(sample0 + n - 1));
  const double wth0 = angleForEllipsoidRange(f, std::max(rangeLo(rA), 1.0), ell);
  const double wth1 = angleForEllipsoidRange(f, rangeHi(rB), ell);
  const std::int64_t kS = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(std::floor((wth0 - th0) / (th1 - th0) * static_cast<double>(K - 1))) - 1, 0, K - 1);
  const std::int64_t kE = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(std::ceil((wth1 - th0) / (th1 - th0) * static_cast<double>(K - 1))) + 1, kS, K - 1);
  const auto nk = static_cast<std::size_t>(kE - kS + 1);
  // Per-thread scratch (one profile per line; no allocation once grown).
  thread_local std::vector<double> R, phi;
  thread_local std::vector<std::uint8_t> flag;
  R.assign(nk, kNaN);
  phi.assign(nk, kNaN);
  flag.assign(nk, 0);
  // Geodetic lon/lat of the ray points: exact at knots (every 8th index of the whole profile),
  // linear in between (the profile is smooth: far below a millimetre over 8 points; the mask is
  // per pixel).
  constexpr std::int64_t kKnot = 8;
  auto geodetic = [&](std::int64_t k, double& lon, double& lat) {
    Vec3 q;
    if (!std::isfinite(rayToEllipsoid(f, thetaAt(k), ell, q))) {
      lon = lat = kNaN;
      return;
    }
    lon = std::atan2(q.y(), q.x());
    lat = std::atan2(q.z(), oneMinusE2 * std::sqrt(q.x() * q.x() + q.y() * q.y()));
  };
  double lonA = kNaN, latA = kNaN, lonB = kNaN, latB = kNaN;
  std::int64_t kA = -1, kB = -1;
  // cos/sin of the ray angles: exact at the knots, rotated by the constant step in between.
  const double dth = (th1 - th0) / static_cast<double>(K - 1), cd = std::cos(dth), sd = std::sin(dth);
  double cth = 1, sth = 0;
  for (std::int64_t k = kS; k <= kE; ++k) {
    const std::int64_t knot = k / kKnot * kKnot;
    if (knot != kA) {
      kA = knot;
      kB = std::min(K - 1, knot + kKnot);
      geodetic(kA, lonA, latA);
      geodetic(kB, lonB, latB);
      const double thA = thetaAt(kA);
      cth = std::cos(thA);
      sth = std::sin(thA);
      for (std::int64_t m = kA; m < k; ++m) {  // a window that starts between knots
        const double c2 = cth * cd - sth * sd;
        sth = sth * cd + cth * sd;
        cth = c2;
      }
    } else {
      const double c2 = cth * cd - sth * sd;
      sth = sth * cd + cth * sd;
      cth = c2;
    }
    Vec3 q;
    if (!std::isfinite(rayToEllipsoidCS(f, cth, sth, ell, q))) continue;
    double lon, lat;
    if (std::abs(lonB - lonA) < 1e-2 && std::isfinite(latA) && std::isfinite(latB) && kB > kA) {
      const double w = static_cast<double>(k - kA) / static_cast<double>(kB - kA);
      lon = lonA + w * (lonB - lonA);
      lat = latA + w * (latB - latA);
    } else {  // a knot off the ellipsoid or a longitude wrap: exact
      lon = std::atan2(q.y(), q.x());
      lat = std::atan2(q.z(), oneMinusE2 * std::sqrt(q.x() * q.x() + q.y() * q.y()));
    }
    double h;
    if (dem.height(lon, lat, h) != Status::Ok) continue;
    const Vec3 nrm = Vec3(q.x() / a2, q.y() / a2, q.z() / b2).normalized();
    const Vec3 d = q + h * nrm - f.s;
    const auto kk = static_cast<std::size_t>(k - kS);
    R[kk] = d.norm();
    // A monotonic function of the look angle atan2(d·ê_c, d·ê_n): its tangent while the point is
    // below the sensor's horizontal (d·ê_n > 0, every ground point of the profile).
    const double dn = d.dot(f.en), dc = d.dot(f.ec);
    phi[kk] = dn > 0 ? dc / dn : (dc >= 0 ? 1e300 : -1e300);
  }
  double maxPhi = -1e300, maxR = -1e300;
  for (std::size_t k = 0; k < R.size(); ++k) {
    if (!std::isfinite(R[k])) continue;
    if (phi[k] < maxPhi) flag[k] |= kMaskShadow;
    if (R[k] < maxR) flag[k] |= kMaskLayover;
    maxPhi = std::max(maxPhi, phi[k]);
    maxR = std::max(maxR, R[k]);
  }
  double minR = 1e300;
  for (std::size_t k = R.size(); k-- > 0;) {
    if (!std::isfinite(R[k])) continue;
    if (R[k] > minR) flag[k] |= kMaskLayover;
    minR = std::min(minR, R[k]);
  }
  const double r0 = scene.range(static_cast<double>(sample0));
  for (std::size_t k = 0; k + 1 < R.size(); ++k) {
    const std::uint8_t fl = flag[k] | flag[k + 1];
    if (!fl || !std::isfinite(R[k]) || !std::isfinite(R[k + 1])) continue;
    const double lo = std::min(R[k], R[k + 1]), hi = std::max(R[k], R[k + 1]);
    const auto j0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::ceil((lo - r0) / dR)));
    const auto j1 = std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(std::floor((hi - r0) / dR)));
    for (std::int64_t j = j0; j <= j1; ++j) out[j] |= fl;
  }
  return Status::Ok;
}

// ---------------------------------------------------------------------------------------------
void computeTopoBlock(const SceneGeometry& scene, const Dem& dem, const Block& b, const TopoViews& o, const TopoParams& prm) {
  checkView(o.lon, b, "topo.lon");
  checkView(o.lat, b, "topo.lat");
  checkView(o.height, b, "topo.height");
  checkView(o.incidence, b, "topo.incidence");
  checkView(o.localIncidence, b, "topo.local_incidence");
  checkView(o.losE, b, "topo.los_e");
  checkView(o.losN, b, "topo.los_n");
  checkView(o.losU, b, "topo.los_u");
  checkView(o.flightE, b, "topo.flight_e");
  checkView(o.flightN, b, "topo.flight_n");
  checkView(o.flightU, b, "topo.flight_u");
  checkView(o.mask, b, "topo.mask");
  checkView(o.status, b, "topo.status");
  const double lambda = scene.wavelength();
  const LookSide side = scene.lookSide();
  const bool wantLocal = !o.localIncidence.empty();
  const bool zeroDoppler = scene.zeroDoppler();
  const Ellipsoid ell = Ellipsoid::wgs84();
  std::vector<std::uint8_t> maskRow(static_cast<std::size_t>(b.cols));
  double rowGuess = kNaN;
  for (std::int64_t i = 0; i < b.rows; ++i) {
    const std::int64_t line = b.row0 + i;
    const double t = scene.time(static_cast<double>(line));
    SensorState st;
    Status lineSt = sensorState(scene, t, st);
    detail::DopplerFrame frame;
    if (lineSt == Status::Ok) {
      frame = detail::makeFrame(st, side, ell);
      if (!frame.valid) lineSt = Status::InvalidValue;
    }
    if (!o.mask.empty()) {
      if (prm.layoverShadow && lineSt == Status::Ok)
        layoverShadowLine(scene, dem, line, b.col0, b.cols, maskRow.data(), prm.maskOversampling);
      else
        std::fill(maskRow.begin(), maskRow.end(), std::uint8_t{0});
    }
    double prev = kNaN, prev2 = kNaN;
    for (std::int64_t j = 0; j < b.cols; ++j) {
      const double r = scene.range(static_cast<double>(b.col0 + j));
      detail::GroundPoint gp;
      Status s = lineSt;
      if (s == Status::Ok) {
        // First guess: linear extrapolation of the look angle along the line.
        const double guess = std::isfinite(prev2) ? 2 * prev - prev2 : (std::isfinite(prev) ? prev : rowGuess);
        s = detail::rdr2geoFrame(frame, r, zeroDoppler ? 0.0 : scene.dopplerAt(t, r), lambda, dem, guess, gp, prm.rdr2geo,
                                 ell);
      }
      put(o.status, i, j, static_cast<double>(static_cast<int>(s)));
      if (s != Status::Ok) {
        prev = prev2 = kNaN;
        for (const auto* v : {&o.lon, &o.lat}) put(*v, i, j, kNaN);
        for (const auto* v : {&o.height, &o.incidence, &o.localIncidence, &o.losE, &o.losN, &o.losU, &o.flightE,
                              &o.flightN, &o.flightU})
          put(*v, i, j, kNaNf);
        put(o.mask, i, j, 0.0);
        continue;
      }
      prev2 = prev;
      prev = gp.lookAngle;
      if (j == 0) rowGuess = gp.lookAngle;
      const double lon = gp.geo.lon, lat = gp.geo.lat;
      const EnuBasis enu = detail::enuBasis(gp.geo);
      const Vec3 l = enu.toEnu((st.position - gp.xyz).normalized());
      Vec3 fl = enu.toEnu(st.velocity);
      fl.z() = 0.0;
      fl.normalize();
      put(o.lon, i, j, lon / kDeg);
      put(o.lat, i, j, lat / kDeg);
      put(o.height, i, j, gp.hd);
      put(o.incidence, i, j, std::acos(std::clamp(l.z(), -1.0, 1.0)) / kDeg);
      if (wantLocal) {
        double gE, gN;
        if (dem.slopeEN(lon, lat, gp.hd, gE, gN) == Status::Ok)
          put(o.localIncidence, i, j, std::acos(std::clamp(Vec3(-gE, -gN, 1.0).normalized().dot(l), -1.0, 1.0)) / kDeg);
        else
          put(o.localIncidence, i, j, kNaN);
      }
      put(o.losE, i, j, l.x());
      put(o.losN, i, j, l.y());
      put(o.losU, i, j, l.z());
      put(o.flightE, i, j, fl.x());
      put(o.flightN, i, j, fl.y());
      put(o.flightU, i, j, fl.z());
      if (!o.mask.empty()) o.mask(i, j) = maskRow[static_cast<std::size_t>(j)];
    }
  }
}

void TopoLayers::resize(std::int64_t length, std::int64_t width) {
  lon.resize(length, width);
  lat.resize(length, width);
  for (auto* r : {&height, &incidence, &localIncidence, &losE, &losN, &losU, &flightE, &flightN, &flightU})
    r->resize(length, width);
  mask.resize(length, width);
  status.resize(length, width);
}

TopoLayers computeTopo(const SceneGeometry& scene, const Dem& dem, const TopoParams& prm) {
  prm.validate();
  const std::int64_t L = scene.grid().length, W = scene.grid().width;
  TopoLayers out;
  out.resize(L, W);
  const auto blocks = makeBlocks(L, W, prm.blockLines);
  parallelForBlocks(blocks, [&](const Block& b) { computeTopoBlock(scene, dem, b, TopoViews::window(out, b), prm); });
  return out;
}

// ---------------------------------------------------------------------------------------------
void mapToRadarBlock(const SceneGeometry& scene, const Dem& dem, const GeoGrid& grid, const Block& b,
                     RasterView<double> line, RasterView<double> sample, RasterView<std::uint8_t> mask,
                     RasterView<std::uint8_t> status, const MapLookupParams& prm) {
  checkView(line, b, "map_lookup.line");
  checkView(sample, b, "map_lookup.sample");
  checkView(mask, b, "map_lookup.mask");
  checkView(status, b, "map_lookup.status");
  if (!grid.isGeographic() || grid.transform[2] != 0.0 || grid.transform[4] != 0.0)
    throw InvalidInput("map look-up needs an unrotated EPSG:4326 grid", {"", "map_lookup.grid.epsg", std::to_string(grid.epsg)});
  const Ellipsoid ell = Ellipsoid::wgs84();
  // Per-column longitude and its sine and cosine, per-row latitude terms: hoisted out of the cells.
  std::vector<double> lonv(static_cast<std::size_t>(b.cols)), sLon(lonv.size()), cLon(lonv.size());
  for (std::int64_t j = 0; j < b.cols; ++j) {
    const auto k = static_cast<std::size_t>(j);
    lonv[k] = grid.x(static_cast<double>(b.col0 + j)) * kDeg;
    sLon[k] = std::sin(lonv[k]);
    cLon[k] = std::cos(lonv[k]);
  }
  double rowGuess = kNaN;
  for (std::int64_t i = 0; i < b.rows; ++i) {
    const double lat = grid.y(static_cast<double>(b.row0 + i)) * kDeg;
    const double sLat = std::sin(lat), cLat = std::cos(lat);
    const double rE = ell.a() / std::sqrt(1.0 - ell.e2() * sLat * sLat);
    double prev = kNaN, prev2 = kNaN;
    for (std::int64_t j = 0; j < b.cols; ++j) {
      const auto k = static_cast<std::size_t>(j);
      const double lon = lonv[k];
      // First guess: the previous cells of the row extrapolated, else the previous row's first cell.
      double h, t = std::isfinite(prev2) ? 2 * prev - prev2 : (std::isfinite(prev) ? prev : rowGuess), r = kNaN;
      SensorState sen;
      Status s = dem.height(lon, lat, h);
      const Vec3 p((rE + h) * cLat * cLon[k], (rE + h) * cLat * sLon[k], (rE * (1.0 - ell.e2()) + h) * sLat);
      if (s == Status::Ok) s = geo2rdr(p, scene, t, r, prm.geo2rdr, &sen);
      put(status, i, j, static_cast<double>(static_cast<int>(s)));
      if (s != Status::Ok) {
        prev = prev2 = kNaN;
        put(line, i, j, kNaN);
        put(sample, i, j, kNaN);
        put(mask, i, j, 0.0);
        continue;
      }
      prev2 = prev;
      prev = t;
      if (j == 0) rowGuess = t;
      put(line, i, j, scene.line(t));
      put(sample, i, j, scene.sample(r));
      if (!mask.empty()) {
        std::uint8_t fl = 0;
        double gE, gN;
        if (prm.flags && dem.slopeEN(lon, lat, h, gE, gN) == Status::Ok) {
          const Vec3 nrm = Vec3(-gE, -gN, 1.0).normalized();
          detail::Geodetic g;
          g.sinLon = sLon[k];
          g.cosLon = cLon[k];
          g.sinLat = sLat;
          g.cosLat = cLat;
          const Vec3 l = detail::enuBasis(g).toEnu((sen.position - p).normalized());
          if (nrm.dot(l) < 0) fl |= kMaskShadow;
          // Tangent of the terrain along the horizontal direction away from the sensor.
          Vec3 gd(-l.x(), -l.y(), 0.0);
          if (gd.norm() > 0) {
            gd.normalize();
            // Slope along gd from the normal: dh/dg = −(n_E g_E + n_N g_N)/n_U.
            const Vec3 tan(gd.x(), gd.y(), -(nrm.x() * gd.x() + nrm.y() * gd.y()) / nrm.z());
            if (l.dot(tan) > 0) fl |= kMaskLayover;
          }
        }
        mask(i, j) = fl;
      }
    }
  }
}

MapLookup mapToRadar(const SceneGeometry& scene, const Dem& dem, const GeoGrid& grid, const MapLookupParams& prm) {
  prm.validate();
  MapLookup out;
  out.line.resize(grid.length, grid.width);
  out.sample.resize(grid.length, grid.width);
  out.mask.resize(grid.length, grid.width);
  out.status.resize(grid.length, grid.width);
  const auto blocks = makeBlocks(grid.length, grid.width, prm.blockRows);
  parallelForBlocks(blocks, [&](const Block& b) {
    mapToRadarBlock(scene, dem, grid, b, win(out.line, b), win(out.sample, b), win(out.mask, b), win(out.status, b), prm);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
template <class T>
void radarToRadarBlock(const SceneGeometry& ref, const SceneGeometry& sec, const Dem& dem, const Block& b,
                       RasterView<T> line, RasterView<T> sample, RasterView<std::uint8_t> status,
                       const RadarLookupParams& prm) {
  checkView(line, b, "radar_lookup.line");
  checkView(sample, b, "radar_lookup.sample");
  checkView(status, b, "radar_lookup.status");
  const Ellipsoid ell = Ellipsoid::wgs84();
  const bool zeroDoppler = ref.zeroDoppler();
  double rowGuessT = kNaN;
  for (std::int64_t i = 0; i < b.rows; ++i) {
    const double tRef = ref.time(static_cast<double>(b.row0 + i));
    SensorState st;
    Status lineSt = sensorState(ref, tRef, st);
    detail::DopplerFrame frame;
    if (lineSt == Status::Ok) {
      frame = detail::makeFrame(st, ref.lookSide(), ell);
      if (!frame.valid) lineSt = Status::InvalidValue;
    }
    double prev = kNaN, prev2 = kNaN, guessT = rowGuessT;
    for (std::int64_t j = 0; j < b.cols; ++j) {
      const double r = ref.range(static_cast<double>(b.col0 + j));
      detail::GroundPoint gp;
      Status s = lineSt;
      if (s == Status::Ok) {
        const double guess = std::isfinite(prev2) ? 2 * prev - prev2 : prev;
        s = detail::rdr2geoFrame(frame, r, zeroDoppler ? 0.0 : ref.dopplerAt(tRef, r), ref.wavelength(), dem, guess, gp,
                                 prm.rdr2geo, ell);
      }
      double t2 = std::isfinite(guessT) ? guessT : sec.time(0.5 * static_cast<double>(sec.grid().length - 1)), r2 = kNaN;
      if (s == Status::Ok) {
        prev2 = prev;
        prev = gp.lookAngle;
        s = geo2rdr(gp.xyz, sec, t2, r2, prm.geo2rdr);
      } else {
        prev = prev2 = kNaN;
      }
      put(status, i, j, static_cast<double>(static_cast<int>(s)));
      if (s != Status::Ok) {
        put(line, i, j, kNaN);
        put(sample, i, j, kNaN);
        continue;
      }
      guessT = t2;
      if (j == 0) rowGuessT = t2 + ref.grid().azimuthTimeInterval;
      put(line, i, j, sec.line(t2));
      put(sample, i, j, sec.sample(r2));
    }
  }
}

template <class T>
RadarLookup<T> radarToRadar(const SceneGeometry& ref, const SceneGeometry& sec, const Dem& dem, const RadarLookupParams& prm) {
  prm.validate();
  RadarLookup<T> out;
  const std::int64_t L = ref.grid().length, W = ref.grid().width;
  out.line.resize(L, W);
  out.sample.resize(L, W);
  out.status.resize(L, W);
  const auto blocks = makeBlocks(L, W, prm.blockLines);
  parallelForBlocks(blocks, [&](const Block& b) {
    radarToRadarBlock<T>(ref, sec, dem, b, win(out.line, b), win(out.sample, b), win(out.status, b), prm);
  });
  return out;
}

template void radarToRadarBlock<float>(const SceneGeometry&, const SceneGeometry&, const Dem&, const Block&,
                                       RasterView<float>, RasterView<float>, RasterView<std::uint8_t>,
                                       const RadarLookupParams&);
template void radarToRadarBlock<double>(const SceneGeometry&, const SceneGeometry&, const Dem&, const Block&,
                                        RasterView<double>, RasterView<double>, RasterView<std::uint8_t>,
                                        const RadarLookupParams&);
template RadarLookup<float> radarToRadar<float>(const SceneGeometry&, const SceneGeometry&, const Dem&,
                                                const RadarLookupParams&);
template RadarLookup<double> radarToRadar<double>(const SceneGeometry&, const SceneGeometry&, const Dem&,
                                                  const RadarLookupParams&);

}  // namespace orthotrack::geometry
