// Stable-ground offset precision of the simulated small stack (the table in docs/simulate.md):
// both scenes of a pair are rectified into the master grid with the simulator's TRUE lookups (so
// co-registration contributes nothing), offsets are measured with 64-px chips, and offsets minus
// truth (zero) are summarised outside the slide and away from layover/shadow. The figures must look
// like published ALOS ones: ~0.05–0.15 px where speckle is coherent, tenths of a px where it is not.
// Slow (label `slow`): shares the small stack in the build folder (RESOURCE_LOCK sim_small).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "orthotrack/geometry/layers.hpp"
#include "orthotrack/offsets/offsets.hpp"
#include "orthotrack/simulate/simulate.hpp"
#include "sim_truth.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;

namespace {

const test::SimStack& small() {
  static const test::SimStack s = [] {
    // OT_SIM_SMALL (optional): another folder for the small stack (simulated there when stale).
    const char* env = std::getenv("OT_SIM_SMALL");
    const std::string dir = env ? std::string(env) : std::string(ORTHOTRACK_BINARY_DIR) + "/sim_small";
    bool fresh = fs::exists(dir + "/stack.toml") && fs::exists(dir + "/truth/truth.json");
    if (fresh) {
      const auto t = nlohmann::json::parse(io::readTextFile(dir + "/truth/truth.json"));
      fresh = t.value("simulator_version", 0) == simulate::kSimulatorVersion && t.at("scenes").size() == 28;
    }
    if (!fresh) {
      fs::remove_all(dir);
      simulate::SimParams p;
      p.outDir = dir;
      simulate::simulateStack(p);
    }
    return test::loadSimStack(dir);
  }();
  return s;
}

struct Precision {
  std::size_t n = 0;
  double rmsRg = 0, rmsAz = 0;      // px, all estimates
  double inRg = 0, inAz = 0;        // px, RMS of the estimates within 1 px of the truth (both axes)
  double blunders = 0;              // fraction with |e| > 1 px on either axis
};

Precision measure(const test::SimStack& s, const std::string& a, const std::string& b) {
  const std::string master = s.truth.at("master_id");
  auto image = [&](const std::string& id) { return id == master ? coreg::readSlc(s.stack.scene(id)) : test::rectify(s, id); };
  const Raster<cfloat> ref = image(a), sec = image(b);
  // Exclusions on the master grid: moving ground (truth) and layover/shadow (true geometry).
  static Raster<std::uint8_t> excluded;
  if (excluded.length() == 0) {
    const io::RasterReader tr(s.dir + "/truth/displacement_radar.tif");
    const Raster<float> last = tr.readAll<float>(tr.info().bands - 1);  // LOS of the last date
    const auto topo = geometry::computeTopo(test::trueGeometry(s, master), test::trueDem(s));
    excluded = Raster<std::uint8_t>(last.length(), last.width());
    for (std::int64_t i = 0; i < last.length(); ++i)
      for (std::int64_t j = 0; j < last.width(); ++j)
        excluded(i, j) = last(i, j) != 0.0f ? 2 : (topo.mask(i, j) != 0 || topo.status(i, j) != 0) ? 1 : 0;
  }
  offsets::OffsetParams op;
  op.windows = {{64, 64}};
  op.search_az = op.search_rg = 16;
  op.step_az = op.step_rg = 16;
  op.oversample = 32;
  op.median_threshold = 0;  // raw estimates: no screening
  const auto f = offsets::estimateOffsets(ref.cview(), sec.cview(), op);
  Precision p;
  std::size_t inliers = 0;
  for (std::int64_t i = 0; i < f.grid.rows; ++i)
    for (std::int64_t j = 0; j < f.grid.cols; ++j) {
      const std::int64_t r0 = f.grid.centreRow(i) - 32, c0 = f.grid.centreCol(j) - 32;
      int slide = 0, masked = 0;
      for (std::int64_t r = r0; r < r0 + 64; ++r)
        for (std::int64_t c = c0; c < c0 + 64; ++c) {
          slide += excluded(r, c) == 2;
          masked += excluded(r, c) == 1;
        }
      if (slide > 0 || masked > 410) continue;  // no moving pixel, < 10 % layover/shadow
      const double x = f.range_offset(i, j), y = f.azimuth_offset(i, j);
      if (!std::isfinite(x) || !std::isfinite(y)) {
        p.blunders += 1;  // counted as a failure
        continue;
      }
      ++p.n;
      p.rmsRg += x * x;
      p.rmsAz += y * y;
      if (std::abs(x) > 1 || std::abs(y) > 1) {
        p.blunders += 1;
      } else {
        p.inRg += x * x;
        p.inAz += y * y;
        ++inliers;
      }
    }
  if (p.n == 0) return p;
  p.rmsRg = std::sqrt(p.rmsRg / static_cast<double>(p.n));
  p.rmsAz = std::sqrt(p.rmsAz / static_cast<double>(p.n));
  p.inRg = std::sqrt(p.inRg / static_cast<double>(std::max<std::size_t>(inliers, 1)));
  p.inAz = std::sqrt(p.inAz / static_cast<double>(std::max<std::size_t>(inliers, 1)));
  p.blunders /= static_cast<double>(p.n);
  return p;
}

struct Pair {
  const char* label;
  const char* a;
  const char* b;
};

}  // namespace

