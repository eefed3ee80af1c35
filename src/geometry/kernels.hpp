#pragma once
// Inner kernels of the geometry module shared by range_doppler.cpp and layers.cpp (not installed).
// Frames and units as in range_doppler.hpp: ECEF metres, radians, seconds since the orbit epoch.
#include <cmath>

#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/range_doppler.hpp"

namespace orthotrack::geometry::detail {

/// Geodetic coordinates (lon, lat in rad, h in m above the ellipsoid) with their sines and cosines.
using Geodetic = GeodeticTrig;

/// ECEF → geodetic with the trigonometry of lon and lat (Ellipsoid::toGeodeticTrig).
inline void toGeodetic(const Vec3& v, const Ellipsoid& ell, Geodetic& g) noexcept { g = ell.toGeodeticTrig(v); }

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
