#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "orthotrack/analysis/motion3d.hpp"
#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/core/error.hpp"

using namespace orthotrack;
using namespace orthotrack::analysis;

namespace {
/// Right-looking geometry: flight azimuth ψ (deg clockwise from north), incidence θ. The sensor looks
/// to the right of the track, so l̂ (target → sensor) points to the left of the track and up.
void geometry(double headingDeg, double incDeg, Vec3& los, Vec3& flight) {
  const double h = headingDeg * kDeg, t = incDeg * kDeg;
  flight = Vec3(std::sin(h), std::cos(h), 0.0);
  const Vec3 look(std::sin(h + kPi / 2), std::cos(h + kPi / 2), 0.0);  // ground look direction (right)
  los = Vec3(-std::sin(t) * look.x(), -std::sin(t) * look.y(), std::cos(t));
}
}  // namespace

TEST(Motion3d, NormalAndDownslopeVectors) {
  const Vec3 n = surfaceNormal(40, 120), d = downslopeVector(40, 120);
  EXPECT_NEAR(n.norm(), 1.0, 1e-15);
  EXPECT_NEAR(d.norm(), 1.0, 1e-15);
  EXPECT_NEAR(n.dot(d), 0.0, 1e-15);
  EXPECT_LT(d.z(), 0.0);                                   // downhill
  EXPECT_NEAR(std::atan2(d.x(), d.y()) / kDeg, 120.0, 1e-12);  // faces the aspect
  EXPECT_NEAR(std::asin(-d.z()) / kDeg, 40.0, 1e-12);
}

TEST(Motion3d, SurfaceParallelRecoversAnalyticTruthOn40DegreeSlope) {
  // Ascending ALOS-2-like geometry (heading −10°, incidence 36°); a slope of 40° facing 110° (ESE).
  Vec3 l, a;
  geometry(-10.0, 36.0, l, a);
  const double slope = 40, aspect = 110;
  const Vec3 d = downslopeVector(slope, aspect), n = surfaceNormal(slope, aspect);
  const Vec3 cross = n.cross(d);
  const Vec3 u = 12.0 * d + 1.5 * cross;  // 12 m downslope + 1.5 m across, parallel to the surface
  const double dLos = u.dot(l), dAz = -u.dot(a);  // docs/conventions.md
  const auto r = solveOnSlope(losProjection(l, dLos, 0.5), azimuthProjection(a, dAz, 0.8), slope, aspect);
  ASSERT_TRUE(r.valid);
  EXPECT_NEAR((r.enu - u).norm(), 0.0, 1e-9);
  EXPECT_NEAR(r.downslope, 12.0, 1e-9);
  EXPECT_NEAR(r.magnitude, std::hypot(12.0, 1.5), 1e-9);  // |u|, not its steepest-descent component
  EXPECT_LT(r.condition, 10.0);
  // Error propagation: Monte Carlo spread of the downslope estimate matches σ_downslope.
  std::mt19937 rng(1);
  std::normal_distribution<double> nd(0, 1);
  double s2 = 0, m2 = 0;
  const int N = 4000;
  for (int k = 0; k < N; ++k) {
    const auto q = solveOnSlope(losProjection(l, dLos + 0.5 * nd(rng), 0.5), azimuthProjection(a, dAz + 0.8 * nd(rng), 0.8), slope, aspect);
    s2 += (q.downslope - 12.0) * (q.downslope - 12.0);
    m2 += (q.magnitude - r.magnitude) * (q.magnitude - r.magnitude);
  }
  EXPECT_NEAR(std::sqrt(s2 / N), r.sigmaDownslope, 0.05 * r.sigmaDownslope);
  EXPECT_NEAR(std::sqrt(m2 / N), r.sigmaMagnitude, 0.05 * r.sigmaMagnitude);
  // Downslope-only model: exact for pure downslope motion.
  Motion3dParams p;
  p.model = SlopeModel::Downslope;
  const Vec3 u2 = 7.0 * d;
  const auto r2 = solveOnSlope(losProjection(l, u2.dot(l), 0.5), azimuthProjection(a, -u2.dot(a), 0.5), slope, aspect, p);
  ASSERT_TRUE(r2.valid);
  EXPECT_NEAR(r2.downslope, 7.0, 1e-9);
  EXPECT_NEAR(r2.magnitude, 7.0, 1e-9);
  EXPECT_NEAR((r2.enu - u2).norm(), 0.0, 1e-9);
}

TEST(Motion3d, SlopeFacingTheSensorIsMasked) {
  // A slope whose normal is the LOS (slope = incidence, facing the sensor): every surface-parallel
  // motion is perpendicular to the LOS, so LOS + constraint are the same equation → singular.
  Vec3 l, a;
  geometry(-10.0, 36.0, l, a);
  const double aspect = std::atan2(l.x(), l.y()) / kDeg;
  const auto r = solveOnSlope(losProjection(l, 1.0, 0.5), azimuthProjection(a, 1.0, 0.5), 36.0, aspect);
  EXPECT_FALSE(r.valid);
  EXPECT_GT(r.condition, 1e6);
  // Downslope model on a slope along the flight direction with the LOS perpendicular to downslope.
  Motion3dParams p;
  p.model = SlopeModel::Downslope;
  const auto r2 = solveOnSlope(losProjection(l, 0.0, 0.5), azimuthProjection(a, 0.0, 0.5), 36.0, aspect, p);
  EXPECT_FALSE(r2.valid);
}

