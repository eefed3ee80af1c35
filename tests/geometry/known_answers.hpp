#pragma once
// The checks of ISCE3's known answers (ENVISAT rdr2geo/geo2rdr table, UAVSAR Winnipeg topo layers),
// shared by the tests on the peer's plain-text copies and on the scenes of our importer.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"
#include "orthotrack/geometry/range_doppler.hpp"
#include "real_data.hpp"

namespace orthotrack::test {
using namespace orthotrack::geometry;
struct KnownRow {
  DateTime t;
  double r, h;
};
inline std::vector<KnownRow> readInputs() {
  std::ifstream in(test::dataPath("real/isce3/geometry_known_answers/input_data.txt"));
  std::vector<KnownRow> rows;
  std::string ts;
  double r, h;
  while (in >> ts >> r >> h) rows.push_back({DateTime::parse(ts), r, h});
  return rows;
}
inline std::vector<std::array<double, 3>> readOutputs(const std::string& name) {
  std::ifstream in(test::dataPath("real/isce3/geometry_known_answers/" + name));
  std::vector<std::array<double, 3>> rows;
  double a, b, c;
  while (in >> a >> b >> c) rows.push_back({a, b, c});
  return rows;
}

// envisat.h5 declares its orbit interpolation as "Hermite" (4-point, positions and velocities), as
// ISCE3 used to make the table: resample with it, then core's 8-point Lagrange follows it exactly.
// With the raw 60 s vectors and 8-point Lagrange the answers move by up to ~4e-8° (3-4 mm), the
// difference between the two interpolators, which the second set of bounds documents.
// `imported`: the orbit already follows the product's Hermite interpolant (the NISAR importer
// resamples orbits that declare it), so it is used as it is and must meet the strict bound.
inline void checkEnvisatTable(const test::RealScene& sc0, bool withDoppler, bool hermite, bool imported = false) {
  const test::RealScene sc{hermite && !imported ? SceneGeometry(resampleHermite(sc0.geom.orbit(), 1.0), sc0.geom.grid()) : sc0.geom,
                           sc0.dopplerLut, sc0.epoch};
  const auto in = readInputs();
  const auto out = readOutputs(withDoppler ? "output_data.txt" : "output_data_zerodop.txt");
  ASSERT_EQ(in.size(), 100u);
  ASSERT_EQ(out.size(), 100u);
  const LUT2d lut = sc.dopplerLut.rebased(sc.geom.epoch());
  double worstLat = 0, worstLon = 0, worstH = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const double t = sc.geom.orbit().toSeconds(in[i].t);
    const double fd = withDoppler ? lut.eval(t, in[i].r) : 0.0;
    Rdr2GeoResult res;
    ASSERT_EQ(rdr2geo(t, in[i].r, fd, sc.geom.orbit(), sc.geom.wavelength(), LookSide::Right, Dem::constant(in[i].h), res),
              Status::Ok);
    worstLat = std::max(worstLat, std::abs(res.llh.lat / kDeg - out[i][0]));
    worstLon = std::max(worstLon, std::abs(res.llh.lon / kDeg - out[i][1]));
    worstH = std::max(worstH, std::abs(res.llh.h - out[i][2]));
  }
  std::printf("ENVISAT rdr2geo %s, %s orbit: max |dlat| %.3g deg, |dlon| %.3g deg, |dh| %.3g m\n",
              withDoppler ? "doppler" : "zero-doppler", hermite ? "Hermite" : "Lagrange-8", worstLat, worstLon, worstH);
  const double tol = hermite || imported ? 1e-8 : 5e-8;
  EXPECT_LT(worstLat, tol);
  EXPECT_LT(worstLon, tol);
  EXPECT_LT(worstH, 1e-8);
}

inline void checkEnvisatGeo2Rdr(const test::RealScene& sc0) {
  const test::RealScene sc{SceneGeometry(resampleHermite(sc0.geom.orbit(), 1.0), sc0.geom.grid()), sc0.dopplerLut, sc0.epoch};
  const LonLatH llh{-115.72466801139711 * kDeg, 34.65846532785868 * kDeg, 1772.0};
  struct Case {
    bool doppler;
    const char* time;
    double range;
  };
  for (const Case& c : {Case{false, "2003-02-26T17:55:34.122893704", 830449.6727720434},
                        Case{true, "2003-02-26T17:55:33.993088889", 830450.1859446081}}) {
    const SceneGeometry g(sc.geom.orbit(), sc.geom.grid(), c.doppler ? sc.dopplerLut : LUT2d());
    double t = std::numeric_limits<double>::quiet_NaN(), r;
    ASSERT_EQ(geo2rdr(llh, g, t, r), Status::Ok);
    const double expT = g.orbit().toSeconds(DateTime::parse(c.time));
    std::printf("ENVISAT geo2rdr %s: dt %.3g s, dr %.3g m\n", c.doppler ? "doppler" : "zero", t - expT, r - c.range);
    EXPECT_NEAR(t, expT, 1e-6);
    EXPECT_NEAR(r, c.range, 1e-3);
  }
}
struct MeanAbs {
  double sum = 0;
  std::int64_t n = 0, skipped = 0;
  void add(double d) {
    if (!std::isfinite(d) || std::abs(d) > 5.0) { ++skipped; return; }
    sum += std::abs(d);
    ++n;
  }
  double mean() const { return n ? sum / static_cast<double>(n) : 1e30; }
};

