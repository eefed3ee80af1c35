// `orthotrack run` under a memory budget: co-registration and offsets streamed in blocks give the
// same products for a tiny budget (many blocks) and a large one (one block), and the offsets equal
// the whole-image computation with the whole-image layover/shadow masks (GeometryMasks::apply).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include <unistd.h>

#include "../../src/workflow/context.hpp"
#include "cli_runner.hpp"
#include "sim_small.hpp"
#include "orthotrack/io/raster_io.hpp"
#include "orthotrack/workflow/run.hpp"

using namespace orthotrack;
namespace fs = std::filesystem;

namespace {
// Three scenes of the simulated small stack (1000 × 1000 master px): the master, a PALSAR-2 scene 98
// days before it and the PALSAR-1 scene of the paper's Figure 1, i.e. a same-platform pair and
// cross-platform (masked) bridge pairs. (The tiny simulated stack is too small for the DEM
// co-registration's 4 × 4-look matching.)
const std::string& tinyStack() {
  static const std::string dir = [] {
    const std::string sim = fs::absolute(test::simSmallDir()).string();
    const std::string d = (fs::temp_directory_path() / ("orthotrack_test_streaming_" + std::to_string(::getpid()))).string();
    fs::remove_all(d);
    fs::create_directories(d);
    std::string toml = "[stack]\nname = \"streaming\"\ndem = \"" + sim + "/dem.tif\"\noutput = \"run\"\nscenes = [\n";
    for (const char* id : {"ALOS1_20100225", "ALOS2_20160627", "ALOS2_20161003"}) toml += "  \"" + sim + "/scenes/" + id + ".json\",\n";
    toml += "]\n[coreg]\nmaster = \"ALOS2_20161003\"\ncompare_traditional = false\n"
            "[network]\nbridge_max_pairs = 8\nbridge_scenes = 3\n"
            "max_temporal_baseline_days = { \"PALSAR-1\" = 650.0, \"PALSAR-2\" = 490.0 }\n"
            "min_temporal_baseline_days = { \"PALSAR-1\" = 300.0, \"PALSAR-2\" = 70.0 }\n"
            "allow_disconnected = true\n"
            "[offsets]\nsearch = 16\nstep = 32\nwindows = [64, 96, 128]\n";
    io::writeFileAtomic(d + "/stack.toml", toml);
    return d;
  }();
  return dir;
}

workflow::RunSummary runUntilOffsets(const std::string& out, std::size_t memory) {
  fs::remove_all(out);
  workflow::RunParams rp;
  rp.stackPath = tinyStack() + "/stack.toml";
  rp.outDir = out;
  rp.untilStep = "offsets";
  rp.memoryBytes = memory;
  return workflow::runStack(rp);
}

template <class T>
bool sameBand(const io::RasterReader& a, const io::RasterReader& b, int band) {
  const Raster<T> x = a.readAll<T>(band), y = b.readAll<T>(band);
  return x.length() == y.length() && x.width() == y.width() && std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0;
}
}  // namespace

