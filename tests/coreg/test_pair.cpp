// DEM co-registration of the master (step i), master selection and baselines, and the full
// improved vs traditional rectification of a synthetic cross-platform pair with strong relief.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <vector>

#include "orthotrack/core/error.hpp"
#include "orthotrack/coreg/coreg.hpp"
#include "orthotrack/offsets/offsets.hpp"
#include "synthetic.hpp"

using namespace orthotrack;
using namespace orthotrack::coreg;
using namespace coregtest;

TEST(DemCoreg, RecoversMasterTimingAndRangeBias) {
  const geometry::Dem dem = makeDem(1000.0);
  const auto truth = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, 512, 512);
  const Texture tex(5, 48, 0.15);  // weak texture: the topographic shading dominates
  const Raster<cfloat> slc = render(truth, dem, tex);
  // Metadata with a timing error of +3.3 lines and a range bias of −2.4 samples.
  RadarGrid g = truth.grid();
  g.sensingStart = g.sensingStart.plusSeconds(3.3 * g.azimuthTimeInterval);
  g.startingRange -= 2.4 * g.rangePixelSpacing;
  const geometry::SceneGeometry wrong(truth.orbit(), g, truth.doppler());
  DemCoregParams p;
  const Raster<float> ml = multilookAmplitude(slc.cview(), p.azimuthLooks, p.rangeLooks);
  const DemCoregResult r = coregisterDem(wrong, ml.cview(), dem, p);
  EXPECT_NEAR(r.lineShift, 3.3, 0.15);
  EXPECT_NEAR(r.sampleShift, -2.4, 0.15);
  const double dtLines = r.corrected.grid().sensingStart.secondsSince(truth.grid().sensingStart) / g.azimuthTimeInterval;
  EXPECT_NEAR(dtLines, 0.0, 0.15);
  EXPECT_NEAR((r.corrected.grid().startingRange - truth.grid().startingRange) / g.rangePixelSpacing, 0.0, 0.15);
  EXPECT_GT(r.offsetsUsed, 20);
}

TEST(DemCoreg, SimulatedAmplitudeShowsForeshorteningAndLayoverAccumulation) {
  const geometry::Dem dem = makeDem(1000.0);
  const auto m = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, 256, 256).multilooked(4, 4);
  const Raster<float> sim = simulateAmplitude(m, dem);
  // Brightness follows the local incidence: slopes facing the sensor (small θ_loc) are brighter.
  geometry::TopoParams tp;
  tp.layoverShadow = false;
  const auto topo = geometry::computeTopo(m, dem, tp);
  double sFace = 0, sAway = 0;
  int nFace = 0, nAway = 0;
  for (std::int64_t i = 2; i < sim.length() - 2; ++i)
    for (std::int64_t j = 2; j < sim.width() - 2; ++j) {
      const float li = topo.localIncidence(i, j);
      if (li < 25) { sFace += static_cast<double>(sim(i, j)); ++nFace; }
      if (li > 50) { sAway += static_cast<double>(sim(i, j)); ++nAway; }
    }
  ASSERT_GT(nFace, 10);
  ASSERT_GT(nAway, 10);
  EXPECT_GT(sFace / nFace, 1.5 * sAway / nAway);
  // Total power is conserved-ish: every ground facet lands somewhere (no empty interior pixels).
  std::int64_t empty = 0;
  for (std::int64_t i = 2; i < sim.length() - 2; ++i)
    for (std::int64_t j = 2; j < sim.width() - 2; ++j) empty += sim(i, j) == 0.0f;
  EXPECT_EQ(empty, 0);
}

namespace {
io::SceneMetadata meta(const std::string& id, const std::string& pf, const geometry::SceneGeometry& g) {
  io::SceneMetadata s;
  s.id = id;
  s.platform = pf;
  s.grid = g.grid();
  s.orbit = g.orbit();
  s.doppler = g.doppler();
  return s;
}
}  // namespace

