// Robust low-order fit: exact recovery on clean data and robustness to a 20 % "landslide" region.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "orthotrack/core/error.hpp"
#include "orthotrack/coreg/poly.hpp"

using namespace orthotrack;
using namespace orthotrack::coreg;

namespace {
double trueA(double l, double s) { return 0.3 + 2e-4 * l - 1e-4 * s + 3e-8 * l * s; }
double trueB(double l, double s) { return -1.2 + 5e-5 * l + 3e-4 * s - 2e-8 * s * s; }
}  // namespace

TEST(Poly, EvalAndGradientMatchDefinition) {
  Poly2d p = Poly2d::zero(2, 100, 50, 200, 100);
  p.coeffs = {1, 2, 3, 4, 5, 6};
  const double l = 130, s = 170, u = (l - 100) / 50, v = (s - 200) / 100;
  EXPECT_NEAR(p.eval(l, s), 1 + 2 * u + 3 * v + 4 * u * u + 5 * u * v + 6 * v * v, 1e-12);
  double dl, ds;
  p.gradient(l, s, dl, ds);
  EXPECT_NEAR(dl, (2 + 8 * u + 5 * v) / 50, 1e-12);
  EXPECT_NEAR(ds, (3 + 5 * u + 12 * v) / 100, 1e-12);
  Poly2d q = Poly2d::zero(1, 100, 50, 200, 100);
  q.coeffs = {1, 1, 1};
  p += q;
  EXPECT_NEAR(p.eval(l, s), 2 + 3 * u + 4 * v + 4 * u * u + 5 * u * v + 6 * v * v, 1e-12);
  Poly2d other = Poly2d::zero(1, 0, 1, 0, 1);
  other.coeffs = {1, 0, 0};
  EXPECT_THROW(p += other, InvalidInput);
}

TEST(Poly, RobustFitIgnoresLandslideRegion) {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 0.03);
  FitData d;
  int slide = 0, total = 0;
  for (int l = 16; l < 2000; l += 40)
    for (int s = 16; s < 2000; s += 40) {
      double a = trueA(l, s) + noise(rng), b = trueB(l, s) + noise(rng);
      // A landslide covering ~20 % of the grid with offsets of several pixels.
      const bool inSlide = (l - 1200.0) * (l - 1200.0) + (s - 700.0) * (s - 700.0) < 505.0 * 505.0;
      if (inSlide) { a += 4.0 + 0.002 * (s - 700); b -= 6.0; ++slide; }
      d.add(l, s, a, b, 1.0);
      ++total;
    }
  ASSERT_GT(slide, total * 0.18);
  ASSERT_LT(slide, total * 0.25);
  RobustFitParams p;
  p.order = 2;
  const RobustFitResult r = fitRobust(d, p);
  double maxErr = 0;
  for (int l = 0; l < 2000; l += 100)
    for (int s = 0; s < 2000; s += 100) {
      maxErr = std::max(maxErr, std::abs(r.a.eval(l, s) - trueA(l, s)));
      maxErr = std::max(maxErr, std::abs(r.b.eval(l, s) - trueB(l, s)));
    }
  EXPECT_LT(maxErr, 0.03);
  EXPECT_NEAR(r.rmsA, 0.03, 0.01);
  EXPECT_NEAR(r.inliers, total - slide, total * 0.02);
  // Every slide point must be rejected.
  for (std::size_t k = 0; k < d.size(); ++k) {
    const double l = d.line[k], s = d.sample[k];
    if ((l - 1200.0) * (l - 1200.0) + (s - 700.0) * (s - 700.0) < 505.0 * 505.0) {
      EXPECT_EQ(r.robustWeight[k], 0.0);
    }
  }
  // Ordinary least squares is biased by the slide: the test would fail without robust weights.
  const RobustFitResult ls = fitLeastSquares(d, 2);
  double lsErr = 0;
  for (int l = 0; l < 2000; l += 100)
    for (int s = 0; s < 2000; s += 100) lsErr = std::max(lsErr, std::abs(ls.b.eval(l, s) - trueB(l, s)));
  EXPECT_GT(lsErr, 0.5);
}

TEST(Poly, PriorWeightsMaskAndNaNSkipped) {
  FitData d;
  for (int l = 0; l < 10; ++l)
    for (int s = 0; s < 10; ++s) d.add(l * 10.0, s * 10.0, 1.0 + 0.01 * l, 2.0, 1.0);
  d.add(50, 50, std::nan(""), 0.0, 1.0);
  d.add(50, 50, 100.0, 100.0, 0.0);  // masked
  RobustFitParams p;
  p.order = 1;
  const RobustFitResult r = fitRobust(d, p);
  EXPECT_EQ(r.points, 100);
  EXPECT_NEAR(r.a.eval(45, 45), 1.0 + 0.045, 1e-9);
  EXPECT_NEAR(r.b.eval(0, 90), 2.0, 1e-9);
}

TEST(Poly, TooFewPointsAndBadParamsNameTheKey) {
  FitData d;
  d.add(0, 0, 1, 1);
  d.add(1, 1, 1, 1);
  RobustFitParams p;
  try {
    fitRobust(d, p);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "coreg.fit.points");
  }
  p.order = 5;
  try {
    p.validate();
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(e.context().key, "coreg.fit.order");
  }
  // Collinear points: rank deficient for order 1.
  FitData c;
  for (int k = 0; k < 20; ++k) c.add(k, 5, 1, 1);
  RobustFitParams q;
  q.order = 1;
  EXPECT_THROW(fitRobust(c, q), InvalidInput);
}
