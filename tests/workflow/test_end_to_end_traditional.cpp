// The paper's point, end to end on the simulated small stack: with the traditional co-registration
// (orbit geometry at one constant height plus a low-order polynomial fitted to amplitude offsets; no
// DEM) the cross-platform pairs, whose perpendicular baselines are tens of km, carry topographic
// artifacts that the bridge passes on to every PALSAR-2 date, so the stable-ground RMS of the
// cumulative LOS is several times the improved method's.
// The improved run of the same stack is test_end_to_end (target < 0.5 m; 0.37 m measured on a
// stack of this session). Running both here would double a slow test, so the traditional figure is
// asserted against three times the improved target. Measured: 6.07 m (build/sim_small), 6.12 m
// (another small stack), i.e. 16x the improved run. Where it comes from (same stack, both runs):
// the RMS of the traditional-minus-improved range offsets is 1.8 px on the 8 bridging pairs and
// 0.39 px on the 78 same-platform pairs (the speckle floor; azimuth 0.38 px on both), so the
// bridging pairs enter the inversion, not flagged, with their topographic error.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/simulate/simulate.hpp"
#include "orthotrack/workflow/run.hpp"
#include "sim_small.hpp"
#include "test_data.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;

TEST(EndToEnd, TraditionalMethodContaminatesStableGround) {
  const auto dir = test::tempDir("e2e_traditional");
  // The simulated small stack is shared with the other slow tests (RESOURCE_LOCK sim_small).
  const std::string simDir = test::simSmallDir();
  workflow::RunParams rp;
  rp.stackPath = simDir + "/stack.toml";
  rp.outDir = (dir / "run_traditional").string();
  rp.method = "traditional";
  const auto res = workflow::runStack(rp);
  ASSERT_TRUE(fs::exists(res.reportPath));
  const auto manifest = nlohmann::json::parse(io::readTextFile(rp.outDir + "/manifest.json"));
  EXPECT_EQ(manifest.at("method").get<std::string>(), "traditional");

  // The bridging (cross-platform) pairs are in the network and their offsets were computed: the
  // contamination enters the inversion through them, not through a dropped pair.
  const auto& counts = manifest["steps"]["pairs"]["quality"]["counts"];
  ASSERT_TRUE(counts.contains("PALSAR-1/PALSAR-2"));
  EXPECT_GT(counts["PALSAR-1/PALSAR-2"].get<int>(), 0);

  ASSERT_TRUE(res.summary.contains("truth_comparison"));
  const double improvedTarget = 0.5;  // m, the improved method's stable-ground target (issue 8)
  double stable = std::nan("");
  for (const auto& r : res.summary["truth_comparison"]["rows"]) {
    const std::string q = r.at("quantity").get<std::string>();
    const double m = r.at("measured").is_number() ? r.at("measured").get<double>() : std::nan("");
    std::printf("traditional: %-55s measured %8.3f  %s\n", q.c_str(), m, r.at("pass").get<bool>() ? "met" : "NOT MET");
    if (q == "stable ground: RMS of cumulative LOS (m)") stable = m;
  }
  ASSERT_TRUE(std::isfinite(stable)) << "no stable-ground row in analysis/summary.json";
  std::printf("stable-ground RMS of cumulative LOS: traditional %.3f m, improved target %.3f m (improved measured 0.37 m), "
              "ratio to target %.1f\n",
              stable, improvedTarget, stable / improvedTarget);
  EXPECT_GT(stable, 1.5);
  EXPECT_GT(stable, 3.0 * improvedTarget);
  if (!HasFailure()) fs::remove_all(dir);  // ~0.5 GB of products; kept for inspection on failure
}
