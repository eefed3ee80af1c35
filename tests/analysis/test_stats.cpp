#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "orthotrack/analysis/stats.hpp"

using namespace orthotrack::analysis;

TEST(Stats, IncompleteBetaClosedForms) {
  // I_x(1,1) = x; I_x(a,1) = x^a; I_x(1,b) = 1 − (1−x)^b; symmetry I_x(a,b) = 1 − I_{1−x}(b,a).
  for (double x : {0.0, 0.1, 0.37, 0.5, 0.93, 1.0}) {
    EXPECT_NEAR(incompleteBetaRegularized(1, 1, x), x, 1e-14);
    EXPECT_NEAR(incompleteBetaRegularized(3.5, 1, x), std::pow(x, 3.5), 1e-13);
    EXPECT_NEAR(incompleteBetaRegularized(1, 2.5, x), 1 - std::pow(1 - x, 2.5), 1e-13);
    EXPECT_NEAR(incompleteBetaRegularized(2.3, 7.1, x), 1 - incompleteBetaRegularized(7.1, 2.3, 1 - x), 1e-13);
  }
  // I_x(2,2) = 3x² − 2x³.
  EXPECT_NEAR(incompleteBetaRegularized(2, 2, 0.3), 3 * 0.09 - 2 * 0.027, 1e-14);
  EXPECT_TRUE(std::isnan(incompleteBetaRegularized(-1, 2, 0.3)));
  EXPECT_TRUE(std::isnan(incompleteBetaRegularized(1, 2, 1.3)));
}

TEST(Stats, StudentTAgainstTables) {
  // Closed forms: ν = 1 is Cauchy, ν = 2 has F(t) = ½ + t / (2 sqrt(2 + t²)).
  for (double t : {-3.0, -0.5, 0.0, 0.7, 4.2}) {
    EXPECT_NEAR(studentTCdf(t, 1), 0.5 + std::atan(t) / M_PI, 1e-13);
    EXPECT_NEAR(studentTCdf(t, 2), 0.5 + t / (2 * std::sqrt(2 + t * t)), 1e-13);
  }
  // Table values (two-sided 5 % critical values).
  EXPECT_NEAR(studentTQuantile(0.975, 10), 2.228138851986, 1e-9);
  EXPECT_NEAR(studentTQuantile(0.975, 3), 3.182446305284, 1e-9);
  EXPECT_NEAR(studentTQuantile(0.95, 25), 1.708140761, 1e-8);
  EXPECT_NEAR(studentTTwoSided(2.0, 10), 0.07338803, 1e-7);
  // Non-integer dof lies between its integer neighbours.
  EXPECT_GT(studentTQuantile(0.975, 7.5), studentTQuantile(0.975, 8));
  EXPECT_LT(studentTQuantile(0.975, 7.5), studentTQuantile(0.975, 7));
  EXPECT_NEAR(normalQuantile(0.975), 1.959963984540, 1e-10);
  EXPECT_NEAR(studentTQuantile(0.975, 1e7), 1.959963984540, 1e-5);
}

TEST(Stats, LineFitMatchesPlainFormulaAndCoverage) {
  // y = 2 − 0.5 x + N(0, 1): the 95 % interval of the slope covers the truth ~95 % of the time.
  std::mt19937 rng(7);
  std::normal_distribution<double> nd(0, 1);
  int covered = 0;
  const int trials = 2000;
  for (int k = 0; k < trials; ++k) {
    std::vector<double> x, y, w;
    for (int i = 0; i < 12; ++i) { x.push_back(i * 1.5); y.push_back(2 - 0.5 * i * 1.5 + nd(rng)); w.push_back(1.0); }
    const auto f = fitLine(x, y, w, true);
    ASSERT_TRUE(f.ok);
    covered += std::fabs(f.b + 0.5) <= 1.959964 * std::sqrt(f.varB) ? 1 : 0;
  }
  EXPECT_NEAR(covered / double(trials), 0.95, 0.015);
  // Exact line, NaN skipped, relative weights.
  const auto f = fitLine({0, 1, 2, NAN, 4}, {1, 3, 5, 100, 9}, {1, 1, 1, 1, 1}, false);
  EXPECT_TRUE(f.ok);
  EXPECT_EQ(f.n, 4);
  EXPECT_NEAR(f.a, 1, 1e-12);
  EXPECT_NEAR(f.b, 2, 1e-12);
  EXPECT_FALSE(fitLine({1, 1}, {1, 2}, {1, 1}, true).ok);
}

TEST(Stats, CorrelationAndEffectiveSampleSize) {
  EXPECT_NEAR(pearson({1, 2, 3, 4}, {2, 4, 6, 8.0}), 1.0, 1e-14);
  EXPECT_NEAR(pearson({1, 2, 3, 4}, {8, 6, 4, 2.0}), -1.0, 1e-14);
  EXPECT_TRUE(std::isnan(pearson({1, 2}, {1, 2})));
  EXPECT_TRUE(std::isnan(pearson({1, 1, 1}, {1, 2, 3})));
  // AR(1) with φ = 0.8: the lag-1 estimate is close to φ.
  std::mt19937 rng(3);
  std::normal_distribution<double> nd(0, 1);
  std::vector<double> x(5000);
  x[0] = 0;
  for (std::size_t i = 1; i < x.size(); ++i) x[i] = 0.8 * x[i - 1] + nd(rng);
  EXPECT_NEAR(lag1Autocorrelation(x), 0.8, 0.03);
  EXPECT_NEAR(effectiveSampleSize(100, 0.5, 0.5), 100 * 0.75 / 1.25, 1e-12);
  EXPECT_EQ(effectiveSampleSize(100, -0.5, 0.5), 100.0);  // never inflated
  EXPECT_EQ(effectiveSampleSize(10, 0.99, 0.99), 2.0);    // floor
}
