#include <gtest/gtest.h>

#include <random>

#include "orthotrack/core/ellipsoid.hpp"

using namespace orthotrack;

TEST(Ellipsoid, KnownPoints) {
  const Ellipsoid e;
  const Vec3 eq = e.toXyz({0, 0, 0});
  EXPECT_NEAR(eq.x(), 6378137.0, 1e-9);
  const Vec3 np = e.toXyz({0.3, kPi / 2, 100.0});
  EXPECT_NEAR(np.z(), e.b() + 100.0, 1e-6);
  EXPECT_NEAR(std::hypot(np.x(), np.y()), 0.0, 1e-6);
  const auto back = e.toLonLatH(Vec3(0, 0, -e.b() - 5.0));
  EXPECT_NEAR(back.lat, -kPi / 2, 1e-12);
  EXPECT_NEAR(back.h, 5.0, 1e-6);
}

TEST(Ellipsoid, RoundTripEverywhereBelowOneMillimetre) {
  const Ellipsoid e;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lon(-kPi, kPi), lat(-kPi / 2, kPi / 2), h(-1000.0, 1.0e6);
  double worst = 0;
  for (int i = 0; i < 200000; ++i) {
    LonLatH p{lon(rng), lat(rng), h(rng)};
    if (i % 1000 == 0) p.lat = (i % 2000 == 0 ? 1 : -1) * kPi / 2;  // poles
    const Vec3 x = e.toXyz(p);
    const Vec3 y = e.toXyz(e.toLonLatH(x));
    worst = std::max(worst, (x - y).norm());
  }
  EXPECT_LT(worst, 1e-3);
  EXPECT_LT(worst, 1e-6);  // in practice nanometres
}

TEST(Ellipsoid, EnuIsOrthonormalAndUpIsTheNormal) {
  const auto b = Ellipsoid::enu(98.7 * kDeg, 31.08 * kDeg);
  EXPECT_NEAR(b.east.dot(b.north), 0, 1e-15);
  EXPECT_NEAR(b.east.cross(b.north).dot(b.up), 1.0, 1e-15);
  // Up is the gradient direction of the height: a point 10 m up has h + 10.
  const Ellipsoid e;
  const Vec3 x = e.toXyz({98.7 * kDeg, 31.08 * kDeg, 2900.0}) + 10.0 * b.up;
  EXPECT_NEAR(e.toLonLatH(x).h, 2910.0, 1e-6);
  // North points to increasing latitude.
  const Vec3 y = e.toXyz({98.7 * kDeg, 31.08 * kDeg, 0}) + 1.0 * b.north;
  EXPECT_GT(e.toLonLatH(y).lat, 31.08 * kDeg);
}
