// Analytic truth, synthetic round trips, realistic orbits, DEM look-up and bad inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "orthotrack/core/error.hpp"
#include "orthotrack/core/tiling.hpp"
#include "orthotrack/geometry/geometry.hpp"
#include "synthetic.hpp"

using namespace orthotrack;
using namespace orthotrack::geometry;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A straight-line "orbit" s(t) = s0 + v·t above a sphere: linear motion is interpolated exactly.
struct LineOrbit {
  Vec3 s0, v;
  Orbit orbit() const {
    std::vector<StateVector> svs;
    const DateTime e(2020, 1, 1);
    for (int k = 0; k < 30; ++k) svs.push_back({e.plusSeconds(k * 10.0), s0 + v * (k * 10.0), v});
    return Orbit(svs, e);
  }
};

double ell_height(const Orbit& o, double t) {
  Vec3 p, v;
  o.interpolate(t, p, v);
  return Ellipsoid().toLonLatH(p).h;
}

template <class F>
void expectThrowsWithKey(F&& f, const std::string& key) {
  try {
    f();
    ADD_FAILURE() << "expected InvalidInput naming " << key;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
  }
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// Analytic truth: sphere + straight-line orbit.
TEST(Analytic, Geo2RdrStraightLineOrbit) {
  const LineOrbit lo{Vec3(7.0e6, -1.0e6, 0.0), Vec3(0.0, 7000.0, 500.0)};
  const Orbit orb = lo.orbit();
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> U(-1, 1);
  for (int k = 0; k < 200; ++k) {
    const Vec3 p(6.371e6 + 3000 * U(rng), 1.0e6 * (0.5 + 0.4 * U(rng)), 6e5 * U(rng));
    const double tTrue = lo.v.dot(p - lo.s0) / lo.v.squaredNorm();
    const double rTrue = (p - (lo.s0 + lo.v * tTrue)).norm();
    double t = kNaN, r;
    ASSERT_EQ(geo2rdr(p, orb, LUT2d(), 0.24, t, r), Status::Ok);
    EXPECT_NEAR(t, tTrue, 1e-7);
    EXPECT_NEAR(r, rTrue, 1e-4);
  }
}

TEST(Analytic, Geo2RdrConstantDopplerSquint) {
  // With a constant Doppler f, v·(p − s) = λ/2·f·R: check the residual of the answer.
  const LineOrbit lo{Vec3(7.0e6, -1.0e6, 0.0), Vec3(0.0, 7000.0, 500.0)};
  const Orbit orb = lo.orbit();
  const double lambda = 0.056, f = 300.0;
  const Vec3 p(6.371e6, 1.0e6, 1e5);
  double t = kNaN, r;
  ASSERT_EQ(geo2rdr(p, orb, LUT2d(f), lambda, t, r), Status::Ok);
  const Vec3 s = lo.s0 + lo.v * t;
  EXPECT_NEAR((p - s).norm(), r, 1e-4);
  EXPECT_NEAR(lo.v.dot(p - s) / r * 2 / lambda, f, 1e-6);
  EXPECT_GT(lo.v.dot(p - s), 0);  // positive Doppler: the target lies ahead (convention)
  // Same from rdr2geo at the answer.
  Rdr2GeoResult res;
  const Ellipsoid sphere(6.371e6, 0.0);
  const LonLatH llh = sphere.toLonLatH(p);
  ASSERT_EQ(rdr2geo(t, r, f, orb, lambda, LookSide::Right, Dem::constant(llh.h), res, {}, sphere), Status::Ok);
  // p is on the right of the track (v ~ +y, sensor at +x above, p towards +z/-?): check either side.
  Rdr2GeoResult resL;
  ASSERT_EQ(rdr2geo(t, r, f, orb, lambda, LookSide::Left, Dem::constant(llh.h), resL, {}, sphere), Status::Ok);
  EXPECT_LT(std::min((res.xyz - p).norm(), (resL.xyz - p).norm()), 1e-3);
}

TEST(Analytic, Rdr2GeoSphereClosedForm) {
  const double Rs = 6.371e6;
  const Ellipsoid sphere(Rs, 0.0);
  const LineOrbit lo{Vec3(Rs + 700e3, -2.0e5, 1.0e5), Vec3(100.0, 7000.0, 1500.0)};
  const Orbit orb = lo.orbit();
  for (LookSide side : {LookSide::Right, LookSide::Left})
    for (double t : {20.0, 80.0, 150.0})
      for (double h : {-100.0, 0.0, 2500.0})
        for (double R : {780e3, 850e3, 950e3}) {
          const Vec3 s = lo.s0 + lo.v * t, vh = lo.v.normalized();
          // Circle of the zero-Doppler plane on the sphere of radius Rs + h.
          const Vec3 c0 = vh * vh.dot(s);
          const double rc = std::sqrt((Rs + h) * (Rs + h) - c0.squaredNorm());
          const double d = (s - c0).norm();
          const Vec3 u = (s - c0) / d;
          const Vec3 w = side == LookSide::Right ? Vec3(vh.cross(u)) : Vec3(u.cross(vh));
          const double cpsi = (d * d + rc * rc - R * R) / (2 * d * rc);
          Rdr2GeoResult res;
          if (cpsi > 1.0) {  // the range does not reach the sphere: no solution
            EXPECT_EQ(rdr2geo(t, R, 0.0, orb, 0.24, side, Dem::constant(h), res, {}, sphere), Status::OutOfDomain);
            continue;
          }
          const Vec3 truth = c0 + rc * (cpsi * u + std::sqrt(1 - cpsi * cpsi) * w);
          ASSERT_EQ(rdr2geo(t, R, 0.0, orb, 0.24, side, Dem::constant(h), res, {}, sphere), Status::Ok)
              << "t " << t << " R " << R << " h " << h << " side " << static_cast<int>(side);
          EXPECT_LT((res.xyz - truth).norm(), 1e-3) << "t " << t << " R " << R << " h " << h;
          // Incidence: angle between the sphere normal and the LOS.
          const double incTrue = std::acos(truth.normalized().dot((s - truth).normalized()));
          const double inc = std::acos(res.xyz.normalized().dot((s - res.xyz).normalized()));
          EXPECT_NEAR(inc, incTrue, 1e-9);
          // And back: geo2rdr returns t and R.
          double t2 = kNaN, r2;
          ASSERT_EQ(geo2rdr(res.xyz, orb, LUT2d(), 0.24, t2, r2), Status::Ok);
          EXPECT_NEAR(t2, t, 1e-6);
          EXPECT_NEAR(r2, R, 1e-3);
        }
}

// ---------------------------------------------------------------------------------------------
// DEM look-up.
TEST(Dem, InterpolatorsReproducePlanesAndGradients) {
  const GeoGrid g = GeoGrid::geographic(10.0, 10.1, 45.0, 45.1, 0.001);
  Raster<float> h(g.length, g.width);
  for (std::int64_t i = 0; i < g.length; ++i)
    for (std::int64_t j = 0; j < g.width; ++j)
      h(i, j) = static_cast<float>(100.0 + 3000.0 * (g.x(static_cast<double>(j)) - 10.0) - 2000.0 * (g.y(static_cast<double>(i)) - 45.0));
  for (auto m : {DemInterpolation::Bilinear, DemInterpolation::Bicubic, DemInterpolation::Spline6}) {
    DemOptions o;
    o.method = m;
    const Dem dem(h, g, o);
    for (double lon : {10.0123, 10.05, 10.0981})
      for (double lat : {45.0024, 45.0377, 45.07}) {
        double z, dLon, dLat;
        ASSERT_EQ(dem.heightGradient(lon * kDeg, lat * kDeg, z, dLon, dLat), Status::Ok);
        EXPECT_NEAR(z, 100.0 + 3000.0 * (lon - 10.0) - 2000.0 * (lat - 45.0), 2e-3);
        EXPECT_NEAR(dLon * kDeg, 3000.0, 1e-2);
        EXPECT_NEAR(dLat * kDeg, -2000.0, 1e-2);
      }
    EXPECT_NEAR(dem.minHeight(), 100.0 + 3000.0 * 0.0005 - 2000.0 * 0.0995, 1e-3);
    EXPECT_NEAR(dem.maxHeight(), 100.0 + 3000.0 * 0.0995 - 2000.0 * 0.0005, 1e-3);
    // Slope and aspect: dh/dE = 3000/(m per degree east), dh/dN = -2000/(m per degree north).
    const double lat = 45.05 * kDeg;
    const Ellipsoid ell;
    const double h0 = 100.0 + 3000.0 * 0.05 - 2000.0 * 0.05;  // metres of the radii are at height h0
    const double gE = 3000.0 / ((ell.rEast(lat) + h0) * std::cos(lat) * kDeg), gN = -2000.0 / ((ell.rNorth(lat) + h0) * kDeg);
    double sE, sN, slope, aspect;
    ASSERT_EQ(dem.slopeEN(10.05 * kDeg, lat, sE, sN), Status::Ok);
    EXPECT_NEAR(sE, gE, 1e-5 * std::abs(gE));
    EXPECT_NEAR(sN, gN, 1e-5 * std::abs(gN));
    ASSERT_EQ(dem.slopeAspect(10.05 * kDeg, lat, slope, aspect), Status::Ok);
    EXPECT_NEAR(slope, std::atan(std::hypot(gE, gN)) / kDeg, 1e-4);
    EXPECT_NEAR(aspect, std::atan2(-gE, -gN) / kDeg + 360.0, 1e-3);  // downslope: towards the west-north-west
    Vec3 n;
    ASSERT_EQ(dem.surfaceNormalEnu(10.05 * kDeg, lat, n), Status::Ok);
    EXPECT_NEAR(n.norm(), 1.0, 1e-12);
    EXPECT_NEAR(n.x() / n.z(), -gE, 1e-6);
  }
}

TEST(Dem, CubicKernelsFollowCurvedTerrainBetterThanBilinear) {
  const GeoGrid g = GeoGrid::geographic(0.0, 0.2, 0.0, 0.2, 0.002);
  Raster<float> h(g.length, g.width);
  auto f = [](double lon, double lat) { return 500.0 * std::sin(lon * 60.0) * std::cos(lat * 45.0); };
  for (std::int64_t i = 0; i < g.length; ++i)
    for (std::int64_t j = 0; j < g.width; ++j) h(i, j) = static_cast<float>(f(g.x(static_cast<double>(j)), g.y(static_cast<double>(i))));
  double err[3] = {0, 0, 0};
  int k = 0;
  for (auto m : {DemInterpolation::Bilinear, DemInterpolation::Bicubic, DemInterpolation::Spline6}) {
    DemOptions o;
    o.method = m;
    const Dem dem(h, g, o);
    for (double lon = 0.02; lon < 0.18; lon += 0.00137)
      for (double lat = 0.02; lat < 0.18; lat += 0.00173) {
        double z;
        ASSERT_EQ(dem.heightDeg(lon, lat, z), Status::Ok);
        err[k] = std::max(err[k], std::abs(z - f(lon, lat)));
      }
    ++k;
  }
  EXPECT_LT(err[1], 0.2 * err[0]);
  EXPECT_LT(err[2], 0.2 * err[0]);
}

TEST(Dem, NoDataOutOfBoundsAndFallback) {
  const GeoGrid g = GeoGrid::geographic(0.0, 1.0, 0.0, 1.0, 0.1);
  Raster<float> h(g.length, g.width, 50.0f);
  h(5, 5) = std::numeric_limits<float>::quiet_NaN();
  h(2, 2) = -9999.0f;
  DemOptions o;
  o.noData = -9999.0f;
  o.method = DemInterpolation::Bicubic;
  const Dem dem(h, g, o);
  double z;
  EXPECT_EQ(dem.heightDeg(0.55, 0.45, z), Status::InvalidValue);  // next to the NaN (row 5 is lat 0.45)
  EXPECT_TRUE(std::isnan(z));
  EXPECT_EQ(dem.heightDeg(0.25, 0.75, z), Status::InvalidValue);  // next to the no-data value
  EXPECT_EQ(dem.heightDeg(0.85, 0.15, z), Status::Ok);
  EXPECT_DOUBLE_EQ(z, 50.0);
  EXPECT_EQ(dem.heightDeg(1.2, 0.5, z), Status::OutOfDomain);
  EXPECT_EQ(dem.heightDeg(0.5, -0.01, z), Status::OutOfDomain);
  EXPECT_EQ(dem.heightDeg(0.4, 0.6, z), Status::Ok) << "bicubic falls back to bilinear when only outer samples are NaN";
  EXPECT_DOUBLE_EQ(z, 50.0);
  EXPECT_DOUBLE_EQ(dem.meanHeight(), 50.0);
  EXPECT_EQ(dem.validCount(), g.length * g.width - 2);
  EXPECT_EQ(dem.heightDeg(kNaN, 0.5, z), Status::InvalidValue);
  o.fallbackHeight = 12.5;
  const Dem fb(h, g, o);
  EXPECT_EQ(fb.heightDeg(1.2, 0.5, z), Status::Ok);
  EXPECT_DOUBLE_EQ(z, 12.5);
  EXPECT_EQ(fb.heightDeg(0.55, 0.45, z), Status::Ok);
  EXPECT_DOUBLE_EQ(z, 12.5);
  // Longitudes wrap by 360°.
  EXPECT_EQ(dem.heightDeg(360.85, 0.15, z), Status::Ok);
}

TEST(Dem, RejectsBadGrids) {
  GeoGrid g = GeoGrid::geographic(0.0, 1.0, 0.0, 1.0, 0.1);
  expectThrowsWithKey([&] { Dem(Raster<float>(3, 3), g); }, "dem.heights");
  GeoGrid utm = g;
  utm.epsg = 32633;
  expectThrowsWithKey([&] { Dem(Raster<float>(g.length, g.width), utm); }, "dem.grid.epsg");
  GeoGrid southUp = g;
  southUp.transform[5] = 0.1;
  expectThrowsWithKey([&] { Dem(Raster<float>(g.length, g.width), southUp); }, "dem.grid.transform");
  expectThrowsWithKey([&] { Dem(Raster<float>(g.length, g.width, std::numeric_limits<float>::quiet_NaN()), g); }, "dem.heights");
  DemOptions o;
  o.fallbackHeight = std::numeric_limits<double>::infinity();
  expectThrowsWithKey([&] { Dem(Raster<float>(g.length, g.width), g, o); }, "dem.fallback_height");
  expectThrowsWithKey([&] { Dem::constant(kNaN); }, "dem.constant_height");
}

// ---------------------------------------------------------------------------------------------
// Realistic orbits.
TEST(Orbits, Palsar1FbsIncidenceAtSceneCentre) {
  for (auto pass : {PassDirection::Ascending, PassDirection::Descending}) {
    const auto d = OrbitDesign::palsar1Fbs(98.7, 31.1, pass, DateTime(2008, 1, 15, 15, 30, 0.0));
    const Orbit orb = designOrbit(d);
    EXPECT_EQ(orb.size(), 61u);
    EXPECT_NEAR(orb.stateVectors()[1].time.secondsSince(orb.stateVectors()[0].time), 10.0, 1e-9);
    const SceneGeometry sc = test::makeScene(98.7, 31.1, 0.0, LookSide::Right, pass, 11, 11);
    (void)sc;
    RadarGrid g;
    g.sensingStart = d.timeOverTarget;
    g.azimuthTimeInterval = 1.0 / 2159.827;
    g.startingRange = 840e3;
    g.rangePixelSpacing = 4.684;
    g.wavelength = 0.236;
    g.length = g.width = 100;
    const SceneGeometry scene(orb, g);
    TargetView v;
    ASSERT_EQ(viewFromTarget(scene, {98.7 * kDeg, 31.1 * kDeg, 0.0}, v), Status::Ok);
    std::printf("PALSAR-1 FBS %s: incidence %.3f deg, look %.4f deg, range %.1f m, heading %.2f deg\n",
                pass == PassDirection::Ascending ? "asc" : "desc", v.incidenceDeg, v.lookAngleDeg, v.range, v.headingDeg);
    EXPECT_NEAR(v.incidenceDeg, 38.7, 0.3);
    EXPECT_NEAR(v.lookAngleDeg, 34.3, 1e-6);
    EXPECT_NEAR(v.time, orb.toSeconds(d.timeOverTarget), 1e-6);
    EXPECT_NEAR(ell_height(orb, v.time), 691.65e3, 1.0);
    // Sun-synchronous heading: ascending ~ −11° (north-north-west), descending ~ 191°.
    if (pass == PassDirection::Ascending) {
      EXPECT_NEAR(v.headingDeg, 349.0, 3.0);
      EXPECT_LT(v.losEnu.x(), 0.0);  // right-looking ascending looks east: LOS (to sensor) points west
    } else {
      EXPECT_NEAR(v.headingDeg, 191.0, 3.0);
      EXPECT_GT(v.losEnu.x(), 0.0);
    }
    EXPECT_NEAR(v.flightEnu.norm(), 1.0, 1e-12);
    EXPECT_NEAR(v.flightEnu.z(), 0.0, 1e-15);
    EXPECT_NEAR(std::cos(v.incidenceDeg * kDeg), v.losEnu.z(), 1e-12);
    // Azimuth ground spacing ~ ground speed (≈ 6.6-6.8 km/s) / PRF.
    double sp;
    ASSERT_EQ(azimuthGroundSpacing(scene, v.time, v.range, 0.0, sp), Status::Ok);
    EXPECT_NEAR(sp * 2159.827, 6.7e3, 0.15e3);
    ASSERT_EQ(rangeGroundSpacing(scene, v.time, v.range, 0.0, sp), Status::Ok);
    EXPECT_NEAR(sp, 4.684 / std::sin(v.incidenceDeg * kDeg), 0.01);
  }
}

TEST(Orbits, Palsar2StripmapAndLeftLooking) {
  const auto d = OrbitDesign::palsar2Stripmap(98.7, 31.1, PassDirection::Descending, DateTime(2016, 3, 1, 5, 0, 0.0));
  const Orbit orb = designOrbit(d);
  RadarGrid g;
  g.sensingStart = d.timeOverTarget;
  g.azimuthTimeInterval = 1e-3;
  g.startingRange = 700e3;
  g.rangePixelSpacing = 4.3;
  g.wavelength = 0.2424;
  g.length = g.width = 10;
  TargetView v;
  ASSERT_EQ(viewFromTarget(SceneGeometry(orb, g), {98.7 * kDeg, 31.1 * kDeg, 0.0}, v), Status::Ok);
  std::printf("PALSAR-2 SM3 desc: incidence %.3f deg, range %.1f m\n", v.incidenceDeg, v.range);
  EXPECT_NEAR(v.incidenceDeg, 36.0, 0.4);
  // Left-looking design: the target is on the left of the track.
  auto dl = d;
  dl.lookSide = LookSide::Left;
  const Orbit ol = designOrbit(dl);
  g.lookSide = LookSide::Left;
  ASSERT_EQ(viewFromTarget(SceneGeometry(ol, g), {98.7 * kDeg, 31.1 * kDeg, 0.0}, v), Status::Ok);
  EXPECT_NEAR(v.lookAngleDeg, 32.5, 1e-6);
  EXPECT_LT(v.losEnu.x(), 0.0);  // descending (southward) looking left = east: LOS points west
}

TEST(Orbits, DesignRejectsImpossibleGeometry) {
  auto d = OrbitDesign::palsar1Fbs(0, 85.0, PassDirection::Ascending, DateTime(2010, 1, 1));
  expectThrowsWithKey([&] { designOrbit(d); }, "orbit_design.target_lat");
  d = OrbitDesign::palsar1Fbs(0, 10.0, PassDirection::Ascending, DateTime(2010, 1, 1));
  d.offNadirDeg = 0;
  expectThrowsWithKey([&] { designOrbit(d); }, "orbit_design.off_nadir");
  d.offNadirDeg = 30;
  d.altitude = 10;
  expectThrowsWithKey([&] { designOrbit(d); }, "orbit_design.altitude");
}

// The scene's precomputed interpolant: the same polynomial as Orbit::interpolate, its acceleration
// the derivative of the velocity; geo2rdr through it (with the early Newton stop) agrees with
// geo2rdr on the core orbit.
TEST(Orbits, PrecomputedInterpolatorMatchesCore) {
  const SceneGeometry sc = test::makeScene(98.7, 31.1, 3000.0, LookSide::Right, PassDirection::Ascending, 100, 100);
  const Orbit& o = sc.orbit();
  const OrbitInterpolator& ip = sc.interpolator();
  EXPECT_EQ(ip.order(), 8);
  EXPECT_GT(ip.maxJerk(), 0.0);
  EXPECT_LT(ip.maxJerk(), 0.1);  // m/s³ for a LEO orbit (ω²·v ≈ 0.008)
  double dp = 0, dv = 0, da = 0;
  for (double t = o.startTime(); t <= o.endTime(); t += 0.731) {
    Vec3 p0, v0, p1, v1, a1, pa, va, pb, vb;
    ASSERT_EQ(o.interpolate(t, p0, v0), Status::Ok);
    ASSERT_EQ(ip.interpolate(t, p1, v1, &a1), Status::Ok);
    dp = std::max(dp, (p0 - p1).norm());
    dv = std::max(dv, (v0 - v1).norm());
    const double h = 1e-3;
    if (o.interpolate(t - h, pa, va) == Status::Ok && o.interpolate(t + h, pb, vb) == Status::Ok)
      da = std::max(da, ((vb - va) / (2 * h) - a1).norm());
  }
  EXPECT_LT(dp, 1e-6);
  EXPECT_LT(dv, 1e-9);
  EXPECT_LT(da, 1e-5);
  Vec3 p, v;
  EXPECT_EQ(ip.interpolate(o.endTime() + 1.0, p, v), Status::OutOfDomain);
  // Another order is recovered from the orbit.
  const Orbit o5(o.stateVectors(), 5);
  const OrbitInterpolator ip5(o5);
  EXPECT_EQ(ip5.order(), 5);
  Vec3 q0, w0, q1, w1;
  ASSERT_EQ(o5.interpolate(12.34, q0, w0), Status::Ok);
  ASSERT_EQ(ip5.interpolate(12.34, q1, w1), Status::Ok);
  EXPECT_LT((q0 - q1).norm(), 1e-6);
  // geo2rdr: scene (precomputed, early stop) vs core orbit (strict tolerance on the step).
  const Ellipsoid ell;
  double worstT = 0, worstR = 0;
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 7; ++j) {
      const Vec3 x = ell.toXyz({(98.65 + 0.015 * i) * kDeg, (31.05 + 0.015 * j) * kDeg, 500.0 * i});
      double t1 = kNaN, r1, t2 = kNaN, r2;
      ASSERT_EQ(geo2rdr(x, sc, t1, r1), Status::Ok);
      Geo2RdrParams strict;
      strict.timeTolerance = 1e-11;
      ASSERT_EQ(geo2rdr(x, o, LUT2d(), sc.wavelength(), t2, r2, strict), Status::Ok);
      worstT = std::max(worstT, std::abs(t1 - t2));
      worstR = std::max(worstR, std::abs(r1 - r2));
    }
  EXPECT_LT(worstT, 1e-9);
  EXPECT_LT(worstR, 1e-5);
}

