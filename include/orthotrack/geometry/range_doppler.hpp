#pragma once
/// The Range-Doppler equations: geo2rdr (ground → radar) and rdr2geo (radar → ground).
///
/// Frames and units: ECEF WGS84 metres; azimuth times are double seconds since the orbit's
/// reference epoch; slant ranges in metres; Doppler in Hz; lon/lat in radians inside LonLatH.
/// Doppler convention (as ISCE3): a target at p seen from a sensor at s with velocity v has
///     f_dc = 2/λ · v·(p − s) / |p − s|,
/// i.e. positive when the target lies ahead of the zero-Doppler plane (the range is closing).
/// Per-point functions never throw; they return a Status (Ok, OutOfDomain, NoConvergence,
/// InvalidValue) and NaN outputs on failure. Equations: docs/geometry.md.
#include <limits>
#include <memory>
#include <vector>

#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/core/lut2d.hpp"
#include "orthotrack/core/orbit.hpp"
#include "orthotrack/core/radar_grid.hpp"
#include "orthotrack/geometry/dem.hpp"

namespace orthotrack::geometry {

/// The orbit's Lagrange interpolant with its weights' denominators precomputed per window: the
/// same points and the same polynomial as `Orbit::interpolate` (equal to rounding, ~1e-9 m), about
/// four times cheaper, and it also gives the acceleration (derivative of the velocity
/// interpolant, m/s²) in the same pass. The interpolation order is recovered from the orbit by
/// probing; if no order 4..16 reproduces it, every call forwards to `Orbit::interpolate` (and the
/// acceleration is a central difference of the velocity over ±0.05 s).
class OrbitInterpolator {
 public:
  OrbitInterpolator() = default;
  explicit OrbitInterpolator(const Orbit& orbit);
  /// Position (m), velocity (m/s) and optionally acceleration (m/s²), ECEF, at t s since the orbit
  /// epoch. OutOfDomain outside the orbit span (extrapolation margin included), outputs untouched.
  Status interpolate(double t, Vec3& position, Vec3& velocity, Vec3* acceleration = nullptr) const noexcept;
  /// Number of Lagrange points (0 when forwarding to Orbit::interpolate).
  int order() const { return m_; }

 private:
  Status evalLagrange(double t, Vec3& p, Vec3& v, Vec3* a) const noexcept;
  const Orbit* fallback_ = nullptr;   // set when the order could not be recovered
  std::shared_ptr<const Orbit> own_;  // keeps the fallback orbit alive
  std::vector<double> t_;             // s since the epoch
  std::vector<double> pv_;            // x y z vx vy vz per state vector
  std::vector<double> inv_;           // 1 / Π_{i≠j}(t_j − t_i) per window start and point
  int m_ = 0;
  double lo_ = 0, hi_ = 0, dt_ = 0;
  double maxJerk_ = 0;
  bool uniform_ = false;

 public:
  /// Bound on the magnitude of the derivative of the acceleration interpolant over the span
  /// (m/s³; twice the largest one found on a fine sampling); +∞ when forwarding.
  double maxJerk() const { return maxJerk_; }
};

/// Everything the Range-Doppler equations need for one acquisition: orbit, radar grid (wavelength,
/// look side, sampling) and Doppler centroid LUT (empty = zero-Doppler geometry).
class SceneGeometry {
 public:
  SceneGeometry() = default;
  /// Validates the grid (InvalidInput naming the field). The Doppler LUT may use any epoch; it is
  /// rebased to the orbit's reference epoch.
  SceneGeometry(Orbit orbit, RadarGrid grid, LUT2d doppler = {});

  const Orbit& orbit() const { return orbit_; }
  /// The orbit's precomputed interpolant (the hot loops use it instead of Orbit::interpolate).
  const OrbitInterpolator& interpolator() const { return *interp_; }
  const RadarGrid& grid() const { return grid_; }
  const LUT2d& doppler() const { return doppler_; }
  const DateTime& epoch() const { return orbit_.referenceEpoch(); }
  double wavelength() const { return grid_.wavelength; }
  LookSide lookSide() const { return grid_.lookSide; }
  bool zeroDoppler() const { return doppler_.empty() && doppler_.constant() == 0.0; }

  /// Azimuth time (s since epoch()) of a fractional line, and back.
  double time(double line) const { return t0_ + line * grid_.azimuthTimeInterval; }
  double line(double t) const { return (t - t0_) / grid_.azimuthTimeInterval; }
  double range(double sample) const { return grid_.startingRange + sample * grid_.rangePixelSpacing; }
  double sample(double r) const { return (r - grid_.startingRange) / grid_.rangePixelSpacing; }
  /// Doppler centroid (Hz) at azimuth time t (s since epoch()) and slant range r (m).
  double dopplerAt(double t, double r) const noexcept { return doppler_.empty() ? doppler_.constant() : doppler_.eval(t, r); }
  /// Same geometry on a multi-looked grid (RadarGrid::multilook).
  SceneGeometry multilooked(int azimuthLooks, int rangeLooks) const;
  /// Same geometry on a sub-grid (RadarGrid::crop).
  SceneGeometry cropped(std::int64_t line0, std::int64_t sample0, std::int64_t length, std::int64_t width) const;