TEST(Master, SelectionMinimisesBaselineSpreadAndReportsNumbers) {
  std::vector<io::SceneMetadata> sc;
  const double d1[3] = {-0.04, 0.0, 0.05};
  const DateTime p1[3] = {DateTime(2007, 1, 15, 5), DateTime(2008, 6, 1, 5), DateTime(2010, 2, 25, 5)};
  const DateTime p2[3] = {DateTime(2014, 10, 1, 5), DateTime(2015, 7, 27, 5), DateTime(2016, 6, 1, 5)};
  for (int k = 0; k < 3; ++k) {
    auto d = palsar1(p1[k]);
    d.offNadirDeg += d1[k];
    sc.push_back(meta("P1_" + std::to_string(k), "PALSAR-1", makeScene(d, 1.2e-3, 7.0, 64, 64)));
  }
  for (int k = 0; k < 3; ++k)
    sc.push_back(meta("P2_" + std::to_string(k), "PALSAR-2",
                      makeScene(palsar2(p2[k], d1[k]), 1.5e-3, 8.0, 64, 64, 0.0, LUT2d(k == 1 ? 0.0 : 40.0 * (k - 1)))));
  const MasterSelection sel = selectMasters(sc);
  EXPECT_EQ(sel.perPlatform.at("PALSAR-1"), "P1_1");
  EXPECT_EQ(sel.perPlatform.at("PALSAR-2"), "P2_1");
  EXPECT_EQ(sel.finalMaster, "P2_1");
  ASSERT_EQ(sel.candidates.size(), 6u);
  const auto& c = sel.candidates[1];
  const double a = sc[1].acquisitionTime().secondsSince(sc[0].acquisitionTime()) / 86400.0;
  const double b = sc[2].acquisitionTime().secondsSince(sc[1].acquisitionTime()) / 86400.0;
  EXPECT_NEAR(c.rmsTemporalDays, std::sqrt(0.5 * (a * a + b * b)), 1e-6);
  EXPECT_GT(c.rmsPerpendicular, 100.0);
  EXPECT_NEAR(sel.candidates[4].rmsDopplerHz, 40.0, 1e-6);
  // Configurable final master.
  MasterParams mp;
  mp.finalPlatform = "PALSAR-1";
  EXPECT_EQ(selectMasters(sc, mp).finalMaster, "P1_1");
  mp.finalMaster = "nope";
  EXPECT_THROW(selectMasters(sc, mp), InvalidInput);
  // Baselines: temporal sign and sizes; cross-platform perpendicular baselines are tens of km.
  const PairBaseline pb = pairBaseline(sc[4], sc[1], 3000.0);
  EXPECT_LT(pb.temporalDays, -1000.0);
  EXPECT_GT(std::abs(pb.perpendicular), 5000.0);
  const PairBaseline same = pairBaseline(sc[4], sc[5], 3000.0);
  EXPECT_LT(std::abs(same.perpendicular), 2000.0);
  EXPECT_NEAR(same.dopplerDifferenceHz, 40.0, 1e-9);
  EXPECT_GT(same.temporalDays, 300.0);
}