TEST(StreamingRun, TinyAndLargeBudgetsGiveTheSameProductsAndTheWholeImageOffsets) {
  const std::string big = tinyStack() + "/run_big", tiny = tinyStack() + "/run_tiny";
  runUntilOffsets(big, std::size_t{3} << 30);
  runUntilOffsets(tiny, std::size_t{1} << 20);  // below the fixed part: blocks of 8 lines, bands of 1 grid row
  const auto m = nlohmann::json::parse(io::readTextFile(tiny + "/manifest.json"));
  EXPECT_EQ(m.at("memory_bytes").get<std::size_t>(), std::size_t{1} << 20);
  EXPECT_NEAR(m.at("steps").at("offsets").at("memory_budget_mib").get<double>(), 1.0, 1e-9);

  int coregFiles = 0, offsetFiles = 0;
  for (const auto& e : fs::directory_iterator(big + "/coreg")) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".slc.tif")) {
      EXPECT_TRUE(sameBand<cfloat>(io::RasterReader(e.path().string()), io::RasterReader(tiny + "/coreg/" + name), 1)) << name;
      ++coregFiles;
    } else if (name.ends_with(".lookup.tif")) {
      const io::RasterReader a(e.path().string()), b(tiny + "/coreg/" + name);
      EXPECT_TRUE(sameBand<double>(a, b, 1) && sameBand<double>(a, b, 2)) << name;
    }
  }
  EXPECT_EQ(coregFiles, 3);

  // The offsets: equal between budgets, and equal to estimateOffsets on the whole images after
  // GeometryMasks::apply (the whole-image path) for the masked (cross-platform) pairs.
  workflow::detail::Context ctx;
  ctx.stack = io::loadStack(tinyStack() + "/stack.toml");
  ctx.run = fs::absolute(tiny).string();
  ctx.cfg = std::make_unique<workflow::detail::Config>(ctx.stack.params, ctx.stack.path);
  workflow::detail::readConfig(ctx);
  workflow::detail::GeometryMasks masks(ctx, ctx.maskDilatePx);
  int cross = 0;
  for (const auto& e : fs::directory_iterator(big + "/offsets")) {
    const std::string name = e.path().filename().string();
    if (!name.ends_with(".tif")) continue;
    const io::RasterReader a(e.path().string()), b(tiny + "/offsets/" + name);
    for (int band = 1; band <= 9; ++band) EXPECT_TRUE(sameBand<float>(a, b, band)) << name << " band " << band;
    const std::string ida = name.substr(0, name.find("__")), idb = name.substr(name.find("__") + 2, name.size() - name.find("__") - 6);
    Raster<cfloat> za = io::RasterReader(tiny + "/coreg/" + ida + ".slc.tif").readAll<cfloat>(1);
    Raster<cfloat> zb = io::RasterReader(tiny + "/coreg/" + idb + ".slc.tif").readAll<cfloat>(1);
    if (ctx.stack.scene(ida).platform != ctx.stack.scene(idb).platform) {
      EXPECT_GT(masks.apply(ida, idb, za, zb), 0.0) << name;
      ++cross;
    }
    const auto f = offsets::estimateOffsets(za.cview(), zb.cview(), ctx.offParams);
    const Raster<float> rg = b.readAll<float>(1), az = b.readAll<float>(2), snr = b.readAll<float>(3), flag = b.readAll<float>(9);
    ASSERT_EQ(rg.length(), f.grid.rows);
    ASSERT_EQ(rg.width(), f.grid.cols);
    std::int64_t differ = 0;
    for (std::int64_t i = 0; i < f.grid.rows; ++i)
      for (std::int64_t j = 0; j < f.grid.cols; ++j) {
        auto same = [](float x, float y) { return std::memcmp(&x, &y, sizeof x) == 0; };
        differ += !same(rg(i, j), f.range_offset(i, j)) || !same(az(i, j), f.azimuth_offset(i, j)) ||
                  !same(snr(i, j), f.snr(i, j)) || flag(i, j) != static_cast<float>(f.flag(i, j));
      }
    EXPECT_EQ(differ, 0) << name;
    ++offsetFiles;
  }
  EXPECT_GT(offsetFiles, 1);
  EXPECT_GT(cross, 0);
  fs::remove_all(big);
  fs::remove_all(tiny);
}

TEST(StreamingRun, BadMemoryValuesAreRejectedNamingTheOption) {
  for (const std::string v : {"2X", "abc", "10M", "0.01G", "1.5.2G"}) {
    const auto r = test::runCli("run /nonexistent/stack.toml --memory " + v);
    EXPECT_EQ(r.code, 2) << v << ": " << r.out;
    EXPECT_NE(r.out.find("--memory"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(v), std::string::npos) << r.out;
  }
  const auto c = test::runCli("coregister /nonexistent/stack.toml --memory 12Q");
  EXPECT_EQ(c.code, 2) << c.out;
  EXPECT_NE(c.out.find("--memory"), std::string::npos) << c.out;
}
