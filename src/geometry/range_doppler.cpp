#include "orthotrack/geometry/range_doppler.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "orthotrack/core/error.hpp"

namespace orthotrack::geometry {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void requirePositive(const char* key, double v) {
  if (!(v > 0) || !std::isfinite(v))
    throw InvalidInput("parameter must be positive and finite", {"", key, std::to_string(v)});
}
void requirePositive(const char* key, int v) {
  if (v <= 0) throw InvalidInput("parameter must be a positive integer", {"", key, std::to_string(v)});
}
}  // namespace

// ---------------------------------------------------------------------------------------------
SceneGeometry::SceneGeometry(Orbit orbit, RadarGrid grid, LUT2d doppler)
    : orbit_(std::move(orbit)), grid_(grid), doppler_(std::move(doppler)) {
  grid_.validate("scene.grid");
  if (!doppler_.empty() && doppler_.epoch() != orbit_.referenceEpoch()) doppler_ = doppler_.rebased(orbit_.referenceEpoch());
  t0_ = grid_.sensingStart.secondsSince(orbit_.referenceEpoch());
}

SceneGeometry SceneGeometry::multilooked(int azimuthLooks, int rangeLooks) const {
  return SceneGeometry(orbit_, grid_.multilook(azimuthLooks, rangeLooks), doppler_);
}

SceneGeometry SceneGeometry::cropped(std::int64_t line0, std::int64_t sample0, std::int64_t length, std::int64_t width) const {
  return SceneGeometry(orbit_, grid_.crop(line0, sample0, length, width), doppler_);
}

void Geo2RdrParams::validate() const {
  requirePositive("geo2rdr.time_tolerance", timeTolerance);
  requirePositive("geo2rdr.max_iterations", maxIterations);
  requirePositive("geo2rdr.max_bracket_iterations", maxBracketIterations);
  requirePositive("geo2rdr.doppler_range_step", dopplerRangeStep);
}

void Rdr2GeoParams::validate() const {
  requirePositive("rdr2geo.position_tolerance", positionTolerance);
  requirePositive("rdr2geo.max_iterations", maxIterations);
  requirePositive("rdr2geo.max_bracket_iterations", maxBracketIterations);
}

Status sensorState(const Orbit& orbit, double t, SensorState& out) noexcept {
  out.time = t;
  const Status st = orbit.interpolate(t, out.position, out.velocity);
  if (st != Status::Ok) {
    out.position = out.velocity = Vec3::Constant(kNaN);
  }
  return st;
}

// ---------------------------------------------------------------------------------------------
// geo2rdr
//
// F(t) = (p − s(t))·v(t) − λ/2 · f_dc(t, R(t)) · R(t),   R(t) = |p − s(t)|
// F'(t) = −|v|² + (p − s)·a + (D/R + ∂D/∂R)·(p − s)·v − ∂D/∂t · R,   D = λ/2 · f_dc
// The acceleration a is estimated once per call by differencing the interpolated velocity.
namespace {
struct Geo2RdrProblem {
  const Vec3& p;
  const Orbit& orbit;
  const LUT2d& lut;
  double halfLambda;
  double dtLut;  // add to an orbit time to get a LUT time
  bool zero;
  double rStep;

  double dfac(double t, double r) const noexcept { return halfLambda * lut.eval(t + dtLut, r); }

  // Residual F at t and the slant range there; InvalidValue if the orbit cannot be evaluated.
  Status residual(double t, double& F, double& R, double& dv) const noexcept {
    Vec3 s, v;
    if (orbit.interpolate(t, s, v) != Status::Ok) return Status::OutOfDomain;
    const Vec3 dr = p - s;
    R = dr.norm();
    dv = dr.dot(v);
    F = dv;
    if (!zero) F -= dfac(t, R) * R;
    return Status::Ok;
  }
};
}  // namespace