TEST(Orbits, HermiteResamplingKeepsNodesAndFollowsTheOrbit) {
  const auto d = OrbitDesign::palsar1Fbs(10.0, 45.0, PassDirection::Ascending, DateTime(2010, 1, 1, 10, 0, 0.0));
  auto d60 = d;
  d60.stateVectorInterval = 60;
  d60.spanBefore = d60.spanAfter = 600;
  const Orbit coarse = designOrbit(d60);
  auto d1 = d;
  d1.stateVectorInterval = 1;
  d1.spanBefore = d1.spanAfter = 500;
  const Orbit truth = designOrbit(d1);
  const Orbit h = resampleHermite(coarse, 1.0);
  EXPECT_EQ(h.referenceEpoch(), coarse.referenceEpoch());
  double worst = 0;
  for (double t = -450; t <= 450; t += 3.7) {
    Vec3 p1, v1, p2, v2;
    const double tt = truth.toSeconds(d.timeOverTarget) + t;
    ASSERT_EQ(truth.interpolate(tt, p1, v1), Status::Ok);
    ASSERT_EQ(h.interpolate(h.toSeconds(truth.toDateTime(tt)), p2, v2), Status::Ok);
    worst = std::max(worst, (p1 - p2).norm());
  }
  EXPECT_LT(worst, 0.05);  // 4-point Hermite on 60 s vectors: a few cm at most
}


