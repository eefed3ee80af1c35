#include "orthotrack/geometry/orbit_tools.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "orthotrack/core/error.hpp"

namespace orthotrack::geometry {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kGM = 3.986004418e14;        // m³/s², WGS84
constexpr double kOmegaEarth = 7.292115e-5;   // rad/s, WGS84
}  // namespace

Vec3 losEnu(const Vec3& targetXyz, const Vec3& sensorXyz, double lonRad, double latRad) noexcept {
  return Ellipsoid::enu(lonRad, latRad).toEnu((sensorXyz - targetXyz).normalized());
}

Vec3 flightEnu(const Vec3& velocityXyz, double lonRad, double latRad) noexcept {
  Vec3 e = Ellipsoid::enu(lonRad, latRad).toEnu(velocityXyz);
  e.z() = 0.0;
  return e.normalized();
}

double headingDeg(const Vec3& velocityXyz, double lonRad, double latRad) noexcept {
  const Vec3 e = Ellipsoid::enu(lonRad, latRad).toEnu(velocityXyz);
  double h = std::atan2(e.x(), e.y()) / kDeg;
  if (h < 0) h += 360.0;
  return h;
}

Status viewFromTarget(const SceneGeometry& scene, const LonLatH& target, TargetView& out, const Geo2RdrParams& prm) noexcept {
  const Ellipsoid ell = Ellipsoid::wgs84();
  const Vec3 p = ell.toXyz(target);
  double t = kNaN, r = kNaN;
  Status st = geo2rdr(p, scene, t, r, prm);
  SensorState s;
  if (st == Status::Ok) st = sensorState(scene.orbit(), t, s);
  if (st != Status::Ok) {
    out = TargetView{};
    out.time = out.range = out.incidenceDeg = out.lookAngleDeg = out.headingDeg = kNaN;
    return st;
  }
  out.time = t;
  out.range = r;
  out.sensorPosition = s.position;
  out.sensorVelocity = s.velocity;
  out.losEnu = losEnu(p, s.position, target.lon, target.lat);
  out.flightEnu = flightEnu(s.velocity, target.lon, target.lat);
  out.incidenceDeg = std::acos(std::clamp(out.losEnu.z(), -1.0, 1.0)) / kDeg;
  // Off-nadir angle in the zero-Doppler plane: from the geodetic nadir projected onto the plane
  // orthogonal to the velocity (as rdr2geo's look angle and OrbitDesign::offNadirDeg).
  const LonLatH sl = ell.toLonLatH(s.position);
  const Vec3 down = -Ellipsoid::normal(sl.lon, sl.lat);
  const Vec3 vh = s.velocity.normalized();
  const Vec3 en = (down - down.dot(vh) * vh).normalized();
  const Vec3 ec = scene.lookSide() == LookSide::Right ? Vec3(vh.cross(-en)) : Vec3((-en).cross(vh));
  const Vec3 d = p - s.position;
  out.lookAngleDeg = std::atan2(d.dot(ec), d.dot(en)) / kDeg;
  out.headingDeg = headingDeg(s.velocity, target.lon, target.lat);
  return Status::Ok;
}

Status baseline(const SceneGeometry& ref, const SceneGeometry& sec, const LonLatH& target, Baseline& out,
                const Geo2RdrParams& prm) noexcept {
  const Ellipsoid ell = Ellipsoid::wgs84();
  const Vec3 p = ell.toXyz(target);
  double t1 = kNaN, r1, t2 = kNaN, r2;
  SensorState s1, s2;
  Status st = geo2rdr(p, ref, t1, r1, prm);
  if (st == Status::Ok) st = geo2rdr(p, sec, t2, r2, prm);
  if (st == Status::Ok) st = sensorState(ref.orbit(), t1, s1);
  if (st == Status::Ok) st = sensorState(sec.orbit(), t2, s2);
  if (st != Status::Ok) {
    out.perpendicular = out.parallel = out.alongTrack = out.total = kNaN;
    out.vector = Vec3::Constant(kNaN);
    return st;
  }
  out.vector = s2.position - s1.position;
  const Vec3 l = (s1.position - p).normalized();
  const Vec3 vh = s1.velocity.normalized();
  Vec3 eperp = vh.cross(l).normalized();
  if (eperp.dot(Ellipsoid::normal(target.lon, target.lat)) < 0) eperp = -eperp;
  out.parallel = out.vector.dot(l);
  out.perpendicular = out.vector.dot(eperp);
  out.alongTrack = out.vector.dot(vh);
  out.total = out.vector.norm();
  return Status::Ok;
}

