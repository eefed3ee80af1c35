// The simulator's images against its own truth, on the `tiny` size (256 × 256 master px) with a few
// scenes: the stack validates (loadStack and `orthotrack info`), the same seed gives the same bytes
// whatever the thread count, noise-free offsets between two dates equal the true displacement,
// shadow is dark and layover bright where the geometry module says, and the cross-platform
// perpendicular baseline is the paper's tens of km.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "orthotrack/core/error.hpp"
#include "orthotrack/coreg/coreg.hpp"
#include "orthotrack/coreg/master.hpp"
#include "orthotrack/coreg/resample.hpp"
#include "orthotrack/geometry/dem.hpp"
#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/geometry/orbit_tools.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/io/scene.hpp"
#include "orthotrack/offsets/offsets.hpp"
#include "orthotrack/simulate/simulate.hpp"
#include "sim_truth.hpp"
#include "cli_runner.hpp"
#include "test_data.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;

namespace {

constexpr const char* kMaster = "ALOS2_20161003";
constexpr const char* kP2 = "ALOS2_20150727";  // 434 days before the master: ~7 m of LOS at P2
constexpr const char* kP1 = "ALOS1_20100225";  // with kP2: the paper's Figure-1 pair

using Tiny = test::SimStack;
using test::rectify;
using test::trueDem;
using test::trueGeometry;
using test::truthScene;

Tiny simulateTiny(const std::string& name, bool noiseFree, std::vector<std::string> scenes, int threads = 0,
                  std::uint64_t seed = 20181011) {
  const std::string dir = test::tempDir(name).string();
  simulate::SimParams p;
  p.outDir = dir;
  p.size = simulate::SimSize::Tiny;
  p.noiseFreeTexture = noiseFree;
  p.scenes = std::move(scenes);
  p.threads = threads;
  p.seed = seed;
  simulate::simulateStack(p);
  return test::loadSimStack(dir);
}

// The noise-free tiny stack: master, kP2, kP1 (simulated once for the tests that share it).
const Tiny& noiseFree() {
  static const Tiny t = simulateTiny("sim_nf", true, {kP2, "20100225"});
  return t;
}

std::string readBytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

using test::runCli;

}  // namespace

TEST(SimulateStack, ValidatesAndListsTheChosenScenes) {
  const Tiny& t = noiseFree();
  ASSERT_EQ(t.stack.scenes.size(), 3u);
  std::vector<std::string> ids;
  for (const auto& s : t.stack.scenes) ids.push_back(s.id);
  EXPECT_EQ(ids, (std::vector<std::string>{kP1, kP2, kMaster}));  // in date order
  EXPECT_EQ(t.truth.at("master_id"), kMaster);
  EXPECT_EQ(t.stack.scene(kMaster).grid.length, 256);
  EXPECT_EQ(t.stack.scene(kMaster).grid.width, 256);
  for (const auto& s : t.stack.scenes) {
    EXPECT_TRUE(fs::exists(t.dir + "/truth/lookup_" + s.id + ".tif")) << s.id;
    EXPECT_EQ(s.imageKind, io::ImageKind::Slc);
  }
  // Truth bands: los/az for the rendered dates only.
  const io::RasterReader r(t.dir + "/truth/displacement_radar.tif");
  EXPECT_EQ(r.info().bands, 6);
  EXPECT_GT(r.bandIndex("los_20150727"), 0);
  EXPECT_GT(r.bandIndex("az_20161003"), 0);
  // The CLI validates it the same way.
  const auto info = runCli("info " + t.dir + "/stack.toml");
  EXPECT_EQ(info.code, 0) << info.out;
  EXPECT_NE(info.out.find(kP1), std::string::npos) << info.out;
}

TEST(SimulateStack, BadScenesAndSizesAreRejectedByName) {
  simulate::SimParams p;
  p.outDir = test::tempDir("sim_bad").string();
  p.size = simulate::SimSize::Tiny;
  p.scenes = {"20990101"};
  try {
    simulate::simulateStack(p);
    FAIL() << "an unknown scene was accepted";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("20990101"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("scenes"), std::string::npos) << e.what();
  }
  EXPECT_THROW(simulate::parseSimSize("huge"), InvalidInput);
  EXPECT_EQ(simulate::parseSimSize("tiny"), simulate::SimSize::Tiny);
  const auto cli = runCli("simulate --out " + p.outDir + " --size tiny --scenes 20990101");
  EXPECT_EQ(cli.code, 2) << cli.out;
  EXPECT_NE(cli.out.find("20990101"), std::string::npos) << cli.out;
  EXPECT_NE(runCli("simulate --out " + p.outDir + " --size huge").code, 0);
}

