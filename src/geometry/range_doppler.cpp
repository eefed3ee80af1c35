#include "orthotrack/geometry/range_doppler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "kernels.hpp"
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
// OrbitInterpolator: Lagrange interpolation through the same m points as Orbit::interpolate, with
// w_j(t) = N_j(t) · inv_j, N_j = Π_{i≠j}(t − t_i) from prefix/suffix products (and N_j' by the
// product rule), inv_j = 1/Π_{i≠j}(t_j − t_i) precomputed for every window.
OrbitInterpolator::OrbitInterpolator(const Orbit& orbit) {
  const std::size_t n = orbit.size();
  if (n == 0) return;
  const auto& svs = orbit.stateVectors();
  t_.resize(n);
  pv_.resize(6 * n);
  for (std::size_t i = 0; i < n; ++i) {
    t_[i] = orbit.toSeconds(svs[i].time);
    for (int c = 0; c < 3; ++c) {
      pv_[6 * i + static_cast<std::size_t>(c)] = svs[i].position[c];
      pv_[6 * i + 3 + static_cast<std::size_t>(c)] = svs[i].velocity[c];
    }
  }
  lo_ = orbit.startTime() - orbit.extrapolationMargin();
  hi_ = orbit.endTime() + orbit.extrapolationMargin();
  dt_ = (t_.back() - t_.front()) / static_cast<double>(n - 1);
  uniform_ = true;
  for (std::size_t i = 1; i < n; ++i)
    if (std::abs(t_[i] - t_[i - 1] - dt_) > 1e-6 * dt_) { uniform_ = false; break; }
  // Recover the order: the first that reproduces Orbit::interpolate at probe times.
  std::vector<double> probes;
  for (std::size_t i = 0; i + 1 < n; i += std::max<std::size_t>(1, n / 7))
    for (double f : {0.137, 0.5, 0.861}) probes.push_back(t_[i] + f * (t_[i + 1] - t_[i]));
  for (int m : {8, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16}) {
    m_ = std::min<int>(m, static_cast<int>(n));
    const std::size_t mm = static_cast<std::size_t>(m_);
    inv_.assign((n - mm + 1) * mm, 0.0);
    for (std::size_t w = 0; w + mm <= n; ++w)
      for (std::size_t j = 0; j < mm; ++j) {
        double d = 1.0;
        for (std::size_t i = 0; i < mm; ++i)
          if (i != j) d *= t_[w + j] - t_[w + i];
        inv_[w * mm + j] = 1.0 / d;
      }
    bool same = true;
    for (double tp : probes) {
      Vec3 p0, v0, p1, v1;
      if (orbit.interpolate(tp, p0, v0) != Status::Ok || evalLagrange(tp, p1, v1, nullptr) != Status::Ok ||
          (p0 - p1).norm() > 1e-6 || (v0 - v1).norm() > 1e-9) {
        same = false;
        break;
      }
    }
    if (same) break;
    m_ = 0;
  }
  if (m_ == 0) {
    own_ = std::make_shared<const Orbit>(orbit);
    fallback_ = own_.get();
    maxJerk_ = std::numeric_limits<double>::infinity();
    return;
  }
  // Jerk bound: differences of the acceleration interpolant on 16 steps per interval.
  double jmax = 0;
  Vec3 pa, va, aPrev;
  bool have = false;
  const double step = (t_.back() - t_.front()) / (16.0 * static_cast<double>(n - 1));
  for (double tt = t_.front(); tt <= t_.back(); tt += step) {
    Vec3 acc;
    evalLagrange(tt, pa, va, &acc);
    if (have) jmax = std::max(jmax, (acc - aPrev).norm() / step);
    aPrev = acc;
    have = true;
  }
  maxJerk_ = 2.0 * jmax;
}