namespace {
struct PairSetup {
  geometry::Dem trueDem = makeDem(1000.0);
  // The DEM given to the co-registration: 25 m bias and ±4 m smooth error (SRTM-like).
  geometry::Dem dem = makeDem(1000.0, 0, 0, 0, 0, 25.0, 4.0);
  geometry::SceneGeometry master = makeScene(palsar2(DateTime(2015, 7, 27, 5, 0, 0.0)), 1.5e-3, 8.0, 384, 384);
  geometry::SceneGeometry sec = makeScene(palsar1(DateTime(2010, 2, 25, 5, 0, 0.0)), 1.2e-3, 7.0, 520, 520);
  Texture tex{11, 48, 1.0};
  Slide slide{600, -300, 1000, -25.0, 12.0};
  Raster<cfloat> mslc = render(master, trueDem, tex, {}, 0.1, 1);
  Raster<cfloat> sslc = render(sec, trueDem, tex, slide, 0.1, 2);
  Raster<std::uint8_t> inSlide;  // master pixels whose ground lies in the (enlarged) slide
  PairSetup() {
    geometry::TopoParams tp;
    tp.layoverShadow = false;
    const auto topo = geometry::computeTopo(master, trueDem, tp);
    inSlide.resize(master.grid().length, master.grid().width);
    for (std::int64_t i = 0; i < inSlide.length(); ++i)
      for (std::int64_t j = 0; j < inSlide.width(); ++j) {
        const double x = (topo.lon(i, j) - kLon0) * reM(), y = (topo.lat(i, j) - kLat0) * rnM();
        inSlide(i, j) = Slide{slide.cx, slide.cy, slide.radius + 450, 0, 0}.inside(x, y);
      }
  }
};

struct Rms {
  double az = 0, rg = 0;
  std::int64_t n = 0;
};
Rms stableRms(const offsets::OffsetField& f, const Raster<std::uint8_t>& inSlide) {
  Rms r;
  for (std::int64_t i = 0; i < f.grid.rows; ++i)
    for (std::int64_t j = 0; j < f.grid.cols; ++j) {
      if (f.flagAt(i, j) != offsets::Flag::ok && f.flagAt(i, j) != offsets::Flag::outlier) continue;
      if (!std::isfinite(f.azimuth_offset(i, j)) || inSlide(f.grid.centreRow(i), f.grid.centreCol(j))) continue;
      const double a = f.azimuth_offset(i, j), g = f.range_offset(i, j);
      r.az += a * a;
      r.rg += g * g;
      ++r.n;
    }
  r.az = std::sqrt(r.az / static_cast<double>(r.n));
  r.rg = std::sqrt(r.rg / static_cast<double>(r.n));
  return r;
}
}  // namespace

