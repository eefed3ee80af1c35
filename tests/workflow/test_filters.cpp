// The noise filter applied to each pair before the inversion (workflow/filters.cpp): it must smooth
// flat (stable) ground, leave gradients and edges (the moving slide) untouched, and drop isolated
// estimates.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>
#include <random>

#include "../../src/workflow/context.hpp"

using namespace orthotrack;
using namespace orthotrack::workflow::detail;

namespace {
double stdOf(const Raster<float>& v, std::int64_t r0, std::int64_t r1, std::int64_t c0, std::int64_t c1, double mean = 0) {
  double s = 0;
  int n = 0;
  for (std::int64_t i = r0; i < r1; ++i)
    for (std::int64_t j = c0; j < c1; ++j)
      if (std::isfinite(v(i, j))) {
        s += std::pow(static_cast<double>(v(i, j)) - mean, 2);
        ++n;
      }
  return std::sqrt(s / n);
}
}  // namespace

TEST(Filters, FieldNoiseOfWhiteNoise) {
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.0f, 2.0f);
  Raster<float> v(120, 120);
  for (auto& x : v.vector()) x = g(rng);
  EXPECT_NEAR(fieldNoise(v), 2.0, 0.1);
  // A smooth ramp does not change it much (differences see the ramp's slope only).
  for (std::int64_t i = 0; i < 120; ++i)
    for (std::int64_t j = 0; j < 120; ++j) v(i, j) += 0.05f * static_cast<float>(j);
  EXPECT_NEAR(fieldNoise(v), 2.0, 0.15);
}

TEST(Filters, SmoothsFlatGroundKeepsSlideAndEdges) {
  // Left half: stable ground, noise σ = 0.3 m. Right half: a "slide" whose displacement grows by
  // 5 m per chip (far above the noise), starting with a 20 m step at the boundary.
  const std::int64_t n = 60;
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0.0f, 0.3f);
  Raster<float> v(n, n), truth(n, n);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      truth(i, j) = j < n / 2 ? 0.0f : -20.0f - 5.0f * static_cast<float>(j - n / 2);
      v(i, j) = truth(i, j) + g(rng);
    }
  const double noise = fieldNoise(v);
  const Raster<float> f = sigmaFilter(v, 3, 4, noise, 2.0);
  // Flat part (away from the boundary): the noise drops by about 3 (mean of ≤ 9), at least by 2.
  const double before = stdOf(v, 1, n - 1, 1, n / 2 - 2), after = stdOf(f, 1, n - 1, 1, n / 2 - 2);
  EXPECT_LT(after, before / 2.0) << before << " -> " << after;
  // Slide part: every value is kept exactly (neighbourhood spread ≫ noise), its edge column included.
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = n / 2; j < n; ++j) EXPECT_EQ(f(i, j), v(i, j)) << i << "," << j;
  // Stable column next to the edge: smoothed with its stable neighbours only (no pull towards −20 m).
  for (std::int64_t i = 0; i < n; ++i) EXPECT_LT(std::abs(f(i, n / 2 - 1)), 0.6f) << i;
}

TEST(Filters, IsolatedEstimatesAreDroppedNaNStays) {
  Raster<float> v(9, 9);
  for (auto& x : v.vector()) x = std::nanf("");
  v(4, 4) = 1.0f;  // alone
  v(0, 0) = 2.0f;  // corner with two neighbours: 3 values
  v(0, 1) = 2.1f;
  v(1, 0) = 1.9f;
  const Raster<float> f = sigmaFilter(v, 3, 4, 0.1, 2.0);
  EXPECT_TRUE(std::isnan(f(4, 4)));
  EXPECT_TRUE(std::isnan(f(0, 0)));
  EXPECT_TRUE(std::isnan(f(8, 8)));
  v(1, 1) = 2.05f;  // now 4 values around the corner: kept and smoothed towards their mean
  const Raster<float> f2 = sigmaFilter(v, 3, 4, 0.1, 2.0);
  EXPECT_NEAR(f2(0, 0), (2.0 + 2.1 + 1.9 + 2.05) / 4, 1e-5);
  // No noise estimate: nothing is smoothed, only isolation is checked.
  const Raster<float> f3 = sigmaFilter(v, 3, 4, std::nan(""), 2.0);
  EXPECT_EQ(f3(0, 0), 2.0f);
}

TEST(Filters, NeighbourhoodMedianAgainstSortedWindows) {
  Raster<float> v(6, 7);
  for (std::int64_t i = 0; i < v.length(); ++i)
    for (std::int64_t j = 0; j < v.width(); ++j) v(i, j) = static_cast<float>((i * 7 + j * 3) % 11);
  v(2, 3) = std::nanf("");
  const Raster<float> m = neighbourhoodMedian(v, 1, 5);
  for (std::int64_t i = 0; i < v.length(); ++i)
    for (std::int64_t j = 0; j < v.width(); ++j) {
      std::vector<float> w;  // the plain definition: sort the finite window, take the middle
      for (std::int64_t a = i - 1; a <= i + 1; ++a)
        for (std::int64_t b = j - 1; b <= j + 1; ++b)
          if (a >= 0 && b >= 0 && a < v.length() && b < v.width() && std::isfinite(v(a, b))) w.push_back(v(a, b));
      if (w.size() < 5) {
        EXPECT_TRUE(std::isnan(m(i, j))) << i << "," << j;
        continue;
      }
      std::sort(w.begin(), w.end());
      const float want = w.size() % 2 ? w[w.size() / 2] : 0.5f * (w[w.size() / 2 - 1] + w[w.size() / 2]);
      EXPECT_FLOAT_EQ(m(i, j), want) << i << "," << j;
    }
}
