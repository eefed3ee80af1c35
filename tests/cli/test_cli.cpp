// The command line as a user meets it: documented exit codes and messages that name the file, the
// key and the value.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <regex>
#include <sys/wait.h>

#include "orthotrack/io/raster_io.hpp"
#include "stack_fixture.hpp"
#include "cli_runner.hpp"
#include "test_data.hpp"

using namespace orthotrack;

namespace {
using test::runCli;
}  // namespace

TEST(Cli, VersionAndHelp) {
  auto r = runCli("--version");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("orthotrack"), std::string::npos);
  r = runCli("--help");
  EXPECT_EQ(r.code, 0);
  for (const char* verb : {"run", "report", "simulate", "offsets", "info", "import", "stack"}) EXPECT_NE(r.out.find(verb), std::string::npos) << verb;
  r = runCli("frobnicate");
  EXPECT_EQ(r.code, 2);
}

TEST(Cli, InfoOnAValidStack) {
  const auto dir = test::tempDir("cli_info");
  const auto p = test::fakeStack(dir.string());
  const auto r = runCli("info " + p);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("PALSAR-1"), std::string::npos);
  EXPECT_NE(r.out.find("valid      yes"), std::string::npos);
}

TEST(Cli, ExitCodesForBadInput) {
  const auto dir = test::tempDir("cli_bad");
  auto r = runCli("info " + (dir / "none.toml").string());
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("none.toml"), std::string::npos) << r.out;
  const auto p = test::fakeStack(dir.string());
  std::string text = io::readTextFile(p);
  io::writeFileAtomic(p, std::regex_replace(text, std::regex("step = 16"), "step = -4"));
  r = runCli("run " + p);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("offsets.step"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-4"), std::string::npos) << r.out;
  // Offsets between rasters of different sizes.
  io::writeRaster((dir / "a.tif").string(), Raster<float>(64, 64, 1.0f));
  io::writeRaster((dir / "b.tif").string(), Raster<float>(64, 80, 1.0f));
  r = runCli("offsets " + (dir / "a.tif").string() + " " + (dir / "b.tif").string() + " -o " + (dir / "o.tif").string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("same size"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "o.tif"));
  // A DEM that does not cover the scenes: exit 4, naming the DEM and the scenes.
  test::fakeDem((dir / "dem.tif").string(), 98.6, 31.0);
  r = runCli("info " + p);
  EXPECT_EQ(r.code, 4) << r.out;
  EXPECT_NE(r.out.find("does not cover the footprint of: A1, A2, B1"), std::string::npos) << r.out;
  r = runCli("report " + (dir / "norun").string());
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("no manifest.json"), std::string::npos) << r.out;
  r = runCli("simulate --out " + (dir / "s").string() + " --size huge");
  EXPECT_EQ(r.code, 2) << r.out;
}
