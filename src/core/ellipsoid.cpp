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

LonLatH Ellipsoid::toLonLatH(const Vec3& v) const {
  // Closed form of Vermeille (2002), "Direct transformation from geocentric coordinates to
  // geodetic coordinates", J. Geodesy 76. Valid outside a small region around the Earth's centre.
  const double x = v.x(), y = v.y(), z = v.z();
  const double a2 = a_ * a_;
  const double e4 = e2_ * e2_;
  const double rho2 = x * x + y * y;
  const double p = rho2 / a2;
  const double q = (1.0 - e2_) / a2 * z * z;
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
  LonLatH out;
  out.lon = std::atan2(y, x);
  out.lat = 2.0 * std::atan2(z, d + dz);
  out.h = (k + e2_ - 1.0) / k * dz;
  return out;
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