Status geo2rdr(const Vec3& xyz, const Orbit& orbit, const LUT2d& doppler, double wavelength, double& t, double& r,
               const Geo2RdrParams& prm, SensorState* sensor) noexcept {
  if (!xyz.allFinite() || !(wavelength > 0) || orbit.size() == 0) {
    t = r = kNaN;
    return Status::InvalidValue;
  }
  const bool zero = doppler.empty() && doppler.constant() == 0.0;
  const double dtLut = doppler.empty() ? 0.0 : orbit.referenceEpoch().secondsSince(doppler.epoch());
  const Geo2RdrProblem P{xyz, orbit, doppler, 0.5 * wavelength, dtLut, zero, prm.dopplerRangeStep};
  const double lo = orbit.startTime() - orbit.extrapolationMargin();
  const double hi = orbit.endTime() + orbit.extrapolationMargin();

  double tc = std::isfinite(t) ? t : 0.5 * (lo + hi);
  tc = std::clamp(tc, lo, hi);
  Vec3 acc = Vec3::Zero();
  bool haveAcc = false;
  bool clampedOnce = false;
  for (int k = 0; k < prm.maxIterations; ++k) {
    Vec3 s, v;
    if (orbit.interpolate(tc, s, v) != Status::Ok) break;
    if (!haveAcc) {
      const double h = (tc + 0.05 <= hi) ? 0.05 : -0.05;
      Vec3 s2, v2;
      if (orbit.interpolate(tc + h, s2, v2) == Status::Ok) acc = (v2 - v) / h;
      haveAcc = true;
    }
    const Vec3 dr = xyz - s;
    const double R = dr.norm();
    const double dv = dr.dot(v);
    double F = dv, Fp = -v.squaredNorm() + dr.dot(acc);
    if (!zero) {
      const double D = P.dfac(tc, R);
      const double dDdR = (P.dfac(tc, R + prm.dopplerRangeStep) - D) / prm.dopplerRangeStep;
      const double dDdt = (P.dfac(tc + 0.1, R) - D) / 0.1;
      F -= D * R;
      Fp += (D / R + dDdR) * dv - dDdt * R;
    }
    if (!(Fp < 0) || !std::isfinite(F)) break;
    const double step = -F / Fp;
    double tn = tc + step;
    if (std::abs(step) < prm.timeTolerance) {
      t = tn;
      r = R - dv / R * step;  // first-order update of R to the final time
      if (sensor) {
        sensor->time = tn;
        sensor->position = s + step * v;
        sensor->velocity = v + step * acc;
      }
      return Status::Ok;
    }
    if (tn < lo || tn > hi) {
      if (clampedOnce) break;  // the root is probably outside the span: let the bracket decide
      clampedOnce = true;
      tn = std::clamp(tn, lo, hi);
    }
    tc = tn;
  }

  // Fallback: regula falsi (Illinois) on the whole orbit span.
  auto finish = [&](double tt, double rr) {
    t = tt;
    r = rr;
    if (sensor) sensorState(orbit, tt, *sensor);
    return Status::Ok;
  };
  double a = lo, b = hi, Fa, Fb, Ra, Rb, dva, dvb;
  if (P.residual(a, Fa, Ra, dva) != Status::Ok || P.residual(b, Fb, Rb, dvb) != Status::Ok || !std::isfinite(Fa) ||
      !std::isfinite(Fb)) {
    t = r = kNaN;
    return Status::OutOfDomain;
  }
  if (Fa == 0.0) return finish(a, Ra);
  if (Fb == 0.0) return finish(b, Rb);
  if ((Fa > 0) == (Fb > 0)) {
    t = r = kNaN;
    return Status::OutOfDomain;
  }
  int side = 0;
  for (int k = 0; k < prm.maxBracketIterations; ++k) {
    double c = (a * Fb - b * Fa) / (Fb - Fa);
    if (!(c > a && c < b)) c = 0.5 * (a + b);
    double Fc, Rc, dvc;
    if (P.residual(c, Fc, Rc, dvc) != Status::Ok) break;
    if (b - a < prm.timeTolerance || Fc == 0.0) return finish(c, Rc);
    if ((Fc > 0) == (Fa > 0)) {
      a = c;
      Fa = Fc;
      if (side == -1) Fb *= 0.5;
      side = -1;
    } else {
      b = c;
      Fb = Fc;
      if (side == 1) Fa *= 0.5;
      side = 1;
    }
    if (b - a < prm.timeTolerance) {
      const double m = 0.5 * (a + b);
      double Fm, Rm, dvm;
      if (P.residual(m, Fm, Rm, dvm) != Status::Ok) break;
      return finish(m, Rm);
    }
  }
  t = r = kNaN;
  return Status::NoConvergence;
}