TEST(Motion3d, AscendingDescendingLeastSquares) {
  Vec3 la, aa, ld, ad;
  geometry(-10.0, 36.0, la, aa);
  geometry(190.0, 40.0, ld, ad);
  const Vec3 u(-3.0, 1.2, -2.5);
  std::vector<Projection> obs{losProjection(la, u.dot(la), 0.2), azimuthProjection(aa, -u.dot(aa), 0.5),
                              losProjection(ld, u.dot(ld), 0.2), azimuthProjection(ad, -u.dot(ad), 0.5)};
  const auto r = solveLeastSquares(obs);
  ASSERT_TRUE(r.valid);
  EXPECT_NEAR((r.enu - u).norm(), 0.0, 1e-9);
  EXPECT_GT(r.sigmaEnu.x(), 0.0);
  // One LOS + the same azimuth twice: rank 2, masked. Two looks 2° apart: ill-conditioned, masked.
  std::vector<Projection> bad{losProjection(la, 0, 0.2), azimuthProjection(aa, 0, 0.5), azimuthProjection(aa, 0, 0.5)};
  EXPECT_FALSE(solveLeastSquares(bad).valid);
  Vec3 l2, a2;
  geometry(-8.0, 37.0, l2, a2);
  bad = {losProjection(la, 0, 0.2), azimuthProjection(aa, 0, 0.5), losProjection(l2, 0, 0.2)};
  EXPECT_FALSE(solveLeastSquares(bad).valid);
  try {
    solveLeastSquares({obs[0], obs[1]});
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "observations");
  }
}

TEST(Motion3d, MapsAndSlopeAspectFromDem) {
  // A planar DEM on a 30 m UTM-like grid dipping 40° towards 110°: Horn's slope/aspect are exact.
  GeoGrid grid;
  grid.epsg = 32647;
  grid.transform = {500000, 30, 0, 3400000, 0, -30};
  grid.length = 6;
  grid.width = 5;
  const double s = 40, asp = 110;
  const Vec3 d = downslopeVector(s, asp);
  const double gE = -std::tan(s * kDeg) * std::sin(asp * kDeg), gN = -std::tan(s * kDeg) * std::cos(asp * kDeg);
  Raster<float> dem(6, 5);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 5; ++j) dem(i, j) = static_cast<float>(3000 + gE * grid.x(j) - gE * grid.x(0) + gN * (grid.y(i) - grid.y(0)));
  Raster<float> slope, aspect;
  slopeAspect(dem, grid, slope, aspect);
  for (std::size_t k = 0; k < slope.size(); ++k) {
    EXPECT_NEAR(slope.data()[k], 40.0, 2e-3);
    EXPECT_NEAR(aspect.data()[k], 110.0, 2e-3);
  }
  // Surface-parallel maps with 1×1 broadcast geometry; one masked NaN pixel.
  Vec3 l, a;
  geometry(-10.0, 36.0, l, a);
  GeometryRasters g{Raster<float>(1, 1, float(l.x())), Raster<float>(1, 1, float(l.y())), Raster<float>(1, 1, float(l.z())),
                    Raster<float>(1, 1, float(a.x())), Raster<float>(1, 1, float(a.y())), Raster<float>(1, 1, float(a.z()))};
  Raster<float> dl(6, 5), da(6, 5);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 5; ++j) {
      const Vec3 u = (1.0 + i + 0.1 * j) * d;
      dl(i, j) = float(u.dot(l));
      da(i, j) = float(-u.dot(a));
    }
  dl(2, 2) = NAN;
  const auto m = solveOnSlopeMaps(dl, da, g, slope, aspect, 0.3, 0.5);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 5; ++j) {
      if (i == 2 && j == 2) {
        EXPECT_EQ(m.valid(i, j), 0);
        EXPECT_TRUE(std::isnan(m.downslope(i, j)));
        continue;
      }
      EXPECT_EQ(m.valid(i, j), 1);
      EXPECT_NEAR(m.downslope(i, j), 1.0 + i + 0.1 * j, 1e-3 * (1.0 + i));
    }
  GeometryObservation asc{dl, da, g, 0.3, 0.5};
  std::vector<GeometryObservation> one{asc};
  const auto lsq = solveLeastSquaresMaps(one);  // 2 observations per pixel: not enough for 3-D
  EXPECT_EQ(lsq.valid(0, 0), 0);
  try {
    solveOnSlopeMaps(dl, Raster<float>(2, 2), g, slope, aspect, 0.3, 0.5);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "d_az");
  }
  Motion3dParams bad;
  bad.maxCondition = 0.5;
  EXPECT_THROW(bad.validate(), InvalidInput);
}
