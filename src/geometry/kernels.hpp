#pragma once
// Inner kernels of the geometry module shared by range_doppler.cpp and layers.cpp (not installed).
// Frames and units as in range_doppler.hpp: ECEF metres, radians, seconds since the orbit epoch.
#include <cmath>

#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/range_doppler.hpp"

namespace orthotrack::geometry::detail {

/// Geodetic coordinates (lon, lat in rad, h in m above the ellipsoid) with their sines and cosines.
struct Geodetic {
  double lon = 0, lat = 0, h = 0;
  double sinLon = 0, cosLon = 1, sinLat = 0, cosLat = 1;
};

/// ECEF → geodetic, the closed form of Ellipsoid::toLonLatH (Vermeille 2002), also returning the
/// sines and cosines of lon and lat from the same intermediates (no extra trigonometric calls).
inline void toGeodetic(const Vec3& v, const Ellipsoid& ell, Geodetic& g) noexcept {
  const double x = v.x(), y = v.y(), z = v.z();
  const double a = ell.a(), e2 = ell.e2();
  const double e4 = e2 * e2;
  const double rho2 = x * x + y * y;
  const double p = rho2 / (a * a);
  const double q = (1.0 - e2) / (a * a) * z * z;
  const double r = (p + q - e4) / 6.0;
  const double s = e4 * p * q / (4.0 * r * r * r);
  const double t = std::cbrt(1.0 + s + std::sqrt(s * (2.0 + s)));
  const double u = r * (1.0 + t + 1.0 / t);
  const double vv = std::sqrt(u * u + e4 * q);
  const double w = e2 * (u + vv - q) / (2.0 * vv);
  const double k = std::sqrt(u + vv + w * w) - w;
  const double rho = std::sqrt(rho2);
  const double d = k * rho / (k + e2);
  const double dz = std::sqrt(d * d + z * z);
  g.lon = std::atan2(y, x);
  g.lat = 2.0 * std::atan2(z, d + dz);
  g.h = (k + e2 - 1.0) / k * dz;
  if (rho > 0) {
    g.sinLon = y / rho;
    g.cosLon = x / rho;
  } else {
    g.sinLon = 0.0;
    g.cosLon = 1.0;
  }
  g.sinLat = z / dz;
  g.cosLat = d / dz;
}

/// Prime-vertical (east) and meridional (north) radii of curvature from sin(lat).
inline void radii(const Ellipsoid& ell, double sinLat, double& rEast, double& rNorth) noexcept {
  const double w = 1.0 - ell.e2() * sinLat * sinLat;
  const double sw = std::sqrt(w);
  rEast = ell.a() / sw;
  rNorth = ell.a() * (1.0 - ell.e2()) / (w * sw);
}

/// ENU basis at a point of known trigonometry.
inline EnuBasis enuBasis(const Geodetic& g) noexcept {
  EnuBasis b;
  b.east = Vec3(-g.sinLon, g.cosLon, 0.0);
  b.north = Vec3(-g.sinLat * g.cosLon, -g.sinLat * g.sinLon, g.cosLat);
  b.up = Vec3(g.cosLat * g.cosLon, g.cosLat * g.sinLon, g.sinLat);
  return b;
}

/// The Range-Doppler frame of one azimuth time: sensor position s and velocity v (ECEF), v̂, the
/// geodetic nadir made orthogonal to v̂ (ê_n) and the horizontal look-side direction ê_c.
struct DopplerFrame {
  Vec3 s = Vec3::Zero(), v = Vec3::Zero(), vh = Vec3::Zero(), en = Vec3::Zero(), ec = Vec3::Zero();
  double vn = 0;         ///< |v|, m/s
  double sensorH = 0;    ///< sensor height above the ellipsoid, m
  bool valid = false;    ///< finite state with a non-zero velocity
};
DopplerFrame makeFrame(const SensorState& st, LookSide side, const Ellipsoid& ell) noexcept;

/// rdr2geo's answer with the trigonometry of its lon/lat.
struct GroundPoint {
  Vec3 xyz = Vec3::Zero();  ///< ECEF on the DEM surface, m
  Geodetic geo;             ///< lon/lat of xyz (geo.h is the height of the last iterate, not hd)
  double hd = 0;            ///< DEM height there, m
  double lookAngle = 0;     ///< rad, in the Doppler cone from the nadir
};

/// rdr2geo on a prepared frame (docs/geometry.md): `guess` is the first look angle (NaN: sphere
/// estimate). Never throws.
Status rdr2geoFrame(const DopplerFrame& f, double r, double dopplerHz, double wavelength, const Dem& dem, double guess,
                    GroundPoint& out, const Rdr2GeoParams& prm, const Ellipsoid& ell) noexcept;

}  // namespace orthotrack::geometry::detail
