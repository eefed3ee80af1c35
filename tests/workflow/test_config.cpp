// Bad configuration values in a stack's processing sections are rejected before any work, with a
// message naming the stack file, the key and the value.
#include <gtest/gtest.h>

#include <regex>

#include "orthotrack/core/error.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/workflow/run.hpp"
#include "stack_fixture.hpp"
#include "test_data.hpp"

using namespace orthotrack;

namespace {
void expectConfigError(const std::string& name, const std::string& section, const std::string& needle) {
  const auto dir = test::tempDir("cfg_" + name);
  const auto p = test::fakeStack(dir.string());
  std::string text = io::readTextFile(p);
  text = std::regex_replace(text, std::regex("\\[offsets\\]\nstep = 16\n"), "");
  io::writeFileAtomic(p, text + "\n" + section + "\n");
  workflow::RunParams rp;
  rp.stackPath = p;
  try {
    workflow::runStack(rp);
    FAIL() << name << ": accepted";
  } catch (const InvalidInput& e) {
    const std::string w = e.what();
    EXPECT_NE(w.find("stack.toml"), std::string::npos) << w;
    EXPECT_NE(w.find(needle), std::string::npos) << w;
  }
}
}  // namespace

TEST(RunConfig, BadValuesNameFileKeyAndValue) {
  expectConfigError("unknown_key", "[offsets]\nwindow = 64", "offsets.window");
  expectConfigError("unknown_section", "[ofsets]\nstep = 4", "[ofsets]");
  expectConfigError("range", "[offsets]\nstep = 0", "offsets.step");
  expectConfigError("type", "[offsets]\nwindows = \"64\"", "offsets.windows");
  expectConfigError("windows", "[offsets]\nwindows = [64, 4]", "offsets.windows");
  expectConfigError("method", "[coreg]\nmethod = \"magic\"", "coreg.method");
  expectConfigError("robust", "[timeseries]\nrobust = \"l1\"", "timeseries.robust");
  expectConfigError("network", "[network]\nmin_temporal_baseline_days = { \"PALSAR-1\" = -3 }", "network.min_temporal_baseline_days.PALSAR-1");
  expectConfigError("points", "[analysis]\npoints = [{ name = \"A\", lon = \"x\" }]", "analysis.points[0]");
  expectConfigError("posting", "[geocode]\nposting_deg = -1.0", "geocode.posting_deg");
  expectConfigError("mask", "[offsets]\nmask_layover_shadow = \"some\"", "offsets.mask_layover_shadow");
  expectConfigError("nodata", "[offsets]\nmax_nodata_fraction = 1.5", "offsets.max_nodata_fraction");
  expectConfigError("filter_even", "[timeseries]\nfilter_size = 4", "timeseries.filter_size");
  expectConfigError("flatness", "[timeseries]\nfilter_flatness = -1.0", "timeseries.filter_flatness");
  expectConfigError("refine_order", "[coreg]\nrefine_order = 4", "coreg.refine_order");
  expectConfigError("lookup_tolerance", "[coreg]\nlookup_tolerance_px = -0.1", "coreg.lookup_tolerance_px");
}

TEST(RunConfig, UnknownStepIsAnError) {
  const auto dir = test::tempDir("cfg_step");
  workflow::RunParams rp;
  rp.stackPath = test::fakeStack(dir.string());
  rp.fromStep = "everything";
  EXPECT_THROW(workflow::runStack(rp), InvalidInput);
}