Status azimuthGroundSpacing(const SceneGeometry& scene, double t, double r, double h, double& spacing) noexcept {
  const double d = 0.25;
  const Dem dem = Dem::constant(std::isfinite(h) ? h : 0.0);
  Rdr2GeoResult a, b;
  Status st = rdr2geo(t - d, r, scene.dopplerAt(t - d, r), scene.orbit(), scene.wavelength(), scene.lookSide(), dem, a);
  if (st == Status::Ok)
    st = rdr2geo(t + d, r, scene.dopplerAt(t + d, r), scene.orbit(), scene.wavelength(), scene.lookSide(), dem, b);
  if (st != Status::Ok || !std::isfinite(h)) {
    spacing = kNaN;
    return st == Status::Ok ? Status::InvalidValue : st;
  }
  spacing = (b.xyz - a.xyz).norm() / (2 * d) * scene.grid().azimuthTimeInterval;
  return Status::Ok;
}

Status rangeGroundSpacing(const SceneGeometry& scene, double t, double r, double h, double& spacing) noexcept {
  const double d = scene.grid().rangePixelSpacing;
  const Dem dem = Dem::constant(std::isfinite(h) ? h : 0.0);
  Rdr2GeoResult a, b;
  Status st = rdr2geo(t, r - d, scene.dopplerAt(t, r - d), scene.orbit(), scene.wavelength(), scene.lookSide(), dem, a);
  if (st == Status::Ok)
    st = rdr2geo(t, r + d, scene.dopplerAt(t, r + d), scene.orbit(), scene.wavelength(), scene.lookSide(), dem, b);
  if (st != Status::Ok || !std::isfinite(h)) {
    spacing = kNaN;
    return st == Status::Ok ? Status::InvalidValue : st;
  }
  spacing = (b.xyz - a.xyz).norm() / 2.0;
  return Status::Ok;
}

// ---------------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------------
void OrbitDesign::validate() const {
  auto bad = [](const char* key, double v, const char* what) {
    throw InvalidInput(what, {"", std::string("orbit_design.") + key, std::to_string(v)});
  };
  if (!(altitude >= 100e3 && altitude <= 40000e3)) bad("altitude", altitude, "altitude must be within 100 km .. 40000 km");
  if (!(inclinationDeg > 0 && inclinationDeg < 180)) bad("inclination", inclinationDeg, "inclination must be within (0, 180) degrees");
  if (!(targetLatDeg >= -90 && targetLatDeg <= 90)) bad("target_lat", targetLatDeg, "latitude must be within [-90, 90]");
  if (!std::isfinite(targetLonDeg)) bad("target_lon", targetLonDeg, "longitude must be finite");
  if (!std::isfinite(targetHeight)) bad("target_height", targetHeight, "height must be finite");
  if (std::abs(std::sin(targetLatDeg * kDeg)) > std::sin(inclinationDeg * kDeg) * 0.995)
    bad("target_lat", targetLatDeg, "the orbit never flies over this latitude (|lat| must stay below the inclination's reach)");
  if (!(offNadirDeg > 0 && offNadirDeg < 70)) bad("off_nadir", offNadirDeg, "off-nadir angle must be within (0, 70) degrees");
  if (!(spanBefore > 0) || !std::isfinite(spanBefore)) bad("span_before", spanBefore, "span must be positive");
  if (!(spanAfter > 0) || !std::isfinite(spanAfter)) bad("span_after", spanAfter, "span must be positive");
  if (!(stateVectorInterval > 0 && stateVectorInterval <= 120))
    bad("state_vector_interval", stateVectorInterval, "state-vector interval must be within (0, 120] s");
  if (spanBefore + spanAfter < 3 * stateVectorInterval)
    bad("span_after", spanAfter, "spans must hold at least 4 state vectors");
}

OrbitDesign OrbitDesign::palsar1Fbs(double lonDeg, double latDeg, PassDirection pass, const DateTime& time) {
  OrbitDesign d;
  d.altitude = 691.65e3;
  d.inclinationDeg = 98.16;
  d.offNadirDeg = 34.3;
  d.lookSide = LookSide::Right;
  d.pass = pass;
  d.targetLonDeg = lonDeg;
  d.targetLatDeg = latDeg;
  d.timeOverTarget = time;
  return d;
}

OrbitDesign OrbitDesign::palsar2Stripmap(double lonDeg, double latDeg, PassDirection pass, const DateTime& time) {
  OrbitDesign d;
  d.altitude = 628e3;
  d.inclinationDeg = 97.92;
  d.offNadirDeg = 32.5;
  d.lookSide = LookSide::Right;
  d.pass = pass;
  d.targetLonDeg = lonDeg;
  d.targetLatDeg = latDeg;
  d.timeOverTarget = time;
  return d;
}