// UAVSAR Winnipeg (left-looking aircraft, 7.2 s "orbit") over its real DEM against ISCE3's topo
// layers. ISCE3's tolerances are mean absolute differences after skipping |Δ| > 5.
inline void checkWinnipegTopo(const SceneGeometry& geom, const Dem& dem) {
  const test::RealScene sc{geom, LUT2d(), geom.epoch()};
  ASSERT_EQ(sc.geom.lookSide(), LookSide::Left);
  const TopoLayers L = computeTopo(sc.geom, dem);
  const std::size_t n = 250 * 250;
  const std::string d = test::dataPath("real/isce3/topo_winnipeg/");
  const auto x = test::readRaw<double>(d + "x.rdr", n), y = test::readRaw<double>(d + "y.rdr", n),
             z = test::readRaw<double>(d + "z.rdr", n);
  const auto inc = test::readRaw<float>(d + "inc.rdr", n), hdg = test::readRaw<float>(d + "hdg.rdr", n),
             linc = test::readRaw<float>(d + "localInc.rdr", n);
  MeanAbs mx, my, mz, mi, mh, ml, mi2, ml2;
  const Ellipsoid ell;
  for (std::size_t k = 0; k < n; ++k) {
    {
      // Angles at ISCE3's own ground points (its rdr2geo stops at a 5 cm range residual).
      const LonLatH q{x[k] * kDeg, y[k] * kDeg, z[k]};
      SensorState st;
      ASSERT_EQ(sensorState(sc.geom.orbit(), sc.geom.time(static_cast<double>(k / 250)), st), Status::Ok);
      const Vec3 l = losEnu(ell.toXyz(q), st.position, q.lon, q.lat);
      mi2.add(std::acos(l.z()) / kDeg - static_cast<double>(inc[k]));
      Vec3 nrm;
      ASSERT_EQ(dem.surfaceNormalEnu(q.lon, q.lat, nrm), Status::Ok);
      ml2.add(std::acos(nrm.dot(l)) / kDeg - static_cast<double>(linc[k]));
    }
    ASSERT_EQ(L.status.vector()[k], 0);
    mx.add(L.lon.vector()[k] - x[k]);
    my.add(L.lat.vector()[k] - y[k]);
    mz.add(static_cast<double>(L.height.vector()[k]) - z[k]);
    mi.add(static_cast<double>(L.incidence.vector()[k] - inc[k]));
    // ISCE3's "hdg" layer is the azimuth of the look vector (sensor → target) counted
    // anticlockwise from north: 180° − azimuth of our LOS (target → sensor), clockwise.
    const double los = std::atan2(static_cast<double>(L.losE.vector()[k]), static_cast<double>(L.losN.vector()[k])) / kDeg;
    mh.add(std::remainder(180.0 - los - static_cast<double>(hdg[k]), 360.0));
    ml.add(static_cast<double>(L.localIncidence.vector()[k] - linc[k]));
  }
  std::printf("Winnipeg mean |d|: lon %.3g deg, lat %.3g deg, h %.3g m, inc %.3g deg, hdg %.3g deg, local inc %.3g deg "
              "(skipped %lld)\n",
              mx.mean(), my.mean(), mz.mean(), mi.mean(), mh.mean(), ml.mean(), static_cast<long long>(ml.skipped));
  std::printf("  at ISCE3's points: inc %.3g deg, local inc %.3g deg\n", mi2.mean(), ml2.mean());
  EXPECT_LT(mx.mean(), 1e-5);
  EXPECT_LT(my.mean(), 1e-5);
  EXPECT_LT(mz.mean(), 0.15);
  EXPECT_LT(mh.mean(), 1e-4);
  // ISCE3's topo stops at a 5 cm slant-range residual: its ground points differ from the exact
  // root by a few cm, which at 13-15 km range is ~2e-4° of incidence. At ISCE3's own points our
  // incidence agrees to < 1e-6°, so the definition is checked there to 1e-4°, and the full
  // pipeline to the 5 cm slack (4e-4°).
  EXPECT_LT(mi2.mean(), 1e-4);
  EXPECT_LT(mi.mean(), 4e-4);
  // Local incidence depends on the DEM kernel used for the slope; ours (6×6 natural splines,
  // central differences one pixel apart) gives 0.027° mean against ISCE3's (0.045° bicubic,
  // 0.15° bilinear): bound at 0.03°, not ISCE3's 0.02° (see docs/geometry.md).
  EXPECT_LT(ml.mean(), 0.03);
  EXPECT_LT(ml2.mean(), 0.03);
  EXPECT_EQ(mx.skipped + my.skipped + mz.skipped + mi.skipped + mh.skipped, 0);
}

}  // namespace orthotrack::test