TEST(Orbits, BaselineComponentsAndSigns) {
  const SceneGeometry ref = test::makeScene(98.7, 31.1, 3000.0, LookSide::Right, PassDirection::Ascending, 101, 101);
  const LonLatH target{98.7 * kDeg, 31.1 * kDeg, 3000.0};
  TargetView v;
  ASSERT_EQ(viewFromTarget(ref, target, v), Status::Ok);
  // Secondary: the same orbit translated by 150 m "up" perpendicular to the LOS and 40 m along it.
  const Vec3 p = Ellipsoid().toXyz(target);
  const Vec3 l = (v.sensorPosition - p).normalized();
  Vec3 eperp = v.sensorVelocity.normalized().cross(l).normalized();
  if (eperp.dot(Ellipsoid::normal(target.lon, target.lat)) < 0) eperp = -eperp;
  const Vec3 shift = 150.0 * eperp + 40.0 * l;
  std::vector<StateVector> svs = ref.orbit().stateVectors();
  for (auto& s : svs) s.position += shift;
  const SceneGeometry sec(Orbit(svs), ref.grid());
  Baseline b;
  ASSERT_EQ(baseline(ref, sec, target, b), Status::Ok);
  EXPECT_NEAR(b.perpendicular, 150.0, 0.05);
  EXPECT_NEAR(b.parallel, 40.0, 0.05);
  EXPECT_NEAR(b.total, shift.norm(), 0.05);
  // R_sec ≈ R_ref + B_par.
  TargetView v2;
  ASSERT_EQ(viewFromTarget(sec, target, v2), Status::Ok);
  EXPECT_NEAR(v2.range - v.range, b.parallel, 0.05);
  Baseline self;
  ASSERT_EQ(baseline(ref, ref, target, self), Status::Ok);
  EXPECT_NEAR(self.total, 0.0, 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Round trips over steep synthetic terrain (800 m relief, slopes up to ~55°).
TEST(RoundTrip, SteepTerrainBothSidesBothPasses) {
  const double lon0 = 98.7, lat0 = 31.1;
  DemOptions o;
  o.method = DemInterpolation::Bicubic;
  const Dem dem = test::makeRidgeDem(lon0, lat0, 0.07, 1.0 / 3600.0, 3000.0, 1600.0, 0.0, o);
  ASSERT_GT(dem.maxHeight() - dem.minHeight(), 780.0);
  for (LookSide side : {LookSide::Right, LookSide::Left})
    for (auto pass : {PassDirection::Ascending, PassDirection::Descending}) {
      const SceneGeometry sc = test::makeScene(lon0, lat0, 3000.0, side, pass, 60, 160);
      const TopoLayers L = computeTopo(sc, dem);
      double worst = 0, worstH = 0;
      std::int64_t ok = 0, lay = 0, sha = 0, steep = 0;
      for (std::int64_t i = 0; i < L.lon.length(); ++i)
        for (std::int64_t j = 0; j < L.lon.width(); ++j) {
          if (L.status(i, j) != 0) continue;
          ++ok;
          lay += (L.mask(i, j) & kMaskLayover) != 0;
          sha += (L.mask(i, j) & kMaskShadow) != 0;
          const LonLatH q{L.lon(i, j) * kDeg, L.lat(i, j) * kDeg, static_cast<double>(L.height(i, j))};
          double slope, aspect;
          ASSERT_EQ(dem.slopeAspect(q.lon, q.lat, slope, aspect), Status::Ok);
          steep += slope >= 35.0;
          double t = kNaN, r;
          // Round trip with the double-precision point (the float height layer would cost mm).
          Rdr2GeoResult res;
          ASSERT_EQ(rdr2geo(sc, static_cast<double>(i), static_cast<double>(j), dem, res), Status::Ok);
          double hd;
          ASSERT_EQ(dem.height(res.llh.lon, res.llh.lat, hd), Status::Ok);
          worstH = std::max(worstH, std::abs(hd - res.llh.h) + std::abs(Ellipsoid().toLonLatH(res.xyz).h - hd));
          ASSERT_EQ(geo2rdr(res.xyz, sc, t, r), Status::Ok);
          worst = std::max({worst, std::abs(sc.line(t) - static_cast<double>(i)), std::abs(sc.sample(r) - static_cast<double>(j))});
        }
      std::printf("%s %s: %lld ok px, %lld on slopes >= 35 deg, layover %lld, shadow %lld, worst round trip %.2e px\n",
                  side == LookSide::Right ? "right" : "left", pass == PassDirection::Ascending ? "asc" : "desc",
                  static_cast<long long>(ok), static_cast<long long>(steep), static_cast<long long>(lay),
                  static_cast<long long>(sha), worst);
      EXPECT_EQ(ok, L.lon.length() * L.lon.width());
      EXPECT_GT(steep, ok / 10);
      EXPECT_GT(lay, 0);  // 55° slopes facing the radar at ~39° incidence lay over
      EXPECT_LT(worst, 1e-3);
      EXPECT_LT(worstH, 1e-6);
    }
}

TEST(RoundTrip, RadarToRadarIdentityAndKnownShift) {
  const double lon0 = 98.7, lat0 = 31.1;
  const Dem dem = test::makeRidgeDem(lon0, lat0, 0.07, 1.0 / 3600.0, 3000.0, 1600.0, 0.0);
  const SceneGeometry ref = test::makeScene(lon0, lat0, 3000.0, LookSide::Right, PassDirection::Descending, 40, 60);
  const auto same = radarToRadar<double>(ref, ref, dem);
  // Secondary grid shifted by 7.25 lines and −3.5 samples: the look-up is (i + 7.25... ) minus.
  RadarGrid g2 = ref.grid();
  g2.sensingStart = g2.sensingStart.plusSeconds(-7.25 * g2.azimuthTimeInterval);
  g2.startingRange += 3.5 * g2.rangePixelSpacing;
  const SceneGeometry sec(ref.orbit(), g2);
  const auto shifted = radarToRadar<float>(ref, sec, dem);
  double w1 = 0, w2 = 0;
  for (std::int64_t i = 0; i < 40; ++i)
    for (std::int64_t j = 0; j < 60; ++j) {
      ASSERT_EQ(same.status(i, j), 0);
      w1 = std::max({w1, std::abs(same.line(i, j) - static_cast<double>(i)), std::abs(same.sample(i, j) - static_cast<double>(j))});
      w2 = std::max({w2, std::abs(static_cast<double>(shifted.line(i, j)) - (static_cast<double>(i) + 7.25)),
                     std::abs(static_cast<double>(shifted.sample(i, j)) - (static_cast<double>(j) - 3.5))});
    }
  EXPECT_LT(w1, 1e-3);
  EXPECT_LT(w2, 1e-3);
}

TEST(Lookup, MapToRadarInvertsTopo) {
  const double lon0 = 98.7, lat0 = 31.1;
  const Dem dem = test::makeRidgeDem(lon0, lat0, 0.07, 1.0 / 3600.0, 3000.0, 1600.0, 0.0);
  const SceneGeometry sc = test::makeScene(lon0, lat0, 3000.0, LookSide::Right, PassDirection::Ascending, 80, 120);
  // A map grid over the scene centre; each cell's (line, sample) must map back to the same ground.
  const GeoGrid mg = GeoGrid::geographic(lon0 - 0.01, lon0 + 0.01, lat0 - 0.01, lat0 + 0.01, 0.0005);
  const MapLookup m = mapToRadar(sc, dem, mg);
  std::int64_t inside = 0, flagged = 0;
  for (std::int64_t i = 0; i < mg.length; ++i)
    for (std::int64_t j = 0; j < mg.width; ++j) {
      ASSERT_EQ(m.status(i, j), 0);
      flagged += m.mask(i, j) != 0;
      const double ln = m.line(i, j), sp = m.sample(i, j);
      if (ln < 0 || ln > 79 || sp < 0 || sp > 119) continue;
      ++inside;
      // The cell's ground point: geo2rdr of it must agree with the look-up.
      double h;
      const double lon = mg.x(static_cast<double>(j)) * kDeg, lat = mg.y(static_cast<double>(i)) * kDeg;
      ASSERT_EQ(dem.height(lon, lat, h), Status::Ok);
      TargetView v;
      ASSERT_EQ(viewFromTarget(sc, {lon, lat, h}, v), Status::Ok);
      EXPECT_NEAR(sc.line(v.time), ln, 1e-6);
      EXPECT_NEAR(sc.sample(v.range), sp, 1e-6);
      // Local flags follow their definitions.
      Vec3 n;
      ASSERT_EQ(dem.surfaceNormalEnu(lon, lat, n), Status::Ok);
      EXPECT_EQ((m.mask(i, j) & kMaskShadow) != 0, n.dot(v.losEnu) < 0);
    }
  EXPECT_GT(inside, mg.length * mg.width / 4);
  EXPECT_GT(flagged, 0);
}

TEST(Lookup, LayoverShadowMaskOnGentleAndSteepTerrain) {
  const double lon0 = 98.7, lat0 = 31.1;
  // Gentle terrain (max slope ~17°): nothing flagged.
  const Dem gentle = test::makeRidgeDem(lon0, lat0, 0.07, 1.0 / 3600.0, 3000.0, 8000.0, 0.0);
  const SceneGeometry sc = test::makeScene(lon0, lat0, 3000.0, LookSide::Right, PassDirection::Ascending, 8, 200);
  TopoLayers L = computeTopo(sc, gentle);
  for (auto v : L.mask.vector()) ASSERT_EQ(v, 0);
  // Steep ridges at a steep off-nadir (50°): slopes facing away beyond 90° − incidence shadow.
  const Dem steep = test::makeRidgeDem(lon0, lat0, 0.07, 1.0 / 3600.0, 3000.0, 1600.0, 0.0);
  const SceneGeometry far = test::makeScene(lon0, lat0, 3000.0, LookSide::Right, PassDirection::Ascending, 8, 200, 0.005, 15.0, 50.0);
  L = computeTopo(far, steep);
  std::int64_t sh = 0, lay = 0;
  for (auto v : L.mask.vector()) {
    sh += (v & kMaskShadow) != 0;
    lay += (v & kMaskLayover) != 0;
  }
  EXPECT_GT(sh, 0);
  // Pixels whose own ground point faces away from the sensor are shadowed.
  for (std::int64_t i = 0; i < 8; ++i)
    for (std::int64_t j = 0; j < 200; ++j)
      if (L.localIncidence(i, j) > 92.0f) {
        EXPECT_TRUE(L.mask(i, j) & kMaskShadow) << i << "," << j << " local incidence " << L.localIncidence(i, j);
      }
  // Steep near-range look: layover where the local incidence is negative is impossible to have
  // from one root, but the mask must flag pixels around slopes steeper than the incidence.
  const SceneGeometry near = test::makeScene(lon0, lat0, 3000.0, LookSide::Right, PassDirection::Ascending, 8, 200, 0.005, 15.0, 20.0);
  L = computeTopo(near, steep);
  lay = 0;
  for (auto v : L.mask.vector()) lay += (v & kMaskLayover) != 0;
  EXPECT_GT(lay, 200);
}

TEST(Layers, BlockingAndThreadsDoNotChangeResults) {
  const double lon0 = 98.7, lat0 = 31.1;
  const Dem dem = test::makeRidgeDem(lon0, lat0, 0.07, 1.0 / 3600.0, 3000.0, 1600.0, 0.0);
  const SceneGeometry sc = test::makeScene(lon0, lat0, 3000.0, LookSide::Left, PassDirection::Descending, 30, 50);
  TopoParams p1;
  p1.blockLines = 7;
  const int n0 = threadCount();
  setThreadCount(1);
  const TopoLayers a = computeTopo(sc, dem, p1);
  setThreadCount(2);
  const TopoLayers b = computeTopo(sc, dem, p1);
  TopoParams p2;
  p2.blockLines = 30;
  const TopoLayers c = computeTopo(sc, dem, p2);
  setThreadCount(n0);
  // Same blocks, any thread count: identical.
  EXPECT_EQ(a.lon.vector(), b.lon.vector());
  EXPECT_EQ(a.height.vector(), b.height.vector());
  EXPECT_EQ(a.mask.vector(), b.mask.vector());
  EXPECT_EQ(a.localIncidence.vector(), b.localIncidence.vector());
  // Other blocks: first guesses differ, answers agree to the solver tolerance (1e-5 m).
  for (std::size_t k = 0; k < a.lon.size(); ++k) {
    ASSERT_EQ(a.status.vector()[k], 0);
    ASSERT_NEAR(a.lon.vector()[k], c.lon.vector()[k], 1e-9);
    ASSERT_NEAR(a.lat.vector()[k], c.lat.vector()[k], 1e-9);
  }
  EXPECT_EQ(a.mask.vector(), c.mask.vector());
  // A block with only some columns matches the full computation.
  TopoLayers part;
  part.lon.resize(5, 9);
  part.mask.resize(5, 9);
  const Block blk{10, 5, 20, 9};
  TopoViews v;
  v.lon = part.lon.view();
  v.mask = part.mask.view();
  computeTopoBlock(sc, dem, blk, v);
  for (std::int64_t i = 0; i < 5; ++i)
    for (std::int64_t j = 0; j < 9; ++j) {
      EXPECT_NEAR(part.lon(i, j), a.lon(10 + i, 20 + j), 1e-9);
      EXPECT_EQ(part.mask(i, j), a.mask(10 + i, 20 + j));
    }
  // Unit vectors and angles.
  for (std::size_t k = 0; k < a.losE.size(); ++k) {
    const double n = std::hypot(a.losE.vector()[k], a.losN.vector()[k], a.losU.vector()[k]);
    ASSERT_NEAR(n, 1.0, 1e-6);
    ASSERT_NEAR(std::acos(static_cast<double>(a.losU.vector()[k])) / kDeg, static_cast<double>(a.incidence.vector()[k]), 1e-3);
    ASSERT_NEAR(a.flightU.vector()[k], 0.0f, 1e-7f);
  }
}

// ---------------------------------------------------------------------------------------------
// Bad inputs: per-pixel statuses, messages naming the key.
TEST(BadInput, TargetOutsideOrbitSpan) {
  const SceneGeometry sc = test::makeScene(98.7, 31.1, 0.0, LookSide::Right, PassDirection::Ascending, 10, 10);
  double t = kNaN, r = kNaN;
  // 20° further north: the orbit (±120 s, ~±8°) never sees it at zero Doppler.
  EXPECT_EQ(geo2rdr(LonLatH{98.7 * kDeg, 51.1 * kDeg, 0.0}, sc, t, r), Status::OutOfDomain);
  EXPECT_TRUE(std::isnan(t) && std::isnan(r));
  Rdr2GeoResult res;
  EXPECT_EQ(rdr2geo(sc.orbit().endTime() + 5.0, 850e3, 0.0, sc.orbit(), 0.236, LookSide::Right, Dem(), res), Status::OutOfDomain);
  EXPECT_TRUE(std::isnan(res.llh.lat));
  // A radar grid starting after the orbit ends: every pixel OutOfDomain, no throw.
  RadarGrid g = sc.grid();
  g.sensingStart = sc.orbit().endDateTime().plusSeconds(10.0);
  const TopoLayers L = computeTopo(SceneGeometry(sc.orbit(), g), Dem());
  for (auto s : L.status.vector()) ASSERT_EQ(s, static_cast<std::uint8_t>(Status::OutOfDomain));
  for (double v : L.lon.vector()) ASSERT_TRUE(std::isnan(v));
  // Slant range shorter than the altitude: nothing on the ground.
  EXPECT_EQ(rdr2geo(sc, 5.0, 0.0, Dem(), res), Status::Ok);
  SensorState st;
  ASSERT_EQ(sensorState(sc.orbit(), sc.time(5.0), st), Status::Ok);
  EXPECT_EQ(rdr2geo(st, 500e3, 0.0, 0.236, LookSide::Right, Dem(), res), Status::OutOfDomain);
  EXPECT_EQ(rdr2geo(st, kNaN, 0.0, 0.236, LookSide::Right, Dem(), res), Status::InvalidValue);
  EXPECT_EQ(geo2rdr(Vec3(kNaN, 0, 0), sc, t, r), Status::InvalidValue);
}

TEST(BadInput, DemNotCoveringAndNaNHeights) {
  const double lon0 = 98.7, lat0 = 31.1;
  const SceneGeometry sc = test::makeScene(lon0, lat0, 3000.0, LookSide::Right, PassDirection::Ascending, 20, 100);
  // DEM covering only the eastern part of the scene, with a NaN hole.
  GeoGrid g = GeoGrid::geographic(lon0, lon0 + 0.1, lat0 - 0.1, lat0 + 0.1, 0.001);
  Raster<float> h(g.length, g.width, 3000.0f);
  for (std::int64_t i = 95; i < 105; ++i) {
    for (std::int64_t j = 5; j < 12; ++j) h(i, j) = std::numeric_limits<float>::quiet_NaN();
    for (std::int64_t j = 20; j < 30; ++j) h(i, j) = std::numeric_limits<float>::quiet_NaN();
  }
  const Dem dem(h, g);
  const TopoLayers L = computeTopo(sc, dem);
  std::int64_t ok = 0, out = 0, bad = 0;
  for (auto s : L.status.vector()) {
    ok += s == 0;
    bad += s == static_cast<std::uint8_t>(Status::NoConvergence);  // a root inside the hole's edge
    out += s == static_cast<std::uint8_t>(Status::OutOfDomain);
    bad += s == static_cast<std::uint8_t>(Status::InvalidValue);
  }
  std::printf("partial DEM: %lld ok, %lld out of domain, %lld no-data\n", static_cast<long long>(ok),
              static_cast<long long>(out), static_cast<long long>(bad));
  EXPECT_GT(ok, 0);
  EXPECT_GT(out, 0);
  EXPECT_GT(bad, 0);
  EXPECT_EQ(ok + out + bad, 2000);
  // The same cells in the map look-up.
  const MapLookup m = mapToRadar(sc, dem, GeoGrid::geographic(lon0 + 0.015, lon0 + 0.035, lat0 - 0.006, lat0 + 0.006, 0.001));
  std::int64_t mbad = 0;
  for (auto s : m.status.vector()) mbad += s == static_cast<std::uint8_t>(Status::InvalidValue);
  EXPECT_GT(mbad, 0);
  // With a fallback height every pixel resolves.
  DemOptions o;
  o.fallbackHeight = 3000.0;
  const TopoLayers F = computeTopo(sc, Dem(h, g, o));
  for (auto s : F.status.vector()) ASSERT_EQ(s, 0);
}

TEST(BadInput, NoConvergenceIsReported) {
  const SceneGeometry sc = test::makeScene(98.7, 31.1, 0.0, LookSide::Right, PassDirection::Ascending, 10, 10);
  Geo2RdrParams gp;
  gp.maxIterations = 1;
  gp.maxBracketIterations = 1;
  gp.timeTolerance = 1e-12;
  double t = kNaN, r;
  EXPECT_EQ(geo2rdr(LonLatH{98.7 * kDeg, 31.3 * kDeg, 0.0}, sc, t, r, gp), Status::NoConvergence);
  Rdr2GeoParams rp;
  rp.maxIterations = 1;
  rp.maxBracketIterations = 1;
  Rdr2GeoResult res;
  EXPECT_EQ(rdr2geo(sc, 5.0, 5.0, Dem::constant(100.0), res, rp), Status::NoConvergence);
  // A guess on the wrong side of the orbit still converges through the bracketing fallback.
  t = sc.orbit().startTime();
  EXPECT_EQ(geo2rdr(LonLatH{98.7 * kDeg, 31.1 * kDeg, 0.0}, sc, t, r), Status::Ok);
  res.lookAngle = 1.5;  // far beyond the horizon-ish guess
  EXPECT_EQ(rdr2geo(sc, 5.0, 5.0, Dem::constant(100.0), res), Status::Ok);
}

TEST(BadInput, ParamsValidateNameTheirKeys) {
  Geo2RdrParams g;
  g.timeTolerance = 0;
  expectThrowsWithKey([&] { g.validate(); }, "geo2rdr.time_tolerance");
  Rdr2GeoParams r;
  r.maxIterations = 0;
  expectThrowsWithKey([&] { r.validate(); }, "rdr2geo.max_iterations");
  TopoParams t;
  t.maskOversampling = 0.5;
  expectThrowsWithKey([&] { t.validate(); }, "topo.mask_oversampling");
  MapLookupParams m;
  m.blockRows = 0;
  expectThrowsWithKey([&] { m.validate(); }, "map_lookup.block_rows");
  RadarGrid bad;
  expectThrowsWithKey([&] { SceneGeometry(Orbit(), bad); }, "azimuth_time_interval");
  // Output views of the wrong size.
  const SceneGeometry sc = test::makeScene(98.7, 31.1, 0.0, LookSide::Right, PassDirection::Ascending, 10, 10);
  Raster<double> lon(3, 3);
  TopoViews v;
  v.lon = lon.view();
  expectThrowsWithKey([&] { computeTopoBlock(sc, Dem(), Block{0, 4, 0, 4}, v); }, "topo.lon");
}