namespace {
struct CircularOrbit {
  double r, inc, raan, u0, n;
  void state(double tau, Vec3& p, Vec3& v) const {
    const Vec3 N(std::cos(raan), std::sin(raan), 0.0);
    const Vec3 M(-std::sin(raan) * std::cos(inc), std::cos(raan) * std::cos(inc), std::sin(inc));
    const double u = u0 + n * tau;
    const Vec3 pe = r * (std::cos(u) * N + std::sin(u) * M);
    const Vec3 ve = r * n * (-std::sin(u) * N + std::cos(u) * M);
    const Vec3 w(0.0, 0.0, kOmegaEarth);
    const Eigen::AngleAxisd rot(-kOmegaEarth * tau, Vec3::UnitZ());
    p = rot * pe;
    v = rot * (ve - w.cross(pe));
  }
};
}  // namespace

Orbit designOrbit(const OrbitDesign& d) {
  d.validate();
  const Ellipsoid ell = Ellipsoid::wgs84();
  const Vec3 P = ell.toXyz({d.targetLonDeg * kDeg, d.targetLatDeg * kDeg, d.targetHeight});
  const double inc = d.inclinationDeg * kDeg, zeta = d.offNadirDeg * kDeg;
  CircularOrbit o{};
  o.inc = inc;
  o.r = ell.a() + d.altitude;
  const double su = std::clamp(std::sin(d.targetLatDeg * kDeg) / std::sin(inc), -1.0, 1.0);
  o.u0 = d.pass == PassDirection::Ascending ? std::asin(su) : kPi - std::asin(su);
  o.raan = d.targetLonDeg * kDeg - std::atan2(std::cos(inc) * std::sin(o.u0), std::cos(o.u0));
  const double side = d.lookSide == LookSide::Right ? 1.0 : -1.0;
  auto residual = [&](const CircularOrbit& c, double& f1, double& f2) {
    Vec3 s, v;
    c.state(0.0, s, v);
    const Vec3 los = P - s;
    const Vec3 vh = v.normalized();
    f1 = vh.dot(los) / los.norm();
    const LonLatH sl = ell.toLonLatH(s);
    const Vec3 down = -Ellipsoid::normal(sl.lon, sl.lat);
    const Vec3 en = (down - down.dot(vh) * vh).normalized();
    const Vec3 ec = side > 0 ? Vec3(vh.cross(-en)) : Vec3((-en).cross(vh));
    f2 = std::atan2(los.dot(ec), los.dot(en)) - zeta;
  };
  bool converged = false;
  for (int it = 0; it < 100 && !converged; ++it) {
    o.n = std::sqrt(kGM / (o.r * o.r * o.r));
    Vec3 s, v;
    o.state(0.0, s, v);
    o.r += d.altitude - ell.toLonLatH(s).h;  // keep the altitude at the sub-satellite point
    o.n = std::sqrt(kGM / (o.r * o.r * o.r));
    double f1, f2;
    residual(o, f1, f2);
    const double e = 1e-7;
    CircularOrbit a = o, b = o;
    a.raan += e;
    b.u0 += e;
    double a1, a2, b1, b2;
    residual(a, a1, a2);
    residual(b, b1, b2);
    const double j11 = (a1 - f1) / e, j21 = (a2 - f2) / e, j12 = (b1 - f1) / e, j22 = (b2 - f2) / e;
    const double det = j11 * j22 - j12 * j21;
    if (!(std::abs(det) > 0)) break;
    double dRaan = -(j22 * f1 - j12 * f2) / det, dU = -(-j21 * f1 + j11 * f2) / det;
    const double m = std::max(std::abs(dRaan), std::abs(dU));
    if (m > 0.05) { dRaan *= 0.05 / m; dU *= 0.05 / m; }
    o.raan += dRaan;
    o.u0 += dU;
    converged = std::abs(f1) < 1e-12 && std::abs(f2) < 1e-11;
  }
  if (!converged)
    throw NoConvergence("could not design an orbit that sees the target with this geometry",
                        {"", "orbit_design", std::to_string(d.targetLonDeg) + "," + std::to_string(d.targetLatDeg)});
  std::vector<StateVector> svs;
  const auto nb = static_cast<std::int64_t>(std::ceil(d.spanBefore / d.stateVectorInterval));
  const auto na = static_cast<std::int64_t>(std::ceil(d.spanAfter / d.stateVectorInterval));
  for (std::int64_t k = -nb; k <= na; ++k) {
    const double tau = static_cast<double>(k) * d.stateVectorInterval;
    Vec3 p, v;
    o.state(tau, p, v);
    svs.push_back({d.timeOverTarget.plusSeconds(tau), p, v});
  }
  return Orbit(std::move(svs));
}

}  // namespace orthotrack::geometry
