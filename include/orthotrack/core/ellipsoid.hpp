#pragma once
/// Reference ellipsoid and geodetic conversions. Angles in radians, lengths in metres.
#include <cmath>

#include "orthotrack/core/vec3.hpp"

namespace orthotrack {

/// Longitude, latitude (radians) and height above the ellipsoid (m).
struct LonLatH {
  double lon = 0.0;
  double lat = 0.0;
  double h = 0.0;
};

/// Local East-North-Up basis at a point: columns of `R` are e, n, u expressed in ECEF.
struct EnuBasis {
  Vec3 east, north, up;
  /// ENU components of an ECEF vector.
  Vec3 toEnu(const Vec3& ecef) const { return {east.dot(ecef), north.dot(ecef), up.dot(ecef)}; }
  /// ECEF vector from ENU components.
  Vec3 toEcef(const Vec3& enu) const { return east * enu.x() + north * enu.y() + up * enu.z(); }
};

/// Geodetic coordinates with the sines and cosines of lon and lat (from the same intermediates as
/// the conversion, for inner loops that need both).
struct GeodeticTrig {
  double lon = 0, lat = 0, h = 0;  ///< rad, rad, m
  double sinLon = 0, cosLon = 1, sinLat = 0, cosLat = 1;
};

class Ellipsoid {
 public:
  /// WGS84 by default.
  constexpr Ellipsoid() = default;
  constexpr Ellipsoid(double a, double e2) : a_(a), e2_(e2) {}
  static constexpr Ellipsoid wgs84() { return {6378137.0, 0.0066943799901413165}; }

  double a() const { return a_; }
  double e2() const { return e2_; }
  double b() const;
  /// Prime-vertical radius of curvature N(lat).
  double rEast(double lat) const;
  /// Meridional radius of curvature M(lat).
  double rNorth(double lat) const;

  /// Geodetic → ECEF (m).
  Vec3 toXyz(const LonLatH& llh) const;
  /// ECEF → geodetic; exact to < 1 nm-level for any point including the poles and the centre region
  /// beyond |h| < 1e4 km (Vermeille 2002 closed form, with a pole-safe branch).
  LonLatH toLonLatH(const Vec3& xyz) const {
    const GeodeticTrig g = toGeodeticTrig(xyz);
    return {g.lon, g.lat, g.h};
  }
  /// The same conversion with the trigonometry of lon and lat (no extra trigonometric calls).
  /// Inline: the geometry's Newton loops call it per pixel.
  GeodeticTrig toGeodeticTrig(const Vec3& xyz) const noexcept;
  /// ENU basis at a geodetic position (depends on lon, lat only).
  static EnuBasis enu(double lon, double lat);
  /// Unit normal to the ellipsoid at a geodetic position (== enu(lon,lat).up).
  static Vec3 normal(double lon, double lat);

 private:
  double a_ = 6378137.0;
  double e2_ = 0.0066943799901413165;
};

// Closed form of Vermeille (2002), "Direct transformation from geocentric coordinates to geodetic
// coordinates", J. Geodesy 76. Valid outside a small region around the Earth's centre.
inline GeodeticTrig Ellipsoid::toGeodeticTrig(const Vec3& v) const noexcept {
  const double x = v.x(), y = v.y(), z = v.z();
  const double e4 = e2_ * e2_;
  const double rho2 = x * x + y * y;
  const double p = rho2 / (a_ * a_);
  const double q = (1.0 - e2_) / (a_ * a_) * z * z;
  const double r = (p + q - e4) / 6.0;
  const double s = e4 * p * q / (4.0 * r * r * r);
  const double t = std::cbrt(1.0 + s + std::sqrt(s * (2.0 + s)));
  const double u = r * (1.0 + t + 1.0 / t);
  const double vv = std::sqrt(u * u + e4 * q);
  const double w = e2_ * (u + vv - q) / (2.0 * vv);
  const double k = std::sqrt(u + vv + w * w) - w;
  const double rho = std::sqrt(rho2);
  const double d = k * rho / (k + e2_);
  const double dz = std::sqrt(d * d + z * z);
  GeodeticTrig g;
  g.lon = std::atan2(y, x);
  g.lat = 2.0 * std::atan2(z, d + dz);
  g.h = (k + e2_ - 1.0) / k * dz;
  if (rho > 0) {
    g.sinLon = y / rho;
    g.cosLon = x / rho;
  }
  g.sinLat = z / dz;
  g.cosLat = d / dz;
  return g;
}

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
/// Speed of light in vacuum (m/s).
constexpr double kSpeedOfLight = 299792458.0;

}  // namespace orthotrack