 private:
  Orbit orbit_;
  RadarGrid grid_;
  LUT2d doppler_;
  std::shared_ptr<const OrbitInterpolator> interp_ = std::make_shared<OrbitInterpolator>();
  double t0_ = 0;  // sensing start, s since epoch()
};

struct Geo2RdrParams {
  /// s; Newton stops when its time step is below this, or (zero Doppler) when the step is small
  /// enough that the step's own quadratic error, bounded from the orbit's velocity and
  /// acceleration (docs/geometry.md), is below this.
  double timeTolerance = 1e-9;
  /// Newton iterations before falling back to bracketing (regula falsi, Illinois variant).
  int maxIterations = 12;
  /// Iterations of the bracketing fallback.
  int maxBracketIterations = 200;
  /// m; finite-difference step for ∂f_dc/∂R (only with a Doppler LUT).
  double dopplerRangeStep = 10.0;
  /// InvalidInput naming `geo2rdr.<key>` and the value if a field is not positive/finite.
  void validate() const;
};

struct Rdr2GeoParams {
  /// m; iteration stops when the update of the ground point is below this.
  double positionTolerance = 1e-5;
  /// Safeguarded Newton iterations (then bracketing with bisection/regula falsi).
  int maxIterations = 25;
  /// Iterations of the bracketing fallback.
  int maxBracketIterations = 200;
  /// InvalidInput naming `rdr2geo.<key>` and the value if a field is not positive/finite.
  void validate() const;
};


/// Sensor state at one azimuth time (ECEF, m and m/s), the input of rdr2geo.
struct SensorState {
  double time = 0;  ///< s since the orbit epoch
  Vec3 position = Vec3::Zero();
  Vec3 velocity = Vec3::Zero();
};
/// Interpolates the orbit at t (s since its epoch). OutOfDomain outside its span.
Status sensorState(const Orbit& orbit, double t, SensorState& out) noexcept;
/// Same with a scene's precomputed interpolant.
Status sensorState(const SceneGeometry& scene, double t, SensorState& out) noexcept;

/// geo2rdr: azimuth time t (s since the orbit epoch) and slant range r (m) at which the target
/// `xyz` (ECEF) satisfies the Doppler equation  v·(p − s) = λ/2 · f_dc(t, r) · r.
/// `t` is in/out: a finite value on input is the first guess (use the neighbouring pixel's answer),
/// NaN means "start at the middle of the orbit". `doppler` may have any epoch (it is rebased on
/// the fly); an empty LUT2d means zero Doppler. Returns OutOfDomain if the root is not inside the
/// orbit span (extrapolation margin included), NoConvergence if the fallback also fails,
/// InvalidValue for a non-finite target.
/// If `sensor` is given it receives the sensor state at the returned time (first-order update).
Status geo2rdr(const Vec3& xyz, const Orbit& orbit, const LUT2d& doppler, double wavelength, double& t, double& r,
               const Geo2RdrParams& params = {}, SensorState* sensor = nullptr) noexcept;
/// Same for a scene (uses its LUT, wavelength and precomputed orbit interpolant; the first guess
/// defaults to the scene mid-time).
Status geo2rdr(const Vec3& xyz, const SceneGeometry& scene, double& t, double& r, const Geo2RdrParams& params = {},
               SensorState* sensor = nullptr) noexcept;
/// Same from geodetic coordinates (lon, lat in radians, h in m).
Status geo2rdr(const LonLatH& llh, const SceneGeometry& scene, double& t, double& r, const Geo2RdrParams& params = {},
               const Ellipsoid& ellipsoid = Ellipsoid::wgs84()) noexcept;

/// Output of rdr2geo besides the position.
struct Rdr2GeoResult {
  Vec3 xyz = Vec3::Zero();  ///< ECEF target (m)
  LonLatH llh;              ///< lon, lat (rad), h (m above WGS84; the DEM height there)
  /// Look angle (rad) of the target in the Doppler cone, measured at the sensor from the geodetic
  /// nadir towards the look side; also the first guess for the next pixel of the same line.
  double lookAngle = std::numeric_limits<double>::quiet_NaN();
};

/// rdr2geo: the ground point at slant range r (m) and Doppler f_dc (Hz) from the sensor state,
/// on the look side, whose height above WGS84 equals the DEM there. Solves the 1-D problem along
/// the Range-Doppler circle with a safeguarded Newton iteration (bracketing + bisection when the
/// Newton step misbehaves: steep slopes, DEM cell edges). `res.lookAngle` on input is the first
/// guess (NaN: estimate from a sphere at the DEM mean height).
/// Returns OutOfDomain if the DEM does not cover the point (no fallback height) or the range is
/// shorter than the sensor's height, InvalidValue for no-data or bad inputs, NoConvergence.
Status rdr2geo(const SensorState& sensor, double r, double dopplerHz, double wavelength, LookSide side, const Dem& dem,
               Rdr2GeoResult& res, const Rdr2GeoParams& params = {}, const Ellipsoid& ellipsoid = Ellipsoid::wgs84()) noexcept;
/// Same from an azimuth time t (s since the orbit epoch).
Status rdr2geo(double t, double r, double dopplerHz, const Orbit& orbit, double wavelength, LookSide side, const Dem& dem,
               Rdr2GeoResult& res, const Rdr2GeoParams& params = {}, const Ellipsoid& ellipsoid = Ellipsoid::wgs84()) noexcept;
/// Same for a fractional (line, sample) of a scene, with the scene's Doppler there.
Status rdr2geo(const SceneGeometry& scene, double line, double sample, const Dem& dem, Rdr2GeoResult& res,
               const Rdr2GeoParams& params = {}) noexcept;

}  // namespace orthotrack::geometry
