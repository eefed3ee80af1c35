#include "orthotrack/core/ellipsoid.hpp"

#include <cmath>

namespace orthotrack {

double Ellipsoid::b() const { return a_ * std::sqrt(1.0 - e2_); }

double Ellipsoid::rEast(double lat) const {
  const double s = std::sin(lat);
  return a_ / std::sqrt(1.0 - e2_ * s * s);
}

double Ellipsoid::rNorth(double lat) const {
  const double s = std::sin(lat);
  const double w = 1.0 - e2_ * s * s;
  return a_ * (1.0 - e2_) / (w * std::sqrt(w));
}

Vec3 Ellipsoid::toXyz(const LonLatH& llh) const {
  const double n = rEast(llh.lat);
  const double cl = std::cos(llh.lat);
  return {(n + llh.h) * cl * std::cos(llh.lon), (n + llh.h) * cl * std::sin(llh.lon),
          (n * (1.0 - e2_) + llh.h) * std::sin(llh.lat)};
}

EnuBasis Ellipsoid::enu(double lon, double lat) {
  const double sl = std::sin(lon), cl = std::cos(lon), sp = std::sin(lat), cp = std::cos(lat);
  EnuBasis b;
  b.east = Vec3(-sl, cl, 0.0);
  b.north = Vec3(-sp * cl, -sp * sl, cp);
  b.up = Vec3(cp * cl, cp * sl, sp);
  return b;
}

Vec3 Ellipsoid::normal(double lon, double lat) {
  return {std::cos(lat) * std::cos(lon), std::cos(lat) * std::sin(lon), std::sin(lat)};
}

}  // namespace orthotrack