Status OrbitInterpolator::evalLagrange(double t, Vec3& pos, Vec3& vel, Vec3* acc) const noexcept {
  const std::size_t n = t_.size();
  if (n == 0 || !(t >= lo_ && t <= hi_)) return Status::OutOfDomain;
  const std::size_t m = static_cast<std::size_t>(m_);
  const std::size_t s0 = lagrangeWindowStart(t_, uniform_, dt_, t, m);
  constexpr std::size_t kMax = 16;
  double d[kMax], pre[kMax + 1], dpre[kMax + 1], suf[kMax + 1], dsuf[kMax + 1];
  for (std::size_t i = 0; i < m; ++i) d[i] = t - t_[s0 + i];
  pre[0] = 1.0;
  dpre[0] = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    pre[i + 1] = pre[i] * d[i];
    dpre[i + 1] = dpre[i] * d[i] + pre[i];
  }
  suf[m] = 1.0;
  dsuf[m] = 0.0;
  for (std::size_t i = m; i-- > 0;) {
    suf[i] = suf[i + 1] * d[i];
    dsuf[i] = dsuf[i + 1] * d[i] + suf[i + 1];
  }
  const double* inv = inv_.data() + s0 * m;
  double px = 0, py = 0, pz = 0, vx = 0, vy = 0, vz = 0, ax = 0, ay = 0, az = 0;
  for (std::size_t j = 0; j < m; ++j) {
    const double w = pre[j] * suf[j + 1] * inv[j];
    const double* q = pv_.data() + 6 * (s0 + j);
    px += w * q[0];
    py += w * q[1];
    pz += w * q[2];
    vx += w * q[3];
    vy += w * q[4];
    vz += w * q[5];
    if (acc) {
      const double dw = (dpre[j] * suf[j + 1] + pre[j] * dsuf[j + 1]) * inv[j];
      ax += dw * q[3];
      ay += dw * q[4];
      az += dw * q[5];
    }
  }
  pos = Vec3(px, py, pz);
  vel = Vec3(vx, vy, vz);
  if (acc) *acc = Vec3(ax, ay, az);
  return Status::Ok;
}

Status OrbitInterpolator::interpolate(double t, Vec3& pos, Vec3& vel, Vec3* acc) const noexcept {
  if (!fallback_) return evalLagrange(t, pos, vel, acc);
  Vec3 p, v;
  if (fallback_->interpolate(t, p, v) != Status::Ok) return Status::OutOfDomain;
  if (acc) {
    Vec3 p1, v1, p2, v2;
    const double h = 0.05;
    const bool a = fallback_->interpolate(t + h, p1, v1) == Status::Ok;
    const bool b = fallback_->interpolate(t - h, p2, v2) == Status::Ok;
    *acc = a && b ? Vec3((v1 - v2) / (2 * h)) : a ? Vec3((v1 - v) / h) : b ? Vec3((v - v2) / h) : Vec3(Vec3::Zero());
  }
  pos = p;
  vel = v;
  return Status::Ok;
}

// ---------------------------------------------------------------------------------------------
SceneGeometry::SceneGeometry(Orbit orbit, RadarGrid grid, LUT2d doppler)
    : orbit_(std::move(orbit)), grid_(grid), doppler_(std::move(doppler)) {
  grid_.validate("scene.grid");
  if (!doppler_.empty() && doppler_.epoch() != orbit_.referenceEpoch()) doppler_ = doppler_.rebased(orbit_.referenceEpoch());
  t0_ = grid_.sensingStart.secondsSince(orbit_.referenceEpoch());
  interp_ = std::make_shared<const OrbitInterpolator>(orbit_);
}

SceneGeometry SceneGeometry::multilooked(int azimuthLooks, int rangeLooks) const {
  SceneGeometry g = *this;
  g.grid_ = grid_.multilook(azimuthLooks, rangeLooks);
  g.grid_.validate("scene.grid");
  g.t0_ = g.grid_.sensingStart.secondsSince(orbit_.referenceEpoch());
  return g;
}

