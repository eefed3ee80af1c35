#pragma once
/// Reference ellipsoid and geodetic conversions. Angles in radians, lengths in metres.
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
  LonLatH toLonLatH(const Vec3& xyz) const;
  /// ENU basis at a geodetic position (depends on lon, lat only).
  static EnuBasis enu(double lon, double lat);
  /// Unit normal to the ellipsoid at a geodetic position (== enu(lon,lat).up).
  static Vec3 normal(double lon, double lat);

 private:
  double a_ = 6378137.0;
  double e2_ = 0.0066943799901413165;
};

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;
/// Speed of light in vacuum (m/s).
constexpr double kSpeedOfLight = 299792458.0;

}  // namespace orthotrack
