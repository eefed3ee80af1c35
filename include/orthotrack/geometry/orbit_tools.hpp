#pragma once
/// Helpers around the Range-Doppler geometry: sensor and line-of-sight at a target, baselines,
/// heading, azimuth ground spacing, orbit resampling, and a synthetic-orbit designer (used by the
/// simulator to make ALOS PALSAR-1/-2-like acquisitions).
///
/// Frames: ECEF WGS84 (m, m/s); ENU at the target; angles in degrees unless the name says Rad;
/// times in s since the orbit's reference epoch. Conventions: docs/conventions.md, docs/geometry.md.
#include "orthotrack/core/datetime.hpp"
#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/core/orbit.hpp"
#include "orthotrack/core/radar_grid.hpp"
#include "orthotrack/geometry/range_doppler.hpp"

namespace orthotrack::geometry {

/// The sensor as seen from a target at its (zero- or LUT-) Doppler time.
struct TargetView {
  double time = 0;           ///< azimuth time, s since the orbit epoch
  double range = 0;          ///< slant range, m
  Vec3 sensorPosition = Vec3::Zero();       ///< ECEF, m
  Vec3 sensorVelocity = Vec3::Zero();       ///< ECEF, m/s
  Vec3 losEnu = Vec3::Zero();               ///< unit vector target → sensor, ENU at the target
  Vec3 flightEnu = Vec3::Zero();            ///< unit horizontal flight direction, ENU at the target
  double incidenceDeg = 0;   ///< angle between the ellipsoid normal and the LOS at the target
  /// off-nadir angle at the sensor: in the plane ⟂ v, from the geodetic nadir projected on it
  double lookAngleDeg = 0;
  double headingDeg = 0;     ///< flight heading at the target, clockwise from north, [0, 360)
};
/// geo2rdr + the vectors above. Status of geo2rdr.
Status viewFromTarget(const SceneGeometry& scene, const LonLatH& target, TargetView& out,
                      const Geo2RdrParams& params = {}) noexcept;

/// Unit LOS (target → sensor) in ENU at (lon, lat) radians.
Vec3 losEnu(const Vec3& targetXyz, const Vec3& sensorXyz, double lonRad, double latRad) noexcept;
/// Unit horizontal flight direction (ENU) of an ECEF velocity at (lon, lat) radians.
Vec3 flightEnu(const Vec3& velocityXyz, double lonRad, double latRad) noexcept;
/// Heading of an ECEF velocity at (lon, lat) radians: degrees clockwise from north, [0, 360).
double headingDeg(const Vec3& velocityXyz, double lonRad, double latRad) noexcept;

/// Interferometric baseline of a secondary acquisition relative to a reference one at a target.
/// B = s_sec − s_ref (sensor positions at the target's Doppler times, ECEF).
///   parallel      = B · l̂   (l̂ = unit LOS target → reference sensor): > 0 when the secondary is
///                   farther from the target along the LOS (R_sec ≈ R_ref + B_par).
///   perpendicular = B · ê⊥ with ê⊥ ⟂ l̂, in the reference zero-Doppler plane (⟂ v_ref), oriented
///                   away from the Earth (ê⊥ · û > 0, û the ellipsoid normal at the target): > 0 when
///                   the secondary sits above the reference LOS.
///   alongTrack    = B · v̂_ref.
struct Baseline {
  double perpendicular = 0, parallel = 0, alongTrack = 0, total = 0;  ///< m
  Vec3 vector = Vec3::Zero();  ///< ECEF, m
};
Status baseline(const SceneGeometry& reference, const SceneGeometry& secondary, const LonLatH& target, Baseline& out,
                const Geo2RdrParams& params = {}) noexcept;

/// Ground distance (m) between consecutive azimuth lines at a target at slant range r (m),
/// azimuth time t (s since epoch) and height h: |v_ground| · azimuthTimeInterval, with v_ground
/// the speed of the Range-Doppler footprint along the surface at that height.
Status azimuthGroundSpacing(const SceneGeometry& scene, double t, double r, double h, double& spacing) noexcept;
/// Ground-range distance (m) spanned by one range sample at a target (flat ellipsoid at height h).
Status rangeGroundSpacing(const SceneGeometry& scene, double t, double r, double h, double& spacing) noexcept;

/// Hermite orbit resampling lives in core (orthotrack::resampleHermite, core/orbit.hpp).
using ::orthotrack::resampleHermite;

enum class PassDirection { Ascending, Descending };

/// A circular orbit (Keplerian, Earth rotating, no J2) that sees a target at its zero-Doppler
/// time `timeOverTarget` with the given off-nadir angle and look side.
struct OrbitDesign {
  double altitude = 692e3;        ///< m above the ellipsoid at the sub-satellite point at timeOverTarget
  double inclinationDeg = 98.2;   ///< orbit inclination (> 90: retrograde, sun-synchronous)
  PassDirection pass = PassDirection::Ascending;
  double targetLonDeg = 0, targetLatDeg = 0;  ///< target (degrees)
  double targetHeight = 0;        ///< m above WGS84
  double offNadirDeg = 34.3;      ///< angle at the sensor between the geodetic nadir and the LOS
  LookSide lookSide = LookSide::Right;
  DateTime timeOverTarget{2010, 1, 1, 12, 0, 0.0};  ///< zero-Doppler time of the target (UTC)
  double spanBefore = 300, spanAfter = 300;  ///< s of state vectors before/after timeOverTarget
  double stateVectorInterval = 10;            ///< s
  /// InvalidInput naming `orbit_design.<key>` and the value.
  void validate() const;

  /// ALOS PALSAR-1 FBS (fine beam single, 34.3° off-nadir, ~692 km, 98.16° incl., right-looking).
  static OrbitDesign palsar1Fbs(double lonDeg, double latDeg, PassDirection pass, const DateTime& time);
  /// ALOS-2 PALSAR-2 stripmap (SM3 10 m, off-nadir 32.5° → incidence ≈ 36°, ~628 km, 97.9° incl.,
  /// right-looking).
  static OrbitDesign palsar2Stripmap(double lonDeg, double latDeg, PassDirection pass, const DateTime& time);
};
/// Builds the orbit (state vectors every stateVectorInterval s, epoch = first vector). Throws
/// InvalidInput if the design is invalid, NoConvergence if the geometry cannot be met.
Orbit designOrbit(const OrbitDesign& design);

}  // namespace orthotrack::geometry