TEST(Rectify, CrossPlatformImprovedBeatsTraditionalOnStableGround) {
  const PairSetup s;
  PairBaseline b = pairBaseline(meta("M", "PALSAR-2", s.master), meta("S", "PALSAR-1", s.sec), 3000.0);
  EXPECT_GT(std::abs(b.perpendicular), 5000.0);

  CoregParams p;
  const auto sec = secondaryFromMemory(s.sec, s.sslc.cview());
  const RectifyResult imp = rectify(s.master, s.mslc.cview(), sec, s.dem, p);
  p.method = Method::Traditional;
  p.traditional.offsets.step_az = p.traditional.offsets.step_rg = 32;
  const RectifyResult tra = rectify(s.master, s.mslc.cview(), sec, s.dem, p);
  EXPECT_LT(imp.report.rangeCutoff, 1.0);  // PALSAR-1 range pixels are finer: low-pass applied
  EXPECT_GT(imp.report.validPixels, 384 * 384 * 9 / 10);

  // Offsets master vs rectified secondary, as the tracking step will compute them.
  offsets::OffsetParams op;
  op.windows = {{48, 48}};
  op.search_az = op.search_rg = 12;
  op.step_az = op.step_rg = 16;
  op.fftw_measure = false;
  op.oversample = 64;
  const Raster<float> ma = multilookAmplitude(s.mslc.cview(), 1, 1);
  const auto fi = offsets::estimateOffsets(ma.cview(), multilookAmplitude(imp.slc.cview(), 1, 1).cview(), op);
  const auto ft = offsets::estimateOffsets(ma.cview(), multilookAmplitude(tra.slc.cview(), 1, 1).cview(), op);
  const Rms ri = stableRms(fi, s.inSlide), rt = stableRms(ft, s.inSlide);
  const double ei = std::hypot(ri.az, ri.rg), et = std::hypot(rt.az, rt.rg);
  RecordProperty("improved_rms_px", std::to_string(ei));
  RecordProperty("traditional_rms_px", std::to_string(et));
  std::printf("stable-ground offsets RMS: improved %.3f px (az %.3f, rg %.3f, n=%lld), traditional %.3f px (az %.3f, rg %.3f, n=%lld)\n",
              ei, ri.az, ri.rg, static_cast<long long>(ri.n), et, rt.az, rt.rg, static_cast<long long>(rt.n));
  EXPECT_GT(ri.n, 100);
  EXPECT_LT(ei, 0.1);
  EXPECT_GT(et, 0.3);
  EXPECT_GT(et / ei, 4.0);

  // Inside the slide: the offsets equal the true displacement projected into the master geometry,
  // averaged over the chip as the window estimator does (the projection varies across the slide).
  const Ellipsoid ell = Ellipsoid::wgs84();
  auto expected = [&](double r0, double c0, double& ea, double& er) {
    geometry::Rdr2GeoResult g;
    if (geometry::rdr2geo(s.master, r0, c0, s.trueDem, g) != Status::Ok) return false;
    const double x = (g.llh.lon / kDeg - kLon0) * reM(), y = (g.llh.lat / kDeg - kLat0) * rnM();
    if (!s.slide.inside(x, y)) { ea = er = 0; return true; }
    const double lon = (x + s.slide.ue) / reM() + kLon0, lat = (y + s.slide.un) / rnM() + kLat0;
    double h;
    if (s.trueDem.heightDeg(lon, lat, h) != Status::Ok) return false;
    double t = s.master.time(r0), rr;
    if (geometry::geo2rdr(ell.toXyz({lon * kDeg, lat * kDeg, h}), s.master, t, rr) != Status::Ok) return false;
    ea = s.master.line(t) - r0;
    er = s.master.sample(rr) - c0;
    return true;
  };
  // Smaller chips resolve the spatially varying projection better.
  offsets::OffsetParams os = op;
  os.windows = {{32, 32}};
  os.step_az = os.step_rg = 8;
  const auto fs = offsets::estimateOffsets(ma.cview(), multilookAmplitude(imp.slc.cview(), 1, 1).cview(), os);
  double errAz = 0, errRg = 0;
  int n = 0;
  for (std::int64_t i = 0; i < fs.grid.rows; ++i)
    for (std::int64_t j = 0; j < fs.grid.cols; ++j) {
      const auto r0 = fs.grid.centreRow(i), c0 = fs.grid.centreCol(j);
      geometry::Rdr2GeoResult g;
      if (geometry::rdr2geo(s.master, static_cast<double>(r0), static_cast<double>(c0), s.trueDem, g) != Status::Ok) continue;
      const double x = (g.llh.lon / kDeg - kLon0) * reM(), y = (g.llh.lat / kDeg - kLat0) * rnM();
      if (!Slide{s.slide.cx, s.slide.cy, s.slide.radius - 350, 0, 0}.inside(x, y)) continue;
      if (fs.flagAt(i, j) != offsets::Flag::ok) continue;
      double sa = 0, sr = 0;
      int m = 0;
      for (int a = -12; a <= 12; a += 4)
        for (int q = -12; q <= 12; q += 4) {
          double ea, er;
          if (!expected(static_cast<double>(r0 + a), static_cast<double>(c0 + q), ea, er)) continue;
          sa += ea; sr += er; ++m;
        }
      const double expAz = sa / m, expRg = sr / m;
      if (std::getenv("COREG_DEBUG"))
        std::printf("slide chip (%lld,%lld): az %.3f exp %.3f  rg %.3f exp %.3f\n", static_cast<long long>(r0),
                    static_cast<long long>(c0), static_cast<double>(fs.azimuth_offset(i, j)), expAz,
                    static_cast<double>(fs.range_offset(i, j)), expRg);
      errAz += std::abs(static_cast<double>(fs.azimuth_offset(i, j)) - expAz);
      errRg += std::abs(static_cast<double>(fs.range_offset(i, j)) - expRg);
      ++n;
    }
  ASSERT_GT(n, 20);
  std::printf("inside the slide (%d chips): mean |offset - true projected displacement| az %.3f px, rg %.3f px\n", n,
              errAz / n, errRg / n);
  EXPECT_LT(errAz / n, 0.15);
  EXPECT_LT(errRg / n, 0.15);
  // The residual statistics are reported and small for the improved method.
  EXPECT_GT(imp.report.residual.used, 20);
  EXPECT_LT(imp.report.residual.robustRmsAz, 0.1);
  EXPECT_LT(imp.report.residual.robustRmsRg, 0.1);
  const auto j = imp.report.toJson();
  EXPECT_EQ(j.at("method"), "improved");
  EXPECT_TRUE(j.at("residual").contains("rms_az_px"));
}