TEST(SimulateStack, SameSeedSameBytesWhateverTheThreads) {
  const Tiny a = simulateTiny("sim_det_a", false, {kP2}, 1);
  const Tiny b = simulateTiny("sim_det_b", false, {kP2}, 2);
  std::size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(a.dir)) {
    if (!e.is_regular_file()) continue;
    const fs::path rel = fs::relative(e.path(), a.dir);
    const fs::path other = fs::path(b.dir) / rel;
    ASSERT_TRUE(fs::exists(other)) << rel;
    if (rel == "stack.toml") continue;  // holds the absolute paths of its folder
    EXPECT_TRUE(readBytes(e.path()) == readBytes(other)) << rel << " differs between runs";
    ++files;
  }
  EXPECT_GE(files, 12u);
  // Another seed gives another image.
  const Tiny c = simulateTiny("sim_det_c", false, {kP2}, 2, 7);
  EXPECT_FALSE(readBytes(a.dir + "/scenes/ALOS2_20161003.tif") == readBytes(c.dir + "/scenes/ALOS2_20161003.tif"));
}

TEST(SimulateStack, NoiseFreeOffsetsEqualTheTrueDisplacement) {
  const Tiny& t = noiseFree();
  const Raster<cfloat> ref = coreg::readSlc(t.stack.scene(kMaster));
  const Raster<cfloat> sec = rectify(t, kP2);
  offsets::OffsetParams op;
  op.windows = {{64, 64}};
  op.search_az = op.search_rg = 6;
  op.step_az = op.step_rg = 8;
  op.oversample = 64;
  op.median_threshold = 0;
  const auto f = offsets::estimateOffsets(ref.cview(), sec.cview(), op);
  // Truth: offsets = −(d(sec) − d(master)) / spacing, averaged over the chip.
  const io::RasterReader tr(t.dir + "/truth/displacement_radar.tif");
  const Raster<float> losS = tr.readAll<float>(tr.bandIndex("los_20150727")), losM = tr.readAll<float>(tr.bandIndex("los_20161003"));
  const Raster<float> azS = tr.readAll<float>(tr.bandIndex("az_20150727")), azM = tr.readAll<float>(tr.bandIndex("az_20161003"));
  const auto master = trueGeometry(t, kMaster);
  const auto& g = master.grid();
  double azSpacing = 0;
  {
    geometry::TargetView v;
    const Ellipsoid ell;
    ASSERT_EQ(geometry::viewFromTarget(master, {98.70 * kDeg, 31.08 * kDeg, 3300.0}, v), Status::Ok);
    ASSERT_EQ(geometry::azimuthGroundSpacing(master, v.time, v.range, 3300.0, azSpacing), Status::Ok);
  }
  ASSERT_GT(azSpacing, 2.0);
  ASSERT_LT(azSpacing, 4.0);
  std::vector<double> stableErr, slideErrRg, slideErrAz;
  double maxTrueRg = 0;
  for (std::int64_t i = 0; i < f.grid.rows; ++i)
    for (std::int64_t j = 0; j < f.grid.cols; ++j) {
      const double rg = f.range_offset(i, j), az = f.azimuth_offset(i, j);
      if (!std::isfinite(rg) || !std::isfinite(az)) continue;
      const std::int64_t r0 = f.grid.centreRow(i) - 32, c0 = f.grid.centreCol(j) - 32;
      double eRg = 0, eAz = 0, moving = 0;
      for (std::int64_t r = r0; r < r0 + 64; ++r)
        for (std::int64_t c = c0; c < c0 + 64; ++c) {
          const double dl = static_cast<double>(losS(r, c)) - static_cast<double>(losM(r, c)),
                       da = static_cast<double>(azS(r, c)) - static_cast<double>(azM(r, c));
          eRg += -dl / g.rangePixelSpacing;
          eAz += -da / azSpacing;
          moving += (losM(r, c) != 0.0f) ? 1 : 0;
        }
      eRg /= 4096.0;
      eAz /= 4096.0;
      if (moving == 0) {
        stableErr.push_back(std::hypot(rg, az));
      } else if (moving == 4096) {
        slideErrRg.push_back(rg - eRg);
        slideErrAz.push_back(az - eAz);
        maxTrueRg = std::max(maxTrueRg, std::abs(eRg));
      }
    }
  auto medianAbs = [](std::vector<double> v) {
    for (auto& x : v) x = std::abs(x);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  ASSERT_GE(stableErr.size(), 20u);
  ASSERT_GE(slideErrRg.size(), 20u);
  // The slide moved by more than a pixel between the dates, and the rectified images show it.
  EXPECT_GT(maxTrueRg, 1.0);
  std::printf("stable |offset| median %.4f px (%zu chips); slide error median |rg| %.4f |az| %.4f px (%zu chips, max true rg %.2f px)\n",
              medianAbs(stableErr), stableErr.size(), medianAbs(slideErrRg), medianAbs(slideErrAz), slideErrRg.size(), maxTrueRg);
  EXPECT_LT(medianAbs(stableErr), 0.03);
  EXPECT_LT(medianAbs(slideErrRg), 0.10);
  EXPECT_LT(medianAbs(slideErrAz), 0.10);
}

TEST(SimulateStack, LayoverIsBrightWhereTheGeometrySays) {
  // The tiny scene holds the layover of the west valley wall but no shadow (the slow precision test
  // checks shadow on the small scene, which holds the scarp).
  const Tiny& t = noiseFree();
  const auto c = test::intensityByMaskClass(t);
  std::printf("mean intensity: visible %.3g (%zu boxes), layover %.3g (%zu), shadow %.3g (%zu)\n", c.visible, c.nVisible,
              c.layover, c.nLayover, c.shadow, c.nShadow);
  ASSERT_GE(c.nVisible, 100u);
  ASSERT_GE(c.nLayover, 5u) << "no layover in the tiny scene";
  EXPECT_GT(c.layover, 1.5 * c.visible);
  if (c.nShadow > 0) {
    EXPECT_LT(c.shadow, 0.05 * c.visible);
  }
}

TEST(SimulateStack, CrossPlatformBaselineIsTheFigureOnePairs) {
  const Tiny& t = noiseFree();
  const double b1 = truthScene(t, kP1).at("bperp_to_master_m").get<double>();
  const double b2 = truthScene(t, kP2).at("bperp_to_master_m").get<double>();
  EXPECT_GT(std::abs(b1), 20e3);
  EXPECT_LT(std::abs(b1), 50e3);
  EXPECT_LT(std::abs(b2), 3e3);  // within a platform: hundreds of m to a few km
  EXPECT_GT(std::abs(b2), 10.0);
  // The Figure-1 pair (PALSAR-1 2010-02-25, PALSAR-2 2015-07-27): 27 972 m in the paper. Pair
  // baselines are differences of the scenes' baselines to the final master (as the network's).
  std::printf("Figure-1 pair B_perp %.0f m (to the master: %.0f and %.0f m)\n", b2 - b1, b1, b2);
  EXPECT_NEAR(std::abs(b2 - b1), 27972.0, 1500.0);
  // The same from the two true orbits, measured perpendicular to the PALSAR-1 line of sight (a few
  // km less: the platforms' heights differ by 64 km, so the reference's look direction matters).
  geometry::Baseline bl;
  ASSERT_EQ(geometry::baseline(trueGeometry(t, kP1), trueGeometry(t, kP2), {98.70 * kDeg, 31.08 * kDeg, 3300.0}, bl),
            Status::Ok);
  EXPECT_GT(std::abs(bl.perpendicular), 20e3);
  EXPECT_LT(std::abs(bl.perpendicular), std::abs(b2 - b1));
}

TEST(SimulateStack, TruthProjectionMatchesTheRangeDopplerShiftOfP2) {
  // The truth's LOS/azimuth of P2 between two dates against the zero-Doppler (line, sample) shift
  // of the moved point in the true master geometry.
  const Tiny& t = noiseFree();
  const auto master = trueGeometry(t, kMaster);
  nlohmann::json p2;
  for (const auto& p : t.truth.at("points"))
    if (p.at("name") == "P2") p2 = p;
  ASSERT_FALSE(p2.is_null());
  const std::string csv = io::readTextFile(t.dir + "/truth/points.csv");
  auto enuAt = [&](const std::string& date, double& los, double& az) {
    const auto k = csv.find("P2," + date + ",");
    double e, n, u;
    EXPECT_EQ(std::sscanf(csv.c_str() + k + 14, "%lf,%lf,%lf,%lf,%lf", &los, &az, &e, &n, &u), 5);
    return Vec3(e, n, u);
  };
  double losA, azA, losB, azB;
  const Vec3 ua = enuAt("2015-07-27", losA, azA), ub = enuAt("2016-10-03", losB, azB);
  // P2's place at the master date (truth.json) and, from it, its place at the other date.
  const Ellipsoid ell;
  const double lon = p2.at("lon").get<double>() * kDeg, lat = p2.at("lat").get<double>() * kDeg;
  const Vec3 xb = ell.toXyz({lon, lat, p2.at("height_m").get<double>()});
  const auto basis = Ellipsoid::enu(lon, lat);
  double ta = std::nan(""), ra, tb = std::nan(""), rb;
  ASSERT_EQ(geometry::geo2rdr(xb + basis.toEcef(ua - ub), master, ta, ra), Status::Ok);
  ASSERT_EQ(geometry::geo2rdr(xb, master, tb, rb), Status::Ok);
  double azSpacing;
  ASSERT_EQ(geometry::azimuthGroundSpacing(master, ta, ra, p2.at("height_m").get<double>(), azSpacing), Status::Ok);
  const double dLine = master.line(tb) - master.line(ta), dRange = rb - ra;
  std::printf("P2 2015-07-27 -> 2016-10-03: truth LOS %.3f m, az %.3f m; geometry: range %.3f m, %.3f lines x %.3f m = %.3f m\n",
              losB - losA, azB - azA, dRange, dLine, azSpacing, dLine * azSpacing);
  EXPECT_NEAR(-(losB - losA), dRange, 0.01 * std::abs(losB - losA));
  EXPECT_NEAR(-(azB - azA), dLine * azSpacing, 0.02 * std::abs(azB - azA));
}
