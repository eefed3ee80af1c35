#include <gtest/gtest.h>

#include <cmath>

#include "orthotrack/core/ellipsoid.hpp"
#include "orthotrack/core/error.hpp"
#include "orthotrack/core/orbit.hpp"

using namespace orthotrack;

namespace {
// A circular orbit of radius R and angular rate w in an inclined plane: analytic truth.
struct Circle {
  double R = 7.0e6, w = 2 * kPi / 5900.0, inc = 98.0 * kDeg;
  Vec3 pos(double t) const {
    const double c = std::cos(w * t), s = std::sin(w * t);
    return {R * c, R * s * std::cos(inc), R * s * std::sin(inc)};
  }
  Vec3 vel(double t) const {
    const double c = std::cos(w * t), s = std::sin(w * t);
    return {-R * w * s, R * w * c * std::cos(inc), R * w * c * std::sin(inc)};
  }
};
std::vector<StateVector> sample(const Circle& c, const DateTime& t0, int n, double dt) {
  std::vector<StateVector> svs;
  for (int i = 0; i < n; ++i) svs.push_back({t0.plusSeconds(i * dt), c.pos(i * dt), c.vel(i * dt)});
  return svs;
}
}  // namespace

TEST(Orbit, InterpolatesRealisticOrbitBelowOneMillimetre) {
  const Circle c;
  const DateTime t0(2010, 1, 10, 3, 0, 0);
  for (double dt : {10.0, 30.0, 60.0}) {
    Orbit orb(sample(c, t0, 20, dt));
    double worstP = 0, worstV = 0;
    for (double t = 0; t <= 19 * dt; t += dt / 7.3) {
      Vec3 p, v;
      ASSERT_EQ(orb.interpolate(t, p, v), Status::Ok);
      worstP = std::max(worstP, (p - c.pos(t)).norm());
      worstV = std::max(worstV, (v - c.vel(t)).norm());
    }
    EXPECT_LT(worstP, 1e-3) << "dt " << dt;
    EXPECT_LT(worstV, 1e-4) << "dt " << dt;
  }
}

TEST(Orbit, OutOfDomainUnlessExtrapolationAllowed) {
  Orbit orb(sample(Circle{}, DateTime(2010, 1, 1), 8, 10.0));
  Vec3 p, v;
  EXPECT_EQ(orb.interpolate(-1.0, p, v), Status::OutOfDomain);
  EXPECT_EQ(orb.interpolate(70.5, p, v), Status::OutOfDomain);
  EXPECT_THROW(orb.interpolate(DateTime(2011, 1, 1), p, v), OutOfDomain);
  orb.setExtrapolationMargin(2.0);
  EXPECT_EQ(orb.interpolate(-1.0, p, v), Status::Ok);
}

TEST(Orbit, RejectsBadStateVectors) {
  auto svs = sample(Circle{}, DateTime(2010, 1, 1), 6, 10.0);
  EXPECT_THROW(Orbit(std::vector<StateVector>(svs.begin(), svs.begin() + 3)), InvalidInput);
  auto dup = svs;
  dup[3].time = dup[2].time;
  try {
    Orbit o(dup);
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("strictly increasing"), std::string::npos);
    EXPECT_NE(e.context().key.find("[3]"), std::string::npos);
  }
  auto nan = svs;
  nan[1].position.x() = std::nan("");
  EXPECT_THROW(Orbit{nan}, InvalidInput);
}
