// Geometric lookup: interpolation of the coarse nodes against the exact per-pixel lookup, and bad
// inputs (no overlap, orbit not covering, DEM holes).
#include <gtest/gtest.h>

#include <cmath>

#include "orthotrack/core/error.hpp"
#include "orthotrack/coreg/lookup.hpp"
#include "synthetic.hpp"

using namespace orthotrack;
using namespace orthotrack::coreg;
using namespace coregtest;

namespace {
struct ErrorStats {
  double rms = 0, max = 0;
  std::int64_t n = 0;
};
ErrorStats compare(const Lookup& lk, const geometry::RadarLookup<double>& exact) {
  ErrorStats s;
  double sum = 0;
  for (std::int64_t i = 0; i < exact.line.length(); ++i)
    for (std::int64_t j = 0; j < exact.line.width(); ++j) {
      if (!std::isfinite(exact.line(i, j))) continue;
      double l, sm;
      if (!lk.eval(static_cast<double>(i), static_cast<double>(j), l, sm)) continue;
      const double e = std::hypot(l - exact.line(i, j), sm - exact.sample(i, j));
      sum += e * e;
      s.max = std::max(s.max, e);
      ++s.n;
    }
  s.rms = std::sqrt(sum / static_cast<double>(s.n));
  return s;
}
}  // namespace

TEST(Lookup, CoarseNodesInterpolateTheExactLookup) {
  const geometry::Dem dem = makeDem(1000.0);
  const auto master = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, 200, 200);
  const auto sec = makeScene(palsar1(DateTime(2010, 2, 25, 5, 0, 0.0)), 1.2e-3, 7.0, 260, 260);
  const auto exact = geometry::radarToRadar<double>(master, sec, dem);
  LookupParams p;
  LookupStats st;
  const Lookup lk = computeLookup(master, sec, dem, p, &st);
  EXPECT_EQ(st.ok, st.nodes);
  EXPECT_GT(st.overlapFraction, 0.99);
  const ErrorStats e8 = compare(lk, exact);
  EXPECT_EQ(e8.n, 200 * 200);
  std::printf("lookup interpolation error (step 8): rms %.4f px, max %.4f px\n", e8.rms, e8.max);
  EXPECT_LT(e8.rms, 0.01) << "max " << e8.max;
  EXPECT_LT(e8.max, 0.15);
  // Nodes are exact where they coincide with pixels.
  double l, s;
  ASSERT_TRUE(lk.eval(64, 128, l, s));
  EXPECT_NEAR(l, exact.line(64, 128), 1e-9);
  EXPECT_NEAR(s, exact.sample(64, 128), 1e-9);
  // A coarser fixed grid is measurably worse: the error above is the interpolation's, not noise.
  p.step = 32;
  p.tolerance = 0;  // fixed step
  LookupStats s32;
  const ErrorStats e32 = compare(computeLookup(master, sec, dem, p, &s32), exact);
  EXPECT_EQ(s32.step, 32);
  EXPECT_GT(e32.rms, 2 * e8.rms);
  // With the tolerance, a start at step 32 halves the step until the measured interpolation error
  // is within it, and the true error follows.
  p.tolerance = 0.01;
  LookupStats sa;
  const ErrorStats ea = compare(computeLookup(master, sec, dem, p, &sa), exact);
  std::printf("adaptive from step 32: step %d, measured %.4f px, true rms %.4f px\n", sa.step, sa.interpolationError, ea.rms);
  EXPECT_LT(sa.step, 32);
  EXPECT_LE(sa.interpolationError, p.tolerance);
  EXPECT_LT(ea.rms, 0.01);
  // Cross-platform topographic parallax is large: the lookup is far from affine.
  double J[4];
  ASSERT_TRUE(lk.jacobian(100, 100, J));
  EXPECT_NEAR(J[0], 1.5 / 1.2, 0.1);   // secondary lines per master line ≈ dt ratio
  EXPECT_NEAR(J[3], 8.0 / 7.0, 0.2);
}