Status geo2rdr(const Vec3& xyz, const SceneGeometry& scene, double& t, double& r, const Geo2RdrParams& prm) noexcept {
  if (!std::isfinite(t)) t = scene.time(0.5 * static_cast<double>(scene.grid().length - 1));
  return geo2rdr(xyz, scene.orbit(), scene.doppler(), scene.wavelength(), t, r, prm);
}

Status geo2rdr(const LonLatH& llh, const SceneGeometry& scene, double& t, double& r, const Geo2RdrParams& prm,
               const Ellipsoid& ell) noexcept {
  return geo2rdr(ell.toXyz(llh), scene, t, r, prm);
}

// ---------------------------------------------------------------------------------------------
// rdr2geo
//
// The solutions of |p − s| = R and v̂·(p − s) = D/|v| (D = λ/2 · f_dc · R) lie on the circle
//   p(θ) = c + ρ (cos θ ê_n + sin θ ê_c),  c = s + (D/|v|) v̂,  ρ = sqrt(R² − (D/|v|)²),
// with ê_n the geodetic nadir direction made orthogonal to v̂ and ê_c the horizontal direction on
// the look side. We solve g(θ) = h(p(θ)) − DEM(lon(p(θ)), lat(p(θ))) = 0 by Newton with
//   g'(θ) = (n̂ − ∂DEM/∂E ê − ∂DEM/∂N n̂_N) · dp/dθ,
// safeguarded by a bracket [θ_lo, θ_hi] (g(θ_lo) < 0 < g(θ_hi)) that every evaluation shrinks.
Status rdr2geo(const SensorState& sensor, double r, double dopplerHz, double wavelength, LookSide side, const Dem& dem,
               Rdr2GeoResult& res, const Rdr2GeoParams& prm, const Ellipsoid& ell) noexcept {
  auto fail = [&](Status st) {
    res.xyz = Vec3::Constant(kNaN);
    res.llh = {kNaN, kNaN, kNaN};
    res.lookAngle = kNaN;
    return st;
  };
  const Vec3& s = sensor.position;
  const Vec3& v = sensor.velocity;
  if (!s.allFinite() || !v.allFinite() || !(r > 0) || !std::isfinite(r) || !std::isfinite(dopplerHz) ||
      !(wavelength > 0))
    return fail(Status::InvalidValue);
  const double vn = v.norm();
  if (!(vn > 0)) return fail(Status::InvalidValue);
  const Vec3 vh = v / vn;
  const double along = 0.5 * wavelength * dopplerHz * r / vn;
  if (!(std::abs(along) < r)) return fail(Status::InvalidValue);
  const double rho = std::sqrt(r * r - along * along);
  const Vec3 c = s + along * vh;
  const LonLatH sl = ell.toLonLatH(s);
  const Vec3 down = -Ellipsoid::normal(sl.lon, sl.lat);
  const Vec3 en = (down - down.dot(vh) * vh).normalized();
  const Vec3 ec = side == LookSide::Right ? Vec3(vh.cross(-en)) : Vec3((-en).cross(vh));

  struct Eval {
    Vec3 P, N;
    LonLatH L;
    double hd = 0, g = 0, gp = 0;
    Status st = Status::Ok;
  };
  auto evaluate = [&](double th, Eval& e) {
    const double ct = std::cos(th), st = std::sin(th);
    e.P = c + rho * (ct * en + st * ec);
    const Vec3 dP = rho * (ct * ec - st * en);
    e.L = ell.toLonLatH(e.P);
    double dLon, dLat;
    e.st = dem.heightGradient(e.L.lon, e.L.lat, e.hd, dLon, dLat);
    const double sLon = std::sin(e.L.lon), cLon = std::cos(e.L.lon), sLat = std::sin(e.L.lat), cLat = std::cos(e.L.lat);
    e.N = Vec3(cLat * cLon, cLat * sLon, sLat);
    e.g = e.L.h - e.hd;
    double gp = e.N.dot(dP);
    if (dLon != 0.0 || dLat != 0.0) {
      const Vec3 east(-sLon, cLon, 0.0), north(-sLat * cLon, -sLat * sLon, cLat);
      gp -= dLon / ((ell.rEast(e.L.lat) + e.L.h) * cLat) * east.dot(dP) + dLat / (ell.rNorth(e.L.lat) + e.L.h) * north.dot(dP);
    }
    e.gp = gp;
  };

  // First guess: law of cosines on a sphere through the sub-satellite point at the DEM mean height.
  double th = res.lookAngle;
  if (!std::isfinite(th)) {
    const double Rs = (c).norm();
    const double Rt = s.norm() - sl.h + dem.meanHeight();
    const double cosTh = (Rs * Rs + rho * rho - Rt * Rt) / (2 * Rs * rho);
    th = std::acos(std::clamp(cosTh, -1.0, 1.0));
  }
  const double thMin = 0.0, thMax = 0.5 * kPi + 0.35;  // the far limit is beyond any horizon
  th = std::clamp(th, thMin, thMax);
  double lo = -1.0, hi = 10.0;  // bracket (lo: g < 0, hi: g > 0); sentinel values = unknown
  bool haveLo = false, haveHi = false;
  const double tolTh = prm.positionTolerance / rho;
  const double maxStep = std::min(0.05, 5e3 / rho);  // at most ~5 km along the circle per step
  Eval e, good;
  bool haveGood = false;
  const int total = prm.maxIterations + prm.maxBracketIterations;
  for (int it = 0; it < total; ++it) {
    evaluate(th, e);
    if (e.st != Status::Ok) {
      // Off the DEM (or on no-data): step back towards the last valid point; fail if the
      // solution itself lies there.
      if (!haveGood || std::abs(th - good.gp) * rho < prm.positionTolerance) return fail(e.st);
      th = 0.5 * (th + good.gp);
      if (it + 1 == total) return fail(Status::NoConvergence);
      continue;
    }
    good = e;
    good.gp = th;  // remember the angle of the last valid evaluation
    haveGood = true;
    if (e.g == 0.0) break;
    if (e.g < 0) { lo = th; haveLo = true; } else { hi = th; haveHi = true; }
    double tn = kNaN;
    if (it < prm.maxIterations && e.gp > 0) tn = th - e.g / e.gp;
    const bool bracket = haveLo && haveHi;
    if (!(std::abs(tn - th) <= maxStep)) tn = kNaN;
    if (bracket) {
      if (!(tn > std::min(lo, hi) && tn < std::max(lo, hi))) tn = 0.5 * (lo + hi);
    } else if (!std::isfinite(tn)) {
      tn = th + (e.g < 0 ? 1.0 : -1.0) * std::min(maxStep, std::max(1e3 / rho, 4.0 * std::abs(e.g) / rho));
    }
    if (tn < thMin) {
      if (th <= thMin) return fail(Status::OutOfDomain);  // range shorter than the sensor's height
      tn = thMin;
    } else if (tn > thMax) {
      if (th >= thMax) return fail(Status::OutOfDomain);
      tn = thMax;
    }
    const double step = tn - th;
    if (std::abs(step) < tolTh) break;
    if (bracket && std::abs(hi - lo) < tolTh) break;
    th = tn;
    if (it + 1 == total) return fail(Status::NoConvergence);
  }
  // Move the point along the ellipsoid normal onto the DEM height (keeps lon/lat exactly).
  res.llh = {e.L.lon, e.L.lat, e.hd};
  res.xyz = e.P - e.g * e.N;
  res.lookAngle = th;
  return Status::Ok;
}

Status rdr2geo(double t, double r, double dopplerHz, const Orbit& orbit, double wavelength, LookSide side, const Dem& dem,
               Rdr2GeoResult& res, const Rdr2GeoParams& prm, const Ellipsoid& ell) noexcept {
  SensorState s;
  if (sensorState(orbit, t, s) != Status::Ok) {
    res.xyz = Vec3::Constant(kNaN);
    res.llh = {kNaN, kNaN, kNaN};
    res.lookAngle = kNaN;
    return Status::OutOfDomain;
  }
  return rdr2geo(s, r, dopplerHz, wavelength, side, dem, res, prm, ell);
}

Status rdr2geo(const SceneGeometry& scene, double line, double sample, const Dem& dem, Rdr2GeoResult& res,
               const Rdr2GeoParams& prm) noexcept {
  const double t = scene.time(line), r = scene.range(sample);
  return rdr2geo(t, r, scene.dopplerAt(t, r), scene.orbit(), scene.wavelength(), scene.lookSide(), dem, res, prm);
}

}  // namespace orthotrack::geometry