SceneGeometry SceneGeometry::cropped(std::int64_t line0, std::int64_t sample0, std::int64_t length, std::int64_t width) const {
  SceneGeometry g = *this;
  g.grid_ = grid_.crop(line0, sample0, length, width);
  g.grid_.validate("scene.grid");
  g.t0_ = g.grid_.sensingStart.secondsSince(orbit_.referenceEpoch());
  return g;
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

Status sensorState(const SceneGeometry& scene, double t, SensorState& out) noexcept {
  out.time = t;
  const Status st = scene.interpolator().interpolate(t, out.position, out.velocity);
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
// With Orbit::interpolate the acceleration a is estimated once per call by differencing the
// interpolated velocity; with an OrbitInterpolator it is the derivative of the interpolant.
namespace {
// Orbit access of geo2rdr: core's interpolation (acceleration differenced once per call).
struct CoreOrbitAccess {
  const Orbit& orbit;
  mutable bool haveAcc = false;
  mutable Vec3 acc = Vec3::Zero();
  static constexpr bool kExactAcc = false;
  double lo() const { return orbit.startTime() - orbit.extrapolationMargin(); }
  double hi() const { return orbit.endTime() + orbit.extrapolationMargin(); }
  double maxJerk() const { return std::numeric_limits<double>::infinity(); }
  bool state(double t, Vec3& s, Vec3& v) const noexcept { return orbit.interpolate(t, s, v) == Status::Ok; }
  bool stateAcc(double t, Vec3& s, Vec3& v, Vec3& a) const noexcept {
    if (orbit.interpolate(t, s, v) != Status::Ok) return false;
    if (!haveAcc) {
      const double h = (t + 0.05 <= hi()) ? 0.05 : -0.05;
      Vec3 s2, v2;
      if (orbit.interpolate(t + h, s2, v2) == Status::Ok) acc = (v2 - v) / h;
      haveAcc = true;
    }
    a = acc;
    return true;
  }
};
// Orbit access through a scene's precomputed interpolant (exact acceleration).
struct FastOrbitAccess {
  const OrbitInterpolator& ip;
  double lo_, hi_;
  double lo() const { return lo_; }
  double hi() const { return hi_; }
  double maxJerk() const { return ip.maxJerk(); }
  bool state(double t, Vec3& s, Vec3& v) const noexcept { return ip.interpolate(t, s, v) == Status::Ok; }
  bool stateAcc(double t, Vec3& s, Vec3& v, Vec3& a) const noexcept { return ip.interpolate(t, s, v, &a) == Status::Ok; }
};

template <class OrbitAccess>
Status geo2rdrImpl(const Vec3& xyz, const OrbitAccess& orb, const LUT2d& doppler, double dtLut, double wavelength,
                   double& t, double& r, const Geo2RdrParams& prm, SensorState* sensor) noexcept {
  if (!xyz.allFinite() || !(wavelength > 0) || !(orb.hi() >= orb.lo())) {
    t = r = kNaN;
    return Status::InvalidValue;
  }
  const bool zero = doppler.empty() && doppler.constant() == 0.0;
  const double halfLambda = 0.5 * wavelength;
  auto dfac = [&](double tt, double rr) { return halfLambda * doppler.eval(tt + dtLut, rr); };
  auto residual = [&](double tt, double& F, double& R) {
    Vec3 s, v;
    if (!orb.state(tt, s, v)) return false;
    const Vec3 dr = xyz - s;
    R = dr.norm();
    F = dr.dot(v);
    if (!zero) F -= dfac(tt, R) * R;
    return true;
  };
  const double lo = orb.lo(), hi = orb.hi();
  const double jerk = orb.maxJerk();

  double tc = std::isfinite(t) ? t : 0.5 * (lo + hi);
  tc = std::clamp(tc, lo, hi);
  bool clampedOnce = false;
  for (int k = 0; k < prm.maxIterations; ++k) {
    Vec3 s, v, acc;
    if (!orb.stateAcc(tc, s, v, acc)) break;
    const Vec3 dr = xyz - s;
    const double R = dr.norm();
    const double dv = dr.dot(v);
    const double v2 = v.squaredNorm();
    const double Fp0 = -v2 + dr.dot(acc);
    double F = dv, Fp = Fp0;
    if (!zero) {
      const double D = dfac(tc, R);
      const double dDdR = (dfac(tc, R + prm.dopplerRangeStep) - D) / prm.dopplerRangeStep;
      const double dDdt = (dfac(tc + 0.1, R) - D) / 0.1;
      F -= D * R;
      Fp += (D / R + dDdR) * dv - dDdt * R;
    }
    if (!(Fp < 0) || !std::isfinite(F)) break;
    const double step = -F / Fp;
    double tn = tc + step;
    // Converged: the step itself is below the tolerance, or (zero Doppler) the error left after
    // taking it, |F''|/(2|F'|)·step² with |F''| ≤ 3|v||a| + R·max|jerk| (F'' = −3 v·a + (p−s)·ȧ),
    // is below it, with a factor 2 of margin.
    bool done = std::abs(step) < prm.timeTolerance;
    if (!done && zero && std::isfinite(jerk)) {
      const double c = (3.0 * std::sqrt(v2) * acc.norm() + R * jerk) / std::abs(Fp);
      done = c * step * step < prm.timeTolerance && std::abs(step) < 1.0;
    }
    if (done && tn >= lo && tn <= hi) {
      // Range and sensor moved to tn to second order: R' = −dv/R, R'' = (|v|² − (p−s)·a − R'²)/R.
      const double Rp = -dv / R;
      const double Rpp = (-Fp0 - Rp * Rp) / R;
      t = tn;
      r = R + Rp * step + 0.5 * Rpp * step * step;
      if (sensor) {
        sensor->time = tn;
        sensor->position = s + step * v + (0.5 * step * step) * acc;
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
    if (sensor) {
      sensor->time = tt;
      if (!orb.state(tt, sensor->position, sensor->velocity)) sensor->position = sensor->velocity = Vec3::Constant(kNaN);
    }
    return Status::Ok;
  };
  double a = lo, b = hi, Fa, Fb, Ra, Rb;
  if (!residual(a, Fa, Ra) || !residual(b, Fb, Rb) || !std::isfinite(Fa) || !std::isfinite(Fb)) {
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
    double Fc, Rc;
    if (!residual(c, Fc, Rc)) break;
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
      double Fm, Rm;
      if (!residual(m, Fm, Rm)) break;
      return finish(m, Rm);
    }
  }
  t = r = kNaN;
  return Status::NoConvergence;
}
}  // namespace

Status geo2rdr(const Vec3& xyz, const Orbit& orbit, const LUT2d& doppler, double wavelength, double& t, double& r,
               const Geo2RdrParams& prm, SensorState* sensor) noexcept {
  if (orbit.size() == 0) {
    t = r = kNaN;
    return Status::InvalidValue;
  }
  const double dtLut = doppler.empty() ? 0.0 : orbit.referenceEpoch().secondsSince(doppler.epoch());
  return geo2rdrImpl(xyz, CoreOrbitAccess{orbit}, doppler, dtLut, wavelength, t, r, prm, sensor);
}

Status geo2rdr(const Vec3& xyz, const SceneGeometry& scene, double& t, double& r, const Geo2RdrParams& prm,
               SensorState* sensor) noexcept {
  if (scene.orbit().size() == 0) {
    t = r = kNaN;
    return Status::InvalidValue;
  }
  if (!std::isfinite(t)) t = scene.time(0.5 * static_cast<double>(scene.grid().length - 1));
  const Orbit& o = scene.orbit();
  const FastOrbitAccess acc{scene.interpolator(), o.startTime() - o.extrapolationMargin(), o.endTime() + o.extrapolationMargin()};
  // The scene's LUT is already on the orbit's epoch.
  return geo2rdrImpl(xyz, acc, scene.doppler(), 0.0, scene.wavelength(), t, r, prm, sensor);
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
namespace detail {

DopplerFrame makeFrame(const SensorState& st, LookSide side, const Ellipsoid& ell) noexcept {
  DopplerFrame f;
  f.s = st.position;
  f.v = st.velocity;
  if (!f.s.allFinite() || !f.v.allFinite()) return f;
  f.vn = f.v.norm();
  if (!(f.vn > 0)) return f;
  f.vh = f.v / f.vn;
  Geodetic sg;
  toGeodetic(f.s, ell, sg);
  f.sensorH = sg.h;
  const Vec3 down = -Vec3(sg.cosLat * sg.cosLon, sg.cosLat * sg.sinLon, sg.sinLat);
  f.en = (down - down.dot(f.vh) * f.vh).normalized();
  f.ec = side == LookSide::Right ? Vec3(f.vh.cross(-f.en)) : Vec3((-f.en).cross(f.vh));
  f.valid = true;
  return f;
}

Status rdr2geoFrame(const DopplerFrame& f, double r, double dopplerHz, double wavelength, const Dem& dem, double guess,
                    GroundPoint& out, const Rdr2GeoParams& prm, const Ellipsoid& ell) noexcept {
  if (!f.valid || !(r > 0) || !std::isfinite(r) || !std::isfinite(dopplerHz) || !(wavelength > 0))
    return Status::InvalidValue;
  const double along = 0.5 * wavelength * dopplerHz * r / f.vn;
  if (!(std::abs(along) < r)) return Status::InvalidValue;
  const double rho = std::sqrt(r * r - along * along);
  const Vec3 c = f.s + along * f.vh;
  const Vec3& en = f.en;
  const Vec3& ec = f.ec;

  struct Eval {
    Vec3 P;
    Geodetic G;
    double hd = 0, g = 0, gp = 0;
    Status st = Status::Ok;
  };
  auto evaluate = [&](double th, Eval& e) {
    const double ct = std::cos(th), st = std::sin(th);
    e.P = c + rho * (ct * en + st * ec);
    const Vec3 dP = rho * (ct * ec - st * en);
    toGeodetic(e.P, ell, e.G);
    double dLon, dLat;
    e.st = dem.heightGradient(e.G.lon, e.G.lat, e.hd, dLon, dLat);
    const Geodetic& G = e.G;
    const Vec3 N(G.cosLat * G.cosLon, G.cosLat * G.sinLon, G.sinLat);
    e.g = G.h - e.hd;
    double gp = N.dot(dP);
    if (dLon != 0.0 || dLat != 0.0) {
      const Vec3 east(-G.sinLon, G.cosLon, 0.0), north(-G.sinLat * G.cosLon, -G.sinLat * G.sinLon, G.cosLat);
      double rE, rN;
      radii(ell, G.sinLat, rE, rN);
      gp -= dLon / ((rE + G.h) * G.cosLat) * east.dot(dP) + dLat / (rN + G.h) * north.dot(dP);
    }
    e.gp = gp;
  };

  // First guess: law of cosines on a sphere through the sub-satellite point at the DEM mean height.
  double th = guess;
  if (!std::isfinite(th)) {
    const double Rs = c.norm();
    const double Rt = f.s.norm() - f.sensorH + dem.meanHeight();
    const double cosTh = (Rs * Rs + rho * rho - Rt * Rt) / (2 * Rs * rho);
    th = std::acos(std::clamp(cosTh, -1.0, 1.0));
  }
  const double thMin = 0.0, thMax = 0.5 * kPi + 0.35;  // the far limit is beyond any horizon
  th = std::clamp(th, thMin, thMax);
  double lo = -1.0, hi = 10.0;  // bracket (lo: g < 0, hi: g > 0); sentinel values = unknown
  bool haveLo = false, haveHi = false;
  const double tolTh = prm.positionTolerance / rho;
  const double maxStep = std::min(0.05, 5e3 / rho);  // at most ~5 km along the circle per step
  Eval e;
  double goodTh = 0;
  bool haveGood = false;
  const int total = prm.maxIterations + prm.maxBracketIterations;
  for (int it = 0; it < total; ++it) {
    evaluate(th, e);
    if (e.st != Status::Ok) {
      // Off the DEM (or on no-data): step back towards the last valid point; fail if the
      // solution itself lies there.
      if (!haveGood || std::abs(th - goodTh) * rho < prm.positionTolerance) return e.st;
      th = 0.5 * (th + goodTh);
      if (it + 1 == total) return Status::NoConvergence;
      continue;
    }
    goodTh = th;  // the angle of the last valid evaluation
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
      if (th <= thMin) return Status::OutOfDomain;  // range shorter than the sensor's height
      tn = thMin;
    } else if (tn > thMax) {
      if (th >= thMax) return Status::OutOfDomain;
      tn = thMax;
    }
    const double step = tn - th;
    if (std::abs(step) < tolTh) break;
    if (bracket && std::abs(hi - lo) < tolTh) break;
    th = tn;
    if (it + 1 == total) return Status::NoConvergence;
  }
  // Move the point along the ellipsoid normal onto the DEM height (keeps lon/lat exactly).
  const Vec3 N(e.G.cosLat * e.G.cosLon, e.G.cosLat * e.G.sinLon, e.G.sinLat);
  out.xyz = e.P - e.g * N;
  out.geo = e.G;
  out.hd = e.hd;
  out.lookAngle = th;
  return Status::Ok;
}

}  // namespace detail

Status rdr2geo(const SensorState& sensor, double r, double dopplerHz, double wavelength, LookSide side, const Dem& dem,
               Rdr2GeoResult& res, const Rdr2GeoParams& prm, const Ellipsoid& ell) noexcept {
  const detail::DopplerFrame f = detail::makeFrame(sensor, side, ell);
  detail::GroundPoint gp;
  const Status st = f.valid ? detail::rdr2geoFrame(f, r, dopplerHz, wavelength, dem, res.lookAngle, gp, prm, ell)
                            : Status::InvalidValue;
  if (st != Status::Ok) {
    res.xyz = Vec3::Constant(kNaN);
    res.llh = {kNaN, kNaN, kNaN};
    res.lookAngle = kNaN;
    return st;
  }
  res.xyz = gp.xyz;
  res.llh = {gp.geo.lon, gp.geo.lat, gp.hd};
  res.lookAngle = gp.lookAngle;
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
  SensorState s;
  if (sensorState(scene, t, s) != Status::Ok) {
    res.xyz = Vec3::Constant(kNaN);
    res.llh = {kNaN, kNaN, kNaN};
    res.lookAngle = kNaN;
    return Status::OutOfDomain;
  }
  return rdr2geo(s, r, scene.dopplerAt(t, r), scene.wavelength(), scene.lookSide(), dem, res, prm);
}

}  // namespace orthotrack::geometry