TEST(SimulatePrecision, StableGroundOffsetsLookLikePublishedAlosFigures) {
  const auto& s = small();
  const Pair pairs[] = {{"short PALSAR-1 (46 d)", "ALOS1_20100110", "ALOS1_20100225"},
                        {"short PALSAR-2 (70 d)", "ALOS2_20150727", "ALOS2_20151005"},
                        {"long PALSAR-1 (1518 d)", "ALOS1_20070102", "ALOS1_20110228"},
                        {"long PALSAR-2 (1414 d)", "ALOS2_20141006", "ALOS2_20180820"},
                        {"cross-platform (Figure 1, 1978 d)", "ALOS1_20100225", "ALOS2_20150727"}};
  std::printf("| pair | chips | RMS range | RMS azimuth | inlier RMS range | inlier RMS azimuth | > 1 px |\n");
  std::vector<Precision> res;
  for (const auto& pr : pairs) {
    const Precision p = measure(s, pr.a, pr.b);
    res.push_back(p);
    std::printf("| %s | %zu | %.3f | %.3f | %.3f | %.3f | %.1f %% |\n", pr.label, p.n, p.rmsRg, p.rmsAz, p.inRg, p.inAz,
                100 * p.blunders);
    ASSERT_GT(p.n, 500u) << pr.label;
  }
  auto in = [&](int k) { return std::max(res[static_cast<std::size_t>(k)].inRg, res[static_cast<std::size_t>(k)].inAz); };
  // Short same-platform pairs: coherent speckle, 0.03–0.15 px (not easier than published).
  for (int k = 0; k < 2; ++k) {
    EXPECT_GT(in(k), 0.03) << pairs[k].label;
    EXPECT_LT(in(k), 0.15) << pairs[k].label;
    EXPECT_LT(res[static_cast<std::size_t>(k)].blunders, 0.01) << pairs[k].label;
  }
  // Long same-platform pairs: speckle mostly decorrelated, a tenth to a few tenths of a pixel.
  for (int k = 2; k < 4; ++k) {
    EXPECT_GT(in(k), 0.08) << pairs[k].label;
    EXPECT_LT(in(k), 0.5) << pairs[k].label;
    EXPECT_GT(in(k), in(k - 2)) << pairs[k].label;
  }
  // Cross-platform: texture only, several tenths of a pixel, some blunders.
  EXPECT_GT(in(4), 0.15);
  EXPECT_LT(in(4), 1.0);
  EXPECT_LT(res[4].blunders, 0.3);
}

TEST(SimulatePrecision, ShadowIsDarkAndLayoverBrightWhereTheGeometrySays) {
  const auto c = test::intensityByMaskClass(small());
  std::printf("mean intensity: visible %.3g (%zu boxes), layover %.3g (%zu), shadow %.3g (%zu)\n", c.visible, c.nVisible,
              c.layover, c.nLayover, c.shadow, c.nShadow);
  ASSERT_GE(c.nLayover, 20u);
  EXPECT_GT(c.layover, 1.5 * c.visible);
  ASSERT_GE(c.nShadow, 1u) << "no shadow box in the small scene";
  // Shadow holds thermal noise only (14 dB below nominal flat-terrain backscatter).
  EXPECT_LT(c.shadow, 0.2 * c.visible);
}