TEST(Lookup, CorrectionPolynomialsAreAdded) {
  const geometry::Dem dem = makeDem(300.0);
  const auto master = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, 64, 64);
  const auto sec = makeScene(palsar2(DateTime(2015, 10, 19, 5, 0, 0.0), 0.1), 1.5e-3, 8.0, 64, 64);
  Lookup lk = computeLookup(master, sec, dem, LookupParams{});
  double l0, s0, l1, s1;
  ASSERT_TRUE(lk.eval(10, 20, l0, s0));
  lk.correctionLine = Poly2d::zero(0, 0, 1, 0, 1);
  lk.correctionLine.coeffs = {0.5};
  lk.correctionSample = Poly2d::zero(1, 0, 10, 0, 10);
  lk.correctionSample.coeffs = {0, 0, 1};
  ASSERT_TRUE(lk.eval(10, 20, l1, s1));
  EXPECT_NEAR(l1 - l0, 0.5, 1e-12);
  EXPECT_NEAR(s1 - s0, 2.0, 1e-12);
  ASSERT_TRUE(lk.geometric(10, 20, l1, s1));
  EXPECT_NEAR(l1, l0, 1e-12);
}

TEST(Lookup, NonOverlappingSecondaryIsRejected) {
  const geometry::Dem dem = makeDem(300.0);
  const auto master = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, 64, 64);
  // Same orbit family, grid centred 0.06° further east: no common ground.
  const auto far = makeScene(palsar2(DateTime(2015, 10, 19, 5, 0, 0.0)), 1.5e-3, 8.0, 64, 64, 0.06);
  try {
    computeLookup(master, far, dem, LookupParams{});
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "coreg.lookup.overlap");
    EXPECT_NE(std::string(e.what()).find("does not overlap"), std::string::npos);
  }
}

TEST(Lookup, SecondaryOrbitNotCoveringFootprintIsAnError) {
  const geometry::Dem dem = makeDem(300.0);
  const auto master = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, 64, 64);
  const auto sec = makeScene(palsar2(DateTime(2015, 10, 19, 5, 0, 0.0), 0.1), 1.5e-3, 8.0, 64, 64);
  // Keep only state vectors from 150 s after the target's time: the footprint is never seen.
  std::vector<StateVector> svs;
  const DateTime tt(2015, 10, 19, 5, 0, 0.0);
  for (const auto& sv : sec.orbit().stateVectors())
    if (sv.time.secondsSince(tt) > 150) svs.push_back(sv);
  ASSERT_GE(svs.size(), 4u);
  const geometry::SceneGeometry cut(Orbit(svs), sec.grid(), sec.doppler());
  try {
    computeLookup(master, cut, dem, LookupParams{});
    FAIL() << "expected OutOfDomain";
  } catch (const OutOfDomain& e) {
    EXPECT_NE(std::string(e.what()).find("orbit does not cover"), std::string::npos);
  }
  // The master's own orbit must cover the master.
  const geometry::SceneGeometry badMaster(Orbit(svs), master.grid(), master.doppler());
  EXPECT_THROW(computeLookup(badMaster, sec, dem, LookupParams{}), OutOfDomain);
}

TEST(Lookup, DemHolesAreMaskedNotFatal) {
  // A hole of 15 × 20 DEM cells near the centre.
  const geometry::Dem dem = makeDem(300.0, 195, 210, 256, 276);
  const auto master = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, 200, 200);
  const auto sec = makeScene(palsar2(DateTime(2015, 10, 19, 5, 0, 0.0), 0.1), 1.5e-3, 8.0, 200, 200);
  LookupStats st;
  const Lookup lk = computeLookup(master, sec, dem, LookupParams{}, &st);
  EXPECT_GT(st.invalidValue + st.outOfDomain, 0);
  EXPECT_GT(st.ok, st.nodes / 2);
  std::int64_t nanPix = 0, okPix = 0;
  for (int i = 0; i < 200; i += 2)
    for (int j = 0; j < 200; j += 2) {
      double l, s;
      (lk.eval(i, j, l, s) ? okPix : nanPix)++;
    }
  EXPECT_GT(nanPix, 0);
  EXPECT_GT(okPix, nanPix);
}
