// The paper's table reproduced on the simulated small stack: simulate, run the whole method, compare
// with the truth (every row of analysis/summary.json's truth comparison must meet its target).
#include <gtest/gtest.h>

#include <filesystem>

#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/simulate/simulate.hpp"
#include "orthotrack/workflow/run.hpp"
#include "test_data.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;

TEST(EndToEnd, SimulatedBaigeStackReproducesThePaperTable) {
  const auto dir = test::tempDir("e2e");
  simulate::SimParams sp;
  sp.outDir = (dir / "stack").string();
  const auto sim = simulate::simulateStack(sp);
  workflow::RunParams rp;
  rp.stackPath = sim.stackPath;
  rp.outDir = (dir / "run").string();
  const auto res = workflow::runStack(rp);
  ASSERT_TRUE(fs::exists(res.reportPath));
  ASSERT_TRUE(res.summary.contains("truth_comparison"));
  const auto& rows = res.summary["truth_comparison"]["rows"];
  ASSERT_GE(rows.size(), 10u);
  for (const auto& r : rows)
    EXPECT_TRUE(r.at("pass").get<bool>()) << r.at("quantity").get<std::string>() << ": measured " << r.at("measured").dump()
                                          << ", truth " << r.at("truth").dump() << ", target " << r.at("target").get<std::string>();
  // Rerunning finds every step complete and recomputes nothing.
  const auto again = workflow::runStack(rp);
  for (const auto& s : again.steps) EXPECT_TRUE(s.skipped) << s.name;
  // Forcing a late step reruns only that step and the ones after it.
  rp.fromStep = "analysis";
  const auto forced = workflow::runStack(rp);
  for (const auto& s : forced.steps) EXPECT_EQ(s.skipped, s.name != "analysis" && s.name != "report") << s.name;
}
